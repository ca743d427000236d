"""Procedure kinds as stages (issue #18, part 1): an innovation partnership (selection → R&D with
go/no-go → purchase) and a challenge in rounds (open round → shortlist → pitch in slots → winners
with prizes per place), each a row of calls with rows of the one model of stages.

Who would abuse it, and how (each has a test below):
- an applicant not on the shortlist tries to enter the next round, or to book a pitch time;
- anyone (a journalist, a competitor, staff by mistake) opens the winners page before the decision is public;
- a juror of round 1, not on the jury of round 2, tries to score round 2;
- an applicant on the shortlist books a pitch time twice, or two race for the same time;
- staff give one place (one prize) twice, or a place without a prize, or change prizes after publication.
"""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls import stages
from mvi_challenges.calls.models import Call, CallKind, CallStatus, Eligibility, Phase, StageType
from mvi_challenges.calls.services import CriterionInput, publication_problems, save_call, save_phase, transition_call
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.catalogue.services import seed_catalogue
from mvi_challenges.core.db import commit_with_retry, db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues import services as dialogue_services
from mvi_challenges.dialogues.models import Dialogue, DialogueStatus, Registration, RegistrationStatus
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.evaluation.models import Decision, Outcome
from mvi_challenges.proposals import services as proposal_services
from mvi_challenges.proposals.models import Proposal

from ..factories import login, make_proposal, make_user, page_text

T = StageType
CRITERIA = [CriterionInput("Impact", 60), CriterionInput("Haalbaarheid", 40)]
SHAPES = {
    CallKind.STAGED_CHALLENGE: [(T.ROUND, "", []), (T.PITCH, "", [1_500_000, 1_000_000, 500_000])],
    CallKind.PARTNERSHIP: [(T.SELECTION, "", []), (T.RND, "Een werkend proefvak van 10 meter.", []),
                           (T.PURCHASE, "", [])],
}


def make_staged_call(app: Flask, kind: CallKind = CallKind.STAGED_CHALLENGE, title: str = "Schone lucht") -> SimpleNamespace:
    """A published call of a staged kind: stage 1 open now, each next stage 60 days later."""
    with app.app_context():
        seed_catalogue(db.session)
        category = db.session.scalar(select(Category).where(Category.slug == "mobiliteit"))
        values = list(db.session.scalars(select(SocialValue).where(SocialValue.slug == "klimaat")))
        call = save_call(db.session, None, None, kind=kind, title=title, summary="Samenvatting.",
                         body_source="## Vraag\nWat we vragen.", category=category, ambition_level=3,
                         level_explanation="", social_values=values, eligibility=Eligibility.BOTH,
                         prize_text="", contact_name="Ilse", contact_email="ilse@utrecht.example")
        now = now_utc()
        for index, (stage_type, targets, prizes) in enumerate(SHAPES[kind]):
            shift = dt.timedelta(days=60 * index)
            save_phase(db.session, None, call, None, title=stages.stage_label(stage_type),
                       opens_at=now - dt.timedelta(days=1) + shift, closes_at=now + dt.timedelta(days=10) + shift,
                       budget_cents=5_000_000, max_awards=3, score_scale_max=10, criteria=CRITERIA,
                       stage_type=stage_type, targets=targets, prizes_cents=prizes)
        assert publication_problems(call, now) == []
        transition_call(db.session, None, call, CallStatus.PUBLISHED, now=now - dt.timedelta(days=2))
        db.session.commit()
        return SimpleNamespace(id=call.id, slug=call.slug, title=call.title)


def open_stage(app: Flask, call: SimpleNamespace, number: int) -> None:
    """The stage before `number` has closed and `number` is open now (time moves on)."""
    with app.app_context():
        phases = db.session.get(Call, call.id).phases
        now = now_utc()
        for phase in phases:
            if phase.number < number:
                phase.closes_at = min(phase.closes_at, now - dt.timedelta(minutes=2))
                phase.opens_at = min(phase.opens_at, phase.closes_at - dt.timedelta(days=1))
        phases[number - 1].opens_at, phases[number - 1].closes_at = now - dt.timedelta(minutes=1), now + dt.timedelta(days=5)
        db.session.commit()


