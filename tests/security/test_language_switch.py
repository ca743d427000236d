"""The language button works on every page, for everyone.

The bug: a page opened before logging in (in another tab) had a button without a CSRF token; after
logging in, pressing it gave a 400 page. Anonymous pages now carry a GET form that only sets the
display language in the session: nothing to forge, nothing personal on the page.
"""

from __future__ import annotations

import re

from flask import Flask

from mvi_challenges.accounts.models import Role

from ..factories import make_user, page_text


def _language_form(html: str) -> tuple[str, dict[str, str]]:
    form = re.search(r'<form class="language-switch" method="(\w+)".*?</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    return form.group(1), fields


def test_a_page_opened_before_logging_in_still_switches_the_language(app: Flask, catalogue) -> None:
    person = make_user(app, Role.CITIZEN)
    app.config["WTF_CSRF_ENABLED"] = True  # the conftest switches it off again after the test
    browser = app.test_client()
    method, fields = _language_form(browser.get("/calls").get_data(as_text=True))  # tab 1, anonymous
    assert method == "get" and "csrf_token" not in fields
    login_page = browser.get("/account/login").get_data(as_text=True)  # tab 2: log in
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    assert browser.post("/account/login", data={"email": person.email, "password": person.password,
                                                "csrf_token": token}).status_code == 302
    switched = browser.get("/language", query_string=fields)  # tab 1's button
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/calls")
    assert "Calls" in page_text(browser.get("/calls"))
    method, fields = _language_form(browser.get("/calls").get_data(as_text=True))
    assert method == "post" and "csrf_token" in fields  # logged in: the choice is saved, with the token
    assert browser.post("/language", data=fields).status_code == 302
    assert "Uitvragen" in page_text(browser.get("/calls"))


def test_the_language_link_goes_only_to_this_site(app: Flask) -> None:
    visitor = app.test_client()
    away = visitor.get("/language", query_string={"lang": "en", "next": "https://evil.example/"})
    assert away.status_code == 302 and "evil.example" not in away.headers["Location"]
    assert visitor.get("/language", query_string={"lang": "xx", "next": "/"}).status_code == 302
