"""The pages of bulk updates (actionplans.bulk): the choice under the action list, the confirmation page, the result.
Members (and administrators) only: everyone else gets no checkboxes, and 403 from these URLs."""

import functools

from crispy_forms.utils import render_crispy_form
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from actionplans import bulk
from actionplans.filters import ActionFilter
from actionplans.forms import BulkForm
from dashboard import versions

#: Where the outcome of the person's last bulk change waits for the result page.
OUTCOME = "actionplans.bulk.outcome"


def bulk_panel(user, context):
    """What the action list adds for a member: the bulk form (whose checkboxes are on the list's rows), and its
    fields as crispy-forms draws them."""
    if not access.can_change_reviews(user):
        return {}
    matching, query = context["page"].paginator.count, context["query"]
    form = BulkForm(matching=matching, initial={"query": query})
    officers = versions.cached(versions.NAMES, ("bulk-officers",), lambda: _frozen(form.fields["officer"].choices))
    return {"bulk_form": form, "bulk_fields": _drawn(matching, query, officers)}


def _frozen(choices):
    """Choices (with groups) as tuples: a key for _drawn."""
    return tuple((value, tuple(label) if isinstance(label, list) else label) for value, label in choices)


@functools.lru_cache(maxsize=256)
def _drawn(matching, query, officers):
    """The unbound bulk form's fields, drawn by crispy-forms (a dozen templates a field: milliseconds on every list
    page) once for each count, query and list of officers: by what they show, so never out of date."""
    form = BulkForm(matching=matching, initial={"query": query})
    form.fields["officer"].choices = officers
    return render_crispy_form(form)


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
