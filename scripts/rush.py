"""The deadline rush: hundreds of entrepreneurs submit in the last minute, through real gunicorn workers.

    make rush                                   # SQLite file in a temporary folder
    make rush DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/mvi_rush
    make rush RUSH_ARGS="--servers 2"           # two app servers behind one address (needs Redis)

What happens:
1. A fresh database: a SQLite file in a temporary folder, or the PostgreSQL database named in
   DATABASE_URL, dropped and created again (its name must contain "rush", so a real database is
   never touched) and dropped afterwards. `flask --app app db upgrade` creates the schema.
2. Setup through the services: CLIENTS entrepreneurs, each with an organisation (one transaction,
   one precomputed password hash: hashing 200 passwords would take longer than the rush itself),
   and a published challenge whose deadline is about 70 seconds ahead.
3. gunicorn with WORKERS sync workers on a free loopback port, serving `app:app` as in production
   (login rate limiting stays on: only failed logins count, and these clients type their password
   right).
4. In the last minute before the deadline every client logs in and submits through the real HTML
   forms with their CSRF tokens: login, "start a proposal" on the call page, then "save and
   submit" on the proposal form, then the receipt page. Some clients double-click (the start and
   the submit POST are sent twice at the same moment), some give up waiting for the submit answer
   (a client-side timeout) and send it again. A few late clients submit just after the deadline;
   they must be refused.
   With `--servers 2` the workers are split over two gunicorn servers that share only the
   database, Redis (REDIS_URL: sessions, login counts; `--redis-url`, default db 7 with a key
   prefix of its own) and the upload folder, behind one round-robin address (scripts/roundrobin.py),
   so consecutive requests of one client land on different servers.
5. The figures: attempted (clients that submitted before the deadline), stored (distinct
   submitted proposals in the database), duplicates (more than one proposal per organisation and
   phase), lost (attempted - stored), 5xx answers and the latency percentiles. Each receipt's
   SHA-256 digest must be one the database holds. Exit status 0 only when the targets are met:
   stored = attempted, 0 duplicates, 0 lost, 0 5xx, every late submission refused.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from scripts.liveserver import PROJECT_ROOT, Browser, GunicornServer, Reply
from scripts.roundrobin import RoundRobinProxy

PASSWORD = "rush-een-heel-lang-wachtwoord-2025"  # noqa: S105 - throw-away accounts in a throw-away database
APP_TARGET = "app:app"
FIRST_START = 60.0  # seconds before the deadline the first client begins
LAST_START = 15.0  # ... and the last (a flow takes a few seconds under load)
SUBMIT_TIMEOUT = 0.005  # the impatient client's timeout before it sends the submission again
RECEIPT_PATH = re.compile(r"/proposals/(\d+)/receipt/(\d+)$")
EDIT_PATH = re.compile(r"/proposals/(\d+)/edit$")
DIGEST = re.compile(r'<code class="digest">([0-9a-f]{64})</code>')


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    email: str
    behaviour: str  # "normal", "double-click", "retry" or "late"
    start_at: float  # wall-clock time (time.time()) at which the client begins


@dataclass
class Outcome:
    client: Client
    digests: list[str] = field(default_factory=list)
    submit_sent_at: float = 0.0
    timed_out: int = 0
    refused_late: bool = False
    judged_late: bool = False  # sent before the deadline, refused because it was handled after it
    problems: list[str] = field(default_factory=list)


@dataclass
class Log:
    """Every answered request (label, status, seconds), from all threads."""

    entries: list[tuple[str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, label: str, status: int, seconds: float) -> None:
        with self.lock:
            self.entries.append((label, status, seconds))


def plan_clients(emails: list[str], late: list[str], deadline: float, shares: dict[str, float],
                 rng: random.Random) -> list[Client]:
    """Start times between FIRST_START and LAST_START seconds before the deadline, crowding
    towards the end as a real rush does; behaviours by the given shares."""
    behaviours = []
    for behaviour, share in shares.items():
        behaviours += [behaviour] * round(share * len(emails))
    behaviours += ["normal"] * (len(emails) - len(behaviours))
    rng.shuffle(behaviours)
    clients = []
    for email, behaviour in zip(emails, behaviours, strict=True):
        before = FIRST_START - (FIRST_START - LAST_START) * math.sqrt(rng.random())
        clients.append(Client(email, behaviour, deadline - before))
    clients += [Client(email, "late", deadline - 30.0) for email in late]
    return sorted(clients, key=lambda c: c.start_at)


# --- the database --------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(url: str | None, workdir: Path, keep: bool) -> Iterator[str]:
    """A SQLite file in `workdir`, or the PostgreSQL database in `url`, created empty and
    dropped afterwards (unless `keep`)."""
    if not url:
        yield f"sqlite:///{workdir / 'rush.sqlite3'}"
        return
    url = url.replace("postgres://", "postgresql://", 1)
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database for the rush: {parsed.get_backend_name()}")
    if "rush" not in (parsed.database or ""):
        raise SystemExit(f"refusing to drop and recreate {parsed.database!r}: its name must contain 'rush'")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    _recreate_postgres_database(parsed, create=True)
    try:
        yield parsed.render_as_string(hide_password=False)
    finally:
        if not keep:
            _recreate_postgres_database(parsed, create=False)


def _recreate_postgres_database(url, *, create: bool) -> None:
    import psycopg
    from psycopg import sql

    maintenance = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        name = sql.Identifier(url.database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def migrate(env: dict[str, str]) -> None:
    """`flask --app app db upgrade`, as a deploy does."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                   cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True, capture_output=True)


