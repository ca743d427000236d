"""Blind review, tried as an applicant who wants the jury to know it is them.

Abuser: an applicant (a citizen, or a company's contact person) who writes their own name and
e-mail address, or a colleague's, into the summary and text of a proposal to a blind review, hoping
a juror who knows them scores it up. Only the names and KvK numbers of the lead organisation and
its partners were taken out of the jury's copy: a citizen's proposal ("Ik, Pietje Puk, ...") reached
the blind jury untouched, and a company's contact person stood there by name and address with the
company's name hidden beside it. Found broken (adversary round 6), fixed in
evaluation/blind_copies.py (`people_behind`, `name_parts`, `jury_copy`): the jury's copy also hides
the full names, the name parts (3+ letters, capitalised, particles kept) and the e-mail addresses of
the submitter and of every account of the lead's and the partners' organisations. An open jury
still reads everything, and words that only resemble a name stay.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.evaluation.blind_copies import HIDDEN, name_parts, redact_names
from mvi_challenges.proposals import services
from mvi_challenges.proposals.models import Proposal

from ..factories import add_partners, close_phase, login, make_call, make_proposal, make_user, page_text


def _write(app: Flask, owner: SimpleNamespace, proposal: SimpleNamespace, *, summary: str, body: str,
           submit: bool = True) -> None:
    """The applicant's own words in the proposal, as they would type them."""
    with app.test_request_context():
        record, user = db.session.get(Proposal, proposal.id), db.session.get(User, owner.id)
        services.save_draft(db.session, user, record, title="Groen dak", summary=summary, body_source=body,
                            requested_budget_cents=2_000_000, now=now_utc())
        if submit:
            services.submit(db.session, user, record, now_utc())
        db.session.commit()


def _in_organisation_of(app: Flask, other: SimpleNamespace, **overrides: object) -> SimpleNamespace:
    """A colleague: a second account of `other`'s organisation."""
    colleague = make_user(app, Role.CITIZEN, **overrides)
    with app.app_context():
        db.session.get(User, colleague.id).organisation_id = other.organisation_id
        db.session.commit()
    return colleague


