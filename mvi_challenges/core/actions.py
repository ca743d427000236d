"""One way for a view to run a domain action (a service call) and answer the person.

Every view that changes something does the same: run the service; on a DomainError roll the
transaction back, show the message next to the field it concerns (or above the form, or as a
message when the action was a button without a form) and render the form again with everything
that was typed; on success commit and say so. `run_action` owns that pattern, so a view only
says what to run, which form shows the errors, what to say on success and where to go next:

    outcome = run_action(lambda: services.save_phase(...), form=form, success=_("Saved."))
    if outcome.ok:
        return redirect(...)
    return render_template(..., form=form), status_for(form)
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app, flash

from .db import db
from .errors import DomainError, attach_to_form
from .storage import Staging, get_storage
from .uploads import InspectedUpload, inspect_upload

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What came of an action: its value, or the DomainError that refused it."""

    value: T | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_action(action: Callable[[], T], *, form: Any = None, form_fields: Collection[str] | None = None,
               success: str | Callable[[T], str] | None = None, commit: bool = True, keep_refusal: bool = False,
               undo: Callable[[], None] | None = None, quiet: bool = False) -> Outcome[T]:
    """Run `action` as one transaction and tell the person how it went.

    - refused (DomainError): roll back, or commit with `keep_refusal` when the refusal is itself
      recorded (a wrong password is audited); call `undo` (a staged upload is discarded); put the
      message on `form` (next to its field, else above the form) or, without a form, flash it;
      with `form_fields`, only a refusal about one of those fields goes on the form (a button
      on a page with a small form: anything else is a message); with `quiet`, say nothing (a
      best-effort save whose refusal the page explains otherwise).
    - any other error: roll back, `undo`, and let it rise (the error page answers).
    - done: commit (unless `commit=False`: the view commits after steps of its own) and flash
      `success`, a text or a function of the action's value.
    """
    try:
        value = action()
        if commit:
            db.session.commit()  # inside: a commit that fails must also `undo`
    except DomainError as error:
        if keep_refusal:
            db.session.commit()
        else:
            db.session.rollback()
        if undo is not None:
            undo()
        if quiet:
            pass
        elif form is not None and (form_fields is None or error.field in form_fields):
            attach_to_form(form, error)
        else:
            flash(str(error.message), "error")
        return Outcome(error=error)
    except Exception:
        db.session.rollback()
        if undo is not None:
            undo()
        raise
    if success is not None:
        flash(success(value) if callable(success) else success, "success")
    return Outcome(value=value)


def run_upload(file: Any, store: Callable[[InspectedUpload, str], T], *, form: Any = None,
               success: str | None = None) -> Outcome[T]:
    """`run_action` for an uploaded file: check it by its content, stage it in storage and run
    `store(upload, storage_key)`. The staged file is kept only when the action succeeded; on a
    refusal or an error it is discarded, so storage never holds a file no row points to."""
    staging = Staging(get_storage(current_app.config))

    def action() -> T:
        upload = inspect_upload(file.stream, file.filename or "", current_app.config["MAX_DOCUMENT_BYTES"])
        return store(upload, staging.stage(upload.data).key)

    outcome = run_action(action, form=form, undo=staging.discard)
    if outcome.ok:
        staging.promote()
        if success is not None:
            flash(success, "success")
    return outcome
