"""The preview of an import: for each row of the chosen sheet, what it will create or change in the plan, and every
problem named by row and column in words. Nothing is written here; imports.services.import_confirm builds the same
preview again inside its transaction and writes exactly what it says.

Rows are matched to the plan's actions by reference. A cell left empty changes nothing of an existing action; a
value equal to the action's changes nothing either, and a progress note already in the action's log is not recorded
again, so that importing the same file twice changes nothing the second time. A row with a problem ("not a date",
"matches no agency") is not imported; a row with only notes (a RAG rating that differs from the derived BRAG, an
officer not found) is, and the notes say what was done instead.

The database is read with a fixed number of queries, whatever the number of rows.
"""

import dataclasses
import hashlib
import json
import re

from django.utils import formats

from accounts.models import Agency, Role, User
from actionplans import dates, rules
from actionplans.models import Action, ProgressUpdate, TargetDateChange
from actionplans.rules import Status
from evidence import storage
from imports import spreadsheet, values
from imports.fields import Field, normalise, recognise
from imports.models import ColumnMapping
from imports.values import quoted
from scrsystem import text as limits


class Outcome:
    CREATE = "create"
    CHANGE = "change"
    SAME = "same"
    REFUSED = "refused"
    LABELS = {CREATE: "Will be created", CHANGE: "Will change", SAME: "No change", REFUSED: "Not imported"}


@dataclasses.dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str
    #: True: the row (or, without a row, the sheet, or the ``rows`` named) is not imported. False: a note; the row
    #: is imported.
    blocking: bool = True
    #: The rows a problem of a column refuses (a column that new actions need is missing).
    rows: tuple = ()

    def __str__(self):
        where = ", ".join(part for part in (f"row {self.row}" if self.row else "", self.column or "") if part)
        return f"{where}: {self.message}" if where else self.message


@dataclasses.dataclass(frozen=True)
class Column:
    letter: str
    heading: str
    field: str | None
    #: How the field was decided: "chosen" (for this file), "remembered" (a member's earlier answer), "recognised"
    #: (a heading of the usual trackers) or "" (not recognised: ignored until a member chooses).
    source: str

    @property
    def automatic(self):
        return self.source in ("remembered", "recognised")


@dataclasses.dataclass
class Line:
    row: int
    reference: str
    outcome: str = Outcome.SAME
    action: Action | None = None
    #: What the person reads: "will change Target date from 31 Mar 2010 to 30 Apr 2010", one sentence a change.
    sentences: list = dataclasses.field(default_factory=list)
    #: What is written: the action's own fields (for action_create or action_update) …
    values: dict = dataclasses.field(default_factory=dict)
    #: … its new target date (actionplans.dates), its new status and progress entry (actionplans.lifecycle) …
    new_date: object = None
    status: str | None = None
    note: str = ""
    #: … and a recommendation to add to the review first: (number, text).
    new_recommendation: tuple | None = None

    @property
    def label(self):
        return Outcome.LABELS[self.outcome]


@dataclasses.dataclass
class Preview:
    file_name: str
    sheets: list
    sheet: str
    heading_row: int | None
    columns: list
    lines: list
    problems: list
    #: Rows set aside: [(row number, why)].
    aside: list
    #: What the person should know of the columns (not recognised, not imported).
    notices: list

    def count(self, outcome):
        return sum(line.outcome == outcome for line in self.lines)

    @property
    def writes(self):
        return [line for line in self.lines if line.outcome in (Outcome.CREATE, Outcome.CHANGE)]

    @property
    def blocked(self):
        """A problem of the whole sheet: nothing of it is imported."""
        return any(problem.row is None and problem.blocking and not problem.rows for problem in self.problems)

    @property
    def digest(self):
        """What the preview shows, as a hash: the confirmation carries it, and the import writes only if the preview
        built again then is the same (nobody changed the plan, the file or the columns since)."""
        shown = {
            "sheet": self.sheet,
            "columns": [(c.letter, c.field) for c in self.columns],
            "lines": [(line.row, line.reference, line.outcome, line.action.pk if line.action else None, line.sentences)
                      for line in self.lines],
            "problems": [str(problem) for problem in self.problems],
        }
        return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


