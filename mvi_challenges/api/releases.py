"""OCDS releases written once, when a contracting process changes, and read back as stored JSON.

`record_releases` is the one function that writes them. It builds the call's releases as they
are now (`ocds.releases`, the single place that says what a release contains) and stores only
what is new:
- a stage never stored before (the call published, closed, decided or cancelled; the decisions
  of a phase published; a contract signed; a result reported) is stored with its own date;
- a stored stage whose content differs now is *amended*: a new release with its own id
  (`…-amendment-N`), dated now and tagged as an amendment/update. The tender's successive
  states (tender, tender-closed, tender-decided) are one family: only its latest stage is
  amended, since a correction of the call is one statement, not one per earlier stage.
A stored release is never rewritten, so a reader finds yesterday's release unchanged today.

It is called from the listeners below (every change of a call, decisions published, contracts
and result updates; see `calls.services.call_changed`/`process_changed`), from
`flask ocds-backfill` (existing data, the demo) and lazily by the package page for a public
call that has no stored release yet.

Nothing unpublished can leak: `ocds.releases` reads published decisions only, and only a call
visible to the public gets releases at all.

A public planned purchase of the pipeline is a planning process of its own, stored the same way
by `record_plan_releases`: its planning release when it is first public, a `planningUpdate`
amendment at each change (saved, started, its call published), and one saying `withdrawn` when
staff make it internal again (see `ocds.withdrawn_planning_release` for why). A plan that was
never public never has a release. Its trigger is `pipeline.services.plan_changed`; a call's
change also records the plan it started from, whose release names the call once it is public.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from array import array
from collections.abc import Iterable, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.types import NullType

from ..calls.models import Call, CallStatus
from ..calls.services import call_changed, process_changed, visible_to_public
from ..consultations import services as consultation_services
from ..core.db import utcnow
from ..core.timezones import to_local
from ..pipeline import services as pipeline_services
from ..pipeline.models import PlannedPurchase
from . import ocds, queries
from .models import OcdsRelease
from .serializers import timestamp

Json = dict[str, Any]
# The contracting process a release belongs to: {"call_id": ...} or {"planned_purchase_id": ...}.
Owner = dict[str, int]

# The tag of a release that amends an earlier statement about the same stage.
AMENDMENT_TAGS = {
    "tender": "tenderAmendment", "tenderUpdate": "tenderAmendment", "tenderCancellation": "tenderAmendment",
    "award": "awardUpdate", "contract": "contractAmendment", "implementation": "implementationUpdate",
    "planning": "planningUpdate",
}
TENDER_FAMILY = "tender"
UNPUBLISHED = "mvi_ocds_unpublished"


def call_stages(session: Session, calls: Sequence[Call]) -> list[ocds.CallStages]:
    """What the releases of these calls need, in a fixed number of queries for all of them."""
    ids = [call.id for call in calls]
    phases = [phase for call in calls for phase in call.phases]
    decided = queries.phase_decisions(session, phases)
    changes = queries.status_changes(session, calls)
    questions = queries.latest_question_dates(session, ids)
    dialogues = queries.reported_dialogues_by_call(session, ids)
    contracts = queries.contracts_by_call(session, ids)
    notes = queries.clarification_notes_by_call(session, ids)
    consultations = consultation_services.public_by_follow_up_call(session, ids)
    plans = pipeline_services.public_plans_of_calls(session, ids)
    return [ocds.CallStages(call=call, decisions={p.id: decided[p.id] for p in call.phases if p.id in decided},
                            changes=changes.get(call.id, []), questions_updated=questions.get(call.id),
                            dialogues=dialogues.get(call.id, []), contracts=contracts.get(call.id, []),
                            notes=notes.get(call.id, []), consultations=consultations.get(call.id, []),
                            plan=plans.get(call.id))
            for call in calls]


def is_public(call: Call) -> bool:
    """The same rule as calls.services.visible_to_public, for a loaded call."""
    return call.status is not CallStatus.DRAFT and call.published_at is not None


def _family(stage: str) -> str:
    return TENDER_FAMILY if stage.startswith(TENDER_FAMILY) else stage


def _digest(release: Json) -> str:
    """The content of a release without what differs between its versions (id, date, tag)."""
    content = {key: value for key, value in release.items() if key not in ("id", "date", "tag")}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def parse_moment(moment: str) -> dt.datetime:
    """A release's `date` (as ocds writes it: UTC, whole seconds) as an aware datetime."""
    return dt.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _parse(moment: str | None, fallback: dt.datetime) -> dt.datetime:
    return parse_moment(moment) if moment else fallback


