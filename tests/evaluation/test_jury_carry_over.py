"""The jury of the earlier round joins the next round's jury in one step (staged procedures, SBIR).

Who would abuse it, and how (each has a test below):
- a staff member who sat on the earlier jury carries the jury over and so makes themself a member
  of the next one unnoticed: they are left out and told a colleague adds them;
- a double click, or two colleagues at once, would put members on the jury twice: a second carry
  adds nobody;
- a juror or an entrepreneur posts to the carry-over address: refused;
- the chair of the earlier round would become a second chair: the next jury keeps its own chair;
- a blocked account would come back through the earlier jury: it is not carried;
- so would an account whose jury role an administrator took away: not carried either.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.accounts.services import revoke_role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.evaluation.models import JuryMember

from ..factories import login, make_call, make_user, page_text


def _members(app: Flask, call_id: int, number: int) -> list[tuple[str, bool]]:
    with app.app_context():
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call_id, Phase.number == number))
        rows = db.session.execute(select(User.email, JuryMember.is_chair).join(User, User.id == JuryMember.user_id)
                                  .where(JuryMember.phase_id == phase.id).order_by(User.email))
        return [(email, chair) for email, chair in rows]


def _client(app: Flask, user, lang: str = "en") -> FlaskClient:
    client = app.test_client()
    login(client, user)
    client.post("/language", data={"lang": lang, "next": "/"})
    return client


def _world(app: Flask):
    call = make_call(app, kind=CallKind.SBIR)  # two phases
    staff = make_user(app, Role.STAFF)
    jurors = [make_user(app, Role.JURY) for _ in range(3)]
    client = _client(app, staff)
    for index, juror in enumerate(jurors):
        data = {"email": juror.email, **({"is_chair": "y"} if index == 0 else {})}
        assert client.post(f"/staff/calls/{call.id}/phases/1/jury", data=data).status_code == 302
    return call, client, jurors


def test_the_earlier_jury_joins_in_one_step_chair_included(app: Flask) -> None:
    call, client, jurors = _world(app)
    page = page_text(client.get(f"/staff/calls/{call.id}/phases/2/jury"))
    assert "The jury of Fase 1" in page and "Not yet on this jury:" in page
    assert all(juror.email in page for juror in jurors)
    assert "Add these 3 members to this jury" in page

    reply = client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over", follow_redirects=True)
    assert "3 members of the jury of Fase 1 have been added." in page_text(reply)
    assert _members(app, call.id, 2) == sorted((j.email, j is jurors[0]) for j in jurors)
    assert "Add these" not in page_text(reply)  # nothing left to carry over


def test_a_second_click_adds_nobody_twice(app: Flask) -> None:
    call, client, _jurors = _world(app)
    client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over")
    again = client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over", follow_redirects=True)
    assert "Everyone of the jury of Fase 1 is on this jury already." in page_text(again)
    assert len(_members(app, call.id, 2)) == 3


def test_the_next_jury_keeps_its_own_chair_and_its_own_members(app: Flask) -> None:
    call, client, jurors = _world(app)
    chair = make_user(app, Role.JURY)
    client.post(f"/staff/calls/{call.id}/phases/2/jury", data={"email": chair.email, "is_chair": "y"})
    client.post(f"/staff/calls/{call.id}/phases/2/jury", data={"email": jurors[1].email})
    reply = client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over", follow_redirects=True)
    assert "2 members of the jury of Fase 1 have been added." in page_text(reply)
    members = dict(_members(app, call.id, 2))
    assert members == {chair.email: True, jurors[0].email: False, jurors[1].email: False, jurors[2].email: False}


def test_a_staff_member_on_the_earlier_jury_is_left_out_and_told_why(app: Flask) -> None:
    call, client, _jurors = _world(app)
    colleague = make_user(app, Role.STAFF)
    client.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": colleague.email})
    client = _client(app, colleague)
    page = page_text(client.get(f"/staff/calls/{call.id}/phases/2/jury"))
    assert "You were on that jury too: a colleague adds you" in page
    reply = client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over", follow_redirects=True)
    assert reply.status_code == 200  # still managing this jury: they were not put on it
    assert "You were on the jury of Fase 1 too: a colleague adds you" in page_text(reply)
    assert colleague.email not in dict(_members(app, call.id, 2))
    assert len(_members(app, call.id, 2)) == 3


def test_a_blocked_account_is_not_carried(app: Flask) -> None:
    call, client, jurors = _world(app)
    with app.app_context():
        db.session.get(User, jurors[2].id).blocked = True
        db.session.commit()
    client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over")
    assert jurors[2].email not in dict(_members(app, call.id, 2))
    assert len(_members(app, call.id, 2)) == 2


def test_the_first_round_has_nothing_to_carry(app: Flask) -> None:
    call, client, _jurors = _world(app)
    assert "Add these" not in page_text(client.get(f"/staff/calls/{call.id}/phases/1/jury"))
    assert client.post(f"/staff/calls/{call.id}/phases/1/jury/carry-over").status_code == 404


def test_only_staff_carry_a_jury_over(app: Flask) -> None:
    call, _client_of_staff, jurors = _world(app)
    for person in (jurors[0], make_user(app, Role.ENTREPRENEUR)):
        assert _client(app, person).post(f"/staff/calls/{call.id}/phases/2/jury/carry-over").status_code == 403
    anonymous = app.test_client().post(f"/staff/calls/{call.id}/phases/2/jury/carry-over")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert _members(app, call.id, 2) == []


def test_in_dutch(app: Flask) -> None:
    call, client, _jurors = _world(app)
    client.post("/language", data={"lang": "nl", "next": "/"})
    page = page_text(client.get(f"/staff/calls/{call.id}/phases/2/jury"))
    assert "De jury van Fase 1" in page and "Voeg deze 3 leden toe aan deze jury" in page
    reply = client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over", follow_redirects=True)
    assert "3 leden van de jury van Fase 1 zijn toegevoegd." in page_text(reply)


def test_an_account_whose_jury_role_was_taken_away_is_not_carried(app: Flask) -> None:
    """An administrator took the jury role away (the expert no longer judges for the municipality):
    carried over, they would read and score the next round's proposals all the same (the jury pages
    ask membership), and without the second login step the role requires."""
    call, client, jurors = _world(app)
    admin_id = make_user(app, Role.ADMIN).id
    with app.app_context():
        admin = db.session.get(User, admin_id)
        revoke_role(db.session, admin, db.session.get(User, jurors[2].id), Role.JURY)
        db.session.commit()
    page = page_text(client.get(f"/staff/calls/{call.id}/phases/2/jury"))
    assert "Add these 2 members to this jury" in page and jurors[2].email not in page
    client.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over")
    assert jurors[2].email not in dict(_members(app, call.id, 2))
    assert len(_members(app, call.id, 2)) == 2
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 2))
    assert _client(app, jurors[2]).get(f"/jury/phases/{phase_id}").status_code == 403


def _slow_member_lookup(monkeypatch) -> None:
    """Every request looks for the member before any has stored one: the moment a race needs."""
    import time

    from mvi_challenges.evaluation import services

    lookup = services.member_for

    def slow(session, user, phase):
        time.sleep(0.3)
        return lookup(session, user, phase)

    monkeypatch.setattr(services, "member_for", slow)


def test_two_colleagues_adding_the_same_member_at_once_add_them_once(app: Flask, monkeypatch) -> None:
    """Before, both requests found the juror not yet on the jury and the second met the database's
    unique constraint: an error page, and what the colleague typed lost."""
    from ..races import all_at_once

    call = make_call(app, kind=CallKind.SBIR)
    juror = make_user(app, Role.JURY)
    clients = [_client(app, make_user(app, Role.STAFF)) for _ in range(2)]
    _slow_member_lookup(monkeypatch)
    replies = all_at_once([lambda each=each: each.post(f"/staff/calls/{call.id}/phases/1/jury",
                                                       data={"email": juror.email}) for each in clients])
    assert sorted(reply.status_code for reply in replies) == [302, 400]
    refused = next(reply for reply in replies if reply.status_code == 400)
    assert "is already on this jury" in page_text(refused)
    assert _members(app, call.id, 1) == [(juror.email, False)]


def test_two_chairs_named_at_once_leave_one_chair(app: Flask, monkeypatch) -> None:
    from ..races import all_at_once

    call = make_call(app, kind=CallKind.SBIR)
    jurors = [make_user(app, Role.JURY) for _ in range(2)]
    clients = [_client(app, make_user(app, Role.STAFF)) for _ in range(2)]
    _slow_member_lookup(monkeypatch)
    replies = all_at_once([lambda each=each, juror=juror: each.post(
        f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email, "is_chair": "y"})
        for each, juror in zip(clients, jurors, strict=True)])
    assert [reply.status_code for reply in replies] == [302, 302]
    assert sum(chair for _email, chair in _members(app, call.id, 1)) == 1
