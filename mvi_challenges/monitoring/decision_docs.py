"""A decision document (documents.Document) written as ODT and as PDF.

ODT (OpenDocument Text) is the open standard the Dutch government prefers for documents
(Forum Standaardisatie, 'pas toe of leg uit'); odfpy writes it without an office suite. The PDF
is drawn with ReportLab, as the clarification notes are (notices/pdf.py), with `invariant`
output so the same content gives the same bytes. Both carry the same headings, facts and tables.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from odf.opendocument import OpenDocumentText
from odf.style import ParagraphProperties, Style, TableCellProperties, TableColumnProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, P
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable

from .documents import Document, Section

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


# --- ODT ----------------------------------------------------------------------------------------


def _odt_styles(doc: OpenDocumentText) -> dict[str, Style]:
    styles = {
        "title": Style(name="MviTitle", family="paragraph"),
        "subtitle": Style(name="MviSubtitle", family="paragraph"),
        "heading": Style(name="MviHeading", family="paragraph"),
        "label": Style(name="MviLabel", family="paragraph"),
        "cell": Style(name="MviCell", family="table-cell"),
        "column": Style(name="MviColumn", family="table-column"),
    }
    styles["title"].addElement(TextProperties(fontsize="18pt", fontweight="bold"))
    styles["title"].addElement(ParagraphProperties(marginbottom="0.2cm"))
    styles["subtitle"].addElement(TextProperties(fontsize="11pt", fontstyle="italic"))
    styles["heading"].addElement(TextProperties(fontsize="14pt", fontweight="bold"))
    styles["heading"].addElement(ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm", keepwithnext="always"))
    styles["label"].addElement(TextProperties(fontweight="bold"))
    styles["cell"].addElement(TableCellProperties(border="0.5pt solid #808080", padding="0.1cm"))
    styles["column"].addElement(TableColumnProperties(columnwidth="4cm"))
    for style in styles.values():
        doc.automaticstyles.addElement(style)
    return styles


def _odt_table(name: str, header: list[str] | None, rows: list[list[str]], styles: dict[str, Style]) -> Table:
    width = len(header) if header else len(rows[0])
    table = Table(name=name)
    table.addElement(TableColumn(numbercolumnsrepeated=width, stylename=styles["column"]))
    for row_number, cells in enumerate(([header] if header else []) + rows):
        row = TableRow()
        for column, value in enumerate(cells):
            cell = TableCell(valuetype="string", stylename=styles["cell"])
            bold = (header is not None and row_number == 0) or (header is None and column == 0)
            cell.addElement(P(text=value, stylename=styles["label"]) if bold else P(text=value))
            row.addElement(cell)
        table.addElement(row)
    return table


def to_odt(document: Document) -> bytes:
    doc = OpenDocumentText()
    styles = _odt_styles(doc)
    doc.text.addElement(P(text=document.title, stylename=styles["title"]))
    doc.text.addElement(P(text=document.subtitle, stylename=styles["subtitle"]))
    for number, section in enumerate(document.sections, start=1):
        doc.text.addElement(H(outlinelevel=2, text=section.heading, stylename=styles["heading"]))
        if section.facts:
            doc.text.addElement(_odt_table(f"Facts{number}", None, [list(f) for f in section.facts], styles))
        if section.columns and section.rows:
            doc.text.addElement(P())
            doc.text.addElement(_odt_table(f"Table{number}", section.columns, section.rows, styles))
        if section.text:
            doc.text.addElement(P(text=section.text))
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_table(rows: list[list[str]], styles, *, header: bool) -> PdfTable:
    cells = [[Paragraph(escape(value), styles["BodyText"]) for value in row] for row in rows]
    table = PdfTable(cells, repeatRows=1 if header else 0, hAlign="LEFT")
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    commands.append(("BACKGROUND", (0, 0), (-1, 0) if header else (0, -1), colors.whitesmoke))
    table.setStyle(commands)
    return table


def to_pdf(document: Document) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, title=document.title, author="Gemeente Utrecht",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
                            invariant=1)
    story: list = [Paragraph(escape(document.title), styles["Title"]),
                   Paragraph("<i>" + escape(document.subtitle) + "</i>", styles["Normal"]), Spacer(1, 4 * mm)]
    for section in document.sections:
        story.append(Paragraph(escape(section.heading), styles["Heading2"]))
        story.extend(_section_flowables(section, styles))
    pdf.build(story)
    return buffer.getvalue()


def _section_flowables(section: Section, styles) -> list:
    flowables: list = []
    if section.facts:
        flowables.append(_pdf_table([list(fact) for fact in section.facts], styles, header=False))
    if section.columns and section.rows:
        flowables += [Spacer(1, 3 * mm), _pdf_table([section.columns, *section.rows], styles, header=True)]
    if section.text:
        flowables += [Spacer(1, 2 * mm), Paragraph(escape(section.text), styles["Normal"])]
    return flowables
