"""The pages of bulk updates (actionplans.bulk): the choice under the action list, the confirmation page, the result.
Members (and administrators) only: everyone else gets no checkboxes, and 403 from these URLs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from actionplans import bulk
from actionplans.filters import ActionFilter
from actionplans.forms import BulkForm

#: Where the outcome of the person's last bulk change waits for the result page.
OUTCOME = "actionplans.bulk.outcome"


def bulk_panel(user, context):
    """What the action list adds for a member: the bulk form, whose checkboxes are on the list's rows."""
    if not access.can_change_reviews(user):
        return {}
    return {"bulk_form": BulkForm(matching=context["page"].paginator.count, initial={"query": context["query"]})}


def _listed(request, query):
    """The actions the list showed for this filter: the same filter on the same visible actions, read again now."""
    params = QueryDict(query)
    return ActionFilter(params, queryset=access.visible_actions(request.user), request=request).qs


@require_POST
def bulk_confirm(request):
    """The confirmation page: each change (old → new) and each refusal, by action. Nothing is changed here."""
    access.require_change_reviews(request.user)
    query = request.POST.get("query", "")
    listed = _listed(request, query)
    form = BulkForm(request.POST, matching=listed.count())
    if form.is_valid():
        data = form.cleaned_data
        if data["scope"] == BulkForm.ALL:
            actions = listed
        else:
            actions = access.visible_actions(request.user).filter(pk__in=data["actions"])
        try:
            confirmation = bulk.prepare(request.user, actions, form.change())
        except bulk.TooMany as error:
            form.add_error("scope", str(error))
        else:
            return render(request, "actionplans/bulk_confirm.html", {"confirmation": confirmation, "query": query})
    context = {"form": form, "query": query, "ticked": len(form.cleaned_data.get("actions") or [])}
    return render(request, "actionplans/bulk_form.html", context, status=400)


@require_POST
def bulk_apply(request):
    """Make the changes the confirmation page showed; the result page lists what changed and what was refused."""
    access.require_change_reviews(request.user)
    try:
        outcome = bulk.apply(request.user, request.POST.get("token", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("actionplans:action_list")
    request.session[OUTCOME] = {**outcome.as_session(), "query": request.POST.get("query", "")}
    (messages.success if outcome.changed else messages.warning)(request, outcome.message())
    return redirect("actionplans:bulk_result")


def bulk_result(request):
    """The outcome of the person's last bulk change: the actions changed, and those refused with the reason."""
    access.require_change_reviews(request.user)
    stored = request.session.get(OUTCOME)
    context = {"outcome": None, "query": ""}
    if stored:
        context = {"outcome": bulk.Outcome.from_session(stored), "query": stored.get("query", "")}
    return render(request, "actionplans/bulk_result.html", context)
