"""Dialogues in English too: staff write the English version beside the Dutch one; English visitors
read it where it exists and the Dutch text, marked lang="nl" and said to be Dutch, where it does not."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.dialogues.models import Dialogue

from ..factories import login, make_dialogue, make_user, page_text

FORM = {"kind": "city", "title": "Schone lucht in de wijk", "body_source": "Praat **mee** over lucht.",
        "category_id": "0", "related_call_id": "0", "starts_at": "2027-03-10T14:00", "ends_at": "2027-03-10T16:00",
        "address": "Stadskantoor", "online_url": "", "capacity": "15", "registration_closes_at": "2027-03-09T12:00",
        "eligibility": "both", "selection": "first_come"}


def _staff(app: Flask) -> FlaskClient:
    """A staff member reading the site in English."""
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _heading(html: str) -> str:
    return html[html.index("<h1"):html.index("</h1>") + 5]


def _card(html: str, title: str) -> str:
    """The card of the public list that shows `title`."""
    card = html[:html.index(title)]
    card = html[card.rindex('<li class="call-card">'):]
    return card[:card.index("</li>")]


def test_staff_write_the_english_version_and_english_visitors_read_it(app: Flask, client_en: FlaskClient,
                                                                      catalogue) -> None:
    staff = _staff(app)
    form = page_text(staff.get("/staff/dialogues/new"))
    assert "Title in English" in form and "Description in English" in form
    response = staff.post("/staff/dialogues/new", data={
        **FORM, "title_en": "Clean air in the neighbourhood",
        "body_source_en": "Talk **with us**.<script>alert('x')</script> [here](javascript:alert(1))"})
    assert response.status_code == 302
    dialogue_id = int(response.location.rsplit("/", 1)[1])
    staff.post(f"/staff/dialogues/{dialogue_id}/status/published")
    with app.app_context():
        saved = db.session.get(Dialogue, dialogue_id)
        assert saved.title_en == "Clean air in the neighbourhood"
        # Through the one sanitizer, as the Dutch text: the script is text, the link no link.
        assert saved.body_html_en == ("<p>Talk <strong>with us</strong>.&lt;script&gt;alert('x')&lt;/script&gt; "
                                      "[here](javascript:alert(1))</p>")
        slug = saved.slug
    html = client_en.get(f"/dialogues/{slug}").get_data(as_text=True)
    assert _heading(html).endswith('lang="en">Clean air in the neighbourhood</h1>')
    assert '<div class="rich-text" lang="en"><p>Talk <strong>with us</strong>.' in html
    assert "<script>alert" not in html and 'href="javascript' not in html
    assert "Only available in Dutch" not in html and "Praat" not in html
    assert "<title>Clean air in the neighbourhood" in html
    card = _card(client_en.get("/dialogues").get_data(as_text=True), "Clean air in the neighbourhood")
    assert 'lang="en"><a class="utrecht-link"' in card and "Only available in Dutch" not in card
    # Dutch visitors read the Dutch version.
    dutch = app.test_client().get(f"/dialogues/{slug}").get_data(as_text=True)
    assert _heading(dutch).endswith('lang="nl">Schone lucht in de wijk</h1>')
    assert '<div class="rich-text" lang="nl"><p>Praat <strong>mee</strong> over lucht.</p></div>' in dutch
    assert "Clean air" not in dutch and "Talk" not in dutch
    # The edit form shows the English texts again for the next change.
    edit = staff.get(f"/staff/dialogues/{dialogue_id}/edit").get_data(as_text=True)
    assert 'value="Clean air in the neighbourhood"' in edit


def test_a_dialogue_only_in_dutch_is_shown_in_dutch_marked_and_said_to_be(app: Flask, client_en: FlaskClient,
                                                                          catalogue) -> None:
    d = make_dialogue(app, title="Stadsgesprek groen")
    html = client_en.get(f"/dialogues/{d.slug}").get_data(as_text=True)
    assert _heading(html).endswith('lang="nl">Stadsgesprek groen</h1>')
    assert "Only available in Dutch" in page_text(client_en.get(f"/dialogues/{d.slug}"))
    assert '<div class="rich-text" lang="nl"><p>Praat <strong>mee</strong>.</p></div>' in html
    card = _card(client_en.get("/dialogues").get_data(as_text=True), "Stadsgesprek groen")
    assert 'lang="nl"><a class="utrecht-link"' in card and "Only available in Dutch" in card
    # A Dutch visitor is not told the page is in Dutch.
    dutch = app.test_client()
    assert "Only available in Dutch" not in dutch.get(f"/dialogues/{d.slug}").get_data(as_text=True)
    assert "Alleen in het Nederlands" not in page_text(dutch.get("/dialogues"))
    # An English title without an English description: the title in English, the description in Dutch.
    titled = make_dialogue(app, title="Marktgesprek hout", title_en="Market dialogue: timber")
    html = client_en.get(f"/dialogues/{titled.slug}").get_data(as_text=True)
    assert _heading(html).endswith('lang="en">Market dialogue: timber</h1>')
    assert '<div class="rich-text" lang="nl"><p>Praat <strong>mee</strong>.</p></div>' in html


def test_half_english_is_refused_next_to_its_field_and_nothing_typed_is_lost(app: Flask, catalogue) -> None:
    staff = _staff(app)
    response = staff.post("/staff/dialogues/new", data={**FORM, "title_en": "  ",
                                                        "body_source_en": "What we ask of you."})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = html[html.index('id="title_en-error"'):]
    assert "Give the English title too" in error[:error.index("</div>")]
    assert html.count('class="field-error"') == 1
    assert 'value="Schone lucht in de wijk"' in html and "What we ask of you." in html
    assert "Praat **mee** over lucht." in html and 'value="Stadskantoor"' in html
    with app.app_context():
        assert db.session.scalars(select(Dialogue)).all() == []
    # An existing dialogue loses nothing either: the refused change is not saved.
    d = make_dialogue(app, title="Stadsgesprek", title_en="City dialogue", body_source_en="Join us.")
    edit = staff.post(f"/staff/dialogues/{d.id}/edit", data={**FORM, "title": "Stadsgesprek", "title_en": "",
                                                             "body_source_en": "Join us, please."})
    assert edit.status_code == 400 and "Join us, please." in edit.get_data(as_text=True)
    with app.app_context():
        kept = db.session.get(Dialogue, d.id)
        assert (kept.title_en, kept.body_source_en) == ("City dialogue", "Join us.")


def _held(app: Flask, **english: str) -> object:
    """A published dialogue that took place, ready for its report."""
    return make_dialogue(app, title="Stadsgesprek bomen", starts_in=dt.timedelta(days=-3), **english)


def test_the_english_report_is_read_in_english_and_the_dutch_one_in_dutch(app: Flask, client_en: FlaskClient,
                                                                         catalogue) -> None:
    d = _held(app, title_en="City dialogue: trees")
    staff = _staff(app)
    assert "Summary in English" in page_text(staff.get(f"/staff/dialogues/{d.id}"))
    response = staff.post(f"/staff/dialogues/{d.id}/report", data={
        "summary": "Veel **bomen** gewenst.", "summary_en": "Many **trees** wanted.<script>alert(1)</script>"})
    assert response.status_code == 302
    html = client_en.get(f"/dialogues/{d.slug}").get_data(as_text=True)
    assert '<div class="rich-text" lang="en"><p>Many <strong>trees</strong> wanted.' in html
    assert "<script>alert" not in html and "Veel" not in html
    assert "The report is only available in Dutch." not in html
    dutch = app.test_client().get(f"/dialogues/{d.slug}").get_data(as_text=True)
    assert '<div class="rich-text" lang="nl"><p>Veel <strong>bomen</strong> gewenst.</p></div>' in dutch
    assert "Many" not in dutch


def test_a_report_only_in_dutch_is_shown_in_dutch_on_english_pages_and_said_to_be(app: Flask,
                                                                                 client_en: FlaskClient,
                                                                                 catalogue) -> None:
    d = _held(app, title_en="City dialogue: trees")
    staff = _staff(app)
    assert staff.post(f"/staff/dialogues/{d.id}/report", data={"summary": "Veel bomen gewenst."}).status_code == 302
    html = client_en.get(f"/dialogues/{d.slug}").get_data(as_text=True)
    assert _heading(html).endswith('lang="en">City dialogue: trees</h1>')
    assert "The report is only available in Dutch." in page_text(client_en.get(f"/dialogues/{d.slug}"))
    assert '<div class="rich-text" lang="nl"><p>Veel bomen gewenst.</p></div>' in html


def test_a_dialogue_without_its_english_version_gets_a_dutch_report_only(app: Flask, client_en: FlaskClient,
                                                                        catalogue) -> None:
    d = _held(app)
    staff = _staff(app)
    manage = page_text(staff.get(f"/staff/dialogues/{d.id}"))
    assert "Summary in English" not in manage and "its report is published in Dutch only" in manage
    # A hand-made request with an English text is refused, the Dutch summary kept in the form.
    response = staff.post(f"/staff/dialogues/{d.id}/report", data={"summary": "Veel bomen gewenst.",
                                                                   "summary_en": "Many trees."})
    assert response.status_code == 400
    assert "This dialogue has no English version" in page_text(response)
    assert "Veel bomen gewenst." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Dialogue, d.id).report_published_at is None
    assert staff.post(f"/staff/dialogues/{d.id}/report", data={"summary": "Veel bomen gewenst."}).status_code == 302
    text = page_text(client_en.get(f"/dialogues/{d.slug}"))
    # Said once, under the title: the whole page is in Dutch.
    assert "Only available in Dutch" in text and "The report is only available in Dutch." not in text


def test_my_page_lists_the_dialogues_in_the_visitors_language(app: Flask, catalogue) -> None:
    english = make_dialogue(app, title="Stadsgesprek water", title_en="City dialogue: water")
    dutch_only = make_dialogue(app, title="Stadsgesprek hitte", starts_in=dt.timedelta(days=6))
    citizen = app.test_client()
    login(citizen, make_user(app, Role.CITIZEN))
    for d in (english, dutch_only):
        citizen.post(f"/dialogues/{d.slug}/register")
    citizen.post("/language", data={"lang": "en", "next": "/"})
    html = citizen.get("/my").get_data(as_text=True)
    assert 'lang="en">City dialogue: water</a> —' in html
    assert 'lang="nl">Stadsgesprek hitte</a> <span class="call-card__language">(Only available in Dutch)</span>' in html
    assert "Add “City dialogue: water” to your calendar" in html
    citizen.post("/language", data={"lang": "nl", "next": "/"})
    html = citizen.get("/my").get_data(as_text=True)
    assert 'lang="nl">Stadsgesprek water</a> —' in html and "City dialogue" not in html
    assert "Alleen in het Nederlands" not in html


def _mail_to(app: Flask, email: str, subject_start: str):
    from mvi_challenges.core.outbox import OutboxEmail

    with app.app_context():
        mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == email)).all()
        return next(mail for mail in mails if mail.subject.startswith(subject_start))


def test_mails_and_calendar_files_speak_the_residents_language(app: Flask, catalogue) -> None:
    """A resident who reads the site in English registered for an English dialogue and got a Dutch
    title in the mail and a Dutch calendar entry (the structure of the mail was English already)."""
    d = make_dialogue(app, title="Stadsgesprek water", title_en="City dialogue: water",
                      body_source_en="Talk about **water**.")
    english_resident = make_user(app, Role.CITIZEN, email="resident@example.org")
    dutch_resident = make_user(app, Role.CITIZEN, email="bewoner@example.org")
    for person, lang in ((english_resident, "en"), (dutch_resident, "nl")):
        client = app.test_client()
        login(client, person)
        client.post("/language", data={"lang": lang, "next": "/"})  # saved to the account
        assert client.post(f"/dialogues/{d.slug}/register").status_code == 302

    english = _mail_to(app, "resident@example.org", "You are registered")
    assert english.subject == "You are registered: City dialogue: water"
    assert "You are registered for City dialogue: water on" in english.body and "Stadsgesprek" not in english.body
    assert "City dialogue: water" in english.html_body and "Stadsgesprek" not in english.html_body
    calendar = english.attachment_content.replace("\r\n ", "")  # iCalendar folds long lines
    assert "SUMMARY:City dialogue: water" in calendar and "Talk about water." in calendar
    assert "Praat" not in calendar and "Stadsgesprek" not in calendar

    dutch = _mail_to(app, "bewoner@example.org", "Aanmelding bevestigd")
    assert "Stadsgesprek water" in dutch.subject and "City dialogue" not in dutch.body
    assert "SUMMARY:Stadsgesprek water" in dutch.attachment_content

    # The calendar file downloaded from the page follows the page's language.
    reader = app.test_client()
    reader.post("/language", data={"lang": "en", "next": "/"})
    assert "SUMMARY:City dialogue: water" in reader.get(f"/dialogues/{d.slug}.ics").get_data(as_text=True)
    assert "SUMMARY:Stadsgesprek water" in app.test_client().get(f"/dialogues/{d.slug}.ics").get_data(as_text=True)
