"""Writes of the spreadsheet import: keep an uploaded file as a draft, save the columns a member chose (and remember
them), and import a draft once confirmed.

The confirmed import is one transaction. It first claims the draft (``UPDATE … WHERE status = 'draft'``, so that two
members confirming at once import it once: the other is told who did), then builds the preview again and writes only
if it is the one the member confirmed. Each row is written through the services every page uses (actionplans.
services, actionplans.dates, actionplans.lifecycle, reviews.services), so each leaves its change records, and the
rules of one action hold for every row.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from actionplans import dates, lifecycle
from actionplans import services as action_services
from actionplans.rules import Status
from evidence.services import store_then
from imports import preview as previews
from imports.fields import Field, normalise, recognise
from imports.models import ColumnMapping, SpreadsheetImport
from reviews import services as review_services
from scrsystem import text as limits

#: Where the uploaded spreadsheets are kept in the evidence storage.
FOLDER = "imports"


class NotImported(ValidationError):
    """The draft was not imported; the message says why and that nothing was written."""


def import_upload(*, review, plan, actor, checked):
    """Keep a spreadsheet that passed the upload gate (a CheckedUpload) as a draft import into ``plan``. Nothing of the
    plan changes until the draft is confirmed."""
    access.require_change_reviews(actor)
    if plan.review_id != review.pk:
        raise ValidationError(f"“{plan.title}” is not a plan of {review.reference}.")

    def write(names):
        return SpreadsheetImport.objects.create(
            review=review, plan=plan, stored_name=names[0], original_name=checked.original_name,
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256, uploaded_by=actor,
        )

    return store_then(write, [checked], FOLDER)


def _draft_locked(sheet_import, actor):
    access.require_change_reviews(actor)
    locked = SpreadsheetImport.objects.select_for_update().get(pk=sheet_import.pk)
    if locked.status != SpreadsheetImport.Status.DRAFT:
        raise NotImported(f"“{locked.original_name}” is imported already: its sheet and columns no longer change.")
    return locked


@transaction.atomic
def sheet_choose(*, sheet_import, actor, sheet):
    """Read ``sheet`` of the draft's workbook; the columns are read afresh from its headings."""
    locked = _draft_locked(sheet_import, actor)
    if sheet != locked.sheet:
        locked.sheet, locked.mapping = sheet, {}
        locked.save(update_fields=["sheet", "mapping"])
    return locked


@transaction.atomic
def columns_save(*, sheet_import, actor, sheet, chosen, columns):
    """Read the columns of the draft's ``sheet`` (the one the member saw) as ``chosen`` ({letter: field});
    ``columns`` are the preview's Columns. A choice that differs from what the heading says is kept for this file,
    and remembered for the heading (ColumnMapping), so that the next sheet with that heading is read the same way."""
    locked = _draft_locked(sheet_import, actor)
    now = timezone.now()
    remembered = dict(ColumnMapping.objects.values_list("heading", "field"))
    mapping = {}
    for column in columns:
        field = chosen.get(column.letter)
        if field not in Field.values or field == recognise(column.heading, remembered):
            continue  # what the heading says already (a heading not recognised is remembered whatever is chosen)
        mapping[column.letter] = field
        heading = normalise(column.heading)[:200]
        if heading:
            ColumnMapping.objects.update_or_create(
                heading=heading, defaults={"field": field, "set_by": actor, "set_at": now}
            )
    locked.sheet, locked.mapping = sheet, mapping
    locked.save(update_fields=["sheet", "mapping"])
    return locked


def _already(sheet_import):
    done = SpreadsheetImport.objects.select_related("confirmed_by").get(pk=sheet_import.pk)
    return NotImported(
        f"“{done.original_name}” was imported by {done.confirmed_by} on {lifecycle.when(done.confirmed_at)}, so nothing "
        "was imported a second time. The plan shows what it wrote.",
        code="conflict",
    )


@transaction.atomic
def import_confirm(*, sheet_import, actor, digest):
    """Import the draft as its preview showed it (``digest``: Preview.digest of the page the member confirmed), in
    one transaction. Returns the Preview written. NotImported, with nothing written, when another member imported it
    first, or when the preview is no longer the one confirmed (the plan or the columns changed since)."""
    access.require_change_reviews(actor)
    now = timezone.now()
    claimed = SpreadsheetImport.objects.filter(pk=sheet_import.pk, status=SpreadsheetImport.Status.DRAFT).update(
        status=SpreadsheetImport.Status.IMPORTED, confirmed_by=actor, confirmed_at=now
    )
    if not claimed:
        raise _already(sheet_import)
    sheet_import = SpreadsheetImport.objects.select_related("review", "plan__agency", "plan__review").get(
        pk=sheet_import.pk
    )
    shown = previews.build(sheet_import)
    if shown.digest != digest:
        raise NotImported(
            "Something changed since the preview was drawn (the plan's actions, or the columns chosen), so nothing was "
            "imported. Check the preview as it is now, and confirm again.",
            code="conflict",
        )
    if shown.blocked:
        raise NotImported("The sheet cannot be imported as it stands: see the problems listed. Nothing was imported.")
    try:
        _write(shown, sheet_import, actor)
    except ValidationError as error:
        # A rule of one action refused a row (a race with another change): the transaction is rolled back whole.
        raise NotImported(
            "Nothing was imported: " + " ".join(error.messages) + " Check the preview as it is now, and confirm again."
        ) from error
    sheet_import.outcome = [
        {"row": line.row, "reference": line.reference, "outcome": line.outcome,
         "changes": [_done(sentence) for sentence in line.sentences]}
        for line in shown.lines
    ]
    sheet_import.save(update_fields=["outcome"])
    return shown


_DONE = {"create": "Created", "change": "Changed", "add": "Added", "set": "Set", "record": "Recorded"}


def _done(sentence):
    """A preview's sentence ("will change the status from …") as what was done ("Changed the status from …")."""
    will, _, rest = sentence.partition(" ")
    verb, _, rest = rest.partition(" ")
    return f"{_DONE[verb]} {rest}" if will == "will" and verb in _DONE else sentence[:1].upper() + sentence[1:]


def _write(shown, sheet_import, actor):
    added = {}
    for line in shown.writes:
        recommendation = line.values.get("recommendation")
        if line.new_recommendation:
            number, text = line.new_recommendation
            if number not in added:
                added[number] = review_services.recommendation_create(
                    review=sheet_import.review, actor=actor, number=number, text=text
                )
            recommendation = added[number]
        values = {**line.values}
        if "recommendation" in values or line.new_recommendation:
            values["recommendation"] = recommendation
        if line.outcome == previews.Outcome.CREATE:
            action = action_services.action_create(plan=sheet_import.plan, actor=actor, **values)
            seen = Status.NOT_STARTED
        else:
            action = line.action
            seen = action.status
            if values:
                action_services.action_update(action=action, actor=actor, **values)
            if line.new_date is not None:
                dates.change_target_date(
                    action=action, actor=actor, new_date=line.new_date, seen_date=action.target_date,
                    reason=f"Imported from the spreadsheet “{limits.clip(sheet_import.original_name, 60)}”.",
                )
        if line.note:
            lifecycle.record_progress(
                action=action, actor=actor, status=line.status or seen, note=line.note, seen_status=seen
            )
