"""Pipeline rules: maintaining planned purchases, starting them, the public list, following, digests."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from ..calls import services as call_services
from ..calls.models import Call, CallKind, Eligibility
from ..catalogue.models import Category, Department, SocialValue
from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.timezones import now_utc, to_local
from ..dialogues import services as dialogue_services
from ..dialogues.models import Dialogue, DialogueStatus
from ..monitoring import services as monitoring_services
from . import lifecycle
from .models import Follow, PlannedPurchase, TopicKind, ValueClass

CONFIRM_SALT = "pipeline-follow-confirm"
UNSUBSCRIBE_SALT = "pipeline-unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # a week to click the confirmation link
MAX_YEARS_AHEAD = 5

# Sent after a planned purchase is saved (created, changed, made public or internal) or started: the
# open data stores its planning release by listening (api/releases.py). As with the calls' signals,
# the pipeline knows nothing of who listens, and the dependency stays one way.
plan_changed = Namespace().signal("planned-purchase-changed")


@dataclass(frozen=True)
class PlanInput:
    title: str
    description: str
    category: Category
    expected_year: int
    expected_quarter: int
    value_class: ValueClass
    intended_level: int
    social_values: Sequence[SocialValue] = ()
    level_explanation: str = ""
    department: Department | None = None
    contact_name: str = ""
    contact_email: str = ""
    is_public: bool = True
    title_en: str = ""
    description_en: str = ""


# --- maintaining the plan -------------------------------------------------------------------


def _check_plan(data: PlanInput, now: dt.datetime) -> None:
    this_year = to_local(now).year
    if not this_year <= data.expected_year <= this_year + MAX_YEARS_AHEAD:
        raise DomainError(_l("Choose a year from %(first)d to %(last)d.", first=this_year,
                             last=this_year + MAX_YEARS_AHEAD), field="expected_year")
    if data.expected_quarter not in (1, 2, 3, 4):
        raise DomainError(_l("Choose a quarter."), field="expected_quarter")
    if data.intended_level not in (1, 2, 3):
        raise DomainError(_l("The ambition level is 1, 2 or 3."), field="intended_level")
    if data.description_en.strip() and not data.title_en.strip():
        raise DomainError(_l("Give the English title too, or leave the English fields empty."), field="title_en")
    # The call it becomes must explain a level below target: ask for it now, in the same words.
    call_services.check_comply_or_explain(data.category.target_level, data.intended_level, data.level_explanation)


def save_planned_purchase(session: Session, actor: Any, item: PlannedPurchase | None, data: PlanInput,
                          now: dt.datetime | None = None) -> PlannedPurchase:
    """Create or update a planned purchase. Side effects: audit `planned_purchase.saved`; the first
    time it is public it is "announced" (the followers' next digest mentions it); `plan_changed` (its
    OCDS planning release)."""
    now = now or now_utc()
    if item is not None and not lifecycle.is_editable(item):
        raise DomainError(_l("A started purchase is kept as it was planned."))
    _check_plan(data, now)
    if item is None:
        item = PlannedPurchase(created_by_id=getattr(actor, "id", None))
        session.add(item)
    item.title = data.title.strip()
    item.title_en = data.title_en.strip()
    item.description = data.description.strip()
    item.description_en = data.description_en.strip() if item.title_en else ""
    item.category = data.category
    item.expected_year = data.expected_year
    item.expected_quarter = data.expected_quarter
    item.value_class = data.value_class
    item.intended_level = data.intended_level
    below = data.intended_level < data.category.target_level
    item.level_explanation = data.level_explanation.strip() if below else ""
    item.social_values = list(data.social_values)
    item.department = data.department
    item.contact_name = data.contact_name.strip()
    item.contact_email = data.contact_email.strip()
    item.is_public = data.is_public
    if item.is_public and item.announced_at is None:
        item.announced_at = now
    session.flush()
    audit.record(session, actor, "planned_purchase.saved", item)
    plan_changed.send(item, session=session)
    return item


def _locked(session: Session, item: PlannedPurchase) -> PlannedPurchase:
    """The item re-read under its row lock: of two clicks on "start", the second sees the first's call."""
    lock_row(session, PlannedPurchase, item.id)
    session.refresh(item)
    refusal = lifecycle.start_refusal(item)
    if refusal is not None:
        raise DomainError(refusal)
    return item


