from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.access import Need
from actionplans import lifecycle, rules, services
from actionplans.bulk_views import bulk_panel
from actionplans.date_views import target_date_panel
from actionplans.filters import listed_actions
from actionplans.forms import ActionForm, ActionPlanForm, ProgressForm, ReasonForm, ReinstateForm, SignOffForm
from actionplans.selectors import with_latest_progress
from audit.services import history_of
from dashboard.selectors import known_total
from evidence.selectors import action_evidence_context
from reminders.selectors import reminder_items_about
from scrsystem.http import form_values, paginate, posted, refused_status

LIST_RELATED = ("plan__review", "plan__agency", "lead_agency", "responsible_officer")


#: The query parameters that leave the action list showing every action it may (the page, the order).
UNFILTERED = {"page", "ordering"}


def _paginated_actions(request, queryset, count=None, **context):
    """The page of ``queryset`` the request asks for, filtered; ``count``, when known, the number it lists."""
    action_filter, actions = listed_actions(request.GET, queryset, request)
    action_filter.offer_choices()
    actions = with_latest_progress(actions.select_related(*LIST_RELATED))
    page, query = paginate(request, actions, count)
    return {"filter": action_filter, "page": page, "query": query, "today": rules.today(), **context}


def action_list(request):
    # With no filter, every visible action: the dashboard's cached figures have counted them already (a count of
    # every action is the costliest query of the page at 200,000 actions, README "Action list performance").
    count = None if set(request.GET) - UNFILTERED else known_total(request.user)
    context = _paginated_actions(request, access.visible_actions(request.user), count, heading="Actions")
    context.update(bulk_panel(request.user, context))
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
        plan = services.plan_create(review=review, actor=request.user, **form_values(form))
        messages.success(request, f"Action plan “{plan.title}” added to {review.reference}. Now add its actions.")
        return redirect(plan)
    return render(request, "actionplans/plan_form.html", {"form": form, "review": review, "heading": "New action plan"})


def plan_detail(request, pk):
    plan = access.get_plan(request.user, pk)
    actions = list(
        with_latest_progress(plan.actions.select_related("lead_agency", "responsible_officer")).order_by("reference")
    )
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
        try:
            services.plan_update(
                plan=plan,
                actor=request.user,
                hand_over_actions=form.cleaned_data.get("hand_over_actions", False),
                **form_values(form),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Action plan “{plan.title}” of {plan.review.reference} saved.")
            return redirect(plan)
    return render(
        request, "actionplans/plan_form.html", {"form": form, "review": plan.review, "plan": plan, "heading": "Edit action plan"}
    )


@require_http_methods(["GET", "POST"])
def action_create(request, plan_pk):
    plan = access.get_plan(request.user, plan_pk, Need.CHANGE)
    form = ActionForm(posted(request), plan=plan, submit_label="Add action")
    if request.method == "POST" and form.is_valid():
        action = services.action_create(plan=plan, actor=request.user, **form_values(form))
        messages.success(request, f"Action {action} added to {plan.title}.")
        return redirect(plan)
    return render(request, "actionplans/action_form.html", {"form": form, "plan": plan, "heading": "New action"})


def action_detail(request, pk):
    action = access.get_action(request.user, pk)
    user = request.user
    statuses = lifecycle.allowed_statuses(user, action)
    may_verify = lifecycle.allowed(user, action, "verify")
    context = {
        "action": action,
        "today": rules.today(),
        "themes": action.themes.all(),
        "updates": action.progress_updates.select_related("author"),
        "history": history_of(action),
        "reminder_items": reminder_items_about(user, action=action),
        # Whether practice changed since it was verified (learning.services: one check at a time, the latest first).
        "impact_checks": list(action.impact_checks.select_related("sub_committee").order_by("-due_on", "-pk")),
        "progress_form": ProgressForm(action=action, statuses=statuses) if statuses else None,
        "can_change": access.can_change_reviews(user),
        "can_cancel": lifecycle.allowed(user, action, "cancel"),
        "can_reinstate": lifecycle.allowed(user, action, "reinstate"),
        "can_verify": may_verify,
        "verify_refusal": lifecycle.verification_refusal(action) if may_verify else None,
        "can_withdraw_verification": lifecycle.allowed(user, action, "withdraw_verification"),
        **target_date_panel(user, action),
        **action_evidence_context(user, action),
    }
    return render(request, "actionplans/action_detail.html", context)


@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = access.get_action(request.user, pk, Need.CHANGE)
    form = ActionForm(posted(request), instance=action, plan=action.plan)
    if request.method == "POST" and form.is_valid():
        services.action_update(action=action, actor=request.user, **form_values(form))
        messages.success(request, f"Action {action} saved.")
        return redirect(action)
    return render(
        request, "actionplans/action_form.html", {"form": form, "plan": action.plan, "action": action, "heading": "Edit action"}
    )


def _moved(request, form, move, message):
    """Make a status move; on success a message and True. A refusal or a race lost goes into the form (and so
    onto the page again, with what the person wrote)."""
    try:
        move()
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, message)
    return True


