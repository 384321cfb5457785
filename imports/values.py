"""Reading one cell of a tracker as the value of an action's field: dates (UK text, Excel serials, "TBC"),
statuses, RAG ratings, recommendation numbers, agencies and officers. Each reader returns a Reading: the value, or
the problem in words ("“31/13/2010” is not a date"), or a note on how it was read."""

import calendar
import dataclasses
import datetime
import difflib
import re

from openpyxl.utils.datetime import from_excel

from actionplans.rules import Brag, Status
from imports.fields import normalise


@dataclasses.dataclass(frozen=True)
class Reading:
    value: object = None
    #: Why the cell cannot be read (the row is then not imported).
    problem: str = ""
    #: How it was read, when the person should know (the value is used).
    note: str = ""
    #: The cell says there is no date yet ("TBC").
    undecided: bool = False


def quoted(text, limit=60):
    text = " ".join(str(text).split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def looks_like_formula(cell):
    """A formula cell, or text a spreadsheet would run as one (a DDE call such as ``=cmd|' /C calc'!A0`` among them):
    the import keeps it as the text written and never runs it, and says so."""
    text = cell.text()
    return cell.formula or text.startswith(("=", "@")) or bool(re.match(r"[+\-].*[|(!]", text))


# --- Dates ----------------------------------------------------------------------------------------------------

#: What a tracker writes for a target date not set yet.
UNDECIDED = {"tbc", "tba", "tbd", "to be confirmed", "to be agreed", "ongoing", "n a", "na", "none", "unknown"}
_DAY_FORMATS = (
    "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d-%m-%y", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d",
    "%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y",
)
_MONTH_FORMATS = ("%B %Y", "%b %Y", "%m/%Y", "%B %y", "%b %y")
#: Excel serials of 1 Jan 1950 and 31 Dec 2149: a number outside them in a date column is no date of an action.
_SERIALS = (18264, 91675)


def _from_serial(number, epoch):
    if not _SERIALS[0] <= number <= _SERIALS[1]:
        return None
    return from_excel(number, epoch).date()


def read_date(cell, epoch):
    text = cell.text()
    if cell.formula:
        return Reading(problem=f"{quoted(text)} is a formula: the import reads what is written, never what it "
                               "calculates. Type the date.")
    value = cell.value
    if isinstance(value, datetime.datetime):
        return Reading(value.date())
    if isinstance(value, datetime.date):
        return Reading(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = _from_serial(value, epoch)
        return Reading(day) if day else Reading(problem=f"{quoted(text)} is not a date")
    if normalise(text) in UNDECIDED:
        return Reading(undecided=True)
    if re.fullmatch(r"\d{5}", text):  # a serial, as a CSV written from a date column without its format holds it
        day = _from_serial(int(text), epoch)
        return Reading(day) if day else Reading(problem=f"{quoted(text)} is not a date")
    cleaned = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", " ".join(text.split()), flags=re.IGNORECASE)
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned, flags=re.IGNORECASE)
    for pattern in _DAY_FORMATS:
        try:
            return Reading(datetime.datetime.strptime(cleaned, pattern).date())  # noqa: DTZ007 - a day, no time
        except ValueError:
            continue
    for pattern in _MONTH_FORMATS:
        try:
            month = datetime.datetime.strptime(cleaned, pattern)  # noqa: DTZ007 - a month, no time
        except ValueError:
            continue
        day = month.date().replace(day=calendar.monthrange(month.year, month.month)[1])
        return Reading(day, note=f"{quoted(text)} is read as the end of that month, {day:%-d %b %Y}")
    return Reading(problem=f"{quoted(text)} is not a date")


# --- Statuses and ratings -------------------------------------------------------------------------------------

STATUS_WORDS = {
    Status.NOT_STARTED: ("not started", "not yet started", "to start", "not begun", "planned"),
    Status.IN_PROGRESS: (
        "in progress", "ongoing", "on going", "started", "underway", "under way", "in hand", "progressing",
        "partly complete", "partially complete", "part complete", "partially completed",
    ),
    Status.COMPLETED: ("complete", "completed", "done", "achieved", "finished"),
    Status.VERIFIED: ("verified", "signed off", "complete and verified", "completed and verified"),
    Status.CANCELLED: ("cancelled", "canceled", "withdrawn", "no longer required"),
}
_STATUS_BY_WORD = {word: status for status, words in STATUS_WORDS.items() for word in words}
STATUSES_SAID = "Not started, In progress, Completed or Cancelled"


def read_status(cell):
    status = _STATUS_BY_WORD.get(normalise(cell.text()))
    if status is None:
        return Reading(problem=f"{quoted(cell.text())} is not a status: write {STATUSES_SAID}")
    return Reading(status)


_RAG_WORDS = {
    "b": Brag.BLUE, "blue": Brag.BLUE, "r": Brag.RED, "red": Brag.RED, "a": Brag.AMBER, "amber": Brag.AMBER,
    "g": Brag.GREEN, "green": Brag.GREEN,
}


def read_rag(cell):
    rating = _RAG_WORDS.get(normalise(cell.text()))
    if rating is None:
        return Reading(note=f"{quoted(cell.text())} is not a RAG rating (Blue, Red, Amber or Green)")
    return Reading(rating)


def read_recommendation_number(cell):
    found = re.fullmatch(r"(?:rec(?:ommendation)?\.?\s*(?:no\.?\s*)?)?(\d{1,4})(?:\.0+)?", cell.text(), re.IGNORECASE)
    if not found or int(found.group(1)) < 1:
        return Reading(problem=f"{quoted(cell.text())} is not a recommendation number")
    return Reading(int(found.group(1)))


# --- Agencies and officers ------------------------------------------------------------------------------------


def _key(text):
    return normalise(text).replace(" and ", " ").replace("the ", "", 1)


class Agencies:
    """The board's active agencies, found by name or short name, whatever the case and spacing."""

    def __init__(self, agencies):
        self.agencies = list(agencies)
        self.by_key = {}
        for agency in self.agencies:
            for name in (agency.name, agency.short_name):
                self.by_key.setdefault(_key(name), agency)

    def read(self, cell):
        text = cell.text()
        agency = self.by_key.get(_key(text))
        if agency is not None:
            return Reading(agency)
        guesses = self.suggest(text)
        hint = f": did you mean {' or '.join(guesses)}?" if guesses else ""
        return Reading(problem=f"{quoted(text)} matches no agency{hint}")

    def suggest(self, text):
        """The names of the agencies ``text`` most likely means: close in spelling (difflib), or named by their short
        name within it ("Northbridge Police" for the agency whose short name is "Police")."""
        key = _key(text)
        close = difflib.get_close_matches(key, list(self.by_key), n=2, cutoff=0.75)
        words = set(key.split())
        named = [agency for agency in self.agencies if _key(agency.short_name) in words]
        found = []
        for agency in [self.by_key[match] for match in close] + named:
            if agency.name not in found:
                found.append(agency.name)
        return found[:2]


class Officers:
    """The active users of each agency, found by full name, user name or e-mail address."""

    def __init__(self, users):
        self.by_agency = {}
        for user in users:
            keys = {normalise(user.get_full_name()), normalise(user.username), (user.email or "").casefold()}
            names = self.by_agency.setdefault(user.agency_id, {})
            for key in keys - {""}:
                names.setdefault(key, user)

    def find(self, agency, text):
        if agency is None:
            return None
        names = self.by_agency.get(agency.pk, {})
        return names.get(normalise(text)) or names.get(text.strip().casefold())