def close_stage(app: Flask, call: SimpleNamespace, number: int) -> None:
    with app.app_context():
        phase = db.session.get(Call, call.id).phases[number - 1]
        phase.closes_at = now_utc() - dt.timedelta(minutes=5)
        db.session.commit()


def decide(app: Flask, call: SimpleNamespace, number: int, outcomes: dict[int, tuple[str, int | None]], *,
           publish: bool = True) -> None:
    """Staff record the decisions of stage `number` (`{proposal_id: (outcome, place)}`), then publish them."""
    with app.test_request_context():
        phase = db.session.get(Call, call.id).phases[number - 1]
        for proposal_id, (outcome, place) in outcomes.items():
            evaluation.decide(db.session, None, db.session.get(Proposal, proposal_id), Outcome(outcome),
                              f"Motivering voor {proposal_id}: sterk plan.", place=place)
        if publish:
            evaluation.publish_decisions(db.session, None, phase, now_utc())
        db.session.commit()


def entrepreneur(app: Flask, name: str) -> SimpleNamespace:
    return make_user(app, Role.ENTREPRENEUR, organisation_name=name)


def shortlist(app: Flask) -> SimpleNamespace:
    """A challenge in rounds whose open round is decided: `on` is shortlisted, `off` is not; the pitch is open."""
    call = make_staged_call(app)
    on, off = entrepreneur(app, "Bedrijf Op de Lijst"), entrepreneur(app, "Bedrijf Er Af")
    first = make_proposal(app, on, call, submit=True, title="Luchtfilter")
    second = make_proposal(app, off, call, submit=True, title="Rookmelder")
    close_stage(app, call, 1)
    decide(app, call, 1, {first.id: ("advanced", None), second.id: ("not_awarded", None)})
    open_stage(app, call, 2)
    return SimpleNamespace(call=call, on=on, off=off, first=first, second=second)


# --- the kinds and their stages ------------------------------------------------------------


def test_each_kind_allows_only_its_own_stages_in_order(app: Flask, catalogue) -> None:
    with app.app_context():
        seed_catalogue(db.session)
        category = db.session.scalar(select(Category).where(Category.slug == "mobiliteit"))
        call = save_call(db.session, None, None, kind=CallKind.PARTNERSHIP, title="Kademuren", summary="S.",
                         body_source="Tekst.", category=category, ambition_level=3, level_explanation="",
                         social_values=[], eligibility=Eligibility.ENTREPRENEURS, prize_text="", contact_name="I",
                         contact_email="i@utrecht.example")
        now = now_utc()
        kwargs = dict(opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9), budget_cents=0,
                      max_awards=3, score_scale_max=10, criteria=CRITERIA)
        with pytest.raises(DomainError, match="kan niet van dit type zijn"):
            save_phase(db.session, None, call, None, title="O&O eerst", stage_type=T.RND, **kwargs)
        save_phase(db.session, None, call, None, title="Selectie", **kwargs)  # the default of stage 1
        assert call.phases[0].stage_type is T.SELECTION
        with pytest.raises(DomainError, match="kan niet van dit type zijn"):
            save_phase(db.session, None, call, None, title="Pitch?", stage_type=T.PITCH,
                       **{**kwargs, "opens_at": now + dt.timedelta(days=10), "closes_at": now + dt.timedelta(days=20)})
        save_phase(db.session, None, call, None, title="Aankoop", stage_type=T.PURCHASE,
                   **{**kwargs, "opens_at": now + dt.timedelta(days=10), "closes_at": now + dt.timedelta(days=20)})
        # Selection straight to purchase: no R&D stage with targets in between.
        assert "Een uitvraag van deze soort heeft 3 tot 6 fasen nodig." in publication_problems(call, now)
        db.session.rollback()


