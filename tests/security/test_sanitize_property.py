"""Properties of the one sanitizer (mvi_challenges/core/sanitize.py), on generated input: random text
mixed with fragments of the payload corpus and Markdown/HTML syntax.

- `render_markdown` output is a fixed point of the cleaner: cleaning it again changes nothing
  (the HTML stored on write is exactly what a second clean on read would give);
- the cleaner itself is idempotent on arbitrary HTML;
- whatever goes in, the output has only allowed tags and attributes and no script URL.
"""

from __future__ import annotations

import html5lib
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mvi_challenges.core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_html, render_markdown

from .checks import problems
from .corpus import all_payloads

SYNTAX = ("[", "]", "(", ")", "](", "![", "<", ">", "</", "/>", "&", "&#", "&#x", ";", "&amp;", "&lt;", "\"", "'",
          "`", "```", "*", "**", "_", "#", "## ", "> ", "- ", "1. ", "\n", "\n\n", "    ", "\t", "\\", "=", ":",
          "javascript:", "JaVaScRiPt:", "data:", "vbscript:", "http://", "https://ok.example", "mailto:", "<a ",
          " href=", " onerror=", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "]]>", "&#106;", "&#x6A;",
          "&colon;", "\u00a0", "\u200b", "\ufeff", "\u2028", "é", "€")
PAYLOADS = all_payloads()


def _fragments_of(payload: str) -> st.SearchStrategy[str]:
    return st.integers(0, len(payload)).flatmap(
        lambda start: st.integers(start, len(payload)).map(lambda end: payload[start:end]))


PIECE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(SYNTAX),
    st.sampled_from(PAYLOADS),
    st.sampled_from(PAYLOADS).flatmap(_fragments_of),
)
SOURCE = st.lists(PIECE, max_size=10).map("".join).filter(lambda s: "\x00" not in s)
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    database=None, derandomize=True)


def _assert_allowed(fragment: str) -> None:
    tree = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        assert element.tag in ALLOWED_TAGS, (element.tag, fragment)
        assert set(element.attrib) <= set(ALLOWED_ATTRIBUTES.get(element.tag, ())), (element.attrib, fragment)
    assert not problems(f"<!doctype html><html><head><title>t</title></head><body>{fragment}</body></html>",
                        "render_markdown output"), fragment


@SETTINGS
@given(SOURCE)
@example("[x](javascript:alert(1))")
@example("<script>alert(1)</script>")
@example("&amp;lt;script&amp;gt;")
@example("[a](https://ok.example \"&quot;onmouseover=alert(1)\")")
def test_rendered_markdown_is_a_fixed_point_of_the_cleaner(source: str) -> None:
    once = render_markdown(source)
    assert clean_html(once) == once
    _assert_allowed(once)


@SETTINGS
@given(SOURCE)
@example('<a href="javascript:alert(1)" title="&quot;x">y</a>')
@example("<p><a href='https://ok.example'>x</a></p><img src=x onerror=alert(1)>")
def test_cleaning_html_twice_changes_nothing(source: str) -> None:
    once = clean_html(source)
    assert clean_html(once) == once
    _assert_allowed(once)
