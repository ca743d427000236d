from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from ..core.fields import Length
from .services import MAX_CHANGES_LENGTH


class NoteForm(FlaskForm):
    changes_source = TextAreaField(
        _l("Changes to the call (optional)"),
        description=_l("List what changes in the call, one point per line, in Markdown. Published in the note."),
        validators=[Length(max=MAX_CHANGES_LENGTH)], render_kw={"rows": 6})
    # The number the staff member saw: a second click of the same form is then refused.
    expected_number = HiddenField()