def test_a_rnd_stage_needs_targets_and_a_pitch_needs_a_prize(app: Flask, catalogue) -> None:
    call = make_staged_call(app, CallKind.PARTNERSHIP)
    with app.app_context():
        obj = db.session.get(Call, call.id)
        rnd = obj.phases[1]
        assert rnd.targets == "Een werkend proefvak van 10 meter." and rnd.prizes_cents == []
        with pytest.raises(DomainError, match="moet bereiken voor een go"):
            save_phase(db.session, None, obj, rnd, title=rnd.title, opens_at=rnd.opens_at, closes_at=rnd.closes_at,
                       budget_cents=0, max_awards=3, score_scale_max=10, criteria=CRITERIA, targets="  ")
        db.session.rollback()
    challenge = make_staged_call(app, title="Pitch zonder prijs")
    with app.app_context():
        obj = db.session.get(Call, challenge.id)
        pitch = obj.phases[1]
        with pytest.raises(DomainError, match="houdt zijn fasen en prijzen"):
            save_phase(db.session, None, obj, pitch, title=pitch.title, opens_at=pitch.opens_at,
                       closes_at=pitch.closes_at, budget_cents=0, max_awards=3, score_scale_max=10,
                       criteria=CRITERIA, prizes_cents=[100])
        with pytest.raises(DomainError, match="nooit een kleinere prijs"):
            save_phase(db.session, None, obj, pitch, title=pitch.title, opens_at=pitch.opens_at,
                       closes_at=pitch.closes_at, budget_cents=0, max_awards=3, score_scale_max=10,
                       criteria=CRITERIA, prizes_cents=[100, 500])
        db.session.rollback()


def test_sbir_and_challenge_stay_as_they_were(app: Flask, catalogue) -> None:
    from ..factories import make_call

    sbir = make_call(app, kind=CallKind.SBIR)
    with app.app_context():
        assert [p.stage_type for p in db.session.get(Call, sbir.id).phases] == [T.PHASE, T.PHASE]


def test_staff_add_a_pitch_stage_with_prizes_and_the_call_page_shows_them(app: Flask, catalogue) -> None:
    with app.app_context():
        seed_catalogue(db.session)
        category = db.session.scalar(select(Category).where(Category.slug == "mobiliteit"))
        call = save_call(db.session, None, None, kind=CallKind.STAGED_CHALLENGE, title="Rondes", summary="S.",
                         body_source="Tekst.", category=category, ambition_level=3, level_explanation="",
                         social_values=[], eligibility=Eligibility.BOTH, prize_text="", contact_name="I",
                         contact_email="i@utrecht.example")
        db.session.commit()
        call_id, slug = call.id, call.slug
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    base = {"opens_at": "2031-03-01T09:00", "closes_at": "2031-03-20T17:00", "budget": "30.000",
            "max_awards": "3", "score_scale_max": "10", "criteria-0-name": "Impact", "criteria-0-weight": "100"}
    form = page_text(staff.get(f"/staff/calls/{call_id}/phases/new"))
    assert "Type of stage" in form or "Soort fase" in form
    assert staff.post(f"/staff/calls/{call_id}/phases/new",
                      data={**base, "title": "Open ronde", "stage_type": "round"}).status_code == 302
    wrong = staff.post(f"/staff/calls/{call_id}/phases/new",
                       data={**base, "opens_at": "2031-04-01T09:00", "closes_at": "2031-04-02T17:00",
                             "title": "Pitch", "stage_type": "pitch", "prize_1": "5.000", "prize_2": "10.000"})
    assert wrong.status_code == 400  # everything typed stays, with the error next to the prizes
    assert "10.000" in wrong.get_data(as_text=True)
    assert staff.post(f"/staff/calls/{call_id}/phases/new",
                      data={**base, "opens_at": "2031-04-01T09:00", "closes_at": "2031-04-02T17:00",
                            "title": "Pitch", "stage_type": "pitch", "prize_1": "15.000",
                            "prize_2": "10.000"}).status_code == 302
    with app.app_context():
        phases = db.session.get(Call, call_id).phases
        assert [(p.stage_type, p.prizes_cents) for p in phases] == [(T.ROUND, []), (T.PITCH, [1_500_000, 1_000_000])]
    preview = staff.get(f"/calls/{slug}")
    assert preview.status_code == 200
    assert "15.000" in page_text(preview)


