"""A realistic, deterministic data set at city scale, written with Core bulk inserts.

At scale 1: about 10,000 calls (challenges with one phase, SBIR calls with two) with phases and
criteria, 2,000 dialogues with 100,000 registrations, 20,000 organisations, 200,000 proposals,
about 1,000,000 scores, and contracts with result updates. Plus one phase built for the jury
aggregation page: 500 proposals × 9 members × 6 criteria, chaired by `BENCH_JURY_EMAIL`.

Why Core and not the services: the services audit, mail and render Markdown per row, which
would take hours at this size. The rows obey the same constraints (one proposal per
organisation per phase, weights summing to 100, ...). Primary keys are assigned here, so the
rows refer to each other without a round trip; PostgreSQL's sequences are moved past them at the
end. The same seed and scale give the same rows; times are relative to the day of the run, so
open calls stay open.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from mvi_challenges.accounts.models import Organisation, Role, User, UserRole
from mvi_challenges.api.releases import backfill as backfill_releases
from mvi_challenges.calls.models import Call, CallKind, CallStatus, Criterion, Eligibility, Phase, call_social_values
from mvi_challenges.catalogue.models import Category, Department, SocialValue
from mvi_challenges.catalogue.services import seed_catalogue
from mvi_challenges.core.sanitize import render_markdown
from mvi_challenges.dialogues.models import Dialogue, DialogueKind, DialogueStatus, Registration, RegistrationStatus
from mvi_challenges.evaluation.models import (
    ConflictDeclaration,
    Decision,
    JuryMember,
    Outcome,
    Score,
    ScoreSheet,
    SheetStatus,
)
from mvi_challenges.monitoring.models import (
    Contract,
    ContractTarget,
    ProcurementRecord,
    ResultMeasurement,
    ResultUpdate,
    TargetUnit,
)
from mvi_challenges.monitoring.services import refresh_latest_measured
from mvi_challenges.proposals.models import Proposal, ProposalStatus, Question

BENCH_PASSWORD = "bench-wachtwoord-niet-geheim"  # noqa: S105 - a throw-away data set on loopback
BENCH_JURY_EMAIL = "jury@bench.mvi.example"
# The people whose pages `make bench` measures logged in (issue #20): an entrepreneur whose
# organisation has 50 proposals, a staff member (who answers 40 questions on BENCH_STAFF_CALL_SLUG),
# and a citizen registered for 40 dialogues, the newest of them still ahead.
BENCH_ENTREPRENEUR_EMAIL = "ondernemer@bench.mvi.example"
BENCH_STAFF_EMAIL = "inkoper1@bench.mvi.example"
BENCH_CITIZEN_EMAIL = "bewoner@bench.mvi.example"
BENCH_STAFF_CALL_SLUG = "bench-inkoper-uitvraag"
BENCH_ORGANISATION_PROPOSALS = 50
BENCH_QUESTIONS = 40
BENCH_CITIZEN_DIALOGUES = 40
AGGREGATION_CALL_SLUG = "bench-jury-aggregatie"
BATCH = 5_000
CONFIRMED_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

# At scale 1 (the figures).
CALLS = 10_000
DIALOGUES = 2_000
REGISTRATIONS_PER_DIALOGUE = 50
ORGANISATIONS = 20_000
PROPOSALS_PER_CALL = 20
SCORED_SHARE = 0.45  # of the closed and decided calls, the share whose jury scored everything
JURY_PER_PHASE = 3
CITIZENS = 5_000
JURY_POOL = 60
AGGREGATION = (500, 9, 6)  # proposals, members, criteria of the aggregation phase

WORDS = ("zonne-energie", "circulair", "groen", "schone lucht", "hittestress", "water", "fietspad",
         "bouwlogistiek", "biodiversiteit", "sociaal ontwerp", "warmtenet", "deelmobiliteit", "afval",
         "voedsel", "zorg", "digitale inclusie", "isolatie", "daktuin", "laadpaal", "houtbouw")
PLACES = ("Overvecht", "Kanaleneiland", "Leidsche Rijn", "Lage Weide", "Binnenstad", "Zuilen",
          "Lunetten", "Hoograven", "Tuindorp", "Vleuten", "De Meern", "Oog in Al")
FORMS = ("Uitdaging", "Pilot", "Innovatie", "Slimme oplossing voor", "Samen werken aan", "Proef met")


@dataclass(frozen=True)
class Counts:
    """How many of each at a scale; never zero, so a tiny scale still shows every page."""

    calls: int
    dialogues: int
    organisations: int
    citizens: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        def scaled(n: int, minimum: int) -> int:
            return max(minimum, round(n * scale))
        return cls(calls=scaled(CALLS, 10), dialogues=scaled(DIALOGUES, 2),
                   organisations=scaled(ORGANISATIONS, AGGREGATION[0]),
                   citizens=scaled(CITIZENS, REGISTRATIONS_PER_DIALOGUE))


@dataclass
class Ids:
    """The next free primary key per table: rows are numbered here, not by the database."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: Table) -> int:
        value = self.next.get(table.name, 1)
        self.next[table.name] = value + 1
        return value


