"""No N+1: every key page sends a fixed number of queries, however many rows it shows.

Each list is read with a small page size twice: on a full page and on its last, shorter page. The counts must be equal and within the budget; an
N+1 would add a query per row shown and break both. Before changing a budget, look at the
statements the failure prints.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from flask import Flask

from mvi_challenges.core.db import db
from mvi_challenges.infra import fingerprint_cache
from tests.perf.conftest import counted_queries

PAGE_SIZE = 4


def _count(app: Flask, client, url: str) -> tuple[int, list[str], bytes]:
    with app.app_context():
        engine = db.engine
    with counted_queries(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), statements, response.data


@pytest.fixture
def small_pages(app: Flask):
    app.config["PAGE_SIZE"] = PAGE_SIZE
    yield
    app.config["PAGE_SIZE"] = 20


# (full page, page with fewer rows, budget)
LISTS = {
    # The version of the public calls, the page's keys, its cards (calls with their category; their
    # phases and social values in one query: calls/cards.py) and, the first time for that version,
    # the filter's categories and social values (one query) and the count (calls/kept_counts.py;
    # later requests skip both: test_call_list_kept_choices_and_count below).
    "call list": ("/calls?page=2", "/calls?page=8", 6),
    "call list, filtered": ("/calls?kind=challenge&page=2", "/calls?kind=challenge&page=5", 6),
    "call list, text search": ("/calls?q=uitvraag&page=2", "/calls?q=uitvraag&page=8", 6),
    # The version of the public dialogues, the page's rows and, the first time for that version, the
    # themes, the count and when a dialogue next ends (dialogues/kept_counts.py). The past list shows
    # no seats left, so it reads no registrations.
    "dialogue list": ("/dialogues?when=past", "/dialogues?when=past&page=2", 5),
    # The page's keys, their count and the calls as plain rows: the calls with their category and
    # department, their phases with their criteria, social values, and library criteria and documents
    # only when a call of the page has any (api/queries.py).
    "API call list": ("/api/v1/calls?per_page=4&page=2", "/api/v1/calls?per_page=4&page=8", 6),
    # OCDS: the page's call keys, their count and the stored releases (api/releases.py writes them
    # when a call changes; the page only concatenates their JSON).
    "OCDS package": ("/api/v1/ocds/releases.json?per_page=4&page=2", "/api/v1/ocds/releases.json?per_page=4&page=8",
                     3),
}


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_constant(app: Flask, client, bench_world: SimpleNamespace, small_pages, name: str) -> None:
    full_url, short_url, budget = LISTS[name]
    full, full_statements, _ = _count(app, client, full_url)
    short, short_statements, _ = _count(app, client, short_url)
    # Equal, or fewer on the short page: a selectin loader skips its query when no row shown has
    # that relation (no department, no contract). An N+1 adds queries with rows instead.
    assert short <= full, (name, full_statements, short_statements)
    assert full <= budget, (name, full, full_statements)


# Once their values are kept (and until a call or phase changes, or a phase opens or closes: the
# tests of calls/kept_counts.py): the version of the public calls, the page's keys, its cards and
# their phases and social values. The home page only reads the version. The dialogue list (same for
# dialogues: dialogues/kept_counts.py): the version and the page's rows, and for upcoming dialogues
# their confirmed registrations (the seats left).
WARM_LIST_PAGES = {"call list": ("/calls?page=2", 4), "call list, filtered": ("/calls?kind=challenge&level=3", 4),
                   "call list, open": ("/calls?state=open", 4), "text search": ("/calls?q=uitvraag", 4),
                   "home": ("/", 1), "dialogue list, past": ("/dialogues?when=past", 2),
                   "dialogue list, upcoming": ("/dialogues?kind=city", 3)}


@pytest.mark.parametrize("name", WARM_LIST_PAGES)
def test_list_kept_choices_and_count(app: Flask, client, bench_world: SimpleNamespace, name: str) -> None:
    url, budget = WARM_LIST_PAGES[name]
    with app.app_context():
        fingerprint_cache.forget_all()
    cold, cold_statements, _ = _count(app, client, url)
    warm, statements, _ = _count(app, client, url)
    assert cold > warm, (cold_statements, statements)
    assert warm <= budget, (name, warm, statements)


PAGES = {
    # The first view for a version of the public calls: the version, the open calls' cards, the open
    # and upcoming calls counted in one query and when the clock next changes them (calls/cards.py).
    "home": ("/", 4),
    # The first view of a selection after a change: the figures (one grouped query each), the data
    # version, the filters' choices and when the clock next changes a figure (monitoring/views.py).
    "dashboard": ("/monitoring", 24),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_within_budget(app: Flask, client, bench_world: SimpleNamespace, name: str) -> None:
    url, budget = PAGES[name]
    count, statements, _ = _count(app, client, url)
    assert count <= budget, (name, count, statements)


@pytest.mark.parametrize("url", ["/monitoring", "/monitoring?category=ict", "/monitoring/tables/targets.csv"])
def test_dashboard_kept_figures_cost_one_query(app: Flask, client, bench_world: SimpleNamespace, url: str) -> None:
    """Until the data changes, the dashboard and its CSV files read only the data's version
    (monitoring/figures_version.py; tests/monitoring/test_dashboard_cache.py shows changes at once)."""
    with app.app_context():
        fingerprint_cache.forget_all()
    first, _statements, _ = _count(app, client, url)
    count, statements, _ = _count(app, client, url)
    assert first > 1 and count == 1, statements


# The call page (issue #20): the call with its department and, as EXISTS, whether it has documents,
# library criteria, published questions, clarification notes, consultations it follows from and a
# planned purchase (calls/panels.py: links); its phases with their criteria; its social values. A
# panel whose link is absent sends no query. A logged-in person adds themselves and whether they
# follow the call; an entrepreneur who may submit, also their own proposal in the open phase.
CALL_PAGE = {"anonymous": ("", 3), "entrepreneur": ("entrepreneur", 6), "citizen": ("citizen", 6)}


@pytest.mark.parametrize("name", CALL_PAGE)
def test_call_detail_query_count(app: Flask, bench_world: SimpleNamespace, name: str) -> None:
    who, budget = CALL_PAGE[name]
    client = app.test_client()
    if who:
        login = client.post("/account/login", data={"email": bench_world.emails[who], "password": bench_world.password})
        assert login.status_code == 302
    count, statements, body = _count(app, client, f"/calls/{bench_world.call_slug}")
    assert b'id="facts-heading"' in body and b'id="phases-heading"' in body  # the page itself
    assert count <= budget, (count, statements)


def test_jury_aggregation_query_count(app: Flask, client, bench_world: SimpleNamespace) -> None:
    """500 proposals × 9 members × 6 criteria: the ranking in a fixed number of queries, and once it
    has been aggregated (and until a score, declaration, consensus or decision changes) in a few
    small ones that only check whether anything changed."""
    login = client.post("/account/login", data={"email": bench_world.jury_email, "password": bench_world.password})
    assert login.status_code == 302
    url = f"/jury/phases/{bench_world.aggregation_phase_id}/results"
    cold, cold_statements, body = _count(app, client, url)
    assert body.count(b"<tr") >= 500
    assert cold <= 20, (cold, cold_statements)
    warm, warm_statements, again = _count(app, client, url)
    ranking = body.index(b'id="progress-heading"')
    assert again[again.index(b'id="progress-heading"'):] == body[ranking:]  # (the first also said "logged in")
    # the person, the phase with its call and criteria, the member, the jury's names, the fingerprint
    assert warm <= 5, (warm, warm_statements)
    first = re.search(rb"/results/(\d+)", body).group(1).decode()
    detail, detail_statements, page = _count(app, client, f"{url}/{first}")
    assert page.count(b'action="/jury/phases/') == 6  # the chair's consensus form per criterion
    assert detail <= 15, (detail, detail_statements)


# The pages of logged-in people at bench scale (issue #20), as the bench person who uses them:
# (person, url template, budget). The jury's phase page lists 500 proposals, the entrepreneur's
# organisation has its proposals in many calls, the staff call has 40 questions: an N+1 on any of
# them adds hundreds of queries.
LOGGED_IN = {
    # The user; the page's proposals with their call and phase joined (no selectin per relation) and
    # their count (a window count in the same query); the proposals the organisation is a consortium
    # partner in (one joined query); the organisation's name.
    "Mijn voorstellen": ("entrepreneur", "/my/proposals", 4),
    # The user; the proposal with its call and phase joined; its versions (numbers and times, no
    # texts); the consortium's partners (what is shown, and whether an invitation blocks submitting);
    # its attachments.
    "proposal form": ("entrepreneur", "/proposals/{editable_proposal}/edit", 5),
    # The user; the phase with its call and the member's seat; a page of 50 rows with the member's
    # standing over all 500 (window counts in the same query).
    "jury phase page": ("jury", "/jury/phases/{aggregation_phase_id}", 3),
    # The other members' final scores are one query of plain values (no sheets, members, users, criteria);
    # the phase comes with its call, criteria and the member's seat (declaration and sheet), the
    # proposal with its versions and organisation: the user, those two, the sheet's scores, the others'.
    "jury score sheet": ("jury", "/jury/phases/{aggregation_phase_id}/proposals/{jury_proposal}", 5),
    "staff call list": ("staff", "/staff/calls", 4),  # plain rows: the next deadline in SQL, no phases loaded
    # The user, the call, its phases with their criteria (joined: not a query per phase), its library
    # criteria, its documents; a published call skips the draft's publication problems (its social values).
    "staff call management": ("staff", "/staff/calls/{staff_call}", 5),
    # The user, the call with its phases joined, its questions.
    "staff questions": ("staff", "/staff/calls/{staff_call}/questions", 3),
    # + the explanations waiting for this manager's approval; + a count for the phases to decide: that
    # list is cut in SQL instead of loading every call and phase waiting for a decision. Plain rows:
    # no selectin loads of categories, organisations, versions or a record's call; the open calls
    # are asked only of people who may submit somewhere.
    # + the monitoring data's version and, when the kept lists are computed, when the next phase closes.
    "staff work list": ("staff", "/my", 16),
    # The person and their roles, the monitoring data's version, the three lists kept under it (read
    # after a change), whether the reader is a manager.
    "monitoring per manager": ("staff", "/staff/monitoring", 7),
    # Result talks: one grouped query per list; a talk reads its records, calls, approvers, contracts,
    # targets, updates and measurements once each, however many there are.
    "result talks": ("staff", "/staff/monitoring/talks", 6),
    "result talk of a department": ("staff", "/staff/monitoring/talks/departments/1", 12),
    "citizen's dialogues": ("citizen", "/my", 6),  # 6: dialogues as rows, no open calls' social values
    # A jury member's /my: their juries counted in three grouped queries, however many juries.
    "jury member's home": ("jury", "/my", 10),
    # The frame alone: the person with their roles; the menu asks its rights of that person, nothing
    # more (public/menu.py, tests/perf/test_frame.py).
    "logged-in page without content of its own": ("staff", "/privacy", 1),
    "a juror's page without content of its own": ("jury", "/accessibility", 1),
}


@pytest.mark.parametrize("name", LOGGED_IN)
def test_logged_in_page_query_count_within_budget(app: Flask, bench_world: SimpleNamespace, name: str) -> None:
    who, url, budget = LOGGED_IN[name]
    client = app.test_client()
    login = client.post("/account/login", data={"email": bench_world.emails[who], "password": bench_world.password})
    assert login.status_code == 302
    count, statements, _body = _count(app, client, url.format(**vars(bench_world)))
    assert count <= budget, (name, count, statements)


def test_staff_monitoring_keeps_its_lists_until_the_data_changes(app: Flask, bench_world: SimpleNamespace) -> None:
    """The awards awaiting a contract (a walk over every award), the entries lacking an explanation and
    the latest contracts are kept under the monitoring data's version (tests/monitoring/test_register.py
    and test_dashboard_cache.py: changes show at once)."""
    client = app.test_client()
    login = client.post("/account/login", data={"email": bench_world.emails["staff"], "password": bench_world.password})
    assert login.status_code == 302
    with app.app_context():
        fingerprint_cache.forget_all()
    first, _statements, body = _count(app, client, "/staff/monitoring")
    count, statements, again = _count(app, client, "/staff/monitoring")
    assert again.split(b"<h1", 1)[1] == body.split(b"<h1", 1)[1]  # (the first page after logging in greets)
    assert count == first - 3, statements
    assert not [s for s in statements if "proposal_versions" in s or "explanation" in s or "contracts" in s]


def test_staff_questions_render_forms_only_where_an_answer_is_needed(app: Flask, bench_world: SimpleNamespace) -> None:
    """Issue #20: the bench staff call has 40 questions, half answered. A WTForms form per question
    was the page's cost; only the unanswered ones get one, a published answer has its own edit page."""
    from sqlalchemy import select

    from mvi_challenges.proposals.models import Question

    with app.app_context():
        published = list(db.session.scalars(select(Question.id).where(
            Question.call_id == bench_world.staff_call, Question.published_at.is_not(None),
            Question.note_id.is_(None))))
        waiting = db.session.query(Question).filter(Question.call_id == bench_world.staff_call,
                                                    Question.published_at.is_(None)).count()
    assert published and waiting
    client = app.test_client()
    login = client.post("/account/login", data={"email": bench_world.emails["staff"], "password": bench_world.password})
    assert login.status_code == 302
    count, statements, body = _count(app, client, f"/staff/calls/{bench_world.staff_call}/questions")
    assert body.count(b"<textarea") == 2 * waiting  # the question and its answer, per unanswered question
    assert body.count(b'href="/staff/questions/') == len(published)
    assert count <= 3, (count, statements)
    count, statements, body = _count(app, client, f"/staff/questions/{published[0]}")
    assert body.count(b"<textarea") == 2
    assert count <= 4, (count, statements)


def test_ocds_package_of_100_releases_reads_stored_json(app: Flask, client, bench_world: SimpleNamespace) -> None:
    """The package concatenates stored releases: a page of 100 and more releases costs the page's keys,
    their count and one read of the stored JSON, however many stages, awards or contracts it holds."""
    count, statements, body = _count(app, client, "/api/v1/ocds/releases.json?per_page=100")
    releases = len(json.loads(body)["releases"])
    assert releases >= 100, releases
    assert count <= 4, (count, statements)


def test_staff_work_list_keeps_its_monitoring_lists_until_the_data_changes(app: Flask,
                                                                          bench_world: SimpleNamespace) -> None:
    """The explanations due, awards without a contract, phases to decide and contracts due are kept
    under the monitoring data's version (tests/public/test_my_home.py: changes show at once)."""
    client = app.test_client()
    login = client.post("/account/login", data={"email": bench_world.emails["staff"], "password": bench_world.password})
    assert login.status_code == 302
    first, _statements, _body = _count(app, client, "/my")
    kept, statements, _body = _count(app, client, "/my")
    assert kept <= first - 6, (first, kept, statements)
