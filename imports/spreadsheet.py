"""Reading an uploaded tracker into sheets of cells: XLSX with openpyxl, CSV with Python's csv module.

A workbook is loaded with ``data_only=False``, so a formula is read as the formula written (``=SUM(…)``), never as
a result: nothing in the file is evaluated, and the import can say which cells hold one. Merged cells are read as
a person sees them: a range merged down a column (a recommendation beside its three actions) gives its value to
every row it covers; a range merged across columns belongs to its first column only, so that a title or a section
heading does not spill into the columns beside it. Where the headings are (below a title block, say) and which rows
are data is decided here too: blank rows, total rows and section headings are set aside, with the reason.

tablib is not used: its XLSX reader loads workbooks with ``data_only=True`` in read-only mode, which turns formulas
into whatever result was last saved (none, for a file written by a program) and drops merged ranges.
"""

import csv
import dataclasses
import datetime
import io
import re
import warnings

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH

from imports.fields import normalise

#: The most data rows read from one sheet (a board's tracker has tens; a thousand is room to spare).
MAX_ROWS = 1000
#: The most columns read.
MAX_COLUMNS = 60
#: How far down the headings are looked for (a title block above them is usual).
HEADER_SEARCH_ROWS = 30
#: The first cell of a total row says so.
_TOTAL = re.compile(r"^(grand |sub ?)?totals?\b")


class Unreadable(ValueError):
    """The file is not a spreadsheet this import can read; the message says why, for the person uploading."""


@dataclasses.dataclass(frozen=True)
class Cell:
    value: object = None
    #: The cell holds a formula (``value`` is its text, as written).
    formula: bool = False
    #: Excel's number format, which tells a date serial from a number, and how many decimals a reference has.
    number_format: str = "General"
    #: The cell starts a range merged across columns (a title or a section heading across the row).
    merged_across: bool = False

    @property
    def empty(self):
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    def text(self):
        """The value as the person reads it, stripped; "" for an empty cell."""
        if self.empty:
            return ""
        if isinstance(self.value, datetime.datetime):
            return f"{self.value:%d/%m/%Y}" if self.value.time() == datetime.time() else f"{self.value:%d/%m/%Y %H:%M}"
        if isinstance(self.value, datetime.date):
            return f"{self.value:%d/%m/%Y}"
        if isinstance(self.value, float):
            decimals = re.fullmatch(r"0\.(0+)", self.number_format or "")
            if decimals:  # "2.10" typed into a cell formatted with two decimals is stored as 2.1
                return f"{self.value:.{len(decimals.group(1))}f}"
            return str(int(self.value)) if self.value.is_integer() else repr(self.value)
        return " ".join(str(self.value).split()) if "\n" not in str(self.value) else str(self.value).strip()


@dataclasses.dataclass
class Sheet:
    name: str
    #: rows[0] is the sheet's row 1; each row has ``width`` cells.
    rows: list
    width: int
    #: A sheet-wide problem (too many rows), or "".
    problem: str = ""
    #: The day Excel counts its date serials from (1899-12-30, or 1904-01-01 for a workbook from an old Mac).
    epoch: datetime.datetime = WINDOWS_EPOCH

    def heading_row(self, remembered, recognise):
        """The row number of the headings: the row among the first HEADER_SEARCH_ROWS with the most headings the
        import recognises (at least two), else the first row with anything in it; None for an empty sheet."""
        best, best_count, first = None, 1, None
        for number, row in enumerate(self.rows[:HEADER_SEARCH_ROWS], 1):
            if first is None and any(not cell.empty for cell in row):
                first = number
            count = sum(recognise(cell.text(), remembered) is not None for cell in row if not cell.empty)
            if count > best_count:
                best, best_count = number, count
        return best or first

    def headings(self, row_number):
        """[(column letter, heading as written)] of the columns with a heading on ``row_number``."""
        row = self.rows[row_number - 1]
        return [(get_column_letter(index), " ".join(cell.text().split())) for index, cell in enumerate(row, 1)
                if not cell.empty]


@dataclasses.dataclass(frozen=True)
class DataRow:
    number: int
    cells: dict  # {column letter: Cell}