# --- carrying forward: only the shortlist enters the next stage ------------------------------


def test_only_the_shortlisted_applicant_enters_the_next_round(app: Flask, catalogue) -> None:
    world = shortlist(app)
    with app.test_request_context():
        call = db.session.get(Call, world.call.id)
        off = db.session.get(User, world.off.id)
        with pytest.raises(DomainError):
            proposal_services.start_proposal(db.session, off, call, call.phases[1], now_utc())
    made = make_proposal(app, world.on, world.call, phase_number=2, submit=True, title="Luchtfilter, uitgewerkt")
    with app.app_context():
        assert db.session.get(Proposal, made.id).previous_proposal_id == world.first.id
    # Through the browser the outsider gets a refusal and no proposal.
    outsider = app.test_client()
    login(outsider, world.off)
    outsider.post(f"/calls/{world.call.slug}/phases/2/proposal")
    with app.app_context():
        stage_two = db.session.get(Call, world.call.id).phases[1]
        assert db.session.scalar(select(Proposal.id).where(Proposal.phase_id == stage_two.id,
                                                           Proposal.submitter_id == world.off.id)) is None


def test_a_shortlist_counts_only_once_published(app: Flask, catalogue) -> None:
    call = make_staged_call(app)
    owner = entrepreneur(app, "Vroege Vogel")
    first = make_proposal(app, owner, call, submit=True)
    close_stage(app, call, 1)
    decide(app, call, 1, {first.id: ("advanced", None)}, publish=False)
    open_stage(app, call, 2)
    with app.test_request_context(), pytest.raises(DomainError):
        obj = db.session.get(Call, call.id)
        proposal_services.start_proposal(db.session, db.session.get(User, owner.id), obj, obj.phases[1], now_utc())


def test_the_decision_page_shows_shortlisted_go_and_no_go_with_the_reason(app: Flask, catalogue) -> None:
    world = shortlist(app)
    on = app.test_client()
    login(on, world.on)
    page = page_text(on.get(f"/proposals/{world.first.id}/decision"))
    assert "shortlisted for the next round" in page or "op de shortlist voor de volgende ronde" in page
    assert f"Motivering voor {world.first.id}: sterk plan." in page

    partnership = make_staged_call(app, CallKind.PARTNERSHIP, title="Kademuren")
    go, stop = entrepreneur(app, "Partner Go"), entrepreneur(app, "Partner Stop")
    picks = [make_proposal(app, who, partnership, submit=True) for who in (go, stop)]
    close_stage(app, partnership, 1)
    decide(app, partnership, 1, {p.id: ("advanced", None) for p in picks})
    open_stage(app, partnership, 2)
    rnd = [make_proposal(app, who, partnership, phase_number=2, submit=True) for who in (go, stop)]
    close_stage(app, partnership, 2)
    decide(app, partnership, 2, {rnd[0].id: ("advanced", None), rnd[1].id: ("not_awarded", None)})
    for who, proposal, expected in ((go, rnd[0], ("go: on to the next stage", "go: door naar de volgende fase")),
                                    (stop, rnd[1], ("no-go: the partnership ends here",
                                                    "no-go: het partnerschap stopt hier"))):
        client = app.test_client()
        login(client, who)
        page = page_text(client.get(f"/proposals/{proposal.id}/decision"))
        assert any(text in page for text in expected), page
        assert f"Motivering voor {proposal.id}: sterk plan." in page
    # The no-go partner cannot enter the purchase; the go partner can.
    open_stage(app, partnership, 3)
    with app.test_request_context():
        obj = db.session.get(Call, partnership.id)
        with pytest.raises(DomainError):
            proposal_services.start_proposal(db.session, db.session.get(User, stop.id), obj, obj.phases[2], now_utc())
        assert proposal_services.start_proposal(db.session, db.session.get(User, go.id), obj, obj.phases[2],
                                                now_utc()) is not None


