"""Reads of evidence for the pages: the consultant's audit queue and the evidence panel of an action page."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from accounts import access
from actionplans import lifecycle
from actionplans.models import ProgressUpdate
from actionplans.rules import Status
from evidence.models import Evidence

QUEUE_RELATED = (
    "action__plan__review",
    "action__lead_agency",
    "action__responsible_officer",
    "action__recommendation",
    "agency",
    "submitted_by",
    "supersedes__decision__decided_by",
)


def _accepted_count(user):
    accepted = (
        access.visible_evidence(user)
        .filter(action=OuterRef("action"), status=Evidence.Status.ACCEPTED)
        .order_by()
        .values("action")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(accepted, output_field=IntegerField()), Value(0))


def audit_queue(user):
    """Every submitted item not yet decided, oldest first, with its action's context: one query."""
    return (
        access.visible_evidence(user)
        .filter(status=Evidence.Status.SUBMITTED)
        .select_related(*QUEUE_RELATED)
        .annotate(accepted_on_action=_accepted_count(user))
        .order_by("submitted_at", "pk")
    )


def evidence_of_action(user, action):
    """The action's evidence this user may see, newest first; each item knows the version that replaced it."""
    items = list(
        access.visible_evidence(user)
        .filter(action=action)
        .select_related("submitted_by", "decision__decided_by", "withdrawn_by")
        .order_by("-submitted_at", "-pk")
    )
    replaced_by = {item.supersedes_id: item for item in items if item.supersedes_id}
    for item in items:
        item.replaced_by = replaced_by.get(item.pk)
    return items


def versions_of(user, evidence):
    """The chain of versions this item belongs to, oldest first (it is short: one per rejection), as far as this
    user may see them (a new version stays with the agency that submitted the first)."""
    items = access.visible_evidence(user).select_related("decision", "submitted_by")
    older, item = [], evidence
    while item.supersedes_id and (item := items.filter(pk=item.supersedes_id).first()):
        older.append(item)
    newer, item = [], evidence
    while (item := items.filter(supersedes=item).first()):
        newer.append(item)
    return [*reversed(older), evidence, *newer]


def action_evidence_context(user, action):
    """What the action page shows of evidence and its sign-off, and what this user may do with evidence there."""
    sign_off = None
    if action.status == Status.VERIFIED:
        sign_off = (
            ProgressUpdate.objects.filter(action=action, status_after=Status.VERIFIED)
            .select_related("author")
            .order_by("-created_at", "-id")
            .first()
        )
    items = evidence_of_action(user, action)
    for item in items:
        item.action = action  # the action is known: no query per item for who may replace it
        item.can_replace = lifecycle.allowed(user, item, "new_version")
    return {
        "evidence_items": items,
        # Another agency's evidence on an action this agency user can read but does not lead.
        "evidence_hidden": user.is_agency_user and action.lead_agency_id != user.agency_id,
        "can_submit_evidence": lifecycle.may_submit_evidence(user, action),
        "sign_off": sign_off,
    }
