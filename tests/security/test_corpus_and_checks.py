"""The corpus is what the README says it is, and the checker catches what it must: every XSS test
relies on `checks.problems`, so it is tested on pages that are known to be bad, and known to be
fine."""

from __future__ import annotations

import pytest

from .checks import problems
from .corpus import ESCAPES, all_payloads, csv_payloads, pack, payloads_by_file

PAGE = "<!doctype html><html><head><title>{title}</title>{head}</head><body><main>{body}</main></body></html>"


def _page(body: str = "", head: str = "", title: str = "Pagina") -> str:
    return PAGE.format(body=body, head=head, title=title)


def test_the_corpus_has_at_least_200_distinct_payloads_of_every_kind() -> None:
    payloads = all_payloads()
    assert len(payloads) >= 200
    assert len(set(payloads)) == len(payloads)
    assert all("\x00" not in p for p in payloads), "NUL is refused at the door (400), not a payload"
    files = payloads_by_file()
    assert set(files) == {"owasp_xss_filter_evasion", "payloadsallthethings_xss", "blns_script_injection",
                          "markdown", "template_injection", "csv_injection", "breakouts"}
    joined = "\n".join(payloads).lower()
    for needle in ("<script", "onerror=", "onload=", "onmouseover", "autofocus", "javascript:", "vbscript:",
                   "data:text/html", "<svg", "<math", "expression(", "<iframe", "<object", "<embed", "<base",
                   "http-equiv", "<form", '">', "'>", "](javascript:", "![", "<javascript:", "]: javascript:",
                   "&#106;", "{{7*7}}", "{% raw %}"):
        assert needle in joined, needle
    prefixes = {p[0] for p in csv_payloads()}
    assert prefixes >= {"=", "+", "-", "@", "\t", "\r"}
    assert any("\n" in p for p in payloads) and not any(token in joined for token in ESCAPES)


def test_packing_keeps_every_payload_that_fits() -> None:
    for limit in (80, 200, 5000):
        chunks = pack(limit)
        assert all(len(chunk) <= limit for chunk in chunks)
        fitting = [p for p in all_payloads() if len(p) <= limit]
        assert all(any(p in chunk for chunk in chunks) for p in fitting)


@pytest.mark.parametrize("body, head", [
    ("<script>alert(1)</script>", ""),
    ('<script src="https://evil.example/x.js"></script>', ""),
    ('<img src=x onerror="alert(1)">', ""),
    ("<svg><animate onbegin=alert(1) attributeName=x /></svg>", ""),
    ('<a href="  jav&#x09;ascript:alert(1)">x</a>', ""),
    ('<a href="VBScript:msgbox(1)">x</a>', ""),
    ('<iframe src="https://ok.example"></iframe>', ""),
    ('<object data="x"></object>', ""),
    ('<embed src="x">', ""),
    ('<form action="javascript:alert(1)"></form>', ""),
    ('<button formaction="javascript:alert(1)">x</button>', ""),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', ""),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ""),
    ('<div style="width: expression(alert(1))">x</div>', ""),
    ("<style>body{}</style>", ""),
    ("", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("", '<base href="https://evil.example/">'),
    ("", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    ("<p>ssti49ssti</p>", ""),
    ("<p>test-secret</p>", ""),
])
def test_the_checker_catches_known_bad_pages(body: str, head: str) -> None:
    assert problems(_page(body, head), "bad page")


def test_the_checker_passes_what_the_site_itself_does() -> None:
    body = ('<a href="/calls">x</a><a href="https://ok.example/?a=1&amp;b=2" title="javascript:x">y</a>'
            '<a href="mailto:a@example.org">m</a><form method="post" action="/x"><input value="javascript:alert(1)">'
            '<textarea>&lt;script&gt;alert(1)&lt;/script&gt;</textarea></form>'
            '<svg role="img"><title>t</title><g><rect width="10" height="10"></rect><text>1</text></g></svg>'
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">'
            '<p>&lt;img src=x onerror=alert(1)&gt; {{7*7}} ssti{{7*7}}ssti</p>'
            '<script src="/static/js/deadline.js" defer></script>')
    head = '<link rel="stylesheet" href="/static/css/site.css"><meta charset="utf-8">'
    assert problems(_page(body, head, title="&lt;/title&gt;"), "good page",
                    ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"]) == []


def test_the_checker_reports_a_payload_that_came_back_verbatim() -> None:
    payload = "<b onclick=x>hi</b>"
    assert problems(_page(payload.replace("onclick=x", "")), "page", [payload]) == []
    assert problems(_page(payload), "page", [payload])
