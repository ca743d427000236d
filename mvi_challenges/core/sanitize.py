"""The only module that turns user text into HTML.

Users write Markdown. It is rendered by markdown-it-py with raw HTML disabled and then cleaned
by bleach with a strict allow-list, once, on write: models store the source and the clean HTML.
bleach is unmaintained upstream (6.4.0 is its last release); keeping it behind this one function
means a replacement such as nh3 only has to pass tests/test_sanitize.py.
"""

from __future__ import annotations

import html
import re

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

# h3/h4 rather than the design card's h2/h3: user text sits below the page's own h2 sections.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre"}
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

    Headings move down to h3/h4, so user text nests under the page's own h1 and h2 sections.
    """
    if not source:
        return ""
    html = _HEADING.sub(_shift_heading, _markdown.render(source))
    return clean_html(html).strip()


_HEADING = re.compile(r"<(/?)h([1-6])>")


def _shift_heading(match: re.Match[str]) -> str:
    level = 3 if match.group(2) in ("1", "2") else 4
    return f"<{match.group(1)}h{level}>"


def as_markup(clean: str | None) -> Markup:
    """Mark stored, already-cleaned HTML as safe for Jinja (the template filter `rich`)."""
    return Markup(clean or "")  # noqa: S704 - input is produced by render_markdown above


def plain_text(source: str | None) -> str:
    """Markdown as plain text, for places that show no HTML (a calendar event's description):
    rendered, then stripped of every tag, entities decoded, blank lines folded."""
    text = bleach.clean(render_markdown(source), tags=set(), strip=True)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
