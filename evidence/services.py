"""Writes to evidence (submit, replace, withdraw, decide) and the consultant's sign-off of an action.

Every write leaves change records (audit.services). Files reach storage only after every check in
evidence.uploads passed, and are removed again when the database write fails. Call ``evidence_submit`` and
``evidence_supersede`` outside any transaction (their views are ``non_atomic_requests``): their own
transaction is then final when they return, and no later rollback can leave a stored file without its row.

State changes claim the row with a conditional UPDATE, so two people acting at once cannot both succeed.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actionplans.models import Action
from actionplans.rules import Status
from actionplans.services import action_record_progress
from audit.services import record_changed, record_created, snapshot
from evidence import selectors, storage, tasks
from evidence.models import Evidence, EvidenceDecision, EvidenceDownload

EVIDENCE_FIELDS = [
    "action",
    "description",
    "represents_on",
    "note",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "status",
    "supersedes",
]
DECISION_FIELDS = ["evidence", "outcome", "note"]


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
    record_created(evidence, actor=actor, fields=EVIDENCE_FIELDS)
    return evidence


def _store_then(write, uploads):
    """Store each CheckedUpload, then call ``write(names)``, all in one transaction; if anything fails, the
    stored files are removed again."""
    stored = []
    try:
        with transaction.atomic():
            for checked in uploads:
                stored.append(storage.save(checked))
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
        if not uploads:
            return [_create(**common)]
        return [
            _create(**common, checked=checked, stored_name=name) for checked, name in zip(uploads, names, strict=True)
        ]

    return _store_then(write, uploads)


def evidence_supersede(*, old, actor, description, represents_on, upload=None, note=""):
    """Answer an undecided or rejected item with a new version. The old one stays on record, superseded."""
    if upload is None and not note.strip():
        raise ValidationError("Choose a file or write a note for the new version.")
    uploads = [upload] if upload is not None else []

    def write(names):
        before = snapshot(old, ["status"])
        if not Evidence.objects.filter(pk=old.pk, status__in=Evidence.OPEN_STATUSES).update(
            status=Evidence.Status.SUPERSEDED
        ):
            raise ValidationError("This item was decided, replaced or withdrawn meanwhile; nothing was saved.")
        old.status = Evidence.Status.SUPERSEDED
        record_changed(old, actor=actor, before=before)
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

    return _store_then(write, uploads)


@transaction.atomic
def evidence_withdraw(*, evidence, actor, reason):
    """The submitting agency takes an undecided or rejected item back. It stays on record with the reason."""
    before = snapshot(evidence, ["status", "withdrawal_reason"])
    now = timezone.now()
    claimed = Evidence.objects.filter(pk=evidence.pk, status__in=Evidence.OPEN_STATUSES).update(
        status=Evidence.Status.WITHDRAWN, withdrawal_reason=reason, withdrawn_by=actor, withdrawn_at=now
    )
    if not claimed:
        raise ValidationError("This item was decided, replaced or withdrawn meanwhile; nothing was saved.")
    evidence.status, evidence.withdrawal_reason = Evidence.Status.WITHDRAWN, reason
    evidence.withdrawn_by, evidence.withdrawn_at = actor, now
    record_changed(evidence, actor=actor, before=before)
    return evidence


@transaction.atomic
def evidence_decide(*, evidence, actor, accept, note, notify=True):
    """Accept or reject a submitted item. A rejection needs a note and e-mails the submitter after commit."""
    note = note.strip()
    if not accept and not note:
        raise ValidationError("Write a note saying why the evidence is rejected: the agency will read it.")
    outcome = EvidenceDecision.Outcome.ACCEPTED if accept else EvidenceDecision.Outcome.REJECTED
    before = snapshot(evidence, ["status"])
    if not Evidence.objects.filter(pk=evidence.pk, status=Evidence.Status.SUBMITTED).update(status=outcome):
        raise ValidationError("This item was already decided, replaced or withdrawn; nothing was saved.")
    evidence.status = outcome
    decision = EvidenceDecision.objects.create(
        evidence=evidence, outcome=outcome, note=note, decided_by=actor, decided_at=timezone.now()
    )
    record_changed(evidence, actor=actor, before=before)
    record_created(decision, actor=actor, fields=DECISION_FIELDS)
    if outcome == EvidenceDecision.Outcome.REJECTED and notify:
        # Only once the decision is committed: a rolled-back request sends nothing.
        tasks.send_rejection_email.delay_on_commit(decision.pk)
    return decision


def _lock_status(action):
    # Lock the action until the transaction ends and act on its current status, not the one loaded earlier.
    action.status = Action.objects.select_for_update().values_list("status", flat=True).get(pk=action.pk)


@transaction.atomic
def action_verify(*, action, actor, note):
    """The consultant signs the action off: completed → verified, with a dated note in the progress log."""
    _lock_status(action)
    refusal = selectors.verification_refusal(action)
    if refusal:
        raise ValidationError(refusal)
    return action_record_progress(action=action, actor=actor, status=Status.VERIFIED, note=f"Verified: {note}")


@transaction.atomic
def action_withdraw_verification(*, action, actor, reason):
    """The consultant withdraws a sign-off: verified → completed, with the reason in the progress log."""
    _lock_status(action)
    if action.status != Status.VERIFIED:
        raise ValidationError("This action is not verified, so there is no sign-off to withdraw.")
    return action_record_progress(
        action=action, actor=actor, status=Status.COMPLETED, note=f"Sign-off withdrawn: {reason}"
    )


def evidence_record_download(*, evidence, user, ip_address=None):
    """Log one download of the item's file: who, from where, when (shown to administrators in the admin site)."""
    return EvidenceDownload.objects.create(evidence=evidence, user=user, ip_address=ip_address)
