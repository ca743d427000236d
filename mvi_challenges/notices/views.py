"""Clarification notes: the public note (HTML, PDF, canonical JSON) and the staff page to issue one."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.auth import require
from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call
from ..calls.panels import add_call_link
from ..calls.permissions import can_manage_calls, can_view_call
from ..calls.services import find_call_by_slug
from ..core.actions import run_action
from ..core.confirmation import ask_first
from ..core.db import db
from ..core.templating import offer_to_templates
from ..core.timezones import request_time
from . import services
from .forms import NoteForm
from .models import ClarificationNote
from .pdf import note_pdf

bp = Blueprint("notices", __name__)


def _public_note(slug: str, number: int) -> ClarificationNote:
    call = find_call_by_slug(db.session, slug)
    if call is None or not can_view_call(current_user, call):
        abort(404)
    return services.find_note(db.session, call, number) or abort(404)


@bp.route("/calls/<slug>/notes/<int:number>")
def note(slug: str, number: int):
    note = _public_note(slug, number)
    return render_template("notices/note.html", note=note, call=note.call)


@bp.route("/calls/<slug>/notes/<int:number>.pdf")
def note_download(slug: str, number: int):
    note = _public_note(slug, number)
    filename = f"nota-van-inlichtingen-{note.number}-{note.call.slug}.pdf"
    return Response(note_pdf(note), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/calls/<slug>/notes/<int:number>.json")
def note_json(slug: str, number: int):
    """The note's canonical bytes: their SHA-256 is the digest printed on the note."""
    note = _public_note(slug, number)
    return Response(services.canonical_bytes(services.note_content(note)),
                    mimetype="application/json; charset=utf-8")


def _load_call(call_id: int) -> Call:
    return db.session.get(Call, call_id) or abort(404)


def _render_staff(call: Call, form: NoteForm, status: int = 200):
    now = request_time()
    number = services.next_number(db.session, call)
    if not form.is_submitted():
        form.expected_number.data = str(number)
    return render_template("notices/staff.html", call=call, form=form, next_number=number,
                           pending=services.pending_answers(db.session, call),
                           notes=services.issued_notes(db.session, call),
                           refusal=call_lifecycle.clarification_note_refusal(call, now),
                           recipient_count=len(services.recipients(db.session, call))), status


@bp.route("/staff/calls/<int:call_id>/notes")
@require(can_manage_calls)
def staff_notes(call_id: int):
    return _render_staff(_load_call(call_id), NoteForm())


@bp.route("/staff/calls/<int:call_id>/notes", methods=["POST"])
@require(can_manage_calls)
def issue(call_id: int):
    call = _load_call(call_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_staff(call, form, 400)
    expected = int(form.expected_number.data) if (form.expected_number.data or "").isdigit() else 0
    pending = services.pending_answers(db.session, call)
    if (question := ask_first(
            title=_("Issue clarification note %(n)d?", n=expected),
            consequences=[
                ngettext("It takes in %(num)d published answer (questions %(numbers)s).",
                         "It takes in %(num)d published answers (questions %(numbers)s).", len(pending),
                         numbers=", ".join(str(q.number) for q in pending)) if pending
                else _("It takes in no answers, only the listed changes."),
                _("Once issued, the note and the answers in it cannot be changed; it becomes a document of the call."),
                ngettext("%(num)d person is mailed: the followers of the call and everyone who started a proposal.",
                         "%(num)d people are mailed: the followers of the call and everyone who started a proposal.",
                         len(services.recipients(db.session, call))),
            ],
            button=_("Yes, issue clarification note %(n)d", n=expected),
            back_url=url_for("notices.staff_notes", call_id=call.id))) is not None:
        return question
    outcome = run_action(lambda: services.issue_note(db.session, current_user, call,
                                                     changes_source=form.changes_source.data or "",
                                                     expected_number=expected, now=request_time()),
                         form=form, form_fields=("changes_source",),
                         success=lambda note: _("Clarification note %(n)d has been issued.", n=note.number))
    if outcome.error is not None and outcome.error.field:
        return _render_staff(call, form, 400)
    return redirect(url_for("notices.staff_notes", call_id=call.id))


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The notices' template hook (core/templating.py): the call page and the questions page list the
    issued notes through it, so the calls and proposals areas do not depend on this one."""
    offer_to_templates(state.app, clarification_notes=lambda call: services.issued_notes(db.session, call))
    # The call page asks this with the call, and lists the notes only when there are any.
    add_call_link(state.app, "clarification_notes", services.note_of)
