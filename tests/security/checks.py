"""What "no XSS" means for a page or a mail, checked on the tree a browser would build (html5lib).

`problems(html, where)` lists every finding instead of stopping at the first, so one failing run
shows all the holes; `Findings` gathers them over many pages and fails once with a readable list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree import ElementTree

import html5lib

from .corpus import SECRET, SSTI_EVALUATED

# Elements user content must never produce. The site's own pages contain none of them.
FORBIDDEN_ELEMENTS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "bgsound", "portal", "style", "xss",
    # SVG elements that run script or rewrite attributes (the site's charts use svg, g, rect, text,
    # title and desc only).
    "animate", "set", "animatetransform", "animatemotion", "handler", "listener", "foreignobject", "use",
})
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "data", "poster", "background", "lowsrc", "dynsrc", "codebase",
    "cite", "ping", "srcset", "code", "longdesc", "manifest", "icon",
})
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:", "mocha:", "feed:")
SAFE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]")
DANGEROUS_CSS = ("expression(", "javascript:", "vbscript:", "url(", "behavior", "-moz-binding", "@import")
_C0 = "".join(chr(n) for n in range(0x21))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _url_problem(value: str) -> str | None:
    """What a browser would make of a URL attribute: tabs and newlines vanish anywhere, C0
    controls and spaces at the start are skipped, the scheme is case-insensitive."""
    url = re.sub(r"[\t\n\r]", "", value).lstrip(_C0).lower()
    if url.startswith(SCRIPT_SCHEMES):
        return "script URL"
    if url.startswith("data:") and not SAFE_DATA.match(url):
        return "data: URL"
    return None


def _snippet(element: ElementTree.Element) -> str:
    text = ElementTree.tostring(element, encoding="unicode", method="html")
    return re.sub(r"\s+", " ", text)[:160]


def problems(html: str, where: str, payloads: Iterable[str] = ()) -> list[str]:
    """Everything wrong with one HTML document (a page or an email's HTML part)."""
    found: list[str] = []
    root = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = _local(element.tag)
        attributes = {_local(name): value for name, value in element.attrib.items()}
        if tag == "script":
            own = attributes.get("src", "").startswith("/static/") and not (element.text or "").strip()
            if not own:
                found.append(f"{where}: <script> element: {_snippet(element)}")
        elif tag in FORBIDDEN_ELEMENTS:
            found.append(f"{where}: <{tag}> element: {_snippet(element)}")
        elif tag == "meta" and "http-equiv" in attributes:
            found.append(f"{where}: <meta http-equiv>: {_snippet(element)}")
        elif tag == "link" and not re.match(r"/[^/\\]", attributes.get("href", "")):
            found.append(f"{where}: <link> to elsewhere: {_snippet(element)}")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"{where}: event handler attribute {name}: {_snippet(element)}")
            elif name == "srcdoc":
                found.append(f"{where}: srcdoc attribute: {_snippet(element)}")
            elif name == "style" and any(token in re.sub(r"\s|/\*.*?\*/|\\", "", value.lower())
                                         for token in DANGEROUS_CSS):
                found.append(f"{where}: dangerous style attribute: {_snippet(element)}")
            elif name in URL_ATTRIBUTES:
                for part in (value.split(",") if name == "srcset" else [value]):
                    problem = _url_problem(part)
                    if problem:
                        found.append(f"{where}: {problem} in {name}: {_snippet(element)}")
    for evaluated in SSTI_EVALUATED:
        if evaluated in html:
            found.append(f"{where}: template injection evaluated ({evaluated})")
    if SECRET in html:
        found.append(f"{where}: the secret key is on the page")
    for payload in payloads:
        if "<" in payload and payload in html:
            found.append(f"{where}: payload not escaped: {payload[:80]!r}")
    return found


class Findings:
    """Problems gathered over many pages; `check()` fails once, listing them all (up to a point)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.pages = 0

    def page(self, response, where: str, payloads: Iterable[str] = (), *, status: int | tuple[int, ...] = 200) -> str:
        statuses = (status,) if isinstance(status, int) else status
        html = response.get_data(as_text=True)
        if response.status_code not in statuses:
            self.items.append(f"{where}: status {response.status_code}, expected {statuses}")
            return html
        self.html(html, where, payloads)
        return html

    def html(self, html: str, where: str, payloads: Iterable[str] = ()) -> None:
        self.pages += 1
        self.items.extend(problems(html, where, payloads))

    def add(self, message: str) -> None:
        self.items.append(message)

    def check(self) -> None:
        if self.items:
            shown = "\n".join(dict.fromkeys(self.items))  # unique, in order
            raise AssertionError(f"{len(self.items)} problems in {self.pages} documents:\n{shown[:12000]}")


def check_outbox(app, findings: Findings, payloads: Iterable[str] = ()) -> int:
    """Every queued mail: the HTML part passes the same checks as a page, and the subject (a mail
    header) holds no line break that could end the header. Returns the number of mails."""
    from sqlalchemy import select

    from mvi_challenges.core.db import db
    from mvi_challenges.core.outbox import OutboxEmail

    payloads = tuple(payloads)
    with app.app_context():
        emails = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        for email in emails:
            where = f"mail {email.id} ({email.subject[:50]!r})"
            if "\r" in email.subject or "\n" in email.subject:
                findings.add(f"{where}: line break in the subject header")
            if email.html_body:
                findings.html(email.html_body, where, payloads)
    return len(emails)