def _row(owner: Owner, release: Json, stage: str, version: int, digest: str, now: dt.datetime) -> OcdsRelease:
    return OcdsRelease(**owner, release_id=release["id"], ocid=release["ocid"], stage=stage, version=version,
                       tag=release["tag"][0], date=_parse(release["date"], now), digest=digest,
                       body=json.dumps(release, ensure_ascii=False, separators=(",", ":")), created_at=now)


def _amendment(release: Json, version: int, now: dt.datetime) -> Json:
    return {**release, "id": f"{release['id']}-amendment-{version - 1}", "date": timestamp(now),
            "tag": [AMENDMENT_TAGS.get(release["tag"][0], release["tag"][0])]}


def _unpublished(session: Session) -> set[OcdsRelease]:
    """The releases written in the current transaction: nobody has read them yet, so a second
    change in the same transaction (a contract saved, then its targets added) corrects them in
    place instead of amending them."""
    plain = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's db.session
    transaction = plain.get_transaction()
    marker = session.info.get(UNPUBLISHED)
    if marker is None or marker[0] is not transaction:
        marker = (transaction, set())
        session.info[UNPUBLISHED] = marker
    return marker[1]


def _rewrite(row: OcdsRelease, release: Json, digest: str) -> None:
    release = {**release, "id": row.release_id, "tag": [row.tag], "date": timestamp(row.date)}
    row.digest = digest
    row.body = json.dumps(release, ensure_ascii=False, separators=(",", ":"))


def _new_rows(owner: Owner, current: list[Json], stored: list[OcdsRelease], now: dt.datetime,
              unpublished: set[OcdsRelease]) -> list[OcdsRelease]:
    latest: dict[str, OcdsRelease] = {}
    for row in sorted(stored, key=lambda row: row.version):
        latest[row.stage] = row
    prefix = len(current[0]["ocid"]) + 1 if current else 0
    staged = [(release["id"][prefix:], release) for release in current]
    # Of the tender's states only the latest may be amended: it says what the tender is now.
    last_tender = next((stage for stage, _ in reversed(staged) if _family(stage) == TENDER_FAMILY), None)
    rows = []
    for stage, release in staged:
        digest = _digest(release)
        previous = latest.get(stage)
        if previous is None:
            rows.append(_row(owner, release, stage, 1, digest, now))
        elif previous.digest != digest and previous in unpublished:
            _rewrite(previous, release, digest)
        elif previous.digest != digest and (_family(stage) != TENDER_FAMILY or stage == last_tender):
            version = previous.version + 1
            rows.append(_row(owner, _amendment(release, version, now), stage, version, digest, now))
    return rows


def record_releases(session: Session, calls: Sequence[Call], now: dt.datetime | None = None) -> list[OcdsRelease]:
    """Store the new and amended releases of these calls (see the module). Returns what was written."""
    calls = [call for call in calls if is_public(call)]
    if not calls:
        return []
    now = now or utcnow()
    ids = sorted(call.id for call in calls)
    # Two changes of one call at once: the second waits here and then sees the first's releases,
    # so no stage is stored twice (the unique release id would refuse it anyway).
    session.execute(update(Call).where(Call.id.in_(ids)).values(id=Call.id)
                    .execution_options(synchronize_session=False))
    stored: dict[int, list[OcdsRelease]] = {call_id: [] for call_id in ids}
    for row in session.scalars(select(OcdsRelease).where(OcdsRelease.call_id.in_(ids))):
        stored[row.call_id].append(row)
    today = to_local(now).date()
    unpublished = _unpublished(session)
    written = []
    staged = call_stages(session, calls)
    for stages in staged:
        current = ocds.releases(stages, today)
        written += _new_rows({"call_id": stages.call.id}, current, stored[stages.call.id], now, unpublished)
    unpublished.update(written)
    session.add_all(written)
    session.flush()
    # The public plan a call started from names the call once it is public: its release changes too.
    plans = [stages.plan for stages in staged if stages.plan is not None]
    return written + (record_plan_releases(session, plans, now) if plans else [])


