from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.access import Need
from actionplans import rules, services
from actionplans.filters import ActionFilter
from actionplans.forms import ActionForm, ActionPlanForm, CancelForm, ProgressForm
from audit.services import history_of
from evidence.selectors import action_evidence_context
from reminders.selectors import reminder_items_of_action
from scrsystem.http import paginate, posted

LIST_RELATED = ("plan__review", "plan__agency", "lead_agency", "responsible_officer")


def _paginated_actions(request, queryset, **context):
    action_filter = ActionFilter(request.GET, queryset=queryset, request=request)
    actions = action_filter.qs.select_related(*LIST_RELATED)
    if not request.GET.get("ordering"):
        actions = actions.order_by("target_date", "plan__review__reference", "reference")
    page, query = paginate(request, actions)
    return {"filter": action_filter, "page": page, "query": query, "today": rules.today(), **context}


def action_list(request):
    context = _paginated_actions(request, access.visible_actions(request.user), heading="Actions")
    return render(request, "actionplans/action_list.html", context)


def mine_of(user, actions):
    """The actions of "My actions" (also exported from it): those the user's agency leads, or those they are
    responsible for; with the page heading."""
    if user.agency_id and user.is_agency_user:
        return actions.filter(lead_agency_id=user.agency_id), f"Actions led by {user.agency}"
    return actions.filter(responsible_officer=user), "Actions I am responsible for"


def my_actions(request):
    actions, heading = mine_of(request.user, access.visible_actions(request.user))
    context = _paginated_actions(request, actions, heading=heading, mine=True)
    return render(request, "actionplans/action_list.html", context)


@require_http_methods(["GET", "POST"])
def plan_create(request, review_pk):
    review = access.get_review(request.user, review_pk, Need.CHANGE)
    form = ActionPlanForm(posted(request), review=review, submit_label="Add plan")
    if request.method == "POST" and form.is_valid():
        plan = services.plan_create(form=form, actor=request.user)
        messages.success(request, f"Action plan “{plan.title}” added. Now add its actions.")
        return redirect(plan)
    return render(request, "actionplans/plan_form.html", {"form": form, "review": review, "heading": "New action plan"})


def plan_detail(request, pk):
    plan = access.get_plan(request.user, pk)
    actions = list(plan.actions.select_related("lead_agency", "responsible_officer").order_by("reference"))
    context = {
        "plan": plan,
        "actions": actions,
        "figures": rules.figures_in_python(actions),
        "today": rules.today(),
        "can_change": access.can_change_reviews(request.user),
    }
    return render(request, "actionplans/plan_detail.html", context)


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = access.get_plan(request.user, pk, Need.CHANGE)
    form = ActionPlanForm(posted(request), instance=plan, review=plan.review)
    if request.method == "POST" and form.is_valid():
        services.plan_update(form=form, actor=request.user)
        messages.success(request, "Action plan saved.")
        return redirect(plan)
    return render(
        request, "actionplans/plan_form.html", {"form": form, "review": plan.review, "plan": plan, "heading": "Edit action plan"}
    )


@require_http_methods(["GET", "POST"])
def action_create(request, plan_pk):
    plan = access.get_plan(request.user, plan_pk, Need.CHANGE)
    form = ActionForm(posted(request), plan=plan, submit_label="Add action")
    if request.method == "POST" and form.is_valid():
        action = services.action_create(form=form, actor=request.user)
        messages.success(request, f"Action {action.reference} added to {plan.title}.")
        return redirect(plan)
    return render(request, "actionplans/action_form.html", {"form": form, "plan": plan, "heading": "New action"})


def action_detail(request, pk):
    action = access.get_action(request.user, pk)
    statuses = access.allowed_statuses(request.user, action)
    context = {
        "action": action,
        "today": rules.today(),
        "themes": action.themes.all(),
        "updates": action.progress_updates.select_related("author"),
        "history": history_of(action),
        "reminder_items": reminder_items_of_action(action),
        "progress_form": ProgressForm(action=action, statuses=statuses) if statuses else None,
        "can_change": access.can_change_reviews(request.user),
        "can_cancel": access.can_cancel(request.user, action),
        **action_evidence_context(request.user, action),
    }
    return render(request, "actionplans/action_detail.html", context)


@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = access.get_action(request.user, pk, Need.CHANGE)
    form = ActionForm(posted(request), instance=action, plan=action.plan)
    if request.method == "POST" and form.is_valid():
        services.action_update(form=form, actor=request.user)
        messages.success(request, f"Action {action.reference} saved.")
        return redirect(action)
    return render(
        request, "actionplans/action_form.html", {"form": form, "plan": action.plan, "action": action, "heading": "Edit action"}
    )


@require_POST
def action_progress(request, pk):
    action = access.get_action(request.user, pk, Need.PROGRESS)
    statuses = access.allowed_statuses(request.user, action)
    if not statuses:
        raise PermissionDenied("This action's status can no longer be changed here.")
    form = ProgressForm(request.POST, action=action, statuses=statuses)
    if form.is_valid():
        services.action_record_progress(
            action=action, actor=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
        messages.success(request, "Progress recorded.")
        return redirect(action)
    messages.error(request, "Progress was not recorded: please correct the form below.")
    context = {"action": action, "progress_form": form, "today": rules.today()}
    return render(request, "actionplans/action_progress.html", context, status=400)


@require_http_methods(["GET", "POST"])
def action_cancel(request, pk):
    action = access.get_action(request.user, pk, Need.CHANGE)
    if not access.can_cancel(request.user, action):
        raise PermissionDenied("A verified or already cancelled action cannot be cancelled.")
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.action_cancel(action=action, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Action {action.reference} cancelled. It no longer counts in any percentage.")
        return redirect(action)
    return render(request, "actionplans/action_cancel.html", {"action": action, "form": form})