def make_app(database_url: str, upload_folder: Path):
    from mvi_challenges import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_FOLDER": str(upload_folder)})


def create_entrepreneurs(app, count: int, prefix: str) -> list[str]:
    """`count` entrepreneurs with their own organisation, through the account service, in one
    transaction and with one password hash computed once."""
    from werkzeug.security import generate_password_hash

    from mvi_challenges.accounts import services as accounts
    from mvi_challenges.accounts.models import Organisation, Role
    from mvi_challenges.core.db import db

    password_hash = generate_password_hash(PASSWORD)
    emails = []
    with app.app_context(), mock.patch.object(accounts, "generate_password_hash", lambda _password: password_hash):
        offset = db.session.scalar(select(func.count(Organisation.id))) or 0
        for n in range(offset, offset + count):
            organisation = Organisation(name=f"Rush BV {n}", kvk_number=f"{30_000_000 + n}")
            db.session.add(organisation)
            user = accounts.create_user(db.session, email=f"{prefix}{n}@rush.example", password=PASSWORD,
                                        name=f"Ondernemer {n}", roles=(Role.ENTREPRENEUR,), organisation=organisation)
            emails.append(user.email)
        db.session.commit()
    return emails


def create_call(app, closes_at: dt.datetime) -> tuple[int, str]:
    """A published challenge for entrepreneurs whose only phase closes at `closes_at`."""
    from mvi_challenges.calls.models import CallKind, CallStatus, Eligibility
    from mvi_challenges.calls.services import CriterionInput, save_call, save_phase, transition_call
    from mvi_challenges.catalogue.models import Category, SocialValue
    from mvi_challenges.catalogue.services import seed_catalogue
    from mvi_challenges.core.db import db

    with app.app_context():
        seed_catalogue(db.session)
        category = db.session.scalar(select(Category).order_by(Category.id))
        values = list(db.session.scalars(select(SocialValue).order_by(SocialValue.id).limit(1)))
        call = save_call(
            db.session, None, None, kind=CallKind.CHALLENGE, title="Deadline rush", summary="Wie is er op tijd?",
            body_source="Dien in voor de deadline.", category=category, ambition_level=3, level_explanation="",
            social_values=values, eligibility=Eligibility.ENTREPRENEURS, prize_text="€ 10.000",
            contact_name="Ilse", contact_email="ilse@utrecht.example",
        )
        now = dt.datetime.now(dt.UTC)
        save_phase(db.session, None, call, None, title="Fase 1", opens_at=now - dt.timedelta(days=1),
                   closes_at=closes_at, budget_cents=5_000_000, max_awards=3, score_scale_max=10,
                   criteria=[CriterionInput("Impact", 60), CriterionInput("Haalbaarheid", 40)])
        transition_call(db.session, None, call, CallStatus.PUBLISHED, now=now - dt.timedelta(hours=1))
        db.session.commit()
        return call.id, call.slug


