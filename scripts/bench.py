"""Speed at city scale: the key pages under load, beside two ceilings, on SQLite and PostgreSQL.

    make bench                       # scale 1, SQLite, then PostgreSQL when it answers
    make bench BENCH_SCALE=0.1       # a smaller data set, to iterate

What happens, per database:
1. The data set (`flask bench-data --scale S`) is built once and cached: a SQLite file under
   instance/bench/, or a PostgreSQL database `mvi_bench_<scale>`; the cache key is the scale, the
   Alembic head and a digest of the migrations and the generator, so a change rebuilds it.
2. gunicorn with 2 sync workers on loopback serves `bench.app:create_bench_app()`: the app plus the
   two ceilings, `/_bench/bare` (Flask alone) and `/_bench/list` (a 20-row SQLAlchemy list), with
   two-step verification off so the bench can log in as staff and jury members.
3. Twice per database: with the page cache as in production (PAGE_CACHE_SECONDS=5) and without it
   (PAGE_CACHE_SECONDS=0), a fresh gunicorn each time. The targets are judged without the cache:
   it serves nobody who is logged in, and it hides how slowly a page renders.
4. wrk (Debian's; `apt-get install wrk`) sends 16 connections for DURATION seconds per page; the
   pages of logged-in people are measured with the session cookie of a bench person (the jury
   chair, a staff member, an entrepreneur with 50 proposals, a citizen), who logs in through the
   login form.
5. One line per page: requests/s, p50, p99, and the ratio to each ceiling of the same run, and after
   each run every worker's resident memory. The table goes to bench/results.md with a description
   of the machine.
6. As in production the workers share Redis when one answers (BENCH_REDIS_URL, default
   redis://127.0.0.1:6379/8, keys under a prefix of the run, deleted afterwards); without it each
   worker keeps its own page cache and kept results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from scripts.liveserver import PROJECT_ROOT, Browser, GunicornServer

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# As in production, the workers share Redis (sessions, the page cache, the kept jury results) when
# one answers here; its keys get a prefix of this run and are deleted afterwards. BENCH_REDIS_URL=""
# measures the embedded default instead: every worker keeps its own caches.
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"
CONNECTIONS = 16
WORKERS = 2
WARM_UP_SECONDS = 2
PRODUCTION_CACHE_SECONDS = 5
# The normal app plus the ceilings, without two-step verification or rate limits (bench/app.py).
BENCH_APP = "bench.app:create_bench_app()"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    target: str  # what the issue asks of it
    who: str = ""  # measured logged in as this bench person (a key of PEOPLE); "" = anonymous
    deep_of: str = ""  # a deep page: the name of its page 1, at most 1.5 times slower
    p99_ms: float = 50.0  # the latency target


# The bench people (bench/data.py) whose pages are measured logged in.
PEOPLE = ("jury", "staff", "entrepreneur", "citizen")


@dataclass(frozen=True)
class Landmarks:
    aggregation_phase: int
    call_slug: str
    deep_page: int  # four fifths down the call list (page 400 at scale 1)
    deep_filtered_page: int
    jury_proposal: int  # a proposal of the aggregation phase: the jury member's score sheet
    staff_call: int  # the bench staff member's open call with 40 questions
    editable_proposal: int  # the bench entrepreneur's proposal in an open phase


def pages(marks: Landmarks) -> list[Page]:
    deep, deep_filtered = marks.deep_page, marks.deep_filtered_page
    return [
        Page("ceiling: bare Flask", "/_bench/bare", "—"),
        Page("ceiling: 20-row SQLAlchemy list", "/_bench/list", "—"),
        Page("home", "/", "≥ 50 % of list ceiling, p99 < 50 ms"),
        Page("call list, page 1", "/calls", "≥ 50 %, p99 < 50 ms"),
        Page(f"call list, page {deep}", f"/calls?page={deep}", "≤ 1.5 × page 1", deep_of="call list, page 1"),
        Page("call list, filtered, page 1", "/calls?kind=challenge&level=3", "≥ 50 %, p99 < 50 ms"),
        Page(f"call list, filtered, page {deep_filtered}", f"/calls?kind=challenge&level=3&page={deep_filtered}",
             "≤ 1.5 × filtered page 1", deep_of="call list, filtered, page 1"),
        Page("text search", "/calls?q=circulair", "≥ 50 %, p99 < 50 ms"),
        Page("call detail", f"/calls/{marks.call_slug}", "≥ 50 %, p99 < 50 ms"),
        Page("dialogue list", "/dialogues?when=past", "≥ 50 %, p99 < 50 ms"),
        Page("dashboard", "/monitoring", "≥ 50 %, p99 < 50 ms"),
        Page("API calls list", "/api/v1/calls", "≥ 50 %, p99 < 50 ms"),
        Page("OCDS package, page 2", "/api/v1/ocds/releases.json?page=2", "≥ 50 %, p99 < 50 ms"),
        Page("jury aggregation (500 × 9 × 6)", f"/jury/phases/{marks.aggregation_phase}/results", "p99 < 150 ms",
             who="jury", p99_ms=150.0),
        *logged_in_pages(marks),
    ]


def logged_in_pages(marks: Landmarks) -> list[Page]:
    """The pages of the people who work on the platform (issue #20): never served from the cache."""
    target = "≥ 50 %, p99 < 50 ms"
    phase, call = marks.aggregation_phase, marks.staff_call
    return [
        Page("entrepreneur: Mijn voorstellen (50)", "/my/proposals", target, who="entrepreneur"),
        Page("entrepreneur: proposal form", f"/proposals/{marks.editable_proposal}/edit", target, who="entrepreneur"),
        Page("jury: phase page (500 proposals)", f"/jury/phases/{phase}", target, who="jury"),
        Page("jury: score sheet", f"/jury/phases/{phase}/proposals/{marks.jury_proposal}", target, who="jury"),
        Page("staff: call list", "/staff/calls", target, who="staff"),
        Page("staff: call management", f"/staff/calls/{call}", target, who="staff"),
        Page("staff: questions (40)", f"/staff/calls/{call}/questions", target, who="staff"),
        Page("staff: work list (/my)", "/my", target, who="staff"),
        Page("staff: monitoring per manager", "/staff/monitoring", target, who="staff"),
        Page("citizen: my dialogues (/my)", "/my", target, who="citizen"),
    ]


@dataclass(frozen=True)
class Measurement:
    page: Page
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


# --- the data set ------------------------------------------------------------------------------


def alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head() or "none"


def dataset_key(scale: float) -> str:
    """Scale, Alembic head and a digest of the migrations and the generator: a change to either
    (even an edited revision that keeps its number) builds a new data set."""
    digest = hashlib.sha256()
    migrations = sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py"))
    for path in [*migrations, PROJECT_ROOT / "bench" / "data.py"]:
        digest.update(path.read_bytes())
    return f"{scale:g}-{alembic_head()}-{digest.hexdigest()[:10]}"


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", BENCH_APP, *args], cwd=PROJECT_ROOT,  # noqa: S603
                   env={**os.environ, **env}, check=True)