def start_as_call(session: Session, actor: Any, item: PlannedPurchase) -> Call:
    """Make a draft call from the plan, linked both ways. The call stays a draft (invisible) until
    staff publish it; only then does the pipeline show the item as started, with the link.
    Side effects: audit `call.created` (calls) and `planned_purchase.started`; `plan_changed`."""
    item = _locked(session, item)
    summary = item.description.strip() or item.title
    call = call_services.save_call(
        session, actor, None, kind=CallKind.CHALLENGE, title=item.title, summary=summary[:600],
        body_source=item.description, category=item.category, ambition_level=item.intended_level,
        level_explanation=item.level_explanation, social_values=item.social_values,
        eligibility=Eligibility.ENTREPRENEURS, contact_name=item.contact_name, contact_email=item.contact_email,
        department=item.department,
    )
    item.call = call
    item.started_at = now_utc()
    session.flush()
    audit.record(session, actor, "planned_purchase.started", item, {"call_id": call.id})
    plan_changed.send(item, session=session)
    return call


def start_as_tender(session: Session, actor: Any, item: PlannedPurchase, *, reference: str) -> Any:
    """Enter the plan as an outside tender in the comply-or-explain register, published today.
    Side effects: audit `procurement_record.saved` (monitoring) and `planned_purchase.started`;
    `plan_changed` (the plan is public as started from now on)."""
    item = _locked(session, item)
    record = monitoring_services.save_record(
        session, actor, None, title=item.title, reference=reference, description=item.description,
        category=item.category, department=item.department, manager=None,
        target_level=item.category.target_level, applied_level=item.intended_level,
        explanation=item.level_explanation, published_on=to_local(now_utc()).date(), estimated_value_cents=None,
    )
    item.record = record
    item.started_at = now_utc()
    session.flush()
    audit.record(session, actor, "planned_purchase.started", item, {"record_id": record.id})
    plan_changed.send(item, session=session)
    return record


def plan_of(call_id: Any) -> ColumnElement[bool]:
    """The planned purchase of the call `call_id` (a value, or Call.id for the call page's link)."""
    return PlannedPurchase.call_id == call_id


def plan_for_call(session: Session, call: Call) -> PlannedPurchase | None:
    """The planned purchase a call came from (the link back from the call)."""
    return session.scalar(select(PlannedPurchase).where(plan_of(call.id)))


# --- the public pipeline --------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineFilters:
    category_slug: str = ""
    quarter: str = ""  # "2027-Q1"
    value_slug: str = ""


def parse_quarter(text: str) -> tuple[int, int] | None:
    year, _, quarter = text.partition("-Q")
    if not (year.isdigit() and len(year) == 4 and quarter in ("1", "2", "3", "4")):
        return None
    return int(year), int(quarter)


def public_pipeline_query(filters: PipelineFilters) -> Select[tuple[PlannedPurchase]]:
    """Public items (a started one stays, marked started), in the order of their expected start."""
    stmt = (select(PlannedPurchase).where(PlannedPurchase.is_public.is_(True))
            .options(selectinload(PlannedPurchase.social_values), selectinload(PlannedPurchase.call))
            .order_by(PlannedPurchase.expected_year, PlannedPurchase.expected_quarter, PlannedPurchase.id))
    if filters.category_slug:
        stmt = stmt.join(PlannedPurchase.category).where(Category.slug == filters.category_slug)
    if (quarter := parse_quarter(filters.quarter)) is not None:
        stmt = stmt.where(PlannedPurchase.expected_year == quarter[0], PlannedPurchase.expected_quarter == quarter[1])
    if filters.value_slug:
        stmt = stmt.where(PlannedPurchase.social_values.any(SocialValue.slug == filters.value_slug))
    return stmt


