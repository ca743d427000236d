from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy.orm import defer, joinedload

from ..accounts.auth import require, require_login
from ..calls import stages
from ..calls.models import Call, Phase
from ..calls.panels import CallLinks, CallPanel, add_call_panel
from ..calls.services import find_call_by_slug
from ..core import audit
from ..core.actions import run_action
from ..core.confirmation import ask_first
from ..core.db import db
from ..core.errors import flash_form_errors, status_for
from ..core.exports import to_csv
from ..core.pagination import MAX_PAGE
from ..core.storage import get_storage, send_stored
from ..core.templating import form_error_list, offer_to_templates
from ..core.timezones import request_time
from ..infra import fingerprint_cache
from ..proposals import lifecycle
from ..proposals.models import Attachment, Proposal
from ..proposals.permissions import is_owner
from . import permissions, services
from .blind_copies import jury_copy, strip_document_metadata
from .forms import (
    ConsensusForm,
    DecisionForm,
    InvitationForm,
    LiftConflictForm,
    MemberForm,
    ScoreSheetForm,
    SettingsForm,
    outcome_choices,
    outcome_label,
)
from .models import ConflictDeclaration, JuryMember, Outcome, SheetStatus
from .permissions import (
    can_manage_juries,
    can_manage_jury_of_phase,
    can_open_proposal,
    can_publish_decisions,
    can_see_results,
    can_view_winners,
)

bp = Blueprint("evaluation", __name__)


def published_decisions(call: Call, _links: CallLinks) -> list[dict]:
    """The call page's panel (calls/panels.py): phases whose decisions are public, with winners
    and their scores."""
    shown = []
    for phase in call.phases:
        if phase.decisions_published_at is None:
            continue
        decided = services.decisions(db.session, phase)
        by_id = {r.proposal_id: r for r in services.results(db.session, phase)}
        winners = [(d.proposal, d, by_id.get(d.proposal_id)) for d in decided.values()
                   if d.outcome in (Outcome.AWARDED, Outcome.ADVANCED, Outcome.SHORTLISTED)]
        recused = [d for d in services.phase_declarations(db.session, phase) if d.has_conflict]
        shown.append({"phase": phase, "winners": winners, "recused": recused})
    return shown


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The evaluation's template hook (core/templating.py) and its panel on the call page (calls/panels.py)."""
    add_call_panel(state.app, CallPanel(order=10, template="evaluation/_decisions_panel.html",
                                        build=published_decisions))
    offer_to_templates(state.app, outcome_label=outcome_label)


def _phase(call_id: int, number: int) -> Phase:
    call = db.session.get(Call, call_id) or abort(404)
    return next((p for p in call.phases if p.number == number), None) or abort(404)


def _managed_phase(phase: Phase) -> Phase:
    """The staff pages that manage a phase's jury: not for a staff member who sits on it."""
    if not can_manage_jury_of_phase(current_user, lifecycle.reads_as_staff(db.session, current_user, phase)):
        abort(403)
    return phase


def _results_phase(call_id: int, number: int) -> Phase:
    """Staff's view of the scores. A staff member who sits on this phase's jury reads them through
    the jury pages only, where independent scoring and their conflicts apply."""
    phase = _phase(call_id, number)
    if not lifecycle.reads_as_staff(db.session, current_user, phase):
        abort(403)  # a member of its jury, or a civil servant whose organisation competes in the phase
    return phase


def _jury_phase(phase_id: int) -> tuple[Phase, JuryMember]:
    """A jury page: only members of this phase's jury (staff use the staff pages)."""
    # With its call (every jury page names it) and the user's seat, in the same query.
    phase, (member, _declaration, _sheet) = services.jury_seat(db.session, current_user, phase_id)
    if phase is None:
        abort(404)
    if member is None:
        abort(403)
    return phase, member


# Not the working copy's texts: the jury reads the submitted version (DESIGN.md: the submitted version
# counts), and a working copy is as long as a version (#20: big text columns a page does not show).
_JURY_PROPOSAL_OPTIONS = (joinedload(Proposal.versions), joinedload(Proposal.organisation),
                          defer(Proposal.body_source), defer(Proposal.body_html))