def sqlite_dataset(scale: float, cache: Path) -> str:
    """A cached SQLite file for this scale and schema; built on first use."""
    path = cache / f"bench-{dataset_key(scale)}.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"building the SQLite data set at scale {scale:g} (once) …", flush=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        env = {"DATABASE_URL": f"sqlite:///{partial}"}
        flask(env, "db", "upgrade")
        flask(env, "bench-data", "--scale", str(scale))
        connection = sqlite3.connect(partial)
        try:
            connection.execute("ANALYZE")  # what a maintained production database has
            connection.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal/-shm beside it
        finally:
            connection.close()
        partial.rename(path)
    return url


def postgres_dataset(scale: float, server_url: str, cache: Path) -> str | None:
    """A cached PostgreSQL database for this scale; its key is kept in a stamp file beside the SQLite ones."""
    import psycopg

    base = make_url(server_url).set(drivername="postgresql")
    name = f"mvi_bench_{str(scale).replace('.', '_')}"
    key = dataset_key(scale)
    stamp = cache / f"{name}.stamp"
    admin = base.set(database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and stamp.exists() and stamp.read_text() == key:
                return base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
            print(f"building the PostgreSQL data set at scale {scale:g} (once) …", flush=True)
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable ({error}); skipped", flush=True)
        return None
    url = base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    env = {"DATABASE_URL": url}
    flask(env, "db", "upgrade")
    flask(env, "bench-data", "--scale", str(scale))
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    stamp.write_text(key)
    return url


def landmarks(url: str) -> Landmarks:
    """The aggregation phase, an SBIR call's slug and the deep pages, read from the data set."""
    from sqlalchemy import func, select

    from bench.data import AGGREGATION_CALL_SLUG, BENCH_ENTREPRENEUR_EMAIL, BENCH_STAFF_CALL_SLUG
    from mvi_challenges import create_app
    from mvi_challenges.accounts.models import User
    from mvi_challenges.calls.models import Call, CallKind, CallStatus, Phase
    from mvi_challenges.calls.services import visible_to_public
    from mvi_challenges.core.db import db
    from mvi_challenges.proposals.models import Proposal

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        session = db.session
        phase_id = session.scalar(select(Phase.id).join(Call).where(Call.slug == AGGREGATION_CALL_SLUG))
        slug = session.scalar(select(Call.slug).where(visible_to_public(), Call.kind == CallKind.SBIR)
                              .order_by(Call.published_at.desc()).limit(1))
        public = session.scalar(select(func.count(Call.id)).where(visible_to_public())) or 0
        filtered = session.scalar(select(func.count(Call.id)).where(
            visible_to_public(), Call.kind == CallKind.CHALLENGE, Call.ambition_level == 3)) or 0
        jury_proposal = session.scalar(select(func.min(Proposal.id)).where(Proposal.phase_id == phase_id))
        staff_call = session.scalar(select(Call.id).where(Call.slug == BENCH_STAFF_CALL_SLUG))
        editable = session.scalar(
            select(Proposal.id).join(User, User.organisation_id == Proposal.organisation_id).join(Phase).join(Call)
            .where(User.email == BENCH_ENTREPRENEUR_EMAIL, Call.status == CallStatus.PUBLISHED,
                   Phase.closes_at > dt.datetime.now(dt.UTC)).order_by(Proposal.id.desc()).limit(1))
        session.remove()
        db.engine.dispose()
    return Landmarks(int(phase_id or 0), str(slug), max(1, public * 4 // 5 // 20), max(1, filtered * 4 // 5 // 20),
                     int(jury_proposal or 0), int(staff_call or 0), int(editable or 0))


# --- load --------------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: trying `apt-get install -y wrk` …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},  # noqa: S607
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("wrk")


LATENCY = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(wrk: str, base_url: str, page: Page, seconds: int, cookies: dict[str, str]) -> Measurement:
    headers = ["-H", f"Cookie: {cookies[page.who]}"] if page.who else []
    output = subprocess.run(  # noqa: S603 - our arguments
        [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
         *headers, base_url + page.path],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = {q: float(v) * UNITS[u] for q, v, u in LATENCY.findall(output)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    return Measurement(page, rps, latency.get("50", 0.0), latency.get("99", 0.0), errors)


def session_cookies(base_url: str) -> dict[str, str]:
    """Each bench person logs in through the login form (no second step in the bench app)."""
    from bench import data

    emails = {"jury": data.BENCH_JURY_EMAIL, "staff": data.BENCH_STAFF_EMAIL,
              "entrepreneur": data.BENCH_ENTREPRENEUR_EMAIL, "citizen": data.BENCH_CITIZEN_EMAIL}
    cookies = {}
    for who in PEOPLE:
        browser = Browser(base_url)
        form = browser.get("/account/login")
        reply = browser.post("/account/login", {"csrf_token": form.csrf_token(), "email": emails[who],
                                                "password": data.BENCH_PASSWORD})
        if reply.status != 302:
            raise SystemExit(f"the bench {who} could not log in (status {reply.status}): {reply.error_text()}")
        cookies[who] = browser.cookie_header()
    return cookies


def settle(base_url: str, timeout: float = 60.0) -> None:
    """Until the workers are idle again: requests of a slow page that wrk gave up on still sit in
    gunicorn's backlog and would otherwise be served during (and counted against) the next page."""
    deadline = time.monotonic() + timeout
    browser = Browser(base_url, timeout=timeout)
    while time.monotonic() < deadline:
        start = time.monotonic()
        browser.get("/_bench/bare")
        if time.monotonic() - start < 0.05:
            return
        time.sleep(0.2)


def resident_memory_mb(pid: int) -> float:
    """A process's resident set (VmRSS) in MB, from /proc."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


def reachable_redis(url: str) -> str | None:
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as error:  # any failure: measure the embedded default instead
        print(f"Redis at {url} not reachable ({error}); every worker keeps its own caches", flush=True)
        return None
    return url


def forget_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)


@dataclass(frozen=True)
class Run:
    """One gunicorn, one database, the page cache on or off."""

    label: str
    cache_seconds: int
    results: list[Measurement]
    worker_memory_mb: list[float]


def measure(label: str, url: str, seconds: int, wrk: str, redis_url: str | None, cache_seconds: int) -> Run:
    marks = landmarks(url)
    # Public pages shared for PAGE_CACHE_SECONDS (5 s in production, 0 = off); the pages of logged-in
    # people and the two ceilings are never cached.
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-only-secret", "PAGE_CACHE_SECONDS": str(cache_seconds)}
    prefix = f"mvi-bench-{os.getpid()}-{label.lower()}-{cache_seconds}:"
    if redis_url:
        env.update({"REDIS_URL": redis_url, "REDIS_PREFIX": prefix})
    cache = f"page cache {cache_seconds} s" if cache_seconds else "page cache off"
    with tempfile.TemporaryDirectory() as folder, \
            GunicornServer(BENCH_APP, workers=WORKERS, env=env, log_path=Path(folder) / "gunicorn.log") as server:
        cookies = session_cookies(server.base_url)
        results: list[Measurement] = []
        print(f"\n{label}, {cache}: gunicorn {WORKERS} workers, wrk {CONNECTIONS} connections, {seconds} s per page",
              flush=True)
        for page in pages(marks):
            # Two seconds of the same load first, not measured: every worker has opened its database
            # connection and filled its caches (the jury's aggregation is computed once per worker
            # here; with REDIS_URL once for all), so the figures are the steady state.
            run_wrk(wrk, server.base_url, page, WARM_UP_SECONDS, cookies)
            result = run_wrk(wrk, server.base_url, page, seconds, cookies)
            results.append(result)
            settle(server.base_url)
            print(line(result, results), flush=True)
        memory = [resident_memory_mb(pid) for pid in server.worker_pids()]
        print(f"  resident memory per worker: {', '.join(f'{mb:.0f} MB' for mb in memory)}", flush=True)
        if redis_url:
            forget_redis_keys(redis_url, prefix)
        return Run(label, cache_seconds, results, memory)


# --- the report --------------------------------------------------------------------------------


def ratios(result: Measurement, results: list[Measurement]) -> tuple[str, str]:
    bare, listing = results[0].requests_per_second, (results[1].requests_per_second if len(results) > 1 else 0)
    return (f"{result.requests_per_second / bare:.0%}" if bare else "—",
            f"{result.requests_per_second / listing:.0%}" if listing else "—")


def met(result: Measurement, results: list[Measurement]) -> str:
    """Whether the issue's target for this page was met in this run."""
    page = result.page
    if page.name.startswith("ceiling"):
        return ""
    if result.requests_per_second <= 0:  # not one answer within the run: no latency to judge
        return "no"
    if page.p99_ms != 50.0:
        return "yes" if result.p99_ms < page.p99_ms else "no"
    if page.deep_of:
        first = next((r for r in results if r.page.name == page.deep_of), None)
        return "yes" if first and result.p50_ms <= 1.5 * first.p50_ms else "no"
    listing = results[1].requests_per_second if len(results) > 1 else 0
    return "yes" if listing and result.requests_per_second >= 0.5 * listing and result.p99_ms < 50 else "no"


def line(result: Measurement, results: list[Measurement]) -> str:
    of_bare, of_list = ratios(result, results)
    errors = f"  ({result.errors} errors)" if result.errors else ""
    return (f"  {result.page.name:34} {result.requests_per_second:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
            f"p99 {result.p99_ms:7.1f} ms  {of_bare:>5} of bare  {of_list:>5} of list  "
            f"{met(result, results):3}{errors}")


def machine() -> list[str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "unknown")
    memory_kb = next((int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")), 0)
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607
    except OSError:
        pg = "psql not installed"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return [f"- CPU: {os.cpu_count()} × {cpu}; load average when written: {load} (other work on the machine "
            "slows both the pages and the ceilings: compare the ratios, not the absolute figures)",
            f"- memory: {memory_kb / 1024 / 1024:.1f} GiB", f"- Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, PostgreSQL client: {pg}", f"- {platform.platform()}"]


def markdown(scale: float, seconds: int, runs: list[tuple[Run, Run]], redis_url: str | None) -> str:
    """Per database one table: each page with the page cache (as in production) and without it; the
    target is judged without the cache, against the ceilings of that same run."""
    shared = (f"the workers share Redis ({redis_url}: sessions, page cache, kept jury results), as in production"
              if redis_url else "no Redis: each worker keeps its own page cache and kept results")
    out = ["# Benchmark results", "", f"`make bench BENCH_SCALE={scale:g} BENCH_SECONDS={seconds}`: gunicorn "
           f"{WORKERS} sync workers, wrk {CONNECTIONS} connections, {seconds} s per page after {WARM_UP_SECONDS} s "
           f"of the same load (not counted), on loopback; {shared}. Every page is measured twice, by two "
           "fresh servers: with the page cache as in production (`PAGE_CACHE_SECONDS=5`) and without it "
           "(`PAGE_CACHE_SECONDS=0`). The cache only serves anonymous visitors, so the target is judged "
           "without it. Ratios are requests/s against the 20-row list ceiling of the same server.",
           "", *machine(), ""]
    for cached, uncached in runs:
        out += [f"## {uncached.label}", "",
                "| page | cache on: req/s | p99 ms | of list | cache off: req/s | p50 ms | p99 ms | of bare | "
                "of 20-row list | target (cache off) | met |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for on, off in zip(cached.results, uncached.results, strict=True):
            on_list = ratios(on, cached.results)[1]
            of_bare, of_list = ratios(off, uncached.results)
            out.append(f"| {off.page.name} | {on.requests_per_second:.1f} | {on.p99_ms:.1f} | {on_list} | "
                       f"{off.requests_per_second:.1f} | {off.p50_ms:.1f} | {off.p99_ms:.1f} | {of_bare} | {of_list} | "
                       f"{off.page.target} | {met(off, uncached.results)} |")
        for run in (cached, uncached):
            cache = f"page cache {run.cache_seconds} s" if run.cache_seconds else "page cache off"
            out.append(f"\nResident memory per worker after the run ({cache}): "
                       f"{', '.join(f'{mb:.0f} MB' for mb in run.worker_memory_mb)} (target < 200 MB).")
        out.append("")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG),
                        help="a PostgreSQL server (its database is not used; mvi_bench_<scale> is created)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
                        help='a Redis the workers share, as in production ("" for none)')
    args = parser.parse_args()
    wrk = ensure_wrk()
    if wrk is None:
        print("wrk is needed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    cache = PROJECT_ROOT / "instance" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    redis_url = reachable_redis(args.redis_url)
    databases = [("SQLite", sqlite_dataset(args.scale, cache))]
    if not args.skip_postgres:
        pg_url = postgres_dataset(args.scale, args.postgres_url, cache)
        if pg_url:
            databases.append(("PostgreSQL", pg_url))
    runs = [(measure(label, url, args.seconds, wrk, redis_url, PRODUCTION_CACHE_SECONDS),
             measure(label, url, args.seconds, wrk, redis_url, 0)) for label, url in databases]
    report = PROJECT_ROOT / "bench" / "results.md"
    report.parent.mkdir(exist_ok=True)
    report.write_text(markdown(args.scale, args.seconds, runs, redis_url))
    print(f"\nwritten to {report.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