def is_public_plan() -> ColumnElement[bool]:
    """The planned purchases anyone may see (internal ones never)."""
    return PlannedPurchase.is_public.is_(True)


def plans_for_open_data(ids: Sequence[int]) -> Select[tuple[PlannedPurchase]]:
    """These planned purchases with what their open data shows (the category, department and call in
    the same query, the social values in one more)."""
    return (select(PlannedPurchase).where(PlannedPurchase.id.in_(list(ids)))
            .options(joinedload(PlannedPurchase.department), joinedload(PlannedPurchase.call),
                     selectinload(PlannedPurchase.social_values))
            .order_by(PlannedPurchase.id))


def public_plans_of_calls(session: Session, call_ids: Sequence[int]) -> dict[int, PlannedPurchase]:
    """The public planned purchase each of these calls started from, by call id (an internal one is
    not named anywhere public)."""
    if not call_ids:
        return {}
    stmt = select(PlannedPurchase).where(PlannedPurchase.is_public.is_(True),
                                         PlannedPurchase.call_id.in_(list(call_ids)))
    return {item.call_id: item for item in session.scalars(stmt) if item.call_id is not None}


def public_quarters(session: Session) -> list[str]:
    rows = session.execute(select(PlannedPurchase.expected_year, PlannedPurchase.expected_quarter)
                           .where(PlannedPurchase.is_public.is_(True)).distinct()
                           .order_by(PlannedPurchase.expected_year, PlannedPurchase.expected_quarter))
    return [f"{year}-Q{quarter}" for year, quarter in rows]


def staff_pipeline_query() -> Select[tuple[PlannedPurchase]]:
    return (select(PlannedPurchase).options(selectinload(PlannedPurchase.call))
            .order_by(PlannedPurchase.expected_year, PlannedPurchase.expected_quarter, PlannedPurchase.id))


def public_items_for_category(session: Session, category: Category) -> list[PlannedPurchase]:
    return list(session.scalars(public_pipeline_query(PipelineFilters(category_slug=category.slug))))


def count_by_quarter(session: Session, year: int, category_id: int | None = None) -> list[tuple[str, int, int]]:
    """(quarter, public items planned to start then, of which started) for one year: the dashboard."""
    stmt = public_pipeline_query(PipelineFilters()).where(PlannedPurchase.expected_year == year)
    if category_id is not None:
        stmt = stmt.where(PlannedPurchase.category_id == category_id)
    counts = {quarter: [0, 0] for quarter in range(1, 5)}
    for item in session.scalars(stmt):
        counts[item.expected_quarter][0] += 1
        counts[item.expected_quarter][1] += lifecycle.public_state(item) is lifecycle.PipelineState.STARTED
    return [(f"{year}-Q{quarter}", planned, started) for quarter, (planned, started) in counts.items()]


# --- following: double opt-in, one-click unsubscribe ----------------------------------------


def _confirm_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)


def _unsubscribe_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)


def confirm_token(secret_key: str, follow: Follow) -> str:
    return _confirm_serializer(secret_key).dumps([follow.id, follow.secret])


def unsubscribe_token(secret_key: str, follows: Sequence[Follow]) -> str:
    """One link for these follows: each named by id and its secret, the whole signed. Without the
    secret key nobody makes one; a follow made anew later has a new secret, so an old link never
    ends it."""
    return _unsubscribe_serializer(secret_key).dumps([[f.id, f.secret] for f in follows])


def topic_of(session: Session, kind: TopicKind, topic_id: int) -> Category | SocialValue | None:
    return session.get(Category if kind is TopicKind.CATEGORY else SocialValue, topic_id)


