"""A civil servant whose account belongs to an applying organisation reads its proposals but changes
none of them (staff apply to nothing: `lifecycle.acts_for_applicant`). What that person sees: every
page that lists or shows the organisation's proposals says why they can read but not change them,
and offers no link or button that would be refused; a refused URL says why, with the way back."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, Response
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db

from ..factories import login, make_call, make_proposal, make_user, page_text

READ_ONLY = ("You work for the municipality: you can read your organisation's proposals, but not change, submit "
             "or withdraw them.")
READ_ONLY_NL = ("U werkt voor de gemeente: u kunt de voorstellen van uw organisatie lezen, maar niet wijzigen, "
                "indienen of intrekken.")


def _colleagues(app: Flask) -> SimpleNamespace:
    """A company with a draft on one open call and a submitted proposal on another, and a civil
    servant whose account belongs to the same company."""
    draft_call, submitted_call = make_call(app, title="Schone bouwplaats"), make_call(app, title="Slimme verlichting")
    founder = make_user(app, Role.ENTREPRENEUR, organisation_name="Bouwlogistiek BV")
    draft = make_proposal(app, founder, draft_call, title="Ons bouwplan")
    submitted = make_proposal(app, founder, submitted_call, title="Ons lichtplan", submit=True)
    officer = make_user(app, Role.STAFF, Role.ENTREPRENEUR)
    with app.app_context():
        db.session.get(User, officer.id).organisation_id = founder.organisation_id
        db.session.commit()
    return SimpleNamespace(founder=founder, officer=officer, draft=draft, submitted=submitted,
                           draft_call=draft_call, submitted_call=submitted_call)


def _client(app: Flask, user: SimpleNamespace, lang: str = "en") -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = lang
    login(client, user)
    return client


def test_my_proposals_say_the_civil_servant_reads_but_does_not_change_them(app: Flask) -> None:
    world = _colleagues(app)
    officer = _client(app, world.officer)
    mine = page_text(officer.get("/my/proposals"))
    assert "Ons bouwplan" in mine and "Ons lichtplan" in mine
    assert READ_ONLY in mine
    work = page_text(officer.get("/my"))
    end = work.index("All my proposals")
    section = work[work.rindex("My proposals", 0, end):end]  # the section, not the menu
    assert READ_ONLY in section and "Ons bouwplan" in section
    # No deadline to work towards for a proposal they cannot change.
    assert "deadline" not in section
    assert READ_ONLY_NL in page_text(_client(app, world.officer, "nl").get("/my/proposals"))


def test_the_proposal_page_and_the_call_page_offer_no_change_to_the_civil_servant(app: Flask) -> None:
    world = _colleagues(app)
    officer = _client(app, world.officer)
    page = officer.get(f"/proposals/{world.draft.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert READ_ONLY in text and "Ons bouwplan" in text
    assert "Edit your proposal" not in text and f"/proposals/{world.draft.id}/edit" not in page.get_data(as_text=True)
    call_page = officer.get(f"/calls/{world.draft_call.slug}").get_data(as_text=True)
    assert "Continue with your proposal" not in call_page and f"/proposals/{world.draft.id}/edit" not in call_page
    assert READ_ONLY in page_text(officer.get(f"/calls/{world.draft_call.slug}"))
    assert f'href="/proposals/{world.draft.id}">Read your organisation' in call_page


def test_a_refused_change_says_why_and_leads_back_to_the_proposal(app: Flask) -> None:
    world = _colleagues(app)
    officer = _client(app, world.officer)
    for response in (officer.get(f"/proposals/{world.draft.id}/edit"),
                     officer.get(f"/proposals/{world.draft.id}/consortium"),
                     officer.post(f"/proposals/{world.submitted.id}/withdraw", data={"confirm": "yes"})):
        assert response.status_code == 403
        assert READ_ONLY in page_text(response)
        assert 'href="/proposals/' in response.get_data(as_text=True) and "Back to the proposal" in page_text(response)


def test_the_founder_sees_none_of_it(app: Flask) -> None:
    world = _colleagues(app)
    founder = _client(app, world.founder)
    assert READ_ONLY not in page_text(founder.get("/my/proposals"))
    page = page_text(founder.get(f"/proposals/{world.draft.id}"))
    assert "Edit your proposal" in page and READ_ONLY not in page
    call_page = page_text(founder.get(f"/calls/{world.draft_call.slug}"))
    assert "Continue with your proposal" in call_page and READ_ONLY not in call_page


def _submit_panel(client: FlaskClient, slug: str) -> str:
    """The visible text of the call page's proposal panel (its section "Submit a proposal")."""
    html = client.get(f"/calls/{slug}").get_data(as_text=True)
    start = html.index('<section aria-labelledby="submit-heading"')
    return page_text(Response(html[start:html.index("</section>", start)]))


SEALED = "Until the deadline nobody at the municipality reads the proposals, not the jury either"
MAY_CHANGE = "you may change or withdraw yours until then"
RECEIPT = "The time on our server counts; you get a receipt with the exact time."


def test_the_call_panel_names_the_organisation_and_promises_the_civil_servant_no_change(app: Flask) -> None:
    world = _colleagues(app)
    panel = _submit_panel(_client(app, world.officer), world.draft_call.slug)
    assert "The proposal of Bouwlogistiek BV: draft (not submitted)." in panel and "Your proposal" not in panel
    assert READ_ONLY in panel
    assert f"{SEALED}." in panel and MAY_CHANGE not in panel
    assert "Deadline:" in panel and RECEIPT not in panel  # they submit nothing: no receipt to promise
    submitted = _submit_panel(_client(app, world.officer), world.submitted_call.slug)
    assert "The proposal of Bouwlogistiek BV: submitted." in submitted and MAY_CHANGE not in submitted
    dutch = _submit_panel(_client(app, world.officer, "nl"), world.draft_call.slug)
    assert "Het voorstel van Bouwlogistiek BV: concept (niet ingediend)." in dutch and "Uw voorstel" not in dutch
    assert READ_ONLY_NL in dutch
    assert "Tot de deadline leest niemand bij de gemeente de voorstellen, ook de jury niet." in dutch
    assert "tot dan mag u uw voorstel nog wijzigen of intrekken" not in dutch and "ontvangstbevestiging" not in dutch


def test_the_founders_call_panel_is_unchanged(app: Flask) -> None:
    world = _colleagues(app)
    panel = _submit_panel(_client(app, world.founder), world.draft_call.slug)
    assert "Your proposal: draft (not submitted)." in panel and "The proposal of" not in panel
    assert f"{SEALED}: {MAY_CHANGE}." in panel and READ_ONLY not in panel and RECEIPT in panel
    dutch = _submit_panel(_client(app, world.founder, "nl"), world.draft_call.slug)
    assert "Uw voorstel: concept (niet ingediend)." in dutch
    assert ("Tot de deadline leest niemand bij de gemeente de voorstellen, ook de jury niet: tot dan mag u uw "
            "voorstel nog wijzigen of intrekken.") in dutch
