"""Irreversible actions ask first: one helper for every view, one page for every question.

A button whose action cannot be undone posts as it always did. Its view starts with

    if (question := ask_first(title=..., consequences=[...], button=..., back_url=...)) is not None:
        return question

and, as long as the request does not carry `confirm=yes`, gets back a page that says what will
happen, with a button that sends the same form again (its fields kept, hidden) plus `confirm=yes`,
and a way back. Nothing changes until then; it works without JavaScript. The question is a normal
page (200), so a person who opens it by accident loses nothing by going back.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template, request
from flask.typing import ResponseReturnValue

CONFIRM_FIELD = "confirm"
_NOT_REPEATED = {"csrf_token", CONFIRM_FIELD}


def confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "yes"


def ask_first(*, title: str, consequences: Iterable[str], button: str, back_url: str,
              condition: bool = True) -> ResponseReturnValue | None:
    """None when the request is confirmed (or `condition` is false: nothing to ask); otherwise
    the confirmation page for this same form."""
    if not condition or confirmed():
        return None
    fields = [(name, value) for name, values in request.form.lists() if name not in _NOT_REPEATED
              for value in values]
    return render_template("confirm.html", title=title, consequences=list(consequences), button=button,
                           back_url=back_url, action=request.path, fields=fields)