def follow_topic(session: Session, *, user: Any | None, email: str, kind: TopicKind, topic_id: int,
                 locale: str, now: dt.datetime | None = None) -> tuple[Follow, bool]:
    """Start following; returns (follow, needs_confirmation). A logged-in person with a confirmed
    address is confirmed at once; anyone else gets a mail with a confirmation link first, so nobody
    can sign someone else up. Asking again is harmless (the same follow; an unconfirmed one is
    mailed again)."""
    now = now or now_utc()
    if topic_of(session, kind, topic_id) is None:
        raise DomainError(_l("Choose what you want to follow."), field="topic")
    address = email.strip().lower()
    if "@" not in address or len(address) > 320:
        raise DomainError(_l("Enter a valid email address."), field="email")
    trusted = user is not None and getattr(user, "is_authenticated", False) and user.email.lower() == address \
        and user.email_confirmed
    follow = session.scalar(select(Follow).where(Follow.email == address, Follow.topic_kind == kind,
                                                 Follow.topic_id == topic_id))
    if follow is None:
        follow = Follow(email=address, topic_kind=kind, topic_id=topic_id, secret=secrets.token_hex(16),
                        locale=locale, user_id=user.id if trusted else None)
        try:
            with session.begin_nested():  # a second click at the same moment: the same follow
                session.add(follow)
        except IntegrityError:
            follow = session.scalars(select(Follow).where(Follow.email == address, Follow.topic_kind == kind,
                                                          Follow.topic_id == topic_id)).one()
    if trusted:
        follow.user_id = user.id
        if not follow.is_confirmed:
            _confirm(follow, now)
    session.flush()
    return follow, not follow.is_confirmed


def _confirm(follow: Follow, now: dt.datetime) -> None:
    follow.confirmed_at = now
    follow.digested_until = now  # news from now on; nothing from before the confirmation


def confirm_follow(session: Session, secret_key: str, token: str, now: dt.datetime | None = None) -> Follow:
    """Confirm by the mailed link. Idempotent: a second click confirms nothing new."""
    follow = read_confirm_token(session, secret_key, token)
    if not follow.is_confirmed:
        _confirm(follow, now or now_utc())
        session.flush()
    return follow


def read_unsubscribe_token(secret_key: str, token: str) -> list[tuple[int, str]]:
    """The (follow id, secret) pairs a signed link names; a forged or altered link is refused."""
    try:
        pairs = _unsubscribe_serializer(secret_key).loads(token)
    except BadSignature as error:
        raise DomainError(_l("This unsubscribe link is not valid.")) from error
    if not isinstance(pairs, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int) for pair in pairs):
        raise DomainError(_l("This unsubscribe link is not valid."))
    return [(int(pair[0]), str(pair[1])) for pair in pairs]


def read_confirm_token(session: Session, secret_key: str, token: str) -> Follow:
    """The follow a confirmation link is for; expired, forged or altered links are refused."""
    try:
        payload = _confirm_serializer(secret_key).loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired as error:
        raise DomainError(_l("This confirmation link has expired. Ask to follow again.")) from error
    except BadSignature as error:
        raise DomainError(_l("This confirmation link is not valid.")) from error
    follow_id, secret = payload if isinstance(payload, list) and len(payload) == 2 else (None, "")
    follow = session.get(Follow, follow_id) if isinstance(follow_id, int) else None
    if follow is None or not secrets.compare_digest(str(follow.secret), str(secret)):
        # Also a link to a follow that was ended since: confirming it would start it again.
        raise DomainError(_l("This confirmation link is not valid."))
    return follow


