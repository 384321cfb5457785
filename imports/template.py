"""The downloadable template: an empty action plan with the headings the import reads, and a second sheet saying
what each column takes."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from imports.fields import TEMPLATE_HEADINGS, Field
from imports.values import STATUSES_SAID

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WIDTHS = {
    Field.REFERENCE: 11, Field.RECOMMENDATION_NUMBER: 6, Field.RECOMMENDATION_TEXT: 40, Field.DESCRIPTION: 50,
    Field.LEAD_AGENCY: 24, Field.RESPONSIBLE_OFFICER: 22, Field.TARGET_DATE: 12, Field.SUCCESS_MEASURE: 40,
    Field.STATUS: 13, Field.PROGRESS: 50,
}

GUIDANCE = {
    Field.REFERENCE: "The action's reference within the plan, e.g. 3.2. Required: rows are matched to the plan's "
                     "actions by it, so importing the same sheet again changes nothing.",
    Field.RECOMMENDATION_NUMBER: "The number of the review's recommendation the action answers, e.g. 3.",
    Field.RECOMMENDATION_TEXT: "The recommendation's text: needed only for a recommendation the review does not have "
                               "yet, which is then added (awaiting the board's response).",
    Field.DESCRIPTION: "What will be done. Required for a new action.",
    Field.LEAD_AGENCY: "The agency's name or short name, as the system knows it. Required for a new action of the "
                       "multi-agency plan; an agency's own plan is led by that agency.",
    Field.RESPONSIBLE_OFFICER: "A user of the lead agency: full name, user name or e-mail address. May be empty.",
    Field.TARGET_DATE: "A date, e.g. 31/03/2026. Required for a new action (TBC is not a date). A changed date of an "
                       "existing action is moved with the reason “imported from the spreadsheet”.",
    Field.SUCCESS_MEASURE: "How we will know it worked. Required for a new action.",
    Field.STATUS: f"{STATUSES_SAID}. Verified is the consultant's sign-off, never imported; the import cancels and "
                  "reinstates nothing.",
    Field.PROGRESS: "A progress note, recorded in the action's log once (not again when the sheet is imported again).",
}


def workbook():
    """The template as XLSX bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Action plan"
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for index, (heading, field) in enumerate(TEMPLATE_HEADINGS, 1):
        cell = sheet.cell(row=1, column=index, value=heading)
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = WIDTHS[field]
    sheet.freeze_panes = "A2"
    letters = {field: sheet.cell(row=1, column=index).column_letter
               for index, (_, field) in enumerate(TEMPLATE_HEADINGS, 1)}
    # Formats of whole columns, not of cells: the sheet holds no empty cells, so rows added go under the headings.
    sheet.column_dimensions[letters[Field.TARGET_DATE]].number_format = "dd/mm/yyyy"
    sheet.column_dimensions[letters[Field.REFERENCE]].number_format = "@"  # text: "2.10" stays 2.10
    status = DataValidation(type="list", formula1='"Not started,In progress,Completed,Cancelled"', allow_blank=True)
    status.add(f"{letters[Field.STATUS]}2:{letters[Field.STATUS]}201")
    sheet.add_data_validation(status)
    guide = book.create_sheet("How to fill it in")
    guide.append(["Column", "What to write"])
    for cell in guide[1]:
        cell.font, cell.fill = Font(bold=True), header_fill
    for heading, field in TEMPLATE_HEADINGS:
        guide.append([heading, GUIDANCE[field]])
    guide.append([])
    guide.append(["Other columns", "A RAG column is compared with the BRAG rating the system derives, and not imported; "
                                   "an Evidence column is not imported (the lead agency submits evidence on the "
                                   "action's page). Any other column can be matched to one of the above on the "
                                   "preview page."])
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 22, 100
    for row in guide.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
