"""Parts of the page frame rendered once per process: `kept_fragment(name, macro, *args, fill=...)`.

Every page paid for base.html's header, menu, head links and footer: some 37 links and 30 translations,
3,000 of the 5,600 Python calls of a logged-in page whose own content is one paragraph (issue #20).
What they show depends only on the language, the path prefix and the few plain values the template
passes (the person's rights, the current endpoint), so a macro's output is kept under exactly those
and written again as it was. The person's name, the forms' CSRF token and the language switch's
return path differ per request: they are passed in `fill`, rendered as placeholders once, and
escaped into the kept text each time, as `{{ value }}` would have been.

The rule that makes this correct: a kept macro reads nothing but its arguments, `_()` and `url_for`
(no `current_user`, no `request`, no `csrf_token()` inside it; an `include` only of a template
that does the same, such as the logo). With template auto-reload on (the development server)
nothing is kept, so an edited template shows at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Any

from flask.globals import _cv_request
from markupsafe import Markup, escape

from . import i18n

# A placeholder for the n-th value of `fill`: characters of Unicode's private use area, which no
# translation, link or escaped value of ours produces.
_HOLE = "\ue000{}\ue001"
_HOLES = re.compile("\ue000([0-9]+)\ue001")
# Languages, path prefixes, rights and endpoints: a few hundred in practice. Forgotten all at once
# when full, so a process never holds more than a few MB of them.
KEPT_FRAGMENTS_LIMIT = 2_000


def kept_fragment(name: str, macro: Callable[..., Any], *args: Hashable, fill: tuple[Any, ...] = ()) -> Markup:
    """`macro(*args, *fill)` as Markup, rendered once per language, path prefix and `args`."""
    context = _cv_request.get(None)
    if context is None or context.app.jinja_env.auto_reload:
        return Markup(macro(*args, *fill))  # noqa: S704 - a macro's output is Markup already
    extensions = context.app.extensions
    kept: dict[tuple[Any, ...], tuple[str, ...]] | None = extensions.get("mvi_kept_fragments")
    if kept is None or len(kept) >= KEPT_FRAGMENTS_LIMIT:
        kept = extensions["mvi_kept_fragments"] = {}
    key = (name, i18n.locale_name(), context.request.script_root, len(fill), *args)
    parts = kept.get(key)
    if parts is None:
        holes = [Markup(_HOLE.format(number)) for number in range(len(fill))]  # noqa: S704 - our own text
        # Text, number, text, number, ..., text: re.split keeps the captured hole numbers.
        parts = kept[key] = tuple(_HOLES.split(str(macro(*args, *holes))))
    if len(parts) == 1:
        return Markup(parts[0])  # noqa: S704 - rendered by the macro, escaped there
    pieces = [parts[0]]
    for index in range(1, len(parts), 2):
        pieces.append(escape(fill[int(parts[index])]))
        pieces.append(parts[index + 1])
    return Markup("".join(pieces))  # noqa: S704 - the macro's escaped text and escaped values