# --- one client ----------------------------------------------------------------------------------


def expect(reply: Reply, status: int, what: str, path: re.Pattern[str] | None = None) -> Reply:
    if reply.status != status or (path is not None and not path.search(reply.path)):
        raise AssertionError(f"{what}: answered {reply.status} {reply.location or reply.error_text()}".strip())
    return reply


def twice(action: Callable[[], Reply]) -> list[Reply | BaseException]:
    """A double click: the same request sent twice at the same moment."""
    barrier = threading.Barrier(2)
    results: list[Reply | BaseException] = [RuntimeError("no answer"), RuntimeError("no answer")]

    def click(index: int) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except BaseException as error:  # reported with the client's problems
            results[index] = error

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def log_in(browser: Browser, email: str) -> None:
    token = expect(browser.get("/account/login", label="login form"), 200, "login form").csrf_token()
    reply = browser.post("/account/login", {"csrf_token": token, "email": email, "password": PASSWORD, "next": ""},
                         label="login")
    expect(reply, 302, "login")


def start_proposal(browser: Browser, slug: str, double_click: bool) -> str:
    """Press "start a proposal" on the call page; returns the path of the proposal form."""
    token = expect(browser.get(f"/calls/{slug}", label="call page"), 200, "call page").csrf_token()

    def press() -> Reply:
        return browser.post(f"/calls/{slug}/phases/1/proposal", {"csrf_token": token}, label="start")

    replies = twice(press) if double_click else [press()]
    paths = set()
    for reply in replies:
        if isinstance(reply, BaseException):
            raise reply
        paths.add(expect(reply, 302, "start", EDIT_PATH).path)
    if len(paths) != 1:
        raise AssertionError(f"a double click on start opened two proposals: {sorted(paths)}")
    return paths.pop()


def submission_form(browser: Browser, edit_path: str, email: str) -> dict[str, str]:
    token = expect(browser.get(edit_path, label="proposal form"), 200, "proposal form").csrf_token()
    return {"csrf_token": token, "title": f"Voorstel van {email}", "summary": "Kort en krachtig.",
            "body_source": "## Aanpak\nWe doen het samen met de wijk.", "requested_budget": "15000",
            "action": "submit"}


def submit(browser: Browser, edit_path: str, form: dict[str, str], outcome: Outcome, deadline: float) -> list[str]:
    """Press "save and submit" (twice at once for a double click; again after a timeout for
    an impatient client); returns the receipt paths the server redirected to."""
    behaviour = outcome.client.behaviour

    def press(timeout: float | None = None) -> Reply:
        return browser.post(edit_path, form, label="submit", timeout=timeout)

    outcome.submit_sent_at = time.time()
    if behaviour == "double-click":
        replies = twice(press)
    elif behaviour == "retry":
        try:
            replies = [press(SUBMIT_TIMEOUT)]
        except TimeoutError:
            outcome.timed_out += 1
            replies = [press()]
    else:
        replies = [press()]
    receipts = []
    for reply in replies:
        if isinstance(reply, BaseException):
            raise reply
        if behaviour == "late":
            if reply.status == 302:
                raise AssertionError("a submission after the deadline was accepted")
            outcome.refused_late = reply.status == 400
            continue
        if reply.status == 400 and outcome.submit_sent_at < deadline < time.time():
            outcome.judged_late = True
        receipts.append(expect(reply, 302, "submit", RECEIPT_PATH).path)
    return receipts