def data_rows(sheet, heading_row, letters):
    """(rows to read, rows set aside) below ``heading_row``: DataRows, and [(row number, why)] for the blank rows
    between data, total rows, section headings and the headings repeated. ``letters``: the columns read."""
    rows, aside, blank = [], [], []
    headings = [cell.text() for cell in sheet.rows[heading_row - 1]]
    for number in range(heading_row + 1, len(sheet.rows) + 1):
        row = sheet.rows[number - 1]
        filled = [cell for cell in row if not cell.empty]
        if not filled:
            blank.append(number)
            continue
        aside.extend((row_number, "blank") for row_number in blank)
        blank = []
        first = normalise(filled[0].text())
        if _TOTAL.match(first):
            aside.append((number, "a total row"))
        elif [cell.text() for cell in row] == headings:
            aside.append((number, "the headings again"))
        elif len(filled) == 1 and filled[0].merged_across:
            aside.append((number, "a heading within the sheet"))
        else:
            index = {get_column_letter(i): cell for i, cell in enumerate(row, 1)}
            rows.append(DataRow(number, {letter: index.get(letter, Cell()) for letter in letters}))
    return rows, aside


# --- Reading the file ----------------------------------------------------------------------------------------


def read(fileobj, name):
    """The sheets of an XLSX or CSV file, in the workbook's order (hidden sheets and chart sheets left out)."""
    fileobj.seek(0)
    if name.lower().endswith(".csv"):
        return [_read_csv(fileobj.read(), name)]
    return _read_xlsx(fileobj)


def _read_xlsx(fileobj):
    try:
        with warnings.catch_warnings():
            # openpyxl warns of what it does not read (data validation extensions, slicers): nothing of ours.
            warnings.simplefilter("ignore", UserWarning)
            book = load_workbook(fileobj, data_only=False, keep_links=False, keep_vba=False, rich_text=False)
    except Exception as error:  # openpyxl raises many kinds (KeyError, zipfile's, its own) for a damaged file
        raise Unreadable("could not be read as an Excel workbook (.xlsx). Open it in Excel and save it again.") from error
    sheets = []
    for worksheet in book.worksheets:
        if worksheet.sheet_state != "visible":
            continue
        sheets.append(_sheet_of(worksheet, book.epoch))
    if not sheets:
        raise Unreadable("has no visible sheet to read.")
    return sheets


def _last_row_with_a_value(worksheet):
    # The cells the file holds (openpyxl's Worksheet._cells). Asking for rows up to max_row would make a cell for every
    # place of the rectangle: a million rows for a sheet formatted down to its last row.
    return max((row for (row, _), cell in worksheet._cells.items() if cell.value is not None), default=0)


def _sheet_of(worksheet, epoch):
    last = _last_row_with_a_value(worksheet)
    problem = ""
    limit = HEADER_SEARCH_ROWS + MAX_ROWS
    if last > limit:
        problem = (f"“{worksheet.title}” has rows down to row {last:,}: the import reads at most {MAX_ROWS:,} rows of "
                   "actions. Split the sheet, or delete the rows below the actions.")
        last = limit
    width = min(worksheet.max_column or 0, MAX_COLUMNS)
    rows = []
    for row in worksheet.iter_rows(min_row=1, max_row=last, max_col=width) if last and width else []:
        cells = []
        for cell in row:
            value = getattr(cell.value, "text", cell.value)  # an array formula's text
            formula = cell.data_type == "f"
            if formula and value is not None and not str(value).startswith("="):
                value = f"={value}"
            cells.append(Cell(value=value, formula=formula, number_format=cell.number_format or "General"))
        rows.append(cells)
    for merged in worksheet.merged_cells.ranges:
        top, left = merged.min_row, merged.min_col
        if top > len(rows) or left > width:
            continue
        start = rows[top - 1][left - 1]
        rows[top - 1][left - 1] = dataclasses.replace(start, merged_across=merged.max_col > left)
        for row_number in range(top + 1, min(merged.max_row, len(rows)) + 1):
            rows[row_number - 1][left - 1] = dataclasses.replace(start, merged_across=False)
    return Sheet(worksheet.title[:100], rows, width, problem, epoch)


def _decode(data):
    for encoding in ("utf-8-sig", "cp1252"):  # Excel saves "CSV (Comma delimited)" in Windows-1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("is not text in a character set the import knows (UTF-8 or Windows-1252).")


def _read_csv(data, name):
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise Unreadable(f"could not be read as CSV: {error}.") from error
    problem = ""
    if len(table) > HEADER_SEARCH_ROWS + MAX_ROWS:
        problem = f"“{name}” has {len(table):,} lines: the import reads at most {MAX_ROWS:,} rows of actions."
        table = table[: HEADER_SEARCH_ROWS + MAX_ROWS]
    width = min(max((len(row) for row in table), default=0), MAX_COLUMNS)
    rows = [[Cell(value=value or None) for value in (row + [""] * width)[:width]] for row in table]
    return Sheet(name[:100], rows, width, problem)