def day(value):
    return formats.date_format(value, "j M Y")


#: The end of a progress entry the import records, naming the file; left out when the log is compared again.
_IMPORTED_SUFFIX = re.compile(r"\s*\(From the spreadsheet “[^”]*”\.\)\Z")


def imported_note(text, file_name):
    """The progress entry of a row's "Progress/Update" text, saying where it came from."""
    return f"{text}\n\n(From the spreadsheet “{limits.clip(file_name, 60)}”.)"


def _same_text(text):
    return " ".join(_IMPORTED_SUFFIX.sub("", text or "").split()).casefold()


# --- Building the preview ---------------------------------------------------------------------------------------


def build(sheet_import, sheets=None):
    """The preview of ``sheet_import`` (a SpreadsheetImport) as its file, its sheet and its columns stand. ``sheets``:
    the file's sheets when the caller has read them already; else the kept file is read (and checked against its
    SHA-256)."""
    if sheets is None:
        with storage.open_verified(sheet_import.stored_name, sheet_import.sha256) as kept:
            sheets = spreadsheet.read(kept, sheet_import.original_name)
    remembered = dict(ColumnMapping.objects.values_list("heading", "field"))
    sheet = choose_sheet(sheets, sheet_import.sheet, remembered)
    heading_row = sheet.heading_row(remembered, recognise)
    columns = read_columns(sheet, heading_row, sheet_import.mapping, remembered)
    preview = Preview(
        file_name=sheet_import.original_name, sheets=[s.name for s in sheets], sheet=sheet.name,
        heading_row=heading_row, columns=columns, lines=[], problems=[], aside=[], notices=[],
    )
    if sheet.problem:
        preview.problems.append(Problem(None, None, sheet.problem))
    if heading_row is None:
        preview.problems.append(Problem(None, None, f"The sheet “{sheet.name}” is empty."))
        return preview
    used = _used_columns(columns, preview)
    if Field.REFERENCE not in used:
        preview.problems.append(Problem(None, None, "No column holds the action references (“Action No.”), by which "
                                        "rows are matched to the plan's actions: choose it below."))
        return preview
    rows, preview.aside = spreadsheet.data_rows(sheet, heading_row, [column.letter for column in used.values()])
    _Judge(sheet_import, sheet, used, preview).judge(rows)
    return preview


def choose_sheet(sheets, chosen, remembered):
    """The sheet chosen, else the first whose headings the import recognises, else the first."""
    for sheet in sheets:
        if sheet.name == chosen:
            return sheet
    for sheet in sheets:
        row = sheet.heading_row(remembered, recognise)
        if row and sum(recognise(heading, remembered) is not None for _, heading in sheet.headings(row)) >= 2:
            return sheet
    return sheets[0]


def read_columns(sheet, heading_row, mapping, remembered):
    if heading_row is None:
        return []
    columns = []
    for letter, heading in sheet.headings(heading_row):
        if mapping.get(letter) in Field.values:
            columns.append(Column(letter, heading, mapping[letter], "chosen"))
            continue
        field = recognise(heading, remembered)
        source = ("remembered" if normalise(heading) in remembered else "recognised") if field else ""
        columns.append(Column(letter, heading, field, source))
    return columns


def _used_columns(columns, preview):
    """{field: Column} of the columns read, the first column of each field; notices for the others."""
    used = {}
    for column in columns:
        name = f"Column {column.letter} ({quoted(column.heading)})"
        if column.field is None:
            preview.notices.append(f"{name} is not recognised, so it is not imported. Choose below what it holds.")
        elif column.field == Field.IGNORE:
            continue
        elif column.field in used:
            first = used[column.field]
            preview.notices.append(
                f"{name} also holds {Field(column.field).label}; column {first.letter} ({quoted(first.heading)}) is "
                "read. Choose below if it should be the other way round."
            )
        else:
            used[column.field] = column
            if column.field == Field.EVIDENCE:
                preview.notices.append(f"{name} is not imported: the lead agency submits evidence on each action's "
                                       "page, for the consultant to decide on.")
            elif column.field == Field.RAG:
                preview.notices.append(f"{name} is not imported: the BRAG rating is derived from the target date and "
                                       "the status. A rating that differs is reported.")
    return used