def run_client(client: Client, base_url: str, slug: str, deadline: float, log: Log) -> Outcome:
    """One entrepreneur: log in, start, submit, read the receipt."""
    outcome = Outcome(client)
    browser = Browser(base_url, timeout=120, record=log.record)
    try:
        _sleep_until(client.start_at)
        log_in(browser, client.email)
        edit_path = start_proposal(browser, slug, double_click=client.behaviour == "double-click")
        form = submission_form(browser, edit_path, client.email)
        if client.behaviour == "late":
            _sleep_until(deadline + 1.0)
        for receipt in submit(browser, edit_path, form, outcome, deadline):
            page = expect(browser.get(receipt, label="receipt"), 200, "receipt")
            match = DIGEST.search(page.text)
            if match is None:
                raise AssertionError("receipt without a digest")
            outcome.digests.append(match.group(1))
    except (AssertionError, OSError) as error:
        outcome.problems.append(f"{type(error).__name__}: {error}")
    return outcome


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def fire(clients: list[Client], base_url: str, slug: str, deadline: float, log: Log) -> list[Outcome]:
    """One thread per client, each waiting for its own start time."""
    outcomes: list[Outcome | None] = [None] * len(clients)

    def work(index: int) -> None:
        outcomes[index] = run_client(clients[index], base_url, slug, deadline, log)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [o for o in outcomes if o is not None]


# --- the figures ---------------------------------------------------------------------------------


def database_figures(app, call_id: int, on_time: set[str], late: set[str]) -> dict[str, object]:
    """What the database holds afterwards, independently of what the clients saw."""
    from mvi_challenges.accounts.models import User
    from mvi_challenges.core.db import db
    from mvi_challenges.proposals.models import Proposal, ProposalStatus, ProposalVersion

    with app.app_context():
        rows = db.session.execute(
            select(Proposal.id, Proposal.phase_id, Proposal.organisation_id, Proposal.status, User.email)
            .join(User, User.id == Proposal.submitter_id).where(Proposal.call_id == call_id)
        ).all()
        per_owner = Counter((row.phase_id, row.organisation_id) for row in rows)
        digests = set(db.session.scalars(
            select(ProposalVersion.digest).join(Proposal).where(Proposal.call_id == call_id)))
    submitted = [row for row in rows if row.status is ProposalStatus.SUBMITTED]
    return {
        "stored": len({row.id for row in submitted if row.email in on_time}),
        "late_stored": len({row.id for row in submitted if row.email in late}),
        "duplicates": sum(count - 1 for count in per_owner.values() if count > 1),
        "versions": len(digests),
        "digests": digests,
    }


def percentiles(seconds: list[float]) -> str:
    if len(seconds) < 2:
        return "n/a"
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return "  ".join(f"p{p} {cuts[p - 1] * 1000:6.0f} ms" for p in (50, 95, 99))