def test_a_stage_with_a_next_stage_does_not_award(app: Flask, catalogue) -> None:
    call = make_staged_call(app)
    made = make_proposal(app, entrepreneur(app, "Te Vroeg"), call, submit=True)
    close_stage(app, call, 1)
    with app.test_request_context(), pytest.raises(DomainError, match="alleen de laatste fase kent toe"):
        evaluation.decide(db.session, None, db.session.get(Proposal, made.id), Outcome.AWARDED, "Gewonnen?")


# --- the jury of each round -----------------------------------------------------------------


def test_a_juror_of_round_one_cannot_score_round_two(app: Flask, catalogue) -> None:
    world = shortlist(app)
    second = make_proposal(app, world.on, world.call, phase_number=2, submit=True, title="Pitchplan")
    close_stage(app, world.call, 2)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    juror = make_user(app, Role.JURY, name="Alleen Ronde Een")
    staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": juror.email})
    with app.app_context():
        round_two = db.session.get(Call, world.call.id).phases[1].id
    client = app.test_client()
    login(client, juror)
    assert client.get(f"/jury/phases/{round_two}").status_code in (403, 404)
    page = client.get(f"/jury/phases/{round_two}/proposals/{second.id}")
    assert page.status_code in (403, 404)
    posted = client.post(f"/jury/phases/{round_two}/proposals/{second.id}",
                         data={"action": "finalise", "confirm": "yes"})
    assert posted.status_code in (403, 404)
    with app.app_context():
        assert db.session.scalar(select(evaluation.ScoreSheet.id)) is None


# --- the pitch: slots from the dialogue machinery, for the shortlist only ---------------------


def plan_pitch(app: Flask, call: SimpleNamespace, slots: int = 3) -> SimpleNamespace:
    with app.test_request_context():
        phase = db.session.get(Call, call.id).phases[1]
        start = now_utc() + dt.timedelta(days=3)
        pitch = dialogue_services.plan_pitch(
            db.session, None, phase, starts_at=start, ends_at=start + dt.timedelta(minutes=20 * slots),
            slot_minutes=20, registration_closes_at=start - dt.timedelta(days=1), address="Stadskantoor",
            online_url="", now=now_utc())
        db.session.commit()
        return SimpleNamespace(id=pitch.id, slug=pitch.slug, slots=[s.isoformat() for s in pitch.slots()])


def test_only_the_shortlist_books_a_pitch_time_and_each_holds_one(app: Flask, catalogue) -> None:
    world = shortlist(app)
    pitch = plan_pitch(app, world.call)
    assert len(pitch.slots) == 3
    outsider = app.test_client()
    login(outsider, world.off)
    outsider.post(f"/dialogues/{pitch.slug}/register")
    on = app.test_client()
    login(on, world.on)
    assert on.post(f"/dialogues/{pitch.slug}/register").status_code == 302
    assert on.post(f"/dialogues/{pitch.slug}/slot", data={"slot": pitch.slots[0]}).status_code == 302
    # A second click on another time moves the booking; it never holds two.
    assert on.post(f"/dialogues/{pitch.slug}/slot", data={"slot": pitch.slots[1]}).status_code == 302
    with app.app_context():
        rows = list(db.session.scalars(select(Registration).where(Registration.dialogue_id == pitch.id)))
        assert [(r.user_id, r.status, r.slot_start.isoformat()) for r in rows] == [
            (world.on.id, RegistrationStatus.CONFIRMED, pitch.slots[1])]
    # The pitch session is not a public event: not in the list of dialogues, the calendar feed or open data.
    visitor = app.test_client()
    assert "Pitch: Schone lucht" not in page_text(visitor.get("/dialogues"))
    assert "Pitch: Schone lucht" not in visitor.get("/dialogues/upcoming.ics").get_data(as_text=True)
    for when in ("", "?when=upcoming"):
        assert "Pitch: Schone lucht" not in visitor.get(f"/api/v1/dialogues{when}").get_data(as_text=True)