def current_plan_releases(plan: PlannedPurchase, stored: Sequence[OcdsRelease]) -> list[Json]:
    """What the plan's planning process says now: its planning release while it is public; once it
    was public and is internal again, that it is withdrawn; never anything of a plan that was never
    public (nothing stored: nothing to withdraw)."""
    if plan.is_public:
        return [ocds.planning_release(plan)]
    return [ocds.withdrawn_planning_release(plan)] if stored else []


def record_plan_releases(session: Session, plans: Sequence[PlannedPurchase],
                         now: dt.datetime | None = None) -> list[OcdsRelease]:
    """Store the new and amended planning releases of these planned purchases, as `record_releases`
    does for calls (a stored release is never rewritten). Returns what was written."""
    if not plans:
        return []
    now = now or utcnow()
    ids = sorted({plan.id for plan in plans})
    # Two saves of one plan at once: the second waits here and sees the first's release. The plan's
    # last change is written as it is: otherwise its `onupdate` would date the plan (and its
    # release) to this lock.
    session.execute(update(PlannedPurchase).where(PlannedPurchase.id.in_(ids))
                    .values(id=PlannedPurchase.id, updated_at=PlannedPurchase.updated_at)
                    .execution_options(synchronize_session=False))
    stored: dict[int, list[OcdsRelease]] = {plan_id: [] for plan_id in ids}
    for row in session.scalars(select(OcdsRelease).where(OcdsRelease.planned_purchase_id.in_(ids))):
        stored[row.planned_purchase_id].append(row)  # type: ignore[index]
    unpublished = _unpublished(session)
    written = []
    for plan in {plan.id: plan for plan in plans}.values():
        current = current_plan_releases(plan, stored[plan.id])
        written += _new_rows({"planned_purchase_id": plan.id}, current, stored[plan.id], now, unpublished)
    unpublished.update(written)
    session.add_all(written)
    session.flush()
    return written


def backfill(session: Session, batch: int = 100) -> int:
    """Releases for every public call and public planned purchase that has none yet (existing data,
    the demo). Returns how many."""
    missing = (select(Call.id).where(Call.status != CallStatus.DRAFT, Call.published_at.is_not(None),
                                     ~select(OcdsRelease.id).where(OcdsRelease.call_id == Call.id).exists())
               .order_by(Call.id))
    ids = list(session.scalars(missing))
    count = 0
    for start in range(0, len(ids), batch):
        calls = list(session.scalars(queries.public_calls_by_id().where(Call.id.in_(ids[start:start + batch]))))
        count += len(record_releases(session, calls))
    plan_ids = list(session.scalars(select(PlannedPurchase.id).where(
        pipeline_services.is_public_plan(),
        ~select(OcdsRelease.id).where(OcdsRelease.planned_purchase_id == PlannedPurchase.id).exists())
        .order_by(PlannedPurchase.id)))
    for start in range(0, len(plan_ids), batch):
        plans = list(session.scalars(pipeline_services.plans_for_open_data(plan_ids[start:start + batch])).unique())
        count += len(record_plan_releases(session, plans))
    return count