_SCORE_PHASE_OPTIONS = (joinedload(Phase.call), joinedload(Phase.criteria))


def _jury_proposal(phase: Phase, proposal_id: int) -> Proposal:
    # With its versions and organisation (the pages show the latest version and, unless blind, the
    # organisation; a blind copy takes its names out): one query instead of three.
    proposal = db.session.get(Proposal, proposal_id, options=_JURY_PROPOSAL_OPTIONS)
    if proposal is None or proposal.phase_id != phase.id or proposal.status not in lifecycle.IN_EVALUATION:
        abort(404)  # drafts and withdrawn proposals are not for the jury
    if _sealed(phase):
        abort(403)  # sealed until the deadline, for the jury and staff alike
    return proposal


def _sealed(phase: Phase) -> bool:
    """Whether the phase's proposals are still sealed; the first reading after the closing time
    records the opening (an audit event, like the opening of bids)."""
    now = request_time()
    if lifecycle.is_sealed(phase, now):
        return True
    if phase.opened_at is None and lifecycle.record_opening(db.session, current_user, phase, now):
        db.session.commit()
    return False


def _render_sealed(phase: Phase, member: JuryMember | None):
    competes = member is not None and permissions.competes_in_phase(db.session, current_user, phase)
    return render_template("evaluation/sealed.html", phase=phase, call=phase.call, member=member,
                           arrived=None if competes else lifecycle.arrived_count(db.session, phase)), 200


# --- staff: the jury of a phase -------------------------------------------------------------


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/jury", methods=["GET", "POST"])
@require(can_manage_juries)
def jury(call_id: int, number: int):
    phase = _managed_phase(_phase(call_id, number))
    form = MemberForm()
    if form.validate_on_submit() and run_action(lambda: services.assign_member(
            db.session, current_user, phase, email=form.email.data, name=form.name.data or "",
            is_chair=form.is_chair.data, secret_key=current_app.config["SECRET_KEY"]),
            form=form, success=_("The jury member has been added.")).ok:
        return redirect(url_for("evaluation.jury", call_id=call_id, number=number))
    settings = SettingsForm(blind_review=phase.blind_review, threshold=phase.disagreement_threshold)
    return _render_jury(phase, form, settings), status_for(form)


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/jury/carry-over", methods=["POST"])
@require(can_manage_juries)
def carry_over(call_id: int, number: int):
    """The earlier round's jury joins this one (evaluation.services.carry_over_jury)."""
    phase = _managed_phase(_phase(call_id, number))
    if services.earlier_round(phase) is None:
        abort(404)
    result = run_action(lambda: services.carry_over_jury(db.session, current_user, phase))
    if result.ok:
        plan = result.value
        if plan.joining:
            flash(ngettext("%(num)d member of the jury of %(phase)s has been added.",
                           "%(num)d members of the jury of %(phase)s have been added.",
                           len(plan.joining), phase=plan.source.title), "success")
        elif not plan.competing and not plan.actor_left_out:
            flash(_("Everyone of the jury of %(phase)s is on this jury already.", phase=plan.source.title), "info")
        if plan.actor_left_out:
            flash(_("You were on the jury of %(phase)s too: a colleague adds you, as whoever sits on a jury does "
                    "not manage it.", phase=plan.source.title), "info")
        if plan.competing:
            flash(_("Not added, because they or their organisation have a proposal in this phase:") + " "
                  + ", ".join(member.user.name for member in plan.competing) + ".", "info")
    return redirect(url_for("evaluation.jury", call_id=call_id, number=number))


