"""Writes to action plans and actions, with plain arguments, each atomic and each leaving its change record.

Status changes are not here: they go through actionplans.lifecycle.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from actionplans.models import Action, ActionPlan
from audit.services import save_audited


def plan_create(*, review, actor, kind, agency, title, description=""):
    plan = ActionPlan(review=review)
    values = {"kind": kind, "agency": agency, "title": title, "description": description}
    return save_audited(plan, actor=actor, values=values)


def actions_cut_off(plan, kind, agency):
    """The plan's actions whose lead agency would lose sight of them if the plan became ``kind`` owned by
    ``agency``: in a single-agency plan only the owning agency sees (and leads) the actions."""
    if kind != ActionPlan.Kind.SINGLE_AGENCY or plan.pk is None:
        return Action.objects.none()
    return plan.actions.exclude(lead_agency=agency).select_related("lead_agency").order_by("reference")


def cut_off_message(actions, agency):
    listed = ", ".join(f"{a.reference} (led by {a.lead_agency.short_name})" for a in actions)
    return (
        f"This plan's actions {listed} would be hidden from the agencies that lead them, because only "
        f"{agency} sees {agency.short_name}'s own plan. Tick “Hand these actions to {agency.short_name}” to make "
        f"{agency.short_name} their lead agency, or keep the plan as it is."
    )


@transaction.atomic
def plan_update(*, plan, actor, hand_over_actions=False, **values):
    """Change a plan. When a single-agency plan changes hands (or a plan becomes single-agency), its actions led
    by another agency would be cut off from it: that is refused, unless ``hand_over_actions``, which makes the
    plan's agency their lead (clearing a responsible officer of the old lead), each change recorded."""
    kind, agency = values.get("kind", plan.kind), values.get("agency", plan.agency)
    cut_off = list(actions_cut_off(plan, kind, agency))
    if cut_off and not hand_over_actions:
        raise ValidationError({"agency": cut_off_message(cut_off, agency)})
    save_audited(plan, actor=actor, values=values)
    for action in cut_off:
        action.plan = plan
        officer = action.responsible_officer
        action_update(
            action=action,
            actor=actor,
            lead_agency=agency,
            responsible_officer=officer if officer and officer.agency_id == agency.pk else None,
        )
    return plan


def action_create(*, plan, actor, themes=(), **values):
    return save_audited(Action(plan=plan), actor=actor, values=values, m2m={"themes": themes})


def action_update(*, action, actor, themes=None, **values):
    """Change what an action is (not its status: see actionplans.lifecycle; nor its target date: see
    actionplans.dates). ``themes`` None leaves them."""
    if "target_date" in values and values["target_date"] != action.target_date:
        raise ValueError("An action's target date changes only through actionplans.dates, with a reason.")
    m2m = {"themes": themes} if themes is not None else None
    return save_audited(action, actor=actor, values=values, m2m=m2m)
