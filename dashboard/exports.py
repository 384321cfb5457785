"""The action list, with its filters applied, as CSV (streamed) and as XLSX (openpyxl).

Both run one query for the rows, whatever their number, and use actionplans.rules for BRAG and days overdue.
Text that a spreadsheet would run as a formula is neutralised: in CSV with a leading apostrophe (``neutralise``),
in XLSX by storing it as a text cell with Excel's quote-prefix style, so a person sees the text as typed.
"""

import csv
import datetime
import io
import warnings

from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.choices import flatten_choices
from django.utils.formats import date_format
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from accounts.access import visible_evidence
from actionplans import rules
from actionplans.selectors import latest_progress, with_latest_progress
from dashboard import selectors

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


#: What each column holds, for the sheet that says what the export is (``about``).
COLUMN_NOTES = {
    "Review": "The serious case review's reference.",
    "Action plan": "The plan the action belongs to.",
    "Action": "The action's number in its plan.",
    "What will be done": "The action, as agreed in the plan.",
    "Lead agency": "The agency that leads the action.",
    "Responsible officer": "The person named as responsible, if any.",
    "Target date": "The date it is due now (a date).",
    "Original target date": "The date first agreed (a date).",
    "Target date moves": "How many times the target date was moved.",
    "Status": "Not started, in progress, completed, verified or cancelled.",
    "BRAG": f"Blue: verified. Red: overdue. Amber: due within {rules.DUE_SOON_DAYS} days. Green: the rest (on track, or "
            "completed and waiting to be verified). None for a cancelled action.",
    "Days overdue": "Days past the target date of an action not started or in progress (0 when not overdue).",
    "Evidence awaiting audit": "Evidence items you may see, submitted and not yet audited.",
    "Evidence accepted": "Evidence items you may see that the consultant accepted.",
    "Evidence rejected": "Evidence items you may see that the consultant rejected.",
    "Latest progress date": "When the latest progress note was recorded (a date).",
    "Latest progress by": "Who recorded it.",
    "Latest progress": "The start of that note.",
}
#: Excel's own table style: a shaded header row and banded rows, which every spreadsheet program draws.
TABLE_STYLE = "TableStyleMedium2"
WRAPPED = {"Action plan", "What will be done", "Latest progress"}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
WRAP = Alignment(vertical="top", wrap_text=True)


def xlsx_response(actions, filename, about):
    """The workbook: a first sheet saying what it holds and when it was made (``about``: (label, value) pairs from
    the view), then the actions as an Excel table (its header row frozen and styled, dates as dates, long text
    wrapped in columns wide enough for their header). Written row by row (openpyxl's write-only mode)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Actions")
    letters = [get_column_letter(index) for index in range(1, len(COLUMNS) + 1)]
    for letter, (name, width) in zip(letters, COLUMNS, strict=True):
        sheet.column_dimensions[letter].width = max(width, len(name) + 4)  # + the header's filter button
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.alignment = Font(bold=True), WRAP
        cell.fill = HEADER_FILL  # as well as the table style's, for a program that draws no table styles
        header.append(cell)
    sheet.append(header)
    wrapped = {index for index, (name, _) in enumerate(COLUMNS) if name in WRAPPED}
    count = 0
    for row in rows(actions.iterator(chunk_size=2000), dates_as_text=False):
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # stored as text even if it looks like a number or formula
                # Typed again in Excel, it stays text too: the quote-prefix style, not an apostrophe in the text.
                cell.quotePrefix = looks_like_formula(value)
                if index in wrapped:
                    cell.alignment = WRAP
            cells.append(cell)
        sheet.append(cells)
        count += 1
    # An Excel table over the header and the rows (one empty row when there are none: a table needs one).
    ref = f"A1:{letters[-1]}{count + 1 + (count == 0)}"
    table = Table(displayName="Actions", ref=ref, autoFilter=AutoFilter(ref=ref))
    # Named here: in write-only mode openpyxl cannot read them back from the header row.
    table.tableColumns = [TableColumn(id=index, name=name) for index, (name, _) in enumerate(COLUMNS, 1)]
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    with warnings.catch_warnings():
        # Given in write-only mode whether or not the columns were named, as they were above.
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually")
        sheet.add_table(table)
    _about_sheet(book.create_sheet("About this export", 0), [*about, ("Actions", count)])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _about_sheet(sheet, about):
    """The first sheet: a title, then what the export holds, when it was made and by whom, then each column."""
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 26, 90

    def line(label, value, *, bold=False):
        first, second = WriteOnlyCell(sheet, value=label), WriteOnlyCell(sheet, value=value)
        first.font = Font(bold=True)
        first.alignment = second.alignment = WRAP
        if isinstance(value, datetime.datetime):
            second.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, str):
            second.data_type = "s"
            second.quotePrefix = looks_like_formula(value)
            second.font = Font(bold=bold)
        sheet.append([first, second])

    title = WriteOnlyCell(sheet, value="Actions exported from scrsystem")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append(["The sheet “Actions” holds one row per action, in a table with one header row, in the order of "
                  "the list it was exported from. Dates are dates."])
    sheet.append([])
    for label, value in about:
        line(label, value)
    sheet.append([])
    line("Column", "What it holds", bold=True)
    for name, _ in COLUMNS:
        line(name, COLUMN_NOTES[name])


def about_export(user, action_filter, heading=None):
    """What the XLSX's first sheet says of an export: the board, what it holds (the actions ``user`` may see, or
    "My actions" under its ``heading``), the filters and order chosen, who made it and when (a date and time, in
    the board's time zone)."""
    if heading:
        what = f"My actions: {heading}"
    elif user.is_agency_user:
        what = f"Actions of the plans {user.agency} can see: every multi-agency plan and its own"
    else:
        what = "Actions of every plan"
    made = timezone.localtime().replace(tzinfo=None, microsecond=0)  # Excel knows no time zones: the local time
    return [
        ("Board", selectors.board_name()),
        ("What it holds", what),
        ("Filters", "; ".join(f"{label}: {value}" for label, value in described_filters(action_filter)) or "None"),
        ("Made", made),
        ("Time zone", timezone.get_current_timezone_name()),
        ("Made by", f"{user} ({user.get_role_display()}{f', {user.agency}' if user.agency_id else ''})"),
    ]


def described_filters(action_filter):
    """The filters and order of an action list's query, as (label, what was chosen), in the form's order."""
    form = action_filter.form
    described = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value in (None, ""):
            continue
        if isinstance(value, models.Model):
            shown = field.label_from_instance(value) if hasattr(field, "label_from_instance") else str(value)
        elif isinstance(value, datetime.date):
            shown = date_format(value, "j F Y")
        elif choices := getattr(field, "choices", None):
            shown = dict(flatten_choices(choices)).get(value, value)
        else:
            shown = str(value)
        described.append((str(field.label), str(shown)))
    return described