def test_pitch_slots_only_for_a_pitch_stage(app: Flask, catalogue) -> None:
    call = make_staged_call(app)
    with app.test_request_context(), pytest.raises(DomainError, match="Alleen een pitchfase"):
        phase = db.session.get(Call, call.id).phases[0]
        now = now_utc()
        dialogue_services.plan_pitch(db.session, None, phase, starts_at=now + dt.timedelta(days=2),
                                     ends_at=now + dt.timedelta(days=2, hours=1), slot_minutes=20,
                                     registration_closes_at=now + dt.timedelta(days=1), address="Hier",
                                     online_url="", now=now)


def test_two_shortlisted_applicants_race_for_the_same_pitch_time(app: Flask, catalogue) -> None:
    call = make_staged_call(app)
    owners = [entrepreneur(app, f"Racer {n}") for n in range(2)]
    made = [make_proposal(app, owner, call, submit=True) for owner in owners]
    close_stage(app, call, 1)
    decide(app, call, 1, {p.id: ("advanced", None) for p in made})
    open_stage(app, call, 2)
    pitch = plan_pitch(app, call)
    for owner in owners:
        with app.test_request_context():
            commit_with_retry(lambda owner=owner: dialogue_services.register(
                db.session, db.session.get(User, owner.id), db.session.get(Dialogue, pitch.id), now_utc()))
    barrier = threading.Barrier(len(owners))
    outcomes: list[str] = []

    def book(owner) -> None:
        barrier.wait(timeout=30)
        with app.test_request_context():
            user = db.session.get(User, owner.id)
            registration = dialogue_services.find_registration(db.session, db.session.get(Dialogue, pitch.id), user)
            try:
                dialogue_services.book_slot(db.session, user, registration, dt.datetime.fromisoformat(pitch.slots[0]))
                db.session.commit()
                outcomes.append("booked")
            except DomainError:
                db.session.rollback()
                outcomes.append("taken")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=book, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "taken"]
    with app.app_context():
        booked = db.session.scalars(select(Registration.slot_start).where(Registration.dialogue_id == pitch.id,
                                                                          Registration.slot_start.is_not(None)))
        assert len(list(booked)) == 1


# --- winners and prizes ---------------------------------------------------------------------


def pitch_decided(app: Flask, *, publish: bool) -> SimpleNamespace:
    call = make_staged_call(app, title="Schone lucht rond scholen")
    owners = [entrepreneur(app, f"Finalist {n}") for n in range(3)]
    first = [make_proposal(app, owner, call, submit=True, title=f"Idee {n}") for n, owner in enumerate(owners)]
    close_stage(app, call, 1)
    decide(app, call, 1, {p.id: ("advanced", None) for p in first})
    open_stage(app, call, 2)
    second = [make_proposal(app, owner, call, phase_number=2, submit=True, title=f"Pitch {n}", budget_cents=0)
              for n, owner in enumerate(owners)]
    close_stage(app, call, 2)
    decide(app, call, 2, {second[0].id: ("awarded", 2), second[1].id: ("awarded", 1),
                          second[2].id: ("not_awarded", None)}, publish=publish)
    return SimpleNamespace(call=call, second=second)


def test_the_winners_page_does_not_exist_before_the_decision_is_published(app: Flask, catalogue) -> None:
    world = pitch_decided(app, publish=False)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    for client in (app.test_client(), staff):
        assert client.get(f"/calls/{world.call.slug}/winners").status_code == 404
    assert "Pitch 1" not in page_text(app.test_client().get(f"/calls/{world.call.slug}"))
    assert app.test_client().get("/calls/bestaat-niet/winners").status_code == 404


def test_the_winners_page_shows_places_prizes_and_motivation_in_dutch_and_english(app: Flask, client_en,
                                                                                   catalogue) -> None:
    world = pitch_decided(app, publish=True)
    dutch = page_text(app.test_client().get(f"/calls/{world.call.slug}/winners"))
    assert "Plaats 1: Pitch 1" in dutch and "Plaats 2: Pitch 0" in dutch
    assert dutch.index("Plaats 1") < dutch.index("Plaats 2")
    assert "15.000" in dutch and "10.000" in dutch
    assert f"Motivering voor {world.second[1].id}: sterk plan." in dutch
    assert "Pitch 2" not in dutch  # not a winner
    english = page_text(client_en.get(f"/calls/{world.call.slug}/winners"))
    assert "Place 1: Pitch 1" in english and "Winners of" in english
    assert "/winners" in app.test_client().get(f"/calls/{world.call.slug}").get_data(as_text=True)


