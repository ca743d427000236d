"""In one process, without HTTP: how long each bench page takes to render, and where the time goes.

    .venv/bin/python -m bench.profile --scale 0.1                 # every page, ms per request
    .venv/bin/python -m bench.profile --scale 0.1 --profile "staff: call list"   # cProfile, top 25

It uses the SQLite data set `make bench` built for that scale (instance/bench/) and the bench app with
the page cache off; the people log in through the login form as in the bench. Times are the median
of --repeat requests after one warm-up, beside the 20-row list ceiling of the same process.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from scripts.bench import PROJECT_ROOT, landmarks, pages, sqlite_dataset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", default="", help="the name of one page to profile")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    from bench import data
    from bench.app import create_bench_app

    url = args.database_url or sqlite_dataset(args.scale, PROJECT_ROOT / "instance" / "bench")
    marks = landmarks(url)
    app = create_bench_app({"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_SECONDS": 0, "WTF_CSRF_ENABLED": False,
                            "REDIS_URL": None})
    emails = {"jury": data.BENCH_JURY_EMAIL, "staff": data.BENCH_STAFF_EMAIL,
              "entrepreneur": data.BENCH_ENTREPRENEUR_EMAIL, "citizen": data.BENCH_CITIZEN_EMAIL}
    clients = {"": app.test_client()}
    for who, email in emails.items():
        clients[who] = app.test_client()
        reply = clients[who].post("/account/login", data={"email": email, "password": data.BENCH_PASSWORD})
        assert reply.status_code == 302, (who, reply.status_code)
    ceiling = None
    for page in pages(marks):
        if args.profile and page.name != args.profile and not page.name.startswith("ceiling: 20"):
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
        print(f"{page.name:40} {status}  {ms:7.1f} ms  {ratio} of the list ceiling", flush=True)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