@require_POST
def action_progress(request, pk):
    action = access.get_action(request.user, pk, Need.PROGRESS)
    # Judged on the status the person saw: if it changed since, the lifecycle says what changed and by whom.
    seen = request.POST.get("seen_status")
    lifecycle.require(request.user, action, "progress", seen=seen)
    statuses = lifecycle.allowed_statuses(request.user, action, seen=seen)
    form = ProgressForm(request.POST, action=action, statuses=statuses)
    if form.is_valid():
        data = form.cleaned_data
        move = lambda: lifecycle.record_progress(  # noqa: E731
            action=action, actor=request.user, status=data["status"], note=data["note"], seen_status=data["seen_status"]
        )
        if _moved(request, form, move, f"Progress on action {action} recorded."):
            return redirect(action)
    messages.error(request, "Progress was not recorded: see the message below.")
    context = {"action": action, "progress_form": form, "today": rules.today()}
    return render(request, "actionplans/action_progress.html", context, status=refused_status(form))


def _reason_page(request, action, move_name, *, form, heading, intro, message, move):
    lifecycle.require(request.user, action, move_name, seen=request.POST.get("seen_status"))
    if request.method == "POST" and form.is_valid():
        if _moved(request, form, lambda: move(form.cleaned_data), message):
            return redirect(action)
    status = refused_status(form) if form.errors and request.method == "POST" else 200
    context = {"action": action, "form": form, "heading": heading, "intro": intro}
    return render(request, "actionplans/action_move.html", context, status=status)


@require_http_methods(["GET", "POST"])
def action_cancel(request, pk):
    action = access.get_action(request.user, pk, Need.CHANGE)
    form = ReasonForm(
        posted(request),
        seen=action,
        label="Reason for cancelling",
        help_text="Cancelled actions leave every percentage. Say why, for the board's record.",
        submit_label="Cancel this action",
    )
    return _reason_page(
        request, action, "cancel", form=form,
        heading=f"Cancel action {action}",
        intro="A cancelled action no longer counts in any percentage. A member can reinstate it later.",
        message=f"Action {action} cancelled. It no longer counts in any percentage.",
        move=lambda data: lifecycle.cancel(
            action=action, actor=request.user, reason=data["reason"], seen_status=data["seen_status"]
        ),
    )


@require_http_methods(["GET", "POST"])
def action_reinstate(request, pk):
    action = access.get_action(request.user, pk, Need.CHANGE)
    form = ReinstateForm(posted(request), action=action)
    return _reason_page(
        request, action, "reinstate", form=form,
        heading=f"Reinstate action {action}",
        intro=f"It was cancelled because: {action.cancellation_reason.rstrip('.')}. Once reinstated, it counts in "
        "every percentage again.",
        message=f"Action {action} reinstated.",
        move=lambda data: lifecycle.reinstate(
            action=action, actor=request.user, status=data["status"], note=data["note"], seen_status=data["seen_status"]
        ),
    )


@require_POST
def action_verify(request, pk):
    action = access.get_action(request.user, pk, Need.VERIFY)
    form = SignOffForm(request.POST, seen=action)
    if form.is_valid():
        try:
            lifecycle.verify(
                action=action, actor=request.user, note=form.cleaned_data["note"],
                seen_status=form.cleaned_data["seen_status"],
            )
        except ValidationError as error:
            messages.error(request, "Not signed off. " + " ".join(error.messages))
        else:
            messages.success(request, f"Action {action} signed off as verified.")
            return redirect(action)
    else:
        messages.error(request, "Not signed off: " + " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{action.get_absolute_url()}#sign-off")


@require_http_methods(["GET", "POST"])
def action_withdraw_verification(request, pk):
    action = access.get_action(request.user, pk, Need.VERIFY)
    form = ReasonForm(
        posted(request),
        seen=action,
        label="Reason for withdrawing the sign-off",
        help_text="The action goes back to completed; the reason is kept in its progress log.",
        submit_label="Withdraw the sign-off",
    )
    return _reason_page(
        request, action, "withdraw_verification", form=form,
        heading=f"Withdraw the sign-off of action {action}",
        intro="The action goes back to completed, and out of the compliance figure, until it is signed off again.",
        message=f"Sign-off of action {action} withdrawn: it is completed again.",
        move=lambda data: lifecycle.withdraw_verification(
            action=action, actor=request.user, reason=data["reason"], seen_status=data["seen_status"]
        ),
    )
