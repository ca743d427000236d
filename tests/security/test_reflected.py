"""Reflected input: what a link or another site's form puts in a request comes back escaped.

Search boxes and filters echo the query string; the login form echoes `next` and the email
address; the CSRF error page shows back every typed field (so nothing is lost) — the one page an
attacker's cross-site form reaches for sure. Plus search terms are data, not SQL or LIKE patterns.
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.accounts.models import Role

from ..factories import make_call, make_user
from .checks import Findings
from .corpus import SAMPLE_STRIDE, all_payloads, markdown_document, pack


def test_query_strings_come_back_escaped(app: Flask, client, catalogue, admin) -> None:
    make_call(app, title="Fietsenstalling")
    payloads = all_payloads()
    findings = Findings()
    chunks = pack(200, single_line=True)
    for index, chunk in enumerate(chunks):
        findings.page(client.get("/calls", query_string={"q": chunk}), f"call search {index}", payloads)
        if index % SAMPLE_STRIDE:
            continue
        for url, params in (
            ("/calls", {"kind": chunk, "category": chunk, "level": chunk, "value": chunk, "state": chunk}),
            ("/dialogues", {"category": chunk, "kind": chunk, "past": chunk}),
            ("/monitoring", {"year": chunk, "category": chunk, "department": chunk}),
            ("/monitoring/register", {"year": chunk, "category": chunk, "department": chunk, "level": chunk,
                                      "below": chunk, "source": chunk}),
            ("/account/login", {"next": chunk}),
        ):
            findings.page(client.get(url, query_string=params), f"{url} with {index}", payloads)
        findings.page(admin.client.get("/admin/users", query_string={"q": chunk}), f"user search {index}", payloads)
        refused = client.post("/account/login", data={"email": chunk, "password": "fout", "next": chunk})
        findings.page(refused, f"refused login {index}", payloads, status=(200, 400))
    findings.check()


def test_the_csrf_error_page_shows_typed_text_escaped(app: Flask, catalogue) -> None:
    call = make_call(app)
    user = make_user(app, Role.ENTREPRENEUR)
    client = app.test_client()
    client.post("/account/login", data={"email": user.email, "password": user.password})
    app.config["WTF_CSRF_ENABLED"] = True  # the conftest switches it off again after the test
    findings = Findings()
    payloads = all_payloads()
    for index, text in enumerate(pack(20_000, separator="\n")):
        response = client.post(f"/calls/{call.slug}/questions", data={"text": text, "extra": markdown_document()})
        findings.page(response, f"CSRF error page {index}", payloads, status=400)
        if "<textarea" not in response.get_data(as_text=True):
            findings.add("the CSRF error page no longer shows the typed text (update this test)")
    findings.check()


def test_search_terms_are_data_not_sql_or_patterns(app: Flask, client, catalogue, admin) -> None:
    make_call(app, title="Fietsenstalling")
    for term in ("' OR '1'='1", "%", "_", "\\", "%' --", "'; DROP TABLE calls; --", "\" OR \"\"=\""):
        response = client.get("/calls", query_string={"q": term})
        assert response.status_code == 200, term
        assert "Fietsenstalling" not in response.get_data(as_text=True), f"{term!r} matched a call it does not contain"
        assert admin.client.get("/admin/users", query_string={"q": term}).status_code == 200
    assert "Fietsenstalling" in client.get("/calls", query_string={"q": "fiets"}).get_data(as_text=True)
