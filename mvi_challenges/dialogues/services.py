"""Dialogue rules: publishing, registration with a waitlist, one-to-one slots, input with its
disposition, the report, reminders and calendar files."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import Role, User
from ..accounts.permissions import applies_to_nothing
from ..calls.models import Call, Eligibility, Phase
from ..calls.services import process_changed
from ..catalogue.models import Category
from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.outbox import queue_user_email
from ..core.sanitize import plain_text, render_markdown
from ..core.slugs import unique_slug
from ..core.timezones import LOCAL_TZ, now_utc
from ..proposals.services import admitted_to_phase
from . import lifecycle, lottery
from .models import (
    Contribution,
    Dialogue,
    DialogueKind,
    DialogueStatus,
    Disposition,
    LotDraw,
    Registration,
    RegistrationStatus,
    Selection,
    dialogue_text,
    has_english,
)

ACTIVE = lifecycle.ACTIVE


# --- staff: the dialogue itself -------------------------------------------------------------


def save_dialogue(
    session: Session, actor: Any, dialogue: Dialogue | None, *, kind: DialogueKind, title: str, body_source: str,
    category: Category | None, related_call: Call | None, starts_at: dt.datetime, ends_at: dt.datetime,
    address: str, online_url: str, capacity: int, registration_closes_at: dt.datetime, eligibility: Eligibility,
    slot_minutes: int | None, selection: Selection = Selection.FIRST_COME,
    lot_quotas: Mapping[str, Mapping[str, int]] | None = None, title_en: str = "", body_source_en: str = "",
) -> Dialogue:
    """Create or update a dialogue, with its English version when given (english_problems). Side
    effect: audit `dialogue.saved`; choosing selection by lot fixes the lottery's secret value and
    publishes its commitment (lottery.py)."""
    if problems := english_problems(title_en, body_source_en):
        raise problems[0]
    quotas = _checked_quotas(lot_quotas or {}, capacity) if selection is Selection.LOT else {}
    if selection is Selection.LOT and kind is not DialogueKind.CITY:
        raise DomainError(_l("Selection by lot is for city dialogues."), field="selection")
    if dialogue is not None:
        refusal = lifecycle.lot_change_refusal(
            dialogue, now_utc(), selection=selection, quotas=quotas, capacity=capacity,
            registration_closes_at=registration_closes_at, anyone_registered=_anyone_registered(session, dialogue))
        if refusal is not None:
            raise DomainError(refusal[1], field=refusal[0])
    if ends_at <= starts_at:
        raise DomainError(_l("The end must be after the start."), field="ends_at")
    if registration_closes_at > starts_at:
        raise DomainError(_l("Registration must close before the dialogue starts."), field="registration_closes_at")
    if not address.strip() and not online_url.strip():
        raise DomainError(_l("Give an address, an online link, or both."), field="address")
    if online_url.strip() and urlsplit(online_url.strip()).scheme not in ("http", "https"):
        raise DomainError(_l("The online link starts with https://."), field="online_url")
    if slot_minutes is not None and kind is not DialogueKind.MARKET:
        raise DomainError(_l("One-to-one slots are for market dialogues."), field="slot_minutes")
    if dialogue is not None and dialogue.status in (DialogueStatus.CANCELLED, DialogueStatus.REPORTED):
        raise DomainError(_l("This dialogue can no longer be changed."))
    if dialogue is not None:
        _lock_seats(session, dialogue)
        confirmed = confirmed_count(session, dialogue)
        if capacity < confirmed:
            raise DomainError(_l("%(n)d people already have a seat; the number of seats cannot be lower.",
                                 n=confirmed), field="capacity")
    creating = dialogue is None
    practical_before = None if creating else (dialogue.starts_at, dialogue.ends_at, dialogue.address,
                                               dialogue.online_url)
    if dialogue is None:
        dialogue = Dialogue(slug=unique_slug(session, Dialogue, title, "gesprek"), status=DialogueStatus.DRAFT)
        session.add(dialogue)
    dialogue.kind, dialogue.title = kind, title.strip()
    dialogue.body_source, dialogue.body_html = body_source, render_markdown(body_source)
    # Through the one sanitizer, as the Dutch text; an empty English text stays empty ("only in Dutch").
    dialogue.title_en, dialogue.body_source_en = title_en.strip(), body_source_en
    dialogue.body_html_en = render_markdown(body_source_en) if body_source_en.strip() else ""
    dialogue.category, dialogue.related_call = category, related_call
    dialogue.starts_at, dialogue.ends_at = starts_at, ends_at
    dialogue.address, dialogue.online_url = address.strip(), online_url.strip()
    dialogue.capacity, dialogue.registration_closes_at = capacity, registration_closes_at
    dialogue.eligibility, dialogue.slot_minutes = eligibility, slot_minutes
    dialogue.selection, dialogue.lot_quotas = selection, quotas or None
    if selection is Selection.LOT and dialogue.lot_secret is None:
        dialogue.lot_secret = secrets.token_hex(32)
        dialogue.lot_commitment = lottery.commitment_of(dialogue.lot_secret)
    elif selection is not Selection.LOT:
        dialogue.lot_secret = dialogue.lot_commitment = None
    session.flush()
    audit.record(session, actor, "dialogue.created" if creating else "dialogue.updated", dialogue)
    while not creating and promote_from_waitlist(session, dialogue) is not None:
        pass  # more seats: the waitlist moves up at once
    practical_after = (dialogue.starts_at, dialogue.ends_at, dialogue.address, dialogue.online_url)
    if practical_before is not None and practical_before != practical_after and dialogue.status is \
            DialogueStatus.PUBLISHED:
        for registration in active_registrations(session, dialogue):
            if registration.status is RegistrationStatus.CONFIRMED:
                queue_user_email(session, registration.user, "dialogue_changed", dialogue=dialogue,
                                 attachment=ics_attachment(dialogue, for_participant=True, user=registration.user))
    return dialogue


def english_problems(title_en: str, body_source_en: str) -> list[DomainError]:
    """Why the English version cannot be saved as it is, each with its field (none when it can). English
    exists as a whole, as for calls and consultations: it is shown only with its English title, so an
    English description without one would never be read."""
    if body_source_en.strip() and not title_en.strip():
        return [DomainError(_l("Give the English title too: the English version is shown only with its "
                               "title."), field="title_en")]
    return []


def report_english_problem(dialogue: Dialogue, summary_en: str) -> DomainError | None:
    """Why the English report cannot be saved, or None. It is the English version's report: a dialogue
    without its English version (no English title) is reported in Dutch only, since its English page
    shows everything else of it in Dutch. Without an English report, English pages show the Dutch one."""
    if summary_en.strip() and not has_english(dialogue):
        return DomainError(_l("This dialogue has no English version, so its report is published in Dutch only: "
                              "leave the English text empty."), field="summary_en")
    return None


def _checked_quotas(quotas: Mapping[str, Mapping[str, int]], capacity: int) -> dict[str, dict[str, int]]:
    """Only known groups, whole numbers of at least 0; per characteristic the maxima together must
    leave room for every seat (otherwise the quota could never be met)."""
    checked: dict[str, dict[str, int]] = {}
    for dimension, caps in quotas.items():
        known = {key for key, _label in lottery.DIMENSIONS.get(dimension, [])}
        caps = {group: int(value) for group, value in caps.items() if group in known and value is not None}
        if not caps:
            continue
        if any(value < 0 for value in caps.values()):
            raise DomainError(_l("A quota is a number of seats of 0 or more."), field=f"quota_{dimension}")
        if len(caps) == len(known) and sum(caps.values()) < capacity:
            raise DomainError(_l("Together the maximum numbers of seats per group are fewer than the seats of the "
                                 "dialogue (%(n)d).", n=capacity), field=f"quota_{dimension}")
        checked[dimension] = caps
    return checked


def _anyone_registered(session: Session, dialogue: Dialogue) -> bool:
    return session.scalar(select(func.count(Registration.id)).where(Registration.dialogue_id == dialogue.id)) > 0


def transition_dialogue(session: Session, actor: Any, dialogue: Dialogue, target: DialogueStatus, *,
                        reason: str = "", now: dt.datetime | None = None) -> None:
    """The one place where a dialogue's status changes.

    Side effects: publishing sets `published_at`; cancelling stores the public reason and mails
    everyone registered; reporting is done by `publish_report`; audit `dialogue.<status>`.
    """
    now = now or now_utc()
    problem = lifecycle.refusal(dialogue, target, now)
    if problem is not None:
        raise DomainError(problem)
    if target is DialogueStatus.CANCELLED:
        if not reason.strip():
            raise DomainError(_l("Give the reason for cancelling; it is published."), field="reason")
        dialogue.status_reason = reason.strip()
    if target is DialogueStatus.PUBLISHED:
        dialogue.published_at = dialogue.published_at or now
    previous = dialogue.status
    dialogue.status = target
    session.flush()
    audit.record(session, actor, f"dialogue.{target.value}", dialogue, {"from": previous.value, "reason": reason})
    if target is DialogueStatus.CANCELLED:  # with a cancelling .ics, so calendars drop the event
        for registration in active_registrations(session, dialogue):
            queue_user_email(session, registration.user, "dialogue_cancelled", dialogue=dialogue,
                             attachment=ics_attachment(dialogue, for_participant=True, user=registration.user))


# --- the pitch of a staged challenge: a dialogue whose one-to-one slots are the pitch times ---


def pitch_for(session: Session, phase: Phase) -> Dialogue | None:
    """The stage's pitch session: the latest one not cancelled. A cancelled session stays as it was
    (its participants were told), and planning the pitch again makes a new one."""
    return session.scalar(select(Dialogue).where(Dialogue.pitch_phase_id == phase.id,
                                                 Dialogue.status != DialogueStatus.CANCELLED)
                          .order_by(Dialogue.id.desc()).limit(1))


def plan_pitch(session: Session, actor: Any, phase: Phase, *, starts_at: dt.datetime, ends_at: dt.datetime,
               slot_minutes: int, registration_closes_at: dt.datetime, address: str, online_url: str,
               now: dt.datetime) -> Dialogue:
    """Plan (or re-plan) the pitch session of a pitch stage, reusing the market dialogue's slots:
    one seat per slot, published at once; only after the shortlist is published
    (`lifecycle.pitch_planning_refusal`), and only applicants admitted to the stage (shortlisted in
    the round before) can register and book a time (`pitch_problem`).
    Side effects: those of `save_dialogue` and publishing it; audit."""
    if (problem := lifecycle.pitch_planning_refusal(phase)) is not None:
        raise DomainError(problem)
    existing = pitch_for(session, phase)
    slots = int((ends_at - starts_at).total_seconds() // 60 // slot_minutes) if slot_minutes > 0 else 0
    if slots < 1:
        raise DomainError(_l("The session is shorter than one slot."), field="ends_at")
    call = phase.call
    # In English too when the call is (its English version has a title and a summary, calls.services):
    # an applicant reading in English books a time on a page in English.
    title_en = f"Pitch: {call.title_en}"[:200] if call.title_en else ""
    dialogue = save_dialogue(
        session, actor, existing, kind=DialogueKind.MARKET, title=f"Pitch: {call.title}"[:200],
        body_source=call.summary, category=call.category, related_call=call, starts_at=starts_at, ends_at=ends_at,
        address=address, online_url=online_url, capacity=slots, registration_closes_at=registration_closes_at,
        eligibility=call.eligibility, slot_minutes=slot_minutes, title_en=title_en,
        body_source_en=call.summary_en if title_en else "")
    dialogue.pitch_phase_id = phase.id
    session.flush()
    if dialogue.status is DialogueStatus.DRAFT:
        transition_dialogue(session, actor, dialogue, DialogueStatus.PUBLISHED, now=now)
    return dialogue


def pitch_problem(session: Session, dialogue: Dialogue, user: Any) -> str | None:
    """A pitch admits only the owners of proposals advanced (shortlisted) into its stage: the same
    gate as submitting in that stage (proposals.services.admitted_to_phase)."""
    phase = dialogue.pitch_phase
    if phase is None:
        return None
    if not getattr(user, "is_authenticated", False) or not admitted_to_phase(session, user, phase.call, phase):
        return str(_l("Only applicants on the shortlist for the pitch can book a pitch time."))
    return None


# --- registration --------------------------------------------------------------------------


def eligibility_problem(dialogue: Dialogue, user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return str(_l("Log in to register."))
    if dialogue.kind is DialogueKind.MARKET and applies_to_nothing(user):
        # A market dialogue (and a pitch) prepares or judges the municipality's own procurement.
        return str(_l("Municipal staff organise market dialogues and pitches; they do not register for one as a "
                      "company, whatever other role their account holds."))
    entrepreneur, citizen = user.has_role(Role.ENTREPRENEUR), user.has_role(Role.CITIZEN)
    if dialogue.eligibility is Eligibility.ENTREPRENEURS and not entrepreneur:
        return str(_l("This dialogue is for entrepreneurs."))
    if dialogue.eligibility is Eligibility.CITIZENS and not citizen:
        return str(_l("This dialogue is for residents."))
    if dialogue.eligibility is Eligibility.BOTH and not (entrepreneur or citizen):
        return str(_l("Register as a resident or an entrepreneur to take part."))
    return None


def _lock_seats(session: Session, dialogue: Dialogue) -> None:
    """Serialise registration changes for one dialogue: the UPDATE takes the row lock (PostgreSQL)
    or the write lock (SQLite) before seats are counted, so two people never get the last seat."""
    session.execute(update(Dialogue).where(Dialogue.id == dialogue.id)
                    .values(seats_version=Dialogue.seats_version + 1))


def confirmed_count(session: Session, dialogue: Dialogue) -> int:
    stmt = select(func.count(Registration.id)).where(Registration.dialogue_id == dialogue.id,
                                                     Registration.status == RegistrationStatus.CONFIRMED)
    return session.scalar(stmt) or 0


def seats_left(session: Session, dialogue: Dialogue) -> int:
    return max(dialogue.capacity - confirmed_count(session, dialogue), 0)


def find_registration(session: Session, dialogue: Dialogue, user: Any) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    stmt = select(Registration).where(Registration.dialogue_id == dialogue.id, Registration.user_id == user.id)
    return session.scalar(stmt)


def _waitlist_order(registration_or_class: Any) -> tuple[Any, ...]:
    """The reserve list is served in drawn order after a draw (`lot_rank`), else in order of arrival."""
    return (registration_or_class.lot_rank, registration_or_class.position)


def waitlist_position(session: Session, registration: Registration) -> int:
    if registration.lot_rank is not None:
        mine = Registration.lot_rank <= registration.lot_rank
    else:
        mine = Registration.position <= registration.position
    stmt = select(func.count(Registration.id)).where(
        Registration.dialogue_id == registration.dialogue_id, Registration.status == RegistrationStatus.WAITLISTED,
        mine)
    return session.scalar(stmt) or 0


def _stated_groups(dialogue: Dialogue, characteristics: Mapping[str, str] | None) -> dict[str, str | None]:
    """The district and age group a registrant states, required for the quotas the dialogue has."""
    characteristics = characteristics or {}
    stated: dict[str, str | None] = {"district": None, "age_group": None}
    for dimension in (dialogue.lot_quotas or {}):
        value = characteristics.get(dimension) or ""
        if value not in {key for key, _label in lottery.DIMENSIONS[dimension]}:
            raise DomainError(_l("Choose your district.") if dimension == "district" else _l("Choose your age group."),
                              field=dimension)
        stated[dimension] = value
    return stated


def register(session: Session, actor: User, dialogue: Dialogue, now: dt.datetime,
             characteristics: Mapping[str, str] | None = None) -> Registration:
    """A seat when there is one, else a place on the waitlist; for a dialogue that selects by lot, a
    place among the candidates of the draw (with the district and age group the quotas ask for).

    Side effects: a mail (confirmation with the .ics, the waitlist position, or the draw's date); audit.
    """
    problem = eligibility_problem(dialogue, actor) or pitch_problem(session, dialogue, actor)
    if problem:
        raise DomainError(problem)
    if not dialogue.registration_open(now):
        raise DomainError(_l("Registration for this dialogue is closed."))
    stated = _stated_groups(dialogue, characteristics) if lifecycle.uses_lot(dialogue) else {}
    _lock_seats(session, dialogue)
    registration = find_registration(session, dialogue, actor)
    if registration is not None and registration.status in ACTIVE:
        return registration
    next_position = (session.scalar(select(func.max(Registration.position))
                                    .where(Registration.dialogue_id == dialogue.id)) or 0) + 1
    if lifecycle.uses_lot(dialogue):
        status = RegistrationStatus.CANDIDATE
    else:
        status = (RegistrationStatus.CONFIRMED if confirmed_count(session, dialogue) < dialogue.capacity
                  else RegistrationStatus.WAITLISTED)
    if registration is None:
        registration = Registration(dialogue_id=dialogue.id, user_id=actor.id, status=status, position=next_position)
        session.add(registration)
    else:  # registering again after cancelling: at the back of the queue
        registration.status, registration.position, registration.cancelled_at = status, next_position, None
        registration.slot_start = None
    registration.district, registration.age_group = stated.get("district"), stated.get("age_group")
    session.flush()
    audit.record(session, actor, f"registration.{status.value}", dialogue, {"registration_id": registration.id})
    _mail_status(session, registration)
    return registration


def cancel_registration(session: Session, actor: User, registration: Registration, now: dt.datetime) -> None:
    """Frees the seat; the first on the waitlist moves up at once and is told by mail."""
    if registration.status not in ACTIVE:
        raise DomainError(_l("This registration has already been cancelled."))
    dialogue = registration.dialogue
    if dialogue.starts_at <= now:
        raise DomainError(_l("The dialogue has started; a registration can no longer be cancelled."))
    _lock_seats(session, dialogue)
    session.refresh(registration)
    was_confirmed = registration.status is RegistrationStatus.CONFIRMED
    registration.status, registration.cancelled_at, registration.slot_start = RegistrationStatus.CANCELLED, now, None
    session.flush()
    audit.record(session, actor, "registration.cancelled", dialogue, {"registration_id": registration.id})
    if was_confirmed:
        promote_from_waitlist(session, dialogue)


def promote_from_waitlist(session: Session, dialogue: Dialogue) -> Registration | None:
    if confirmed_count(session, dialogue) >= dialogue.capacity:
        return None
    first = session.scalars(
        select(Registration).where(Registration.dialogue_id == dialogue.id,
                                   Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(*_waitlist_order(Registration)).limit(1)
    ).first()
    if first is None:
        return None
    first.status = RegistrationStatus.CONFIRMED
    session.flush()
    audit.record(session, None, "registration.promoted", dialogue, {"registration_id": first.id})
    queue_user_email(session, first.user, "dialogue_promoted", dialogue=dialogue,
                     attachment=ics_attachment(dialogue, for_participant=True, user=first.user))
    return first


def _mail_status(session: Session, registration: Registration) -> None:
    dialogue = registration.dialogue
    if registration.status is RegistrationStatus.CANDIDATE:
        queue_user_email(session, registration.user, "dialogue_lot_candidate", dialogue=dialogue,
                         registration=registration)
    elif registration.status is RegistrationStatus.CONFIRMED:
        queue_user_email(session, registration.user, "dialogue_confirmed", dialogue=dialogue,
                         attachment=ics_attachment(dialogue, for_participant=True, user=registration.user))
    else:
        queue_user_email(session, registration.user, "dialogue_waitlisted", dialogue=dialogue,
                         position=waitlist_position(session, registration))


# --- selection by lot -----------------------------------------------------------------------


def find_draw(session: Session, dialogue: Dialogue) -> LotDraw | None:
    return session.scalar(select(LotDraw).where(LotDraw.dialogue_id == dialogue.id))


def lot_candidates(session: Session, dialogue: Dialogue) -> list[Registration]:
    stmt = (select(Registration).where(Registration.dialogue_id == dialogue.id,
                                       Registration.status == RegistrationStatus.CANDIDATE)
            .options(selectinload(Registration.user)).order_by(Registration.position))
    return list(session.scalars(stmt))


def draw_lots(session: Session, actor: Any, dialogue: Dialogue, now: dt.datetime) -> LotDraw:
    """Draw the participants of a dialogue that selects by lot (lottery.py has the algorithm).

    Side effects: the drawn get a seat (confirmed), the others go on the reserve list in drawn
    order; the draw is stored with its inputs and published; everyone is mailed the outcome; audit
    `dialogue.lots_drawn`. Two draws at once: the seats lock serialises them and the unique
    dialogue of `LotDraw` refuses the second.
    """
    _lock_seats(session, dialogue)
    problem = lifecycle.draw_refusal(dialogue, now, already_drawn=find_draw(session, dialogue) is not None)
    if problem is not None:
        raise DomainError(problem)
    registrations = lot_candidates(session, dialogue)
    quotas = dialogue.lot_quotas or {}
    candidates = [{"number": r.position, **{dimension: getattr(r, dimension) for dimension in quotas}}
                  for r in registrations]
    seed, order, selected = lottery.run(dialogue.lot_secret or "", candidates, dialogue.capacity, quotas)
    draw = LotDraw(dialogue_id=dialogue.id, drawn_at=now, drawn_by_id=getattr(actor, "id", None),
                   algorithm=lottery.ALGORITHM, secret=dialogue.lot_secret or "", seed=seed, capacity=dialogue.capacity,
                   quotas=quotas, candidates=candidates, order=order, selected=selected)
    try:
        with session.begin_nested():
            session.add(draw)
            session.flush()
    except IntegrityError:
        raise DomainError(_l("The lots for this dialogue have already been drawn.")) from None
    rank = {number: index for index, number in enumerate(order, start=1)}
    chosen = set(selected)
    for registration in registrations:
        registration.lot_rank = rank[registration.position]
        registration.status = (RegistrationStatus.CONFIRMED if registration.position in chosen
                               else RegistrationStatus.WAITLISTED)
    session.flush()
    audit.record(session, actor, "dialogue.lots_drawn", dialogue,
                 {"seed": seed, "candidates": len(candidates), "selected": len(selected)})
    for registration in registrations:
        if registration.status is RegistrationStatus.CONFIRMED:
            queue_user_email(session, registration.user, "dialogue_lot_selected", dialogue=dialogue,
                             registration=registration,
                             attachment=ics_attachment(dialogue, for_participant=True, user=registration.user))
        else:
            queue_user_email(session, registration.user, "dialogue_lot_reserve", dialogue=dialogue,
                             registration=registration, position=waitlist_position(session, registration))
    return draw


def draw_candidates_digest(draw: LotDraw) -> str:
    return lottery.candidates_digest(draw.candidates)


def draw_data(draw: LotDraw) -> dict[str, Any]:
    """The draw's public data: every input and the outcome (the JSON file of the draw page)."""
    return {"algorithm": draw.algorithm, "dialogue": draw.dialogue.slug,
            "drawn_at": draw.drawn_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commitment": lottery.commitment_of(draw.secret), "secret": draw.secret,
            "candidates": draw.candidates, "candidates_digest": lottery.candidates_digest(draw.candidates),
            "seed": draw.seed, "capacity": draw.capacity, "quotas": draw.quotas, "order": draw.order,
            "selected": draw.selected}


def draw_rows(draw: LotDraw) -> list[dict[str, Any]]:
    """The candidates in drawn order, with their outcome at the draw (the draw page's table)."""
    by_number = {candidate["number"]: candidate for candidate in draw.candidates}
    chosen = set(draw.selected)
    return [{"rank": rank, **by_number[number], "selected": number in chosen}
            for rank, number in enumerate(draw.order, start=1)]


def book_slot(session: Session, actor: User, registration: Registration, slot_start: dt.datetime,
              now: dt.datetime | None = None) -> None:
    """A confirmed participant of a market dialogue books one one-to-one slot (first come), while
    registration is open (`lifecycle.slot_refusal`)."""
    if (problem := lifecycle.slot_refusal(registration.dialogue, now or now_utc())) is not None:
        raise DomainError(problem, field="slot")
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise DomainError(_l("Only confirmed participants can book a slot."), field="slot")
    if (problem := pitch_problem(session, registration.dialogue, actor)) is not None:
        raise DomainError(problem, field="slot")
    if slot_start not in registration.dialogue.slots():
        raise DomainError(_l("Choose one of the offered times."), field="slot")
    registration.slot_start = slot_start
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DomainError(_l("Someone else just booked this time. Choose another one."), field="slot") from None
    audit.record(session, actor, "registration.slot_booked", registration.dialogue,
                 {"registration_id": registration.id, "slot": slot_start.isoformat()})


def booked_slots(session: Session, dialogue: Dialogue) -> set[dt.datetime]:
    stmt = select(Registration.slot_start).where(Registration.dialogue_id == dialogue.id,
                                                 Registration.slot_start.is_not(None))
    return set(session.scalars(stmt))


def active_registrations(session: Session, dialogue: Dialogue) -> list[Registration]:
    stmt = (select(Registration).where(Registration.dialogue_id == dialogue.id, Registration.status.in_(ACTIVE))
            .options(selectinload(Registration.user)).order_by(Registration.status, Registration.position))
    return list(session.scalars(stmt))


def mark_attendance(session: Session, actor: Any, dialogue: Dialogue, attended_ids: set[int]) -> None:
    for registration in active_registrations(session, dialogue):
        if registration.status is RegistrationStatus.CONFIRMED:
            registration.attended = registration.id in attended_ids
    session.flush()
    audit.record(session, actor, "dialogue.attendance_marked", dialogue, {"attended": sorted(attended_ids)})


def send_reminders(session: Session, now: dt.datetime) -> int:
    """Mail confirmed participants of dialogues that take place tomorrow (Amsterdam date). Once."""
    tomorrow = (now.astimezone(LOCAL_TZ) + dt.timedelta(days=1)).date()
    window_start = now
    window_end = now + dt.timedelta(days=2)
    stmt = (
        select(Registration).join(Dialogue)
        .where(Dialogue.status == DialogueStatus.PUBLISHED, Dialogue.starts_at > window_start,
               Dialogue.starts_at < window_end, Registration.status == RegistrationStatus.CONFIRMED,
               Registration.reminded_at.is_(None))
        .options(selectinload(Registration.user), selectinload(Registration.dialogue))
    )
    count = 0
    for registration in session.scalars(stmt):
        if registration.dialogue.starts_at.astimezone(LOCAL_TZ).date() != tomorrow:
            continue
        queue_user_email(session, registration.user, "dialogue_reminder", dialogue=registration.dialogue,
                         registration=registration,
                         attachment=ics_attachment(registration.dialogue, for_participant=True,
                                                    user=registration.user))
        registration.reminded_at = now
        count += 1
    session.flush()
    return count


# --- input and report ----------------------------------------------------------------------


def can_contribute(session: Session, dialogue: Dialogue, user: Any) -> bool:
    registration = find_registration(session, dialogue, user)
    return (registration is not None and registration.status in ACTIVE
            and dialogue.status is DialogueStatus.PUBLISHED)


def add_contribution(session: Session, actor: User, dialogue: Dialogue, text: str,
                     now: dt.datetime | None = None) -> Contribution:
    """Registered people give input before, during and after; until the report is published; at
    most `lifecycle.CONTRIBUTIONS_PER_HOUR` pieces an hour per account."""
    if not can_contribute(session, dialogue, actor):
        raise DomainError(_l("Register for this dialogue to give input."), field="text")
    if not text.strip():
        raise DomainError(_l("Type your input."), field="text")
    lock_row(session, User, actor.id)  # parallel requests of one account count one after the other
    since = (now or now_utc()) - lifecycle.CONTRIBUTION_WINDOW
    recent = session.scalar(select(func.count(Contribution.id)).where(
        Contribution.user_id == actor.id, Contribution.created_at > since)) or 0
    if (problem := lifecycle.contribution_limit_refusal(recent)) is not None:
        raise DomainError(problem, field="text")
    contribution = Contribution(dialogue_id=dialogue.id, user_id=actor.id, text_source=text,
                                text_html=render_markdown(text))
    session.add(contribution)
    session.flush()
    audit.record(session, actor, "contribution.added", contribution, {"dialogue_id": dialogue.id})
    return contribution


def moderate(session: Session, actor: Any, contribution: Contribution, *, hide: bool, reason: str) -> None:
    if hide and not reason.strip():
        raise DomainError(_l("Give the reason for hiding; the contributor sees it."), field="hidden_reason")
    contribution.hidden_reason = reason.strip() if hide else None
    session.flush()
    audit.record(session, actor, "contribution.hidden" if hide else "contribution.shown", contribution,
                 {"reason": reason.strip()})


def set_disposition(session: Session, actor: Any, contribution: Contribution, *, disposition: Disposition | None,
                    reason: str, call: Call | None) -> None:
    """What was done with the input: adopted (in call X), taken into account, or not adopted (why)."""
    if disposition is Disposition.NOT_ADOPTED and not reason.strip():
        raise DomainError(_l("Explain why the input was not adopted."), field="disposition_reason")
    if call is not None and not call.is_public:
        raise DomainError(_l("Link only to a published call."), field="disposition_call_id")
    contribution.disposition = disposition
    contribution.disposition_reason = reason.strip()
    contribution.disposition_call_id = call.id if call is not None else None
    session.flush()
    audit.record(session, actor, "contribution.disposition", contribution,
                 {"disposition": disposition.value if disposition else None})


def publish_report(session: Session, actor: Any, dialogue: Dialogue, *, summary: str,
                   followup_calls: Sequence[Call], now: dt.datetime, summary_en: str = "") -> None:
    """The report (verslag): summary, all visible input with dispositions (anonymous), follow-ups; the
    summary in English too when given, for a dialogue with its English version (report_english_problem).

    Side effects: status → reported; mail to everyone who registered or contributed; audit.
    """
    if dialogue.status is not DialogueStatus.PUBLISHED:
        raise DomainError(_l("Only a published dialogue can get a report."))
    if dialogue.ends_at > now:
        raise DomainError(_l("The report can be published after the dialogue has taken place."))
    if not summary.strip():
        raise DomainError(_l("Write a summary."), field="summary")
    if (problem := report_english_problem(dialogue, summary_en)) is not None:
        raise problem
    followup_calls = [call for call in followup_calls if call.is_public]
    dialogue.report_source, dialogue.report_html = summary, render_markdown(summary)
    dialogue.report_source_en = summary_en
    dialogue.report_html_en = render_markdown(summary_en) if summary_en.strip() else ""
    dialogue.followup_calls = list(followup_calls)
    dialogue.report_published_at = now
    transition_dialogue(session, actor, dialogue, DialogueStatus.REPORTED, now=now)
    # The report is a market study of the calls it prepared (their OCDS tender documents).
    prepared = {call.id: call for call in [*followup_calls, dialogue.related_call] if call is not None}
    for call in prepared.values():
        process_changed.send(call, session=session, change="dialogue_report")
    readers = {registration.user_id for registration in active_registrations(session, dialogue)}
    readers |= {c.user_id for c in all_contributions(session, dialogue) if c.user_id is not None}
    for reader in session.scalars(select(User).where(User.id.in_(readers), User.blocked.is_(False))):
        queue_user_email(session, reader, "dialogue_report", dialogue=dialogue)


def visible_contributions(session: Session, dialogue: Dialogue) -> list[Contribution]:
    stmt = (select(Contribution).where(Contribution.dialogue_id == dialogue.id, Contribution.hidden_reason.is_(None))
            .options(selectinload(Contribution.disposition_call)).order_by(Contribution.created_at, Contribution.id))
    return list(session.scalars(stmt))


def own_contributions(session: Session, dialogue: Dialogue, user: Any) -> list[Contribution]:
    if not getattr(user, "is_authenticated", False):
        return []
    stmt = (select(Contribution).where(Contribution.dialogue_id == dialogue.id, Contribution.user_id == user.id)
            .order_by(Contribution.created_at))
    return list(session.scalars(stmt))


def all_contributions(session: Session, dialogue: Dialogue) -> list[Contribution]:
    stmt = select(Contribution).where(Contribution.dialogue_id == dialogue.id).order_by(Contribution.created_at)
    return list(session.scalars(stmt))


# --- lists and calendars -------------------------------------------------------------------


def listed_publicly() -> Any:
    """The dialogues every list shows (the public list, the calendar feed, the open data API): published
    ones, and never a pitch session, which is for the shortlist, not a public event."""
    return and_(Dialogue.status != DialogueStatus.DRAFT, Dialogue.published_at.is_not(None),
                Dialogue.pitch_phase_id.is_(None))


# What a card of the public list shows, and what its lifecycle questions read (status, dates).
LIST_COLUMNS = (Dialogue.id, Dialogue.slug, Dialogue.title, Dialogue.title_en, Dialogue.kind, Dialogue.status,
                Dialogue.report_published_at, Dialogue.starts_at, Dialogue.capacity, Dialogue.registration_closes_at)


def public_dialogue_rows_query(*, past: bool, kind: DialogueKind | None, category_slug: str | None,
                               now: dt.datetime) -> Select[Any]:
    """The public list as plain rows of LIST_COLUMNS: it shows a few fields of 20 dialogues and
    need not load, identify and track 20 objects (issue #20)."""
    stmt = select(*LIST_COLUMNS).where(listed_publicly())
    if past:
        stmt = stmt.where(Dialogue.ends_at <= now).order_by(Dialogue.starts_at.desc(), Dialogue.id.desc())
    else:
        stmt = stmt.where(Dialogue.ends_at > now).order_by(Dialogue.starts_at, Dialogue.id)
    if kind is not None:
        stmt = stmt.where(Dialogue.kind == kind)
    if category_slug:
        stmt = stmt.join(Category, Dialogue.category_id == Category.id).where(Category.slug == category_slug)
    return stmt


def confirmed_counts(session: Session, dialogue_ids: Sequence[int]) -> dict[int, int]:
    if not dialogue_ids:
        return {}
    stmt = (select(Registration.dialogue_id, func.count(Registration.id))
            .where(Registration.dialogue_id.in_(list(dialogue_ids)),
                   Registration.status == RegistrationStatus.CONFIRMED)
            .group_by(Registration.dialogue_id))
    return dict(session.execute(stmt).all())


def find_dialogue_by_slug(session: Session, slug: str) -> Dialogue | None:
    return session.scalar(select(Dialogue).where(Dialogue.slug == slug))


def _event(dialogue: Dialogue, *, for_participant: bool, locale: str) -> Event:
    from flask import current_app

    event = Event()
    event.add("uid", f"dialogue-{dialogue.id}@mvi-challenges.utrecht")
    event.add("dtstamp", now_utc())
    # Calendars replace an event when SEQUENCE grows: the last change time in seconds does that.
    changed = dialogue.updated_at or dialogue.created_at or now_utc()
    event.add("sequence", int(changed.timestamp()) - 1_700_000_000)
    # UTC instants are right on both sides of the daylight-saving change, in every calendar.
    event.add("dtstart", dialogue.starts_at.astimezone(dt.UTC))
    event.add("dtend", dialogue.ends_at.astimezone(dt.UTC))
    event.add("summary", dialogue_text(dialogue, "title", locale).text)
    url = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/dialogues/{dialogue.slug}"
    event.add("url", url)
    # In the reader's language where the dialogue has it (English exists only as a whole, with its title).
    english = locale != "nl" and has_english(dialogue)
    description = plain_text(dialogue.body_source_en if english else dialogue.body_source)[:1000]  # no Markdown
    # The place is public; the online link goes to confirmed participants only.
    if dialogue.address:
        event.add("location", dialogue.address)
    elif dialogue.online_url:
        event.add("location", "Online")
    if for_participant and dialogue.online_url:
        description = f"{dialogue.online_url}\n\n{description}"
    event.add("description", f"{description}\n\n{url}")
    if dialogue.status is DialogueStatus.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def calendar_bytes(dialogues: Sequence[Dialogue], *, for_participant: bool = False, name: str = "",
                   locale: str = "nl") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Gemeente Utrecht//MVI Challenges//NL")
    calendar.add("version", "2.0")
    if name:
        calendar.add("x-wr-calname", name)
    for dialogue in dialogues:
        calendar.add_component(_event(dialogue, for_participant=for_participant, locale=locale))
    return calendar.to_ical()


def ics_attachment(dialogue: Dialogue, *, for_participant: bool, user: Any) -> tuple[str, str, str]:
    """The calendar file mailed to `user`, in their language, as the mail it goes with."""
    locale = getattr(user, "locale", None) or "nl"
    return (f"{dialogue.slug}.ics", "text/calendar",
            calendar_bytes([dialogue], for_participant=for_participant, locale=locale).decode("utf-8"))


def upcoming_for_feed(session: Session, now: dt.datetime) -> list[Dialogue]:
    stmt = (select(Dialogue).where(listed_publicly(), Dialogue.status.in_((DialogueStatus.PUBLISHED,
                                                                           DialogueStatus.CANCELLED)),
                                   Dialogue.ends_at > now)
            .order_by(Dialogue.starts_at).limit(500))
    return list(session.scalars(stmt))
