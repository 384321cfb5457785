"""Free text: how long each kind may be, and what a reference may not hold.

Each limit is enforced three times: by the form (a ModelForm takes the model field's ``max_length``; other forms
name these constants), by the model's own validators (so ``full_clean`` refuses it: Django leaves a TextField's
``max_length`` to forms alone) and by a CHECK constraint in the database (``length_checks``), so that a write
that skips ``full_clean`` cannot store more either. A test walks every TextField of the project and checks all
three.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.deconstruct import deconstructible

#: What a person writes in a box: an action's recommendation, what will be done and its success measure, a
#: review's summary, plan and theme descriptions, progress, sign-off and decision notes, and every reason. About
#: two printed pages, nearly twenty times the longest such text in the demo (259 characters); the forms that had
#: a limit allowed 4,000, so nothing they accepted is refused now. The board report prints at most 200 of them.
TEXT = 5_000

#: An evidence item's written note, which may be the evidence itself (minutes, a summary of an audit). Its form
#: has allowed 20,000 characters from the start. No report prints it whole.
WRITTEN_NOTE = 20_000

#: A progress log entry: a person's TEXT after the lifecycle's prefix ("Sign-off withdrawn: " and the like).
PROGRESS_ENTRY = TEXT + 100

#: The last error of a reminder. Written by the system, so cut to this length (``clip``), never refused.
ERROR = 2_000


def clip(value, limit):
    """``value`` cut to at most ``limit`` characters, ending in "…" when it was cut (for text the system writes)."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def length_checks(prefix, **limits):
    """The database's CHECK constraints of a model's limited text fields, e.g. ``length_checks("action",
    description=TEXT)``: one per field, named ``<prefix>_<field>_length``."""
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit),
            name=f"{prefix}_{field}_length",
            violation_error_message=f"The {field.replace('_', ' ')} can be at most {limit:,} characters long.",
        )
        for field, limit in limits.items()
    ]


def stop_if_longer(limits):
    """A migration step (for RunPython) that stops, naming the rows, when stored text is already longer than the
    limits the migration then enforces; without it the database refuses the constraint and names no row.
    ``limits`` is ``{"app_label.Model": {"field": limit}}``."""

    def check(apps, schema_editor):
        over = []
        for label, fields in limits.items():
            model = apps.get_model(label)
            for field, limit in fields.items():
                rows = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit).values_list("pk", "chars")
                over += [f"{label} #{pk}, {field}: {chars:,} characters" for pk, chars in rows.order_by("pk")]
        if over:
            raise RuntimeError(
                "Some stored text is longer than the new limits, so the database would refuse them (the limits are "
                "in scrsystem/text.py). Shorten these, in the admin site or a shell, then migrate again: "
                + "; ".join(over)
            )

    return check


#: Unicode's invisible direction controls: the marks (U+200E, U+200F), embeddings and overrides (U+202A–U+202E)
#: and isolates (U+2066–U+2069). In a reference they make one string display as another ("SCR-2009-01" shown,
#: something else stored, searched and sorted).
DIRECTION_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@deconstructible(path="scrsystem.text.NoDirectionControls")
class NoDirectionControls:
    """A model field validator refusing DIRECTION_CONTROLS, e.g. ``NoDirectionControls("References")``."""

    def __init__(self, what):
        self.what = what

    def __call__(self, value):
        found = sorted({char for char in str(value) if char in DIRECTION_CONTROLS})
        if found:
            named = ", ".join(f"U+{ord(char):04X} ({unicodedata.name(char).lower()})" for char in found)
            raise ValidationError(
                f"{self.what} cannot contain invisible direction-control characters; this one holds {named}. "
                "Type it again rather than pasting it.",
                code="direction_control",
            )

    def __eq__(self, other):
        return isinstance(other, NoDirectionControls) and other.what == self.what

    def __hash__(self):
        return hash(self.what)
