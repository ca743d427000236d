"""In one process, without HTTP: how long each bench page takes to render, and where the time goes.

    .venv/bin/python -m bench.profile --scale 0.1                 # every page, ms per request
    .venv/bin/python -m bench.profile --scale 0.1 --profile "staff: call list"   # cProfile, top 25
    .venv/bin/python -m bench.profile --frame --profile "frame: base.html, staff"   # the frame alone
    .venv/bin/python -m bench.profile --redis-url redis://127.0.0.1:6379/9        # sessions in Redis

It uses the SQLite data set `make bench` built for that scale (instance/bench/) and the bench app with
the page cache off; the people log in through the login form as in the bench. Times are the median
of --repeat requests after one warm-up, beside the 20-row list ceiling of the same process.

`--frame` measures only what every page pays around its own work (issue #20): a trivial request
(/_bench/bare) and a page whose content is one paragraph (/_bench/frame, so base.html with its menu
and footer is nearly all of it), anonymous and logged in as each bench person. `--redis-url` keeps
the sessions (and the other shared state) in Redis as `make bench` does, under a prefix of this run
whose keys are deleted afterwards; without it the sessions are signed cookies.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from flask import Flask

from scripts.bench import PEOPLE, PROJECT_ROOT, Page, forget_redis_keys, landmarks, pages, sqlite_dataset


def frame_pages() -> list[Page]:
    """The frame alone: nothing of a page's own work (bench/views.py)."""
    found = [Page("ceiling: bare Flask", "/_bench/bare", "—"),
             Page("ceiling: 20-row SQLAlchemy list", "/_bench/list", "—"),
             Page("frame: base.html, anonymous", "/_bench/frame", "—")]
    for who in PEOPLE:
        found += [Page(f"frame: bare, {who}", "/_bench/bare", "—", who=who),
                  Page(f"frame: base.html, {who}", "/_bench/frame", "—", who=who)]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", default="", help="the name of one page to profile")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--frame", action="store_true", help="only the frame every page pays (see above)")
    parser.add_argument("--redis-url", default="", help="sessions in this Redis, as `make bench` has them")
    parser.add_argument("--page", action="append", default=[], help="only this page (repeatable), beside the ceilings")
    parser.add_argument("--calls", action="store_true", help="also count Python calls per request (cProfile)")
    args = parser.parse_args()
    from bench.app import create_bench_app

    url = args.database_url or sqlite_dataset(args.scale, PROJECT_ROOT / "instance" / "bench")
    marks = landmarks(url)
    prefix = f"mvi-profile-{os.getpid()}:"
    app = create_bench_app({"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_SECONDS": 0, "WTF_CSRF_ENABLED": False,
                            "REDIS_URL": args.redis_url or None, "REDIS_PREFIX": prefix})
    try:
        measured = frame_pages() if args.frame else pages(marks)
        if args.page or args.profile:  # any page by its name, the frame's included
            measured = pages(marks) + [page for page in frame_pages() if page.name.startswith("frame: ")]
        run(app, args, measured)
    finally:
        if args.redis_url:
            forget_redis_keys(args.redis_url, prefix)
    return 0


def run(app: Flask, args: argparse.Namespace, measured: list[Page]) -> None:
    from sqlalchemy import event

    from bench import data
    from mvi_challenges.core.db import db

    queries = [0]

    def count_query(*_args: object) -> None:
        queries[0] += 1

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", count_query)

    emails = {"jury": data.BENCH_JURY_EMAIL, "staff": data.BENCH_STAFF_EMAIL,
              "entrepreneur": data.BENCH_ENTREPRENEUR_EMAIL, "citizen": data.BENCH_CITIZEN_EMAIL}
    clients = {"": app.test_client()}
    for who, email in emails.items():
        clients[who] = app.test_client()
        reply = clients[who].post("/account/login", data={"email": email, "password": data.BENCH_PASSWORD})
        assert reply.status_code == 302, (who, reply.status_code)
    ceiling = None
    for page in measured:
        chosen = [*args.page, args.profile] if args.profile or args.page else []
        if chosen and page.name not in chosen and not page.name.startswith("ceiling: "):
            continue
        client = clients[page.who]
        status = client.get(page.path).status_code
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(page.path)
            times.append((time.perf_counter() - start) * 1000)
        ms = statistics.median(times)
        if page.name.startswith("ceiling: 20"):
            ceiling = ms
        ratio = f"{ceiling / ms:5.0%}" if ceiling else "  —"
        queries[0] = 0
        client.get(page.path)
        counted = f"  {queries[0]:3} queries"
        if args.calls:  # Python calls per request: steadier than milliseconds on a shared machine
            profiler = cProfile.Profile()
            profiler.runcall(client.get, page.path)
            counted += f"  {pstats.Stats(profiler).total_calls:7,} calls"  # type: ignore[attr-defined]
        print(f"{page.name:40} {status}  {ms:7.1f} ms  {ratio} of the list ceiling{counted}", flush=True)
        if args.profile and page.name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                client.get(page.path)
            profiler.disable()
            stats = pstats.Stats(profiler)
            print(f"{stats.total_calls // args.repeat:,} calls per request")  # type: ignore[attr-defined]
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    raise SystemExit(main())