class _Judge:
    """Reads each row against the plan as stored, with a fixed number of queries."""

    def __init__(self, sheet_import, sheet, used, preview):
        self.sheet_import, self.sheet, self.used, self.preview = sheet_import, sheet, used, preview
        self.plan = sheet_import.plan
        self.review = sheet_import.review
        self.actions = {
            action.reference.casefold(): action
            for action in Action.objects.filter(plan=self.plan).select_related(
                "lead_agency", "responsible_officer", "recommendation", "plan__review")
        }
        ids = [action.pk for action in self.actions.values()]
        self.notes = {}
        for action_id, note in ProgressUpdate.objects.filter(action_id__in=ids).values_list("action_id", "note"):
            self.notes.setdefault(action_id, set()).add(_same_text(note))
        self.waiting = {
            change.action_id: change for change in TargetDateChange.objects.filter(
                action_id__in=ids, status=TargetDateChange.Status.PENDING).select_related("requested_by", "action__plan__review")
        }
        self.recommendations = {rec.number: rec for rec in self.review.recommendations.all()}
        self.agencies = values.Agencies(Agency.objects.filter(is_active=True).order_by("name"))
        self.officers = values.Officers(
            User.objects.filter(is_active=True, agency__isnull=False).exclude(role=Role.ADMIN).order_by("pk")
        )
        self.new_recommendations = {}

    def heading(self, field):
        return self.used[field].heading

    def cell(self, row, field):
        column = self.used.get(field)
        return row.cells[column.letter] if column else spreadsheet.Cell()

    def judge(self, rows):
        counts = {}
        for row in rows:
            reference = self.cell(row, Field.REFERENCE).text()
            if reference:
                counts.setdefault(reference.casefold(), []).append(row.number)
        missing = {}
        for row in rows:
            line, problems = self.judge_row(row, counts, missing)
            self.preview.lines.append(line)
            self.preview.problems.extend(problems)
        for field, numbers in missing.items():
            rows_named = ", ".join(str(n) for n in numbers)
            self.preview.problems.append(Problem(
                None, None, f"No column holds the {Field(field).label.split(' (')[0].lower()}, which a new action "
                f"needs, so row{'s' if len(numbers) > 1 else ''} {rows_named} cannot be imported: choose the column "
                "below.", rows=tuple(numbers)))

    # --- one row -------------------------------------------------------------------------------------------------

    def judge_row(self, row, counts, missing):
        problems = []
        self.row = row

        def problem(field, message, blocking=True):
            problems.append(Problem(row.number, self.heading(field) if field in self.used else None, message, blocking))

        reference = self.cell(row, Field.REFERENCE).text()
        line = Line(row.number, reference)
        if not reference:
            problem(Field.REFERENCE, "empty: every action needs its reference (e.g. 3.2)")
        elif len(reference) > 20:
            problem(Field.REFERENCE, f"{quoted(reference)} is longer than a reference may be (20 characters)")
        elif len(counts[reference.casefold()]) > 1:
            others = [n for n in counts[reference.casefold()] if n != row.number]
            problem(Field.REFERENCE, f"{quoted(reference)} is also on row {', '.join(map(str, others))}: a reference is "
                    "used once in a plan, so none of these rows is imported")
        action = self.actions.get(reference.casefold()) if reference else None
        line.action = action
        read = self.read_row(row, action, problem)
        if any(p.blocking for p in problems):
            line.outcome = Outcome.REFUSED
            return line, problems
        if action is None:
            self.plan_create(line, read, problem, missing)
        else:
            self.plan_change(line, read, problem)
        self.check_rating(row, line, action, read, problem)
        if any(p.blocking for p in problems):
            line.outcome = Outcome.REFUSED
            line.sentences = []
        return line, problems

    def read_row(self, row, action, problem):
        """The row's values, {field: value}, for the cells that hold one; problems for those that cannot be read."""
        read = {}
        for field in (Field.DESCRIPTION, Field.SUCCESS_MEASURE, Field.PROGRESS, Field.RECOMMENDATION_TEXT):
            cell = self.cell(row, field)
            if cell.empty:
                continue
            text = cell.text()
            if len(text) > limits.TEXT:
                problem(field, f"{len(text):,} characters: at most {limits.TEXT:,} are kept")
                continue
            if values.looks_like_formula(cell):
                problem(field, f"{quoted(text)} looks like a formula: it is imported as the text written, never run "
                               "or calculated", blocking=False)
            read[field] = text
        if values.looks_like_formula(self.cell(row, Field.REFERENCE)):
            problem(Field.REFERENCE, f"{quoted(self.cell(row, Field.REFERENCE).text())} looks like a formula: it is "
                                     "imported as the text written, never run or calculated", blocking=False)
        readers = {
            Field.TARGET_DATE: lambda cell: values.read_date(cell, self.sheet.epoch),
            Field.STATUS: values.read_status,
            Field.RECOMMENDATION_NUMBER: values.read_recommendation_number,
            Field.LEAD_AGENCY: self.agencies.read,
        }
        for field, reader in readers.items():
            cell = self.cell(row, field)
            if cell.empty:
                continue
            reading = reader(cell)
            if reading.problem:
                problem(field, reading.problem)
                continue
            if reading.note:
                problem(field, reading.note, blocking=False)
            read[field] = reading
        officer = self.cell(row, Field.RESPONSIBLE_OFFICER)
        if not officer.empty:
            read[Field.RESPONSIBLE_OFFICER] = officer.text()
        rating = self.cell(row, Field.RAG)
        if not rating.empty:
            read[Field.RAG] = values.read_rag(rating)
        lead = read.get(Field.LEAD_AGENCY)
        if self.plan.is_single_agency:
            if lead is not None and lead.value != self.plan.agency:
                problem(Field.LEAD_AGENCY, f"{quoted(lead.value.name)}: the actions of {self.plan.agency}'s own plan "
                                           f"are led by {self.plan.agency}")
        return read

    def recommendation_of(self, read, problem, current=None):
        """(the recommendation the row answers or None, (number, text) of one to add first or None)."""
        number = read.get(Field.RECOMMENDATION_NUMBER)
        text = read.get(Field.RECOMMENDATION_TEXT, "")
        if number is not None:
            found = self.recommendations.get(number.value)
            if found is not None:
                if text and _same_text(text) != _same_text(found.text):
                    problem(Field.RECOMMENDATION_TEXT, f"differs from the text of recommendation {found.number} in "
                            f"{self.review.reference}; that text is kept (change it on the review's page)",
                            blocking=False)
                return found, None
            if number.value in self.new_recommendations:
                return None, self.new_recommendations[number.value]
            if not text:
                problem(Field.RECOMMENDATION_NUMBER, f"recommendation {number.value} is not one of "
                        f"{self.review.reference}'s: give its text in a “Recommendation” column to add it")
                return None, None
            self.new_recommendations[number.value] = (number.value, text)
            return None, (number.value, text)
        if text:
            for rec in self.recommendations.values():
                if _same_text(rec.text) == _same_text(text):
                    return rec, None
            keeps = "imported without one" if current is None else "keeps the one it has"
            problem(Field.RECOMMENDATION_TEXT, f"matches none of {self.review.reference}'s recommendations, and no "
                    f"number is given: the action is {keeps}", blocking=False)
        return current, None

    def officer_of(self, read, lead, problem, current=None):
        name = read.get(Field.RESPONSIBLE_OFFICER)
        if name is None:
            return current if current is not None and current.agency_id == getattr(lead, "pk", None) else None
        officer = self.officers.find(lead, name)
        if officer is None:
            stays = "imported without a responsible officer" if current is None else (
                f"keeps {current} as its responsible officer" if current.agency_id == lead.pk
                else "left without a responsible officer")
            problem(Field.RESPONSIBLE_OFFICER, f"{quoted(name)} is no user of {lead}: the action is {stays}",
                    blocking=False)
            return current if current is not None and current.agency_id == lead.pk else None
        return officer

    def status_of(self, read, problem, current):
        """The status the row moves the action to (None: none), with notes on what the import does not do."""
        reading = read.get(Field.STATUS)
        if reading is None:
            return None
        said, label = reading.value, quoted(self.cell(self.row, Field.STATUS).text())
        if said == Status.VERIFIED:
            if current == Status.VERIFIED:
                return None
            problem(Field.STATUS, f"{label}: only the consultant signs an action off as verified, after accepting its "
                    f"evidence; the action is {'imported' if current is None else 'set'} as completed", blocking=False)
            said = Status.COMPLETED
        if current is None:
            if said == Status.CANCELLED:
                problem(Field.STATUS, f"{label}: the import does not cancel actions, and a new cancelled action counts "
                        "nowhere: leave the row out")
                return None
            return said
        if said == current:
            return None
        if current == Status.VERIFIED:
            if said != Status.COMPLETED:
                problem(Field.STATUS, f"{label}: the consultant verified this action; its status stays verified "
                        "(the consultant withdraws a sign-off, with a reason)", blocking=False)
            return None
        if current == Status.CANCELLED or said == Status.CANCELLED:
            how = "reinstate" if current == Status.CANCELLED else "cancel"
            problem(Field.STATUS, f"{label}: the import does not {how} actions: {how} it on its page, with the "
                    f"reason; its status stays {Status(current).label.lower()}", blocking=False)
            return None
        return said

    def plan_create(self, line, read, problem, missing):
        lead = read.get(Field.LEAD_AGENCY)
        lead = lead.value if lead is not None else (self.plan.agency if self.plan.is_single_agency else None)
        date = read.get(Field.TARGET_DATE)
        required = {
            Field.DESCRIPTION: read.get(Field.DESCRIPTION),
            Field.LEAD_AGENCY: lead,
            Field.TARGET_DATE: date,
            Field.SUCCESS_MEASURE: read.get(Field.SUCCESS_MEASURE),
        }
        for field, value in required.items():
            if value is not None:
                continue
            if field not in self.used:
                missing.setdefault(field, []).append(line.row)
                line.outcome = Outcome.REFUSED
            else:
                problem(field, "empty: a new action needs it")
        if date is not None and date.undecided:
            problem(Field.TARGET_DATE, f"{quoted(self.cell(self.row, Field.TARGET_DATE).text())}: a new action needs a target "
                                       "date. Give one, and import the file again")
            line.outcome = Outcome.REFUSED
        if line.outcome == Outcome.REFUSED:
            return
        recommendation, new_recommendation = self.recommendation_of(read, problem)
        officer = self.officer_of(read, lead, problem)
        status = self.status_of(read, problem, None)
        line.outcome = Outcome.CREATE
        line.values = {
            "reference": line.reference,
            "recommendation": recommendation,
            "description": read[Field.DESCRIPTION],
            "lead_agency": lead,
            "responsible_officer": officer,
            "target_date": date.value if date else None,
            "success_measure": read[Field.SUCCESS_MEASURE],
        }
        line.new_recommendation = new_recommendation
        line.status = status if status not in (None, Status.NOT_STARTED) else None
        progress = read.get(Field.PROGRESS)
        officer_said = f", {officer} responsible" if officer else ""
        line.sentences.append(
            f"will create action {line.reference}, led by {lead.short_name}{officer_said}, due {day(date.value)}")
        if new_recommendation:
            line.sentences.append(f"will add recommendation {new_recommendation[0]} to {self.review.reference}, "
                                  "awaiting the board's response")
        elif recommendation:
            line.sentences.append(f"answering recommendation {recommendation.number}")
        if line.status:
            line.sentences.append(f"will set the status to {Status(line.status).label.lower()}")
        if progress:
            line.note = imported_note(progress, self.sheet_import.original_name)
            line.sentences.append(f"will record the progress note {quoted(progress, 80)}")
        elif line.status:
            line.note = (f"Status set to {Status(line.status).label.lower()} by the import of the spreadsheet "
                         f"“{limits.clip(self.sheet_import.original_name, 60)}”.")

    def plan_change(self, line, read, problem):
        action = line.action
        changes = {}

        def change(label, before, after):
            line.sentences.append(f"will change {label} from {before} to {after}")

        for field, name, label in ((Field.DESCRIPTION, "description", "what will be done"),
                                   (Field.SUCCESS_MEASURE, "success_measure", "the success measure")):
            text = read.get(field)
            if text is not None and _same_text(text) != _same_text(getattr(action, name)):
                changes[name] = text
                change(label, quoted(getattr(action, name)), quoted(text))
        lead = read.get(Field.LEAD_AGENCY)
        lead = lead.value if lead is not None else action.lead_agency
        if lead != action.lead_agency:
            changes["lead_agency"] = lead
            change("the lead agency", action.lead_agency.short_name, lead.short_name)
        officer = self.officer_of(read, lead, problem, current=action.responsible_officer)
        if officer != action.responsible_officer:
            changes["responsible_officer"] = officer
            change("the responsible officer", action.responsible_officer or "none", officer or "none")
        recommendation, new_recommendation = self.recommendation_of(read, problem, current=action.recommendation)
        if new_recommendation:
            line.new_recommendation = new_recommendation
            changes["recommendation"] = None  # set to the new one when it is added
            line.sentences.append(f"will add recommendation {new_recommendation[0]} to {self.review.reference}, "
                                  "awaiting the board's response, and make this action answer it")
        elif recommendation != action.recommendation:
            changes["recommendation"] = recommendation
            before = f"recommendation {action.recommendation.number}" if action.recommendation else "none"
            change("the recommendation it answers", before, f"recommendation {recommendation.number}")
        date = read.get(Field.TARGET_DATE)
        if date is not None and date.undecided:
            problem(Field.TARGET_DATE, f"{quoted(self.cell(self.row, Field.TARGET_DATE).text())} gives no date, so the "
                    f"target date stays {day(action.target_date)}", blocking=False)
        elif date is not None and date.value != action.target_date:
            why_not = None
            if action.status in dates.CLOSED or action.pk in self.waiting:  # refusal() would query for the others
                why_not = dates.refusal(action, self.waiting.get(action.pk))
            if why_not:
                problem(Field.TARGET_DATE, f"{day(date.value)} is not set: {why_not} The target date stays "
                        f"{day(action.target_date)}", blocking=False)
            else:
                line.new_date = date.value
                change("the target date", day(action.target_date), day(date.value))
        status = self.status_of(read, problem, action.status)
        if status is not None:
            line.status = status
            change("the status", Status(action.status).label.lower(), Status(status).label.lower())
        progress = read.get(Field.PROGRESS)
        if progress and _same_text(progress) not in self.notes.get(action.pk, set()):
            if (status or action.status) in (Status.VERIFIED, Status.CANCELLED):
                problem(Field.PROGRESS, f"the action is {Status(action.status).label.lower()}: no progress is "
                        "recorded on it", blocking=False)
            else:
                line.note = imported_note(progress, self.sheet_import.original_name)
                line.sentences.append(f"will record the progress note {quoted(progress, 80)}")
        if status is not None and not line.note:
            line.note = (f"Status set to {Status(status).label.lower()} by the import of the spreadsheet "
                         f"“{limits.clip(self.sheet_import.original_name, 60)}”.")
        line.values = changes
        line.outcome = Outcome.CHANGE if line.sentences else Outcome.SAME

    def check_rating(self, row, line, action, read, problem):
        """A RAG rating in the sheet is compared with the BRAG rating the action will have (rules.brag)."""
        rating = read.get(Field.RAG)
        if rating is None or line.outcome == Outcome.REFUSED:
            return
        if rating.note:
            problem(Field.RAG, rating.note + "; the column is not imported", blocking=False)
            return
        if action is None:
            status, target = line.status or Status.NOT_STARTED, line.values["target_date"]
        else:
            status, target = line.status or action.status, line.new_date or action.target_date
        derived = rules.brag(status, target)
        if derived is not None and derived != rating.value:
            problem(Field.RAG, f"the sheet says {rating.value.short_label}; the BRAG rating derived from the target "
                    f"date and the status is {derived.short_label}. The derived rating is kept", blocking=False)