def test_a_place_is_given_once_and_only_with_a_prize(app: Flask, catalogue) -> None:
    world = pitch_decided(app, publish=False)
    with app.test_request_context():
        third = db.session.get(Proposal, world.second[2].id)
        with pytest.raises(DomainError, match="heeft al plaats 1"):
            evaluation.decide(db.session, None, third, Outcome.AWARDED, "Ook goed.", place=1)
        with pytest.raises(DomainError, match="prijzen voor 3 plaatsen"):
            evaluation.decide(db.session, None, third, Outcome.AWARDED, "Ook goed.", place=4)
        with pytest.raises(DomainError, match="Geef de plaats van de winnaar"):
            evaluation.decide(db.session, None, third, Outcome.AWARDED, "Ook goed.")
        decided = evaluation.decide(db.session, None, third, Outcome.AWARDED, "Derde.", place=3)
        assert decided.place == 3
        db.session.rollback()


# --- open data and the public list ------------------------------------------------------------


def test_new_kinds_are_in_the_public_list_filter_and_the_api(app: Flask, catalogue) -> None:
    make_staged_call(app, CallKind.PARTNERSHIP, title="Kademuren Oudegracht")
    make_staged_call(app, title="Schone lucht")
    client = app.test_client()
    listed = page_text(client.get("/calls?kind=partnership"))
    assert "Kademuren Oudegracht" in listed and "Schone lucht" not in listed
    data = client.get("/api/v1/calls?kind=staged_challenge").get_json()
    assert [c["title"] for c in data["items"]] == ["Schone lucht"]
    stage_types = [p["stage_type"] for p in data["items"][0]["phases"]]
    assert stage_types == ["round", "pitch"]
    assert data["items"][0]["phases"][1]["prizes"][0]["amount_cents"] == 1_500_000


def test_ocds_method_and_stages_as_milestones_validate(app: Flask, catalogue) -> None:
    from tests.api.test_ocds import assert_valid_package

    world = pitch_decided(app, publish=True)
    make_staged_call(app, CallKind.PARTNERSHIP, title="Kademuren Oudegracht")
    package = app.test_client().get("/api/v1/ocds/releases.json").get_json()
    assert_valid_package(package)
    tenders = {r["tender"]["title"]: r["tender"] for r in package["releases"] if "tender" in r}
    partnership = tenders["Kademuren Oudegracht"]
    assert partnership["procurementMethod"] == "selective"
    assert partnership["procurementMethodDetails"] == "Innovatiepartnerschap (Aanbestedingswet art. 2.126a)"
    assert [m["type"] for m in partnership["milestones"]] == ["assessment", "assessment", "delivery"]
    assert all(m["dueDate"] for m in partnership["milestones"])
    challenge = tenders[world.call.title]
    assert challenge["procurementMethod"] == "open"
    assert [m["type"] for m in challenge["milestones"]] == ["assessment", "engagement"]
    with app.app_context():
        assert db.session.scalar(select(Decision.place).where(Decision.place == 1)) == 1
        assert db.session.scalar(select(Phase.stage_type).where(Phase.stage_type == T.PITCH)) is T.PITCH


def test_new_kinds_enter_the_register_and_the_dashboard_as_any_call(app: Flask, catalogue) -> None:
    make_staged_call(app, CallKind.PARTNERSHIP, title="Kademuren Oudegracht")
    make_staged_call(app, title="Schone lucht")
    client = app.test_client()
    register = page_text(client.get("/monitoring/register"))
    assert "Kademuren Oudegracht" in register and "Schone lucht" in register
    assert client.get("/monitoring").status_code == 200


