"""Writes of new evidence: a submission, or a new version of an item. Decisions, withdrawals and the status of an
item are actionplans.lifecycle's.

Every write leaves change records (audit.services). Files reach storage only after every check in
evidence.uploads passed, and are removed again when the database write fails. Call ``evidence_submit`` and
``evidence_supersede`` outside any transaction (their views are ``non_atomic_requests``): their own
transaction is then final when they return, and no later rollback can leave a stored file without its row.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from actionplans import lifecycle
from actionplans.models import Action
from audit.services import record_created, record_sealed
from evidence import storage
from evidence.models import Evidence, EvidenceDownload


def _create(*, action, agency_id, actor, description, represents_on, note, checked=None, stored_name="", supersedes=None):
    evidence = Evidence(
        action=action,
        agency_id=agency_id,
        description=description,
        represents_on=represents_on,
        note=note,
        submitted_by=actor,
        submitted_at=timezone.now(),
        supersedes=supersedes,
    )
    if checked is not None:
        evidence.stored_name = stored_name
        evidence.original_name = checked.original_name
        evidence.content_type = checked.content_type
        evidence.size = checked.size
        evidence.sha256 = checked.sha256
    evidence.save()
    record_created(evidence, actor=actor)
    return evidence


def store_then(write, uploads, folder="evidence"):
    """Store each CheckedUpload (in ``folder``), then call ``write(names)``, all in one transaction; if anything
    fails, the stored files are removed again. Every write that keeps an uploaded file goes through here."""
    stored = []
    try:
        with transaction.atomic():
            for checked in uploads:
                stored.append(storage.save(checked, folder))
            return write(stored)
    except BaseException:
        for name in stored:
            storage.delete_quietly(name)
        raise


def evidence_submit(*, action, actor, description, represents_on, uploads=(), note=""):
    """Submit evidence on an action its agency leads: one item per checked file, or one written note.
    Returns the new items. The submitting agency is the action's lead agency."""
    uploads = list(uploads)
    if not uploads and not note.strip():
        raise ValidationError("Choose at least one file or write a note.")
    common = {
        "action": action,
        "agency_id": action.lead_agency_id,
        "actor": actor,
        "description": description,
        "represents_on": represents_on,
        "note": note,
    }

    def write(names):
        # Lock the action, so that it cannot be verified or cancelled while its new evidence is written.
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if not access.can_submit_evidence(actor, locked):
            raise PermissionDenied("Only users of the lead agency can submit evidence on this action.")
        refusal = lifecycle.submission_refusal(locked)
        if refusal:
            raise lifecycle.Refused(refusal)
        if not uploads:
            return [_create(**common)]
        return [
            _create(**common, checked=checked, stored_name=name) for checked, name in zip(uploads, names, strict=True)
        ]

    return store_then(write, uploads)


def evidence_supersede(*, old, actor, description, represents_on, upload=None, note="", seen_status=None):
    """Answer an undecided or rejected item with a new version. The old one stays on record, superseded.
    ``seen_status`` is the old item's status as the person saw it (default: as loaded)."""
    if upload is None and not note.strip():
        raise ValidationError("Choose a file or write a note for the new version.")
    uploads = [upload] if upload is not None else []

    seen = seen_status or old.status

    def write(names):
        lifecycle.supersede(old=old, actor=actor, seen_status=seen, text=description)
        return _create(
            action=old.action,
            agency_id=old.agency_id,
            actor=actor,
            description=description,
            represents_on=represents_on,
            note=note,
            checked=upload,
            stored_name=names[0] if names else "",
            supersedes=old,
        )

    return store_then(write, uploads)


@transaction.atomic(savepoint=False)
def evidence_record_download(*, evidence, user, ip_address=None):
    """Log one download of the item's file: who, from where, when (shown to administrators in the admin site),
    sealed in the audit chain."""
    download = EvidenceDownload.objects.create(evidence=evidence, user=user, ip_address=ip_address)
    record_sealed(download, actor=user)
    return download
