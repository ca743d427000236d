"""The key pages of every role, in Dutch and English, at 1280 px and on a 375 px phone: each one
answers, is no wider than the screen, lays its alerts out as the NL Design System intends, and is
saved under tests/e2e/screenshots/ (not committed) for a person to look at before calling it done."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallKind
from mvi_challenges.core.db import db

from ..factories import (
    PASSWORD,
    add_partners,
    close_phase,
    login,
    mailed_link,
    make_call,
    make_dialogue,
    make_library,
    make_proposal,
    make_user,
    pick_criteria,
)
from ..monitoring.test_talks import build_world as build_talks_world

pytestmark = pytest.mark.usefixtures("catalogue")
SHOTS = Path(__file__).parent / "screenshots"
WIDTHS = (1280, 375)
# An English title with long words, as a staff member might paste it: it must wrap, not widen a phone.
LONG_TITLE = ("Zero-emission construction logistics for the inner city of Utrecht: "
              "hubs, cargo bikes and Binnenstadsbevoorradingsvoertuigenelektrificatieprogramma")


def _world(app: Flask) -> dict[str, object]:
    english = make_call(app, title="Zero-emissie bouwlogistiek binnenstad")
    with app.app_context():
        call = db.session.get(Call, english.id)
        call.title_en, call.summary_en = LONG_TITLE, "How do we bring building materials into the city without emissions?"
        call.body_source_en, call.body_html_en = "## The challenge\nFewer lorries.", "<h3>The challenge</h3><p>Fewer lorries.</p>"
        call.prize_text_en = "3 pilots of €15,000"
        db.session.commit()
    dutch = make_call(app, title="Catering Stadskantoor")
    judged = make_call(app, title="Hittestress Overvecht", closes_in=dt.timedelta(days=3))
    dialogue = make_dialogue(app, title="Hoe koopt Utrecht eerlijk in?")
    entrepreneur, resident = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.CITIZEN)
    staff, admin, jury = make_user(app, Role.STAFF), make_user(app, Role.ADMIN, Role.STAFF), make_user(app, Role.JURY)
    made = make_proposal(app, entrepreneur, english, title="Stille vrachtfietshub", submit=True)
    # A consortium: a confirmed partner with a long name, and an invitation waiting for an answer.
    partner = make_user(app, Role.ENTREPRENEUR, organisation_name="Kennisinstituut Stadsklimaat Utrecht")
    invitee = make_user(app, Role.ENTREPRENEUR, organisation_name="Sociale Onderneming Groene Handen")
    add_partners(app, made, [(partner, 300_000)])
    client_csrf = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = False
    lead = app.test_client()
    login(lead, entrepreneur)
    lead.post(f"/proposals/{made.id}/consortium", data={"email": invitee.email, "kvk_number": "",
                                                       "role": "Werk voor mensen met afstand", "share": "1.000"})
    app.config["WTF_CSRF_ENABLED"] = client_csrf
    invitation = mailed_link(app, invitee.email, "/consortium/invitations/")
    other = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, other, judged, title="Koele daken", submit=True)
    close_phase(app, judged)
    csrf = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = False  # staff seat the jury through the test client
    client = app.test_client()
    login(client, staff)
    client.post(f"/staff/calls/{judged.id}/phases/1/jury", data={"email": jury.email, "is_chair": "y"})
    app.config["WTF_CSRF_ENABLED"] = csrf
    from ..calls.test_stages import make_staged_call, pitch_decided

    staged = pitch_decided(app, publish=True).call  # a challenge in rounds with its winners published
    partnership = make_staged_call(app, CallKind.PARTNERSHIP, title="Circulaire kademuren")
    app.config["WTF_CSRF_ENABLED"] = False  # the selection's jury, to be carried over to the next stage
    client.post(f"/staff/calls/{partnership.id}/phases/1/jury", data={"email": jury.email, "is_chair": "y"})
    client.post(f"/staff/calls/{partnership.id}/phases/1/jury", data={"email": admin.email})
    app.config["WTF_CSRF_ENABLED"] = csrf
    talks = build_talks_world(app)  # a manager's and a department's result talk of 2025, with figures
    consultation = _consultation(app, entrepreneur)
    _pipeline_and_lessons(app, judged.id)
    # The criteria library comes after these calls were published (a draft in a category with a
    # library is only published after choosing); the English call picks from it (level 3).
    library = make_library(app)
    pick_criteria(app, english.id, [library.criteria[code] for code in ("MOB-1", "MOB-2", "MOB-3", "MOB-3I")])
    return {"staged": staged, "partnership": partnership, "library": library, "english": english, "dutch": dutch,
            "judged": judged, "dialogue": dialogue,
            "proposal": made, "talks": talks, "consultation": consultation, "invitation": invitation,
            "users": {"entrepreneur": entrepreneur, "resident": resident, "jury": jury, "staff": staff,
                      "admin": admin, "partner": partner, "invitee": invitee}}


def _consultation(app: Flask, answerer) -> dict[str, object]:
    """An open market consultation with the entrepreneur's draft answer, and one with its summary."""
    from mvi_challenges.accounts.models import User
    from mvi_challenges.consultations import services
    from mvi_challenges.consultations.models import ConsultationStatus
    from mvi_challenges.core.timezones import now_utc
    from mvi_challenges.dialogues.models import Disposition

    with app.app_context():
        now = now_utc()
        questions = ["Welke circulaire verhardingen heeft u toegepast, en waar precies in Nederland?",
                     "Welke looptijd van het contract maakt hergebruik rendabel?"]
        open_ = services.save_consultation(
            db.session, None, None, title="Marktconsultatie circulaire fietspaden 2027–2031",
            body_source="Wij zoeken **circulaire** materialen.", category=None, closes_at=now + dt.timedelta(days=9),
            questions=questions, follow_up_call=None, now=now)
        services.transition_consultation(db.session, None, open_, ConsultationStatus.OPEN, now)
        services.save_answers(db.session, db.session.get(User, answerer.id), open_, {1: "Gerecycled asfalt"},
                              submit=False, now=now)
        held = services.save_consultation(
            db.session, None, None, title="Marktconsultatie zero-emissie bouwlogistiek", body_source="Vooraf.",
            category=None, closes_at=now + dt.timedelta(days=1), questions=questions, follow_up_call=None, now=now)
        services.transition_consultation(db.session, None, held, ConsultationStatus.OPEN, now)
        services.save_answers(db.session, db.session.get(User, answerer.id), held,
                              {1: "Elektrische bakwagens tot 12 ton; zwaardere voertuigen pas vanaf 2028 leverbaar.",
                               2: "Vier jaar, met een optie op twee keer twee jaar."}, submit=True, now=now)
        held.closes_at = now - dt.timedelta(hours=1)
        services.save_summary(db.session, None, held, summary_source="Twee bedrijven antwoordden.",
                              themes=[services.ThemeInput("Voertuigen", Disposition.ADOPTED, "Bakwagens en fietsen."),
                                      services.ThemeInput("Venstertijden", Disposition.CONSIDERED, "Volgt later.")],
                              now=now)
        db.session.commit()
        return {"open": open_.slug, "open_id": open_.id, "held": held.slug, "held_id": held.id}


