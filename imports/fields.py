"""What a column of a board's tracker may hold, and the headings by which the import recognises each one.

A heading is compared as ``normalise`` writes it: lower case, "&" as "and", every other character that is not a
letter or a digit a space, spaces collapsed ("Action No." and "action  no" are both "action no"). A heading the
import does not know is asked about on the preview page, and the member's answer is remembered
(imports.models.ColumnMapping) and looked up before the built-in headings below.
"""

import re

from django.db import models


class Field(models.TextChoices):
    REFERENCE = "reference", "Action reference (e.g. 3.2)"
    RECOMMENDATION_NUMBER = "recommendation_number", "Recommendation number"
    RECOMMENDATION_TEXT = "recommendation_text", "Recommendation text"
    DESCRIPTION = "description", "What will be done (the action)"
    LEAD_AGENCY = "lead_agency", "Lead agency"
    RESPONSIBLE_OFFICER = "responsible_officer", "Responsible officer"
    TARGET_DATE = "target_date", "Target date"
    SUCCESS_MEASURE = "success_measure", "Success measure"
    STATUS = "status", "Status"
    PROGRESS = "progress", "Progress update"
    RAG = "rag", "RAG rating (checked, not imported: BRAG is derived)"
    EVIDENCE = "evidence", "Evidence (not imported: the lead agency submits evidence)"
    IGNORE = "ignore", "Nothing to import (ignore this column)"


#: The headings of the usual board trackers, normalised, for each field.
HEADINGS = {
    Field.REFERENCE: (
        "action no", "action number", "action ref", "action reference", "action id", "ref", "ref no", "reference",
        "no", "number", "item", "item no",
    ),
    Field.RECOMMENDATION_NUMBER: (
        "rec", "rec no", "rec number", "rec ref", "recommendation no", "recommendation number", "recommendation ref",
    ),
    Field.RECOMMENDATION_TEXT: ("recommendation", "recommendations", "recommendation text", "scr recommendation"),
    Field.DESCRIPTION: (
        "action", "actions", "action to be taken", "actions to be taken", "action required", "actions required",
        "agreed action", "agreed actions", "what will be done", "action description", "description",
    ),
    Field.LEAD_AGENCY: (
        "lead agency", "agency", "lead", "lead organisation", "organisation", "lead partner", "agency responsible",
        "responsible agency",
    ),
    Field.RESPONSIBLE_OFFICER: (
        "responsible officer", "lead officer", "officer", "responsible person", "person responsible", "named officer",
        "named lead", "action owner",
    ),
    Field.TARGET_DATE: (
        "target date", "target", "timescale", "timescales", "deadline", "by when", "due date", "date due",
        "target completion date", "date for completion",
    ),
    Field.SUCCESS_MEASURE: (
        "success measure", "success measures", "measure of success", "success criteria", "outcome", "outcomes",
        "intended outcome", "expected outcome", "how will we know", "how we will know it worked",
    ),
    Field.STATUS: ("status", "current status", "action status"),
    Field.PROGRESS: (
        "progress", "progress update", "update", "updates", "progress to date", "latest update", "progress comments",
        "comments", "commentary",
    ),
    Field.RAG: ("rag", "rag status", "rag rating", "brag", "brag rating", "brag status"),
    Field.EVIDENCE: ("evidence", "evidence of completion", "evidence required", "evidence provided"),
}
BUILT_IN = {heading: field for field, headings in HEADINGS.items() for heading in headings}

#: The headings of the downloadable template (imports.template), one per field it reads, in this order.
TEMPLATE_HEADINGS = [
    ("Action No.", Field.REFERENCE),
    ("Rec", Field.RECOMMENDATION_NUMBER),
    ("Recommendation", Field.RECOMMENDATION_TEXT),
    ("Action", Field.DESCRIPTION),
    ("Lead agency", Field.LEAD_AGENCY),
    ("Responsible officer", Field.RESPONSIBLE_OFFICER),
    ("Target date", Field.TARGET_DATE),
    ("Success measure", Field.SUCCESS_MEASURE),
    ("Status", Field.STATUS),
    ("Progress/Update", Field.PROGRESS),
]


def normalise(heading):
    """A heading as it is compared: "Progress / Update " → "progress update"."""
    text = str(heading or "").casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def recognise(heading, remembered):
    """The field a column with this heading holds: the member's remembered answer (``remembered``, {normalised
    heading: field}), else the built-in headings, else None (not recognised)."""
    key = normalise(heading)
    if not key:
        return None
    if key in remembered:
        return Field(remembered[key])
    return BUILT_IN.get(key)