Progress = Callable[[int], None]


class Writer:
    """Buffers rows per table and writes them with one executemany per batch."""

    def __init__(self, session: Session, progress: Progress) -> None:
        self.session = session
        self.progress = progress
        self.rows: dict[Table, list[dict[str, Any]]] = {}
        self.written: dict[str, int] = {}
        # Parents before children: a child batch may refer to a parent row still buffered.
        self.order = {table: rank for rank, table in enumerate(_t(Call).metadata.sorted_tables)}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)
        if len(self.rows[table]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """All buffers, parents first."""
        for table in sorted(self.rows, key=self.order.__getitem__):
            rows = self.rows[table]
            if rows:
                # executemany needs the same keys in every row of one call
                by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
                for row in rows:
                    by_keys.setdefault(tuple(row), []).append(row)
                for group in by_keys.values():
                    self.session.execute(insert(table), group)
                self.written[table.name] = self.written.get(table.name, 0) + len(rows)
                self.progress(len(rows))
                self.rows[table] = []


def _t(model: Any) -> Table:
    return model.__table__


def generate(session: Session, scale: float, *, seed: int = 8, progress: Progress | None = None,
             now: dt.datetime | None = None) -> dict[str, int]:
    """Fill an empty database; returns rows written per table. Side effect: commits."""
    if session.scalar(select(func.count(Call.id))) or session.scalar(select(func.count(User.id))):
        raise ValueError("bench-data needs a fresh database (no users, no calls)")
    seed_catalogue(session)
    session.commit()
    now = (now or dt.datetime.now(dt.UTC)).replace(hour=12, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    counts = Counts.at(scale)
    writer = Writer(session, progress or (lambda _n: None))
    catalogue = _Catalogue.load(session)
    people = _people(writer, rng, counts, catalogue.values)
    calls = _calls(writer, rng, counts, catalogue, people, now)
    _proposals_and_evaluation(writer, rng, calls, people, now)
    _aggregation_phase(writer, rng, catalogue, people, now)
    dialogues = _dialogues(writer, rng, counts, catalogue, people, now)
    _bench_people(writer, rng, catalogue, calls, dialogues, people, now)
    writer.flush()
    _move_sequences(session)
    session.commit()
    # The rows above bypass the services, so the OCDS releases are written afterwards, as
    # `flask ocds-backfill` does for data older than the release store.
    writer.written["ocds_releases"] = backfill_releases(session)
    refresh_latest_measured(session)  # likewise the targets' latest results the dashboard adds up
    session.commit()
    return dict(sorted(writer.written.items()))


def expected_rows(scale: float) -> int:
    """Roughly how many rows `generate` writes (for the progress bar's length)."""
    counts = Counts.at(scale)
    per_call = 1 + 1.4 * 5 + 1.5 + PROPOSALS_PER_CALL * (1 + 0.6 * SCORED_SHARE * JURY_PER_PHASE * 5) + 3
    aggregation = AGGREGATION[0] * (1 + AGGREGATION[1] * (1 + AGGREGATION[2]))
    return int(counts.calls * per_call + aggregation + counts.organisations * 3 + counts.citizens * 2
               + counts.dialogues * (1 + REGISTRATIONS_PER_DIALOGUE))


# --- reference data and people ---------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    categories: list[tuple[int, int]]  # (id, target level)
    values: list[int]
    departments: list[int]

    @classmethod
    def load(cls, session: Session) -> _Catalogue:
        return cls(categories=[(row.id, row.target_level) for row in session.execute(
                       select(Category.id, Category.target_level).order_by(Category.id))],
                   values=list(session.scalars(select(SocialValue.id).order_by(SocialValue.id))),
                   departments=list(session.scalars(select(Department.id).order_by(Department.id))))


@dataclass(frozen=True)
class _People:
    ids: Ids
    organisations: list[tuple[int, int, str]]  # (organisation id, its entrepreneur's user id, name)
    citizens: list[int]
    staff: list[int]
    jury: list[int]
    bench_jury: int
    values: list[int]  # social value ids, for contract targets


def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(BENCH_PASSWORD)  # once: hashing per user would take hours


def _user(writer: Writer, ids: Ids, password_hash: str, email: str, name: str, role: Role,
          organisation_id: int | None = None) -> int:
    user_id = ids.take(_t(User))
    writer.add(_t(User), {"id": user_id, "email": email, "name": name, "password_hash": password_hash,
                          "locale": "nl", "organisation_id": organisation_id,
                          "email_confirmed_at": CONFIRMED_AT})  # as if each had confirmed their address
    writer.add(_t(UserRole), {"user_id": user_id, "role": role})
    return user_id


def _people(writer: Writer, rng: random.Random, counts: Counts, values: list[int]) -> _People:
    ids, password_hash = Ids(), _password_hash()
    staff = [_user(writer, ids, password_hash, f"inkoper{n}@bench.mvi.example", f"Inkoper {n}", Role.STAFF)
             for n in range(1, 21)]
    bench_jury = _user(writer, ids, password_hash, BENCH_JURY_EMAIL, "Bench Jury", Role.JURY)
    jury = [_user(writer, ids, password_hash, f"jurylid{n}@bench.mvi.example", f"Jurylid {n}", Role.JURY)
            for n in range(1, JURY_POOL + 1)]
    organisations = []
    for n in range(1, counts.organisations + 1):
        organisation_id = ids.take(_t(Organisation))
        name = f"{rng.choice(WORDS).capitalize()} {rng.choice(PLACES)} {n} BV"
        writer.add(_t(Organisation), {"id": organisation_id, "name": name, "kvk_number": f"{10_000_000 + n:08d}"})
        user_id = _user(writer, ids, password_hash, f"ondernemer{n}@bench.mvi.example", f"Ondernemer {n}",
                        Role.ENTREPRENEUR, organisation_id)
        organisations.append((organisation_id, user_id, name))
    citizens = [_user(writer, ids, password_hash, f"bewoner{n}@bench.mvi.example", f"Bewoner {n}", Role.CITIZEN)
                for n in range(1, counts.citizens + 1)]
    return _People(ids, organisations, citizens, staff, jury, bench_jury, values)


# --- calls ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phase:
    id: int
    call_index: int
    number: int
    closes_at: dt.datetime
    criteria: list[int]
    max_awards: int


@dataclass(frozen=True)
class _Call:
    id: int
    status: CallStatus
    record_id: int | None
    phases: list[_Phase]
    title: str


BODIES = tuple(
    f"## Het vraagstuk\n\nUtrecht zoekt oplossingen voor **{word}** in de wijk. "
    f"Wij vragen ondernemers om een voorstel dat meetbaar bijdraagt aan de doelen.\n\n"
    f"- impact op de stad\n- haalbaarheid\n- opschaalbaarheid\n\nMeer op [utrecht.nl](https://www.utrecht.nl)."
    for word in WORDS
)


def _status(rng: random.Random, closes_at: dt.datetime, now: dt.datetime) -> CallStatus:
    if closes_at > now:
        return CallStatus.PUBLISHED
    roll = rng.random()
    if roll < 0.70:
        return CallStatus.DECIDED
    if roll < 0.85:
        return CallStatus.CLOSED
    return CallStatus.ARCHIVED if roll < 0.95 else CallStatus.CANCELLED


def _calls(writer: Writer, rng: random.Random, counts: Counts, catalogue: _Catalogue, people: _People,
           now: dt.datetime) -> list[_Call]:
    """Published over five years, the newest ones still open or upcoming; 2 % drafts."""
    bodies = [(source, render_markdown(source)) for source in BODIES]  # rendered once, reused
    ids, calls = people.ids, []
    for index in range(counts.calls):
        call_id = ids.take(_t(Call))
        kind = CallKind.SBIR if rng.random() < 0.4 else CallKind.CHALLENGE
        category_id, target = rng.choice(catalogue.categories)
        level = rng.choice((target, target, target, max(1, target - 1)))
        age_days = (counts.calls - index) * 5 * 365 / counts.calls - 30  # the last ones lie ahead
        published_at = now - dt.timedelta(days=age_days, hours=rng.randrange(24))
        title = f"{rng.choice(FORMS)} {rng.choice(WORDS)} {rng.choice(PLACES)} {index + 1}"
        source, html = rng.choice(bodies)
        phase_rows = _phase_rows(rng, kind, published_at)
        draft = rng.random() < 0.02
        status = CallStatus.DRAFT if draft else _status(rng, phase_rows[-1]["closes_at"], now)
        if status is CallStatus.PUBLISHED and published_at > now:
            published_at = now - dt.timedelta(days=1)  # announced, opening later: upcoming
        writer.add(_t(Call), {
            "id": call_id, "slug": f"uitvraag-{call_id}", "kind": kind, "title": title,
            "summary": f"{title}: een uitvraag van de gemeente Utrecht voor {rng.choice(WORDS)}.",
            "body_source": source, "body_html": html, "category_id": category_id, "ambition_level": level,
            "level_explanation": "Beperkte marktrijpheid; toegelicht in het register." if level < target else "",
            "eligibility": Eligibility.ENTREPRENEURS, "status": status, "owner_id": rng.choice(people.staff),
            "created_at": published_at - dt.timedelta(days=14), "updated_at": published_at,
            "published_at": None if draft else published_at, "target_level": target,
            "department_id": rng.choice(catalogue.departments), "manager_id": rng.choice(people.staff),
        })
        for value_id in rng.sample(catalogue.values, rng.randint(1, 3)):
            writer.add(call_social_values, {"call_id": call_id, "social_value_id": value_id})
        if status in (CallStatus.DECIDED, CallStatus.ARCHIVED):
            for row in phase_rows:  # decisions published three weeks after the deadline
                row["decisions_published_at"] = row["closes_at"] + dt.timedelta(days=21)
        phases = [_write_phase(writer, ids, call_id, index, row) for row in phase_rows]
        record_id = None
        if not draft:
            record_id = ids.take(_t(ProcurementRecord))
            writer.add(_t(ProcurementRecord), {
                "id": record_id, "call_id": call_id, "reference": f"uitvraag-{call_id}", "title": title,
                "category_id": category_id, "department_id": rng.choice(catalogue.departments),
                "manager_id": rng.choice(people.staff), "target_level": target, "applied_level": level,
                "explanation": "Beperkte marktrijpheid." if level < target else "",
                "published_on": published_at.date(), "estimated_value_cents": rng.randrange(1, 50) * 1_000_000,
            })
        calls.append(_Call(call_id, status, record_id, phases, title))
    return calls


def _phase_rows(rng: random.Random, kind: CallKind, published_at: dt.datetime) -> list[dict[str, Any]]:
    opens = published_at + dt.timedelta(days=7)
    rows = [{"number": 1, "title": "Fase 1: haalbaarheid" if kind is CallKind.SBIR else "Inzendingen",
             "opens_at": opens, "closes_at": opens + dt.timedelta(days=42), "budget_cents": 4_000_000 * 5,
             "max_awards": rng.randint(1, 5)}]
    if kind is CallKind.SBIR:
        opens = opens + dt.timedelta(days=90)
        rows.append({"number": 2, "title": "Fase 2: prototype", "opens_at": opens,
                     "closes_at": opens + dt.timedelta(days=42), "budget_cents": 20_000_000 * 2, "max_awards": 2})
    return rows


def _weights(rng: random.Random, n: int) -> list[int]:
    """n whole weights of at least 5 that sum to 100."""
    cuts = sorted(rng.sample(range(1, 20), n - 1))
    return [5 * (b - a) for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]


def _write_phase(writer: Writer, ids: Ids, call_id: int, call_index: int, row: dict[str, Any]) -> _Phase:
    phase_id = ids.take(_t(Phase))
    # A phase whose deadline passed long ago was opened then (the opening of its sealed proposals).
    opened_at = row["closes_at"] if row.get("decisions_published_at") else None
    writer.add(_t(Phase), {"id": phase_id, "call_id": call_id, "opened_at": opened_at, **row})
    names = ("Impact", "Haalbaarheid", "Economisch perspectief", "Team", "Lokale werkgelegenheid")
    criteria = []
    # The weights of a phase do not depend on what came before; reproducible data, not secrets.
    rng = random.Random(phase_id)  # noqa: S311
    for position, weight in enumerate(_weights(rng, rng.randint(3, 5)), start=1):
        criterion_id = ids.take(_t(Criterion))
        writer.add(_t(Criterion), {"id": criterion_id, "phase_id": phase_id, "position": position,
                                   "name": names[position - 1], "weight": weight})
        criteria.append(criterion_id)
    return _Phase(phase_id, call_index, row["number"], row["closes_at"], criteria, row["max_awards"])


# --- proposals, juries, decisions, contracts ------------------------------------------------------


def _proposals_and_evaluation(writer: Writer, rng: random.Random, calls: list[_Call], people: _People,
                              now: dt.datetime) -> None:
    for call in calls:
        if call.status is CallStatus.DRAFT:
            continue
        for phase in call.phases:
            if phase.closes_at - dt.timedelta(days=42) > now:
                continue  # not open yet: nobody could submit
            share = PROPOSALS_PER_CALL if len(call.phases) == 1 else (14 if phase.number == 1 else 6)
            owners = rng.sample(people.organisations, share)
            proposal_ids = _write_proposals(writer, rng, people.ids, call, phase, owners, now)
            scored = call.status in (CallStatus.CLOSED, CallStatus.DECIDED, CallStatus.ARCHIVED) \
                and rng.random() < SCORED_SHARE
            if scored:
                members = rng.sample(people.jury, JURY_PER_PHASE)
                _write_jury(writer, rng, people.ids, phase, members, proposal_ids, now)
            if call.status in (CallStatus.DECIDED, CallStatus.ARCHIVED):
                _write_awards(writer, rng, people, call, phase, proposal_ids, owners, now)


def _proposal_status(call: _Call, phase: _Phase, rank: int, now: dt.datetime) -> ProposalStatus:
    if phase.closes_at > now:
        return ProposalStatus.SUBMITTED
    if call.status in (CallStatus.DECIDED, CallStatus.ARCHIVED):
        return ProposalStatus.AWARDED if rank < phase.max_awards else ProposalStatus.NOT_AWARDED
    return ProposalStatus.UNDER_REVIEW


def _write_proposals(writer: Writer, rng: random.Random, ids: Ids, call: _Call, phase: _Phase,
                     owners: list[tuple[int, int, str]], now: dt.datetime) -> list[int]:
    proposal_ids = []
    for rank, (organisation_id, user_id, name) in enumerate(owners):
        proposal_id = ids.take(_t(Proposal))
        submitted_at = min(now, phase.closes_at) - dt.timedelta(hours=rng.randrange(1, 400))
        writer.add(_t(Proposal), {
            "id": proposal_id, "call_id": call.id, "phase_id": phase.id, "owner_key": f"org:{organisation_id}",
            "submitter_id": user_id, "organisation_id": organisation_id,
            "title": f"Voorstel van {name}", "summary": f"Onze aanpak voor {call.title}.",
            "body_source": "Wij stellen voor ...", "body_html": "<p>Wij stellen voor ...</p>",
            "requested_budget_cents": rng.randrange(10, 50) * 100_000,
            "status": _proposal_status(call, phase, rank, now), "submitted_at": submitted_at,
            "created_at": submitted_at, "updated_at": submitted_at,
        })
        proposal_ids.append(proposal_id)
    return proposal_ids


def _write_jury(writer: Writer, rng: random.Random, ids: Ids, phase: _Phase, members: list[int],
                proposal_ids: list[int], now: dt.datetime, chair: int | None = None, declare: bool = False) -> None:
    """Every member scores every proposal on every criterion, final; with `declare`, after declaring
    no conflict of interest with it (what opens the score sheet; left out elsewhere to keep the
    data set quick to build)."""
    chair = members[0] if chair is None else chair
    for user_id in members:
        member_id = ids.take(_t(JuryMember))
        writer.add(_t(JuryMember), {"id": member_id, "phase_id": phase.id, "user_id": user_id,
                                    "is_chair": user_id == chair})
        harshness = rng.randint(-2, 1)  # some members score lower: the normalised ranking shows it
        for proposal_id in proposal_ids:
            if declare:
                writer.add(_t(ConflictDeclaration), {"id": ids.take(_t(ConflictDeclaration)), "member_id": member_id,
                                                     "proposal_id": proposal_id, "has_conflict": False,
                                                     "declared_at": now, "revision": 1})
            sheet_id = ids.take(_t(ScoreSheet))
            writer.add(_t(ScoreSheet), {"id": sheet_id, "member_id": member_id, "proposal_id": proposal_id,
                                        "status": SheetStatus.FINAL, "updated_at": now, "finalised_at": now})
            for criterion_id in phase.criteria:
                writer.add(_t(Score), {"id": ids.take(_t(Score)), "sheet_id": sheet_id,
                                       "criterion_id": criterion_id,
                                       "value": min(10, max(0, rng.randint(3, 9) + harshness)),
                                       "motivation": "Goed onderbouwd." if rng.random() < 0.3 else ""})


def _write_awards(writer: Writer, rng: random.Random, people: _People, call: _Call, phase: _Phase,
                  proposal_ids: list[int], owners: list[tuple[int, int, str]], now: dt.datetime) -> None:
    """A published decision, a contract with one target and two result updates per awarded proposal."""
    for proposal_id, (organisation_id, _user_id, name) in list(zip(proposal_ids, owners, strict=True))[
            :phase.max_awards]:
        writer.add(_t(Decision), {"id": people.ids.take(_t(Decision)), "proposal_id": proposal_id,
                                  "outcome": Outcome.AWARDED, "motivation": "Hoogste gewogen score.",
                                  "decided_by_id": rng.choice(people.staff), "decided_at": phase.closes_at})
        if call.record_id is None:
            continue
        contract_id = people.ids.take(_t(Contract))
        signed_on = (phase.closes_at + dt.timedelta(days=30)).date()
        writer.add(_t(Contract), {
            "id": contract_id, "record_id": call.record_id, "proposal_id": proposal_id,
            "supplier_organisation_id": organisation_id, "supplier_name": name, "title": f"Pilot {call.title}",
            "value_cents": rng.randrange(15, 450) * 100_000, "signed_on": signed_on,
            "ends_on": signed_on + dt.timedelta(days=365),
        })
        target_id = people.ids.take(_t(ContractTarget))
        writer.add(_t(ContractTarget), {"id": target_id, "contract_id": contract_id,
                                        "social_value_id": rng.choice(people.values),
                                        "indicator": "Vermeden uitstoot", "unit": TargetUnit.TONNES_CO2,
                                        "agreed_value": rng.randrange(10, 200)})
        for step in (1, 2):
            reported_on = signed_on + dt.timedelta(days=120 * step)
            if reported_on > now.date():
                break
            update_id = people.ids.take(_t(ResultUpdate))
            writer.add(_t(ResultUpdate), {"id": update_id, "contract_id": contract_id, "reported_on": reported_on,
                                          "progress_percent": 40 * step, "note": "Op schema."})
            writer.add(_t(ResultMeasurement), {"id": people.ids.take(_t(ResultMeasurement)), "update_id": update_id,
                                               "target_id": target_id, "value": rng.randrange(5, 100) * step})


def _aggregation_phase(writer: Writer, rng: random.Random, catalogue: _Catalogue, people: _People,
                       now: dt.datetime) -> None:
    """A closed challenge whose phase has 500 proposals, 9 members (the bench jury chairs) and 6 criteria."""
    n_proposals, n_members, n_criteria = AGGREGATION
    ids = people.ids
    call_id = ids.take(_t(Call))
    category_id, target = catalogue.categories[0]
    opened = now - dt.timedelta(days=60)
    writer.add(_t(Call), {
        "id": call_id, "slug": AGGREGATION_CALL_SLUG, "kind": CallKind.CHALLENGE,
        "title": "Jury-aggregatie: 500 voorstellen", "summary": "Een gesloten uitdaging met een grote jury.",
        "category_id": category_id, "ambition_level": target, "eligibility": Eligibility.ENTREPRENEURS,
        "status": CallStatus.CLOSED, "published_at": opened - dt.timedelta(days=7), "target_level": target,
    })
    phase_id = ids.take(_t(Phase))
    writer.add(_t(Phase), {"id": phase_id, "call_id": call_id, "number": 1, "title": "Inzendingen",
                           "opens_at": opened, "closes_at": now - dt.timedelta(days=14),
                           "opened_at": now - dt.timedelta(days=14),  # its proposals were opened at the deadline
                           "budget_cents": 4_500_000, "max_awards": 3})
    criteria = []
    names = ("Impact", "Haalbaarheid", "Opschaalbaarheid", "Team", "Lokale banen", "Circulariteit")
    for position, weight in enumerate((30, 20, 15, 15, 10, 10), start=1):
        criterion_id = ids.take(_t(Criterion))
        writer.add(_t(Criterion), {"id": criterion_id, "phase_id": phase_id, "position": position,
                                   "name": names[position - 1], "weight": weight})
        criteria.append(criterion_id)
    assert len(criteria) == n_criteria
    phase = _Phase(phase_id, -1, 1, now - dt.timedelta(days=14), criteria, 3)
    call = _Call(call_id, CallStatus.CLOSED, None, [phase], "Jury-aggregatie")
    owners = people.organisations[:n_proposals]
    proposal_ids = _write_proposals(writer, rng, ids, call, phase, owners, now)
    members = [people.bench_jury, *people.jury[:n_members - 1]]
    _write_jury(writer, rng, ids, phase, members, proposal_ids, now, chair=people.bench_jury, declare=True)


# --- dialogues -----------------------------------------------------------------------------------


def _dialogues(writer: Writer, rng: random.Random, counts: Counts, catalogue: _Catalogue, people: _People,
               now: dt.datetime) -> list[int]:
    """Half city, half market dialogues over five years; the newest still open for registration.
    Returns their ids, oldest first."""
    ids, written = people.ids, []
    body = "Praat mee over **inkoop** in Utrecht. Iedereen is welkom."
    body_html = render_markdown(body)
    for index in range(counts.dialogues):
        dialogue_id = ids.take(_t(Dialogue))
        written.append(dialogue_id)
        kind = DialogueKind.CITY if index % 2 else DialogueKind.MARKET
        starts_at = now - dt.timedelta(days=(counts.dialogues - index) * 5 * 365 / counts.dialogues - 60)
        reported = starts_at < now - dt.timedelta(days=42)
        writer.add(_t(Dialogue), {
            "id": dialogue_id, "slug": f"gesprek-{dialogue_id}", "kind": kind,
            "title": f"{'Stadsgesprek' if kind is DialogueKind.CITY else 'Marktgesprek'} {rng.choice(WORDS)} "
                     f"{rng.choice(PLACES)} {index + 1}",
            "category_id": rng.choice(catalogue.categories)[0], "body_source": body, "body_html": body_html,
            "starts_at": starts_at, "ends_at": starts_at + dt.timedelta(hours=2),
            "address": f"Stadskantoor, {rng.choice(PLACES)}", "capacity": REGISTRATIONS_PER_DIALOGUE + 10,
            "registration_closes_at": starts_at - dt.timedelta(days=1),
            "eligibility": Eligibility.BOTH if kind is DialogueKind.CITY else Eligibility.ENTREPRENEURS,
            "status": DialogueStatus.REPORTED if reported else DialogueStatus.PUBLISHED,
            "published_at": starts_at - dt.timedelta(days=30),
            "report_source": "Het verslag." if reported else "",
            "report_html": "<p>Het verslag.</p>" if reported else "",
            "report_published_at": starts_at + dt.timedelta(days=28) if reported else None,
        })
        for position, user_id in enumerate(rng.sample(people.citizens, REGISTRATIONS_PER_DIALOGUE), start=1):
            writer.add(_t(Registration), {"id": ids.take(_t(Registration)), "dialogue_id": dialogue_id,
                                          "user_id": user_id, "status": RegistrationStatus.CONFIRMED,
                                          "position": position, "created_at": starts_at - dt.timedelta(days=10)})
    return written


# --- the people the bench logs in as ------------------------------------------------------------


def _bench_people(writer: Writer, rng: random.Random, catalogue: _Catalogue, calls: list[_Call],
                  dialogues: list[int], people: _People, now: dt.datetime) -> None:
    """An organisation with 50 proposals (the newest phases it could enter, so some are still open),
    40 questions on one open call, and a citizen in the 40 newest dialogues."""
    ids, password_hash = people.ids, _password_hash()
    organisation_id = ids.take(_t(Organisation))
    name = "Bench Ondernemer BV"
    writer.add(_t(Organisation), {"id": organisation_id, "name": name, "kvk_number": "09999999"})
    user_id = _user(writer, ids, password_hash, BENCH_ENTREPRENEUR_EMAIL, "Bench Ondernemer", Role.ENTREPRENEUR,
                    organisation_id)
    entered = [(call, phase) for call in reversed(calls) if call.status is not CallStatus.DRAFT
               for phase in call.phases if phase.closes_at - dt.timedelta(days=42) <= now]
    for call, phase in entered[:BENCH_ORGANISATION_PROPOSALS]:
        _write_proposals(writer, rng, ids, call, phase, [(organisation_id, user_id, name)], now)
    _staff_call_with_questions(writer, rng, catalogue, people, now)
    citizen = _user(writer, ids, password_hash, BENCH_CITIZEN_EMAIL, "Bench Bewoner", Role.CITIZEN)
    for dialogue_id in dialogues[-BENCH_CITIZEN_DIALOGUES:]:
        writer.add(_t(Registration), {"id": ids.take(_t(Registration)), "dialogue_id": dialogue_id, "user_id": citizen,
                                      "status": RegistrationStatus.CONFIRMED,
                                      "position": REGISTRATIONS_PER_DIALOGUE + 1, "created_at": now})


def _staff_call_with_questions(writer: Writer, rng: random.Random, catalogue: _Catalogue, people: _People,
                               now: dt.datetime) -> None:
    """An open challenge of the bench staff member, 20 proposals, 40 questions (half answered)."""
    ids = people.ids
    call_id = ids.take(_t(Call))
    title = "Inkoper: open uitdaging met vragen"
    category_id, target = catalogue.categories[0]
    published_at = now - dt.timedelta(days=20)
    writer.add(_t(Call), {
        "id": call_id, "slug": BENCH_STAFF_CALL_SLUG, "kind": CallKind.CHALLENGE, "title": title,
        "summary": "Een open uitdaging met een nota van inlichtingen.", "body_source": BODIES[0],
        "body_html": render_markdown(BODIES[0]), "category_id": category_id, "ambition_level": target,
        "target_level": target,
        "eligibility": Eligibility.ENTREPRENEURS, "status": CallStatus.PUBLISHED, "owner_id": people.staff[0],
        "manager_id": people.staff[0], "created_at": published_at, "updated_at": published_at,
        "published_at": published_at,
    })
    row = {"number": 1, "title": "Inzendingen", "opens_at": published_at, "closes_at": now + dt.timedelta(days=20),
           "budget_cents": 4_000_000, "max_awards": 3}
    phase = _write_phase(writer, ids, call_id, -2, row)
    call = _Call(call_id, CallStatus.PUBLISHED, None, [phase], title)
    _write_proposals(writer, rng, ids, call, phase, rng.sample(people.organisations, PROPOSALS_PER_CALL), now)
    answer = "Ja, dat mag. Zie **paragraaf 3** van de uitvraag."
    answer_html = render_markdown(answer)
    for n in range(BENCH_QUESTIONS):
        answered = n % 2 == 0
        writer.add(_t(Question), {
            "id": ids.take(_t(Question)), "call_id": call_id, "asker_id": people.organisations[n][1],
            "text": f"Vraag {n + 1}: mogen wij samenwerken met een partner buiten Utrecht voor {rng.choice(WORDS)}?",
            "answer_source": answer if answered else "", "answer_html": answer_html if answered else "",
            "answered_by_id": people.staff[0] if answered else None,
            "asked_at": published_at + dt.timedelta(hours=n), "published_at": now if answered else None,
        })


def _move_sequences(session: Session) -> None:
    """PostgreSQL: the identity sequences start after the ids written here (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in _t(Call).metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is not False:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false) "
                f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL"))