def _pipeline_and_lessons(app: Flask, call_id: int) -> None:
    """A public plan, an internal one and a lesson: the pipeline's and lessons' pages have content."""
    from sqlalchemy import select

    from mvi_challenges.catalogue.models import Category, SocialValue
    from mvi_challenges.core.timezones import now_utc
    from mvi_challenges.lessons.models import LessonMoment
    from mvi_challenges.lessons.services import LessonInput, save_lesson
    from mvi_challenges.pipeline.models import ValueClass
    from mvi_challenges.pipeline.services import PlanInput, save_planned_purchase

    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "mobiliteit"))
        values = list(db.session.scalars(select(SocialValue).limit(2)))
        for title, public in (("Elektrische veegwagens en laadinfrastructuur voor de stadsreiniging", True),
                              ("Deelfietsen voor medewerkers", False)):
            save_planned_purchase(db.session, None, None, PlanInput(
                title=title, description="Vier emissievrije veegwagens met laadpunten; marktconsultatie vooraf.",
                category=category, expected_year=now_utc().year + 1, expected_quarter=2,
                value_class=ValueClass.FROM_221K, intended_level=3, social_values=values, is_public=public,
                contact_name="Ilse", contact_email="ilse@utrecht.example"))
        save_lesson(db.session, None, None, LessonInput(
            title="Vroeg de markt spreken loont", moment=LessonMoment.EXPERIMENT_ENDED,
            recorded_on=dt.date(2026, 3, 1), social_value=values[0], what_worked="Marktconsultatie vooraf.",
            what_did_not="Te korte termijn voor de pilot.", call=db.session.get(Call, call_id), is_public=True))
        db.session.commit()