def report(backend: str, workers: int, deadline: float, outcomes: list[Outcome], log: Log,
           figures: dict[str, object]) -> bool:
    """Print the figures; True when the targets are met."""
    on_time = [o for o in outcomes if o.client.behaviour != "late"]
    late = [o for o in outcomes if o.client.behaviour == "late"]
    behaviours = Counter(o.client.behaviour for o in on_time)
    attempted = len(on_time)
    stored = int(figures["stored"])
    duplicates = int(figures["duplicates"])
    lost = attempted - stored
    errors = sum(1 for _label, status, _seconds in log.entries if status >= 500)
    received = [d for o in on_time for d in o.digests]
    unknown = [d for d in received if d not in figures["digests"]]
    without_receipt = sum(1 for o in on_time if not o.digests)
    sent_late = sum(1 for o in on_time if not o.submit_sent_at or o.submit_sent_at >= deadline)
    refused = sum(1 for o in late if o.refused_late)
    submit_times = [s for label, _status, s in log.entries if label == "submit"]
    statuses = Counter(status for _label, status, _seconds in log.entries)
    when = dt.datetime.fromtimestamp(deadline, dt.UTC).isoformat(timespec="seconds")
    lines = [
        f"Deadline rush on {backend}: {workers} gunicorn workers, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f} afterwards), deadline {when}",
        f"  clients            {attempted} on time ({behaviours['normal']} normal, "
        f"{behaviours['double-click']} double clicks, {behaviours['retry']} retries after a timeout)"
        f" + {len(late)} late",
        f"  attempted          {attempted}",
        f"  stored             {stored}",
        f"  duplicates         {duplicates}",
        f"  lost               {lost}",
        f"  5xx                {errors}",
        f"  client timeouts    {sum(o.timed_out for o in on_time)} (each sent again)",
        f"  receipts           {len(received)} to {attempted - without_receipt} clients; "
        f"{len(unknown)} digests unknown to the database",
        f"  versions stored    {figures['versions']} (a double click or retry returns the same receipt)",
        f"  not sent in time   {sent_late} clients that began in time but could not send their submission "
        "before the deadline (earlier pages too slow)",
        f"  judged too late    {sum(o.judged_late for o in on_time)} submissions sent before the deadline but "
        "refused because a worker took them up after it",
        f"  late submissions   {len(late)} sent after the deadline, {refused} refused, "
        f"{figures['late_stored']} stored",
        f"  requests           {len(log.entries)}, by status {dict(sorted(statuses.items()))}",
        f"  latency, all       {percentiles([s for _, _, s in log.entries])}",
        f"  latency, submit    {percentiles(submit_times)}",
    ]
    problems = [f"{o.client.email} ({o.client.behaviour}): {p}" for o in outcomes for p in o.problems]
    if problems:
        lines.append(f"  problems           {len(problems)}, the first ones:")
        lines += [f"    {p}" for p in problems[:10]]
    # One version per proposal: a double click or retry must return the first one's receipt.
    passed = (stored == attempted and duplicates == 0 and lost == 0 and errors == 0 and not unknown
              and figures["versions"] == stored
              and without_receipt == 0 and refused == len(late) and figures["late_stored"] == 0)
    lines.append(f"  verdict            {'PASS' if passed else 'FAIL'} (targets: stored = attempted, "
                 "0 duplicates, 0 lost, 0 5xx, late ones refused)")
    print("\n".join(lines), flush=True)
    return passed


# --- one or several servers behind one address ---------------------------------------------------


class Site:
    """The servers and the one address clients use (the server itself, or the round-robin proxy)."""

    def __init__(self, servers: list[GunicornServer], proxy: RoundRobinProxy | None) -> None:
        self.servers, self.proxy = servers, proxy

    @property
    def base_url(self) -> str:
        return self.proxy.base_url if self.proxy else self.servers[0].base_url

    def describe(self) -> str:
        ports = ", ".join(str(s.port) for s in self.servers)
        return f"gunicorn on port(s) {ports} behind {self.base_url}"

    def log_tail(self) -> str:
        return "\n".join(s.log_tail() for s in self.servers)


@contextlib.contextmanager
def serving(count: int, workers: int, env: dict[str, str], workdir: Path) -> Iterator[Site]:
    per_server = max(1, workers // count)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(GunicornServer(APP_TARGET, workers=per_server, env=env,
                                                      log_path=workdir / f"gunicorn-{n}.log"))
                   for n in range(count)]
        proxy = None
        if count > 1:
            proxy = stack.enter_context(RoundRobinProxy([("127.0.0.1", s.port) for s in servers]))
        yield Site(servers, proxy)
        if proxy is not None:
            print(f"connections per server: {dict(sorted(proxy.connections.items()))}", flush=True)