def _render_jury(phase: Phase, form: MemberForm, settings: SettingsForm):
    return render_template(
        "evaluation/jury.html", phase=phase, call=phase.call, form=form, settings=settings,
        carry_over=services.carry_over_plan(db.session, current_user, phase),
        members=services.members(db.session, phase), declarations=services.phase_declarations(db.session, phase),
        progress=services.progress(db.session, phase), proposals=services.phase_proposals(db.session, phase))


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/jury/settings", methods=["POST"])
@require(can_manage_juries)
def settings(call_id: int, number: int):
    phase = _managed_phase(_phase(call_id, number))
    form = SettingsForm()
    if form.validate_on_submit() and run_action(lambda: services.save_settings(
            db.session, current_user, phase, blind_review=form.blind_review.data, threshold=form.threshold.data),
            form=form, success=_("The jury settings have been saved.")).ok:
        return redirect(url_for("evaluation.jury", call_id=call_id, number=number))
    return _render_jury(phase, MemberForm(), form), 400


@bp.route("/staff/jury-members/<int:member_id>/remove", methods=["POST"])
@require(can_manage_juries)
def remove_member(member_id: int):
    member = db.session.get(JuryMember, member_id) or abort(404)
    phase = _managed_phase(member.phase)
    if (question := ask_first(
            title=_("Remove %(name)s from the jury of %(phase)s?", name=member.user.name, phase=phase.title),
            consequences=[_("They can no longer declare, open or score the proposals of this phase."),
                          _("To bring them back you must invite them again.")],
            button=_("Yes, remove this jury member"),
            back_url=url_for("evaluation.jury", call_id=phase.call_id, number=phase.number))) is not None:
        return question
    run_action(lambda: services.remove_member(db.session, current_user, member),
               success=_("The jury member has been removed."))
    return redirect(url_for("evaluation.jury", call_id=phase.call_id, number=phase.number))


@bp.route("/staff/conflicts/<int:declaration_id>/lift", methods=["POST"])
@require(can_manage_juries)
def lift_conflict(declaration_id: int):
    """Only staff lift a declared conflict, with a reason that stays in the record."""
    declaration = db.session.get(ConflictDeclaration, declaration_id) or abort(404)
    phase = _managed_phase(declaration.member.phase)
    form = LiftConflictForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        run_action(lambda: services.lift_conflict(db.session, current_user, declaration, form.reason.data),
                   success=_("The conflict of interest has been lifted; the reason is kept in the record."))
    return redirect(url_for("evaluation.jury", call_id=phase.call_id, number=phase.number) + "#declarations-heading")


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/results")
@require(can_manage_juries)
def staff_results(call_id: int, number: int):
    phase = _results_phase(call_id, number)
    if _sealed(phase):
        return _render_sealed(phase, None)
    return _render_ranking(phase, member=None)


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/results/<int:proposal_id>", methods=["GET", "POST"])
@require(can_manage_juries)
def staff_result(call_id: int, number: int, proposal_id: int):
    """One proposal's scores and the municipality's decision on it (the form posts here)."""
    phase = _results_phase(call_id, number)
    proposal = _jury_proposal(phase, proposal_id)
    decided = services.decision_for(db.session, proposal)
    form = DecisionForm(outcome=decided.outcome.value if decided else None,
                        motivation=decided.motivation if decided else "", place=decided.place if decided else None)
    form.outcome.choices = outcome_choices(phase)
    if not stages.has_prizes(phase):
        del form.place
    if form.validate_on_submit() and run_action(lambda: services.decide(
            db.session, current_user, proposal, Outcome(form.outcome.data), form.motivation.data,
            knockout_reason=form.knockout_reason.data or "", now=request_time(),
            place=form.place.data if "place" in form else None),
            form=form, success=_("The decision has been recorded.")).ok:
        return redirect(url_for("evaluation.staff_result", call_id=call_id, number=number, proposal_id=proposal.id,
                                **_show_args()))
    return _render_result(phase, proposal, member=None, decision_form=form), status_for(form)


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/report")
@require(can_manage_juries)
def staff_report(call_id: int, number: int):
    """The printable jury report: ranking, scores, consensus and decisions, without any form."""
    phase = _results_phase(call_id, number)
    if _sealed(phase):
        return _render_sealed(phase, None)
    snapshot = services.results_snapshot(db.session, phase)
    return render_template(
        "evaluation/report.html", phase=phase, call=phase.call, now=request_time(), snapshot=snapshot,
        members=services.members(db.session, phase), jury=services.member_names(db.session, phase),
        progress=snapshot.progress.per_member, consensus=services.consensus_by_proposal(db.session, phase),
        decided=services.decisions(db.session, phase))


