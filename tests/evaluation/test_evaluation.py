"""The jury at work: declarations, independent scoring, blind review, decisions and publication."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call, CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.proposals.models import Proposal, ProposalStatus

from ..factories import close_phase, login, make_call, make_proposal, make_user, page_text


def _setup(app: Flask, *, blind: bool = False, proposals: int = 2) -> SimpleNamespace:
    call = make_call(app, kind=CallKind.SBIR)
    owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=f"Bedrijf Nummer {n}") for n in range(proposals)]
    made = [make_proposal(app, owner, call, submit=True, attachment=True, title=f"Plan {n}", budget_cents=2_000_000)
            for n, owner in enumerate(owners)]
    close_phase(app, call)  # the jury reads and scores once the deadline has passed
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    chair, juror = make_user(app, Role.JURY, name="Carla Chair"), make_user(app, Role.JURY, name="Joris Jurylid")
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": chair.email, "is_chair": "y"})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury/settings",
               data={"blind_review": "y" if blind else "", "threshold": "3"})
    with app.app_context():
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id, Phase.number == 1))
        criteria = [c.id for c in phase.criteria]
        phase_id = phase.id
    return SimpleNamespace(call=call, proposals=made, owners=owners, staff=staff, chair=chair, juror=juror,
                           phase_id=phase_id, criteria=criteria)


def _client(app: Flask, user) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _scores(criteria: list[int], values: list[int], action: str = "finalise") -> dict:
    data = {"action": action, "confirm": "yes"}  # finalising asks first (tests/test_confirmation.py)
    for criterion, value in zip(criteria, values, strict=True):
        data[f"score-{criterion}"], data[f"motivation-{criterion}"] = str(value), "Omdat het zo is."
    return data


def test_declare_score_and_see_others_only_after_finalising(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    first = world.proposals[0].id
    base = f"/jury/phases/{world.phase_id}"
    # Without a declaration the proposal does not open.
    assert chair.get(f"{base}/proposals/{first}").status_code == 302
    for client in (chair, juror):
        client.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    chair.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [8, 6]))
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [3, 9], action="save"))
    page = page_text(juror.get(f"{base}/proposals/{first}"))
    assert "after you have finalised your own" in page and "Member 1" not in page
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [3, 9]))
    page = page_text(juror.get(f"{base}/proposals/{first}"))
    assert "Member 1: Impact 8, Haalbaarheid 6" in page
    # A final sheet cannot be changed.
    response = juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [10, 10]))
    assert response.status_code == 400 and "Your scores for this proposal are final." in page_text(response)


def test_finalising_needs_every_score_and_motivation(app: Flask, catalogue) -> None:
    world = _setup(app)
    juror = _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    juror.post(base, data={f"declare-{world.proposals[0].id}": "none"})
    data = _scores(world.criteria, [7, 7])
    data[f"motivation-{world.criteria[1]}"] = ""
    response = juror.post(f"{base}/proposals/{world.proposals[0].id}", data=data)
    assert response.status_code == 400 and "Give a motivation for Haalbaarheid." in page_text(response)
    assert ">Omdat het zo is.</textarea>" in response.get_data(as_text=True)  # nothing typed is lost
    data = _scores(world.criteria, [7, 70])
    response = juror.post(f"{base}/proposals/{world.proposals[0].id}", data=data)
    assert "A score lies between 0 and 10." in page_text(response)
    response = juror.post(f"{base}/proposals/{world.proposals[0].id}", data={**data, f"score-{world.criteria[0]}": "x"})
    assert "Enter a whole number from 0 to 10." in page_text(response)


def test_a_conflicted_member_gets_403_on_the_proposal_and_its_files(app: Flask, catalogue) -> None:
    world = _setup(app)
    juror = _client(app, world.juror)
    proposal = world.proposals[0]
    base = f"/jury/phases/{world.phase_id}"
    response = juror.post(base, data={f"declare-{proposal.id}": "conflict", f"reason-{proposal.id}": ""},
                          follow_redirects=True)
    assert "Give the reason for the conflict of interest." in page_text(response)
    juror.post(base, data={f"declare-{proposal.id}": "conflict", f"reason-{proposal.id}": "Oud-collega"})
    assert juror.get(f"{base}/proposals/{proposal.id}").status_code == 403
    assert juror.get(f"{base}/proposals/{proposal.id}/attachments/{proposal.attachment_id}").status_code == 403
    staff_page = page_text(world.staff.get(f"/staff/calls/{world.call.id}/phases/1/jury"))
    assert "Oud-collega" in staff_page


def test_a_member_of_another_jury_gets_403(app: Flask, catalogue) -> None:
    world = _setup(app)
    other_call = make_call(app)
    outsider = make_user(app, Role.JURY)
    world.staff.post(f"/staff/calls/{other_call.id}/phases/1/jury", data={"email": outsider.email})
    client = _client(app, outsider)
    assert client.get(f"/jury/phases/{world.phase_id}").status_code == 403
    assert client.get(f"/jury/phases/{world.phase_id}/proposals/{world.proposals[0].id}").status_code == 403
    assert client.get(f"/jury/phases/{world.phase_id}/results").status_code == 403
    assert client.get(f"/proposals/{world.proposals[0].id}").status_code == 404


def test_blind_review_shows_no_names_in_pages_files_or_export(app: Flask, catalogue) -> None:
    world = _setup(app, blind=True)
    juror = _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    proposal = world.proposals[0]
    juror.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    juror.post(f"{base}/proposals/{proposal.id}", data=_scores(world.criteria, [7, 7]))
    pages = [juror.get(base), juror.get(f"{base}/proposals/{proposal.id}")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert "Bedrijf Nummer" not in html and "KvK" not in html
        for owner in world.owners:
            assert owner.email not in html and owner.name not in html
    download = juror.get(f"{base}/proposals/{proposal.id}/attachments/{proposal.attachment_id}")
    assert "plan.pdf" not in download.headers["Content-Disposition"]
    assert f"proposal-{proposal.id}-attachment-{proposal.attachment_id}.pdf" in download.headers["Content-Disposition"]
    csv_text = world.staff.get(f"/staff/calls/{world.call.id}/phases/1/scores.csv").get_data(as_text=True)
    assert "Bedrijf Nummer" not in csv_text and "Omdat het zo is." in csv_text


def test_chair_sees_flags_and_records_consensus(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    for client in (chair, juror):
        client.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    chair.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [9, 6]))
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [2, 6]))  # Impact differs by 7 > 3
    ranking = chair.get(f"{base}/results")
    assert "Flagged for discussion" in page_text(ranking)
    assert "Plan 1" in page_text(ranking)  # not scored, not flagged
    flagged = page_text(chair.get(f"{base}/results?show=flagged"))
    assert "Shown: the proposals flagged for discussion (1 of 2)." in flagged
    assert "Plan 0" in flagged and "Plan 1" not in flagged and "Show all proposals" in flagged
    assert juror.get(f"{base}/results").status_code == 403  # only the chair (and staff)
    assert juror.get(f"{base}/results/{first}").status_code == 403
    score_before = _ranking_score(ranking, "Plan 0")
    detail_url = f"{base}/results/{first}"
    assert f'href="{detail_url}"' in ranking.get_data(as_text=True)  # the ranking links to each proposal's page
    impact = world.criteria[0]
    wrong = chair.post(detail_url, data={"criterion": impact, f"c{impact}-value": "99",
                                         f"c{impact}-reason": "Besproken in de vergadering"})
    assert wrong.status_code == 400
    assert "A score lies between 0 and 10." in page_text(wrong)
    assert f'href="#c{impact}-value"' in wrong.get_data(as_text=True)  # the summary links to the field
    assert "Besproken in de vergadering" in wrong.get_data(as_text=True)  # what the chair typed stays
    assert chair.post(detail_url, data={"criterion": "999999", f"c{impact}-value": "6"}).status_code == 400
    saved = chair.post(detail_url, data={"criterion": impact, f"c{impact}-value": "6", f"c{impact}-reason": "Besproken"},
                       follow_redirects=True)
    assert "The consensus score has been saved." in page_text(saved)
    assert "6: Besproken" in page_text(saved)
    score_after = _ranking_score(chair.get(f"{base}/results"), "Plan 0")
    assert score_after != score_before  # the consensus counts at once: the kept ranking is not served stale
    assert f"{score_after:.2f}" in page_text(chair.get(detail_url))
    assert juror.post(detail_url, data={"criterion": impact, f"c{impact}-value": "1",
                                        f"c{impact}-reason": "x"}).status_code == 403


def _ranking_score(response, title: str) -> float:
    row = re.search(rf"{re.escape(title)}</a></th>\s*<td[^>]*>([0-9.]+)</td>", response.get_data(as_text=True))
    assert row, f"{title} not ranked"
    return float(row.group(1))


def test_decisions_respect_max_awards_and_budget_then_publish(app: Flask, catalogue) -> None:
    world = _setup(app, proposals=3)
    with app.app_context():
        phase = db.session.get(Phase, world.phase_id)
        phase.max_awards, phase.budget_cents = 2, 5_000_000
        phase.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    staff = world.staff
    staff.post("/language", data={"lang": "en", "next": "/"})
    ids = [p.id for p in world.proposals]
    url = f"/staff/calls/{world.call.id}/phases/1/results"
    for pid in ids[:2]:
        staff.post(f"{url}/{pid}", data={"outcome": "awarded", "motivation": "Sterk en haalbaar."})
    response = staff.post(f"{url}/{ids[2]}", data={"outcome": "awarded", "motivation": "Ook goed."})
    assert response.status_code == 400
    assert "This phase allows at most 2 awards." in page_text(response)
    assert "Ook goed." in response.get_data(as_text=True)  # the motivation is not lost
    ranking = page_text(staff.get(url))
    assert ranking.count("awarded") == 2 and ranking.count("not decided yet") == 1  # the decision column
    response = staff.post(f"/staff/calls/{world.call.id}/phases/1/publish-decisions", data={"confirm": "yes"},
                          follow_redirects=True)
    assert "1 proposal has no decision yet." in page_text(response)
    staff.post(f"{url}/{ids[2]}", data={"outcome": "not_awarded", "motivation": "Te weinig impact."})
    response = staff.post(f"/staff/calls/{world.call.id}/phases/1/publish-decisions", data={"confirm": "yes"},
                          follow_redirects=True)
    assert "The decisions have been published" in page_text(response)
    assert staff.get(url).status_code == 200
    public = page_text(app.test_client().get(f"/calls/{world.call.slug}"))
    assert "Plan 0" in public and "Sterk en haalbaar." in public and "Te weinig impact." not in public
    with app.app_context():
        statuses = [db.session.get(Proposal, pid).status for pid in ids]
        assert statuses == [ProposalStatus.AWARDED, ProposalStatus.AWARDED, ProposalStatus.NOT_AWARDED]
        owner_mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == world.owners[2].email)
                                        .order_by(OutboxEmail.id)).all()[-1]
        assert "Te weinig impact." in owner_mail.body


def test_an_invited_expert_sets_a_password_once(app: Flask, catalogue) -> None:
    world = _setup(app)
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": "expert@example.org",
                                                                          "name": "Eva Expert"})
    with app.app_context():
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "expert@example.org"))
        expert = db.session.scalar(select(User).where(User.email == "expert@example.org"))
        assert expert.roles == {Role.JURY}
    link = re.search(r"(/jury/invitation/\S+)", mail.body).group(1)
    client = app.test_client()
    response = client.post(link, data={"password": "een-goed-wachtwoord", "password_repeat": "een-goed-wachtwoord"})
    assert response.status_code == 302
    assert client.get(f"/jury/phases/{world.phase_id}").status_code == 200
    assert app.test_client().get(link).status_code == 404  # used once


def test_staff_cannot_advance_a_proposal_to_a_phase_that_does_not_exist(app: Flask, catalogue) -> None:
    call = make_call(app)  # a challenge: one phase
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True)
    close_phase(app, call)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post("/language", data={"lang": "en", "next": "/"})
    response = staff.post(f"/staff/calls/{call.id}/phases/1/results/{made.id}",
                          data={"outcome": "advanced", "motivation": "Door"})
    assert response.status_code == 400
    assert "There is no next phase to advance to." in page_text(response)
    with app.app_context():
        assert db.session.get(Call, call.id) is not None


def test_the_printable_jury_report_has_no_forms(app: Flask, catalogue) -> None:
    world = _setup(app)
    world.staff.post("/language", data={"lang": "en", "next": "/"})
    report = world.staff.get(f"/staff/calls/{world.call.id}/phases/1/report")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "Jury report, state on" in page_text(report)
    assert "Plan 0" in html and "Plan 1" in html
    assert "Record the decision" not in html and "Save consensus" not in html


def test_no_consensus_from_a_conflicted_chair_or_after_publication(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair = _client(app, world.chair)
    base = f"/jury/phases/{world.phase_id}"
    first, second = (p.id for p in world.proposals)
    chair.post(base, data={f"declare-{first}": "conflict", f"reason-{first}": "Mijn zwager", f"declare-{second}": "none"})
    impact = world.criteria[0]
    # A declared conflict shuts the chair out of the proposal's result page, reading and writing.
    assert chair.get(f"{base}/results/{first}").status_code == 403
    refused = chair.post(f"{base}/results/{first}", data={"criterion": impact, f"c{impact}-value": "5",
                                                          f"c{impact}-reason": "Toch"})
    assert refused.status_code == 403
    juror = _client(app, world.juror)
    juror.post(base, data={f"declare-{second}": "none"})
    chair.post(f"{base}/proposals/{second}", data=_scores(world.criteria, [7, 7]))
    juror.post(f"{base}/proposals/{second}", data=_scores(world.criteria, [6, 6]))
    assert "Save consensus on" in page_text(chair.get(f"{base}/results/{second}"))
    with app.app_context():
        db.session.get(Phase, world.phase_id).decisions_published_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    assert "Save consensus on" not in page_text(chair.get(f"{base}/results/{second}"))
    late = chair.post(f"{base}/results/{second}", data={"criterion": impact, f"c{impact}-value": "5",
                                                        f"c{impact}-reason": "Te laat"})
    assert late.status_code == 400 and "can no longer change" in page_text(late)


def test_a_double_click_on_consensus_or_decision_records_one_row(app: Flask, catalogue) -> None:
    import threading

    from mvi_challenges.evaluation.models import ConsensusScore, Decision

    world = _setup(app)
    with app.app_context():
        phase = db.session.get(Phase, world.phase_id)
        phase.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    first, impact = world.proposals[0].id, world.criteria[0]
    chairs = [_client(app, world.chair) for _ in range(6)]
    staffs = [world.staff for _ in range(1)] + [app.test_client() for _ in range(5)]
    for staff in staffs[1:]:
        login(staff, make_user(app, Role.STAFF))
    chairs[0].post(f"/jury/phases/{world.phase_id}", data={f"declare-{p.id}": "none" for p in world.proposals})
    juror = _client(app, world.juror)
    juror.post(f"/jury/phases/{world.phase_id}", data={f"declare-{first}": "none"})
    for member in (chairs[0], juror):  # the consensus starts when every member's sheet is final
        member.post(f"/jury/phases/{world.phase_id}/proposals/{first}", data=_scores(world.criteria, [7, 7]))
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def click(client: FlaskClient, url: str, data: dict) -> None:
        barrier.wait(timeout=30)
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=click, args=(c, f"/jury/phases/{world.phase_id}/results/{first}",
                                                    {"criterion": impact, f"c{impact}-value": "7",
                                                     f"c{impact}-reason": "Besproken"})) for c in chairs]
    threads += [threading.Thread(target=click, args=(s, f"/staff/calls/{world.call.id}/phases/1/results/{first}",
                                                     {"outcome": "awarded", "motivation": "Sterk"})) for s in staffs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 12
    with app.app_context():
        assert len(db.session.scalars(select(ConsensusScore)).all()) == 1
        assert len(db.session.scalars(select(Decision)).all()) == 1


def test_the_chair_can_go_through_the_flagged_proposals_only(app: Flask, catalogue) -> None:
    world = _setup(app, proposals=3)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    for client in (chair, juror):
        client.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    first, second, third = (p.id for p in world.proposals)
    for proposal_id, chair_scores, juror_scores in ((first, [9, 6], [2, 6]), (second, [5, 5], [5, 5]),
                                                    (third, [8, 2], [8, 9])):
        chair.post(f"{base}/proposals/{proposal_id}", data=_scores(world.criteria, chair_scores))
        juror.post(f"{base}/proposals/{proposal_id}", data=_scores(world.criteria, juror_scores))
    ranking = chair.get(f"{base}/results?show=flagged").get_data(as_text=True)
    assert f'href="{base}/results/{first}?show=flagged"' in ranking and f"{base}/results/{second}" not in ranking
    links = {f"{base}/results/{first}?show=flagged", f"{base}/results/{third}?show=flagged"}
    pages = {pid: chair.get(f"{base}/results/{pid}?show=flagged").get_data(as_text=True) for pid in (first, third)}
    for pid, html in pages.items():
        assert f"{base}/results/{second}" not in html  # the unflagged one is skipped
        assert (links - {f"{base}/results/{pid}?show=flagged"}).pop() in html
        assert f'href="{base}/results?show=flagged"' in html  # back to the flagged ranking
    impact = world.criteria[0]
    saved = chair.post(f"{base}/results/{first}?show=flagged",
                       data={"criterion": impact, f"c{impact}-value": "6", f"c{impact}-reason": "Besproken"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        f"{base}/results/{first}?show=flagged#criterion-{impact}")


def test_the_phase_page_escapes_titles_names_and_reasons_in_every_state(app: Flask, catalogue) -> None:
    """The phase page writes its 500 rows with autoescaping off (for speed) and escapes each value
    itself: a title, an organisation's name and a reason with markup come out as text in every
    state of a row (to declare, declared without and with a conflict), and a blind review shows
    neither title nor name."""
    def phase_page(blind: bool) -> tuple[FlaskClient, str, list]:
        call = make_call(app, kind=CallKind.SBIR)
        owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=f"<b>Bouw & Zn {n}</b>") for n in range(3)]
        made = [make_proposal(app, owner, call, submit=True, title=f'<script>alert("{n}")</script> & co')
                for n, owner in enumerate(owners)]
        close_phase(app, call)
        staff = app.test_client()
        login(staff, make_user(app, Role.STAFF))
        juror = make_user(app, Role.JURY)
        staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
        staff.post(f"/staff/calls/{call.id}/phases/1/jury/settings",
                   data={"blind_review": "y" if blind else "", "threshold": "3"})
        with app.app_context():
            phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
        return _client(app, juror), f"/jury/phases/{phase_id}", made

    client, base, made = phase_page(blind=False)
    client.post(base, data={f"declare-{made[0].id}": "none", f"declare-{made[1].id}": "conflict",
                            f"reason-{made[1].id}": "<i>my brother's</i> firm"})
    html = client.get(base).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>Bouw" not in html and "<i>my" not in html
    assert html.count("&lt;script&gt;alert(&#34;") == 6  # the legends (3), the link (1), the radio labels (2)
    assert "&lt;b&gt;Bouw &amp; Zn 0&lt;/b&gt;" in html and "&lt;i&gt;my brother&#39;s&lt;/i&gt; firm" in html
    assert f'for="declare-{made[2].id}-none">No conflict of interest with &lt;script&gt;' in html
    client, base, made = phase_page(blind=True)
    html = client.get(base).get_data(as_text=True)
    assert "alert(" not in html and "Bouw" not in html
    assert f'<legend class="utrecht-form-fieldset__legend">Proposal {made[2].id}</legend>' in html


def test_the_phase_page_shows_a_page_of_proposals_and_where_the_member_stands(app: Flask, catalogue,
                                                                              monkeypatch) -> None:
    """A phase may have 500 proposals: the page shows them a page at a time, with the member's
    standing over all of them; a declaration saved on page 2 returns to page 2, and a proposal
    opened before declaring sends the member to the page that shows it."""
    from mvi_challenges.evaluation import views

    monkeypatch.setattr(views, "JURY_PAGE_SIZE", 2)
    world = _setup(app, proposals=3)
    juror = _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first, second, third = (p.id for p in world.proposals)
    page = page_text(juror.get(base))
    assert "declared for 0 of 3 proposals; 0 scored (final), 0 in draft, 0 with a conflict" in page
    assert "Plan 0" in page and "Plan 1" in page and "Plan 2" not in page and "Page 1 of 2" in page
    response = juror.get(f"{base}/proposals/{third}")
    assert response.headers["Location"].endswith(f"{base}?page=2#proposal-{third}")
    response = juror.post(f"{base}?page=2", data={f"declare-{third}": "conflict", f"reason-{third}": "Mijn zus"})
    assert response.headers["Location"].endswith(f"{base}?page=2")
    page = page_text(juror.get(f"{base}?page=2"))
    assert "Plan 2" in page and "Plan 0" not in page and "conflict of interest: Mijn zus" in page
    juror.post(base, data={f"declare-{first}": "none", f"declare-{second}": "none"})
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [7, 7]))
    juror.post(f"{base}/proposals/{second}", data=_scores(world.criteria, [7, 7], action="save"))
    page = page_text(juror.get(f"{base}?page=2"))
    assert "declared for 3 of 3 proposals; 1 scored (final), 1 in draft, 1 with a conflict of interest" in page
    assert juror.get(f"{base}?page=3").status_code == 404
    assert juror.get(f"{base}?page=abc").status_code == 200  # as every list: page 1
    # The declarations read are those the form names; a name that is no proposal id is ignored.
    assert juror.post(base, data={"declare-" + "9" * 30: "none", "declare-²": "none"}).status_code == 302
