"""The menu shows each person their own state on every page, though it is rendered once per language,
rights and page (core/fragments.py, public/menu.py): the current page marked, the Manage group's
state, the person's name (escaped) and the request's own CSRF token in the logout form."""

from __future__ import annotations

import re

from flask import Flask

from mvi_challenges.accounts.models import Role

from ..factories import login, make_user


def _menu(html: str) -> str:
    return html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', html))


def test_the_current_page_is_marked_in_both_menus_and_only_there(app: Flask) -> None:
    client = app.test_client()
    for path, label in (("/calls", "Uitvragen"), ("/dialogues", "Gesprekken"), ("/", "Home")):
        menu = _menu(client.get(path).get_data(as_text=True))
        current = re.findall(r'<a class="site-nav__link" href="[^"]*" aria-current="page">([^<]*)</a>', menu)
        assert current == [label, label], (path, current)  # the bar and the folded menu


def test_staff_see_the_manage_group_open_on_a_management_page_only(app: Flask) -> None:
    staff = make_user(app, Role.STAFF)
    client = app.test_client()
    login(client, staff)
    managing = _menu(client.get("/staff/calls").get_data(as_text=True))
    assert managing.count('site-nav__summary" aria-current="true"') == 2
    assert managing.count('href="/staff/calls" aria-current="page"') == 2
    elsewhere = _menu(client.get("/calls").get_data(as_text=True))
    assert 'aria-current="true"' not in elsewhere and elsewhere.count('href="/staff/calls">') == 2
    citizen = make_user(app, Role.CITIZEN)
    other = app.test_client()
    login(other, citizen)
    assert "site-nav__summary" not in _menu(other.get("/calls").get_data(as_text=True))


def test_each_person_sees_their_own_name_escaped_and_their_own_token(app: Flask) -> None:
    first = make_user(app, Role.STAFF, name="Anna <b>de</b> Vries")
    second = make_user(app, Role.STAFF, name="Bert & Co")
    pages = {}
    for person in (first, second):
        client = app.test_client()
        login(client, person)
        client.get("/calls")  # the menu of this page is kept by now
        pages[person.name] = client.get("/calls").get_data(as_text=True)
    anna, bert = pages[first.name], pages[second.name]
    assert "(Anna &lt;b&gt;de&lt;/b&gt; Vries)" in _menu(anna) and "Bert" not in _menu(anna)
    assert "(Bert &amp; Co)" in _menu(bert) and "Anna" not in _menu(bert)
    # One token per page (the language switch's and the logout form's), each person their own.
    assert len(_tokens(anna)) == 1 and len(_tokens(bert)) == 1 and _tokens(anna) != _tokens(bert)
    assert _menu(anna).count(f'value="{next(iter(_tokens(anna)))}"') == 2  # logout, in both menus


def test_the_menu_follows_the_language(app: Flask) -> None:
    client = app.test_client()
    assert ">Calls<" not in _menu(client.get("/calls").get_data(as_text=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = client.get("/calls").get_data(as_text=True)
    assert ">Calls</a>" in _menu(english) and "Privacy statement" in english


def test_an_anonymous_page_starts_no_session(app: Flask) -> None:
    """The kept menu asks for no CSRF token when nobody is logged in: the page cache keeps only
    pages that touched no session (infra/page_cache.py)."""
    client = app.test_client()
    response = client.get("/calls")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert _tokens(response.get_data(as_text=True)) == set()


def test_the_language_switch_returns_to_this_very_page(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/calls?q=x&kind=challenge").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/calls?q=x&amp;kind=challenge">' in first
    second = client.get("/calls?q=y").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/calls?q=y">' in second