def _ranking_view(member: JuryMember | None, phase: Phase) -> str:
    """Which of the ranking's versions a reader gets: staff see names and decisions; a jury sees
    names unless the review is blind."""
    if member is None:
        return "staff"
    return "jury-blind" if phase.blind_review else "jury"


def _render_ranking(phase: Phase, member: JuryMember | None):
    """Progress and ranking. The table of 500 rows is the same for every reader of one view, so it
    is rendered once per change of the results (infra/fingerprint_cache.py) and then reused: the page costs a handful
    of small queries however big the phase is. Names of people are not in it: the progress list
    is rendered for each request."""
    view = _ranking_view(member, phase)
    only_flagged = _only_flagged()
    jury = services.member_names(db.session, phase)
    version = services.results_fingerprint(db.session, phase, jury)
    progress = services.member_progress(db.session, phase, version)
    # Independent scoring, the chair included: a proposal's scores and place in the ranking only
    # once one's own sheet for it is final, and never with a declared conflict.
    # own sheets and conflicts are in the fingerprint
    hidden = frozenset() if member is None else fingerprint_cache.remember(
        f"hidden|{phase.id}|{version}|{member.id}", lambda: services.hidden_from(db.session, member))

    def render() -> str:
        snapshot = services.results_snapshot(db.session, phase, version)
        return render_template("evaluation/_ranking.html", phase=phase, call=phase.call, view=view, snapshot=snapshot,
                               only_flagged=only_flagged, hidden=hidden)

    hidden_key = hashlib.sha256(repr(sorted(hidden)).encode()).hexdigest()[:16] if hidden else "none"
    key = f"ranking|{phase.id}|{version}|{view}|{'flagged' if only_flagged else 'all'}|{hidden_key}|{get_locale()}"
    ranking = fingerprint_cache.remember(key, render)
    return render_template(
        "evaluation/results.html", phase=phase, call=phase.call, member=member, is_staff_view=member is None,
        ranking=Markup(ranking),  # noqa: S704 - rendered by Jinja above, from escaped values
        jury=jury, progress=progress)



def _only_flagged() -> bool:
    """The chair goes through the proposals flagged for discussion only (?show=flagged)."""
    return request.args.get("show") == "flagged"


def _show_args() -> dict[str, str]:
    return {"show": "flagged"} if _only_flagged() else {}