def test_a_new_kind_below_its_target_level_must_explain_as_any_call(app: Flask, catalogue) -> None:
    with app.app_context():
        seed_catalogue(db.session)
        category = db.session.scalar(select(Category).where(Category.slug == "mobiliteit"))
        with pytest.raises(DomainError):
            save_call(db.session, None, None, kind=CallKind.STAGED_CHALLENGE, title="Te laag", summary="S.",
                      body_source="Tekst.", category=category, ambition_level=1, level_explanation="",
                      social_values=[], eligibility=Eligibility.BOTH, prize_text="", contact_name="I",
                      contact_email="i@utrecht.example")
        db.session.rollback()


def test_a_pitch_winner_is_awarded_the_prize_of_their_place_in_ocds(app: Flask, catalogue) -> None:
    """OCDS names what the municipality pays: a pitch winner's prize, not the budget the pitch asked (0)."""
    from tests.api.test_ocds import assert_valid_package

    world = pitch_decided(app, publish=True)
    package = app.test_client().get("/api/v1/ocds/releases.json").get_json()
    assert_valid_package(package)
    award_release = next(r for r in package["releases"]
                         if r["ocid"].endswith(f"-call-{world.call.id}") and r["id"].endswith("-award-phase-2"))
    values = {award["title"]: award.get("value") for award in award_release["awards"]}
    assert values["Pitch 1"] == {"amount": 15000.0, "currency": "EUR"}  # place 1
    assert values["Pitch 0"] == {"amount": 10000.0, "currency": "EUR"}  # place 2


def test_a_cancelled_pitch_session_can_be_planned_anew(app: Flask, catalogue) -> None:
    """Staff cancel a pitch session (the room fell through); everyone booked is told. Planning the
    pitch again must give a new session the shortlist can book, not refuse because the cancelled
    one "can no longer be changed", nor send the shortlist to the cancelled one."""
    world = shortlist(app)
    first = plan_pitch(app, world.call)
    on = app.test_client()
    login(on, world.on)
    on.post(f"/dialogues/{first.slug}/register")
    with app.test_request_context():
        dialogue_services.transition_dialogue(db.session, None, db.session.get(Dialogue, first.id),
                                              DialogueStatus.CANCELLED, reason="De zaal is niet beschikbaar.")
        db.session.commit()
    second = plan_pitch(app, world.call, slots=2)
    assert second.id != first.id and len(second.slots) == 2
    with app.test_request_context():
        phase = db.session.get(Call, world.call.id).phases[1]
        assert dialogue_services.pitch_for(db.session, phase).id == second.id
        assert db.session.get(Dialogue, first.id).status is DialogueStatus.CANCELLED  # kept, as it was
    assert on.post(f"/dialogues/{second.slug}/register").status_code == 302
    assert on.post(f"/dialogues/{second.slug}/slot", data={"slot": second.slots[0]}).status_code == 302
    # Staff's planning page shows the new session's times.
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    page = staff.get(f"/staff/calls/{world.call.id}/stages/2/pitch")
    assert page.status_code == 200


def test_the_pitch_of_a_call_in_english_is_in_english_too(app: Flask, catalogue) -> None:
    """An applicant on the shortlist reading in English found the pitch page only in Dutch, although the
    call had its English version."""
    world = shortlist(app)
    with app.app_context():
        call = db.session.get(Call, world.call.id)
        call.title_en, call.summary_en = "Clean air", "Ideas for cleaner air in the city."
        db.session.commit()
    pitch = plan_pitch(app, world.call)
    on = app.test_client()
    login(on, world.on)
    on.post("/language", data={"lang": "en", "next": "/"})
    page = on.get(f"/dialogues/{pitch.slug}").get_data(as_text=True)
    assert 'lang="en">Pitch: Clean air</h1>' in page and "Ideas for cleaner air in the city." in page
    assert "Only available in Dutch" not in page
    dutch = app.test_client()
    login(dutch, world.on)
    dutch.post("/language", data={"lang": "nl", "next": "/"})
    assert 'lang="nl">Pitch: Schone lucht' in dutch.get(f"/dialogues/{pitch.slug}").get_data(as_text=True)
