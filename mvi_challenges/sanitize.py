"""The only module that turns user text into HTML.

Users write Markdown. It is rendered by markdown-it-py with raw HTML disabled and then cleaned
by bleach with a strict allow-list, once, on write: models store the source and the clean HTML.
bleach is unmaintained upstream (6.4.0 is its last release); keeping it behind this one function
means a replacement such as nh3 only has to pass tests/test_sanitize.py.
"""

from __future__ import annotations

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "blockquote", "code", "pre"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def clean_html(html: str) -> str:
    """Clean an HTML fragment to the allow-list (idempotent)."""
    return _cleaner.clean(html)


def render_markdown(source: str | None) -> str:
    """Markdown source → clean HTML string, ready to be stored beside the source.

    Headings h1 and h4–h6 are mapped onto the allowed h2/h3, so a page keeps one h1.
    """
    if not source:
        return ""
    html = _markdown.render(source)
    for level in (1,):
        html = html.replace(f"<h{level}>", "<h2>").replace(f"</h{level}>", "</h2>")
    for level in (4, 5, 6):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return clean_html(html).strip()


def as_markup(clean: str | None) -> Markup:
    """Mark stored, already-cleaned HTML as safe for Jinja (the template filter `rich`)."""
    return Markup(clean or "")  # noqa: S704 - input is produced by render_markdown above
