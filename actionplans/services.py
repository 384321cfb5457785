"""Writes to action plans and actions. Each one leaves a change record (audit.services)."""

from django.utils import timezone

from actionplans.forms import ActionForm, ActionPlanForm
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status
from audit.services import record_changed, record_created, snapshot

PLAN_FIELDS = ActionPlanForm.Meta.fields
ACTION_FIELDS = ActionForm.Meta.fields + ["status", "cancellation_reason"]


def plan_create(*, form, actor):
    plan = form.save(commit=False)
    plan.created_by = actor
    plan.save()
    record_created(plan, actor=actor, fields=PLAN_FIELDS)
    return plan


def plan_update(*, form, actor):
    before = snapshot(type(form.instance).objects.get(pk=form.instance.pk), PLAN_FIELDS)
    plan = form.save()
    record_changed(plan, actor=actor, before=before)
    return plan


def action_create(*, form, actor):
    action = form.save(commit=False)
    action.created_by = actor
    action.save()
    form.save_m2m()
    record_created(action, actor=actor, fields=ActionForm.Meta.fields + ["status"])
    return action


def action_update(*, form, actor):
    before = snapshot(Action.objects.get(pk=form.instance.pk), ACTION_FIELDS)
    action = form.save()
    record_changed(action, actor=actor, before=before)
    return action


def action_record_progress(*, action, actor, status, note):
    """Add a dated progress note, moving the status if it changed. The caller checked the status is allowed."""
    before = snapshot(action, ACTION_FIELDS)
    previous = action.status
    if status != previous:
        action.status = status
        action.status_changed_at = timezone.now()
        action.cancellation_reason = ""
        action.save(update_fields=["status", "status_changed_at", "cancellation_reason", "updated_at"])
        record_changed(action, actor=actor, before=before)
    return ProgressUpdate.objects.create(
        action=action, author=actor, note=note, status_before=previous, status_after=status
    )


def action_cancel(*, action, actor, reason):
    before = snapshot(action, ACTION_FIELDS)
    previous = action.status
    action.status = Status.CANCELLED
    action.cancellation_reason = reason
    action.status_changed_at = timezone.now()
    action.save(update_fields=["status", "cancellation_reason", "status_changed_at", "updated_at"])
    record_changed(action, actor=actor, before=before)
    return ProgressUpdate.objects.create(
        action=action, author=actor, note=f"Cancelled: {reason}", status_before=previous, status_after=Status.CANCELLED
    )