def _pages(world: dict[str, object]) -> dict[str, list[str]]:
    english, dutch, judged = world["english"], world["dutch"], world["judged"]
    dialogue, proposal, consultation = world["dialogue"], world["proposal"], world["consultation"]
    staged, partnership = world["staged"], world["partnership"]
    public = ["/", "/calls", f"/calls/{english.slug}", f"/calls/{dutch.slug}", "/dialogues",
              f"/dialogues/{dialogue.slug}", "/monitoring", "/categories/mobiliteit", "/consultations",
              f"/consultations/{consultation['open']}", f"/calls/{staged.slug}", f"/calls/{staged.slug}/winners",
              f"/calls/{partnership.slug}", "/pipeline", "/pipeline/follow", "/lessons", "/lessons/1"]
    return {
        "anonymous": [*public, "/account/register", "/account/login"],
        "entrepreneur": ["/my", f"/calls/{english.slug}", f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/edit",
                         f"/consultations/{consultation['open']}/answers", f"/proposals/{proposal.id}/consortium"],
        "partner": [f"/proposals/{proposal.id}", "/my/proposals"],
        "invitee": [world["invitation"]],
        "resident": ["/my", f"/dialogues/{dialogue.slug}"],
        "jury": ["/my", "/jury"],
        "staff": ["/my", "/staff/calls", f"/staff/calls/{english.id}", f"/staff/calls/{english.id}/edit",
                  f"/staff/calls/{english.id}/criteria", f"/staff/calls/{judged.id}/phases/1/jury",
                  "/staff/monitoring", "/staff/monitoring/talks?year=2025",
                  f"/staff/monitoring/talks/managers/{world['talks'].anna}?year=2025",
                  f"/staff/monitoring/talks/departments/{world['talks'].ruimte}?year=2025",
                  "/staff/consultations", "/staff/consultations/new", f"/staff/consultations/{consultation['open_id']}",
                  f"/staff/consultations/{consultation['held_id']}/responses",
                  f"/staff/consultations/{consultation['held_id']}/summary", f"/staff/calls/{staged.id}",
                  f"/staff/calls/{staged.id}/phases/2", f"/staff/calls/{staged.id}/stages/2/pitch",
                  f"/staff/calls/{partnership.id}/phases/2", f"/staff/calls/{partnership.id}/phases/2/jury",
                  "/staff/pipeline", "/staff/pipeline/new",
                  "/staff/pipeline/1", "/staff/lessons", "/staff/lessons/new", "/staff/lessons/1"],
        "admin": ["/my", "/admin/users", "/admin/audit", "/admin/library/", "/admin/library/principles",
                  f"/admin/library/criteria/{world['library'].criteria['MOB-3']}", "/admin/library/import",
                  f"/admin/library/principles/{world['library'].principles['schoon']}"],
    }


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()


def _problems(page: Page, path: str) -> list[str]:
    """What a person would see as broken on this page."""
    problems = []
    scroll, screen = page.evaluate("() => [document.documentElement.scrollWidth, screen.width]")
    if scroll > screen:
        problems.append(f"{path}: {scroll} px wide on a {screen} px screen")
    # An alert whose heading, text and list sit side by side in a row: its content is not in the
    # design system's message box.
    loose = page.evaluate("""() => [...document.querySelectorAll('.utrecht-alert')]
        .filter(a => !a.querySelector(':scope > .utrecht-alert__content > .utrecht-alert__message'))
        .map(a => a.className)""")
    problems += [f"{path}: alert without its message box ({name})" for name in loose]
    return problems