def planning_processes() -> Select[tuple[int]]:
    """The planned purchases whose planning process is in the package, in its order: the public ones,
    and those that were public once (their releases stay; the last says `withdrawn`)."""
    released = select(OcdsRelease.id).where(OcdsRelease.planned_purchase_id == PlannedPurchase.id).exists()
    return (select(PlannedPurchase.id).where(or_(pipeline_services.is_public_plan(), released))
            .order_by(PlannedPurchase.id))


class PackageKeys(NamedTuple):
    """The contracting processes on one package page, and how many pages there are."""

    call_ids: list[int]
    plan_ids: list[int]
    pages: int


@functools.cache
def _package_statements() -> tuple[Select[Any], Select[tuple[int]], Select[tuple[int]]]:
    """The package pages' count and key queries, built once with the page as parameters: building
    them per request (the public-call condition, two subqueries) cost more than running them."""
    plans_in_package = planning_processes()
    counts = select(
        select(func.count()).select_from(Call).where(visible_to_public()).scalar_subquery(),
        select(func.count()).select_from(plans_in_package.order_by(None).subquery()).scalar_subquery())
    # Only the keys: the releases carry everything, so no call objects are loaded.
    call_keys = (select(Call.id).where(visible_to_public()).order_by(Call.id)
                 .offset(bindparam("offset")).limit(bindparam("limit")))
    plan_keys = plans_in_package.offset(bindparam("offset")).limit(bindparam("limit"))
    return counts, call_keys, plan_keys


def package_keys(session: Session, page: int, per_page: int) -> PackageKeys:
    """Which processes a package page holds: the public calls first, in id order (so their pages stay
    where they were), then the planning processes of the planned purchases filling the pages after
    them. One query counts both; the plans' keys are read only when the page has room for them."""
    counts, call_keys, plan_keys = _package_statements()
    calls_total, plans_total = session.execute(counts).one()
    offset = (page - 1) * per_page
    call_ids: list[int] = []
    if offset < calls_total:
        call_ids = list(session.scalars(call_keys, {"offset": offset, "limit": per_page}))
    plan_ids: list[int] = []
    if len(call_ids) < per_page and offset + len(call_ids) < calls_total + plans_total:
        plan_ids = list(session.scalars(plan_keys, {"offset": max(0, offset - calls_total),
                                                    "limit": per_page - len(call_ids)}))
    return PackageKeys(call_ids, plan_ids, math.ceil((calls_total + plans_total) / per_page))


def _as_stored(column: Any) -> Any:
    """A time column read as the driver gives it, with no conversion per value: a package page reads
    some 1,200 releases and needs only the newest of their moments. (Typed as a DateTime, SQLite's
    text would still be parsed into a datetime per value, twice per release: about 3 ms a page.)"""
    return type_coerce(column, NullType())


@functools.cache
def _stored_page_select(key: str = "call_id", bodies: bool = True) -> Select[Any]:
    """Built once per key (`call_id` or `planned_purchase_id`), with the ids as a parameter: building
    it per request (100 ids coerced one by one) cost a fifth of reading it. Without `bodies` it reads
    only what says which releases the page holds (see `StoredPage.version`)."""
    column = getattr(OcdsRelease, key)
    return (select(column, OcdsRelease.id, _as_stored(OcdsRelease.date), _as_stored(OcdsRelease.created_at),
                   *([OcdsRelease.body] if bodies else []))
            .where(column.in_(bindparam("ids", expanding=True)))
            .order_by(column, OcdsRelease.date, OcdsRelease.release_id))


def stored_page_statement(call_ids: Sequence[int]) -> Select[Any]:
    """(call id, release row id, date, written at, JSON) of these calls' releases: per call oldest
    first, in the order of the index ix_ocds_releases_call_order. The two moments come as the driver
    gives them (text on SQLite, aware datetimes on PostgreSQL): see `stored_page`."""
    return _stored_page_select().params(ids=list(call_ids))


def stored_plan_page_statement(plan_ids: Sequence[int]) -> Select[Any]:
    """The same for planned purchases' releases, in the order of ix_ocds_releases_plan_order."""
    return _stored_page_select("planned_purchase_id").params(ids=list(plan_ids))