def _jury_reads(app: Flask, call: SimpleNamespace, proposal: SimpleNamespace, *, blind: bool) -> str:
    """The score page of `proposal` as a juror of a (blind) jury reads it after the deadline."""
    close_phase(app, call)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    juror = make_user(app, Role.JURY, name="Joris Jurylid")
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury/settings",
               data={"blind_review": "y" if blind else "", "threshold": "3"})
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
    client: FlaskClient = app.test_client()
    login(client, juror)
    base = f"/jury/phases/{phase_id}"
    client.post(base, data={f"declare-{proposal.id}": "none"})
    response = client.get(f"{base}/proposals/{proposal.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _citizen_proposal(app: Flask) -> tuple[SimpleNamespace, SimpleNamespace]:
    call = make_call(app, kind=CallKind.SBIR)
    citizen = make_user(app, Role.CITIZEN, name="Pietje Puk", email="pietje.puk@example.org")
    proposal = make_proposal(app, citizen, call)
    _write(app, citizen, proposal, summary="Door Pietje Puk uit Overvecht (pietje.puk@example.org).",
           body="Ik, **PIETJE PUK**, bedacht dit aan de Pietjesweg. Puk zegt: [mail mij](mailto:pietje.puk@example.org).")
    return call, proposal


def test_a_blind_jury_does_not_read_the_citizen_applicants_name_or_address(app: Flask, catalogue) -> None:
    call, proposal = _citizen_proposal(app)
    html = _jury_reads(app, call, proposal, blind=True)
    shown = page_text_of(html)
    for leak in ("Pietje", "PIETJE", "Puk", "PUK", "pietje.puk@example.org"):
        assert not _word(leak, shown), leak
    assert "pietje.puk" not in html  # nor in the link's address
    assert "Groen dak" not in shown  # the title: a blind jury's pages name a proposal by number
    # The rest of what they wrote is there, also a street that only starts like the name.
    assert f"Door {HIDDEN} uit Overvecht ({HIDDEN})." in shown
    assert f"Ik, {HIDDEN} , bedacht dit aan de Pietjesweg. {HIDDEN} zegt: mail mij" in shown  # (the bold, the link)


def test_an_open_jury_reads_the_citizen_applicant_as_written(app: Flask, catalogue) -> None:
    call, proposal = _citizen_proposal(app)
    shown = page_text_of(_jury_reads(app, call, proposal, blind=False))
    assert "Door Pietje Puk uit Overvecht (pietje.puk@example.org)." in shown and HIDDEN not in shown


def test_a_blind_jury_reads_no_name_of_the_company_its_people_or_its_partners_people(app: Flask, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    contact = make_user(app, Role.ENTREPRENEUR, name="Anna de Vries", email="anna@hittebouw.example",
                        organisation_name="Hittebouw BV", kvk="12345678")
    colleague = _in_organisation_of(app, contact, name="Bram Bakker", email="bram@hittebouw.example")
    partner = make_user(app, Role.ENTREPRENEUR, name="Dirk Dijkstra", email="dirk@uu.example",
                        organisation_name="Universiteit Utrecht", kvk="30275924")
    researcher = _in_organisation_of(app, partner, name="Eva van der Berg", email="eva@uu.example")
    proposal = make_proposal(app, contact, call, budget_cents=2_000_000)
    _write(app, contact, proposal, submit=False,
           summary=f"Contact: {contact.name}, {contact.email}. Met {colleague.name} ({colleague.email}).",
           body=f"Anna leidt, BRAM bouwt; Dirk en {researcher.name} ({researcher.email}) meten van de bakker "
                f"tot de Bakkersteeg. Mail [Dirk](mailto:{partner.email}).")
    add_partners(app, proposal, [(partner, 500_000)])
    html = _jury_reads(app, call, proposal, blind=True)
    shown = page_text_of(html)
    for leak in ("Hittebouw BV", "Anna", "Vries", "anna@hittebouw.example", "Bram", "BRAM", "Bakker",
                 "bram@hittebouw.example", "Dirk", "Dijkstra", "Eva", "Berg", "eva@uu.example", "Universiteit Utrecht"):
        assert not _word(leak, shown), leak
    assert "dirk@uu.example" not in html
    assert shown.count(HIDDEN) >= 10
    # Particles, an ordinary word that is also a surname, and a street stay as written.
    assert "meten van de bakker tot de Bakkersteeg" in shown


def test_names_are_hidden_as_whole_words_in_text_and_clean_html() -> None:
    people = [("Jan Groen", "jan@groen.example"), ("Seán O'Brien-van Dam", ""), ("Li Bo", "")]
    parts = name_parts(people)
    assert parts == ["Brien", "Dam", "Groen", "Jan", "Seán"]  # "van" and the two-letter "Li", "Bo" stay
    names = [name for name, _ in people] + ["jan@groen.example"]
    redact = lambda text, html=False: redact_names(text, names, parts=parts, html=html)  # noqa: E731
    assert redact("Jan Groen en JAN legt een groen dak aan de Janssenstraat, bij Jansen.") == \
        f"{HIDDEN} en {HIDDEN} legt een groen dak aan de Janssenstraat, bij Jansen."
    assert redact("Li Bo, li bo en Bo") == f"{HIDDEN}, {HIDDEN} en Bo"  # short parts only as the whole name
    assert redact("Mail jan@groen.example.") == f"Mail {HIDDEN}."
    # In HTML as the sanitiser writes it: an apostrophe as is, a link's address too.
    assert redact("<p>Seán O'Brien-van Dam: <a href=\"mailto:jan@groen.example\">Jan</a></p>", html=True) == \
        f"<p>{HIDDEN}: <a href=\"mailto:{HIDDEN}\">{HIDDEN}</a></p>"


def test_a_name_made_of_markup_cannot_change_the_jurys_html() -> None:
    """An applicant who calls themself `a href` or `"x"` removes only text: no tag or quote moves."""
    clean = '<p><a href="https://x.example" title="Zie &quot;x&quot;">x</a> &lt;b&gt;</p>'
    assert redact_names(clean, ['"x"', "a href", "<b>"], html=True) == \
        f'<p><a href="https://x.example" title="Zie {HIDDEN}">x</a> {HIDDEN}</p>'


def _word(word: str, text: str) -> bool:
    """Whether `word` is in `text` as a word of its own (not "Pietje" in "Pietjesweg")."""
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None


def page_text_of(html: str) -> str:
    return page_text(SimpleNamespace(get_data=lambda as_text=True: html))