def _visit(page: Page, paths: list[str], role: str, lang: str, width: int) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{role} {lang} {width}: {path} → {response.status}"
        problems += [f"{role} {lang} {width}: {problem}" for problem in _problems(page, path)]
        slug = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SHOTS / f"{role}-{lang}-{slug}-{width}.png"), full_page=True)
    return problems


def test_key_pages_of_every_role_in_both_languages_at_desktop_and_phone_width(
        app: Flask, browser, live_server: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    world = _world(app)
    app.config["WTF_CSRF_ENABLED"] = True
    problems: list[str] = []
    for role, paths in _pages(world).items():
        for width in WIDTHS:
            context = browser.new_context(
                base_url=live_server, viewport={"width": width, "height": 900}, screen={"width": width, "height": 900},
                is_mobile=width < 400, has_touch=width < 400)
            context.set_default_timeout(10_000)
            page = context.new_page()
            if role != "anonymous":
                _log_in(page, world["users"][role].email)
            for lang in ("nl", "en"):
                page.goto(f"/language?lang={lang}&next=/")
                problems += _visit(page, paths, role, lang, width)
            context.close()
    assert problems == [], "\n".join(problems)


def test_the_english_call_page_reads_english_and_marks_a_dutch_only_call(app: Flask, page: Page) -> None:
    world = _world(app)
    page.goto("/language?lang=en&next=/")
    page.goto(f"/calls/{world['english'].slug}")
    expect(page.locator("h1")).to_have_text(LONG_TITLE)
    expect(page.locator("h1")).to_have_attribute("lang", "en")
    page.goto(f"/calls/{world['dutch'].slug}")
    expect(page.locator("h1")).to_have_attribute("lang", "nl")
    expect(page.get_by_text("This call is only available in Dutch.")).to_be_visible()


def test_the_error_summary_lists_its_errors_below_its_heading(app: Flask, page: Page) -> None:
    """The summary's heading and its list of errors stack, as the design system's alert lays them
    out; as plain children of the alert's flex row they stood side by side."""
    page.goto("/account/register")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary h2")).to_be_visible()
    page.wait_for_load_state("load")  # measured before the stylesheets apply, the page is laid out unstyled
    heading = page.locator(".error-summary h2").bounding_box()
    first_error = page.locator(".error-summary li").first.bounding_box()
    assert heading is not None and first_error is not None
    assert first_error["y"] >= heading["y"] + heading["height"], (heading, first_error)


def test_the_page_header_shows_the_logo_and_the_favicon_is_served(app: Flask, page: Page) -> None:
    page.goto("/")
    logo = page.get_by_role("img", name="Gemeente Utrecht")
    expect(logo).to_be_visible()
    box = logo.bounding_box()
    assert box is not None and box["height"] >= 40  # drawn at a readable size, not squeezed
    expect(page.locator("header.utrecht-page-header")).to_be_visible()
    icon = page.locator("link[rel=icon][type='image/svg+xml']").get_attribute("href")
    assert page.request.get(icon).headers["content-type"].startswith("image/svg+xml")
    response = page.request.get("/favicon.ico")
    assert response.status == 200 and response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_monitoring_charts_are_legible_on_a_phone(app: Flask, browser, live_server: str) -> None:
    """Chart labels keep a readable size at 375 px (a scaled-down drawing printed them at 7 px)."""
    make_call(app, title="Zero-emissie bouwlogistiek binnenstad")
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800},
                                  screen={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.goto("/monitoring")
    sizes = page.evaluate("""() => [...document.querySelectorAll('.chart__label')]
        .map(t => t.getBoundingClientRect().height)""")
    assert sizes and min(sizes) >= 14, sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "anonymous-nl-monitoring-charts-375.png"), full_page=True)
    context.close()
