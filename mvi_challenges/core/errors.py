"""Domain errors and the friendly error pages.

Services raise `DomainError` with a message a user can read (already translated with lazy
gettext); views turn it into a form error or a flash message. Anything else that goes wrong
becomes a plain, translated error page, never a stack trace.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; `message` is shown to the user, `field` names the input."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


NOT_SHOWN_BACK = frozenset({"csrf_token", "action", "next", "lang"})

ERROR_TEXTS = {
    400: (_l("Bad request"),
          _l("We could not process this request. Please check what you entered and try again.")),
    403: (_l("No access"),
          _l("You do not have permission to view this page. Log in with an account that has the right "
             "role, or go back to the home page.")),
    404: (_l("Page not found"), _l("This page does not exist (any more), or it is not published.")),
    405: (_l("Not allowed"), _l("This action is not possible on this page.")),
    409: (_l("Conflict"), _l("Someone changed this at the same time. Reload the page and try again.")),
    413: (_l("File too large"),
          _l("The upload is larger than allowed. Make the file smaller and try again; nothing you saved "
             "earlier is lost.")),
    429: (_l("Too many attempts"), _l("Please wait a moment before trying again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error occurred on our side. It has been logged; please try again later.")),
}


def render_error(code: int, detail: object | None = None, *,
                 back: tuple[str, object] | None = None) -> tuple[str, int]:
    """The error page, with `detail` saying why when known and `back` (url, label) a way back."""
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text, back=back), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        # Nothing was saved, but nothing typed may be lost: show it back, ready to copy.
        typed = [(name, value) for name, value in request.form.items()
                 if name not in NOT_SHOWN_BACK and "password" not in name and value.strip()]
        title, _text = ERROR_TEXTS[400]
        return render_template(
            "errors/error.html", code=400, title=title, typed=typed,
            text=_l("The form had expired or was sent from another site, so it was not saved. Copy what you "
                    "wrote below, go back, reload the page and send it again."),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_error(code if code in ERROR_TEXTS else 400)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def attach_to_form(form: object, error: DomainError) -> None:
    """Show a domain error next to its field, or above the form when it concerns the whole."""
    # A plain str: a lazy message counts as safe HTML in templates, and it may hold user text.
    message = str(error.message)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)  # type: ignore[attr-defined]


def status_for(form: object) -> int:
    """400 when a submitted form comes back with any error (nested rows included), else 200."""
    from .templating import form_error_list

    return 400 if form_error_list(form) else 200


def flash_form_errors(form: object) -> None:
    """For small forms that redirect back (buttons in a list): show their errors as messages."""
    from flask import flash

    from .templating import form_error_list

    for _field_id, message in form_error_list(form):
        flash(message, "error")