class StoredPage(NamedTuple):
    keys: set[int]  # the calls (or plans) of the page that have releases
    texts: list[str]  # their releases' JSON, per call (plan) oldest first; empty when read without bodies
    newest: dt.datetime | None  # the newest moment a release of the page was dated or written (UTC)
    version: str  # which stored releases these are, in this order (see `_version`)


def _version(rows: Sequence[Any]) -> str:
    """A short text that changes whenever the page's releases, or their order, do.

    A stored release's text is never rewritten once committed (`_rewrite` corrects only releases of
    the transaction that wrote them, which nobody has read), so its row id says what its text is. The
    moment it was written is added because SQLite may give the id of a deleted row to a new one (all
    releases deleted and written afresh, as under another OCDS prefix). Should a migration ever rewrite
    stored releases, it must change PACKAGE_FORMAT in ocds.py, which every package's ETag includes."""
    # The ids as one block of machine integers, the moments as one text: hashing them row by row, or
    # formatting each row, cost several times more (some 1,200 rows a page).
    version = hashlib.sha1(array("q", map(itemgetter(1), rows)).tobytes(), usedforsecurity=False)
    version.update(",".join(map(str, map(itemgetter(3), rows))).encode())
    return version.hexdigest()


def _newest(moments: Iterable[Any]) -> dt.datetime | None:
    """The newest of these moments as the driver gave them, in UTC; only that one is converted.

    On SQLite a moment is the text SQLAlchemy stored, always in one fixed-width format
    (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC), so the greatest text is the newest moment."""
    newest = max(moments, default=None)
    if newest is None:
        return None
    if isinstance(newest, str):
        newest = dt.datetime.fromisoformat(newest)
    # One conversion, as UTCDateTime does for each value it reads.
    return newest.replace(tzinfo=dt.UTC) if newest.tzinfo is None else newest.astimezone(dt.UTC)


def stored_page(session: Session, ids: Sequence[int], *, plans: bool = False, bodies: bool = True) -> StoredPage:
    """The stored releases of these calls (or, with `plans`, of these planned purchases). Without
    `bodies` their texts are not read: what the page holds and how new it is, for an ETag."""
    if not ids:
        return StoredPage(set(), [], None, "")
    stmt = _stored_page_select("planned_purchase_id" if plans else "call_id", bodies)
    # Plain columns, read without the ORM's result layer (some 1,200 rows of JSON text a page); the
    # clause lets the session route it as it routes any read (the replica, see core.db.RoutingSession).
    # The ids are given at execution, so the cached statement is used as it is (its cache key too).
    rows = session.connection(bind_arguments={"clause": stmt}).execute(stmt, {"ids": list(ids)}).all()
    newest = _newest(filter(None, chain(map(itemgetter(2), rows), map(itemgetter(3), rows))))
    texts = list(map(itemgetter(4), rows)) if bodies else []
    return StoredPage(set(map(itemgetter(0), rows)), texts, newest, _version(rows))


class PackageParts(NamedTuple):
    """What a package page is made of: its calls' stored releases, then its plans'."""

    texts: list[str]
    published: list[dt.datetime]  # the newest moment of each part that has releases
    versions: list[str]  # `StoredPage.version` of each part, in order


def package_parts(*parts: StoredPage) -> PackageParts:
    return PackageParts(texts=[text for part in parts for text in part.texts],
                        published=[part.newest for part in parts if part.newest is not None],
                        versions=[part.version for part in parts])


# --- the moments a contracting process changes --------------------------------------------------


@call_changed.connect
def _call_changed(call: Call, session: Session, **_: Any) -> None:
    record_releases(session, [call])


@process_changed.connect
def _process_changed(call: Call, session: Session, **_: Any) -> None:
    record_releases(session, [call])


@pipeline_services.plan_changed.connect
def _plan_changed(plan: PlannedPurchase, session: Session, **_: Any) -> None:
    record_plan_releases(session, [plan])
