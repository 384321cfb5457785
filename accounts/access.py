"""The one path by which views decide who may see and change what (DOMAIN.md, "Who may see and change what").

Views call ``get_review``, ``get_plan`` or ``get_action`` with what they need to do. An object the
user may not see at all is a 404, so its existence is not revealed; an object the user may see
but not change is a 403. Lists start from ``visible_plans`` and ``visible_actions``.
Evidence follows the same pattern: ``get_evidence`` and ``visible_evidence``.
"""

import enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import Role
from actionplans.models import Action, ActionPlan
from actionplans.rules import Status
from evidence.models import Evidence
from reviews.models import Review


class Need(enum.Enum):
    VIEW = "view"
    CHANGE = "change"  # edit the object itself (sub-committee members and administrators)
    PROGRESS = "progress"  # record progress and move the status of an action (also its lead agency)
    SUBMIT_EVIDENCE = "submit_evidence"  # add evidence to an action (its lead agency's users)
    VERIFY = "verify"  # sign an action off as verified, or withdraw that (the consultant)
    DECIDE = "decide"  # accept or reject an evidence item (the consultant)


def _is_editor(user):
    return user.is_active and (user.role in (Role.MEMBER, Role.ADMIN) or user.is_superuser)


def can_change_reviews(user):
    """Create and change reviews, plans and actions."""
    return _is_editor(user)


def require_change_reviews(user):
    if not can_change_reviews(user):
        raise PermissionDenied("Only sub-committee members can create or change reviews, plans and actions.")


def visible_plans(user):
    plans = ActionPlan.objects.all()
    if user.role == Role.AGENCY and not user.is_superuser:
        plans = plans.filter(Q(kind=ActionPlan.Kind.MULTI_AGENCY) | Q(agency_id=user.agency_id))
    return plans


def visible_actions(user):
    actions = Action.objects.all()
    if user.role == Role.AGENCY and not user.is_superuser:
        actions = actions.filter(Q(plan__kind=ActionPlan.Kind.MULTI_AGENCY) | Q(plan__agency_id=user.agency_id))
    return actions


def can_view_plan(user, plan):
    if user.role == Role.AGENCY and not user.is_superuser:
        return plan.kind == ActionPlan.Kind.MULTI_AGENCY or plan.agency_id == user.agency_id
    return True


def can_record_progress(user, action):
    if _is_editor(user):
        return True
    return user.is_active and user.role == Role.AGENCY and action.lead_agency_id == user.agency_id


def allowed_statuses(user, action):
    """The statuses this user may move the action to with a progress update (not cancel or verify)."""
    if not can_record_progress(user, action):
        return []
    working = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED]
    if action.status == Status.VERIFIED:
        return []  # only withdrawing the consultant's sign-off reopens a verified action
    if action.status == Status.CANCELLED:
        return working if _is_editor(user) else []
    return working


def can_cancel(user, action):
    return _is_editor(user) and action.status not in (Status.CANCELLED, Status.VERIFIED)


def get_review(user, pk, need=Need.VIEW):
    try:
        review = Review.objects.get(pk=pk)
    except (Review.DoesNotExist, ValueError):
        raise Http404("No such review.") from None
    if need is not Need.VIEW:
        require_change_reviews(user)
    return review


def get_plan(user, pk, need=Need.VIEW):
    try:
        plan = ActionPlan.objects.select_related("review", "agency").get(pk=pk)
    except (ActionPlan.DoesNotExist, ValueError):
        raise Http404("No such action plan.") from None
    if not can_view_plan(user, plan):
        raise Http404("No such action plan.")
    if need is not Need.VIEW:
        require_change_reviews(user)
    return plan


def get_action(user, pk, need=Need.VIEW):
    try:
        action = Action.objects.select_related(
            "plan__review", "plan__agency", "lead_agency", "responsible_officer"
        ).get(pk=pk)
    except (Action.DoesNotExist, ValueError):
        raise Http404("No such action.") from None
    if not can_view_plan(user, action.plan):
        raise Http404("No such action.")
    if need is Need.CHANGE:
        require_change_reviews(user)
    if need is Need.PROGRESS and not can_record_progress(user, action):
        raise PermissionDenied("Only the lead agency and sub-committee members can record progress on this action.")
    if need is Need.SUBMIT_EVIDENCE and not can_submit_evidence(user, action):
        raise PermissionDenied(
            "Only users of the lead agency can submit evidence on this action, and not once it is verified or cancelled."
        )
    if need is Need.VERIFY and not can_verify(user):
        raise PermissionDenied("Only the consultant can sign off an action or withdraw a sign-off.")
    return action


# --- Evidence ------------------------------------------------------------------------------------------------
# Sub-committee members, the consultant, the board chair and administrators read all evidence. An agency user
# reads and adds only their own agency's, on the actions it leads; another agency's evidence does not exist
# for them (404). Only the consultant (and administrators) accept, reject and verify; the chair never writes.


def _is_agency_user(user):
    return user.role == Role.AGENCY and not user.is_superuser


def visible_evidence(user):
    evidence = Evidence.objects.all()
    if _is_agency_user(user):
        evidence = evidence.filter(agency_id=user.agency_id).filter(
            Q(action__plan__kind=ActionPlan.Kind.MULTI_AGENCY) | Q(action__plan__agency_id=user.agency_id)
        )
    return evidence


def can_view_evidence(user, evidence):
    if _is_agency_user(user):
        return evidence.agency_id == user.agency_id and can_view_plan(user, evidence.action.plan)
    return True


def can_submit_evidence(user, action):
    return (
        user.is_active
        and _is_agency_user(user)
        and action.lead_agency_id == user.agency_id
        and action.status not in (Status.CANCELLED, Status.VERIFIED)
    )


def can_change_evidence(user, evidence):
    """Replace with a new version, or withdraw: the submitting agency, while the item is undecided or rejected."""
    return user.is_active and _is_agency_user(user) and evidence.agency_id == user.agency_id and evidence.is_open


def can_decide(user):
    """Accept or reject evidence."""
    return user.is_active and (user.role in (Role.CONSULTANT, Role.ADMIN) or user.is_superuser)


def can_verify(user):
    """Sign off an action as verified, or withdraw the sign-off."""
    return can_decide(user)


def can_read_audit_queue(user):
    return user.is_active and not _is_agency_user(user)


def require_audit_queue(user):
    if not can_read_audit_queue(user):
        raise PermissionDenied("The audit queue is the consultant's: agency users see their evidence on each action.")


def get_evidence(user, pk, need=Need.VIEW):
    try:
        evidence = Evidence.objects.select_related(
            "action__plan__review", "action__plan__agency", "action__lead_agency", "agency", "submitted_by"
        ).get(pk=pk)
    except (Evidence.DoesNotExist, ValueError):
        raise Http404("No such evidence.") from None
    if not can_view_evidence(user, evidence):
        raise Http404("No such evidence.")
    if need is Need.DECIDE and not can_decide(user):
        raise PermissionDenied("Only the consultant can accept or reject evidence.")
    if need in (Need.CHANGE, Need.SUBMIT_EVIDENCE) and not can_change_evidence(user, evidence):
        raise PermissionDenied(
            "Only the agency that submitted this evidence can replace or withdraw it, and only while it is "
            "undecided or rejected."
        )
    if need is Need.SUBMIT_EVIDENCE and not can_submit_evidence(user, evidence.action):
        raise PermissionDenied("This action no longer takes evidence from your agency (it is verified or cancelled).")
    return evidence