def unsubscribe(session: Session, secret_key: str, token: str) -> int:
    """End the follows a signed link names; returns how many ended now. Idempotent: a second click
    (or a mail client's automatic POST) ends nothing more and is no error."""
    ended = 0
    for follow_id, secret in read_unsubscribe_token(secret_key, token):
        follow = session.get(Follow, follow_id)
        if follow is not None and secrets.compare_digest(str(follow.secret), secret):
            session.delete(follow)
            ended += 1
    session.flush()
    return ended


def follows_of_user(session: Session, user: Any) -> list[Follow]:
    return list(session.scalars(select(Follow).where(Follow.email == user.email.lower())
                                .order_by(Follow.topic_kind, Follow.topic_id)))


# --- the digest -----------------------------------------------------------------------------


@dataclass
class TopicNews:
    follow: Follow
    topic: Category | SocialValue
    planned: list[PlannedPurchase] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    dialogues: list[Dialogue] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.planned or self.calls or self.dialogues)


def news_for(session: Session, follow: Follow, now: dt.datetime) -> TopicNews | None:
    """What is new in the followed topic since the last digest: public planned purchases, calls
    opened (published) and dialogues announced. Drafts never count."""
    topic = topic_of(session, follow.topic_kind, follow.topic_id)
    if topic is None:
        return None
    since = follow.digested_until or follow.confirmed_at or now
    planned = select(PlannedPurchase).where(PlannedPurchase.is_public.is_(True),
                                            PlannedPurchase.announced_at > since, PlannedPurchase.announced_at <= now)
    calls = select(Call).where(call_services.visible_to_public(), Call.published_at > since, Call.published_at <= now)
    # Announced like every public list announces them: never a pitch session, which is for the shortlist.
    dialogues = select(Dialogue).where(Dialogue.status.in_((DialogueStatus.PUBLISHED, DialogueStatus.REPORTED)),
                                       dialogue_services.listed_publicly(),
                                       Dialogue.published_at > since, Dialogue.published_at <= now)
    if follow.topic_kind is TopicKind.CATEGORY:
        planned = planned.where(PlannedPurchase.category_id == topic.id)
        calls = calls.where(Call.category_id == topic.id)
        dialogues = dialogues.where(Dialogue.category_id == topic.id)
    else:
        planned = planned.where(PlannedPurchase.social_values.any(SocialValue.id == topic.id))
        calls = calls.where(Call.social_values.any(SocialValue.id == topic.id))
        # A dialogue has no social values of its own: it counts through the call it is about.
        dialogues = dialogues.where(Dialogue.related_call_id.in_(
            select(Call.id).where(Call.social_values.any(SocialValue.id == topic.id))))
    return TopicNews(follow=follow, topic=topic,
                     planned=list(session.scalars(planned.order_by(PlannedPurchase.id))),
                     calls=list(session.scalars(calls.order_by(Call.published_at, Call.id))),
                     dialogues=list(session.scalars(dialogues.order_by(Dialogue.starts_at, Dialogue.id))))


def digest_recipients(session: Session) -> dict[str, list[Follow]]:
    """Confirmed follows by address. Unconfirmed ones get nothing, ever."""
    grouped: dict[str, list[Follow]] = {}
    for follow in session.scalars(select(Follow).where(Follow.confirmed_at.is_not(None)).order_by(Follow.id)):
        grouped.setdefault(follow.email, []).append(follow)
    return grouped


def send_digests(session: Session, secret_key: str, now: dt.datetime, queue: Any) -> int:
    """One mail per address with what is new in everything it follows (nothing new: no mail), with
    a one-click unsubscribe link for all of it. `queue(address, follows, news, token)` writes the
    mail (views' templates, outbox). Every follow is then digested until `now`, so nothing is sent
    twice. Returns the number of mails."""
    sent = 0
    for address, follows in digest_recipients(session).items():
        news = [found for follow in follows if (found := news_for(session, follow, now))]
        if news:
            queue(address, follows, news, unsubscribe_token(secret_key, follows))
            sent += 1
        for follow in follows:
            follow.digested_until = now
    session.flush()
    return sent


