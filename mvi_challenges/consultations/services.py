"""The rules of market consultations: writing and opening one, answering it, reading and
exporting the answers, and publishing the summary. Services flush; the request commits."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..calls.models import Call
from ..calls.services import process_changed
from ..catalogue.models import Category
from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.exports import neutralise
from ..core.sanitize import render_markdown
from ..core.slugs import unique_slug
from ..core.uploads import InspectedUpload
from ..dialogues.models import Disposition
from . import lifecycle
from .models import (
    Consultation,
    ConsultationAnswer,
    ConsultationDocument,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationStatus,
    ConsultationTheme,
    ResponseStatus,
)

MAX_QUESTIONS = 30
MAX_QUESTION_LENGTH = 2_000
MAX_ANSWER_LENGTH = 20_000
MAX_BODY_LENGTH = 50_000
MAX_DOCUMENTS = 10
MAX_THEMES = 12


# --- reading ---------------------------------------------------------------------------------


def find_by_slug(session: Session, slug: str) -> Consultation | None:
    return session.scalar(select(Consultation).where(Consultation.slug == slug))


def public_query(*, category_slug: str | None = None, stage: lifecycle.Stage | None = None,
                 now: dt.datetime) -> Select:
    """Published consultations, newest deadline first, optionally of one category or stage."""
    stmt = select(Consultation).where(Consultation.status != ConsultationStatus.DRAFT)
    if category_slug:
        stmt = stmt.join(Category, Consultation.category_id == Category.id).where(Category.slug == category_slug)
    if stage is lifecycle.Stage.OPEN:
        stmt = stmt.where(Consultation.status == ConsultationStatus.OPEN, Consultation.closes_at > now)
    elif stage is lifecycle.Stage.CLOSED:
        stmt = stmt.where(Consultation.status == ConsultationStatus.OPEN, Consultation.closes_at <= now)
    elif stage is lifecycle.Stage.SUMMARISED:
        stmt = stmt.where(Consultation.status == ConsultationStatus.SUMMARISED)
    # Everything a page of them shows, loaded per page in a fixed number of queries (no query per row).
    stmt = stmt.options(selectinload(Consultation.category), selectinload(Consultation.follow_up_call),
                        selectinload(Consultation.questions), selectinload(Consultation.documents),
                        selectinload(Consultation.themes))
    return stmt.order_by(Consultation.closes_at.desc(), Consultation.id.desc())


def staff_list(session: Session) -> list[Consultation]:
    return list(session.scalars(select(Consultation).order_by(Consultation.closes_at.desc(), Consultation.id.desc())
                                .limit(200)))


def public_for_category(session: Session, category: Category, limit: int = 20) -> list[Consultation]:
    stmt = (select(Consultation).where(Consultation.category_id == category.id,
                                       Consultation.status != ConsultationStatus.DRAFT)
            .order_by(Consultation.closes_at.desc()).limit(limit))
    return list(session.scalars(stmt))


def opened_for_call(call_id: Any) -> ColumnElement[bool]:
    """An opened (not draft) consultation followed up by the call `call_id` (a value, or Call.id for
    the call page's link)."""
    return and_(Consultation.follow_up_call_id == call_id, Consultation.status != ConsultationStatus.DRAFT)


def public_for_call(session: Session, call: Call) -> list[Consultation]:
    """The consultations a call follows from, once the call is public (lifecycle.shows_follow_up)."""
    if not call.is_public:
        return []
    stmt = select(Consultation).where(opened_for_call(call.id)).order_by(Consultation.id)
    return list(session.scalars(stmt))


def public_by_follow_up_call(session: Session, call_ids: Sequence[int]) -> dict[int, list[Consultation]]:
    """Opened consultations per follow-up call, for a page of calls at once (the OCDS planning section)."""
    if not call_ids:
        return {}
    stmt = (select(Consultation).where(Consultation.follow_up_call_id.in_(list(call_ids)),
                                       Consultation.status != ConsultationStatus.DRAFT)
            .order_by(Consultation.published_at, Consultation.id))
    found: dict[int, list[Consultation]] = {}
    for consultation in session.scalars(stmt):
        found.setdefault(consultation.follow_up_call_id or 0, []).append(consultation)
    return found


def open_for_organisation(session: Session, organisation_id: int | None, now: dt.datetime,
                          limit: int = 10) -> list[tuple[Consultation, ConsultationResponse | None]]:
    """Consultations open for answers, soonest deadline first, each with this organisation's response
    (None when it has not started): what waits for an entrepreneur on their own page."""
    if organisation_id is None:
        return []
    stmt = (select(Consultation, ConsultationResponse)
            .outerjoin(ConsultationResponse, (ConsultationResponse.consultation_id == Consultation.id)
                       & (ConsultationResponse.organisation_id == organisation_id))
            .where(Consultation.status == ConsultationStatus.OPEN, Consultation.closes_at > now)
            .order_by(Consultation.closes_at, Consultation.id).limit(limit))
    return [(consultation, response) for consultation, response in session.execute(stmt)]


def response_of(session: Session, consultation: Consultation,
                organisation_id: int | None) -> ConsultationResponse | None:
    if organisation_id is None:
        return None
    stmt = (select(ConsultationResponse)
            .where(ConsultationResponse.consultation_id == consultation.id,
                   ConsultationResponse.organisation_id == organisation_id)
            .options(selectinload(ConsultationResponse.answers)))
    return session.scalar(stmt)


def answers_by_number(response: ConsultationResponse | None) -> dict[int, str]:
    if response is None:
        return {}
    return {answer.question.number: answer.text for answer in response.answers}


def submitted_responses(session: Session, consultation: Consultation) -> list[ConsultationResponse]:
    """What staff read: submitted responses only; a draft is still the organisation's own."""
    stmt = (select(ConsultationResponse)
            .where(ConsultationResponse.consultation_id == consultation.id,
                   ConsultationResponse.status == ResponseStatus.SUBMITTED)
            .options(selectinload(ConsultationResponse.answers).selectinload(ConsultationAnswer.question),
                     selectinload(ConsultationResponse.organisation))
            .order_by(ConsultationResponse.submitted_at, ConsultationResponse.id))
    return list(session.scalars(stmt))


def response_counts(session: Session, consultation: Consultation) -> dict[ResponseStatus, int]:
    rows = session.execute(select(ConsultationResponse.status, func.count())
                           .where(ConsultationResponse.consultation_id == consultation.id)
                           .group_by(ConsultationResponse.status))
    return {status: count for status, count in rows}


def linkable_calls(session: Session) -> list[Call]:
    return list(session.scalars(select(Call).order_by(Call.created_at.desc(), Call.id.desc()).limit(200)))


# --- writing the consultation ------------------------------------------------------------------


def parse_questions(text: str) -> list[str]:
    """One question per line; blank lines are ignored. The order gives the numbers."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _ensure_editable(consultation: Consultation) -> None:
    if not lifecycle.is_editable(consultation):
        raise DomainError(_l("This consultation is open: its document and questions can no longer be changed, "
                             "so every company answers the same questions."))


def english_problems(title_en: str, body_source_en: str, questions: Sequence[str],
                     questions_en: Sequence[str]) -> list[DomainError]:
    """Why the English version cannot be saved as it is, each with its field (none when it can). English
    exists as a whole, as for calls: it is shown only with an English title, and each English question
    is the translation of the Dutch question with its number, so there are as many or none. The form
    shows all of them at once (forms.ConsultationForm.validate); the service refuses on the first."""
    problems = []
    if (body_source_en.strip() or questions_en) and not title_en.strip():
        problems.append(DomainError(_l("Give the English title too: the English version is shown only with its "
                                       "title."), field="title_en"))
    if questions_en and len(questions_en) != len(questions):
        problems.append(DomainError(_l("Give as many English questions as Dutch ones (%(n)d), one per line in the "
                                       "same order, or none: each is the translation of the question with its "
                                       "number.", n=len(questions)), field="questions_en"))
    elif any(len(q) > MAX_QUESTION_LENGTH for q in questions_en):
        problems.append(DomainError(_l("A question is at most %(n)d characters long.", n=MAX_QUESTION_LENGTH),
                                    field="questions_en"))
    return problems


def save_consultation(session: Session, actor: Any, consultation: Consultation | None, *, title: str,
                      body_source: str, category: Category | None, closes_at: dt.datetime,
                      questions: Sequence[str], follow_up_call: Call | None, now: dt.datetime,
                      title_en: str = "", body_source_en: str = "",
                      questions_en: Sequence[str] = ()) -> Consultation:
    """Create or change a draft consultation, with its English version when given. Questions are
    renumbered 1..n in the given order. Side effect: audit `consultation.created` / `consultation.changed`."""
    if consultation is not None:
        _ensure_editable(consultation)
    if not questions:
        raise DomainError(_l("Write at least one question."), field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(_l("A consultation has at most %(n)d questions.", n=MAX_QUESTIONS), field="questions")
    if any(len(q) > MAX_QUESTION_LENGTH for q in questions):
        raise DomainError(_l("A question is at most %(n)d characters long.", n=MAX_QUESTION_LENGTH), field="questions")
    problems = english_problems(title_en, body_source_en, questions, questions_en)
    if problems:
        raise problems[0]
    if closes_at <= now:
        raise DomainError(_l("The deadline must be in the future."), field="closes_at")
    is_new = consultation is None
    if consultation is None:
        consultation = Consultation(created_by_id=getattr(actor, "id", None))
        session.add(consultation)
    consultation.title = title.strip()
    consultation.slug = unique_slug(session, Consultation, consultation.title, "marktconsultatie", consultation.id)
    consultation.body_source = body_source
    consultation.body_html = render_markdown(body_source)
    consultation.title_en = title_en.strip()
    consultation.body_source_en = body_source_en
    consultation.body_html_en = render_markdown(body_source_en) if body_source_en.strip() else ""
    consultation.category = category
    consultation.closes_at = closes_at
    consultation.follow_up_call = follow_up_call
    _replace_questions(session, consultation, questions, questions_en)
    audit.record(session, actor, "consultation.created" if is_new else "consultation.changed", consultation,
                 {"questions": len(questions)})
    return consultation


def _replace_questions(session: Session, consultation: Consultation, questions: Sequence[str],
                       questions_en: Sequence[str] = ()) -> None:
    existing = {q.number: q for q in consultation.questions}
    for number, text in enumerate(questions, start=1):
        text_en = questions_en[number - 1] if questions_en else ""
        if number in existing:
            existing[number].text, existing[number].text_en = text, text_en
        else:
            consultation.questions.append(ConsultationQuestion(number=number, text=text, text_en=text_en))
    for number, question in existing.items():
        if number > len(questions):
            consultation.questions.remove(question)
    session.flush()


def set_follow_up_call(session: Session, actor: Any, consultation: Consultation, call: Call | None) -> None:
    """The call that followed may be linked at any moment: it usually appears after the summary.
    Side effect: audit `consultation.follow_up_call`."""
    before = consultation.follow_up_call
    consultation.follow_up_call = call
    session.flush()
    audit.record(session, actor, "consultation.follow_up_call", consultation, {"call_id": call.id if call else None})
    _tell_follow_up_calls(session, consultation, before, call)


def _tell_follow_up_calls(session: Session, consultation: Consultation, *calls: Call | None) -> None:
    """A public consultation is part of its follow-up call's planning (OCDS `planning.documents`):
    the call's stored release is written anew when that part changes (api/releases.py listens)."""
    if consultation.status is ConsultationStatus.DRAFT:
        return
    for call in {c.id: c for c in calls if c is not None}.values():
        process_changed.send(call, session=session, change="consultation")


def add_document(session: Session, actor: Any, consultation: Consultation, title: str, upload: InspectedUpload,
                 storage_key: str) -> ConsultationDocument:
    """Record a document whose bytes are staged under `storage_key`; the caller promotes it after commit."""
    _ensure_editable(consultation)
    if len(consultation.documents) >= MAX_DOCUMENTS:
        raise DomainError(_l("A consultation has at most %(n)d documents.", n=MAX_DOCUMENTS), field="file")
    document = ConsultationDocument(title=title.strip() or upload.filename, filename=upload.filename,
                                    content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
                                    storage_key=storage_key)
    consultation.documents.append(document)
    session.flush()
    audit.record(session, actor, "consultation.document_added", consultation, {"document_id": document.id})
    return document


def remove_document(session: Session, actor: Any, consultation: Consultation, document: ConsultationDocument) -> str:
    """Returns the storage key, to delete the file after commit."""
    _ensure_editable(consultation)
    consultation.documents.remove(document)
    session.flush()
    audit.record(session, actor, "consultation.document_removed", consultation, {"document_id": document.id})
    return document.storage_key


def transition_consultation(session: Session, actor: Any, consultation: Consultation, target: ConsultationStatus,
                            now: dt.datetime) -> None:
    """The one writer of `Consultation.status` (lifecycle.MOVES says which moves exist).

    Side effects: opening sets `published_at`; publishing the summary sets `summary_published_at`;
    audit `consultation.status` with from → to. The row is locked first, so two clicks move it once."""
    lock_row(session, Consultation, consultation.id)
    session.refresh(consultation)
    problem = lifecycle.refusal(consultation, target, now)
    if problem is not None:
        raise DomainError(problem)
    source = consultation.status
    consultation.status = target
    if target is ConsultationStatus.OPEN:
        consultation.published_at = now
    if target is ConsultationStatus.SUMMARISED:
        consultation.summary_published_at = now
    session.flush()
    audit.record(session, actor, "consultation.status", consultation, {"from": source.value, "to": target.value})
    _tell_follow_up_calls(session, consultation, consultation.follow_up_call)


# --- answering --------------------------------------------------------------------------------


class StaleAnswers(DomainError):
    """The answers were saved elsewhere (another tab, a colleague) after this form was opened."""


def save_answers(session: Session, actor: Any, consultation: Consultation, answers: dict[int, str], *,
                 submit: bool, now: dt.datetime, expected_revision: int | None = None) -> ConsultationResponse:
    """Store the answers of the actor's organisation, as a draft or submitted.

    Judged by `now`, the moment the request arrived (server time): at the deadline itself it is too
    late. Two tabs or a second click of the same organisation wait for each other on the
    consultation's row and then find the one response (unique per consultation and organisation
    backs this up), so no second response appears; a submitted response refuses further changes. With
    `expected_revision` (the revision the form was opened at) a save from an out-of-date page is refused
    (`StaleAnswers`) instead of overwriting what a colleague or another tab saved in the meantime.
    Side effects: audit `consultation.answers_saved` or `consultation.answers_submitted` (no text)."""
    organisation_id = getattr(actor, "organisation_id", None)
    if organisation_id is None:
        raise DomainError(_l("Answers are given on behalf of an organisation; your account has none."))
    if any(len(text) > MAX_ANSWER_LENGTH for text in answers.values()):
        raise DomainError(_l("An answer is at most %(n)d characters long.", n=MAX_ANSWER_LENGTH))
    lock_row(session, Consultation, consultation.id)
    response = response_of(session, consultation, organisation_id)
    if response is not None:
        session.refresh(response)
    problem = lifecycle.answer_refusal(consultation, response, now)
    if problem is not None:
        raise DomainError(problem)
    current = response.revision if response is not None else 0
    if expected_revision is not None and expected_revision != current:
        raise StaleAnswers(_l("These answers were saved elsewhere (another tab or a colleague) after you opened this "
                              "page. Your text is still in the form; the saved version is shown below each field. "
                              "Save again to replace it with yours."))
    if submit and not any(text.strip() for text in answers.values()):
        raise DomainError(_l("Answer at least one question before submitting."))
    if response is None:
        response = ConsultationResponse(consultation_id=consultation.id, organisation_id=organisation_id,
                                        status=ResponseStatus.DRAFT)
        session.add(response)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            # A concurrent request of the same organisation created it first (the lock makes this rare).
            raise DomainError(_l("Your organisation's answers were saved at the same moment elsewhere. "
                                 "Reload the page to see them.")) from None
    _write_answers(session, consultation, response, answers)
    response.revision = current + 1
    response.last_edited_by_id = getattr(actor, "id", None)
    response.updated_at = now
    if submit:
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        response.submitted_by_id = getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor, "consultation.answers_submitted" if submit else "consultation.answers_saved",
                 consultation, {"response_id": response.id, "organisation_id": organisation_id})
    return response


