"""The PDF of a clarification note, made with ReportLab.

ReportLab (BSD licence, maintained since 2000, wheels for every platform, no system libraries)
draws the document itself, so no browser or office suite is needed on the server. `invariant`
output leaves out the creation time and the random document id: the same note gives the same
bytes every time, so a downloaded copy can be compared byte for byte with a later download.
The text comes from the note's stored copy only; the built-in Helvetica covers the Dutch
alphabet (Windows-1252), which is what notes are written in.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ..core.formatting import local_datetime
from ..core.sanitize import plain_text
from .models import ClarificationNote


def _paragraphs(text: str, style) -> list[Paragraph]:
    """Plain text as paragraphs: blank lines separate them, single newlines stay line breaks."""
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return [Paragraph(escape(block).replace("\n", "<br/>"), style) for block in blocks]


def note_pdf(note: ClarificationNote) -> bytes:
    styles = getSampleStyleSheet()
    title = _("Clarification note %(n)d", n=note.number)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=f"{title} – {note.call.title}", author="Gemeente Utrecht",
                                 leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
                                 invariant=1)
    story: list = [Paragraph(escape(title), styles["Title"]),
                   Paragraph(escape(note.call.title), styles["Heading2"]),
                   Paragraph(escape(_("Issued on %(when)s", when=local_datetime(note.issued_at, "long"))),
                             styles["Normal"]),
                   Paragraph(escape(_("SHA-256 digest: %(digest)s", digest=note.digest)), styles["Normal"]),
                   Spacer(1, 6 * mm)]
    if note.changes_source:
        story.append(Paragraph(escape(_("Changes to the call")), styles["Heading2"]))
        story.extend(_paragraphs(plain_text(note.changes_source), styles["Normal"]))
    if note.items:
        story.append(Paragraph(escape(_("Questions and answers")), styles["Heading2"]))
    for item in note.items:
        story.append(Paragraph(escape(_("Question %(n)d", n=item.number)), styles["Heading3"]))
        story.extend(_paragraphs(item.question_text, styles["Normal"]))
        story.append(Paragraph("<b>" + escape(_("Answer")) + "</b>", styles["Normal"]))
        story.extend(_paragraphs(plain_text(item.answer_source), styles["Normal"]))
    document.build(story)
    return buffer.getvalue()