def _render_result(phase: Phase, proposal: Proposal, member: JuryMember | None, *,
                   decision_form: DecisionForm | None = None, consensus_form: ConsensusForm | None = None,
                   consensus_criterion: int | None = None, has_conflict: bool | None = None) -> str:
    """One proposal's result: its rank, each member's total, mean and spread per criterion, the
    consensus (with the chair's forms) and, for staff, the decision."""
    snapshot = services.results_snapshot(db.session, phase)
    agreed = services.proposal_consensus(db.session, proposal)
    forms = {}
    if member is not None and services.may_record_consensus(db.session, member, proposal, has_conflict=has_conflict,
                                                             progress_=snapshot.progress):
        for criterion in phase.criteria:
            if consensus_form is not None and criterion.id == consensus_criterion:
                forms[criterion.id] = consensus_form
            else:
                current = agreed.get(criterion.id)
                forms[criterion.id] = ConsensusForm(prefix=f"c{criterion.id}", formdata=None,
                                                    value=current.value if current else None,
                                                    reason=current.reason if current else "")
    waiting = None
    if member is not None and member.is_chair and not forms and phase.decisions_published_at is None:
        waiting = services.consensus_problem(db.session, proposal, snapshot.progress)  # why no forms yet
    only_flagged = _only_flagged()
    hidden = frozenset() if member is None else fingerprint_cache.remember(
        f"hidden|{phase.id}|{snapshot.version}|{member.id}", lambda: services.hidden_from(db.session, member))
    previous, following = snapshot.neighbours(proposal.id, only_flagged, hidden)
    if hidden:  # the place among the proposals this member may see, so no gap gives a hidden one away
        rank, ranked = snapshot.visible_rank(proposal.id, hidden)
    else:
        result = snapshot.result_for(proposal.id)
        rank, ranked = (result.rank if result else None), len(snapshot.results)
    return render_template(
        "evaluation/result.html", phase=phase, call=phase.call, member=member, proposal=proposal,
        only_flagged=only_flagged, show=_show_args(),
        snapshot=snapshot, result=snapshot.result_for(proposal.id), previous=previous, following=following,
        rank=rank, ranked=ranked, hide_normalised=bool(hidden),
        view=_ranking_view(member, phase), members=services.members(db.session, phase), agreed=agreed,
        consensus_forms=forms, decision_form=decision_form, consensus_waiting=waiting,
        failed_form=next((f for f in (consensus_form, decision_form) if f is not None and form_error_list(f)), None),
        decided=services.decision_for(db.session, proposal) if member is None else None)


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/publish-decisions", methods=["POST"])
@require(can_manage_juries)
def publish(call_id: int, number: int):
    phase = _phase(call_id, number)
    if not can_publish_decisions(current_user, lifecycle.reads_as_staff(db.session, current_user, phase)):
        abort(403)
    if (question := ask_first(
            title=_("Publish the decisions of %(phase)s?", phase=phase.title),
            consequences=[_("Every applicant is emailed their own outcome, with the scores and the motivation."),
                          _("The winners, their scores per criterion and the motivations appear on the call page "
                            "and in the open data.")],
            button=_("Yes, publish the decisions"),
            back_url=url_for("evaluation.staff_results", call_id=call_id, number=number))) is not None:
        return question
    run_action(lambda: services.publish_decisions(db.session, current_user, phase, request_time()),
               success=_("The decisions have been published and the applicants have been emailed."))
    return redirect(url_for("evaluation.staff_results", call_id=call_id, number=number))


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/scores.csv")
@require(can_manage_juries)
def scores_csv(call_id: int, number: int):
    """Every final score with its motivation; blind-aware: in a blind review no applicant names."""
    phase = _results_phase(call_id, number)
    criteria = {c.id: c.name for c in phase.criteria}
    rows = []
    for sheet in services.final_sheets(db.session, phase):
        proposal = sheet.proposal
        applicant = "" if phase.blind_review else (proposal.organisation.name if proposal.organisation
                                                   else (proposal.submitter.name if proposal.submitter else ""))
        for score in sheet.scores:
            rows.append([proposal.id, applicant, sheet.member.user.name, criteria.get(score.criterion_id, ""),
                         score.value, score.motivation])
    header = [_("Proposal"), _("Applicant"), _("Jury member"), _("Criterion"), _("Score"), _("Motivation")]
    audit.record_export(db.session, current_user, "scores_csv", phase)
    return Response(to_csv(header, rows), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{phase.call.slug}-phase-{phase.number}-scores.csv"'})


# --- jury members ---------------------------------------------------------------------------


@bp.route("/jury")
@require_login
def my_juries():
    return render_template("evaluation/my_juries.html", memberships=services.memberships(db.session, current_user))


@bp.route("/jury/phases/<int:phase_id>", methods=["GET", "POST"])
@require_login
def phase_overview(phase_id: int):
    """The member's list: declare (also in bulk) and open proposals to score."""
    phase, member = _jury_phase(phase_id)
    if _sealed(phase):
        return _render_sealed(phase, member)
    if request.method == "POST":

        def declare_all() -> int:
            declared = 0
            # Only the proposals the form names (a page of them), not the phase's 500 with their versions.
            named = {int(key[8:]) for key in request.form
                     if key.startswith("declare-") and key[8:].isdecimal() and len(key) <= 26}  # fits a BIGINT
            for proposal in services.phase_proposals(db.session, phase, named):
                choice = request.form.get(f"declare-{proposal.id}", "")
                if choice not in ("none", "conflict"):
                    continue
                services.declare(db.session, current_user, member, proposal, has_conflict=choice == "conflict",
                                 reason=request.form.get(f"reason-{proposal.id}", ""), now=request_time())
                declared += 1
            return declared

        run_action(declare_all, success=lambda declared: ngettext(
            "%(num)d declaration saved.", "%(num)d declarations saved.", declared))
        return redirect(url_for("evaluation.phase_overview", phase_id=phase.id, **_page_args(_page_number())))
    # Plain rows, and each text translated once for the page rather than once per row.
    texts = {"proposal": _("Proposal %(n)d"), "open": _("Open and score %(label)s"), "final": _("final"),
             "draft": _("draft"), "unscored": _("not scored yet"),
             "conflict": _("You declared a conflict of interest: %(reason)s"),
             "none": _("No conflict of interest with %(label)s"), "with": _("Conflict of interest with %(label)s"),
             "reason": _("Reason for the conflict (only with a conflict)"),
             "organisations": _("Organisations taking part (the first leads): %(names)s")}
    blind = lifecycle.hides_applicant(db.session, current_user, phase)
    # A page of rows and, in the same query, where the member stands over all pages.
    number = _page_number()
    rows, standing = services.phase_rows(db.session, member, names=not blind, limit=JURY_PAGE_SIZE,
                                         offset=(number - 1) * JURY_PAGE_SIZE)
    page = _RowsPage(page=number, per_page=JURY_PAGE_SIZE, max_per_page=None, total=standing.total, rows=rows)
    return render_template("evaluation/phase.html", phase=phase, member=member, rows=page.items, page=page,
                           standing=standing, texts=texts, blind=blind, FINAL=SheetStatus.FINAL)


# The phase page shows this many proposals at a time (a phase may have 500), with the member's
# standing over all of them above the rows.
JURY_PAGE_SIZE = 50


class _RowsPage(Pagination):
    """One page of the phase page's rows for the pagination macro; the total is the standing's."""

    def _query_items(self) -> list[Any]:
        return self._query_args["rows"]  # read with the standing (an empty page past the end is a 404)

    def _query_count(self) -> int:
        return self._query_args["total"]


def _page_number() -> int:
    """`?page=abc` or `?page=-3` is page 1 (as core.pagination.paginate); past the end is a 404."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _page_args(page: int) -> dict[str, int]:
    return {"page": page} if page > 1 else {}


@bp.route("/jury/phases/<int:phase_id>/proposals/<int:proposal_id>", methods=["GET", "POST"])
@require_login
def score(phase_id: int, proposal_id: int):
    # As _jury_phase, with the criteria the sheet scores; the member's declaration and sheet come with
    # their seat (one query), read only once the seat is there and the proposal is one of the phase's.
    phase, (member, declaration, sheet) = services.jury_seat(db.session, current_user, phase_id, proposal_id,
                                                              criteria=True)
    if phase is None:
        abort(404)
    if member is None:
        abort(403)
    proposal = _jury_proposal(phase, proposal_id)
    if not can_open_proposal(member, declaration):
        if declaration is not None and declaration.has_conflict:
            abort(403)  # conflicted: this proposal is not for them
        flash(_("Declare first whether you have a conflict of interest with this proposal."), "info")
        page = services.phase_position(db.session, phase, proposal) // JURY_PAGE_SIZE + 1
        return redirect(url_for("evaluation.phase_overview", phase_id=phase.id, **_page_args(page))
                        + f"#proposal-{proposal.id}")
    finalising = request.form.get("action") == "finalise"
    form = ScoreSheetForm.for_phase(phase, sheet, finalising)
    if form.validate_on_submit():
        if (question := ask_first(
                condition=finalising,
                title=_("Finalise your scores for %(label)s?", label=_proposal_label(phase, proposal)),
                consequences=[_("Your scores and motivations for this proposal become final: you can no longer "
                                "change them."),
                              _("You then see the final scores of the other members.")],
                button=_("Yes, finalise my scores"),
                back_url=url_for("evaluation.score", phase_id=phase.id, proposal_id=proposal.id))) is not None:
            return question
        if run_action(lambda: services.save_sheet(db.session, current_user, member, proposal, form.inputs(),
                                                  finalise=finalising, now=request_time()),
                      form=form, success=_("Your scores have been saved.")).ok:
            return redirect(url_for("evaluation.score", phase_id=phase.id, proposal_id=proposal.id))
    return render_template(
        "evaluation/score.html", phase=phase, member=member, proposal=proposal, sheet=sheet, form=form,
        version=proposal.latest_version, blind=phase.blind_review, shown=_jury_text(phase, proposal),
        others=services.others_final_scores(db.session, member, proposal, services.standing_of(declaration, sheet)),
        final=sheet is not None and sheet.status is SheetStatus.FINAL,
    ), status_for(form)


def _jury_text(phase: Phase, proposal: Proposal) -> dict[str, str]:
    """The submitted summary and text as the jury reads them: in a blind review without the names
    of the organisations and people behind the proposal (blind_copies.jury_copy)."""
    version = proposal.latest_version
    if version is None:
        return {"summary": "", "body_html": ""}
    if not phase.blind_review:
        return {"summary": version.summary, "body_html": version.body_html}
    return jury_copy(db.session, proposal, version)


def _proposal_label(phase: Phase, proposal) -> str:
    """As the jury pages name a proposal: by number in a blind review, else by its title."""
    if phase.blind_review:
        return _("Proposal %(n)d", n=proposal.id)
    return proposal.latest_version.title if proposal.latest_version else proposal.title


@bp.route("/jury/phases/<int:phase_id>/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@require_login
def attachment(phase_id: int, proposal_id: int, attachment_id: int):
    """Files for the jury; in a blind review under a neutral name."""
    phase, member = _jury_phase(phase_id)
    proposal = _jury_proposal(phase, proposal_id)
    if not can_open_proposal(member, services.member_declaration(db.session, member, proposal)):
        abort(403)
    item = db.session.get(Attachment, attachment_id)
    submitted = proposal.latest_version.attachment_manifest if proposal.latest_version else []
    if item is None or item.proposal_id != proposal.id or item.id not in {entry["id"] for entry in submitted}:
        abort(404)  # only the files of the submitted version under evaluation: no drafts, nothing removed
    storage = get_storage(current_app.config)
    if not phase.blind_review:
        return send_stored(storage, item.storage_key, mimetype=item.content_type, download_name=item.filename)
    data = storage.read(item.storage_key)
    if data is None:
        abort(404)
    extension = item.filename.rsplit(".", 1)[-1] if "." in item.filename else "bin"
    return send_file(io.BytesIO(strip_document_metadata(data, item.content_type)), mimetype=item.content_type,
                     as_attachment=True, download_name=f"proposal-{proposal.id}-attachment-{item.id}.{extension}",
                     max_age=0)


@bp.route("/jury/phases/<int:phase_id>/results")
@require_login
def chair_results(phase_id: int):
    phase, member = _results_reader(phase_id)
    if _sealed(phase):
        return _render_sealed(phase, member)
    return _render_ranking(phase, member)


@bp.route("/jury/phases/<int:phase_id>/results/<int:proposal_id>", methods=["GET", "POST"])
@require_login
def chair_result(phase_id: int, proposal_id: int):
    """One proposal's result; the chair's consensus forms (one per criterion) post here."""
    phase, member = _results_reader(phase_id)
    proposal = _jury_proposal(phase, proposal_id)
    standing = services.standing(db.session, member, proposal)
    if standing.has_conflict:
        abort(403)  # a declared conflict shuts the member out of this proposal everywhere
    if not standing.may_see_others:
        flash(_("Finalise your own scores for this proposal first: the other members' scores are shown after "
                "that."), "info")
        return redirect(url_for("evaluation.score", phase_id=phase.id, proposal_id=proposal.id))
    if request.method == "GET":
        return _render_result(phase, proposal, member, has_conflict=False)
    criterion_id = request.form.get("criterion", type=int)
    if not member.is_chair or criterion_id not in {c.id for c in phase.criteria}:
        abort(400 if member.is_chair else 403)
    form = ConsensusForm(prefix=f"c{criterion_id}")
    if form.validate_on_submit() and run_action(lambda: services.record_consensus(
            db.session, current_user, proposal, criterion_id, form.value.data, form.reason.data),
            form=form, success=_("The consensus score has been saved.")).ok:
        return redirect(url_for("evaluation.chair_result", phase_id=phase.id, proposal_id=proposal.id,
                                **_show_args()) + f"#criterion-{criterion_id}")
    return _render_result(phase, proposal, member, consensus_form=form, consensus_criterion=criterion_id,
                          has_conflict=False), 400


def _results_reader(phase_id: int) -> tuple[Phase, JuryMember]:
    # The call (title, crumbs) and the criteria (the results' fingerprint) in the same query: on
    # PostgreSQL each lazy load is a round trip, and the ranking page is otherwise round trips only.
    phase = db.session.get(Phase, phase_id, options=_SCORE_PHASE_OPTIONS) or abort(404)
    member = services.member_for(db.session, current_user, phase)
    if member is None or not can_see_results(current_user, member):
        abort(403)
    return phase, member


# --- the public: the winners of a staged challenge ------------------------------------------


@bp.route("/calls/<slug>/winners")
def winners(slug: str):
    """The winners page: places, prizes and the jury's motivation, public once (and only once) the
    decisions of the pitch are published; before that it does not exist, for anyone."""
    call = find_call_by_slug(db.session, slug)
    if call is None or not can_view_winners(current_user, call):
        abort(404)
    stage = stages.winners_stage(call)
    return render_template("evaluation/winners.html", call=call, phase=stage,
                           winners=services.winners(db.session, stage))


# --- applicants: the decision on their proposal ----------------------------------------------


@bp.route("/proposals/<int:proposal_id>/decision")
@require_login
def decision(proposal_id: int):
    """What the applicant is owed once the decisions are published (and nothing before): the
    outcome with its motivation, the consensus score and reason per criterion, the scores of the
    winning proposals beside theirs, the end of the standstill period and how to object."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not (is_owner(current_user, proposal) or (
            lifecycle.can_read(current_user, proposal, request_time())
            and lifecycle.reads_as_staff(db.session, current_user, proposal.phase))):
        abort(404)  # staff: only a proposal that arrived and is no longer sealed; a juror uses the jury pages
    phase = proposal.phase
    if not lifecycle.decisions_published(proposal):
        return render_template("evaluation/decision.html", proposal=proposal, phase=phase, call=phase.call,
                               published=False)
    snapshot = services.results_snapshot(db.session, phase)
    winners = [(pid, snapshot.titles.get(pid, ""), snapshot.result_for(pid)) for r in snapshot.results
               for pid in [r.proposal_id] if snapshot.outcomes.get(pid) in services.WINNING and pid != proposal.id]
    return render_template(
        "evaluation/decision.html", proposal=proposal, phase=phase, call=phase.call, published=True,
        decided=services.decision_for(db.session, proposal), result=snapshot.result_for(proposal.id),
        agreed=services.proposal_consensus(db.session, proposal), winners=winners, now=request_time())


@bp.route("/jury/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    user = services.user_for_invitation(db.session, current_app.config["SECRET_KEY"], token)
    if user is None:
        abort(404)
    form = InvitationForm()
    if form.validate_on_submit() and run_action(
            lambda: services.accept_invitation(db.session, user, form.password.data), form=form).ok:
        login_user(user)
        flash(_("Your password has been set. Welcome to the jury."), "success")
        return redirect(url_for("evaluation.my_juries"))
    return render_template("evaluation/invitation.html", form=form, user=user), status_for(form)