def _write_answers(session: Session, consultation: Consultation, response: ConsultationResponse,
                   answers: dict[int, str]) -> None:
    by_question = {answer.question_id: answer for answer in response.answers}
    for question in consultation.questions:
        text = answers.get(question.number, "").strip()
        answer = by_question.get(question.id)
        if answer is None:
            response.answers.append(ConsultationAnswer(question_id=question.id, text=text))
        else:
            answer.text = text
    session.flush()


# --- export -----------------------------------------------------------------------------------


def export_rows(session: Session, consultation_id: int) -> Iterator[str]:
    """The submitted answers as CSV lines (';', BOM, formulas neutralised), one line per
    organisation and question, produced one response at a time so a large export streams.
    Takes the id: the generator runs after the view has returned, so it loads what it needs itself."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def line(cells: Sequence[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line([str(_l("Organisation")), str(_l("KvK number")), str(_l("Submitted at (UTC)")),
                           str(_l("Question")), str(_l("Question text")), str(_l("Answer"))])
    stmt = (select(ConsultationResponse.id)
            .where(ConsultationResponse.consultation_id == consultation_id,
                   ConsultationResponse.status == ResponseStatus.SUBMITTED)
            .order_by(ConsultationResponse.submitted_at, ConsultationResponse.id))
    questions = [(q.id, q.number, q.text) for q in session.scalars(
        select(ConsultationQuestion).where(ConsultationQuestion.consultation_id == consultation_id)
        .order_by(ConsultationQuestion.number))]
    for response_id in list(session.scalars(stmt)):
        response = session.get(ConsultationResponse, response_id)
        if response is None:
            continue
        texts = {answer.question_id: answer.text for answer in response.answers}
        submitted = response.submitted_at.strftime("%Y-%m-%d %H:%M:%S") if response.submitted_at else ""
        for question_id, number, text in questions:
            yield line([response.organisation.name, response.organisation.kvk_number, submitted,
                        number, text, texts.get(question_id, "")])
        session.expunge(response)  # keep memory flat over many responses


# --- the summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeInput:
    title: str
    disposition: Disposition
    action_source: str
    title_en: str = ""
    action_source_en: str = ""


@dataclass(frozen=True)
class ThemeTexts:
    """What summary_english_problems reads of a theme: its texts in both languages."""

    title: str
    action_source: str
    title_en: str = ""
    action_source_en: str = ""


def theme_field(index: int, name: str) -> str:
    """The field of the `index`-th theme given to summary_english_problems, as its problems name it."""
    return f"themes-{index}-{name}"


def summary_english_problems(consultation: Consultation, summary_source: str, summary_source_en: str,
                             themes: Sequence[ThemeTexts]) -> list[DomainError]:
    """Why the English summary cannot be saved as it is, each with its field (none when it can). As for
    the consultation (english_problems), English exists as a whole or not at all: once anything of the
    summary is in English, the summary and every theme are, each text beside its Dutch one; and only
    for a consultation with its English version (its English title, fixed when it opened), since the
    English page shows the rest of it in Dutch otherwise. Theme fields are named `theme_field(i, name)`,
    `i` the position in `themes`. The form shows all of them at once; the service refuses on the first."""
    has_dutch = {"summary_source_en": summary_source.strip()}
    has_english = {"summary_source_en": summary_source_en.strip()}
    for index, theme in enumerate(themes):
        has_dutch[theme_field(index, "title_en")] = theme.title.strip()
        has_english[theme_field(index, "title_en")] = theme.title_en.strip()
        has_dutch[theme_field(index, "action_source_en")] = theme.action_source.strip()
        has_english[theme_field(index, "action_source_en")] = theme.action_source_en.strip()
    if not any(has_english.values()):
        return []
    if not consultation.title_en:
        return [DomainError(_l("This consultation has no English version, so its summary is published in Dutch "
                               "only: leave the English texts empty."), field=field)
                for field, text in has_english.items() if text]
    problems = []
    for field, dutch in has_dutch.items():
        if dutch and not has_english[field]:
            problems.append(DomainError(_l("Give the English text too: the summary is in English as a whole, or "
                                           "only in Dutch."), field=field))
        elif has_english[field] and not dutch:
            problems.append(DomainError(_l("Write the Dutch text first: the English one is its translation."),
                                        field=field))
    return problems


def save_summary(session: Session, actor: Any, consultation: Consultation, *, summary_source: str,
                 themes: Sequence[ThemeInput], now: dt.datetime, summary_source_en: str = "") -> None:
    """Write the summary (drafted after the deadline, before publication), with its English version when
    given (summary_english_problems). Side effect: audit."""
    if not lifecycle.summary_editable(consultation, now):
        raise DomainError(_l("The summary is written after the deadline and before it is published."))
    if len(themes) > MAX_THEMES:
        raise DomainError(_l("A summary has at most %(n)d themes.", n=MAX_THEMES))
    problems = summary_english_problems(
        consultation, summary_source, summary_source_en,
        [ThemeTexts(t.title, t.action_source, t.title_en, t.action_source_en) for t in themes])
    if problems:
        raise problems[0]
    consultation.summary_source = summary_source
    consultation.summary_html = render_markdown(summary_source)
    consultation.summary_source_en = summary_source_en
    consultation.summary_html_en = render_markdown(summary_source_en) if summary_source_en.strip() else ""
    consultation.themes.clear()
    session.flush()
    for position, theme in enumerate(themes, start=1):
        consultation.themes.append(ConsultationTheme(
            position=position, title=theme.title.strip(), disposition=theme.disposition,
            action_source=theme.action_source, action_html=render_markdown(theme.action_source),
            title_en=theme.title_en.strip(), action_source_en=theme.action_source_en,
            action_html_en=render_markdown(theme.action_source_en) if theme.action_source_en.strip() else ""))
    session.flush()
    audit.record(session, actor, "consultation.summary_saved", consultation, {"themes": len(themes)})
