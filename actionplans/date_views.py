"""The pages of honest target dates: change or ask for a new target date, approve or refuse a request, withdraw it.
The writes are actionplans.dates'; who may do what is accounts.access'."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.access import Need
from actionplans import dates
from actionplans.forms import DateDecisionForm, TargetDateForm
from actionplans.models import TargetDateChange
from scrsystem.http import posted, refused_status


def target_date_panel(user, action):
    """What the action page's "Target date" panel shows this user: the moves, the waiting request and the buttons.
    One query (the moves, with who made and decided them)."""
    changes = list(action.date_changes.select_related("requested_by__agency", "decided_by"))
    pending = next((change for change in changes if change.status == TargetDateChange.Status.PENDING), None)
    may_change = access.can_change_target_date(user, action)
    open_ = action.status not in dates.CLOSED
    return {
        "date_changes": changes,
        "date_request": pending,
        "can_change_target_date": may_change and open_ and pending is None,
        "can_request_target_date": access.can_request_target_date(user, action) and open_ and pending is None,
        "can_decide_date_request": pending is not None and may_change,
        "can_withdraw_date_request": pending is not None and access.can_withdraw_date_request(user, pending),
        "decision_form": DateDecisionForm() if pending is not None and may_change else None,
    }


@require_http_methods(["GET", "POST"])
def action_target_date(request, pk):
    """A member changes the target date; a user of the lead agency asks for a new one. The same form for both."""
    action = access.get_action(request.user, pk, Need.TARGET_DATE)
    direct = access.can_change_target_date(request.user, action)
    why_not = dates.refusal(action)  # a closed action, or a request waiting; a race lost later is the form's
    if why_not:
        raise PermissionDenied(why_not)
    form = TargetDateForm(posted(request), action=action, direct=direct)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if direct:
                change = dates.change_target_date(
                    action=action, actor=request.user, new_date=data["new_date"], reason=data["reason"],
                    seen_date=data["seen_date"],
                )
                message = (
                    f"Target date of action {action} changed from {dates.day(change.old_date)} to "
                    f"{dates.day(change.new_date)}."
                )
            else:
                change = dates.request_target_date(
                    action=action, actor=request.user, new_date=data["new_date"], reason=data["reason"]
                )
                message = (
                    f"Your request to move the target date of action {action} to {dates.day(change.new_date)} is "
                    "waiting for a sub-committee member's decision."
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect(f"{action.get_absolute_url()}#target-date")
    status = refused_status(form) if request.method == "POST" else 200
    heading = f"Change the target date of action {action}" if direct else f"Ask for a new target date of action {action}"
    intro = (
        "The new date applies at once. The original date and every move stay on the action's record."
        if direct
        else "A sub-committee member approves or refuses the new date; until then the current date stands."
    )
    context = {"action": action, "form": form, "heading": heading, "intro": intro, "direct": direct}
    return render(request, "actionplans/target_date_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def date_change_decide(request, pk):
    """A member approves or refuses a waiting request. The action page posts here; a refused form comes back on
    this page, its error beside the note."""
    change = access.get_date_change(request.user, pk, Need.CHANGE)
    action = change.action
    if request.method == "GET" and change.status != TargetDateChange.Status.PENDING:
        raise PermissionDenied(
            f"This request for a new target date of action {action} is {change.get_status_display().lower()}: "
            "there is nothing to decide."
        )
    form = DateDecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            dates.decide_target_date(change=change, actor=request.user, approve=approve, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if approve:
                message = f"New target date of action {action} approved: it is now {dates.day(change.new_date)}."
            else:
                message = f"New target date of action {action} refused. {change.requested_by} can read your note."
            messages.success(request, message)
            return redirect(f"{action.get_absolute_url()}#target-date")
    status = refused_status(form) if request.method == "POST" else 200
    context = {"action": action, "change": change, "decision_form": form}
    return render(request, "actionplans/date_change_decide.html", context, status=status)


@require_POST
def date_change_withdraw(request, pk):
    """The agency that asked takes its request back."""
    change = access.get_date_change(request.user, pk, Need.WITHDRAW)
    action = change.action
    try:
        dates.withdraw_date_request(change=change, actor=request.user)
    except ValidationError as error:
        messages.error(request, "Not withdrawn. " + " ".join(error.messages))
    else:
        messages.success(request, f"Your request for a new target date of action {action} is withdrawn.")
    return redirect(f"{action.get_absolute_url()}#target-date")