def forget_redis_keys(url: str, prefix: str) -> None:
    """This run's sessions, counters and queue: nobody needs them after it. RQ keeps each job under
    `rq:job:<id>` (no queue name in it): emptying the queue removes those too."""
    import redis
    from rq import Queue

    client = redis.Redis.from_url(url)
    queue = Queue(f"{prefix}jobs", connection=client)
    queue.empty()
    client.srem("rq:queues", queue.key)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000)) + list(client.scan_iter(match=f"rq:*{prefix}*"))
    if keys:
        client.delete(*keys)


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None,
                        help="PostgreSQL URL of a database to (re)create, its name containing 'rush'; "
                             "default: a SQLite file in a temporary folder")
    parser.add_argument("--clients", type=int, default=200, help="entrepreneurs submitting on time")
    parser.add_argument("--late", type=int, default=5, help="entrepreneurs submitting just after the deadline")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers in all (split over the servers)")
    parser.add_argument("--servers", type=int, default=1, help="app servers behind one round-robin address")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7",
                        help="Redis the servers share when --servers > 1")
    parser.add_argument("--double-clicks", type=float, default=0.15, help="share of clients that double-click")
    parser.add_argument("--retries", type=float, default=0.15, help="share of clients that retry after a timeout")
    parser.add_argument("--deadline-in", type=float, default=70.0, help="seconds from setup to the deadline")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep-database", action="store_true", help="do not drop the PostgreSQL database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.deadline_in < FIRST_START + 5:
        raise SystemExit(f"--deadline-in must leave time for setup: at least {FIRST_START + 5:.0f} seconds")
    rng = random.Random(args.seed)  # noqa: S311 - a load pattern, not a secret
    with tempfile.TemporaryDirectory(prefix="mvi-rush-") as temp, \
            fresh_database(args.database_url, Path(temp), args.keep_database) as database_url:
        workdir = Path(temp)
        env = {"DATABASE_URL": database_url, "UPLOAD_FOLDER": str(workdir / "uploads"),
               "SECRET_KEY": secrets.token_hex(32), "MAIL_SERVER": ""}
        backend = make_url(database_url).get_backend_name()
        print(f"preparing a fresh {backend} database with {args.clients + args.late} entrepreneurs ...", flush=True)
        migrate(env)
        app = make_app(database_url, workdir / "uploads")
        emails = create_entrepreneurs(app, args.clients, "ondernemer")
        late_emails = create_entrepreneurs(app, args.late, "laatkomer")
        if args.servers > 1:  # what they must share to be one site; the keys are this run's own
            env.update({"REDIS_URL": args.redis_url, "REDIS_PREFIX": f"mvi-rush-{secrets.token_hex(6)}:"})
        with serving(args.servers, args.workers, env, workdir) as server:
            deadline_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=args.deadline_in)
            call_id, slug = create_call(app, deadline_at)
            deadline = deadline_at.timestamp()
            clients = plan_clients(emails, late_emails, deadline,
                                   {"double-click": args.double_clicks, "retry": args.retries}, rng)
            print(f"{server.describe()}; {len(clients)} clients start between "
                  f"{FIRST_START:.0f} and {LAST_START:.0f} seconds before the deadline "
                  f"(in {args.deadline_in:.0f} s) ...", flush=True)
            log = Log()
            outcomes = fire(clients, server.base_url, slug, deadline, log)
            server_log = server.log_tail()
        figures = database_figures(app, call_id, set(emails), set(late_emails))
        with app.app_context():
            from mvi_challenges.core.db import db

            db.engine.dispose()
        if "REDIS_PREFIX" in env:
            forget_redis_keys(args.redis_url, env["REDIS_PREFIX"])
        passed = report(f"{backend}, {args.servers} server(s)", args.workers, deadline, outcomes, log, figures)
        if not passed and server_log.strip():
            print(f"\nlast lines of the gunicorn log:\n{server_log}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
