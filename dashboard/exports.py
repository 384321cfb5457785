"""The action list, with its filters applied, as CSV (streamed) and as XLSX (openpyxl).

Both run one query for the rows, whatever their number, and use actionplans.rules for BRAG and days overdue.
Text that a spreadsheet would run as a formula is neutralised: in CSV with a leading apostrophe (``neutralise``),
in XLSX by storing it as a text cell with Excel's quote-prefix style, so a person sees the text as typed.
"""

import csv
import datetime
import io

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.access import visible_evidence
from actionplans import rules
from actionplans.selectors import latest_progress, with_latest_progress

#: Text starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    ("Review", 12),
    ("Action plan", 30),
    ("Action", 8),
    ("What will be done", 60),
    ("Lead agency", 24),
    ("Responsible officer", 22),
    ("Target date", 12),
    ("Original target date", 12),
    ("Target date moves", 8),
    ("Status", 12),
    ("BRAG", 8),
    ("Days overdue", 8),
    ("Evidence awaiting audit", 10),
    ("Evidence accepted", 10),
    ("Evidence rejected", 10),
    ("Latest progress date", 12),
    ("Latest progress by", 22),
    ("Latest progress", 60),
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """Prefix text a spreadsheet would evaluate (=, +, -, @, tab, CR first) with an apostrophe, so it stays text."""
    if looks_like_formula(value):
        return "'" + value
    return value


def export_queryset(actions, user):
    """The rows to export, in the list's order, with what they show joined in (one query)."""
    actions = actions.select_related("plan__review", "lead_agency", "responsible_officer")
    # Counted over the evidence this user may see: an agency sees nothing of other agencies' evidence.
    evidence = visible_evidence(user)

    def count(status):
        per_action = evidence.filter(action=OuterRef("pk"), status=status).order_by().values("action")
        return Coalesce(Subquery(per_action.annotate(n=Count("id")).values("n")), 0)

    return with_latest_progress(actions).annotate(
        evidence_submitted=count("submitted"),
        evidence_accepted=count("accepted"),
        evidence_rejected=count("rejected"),
    )


def looks_like_formula(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def rows(actions, *, dates_as_text):
    today = rules.today()
    for action in actions:
        latest = latest_progress(action)
        row = [
            action.plan.review.reference,
            action.plan.title,
            action.reference,
            action.description,
            action.lead_agency.name,
            str(action.responsible_officer) if action.responsible_officer else "",
            action.target_date.isoformat() if dates_as_text else action.target_date,
            action.original_target_date.isoformat() if dates_as_text else action.original_target_date,
            action.target_date_moves,
            action.get_status_display(),
            rating.short_label if (rating := action.brag(today)) else "None (cancelled)",
            action.days_overdue(today),
            action.evidence_submitted,
            action.evidence_accepted,
            action.evidence_rejected,
            (latest.on.isoformat() if dates_as_text else latest.on) if latest else None,
            latest.by if latest else None,
            latest.line if latest else None,
        ]
        yield row


class _Echo:
    def write(self, value):
        return value


def csv_response(actions, filename):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte-order mark, so Excel reads the file as UTF-8
        yield writer.writerow([name for name, _ in COLUMNS])
        for row in rows(actions.iterator(chunk_size=2000), dates_as_text=True):
            yield writer.writerow([neutralise(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(actions, filename):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Actions")
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows(actions.iterator(chunk_size=2000), dates_as_text=False):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # stored as text even if it looks like a number or formula
                # Typed again in Excel, it stays text too: the quote-prefix style, not an apostrophe in the text.
                cell.quotePrefix = looks_like_formula(value)
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
