"""The one path by which views decide who may see and change what (DOMAIN.md, "Who may see and change what").

Views call ``get_review``, ``get_plan`` or ``get_action`` with what they need to do. An object the
user may not see at all is a 404, so its existence is not revealed; an object the user may see
but not change is a 403. Lists start from ``visible_plans`` and ``visible_actions``.
"""

import enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import Role
from actionplans.models import Action, ActionPlan
from actionplans.rules import Status
from reviews.models import Review


class Need(enum.Enum):
    VIEW = "view"
    CHANGE = "change"  # edit the object itself (sub-committee members and administrators)
    PROGRESS = "progress"  # record progress and move the status of an action (also its lead agency)


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
    return action
