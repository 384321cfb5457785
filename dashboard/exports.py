"""The action list, with its filters applied, as CSV (streamed) and as XLSX (openpyxl).

Both run one query for the rows, whatever their number, and use actionplans.rules for BRAG and days overdue.
Text that a spreadsheet would run as a formula is neutralised (see ``neutralise``).
"""

import csv
import io

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.access import visible_evidence
from actionplans import rules

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
    ("Status", 12),
    ("BRAG", 8),
    ("Days overdue", 8),
    ("Evidence awaiting audit", 10),
    ("Evidence accepted", 10),
    ("Evidence rejected", 10),
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """Prefix text a spreadsheet would evaluate (=, +, -, @, tab, CR first) with an apostrophe, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
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

    return actions.annotate(
        evidence_submitted=count("submitted"),
        evidence_accepted=count("accepted"),
        evidence_rejected=count("rejected"),
    )


def rows(actions, *, dates_as_text):
    today = rules.today()
    for action in actions:
        row = [
            action.plan.review.reference,
            action.plan.title,
            action.reference,
            action.description,
            action.lead_agency.name,
            str(action.responsible_officer) if action.responsible_officer else "",
            action.target_date.isoformat() if dates_as_text else action.target_date,
            action.get_status_display(),
            rating.short_label if (rating := action.brag(today)) else "None (cancelled)",
            action.days_overdue(today),
            action.evidence_submitted,
            action.evidence_accepted,
            action.evidence_rejected,
        ]
        yield [neutralise(value) for value in row]


class _Echo:
    def write(self, value):
        return value


def csv_response(actions, filename):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte-order mark, so Excel reads the file as UTF-8
        yield writer.writerow([name for name, _ in COLUMNS])
        for row in rows(actions.iterator(chunk_size=2000), dates_as_text=True):
            yield writer.writerow(row)

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
    date_column = [name for name, _ in COLUMNS].index("Target date")
    for row in rows(actions.iterator(chunk_size=2000), dates_as_text=False):
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if index == date_column:
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # stored as text even if it looks like a number or formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
