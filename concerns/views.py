"""Board concerns (README, "Board concerns"): the register, a concern's page with its log and indicators, an
indicator's page with its chart and values, and the forms that write through concerns.services."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.access import Need
from actionplans.rules import today
from audit.services import history_of
from concerns import rules, selectors, services
from concerns.filters import ConcernFilter
from concerns.forms import ConcernForm, ConcernMoveForm, CorrectionForm, DataPointForm, EntryForm, IndicatorForm
from concerns.models import Concern, DataPoint
from evidence import uploads
from evidence.views import verified_download
from reminders.selectors import reminder_items_about
from scrsystem.http import form_values, paginate, posted, refuse_impossible_move, refused_status


def _status(form, data):
    return refused_status(form) if form.errors and data is not None else 200


def concern_list(request):
    access.require_read_concerns(request.user)
    on = today()
    visible = access.visible_concerns(request.user)
    concern_filter = ConcernFilter(request.GET, queryset=selectors.with_last_entry(visible), on=on)
    open_first = Case(*(When(status=status, then=Value(n)) for n, status in enumerate(Concern.Status.values)))
    page, query = paginate(request, concern_filter.qs.order_by(open_first, "-raised_on", "title", "pk"))
    selectors.indicators_of(page.object_list, on)
    context = {
        "filter": concern_filter, "page": page, "query": query, "summary": selectors.summary(visible),
        "can_change": access.can_change_concerns(request.user),
    }
    return render(request, "concerns/concern_list.html", context)


@require_http_methods(["GET", "POST"])
def concern_create(request):
    access.require_change_concerns(request.user)
    data = posted(request)
    form = ConcernForm(data, submit_label="Record concern")
    if data is not None and form.is_valid():
        concern = services.concern_create(actor=request.user, **form_values(form))
        messages.success(request, f"“{concern.title}” recorded. Add its indicators, and log each update and response.")
        return redirect(concern)
    return render(request, "concerns/concern_form.html", {"form": form, "heading": "New board concern"},
                  status=_status(form, data))


def concern_detail(request, pk):
    concern = access.get_concern(request.user, pk)
    on = today()
    indicators = selectors.indicators_of([concern], on)
    points = selectors.points_by_indicator(indicators)
    for indicator in indicators:
        indicator.chart = selectors.chart(indicator, points[indicator.pk])
    context = {
        "concern": concern,
        "agencies": concern.agencies.order_by("name"),
        "entries": concern.entries.select_related("agency", "created_by"),
        "indicators": indicators,
        "moves": services.moves_for(request.user, concern),
        "can_change": access.can_change_concerns(request.user),
        "can_respond": access.can_respond(request.user, concern),
        "history": history_of(concern),
        "reminder_items": reminder_items_about(request.user, concern=concern),
    }
    return render(request, "concerns/concern_detail.html", context)


@require_http_methods(["GET", "POST"])
def concern_edit(request, pk):
    concern = access.get_concern(request.user, pk, Need.CHANGE)
    data = posted(request)
    form = ConcernForm(data, instance=concern)
    if data is not None and form.is_valid():
        try:
            services.concern_update(concern=concern, actor=request.user, **form_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"“{concern.title}” saved.")
            return redirect(concern)
    context = {"form": form, "concern": concern, "heading": f"Edit “{concern.title}”"}
    return render(request, "concerns/concern_form.html", context, status=_status(form, data))


MOVE_TEXT = {
    "monitor": ("The board keeps watching its indicators; it is no longer pressed with the partners.",
                "Move to monitoring", "btn btn-primary"),
    "close": ("It stays on record, closed, with your reason; it can be opened again.", "Close the concern",
              "btn btn-danger"),
    "reopen": ("It goes back to open.", "Open it again", "btn btn-primary"),
}


@require_http_methods(["GET", "POST"])
def concern_move(request, pk, move):
    if move not in services.CONCERN_MOVES:
        raise Http404("No such change.")
    concern = access.get_concern(request.user, pk, Need.CHANGE)
    data = posted(request)
    form = ConcernMoveForm(data, seen=concern)
    refuse_impossible_move(request, concern, services.CONCERN_MOVES[move])
    if data is not None and form.is_valid():
        try:
            services.move_concern(move, concern=concern, actor=request.user, seen=form.cleaned_data["seen_status"],
                                  reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = {"monitor": "moved to monitoring", "close": "closed", "reopen": "opened again"}[move]
            messages.success(request, f"“{concern.title}” {done}.")
            return redirect(concern)
    explanation, label, css = MOVE_TEXT[move]
    context = {"concern": concern, "form": form, "move": move, "explanation": explanation, "label": label, "css": css,
               "reason_needed": move == "close"}
    return render(request, "concerns/concern_move.html", context, status=_status(form, data))


@require_http_methods(["GET", "POST"])
def entry_add(request, pk):
    concern = access.get_concern(request.user, pk)
    member = access.can_change_concerns(request.user)
    if not member and not access.can_respond(request.user, concern):
        raise PermissionDenied("Members add updates; the users of the agencies the concern names add responses.")
    data = posted(request)
    form = EntryForm(data, submit_label="Add the update" if member else f"Add {request.user.agency.short_name}'s response")
    if data is not None and form.is_valid():
        try:
            services.entry_add(concern=concern, actor=request.user, text=form.cleaned_data["text"],
                               on=form.cleaned_data["on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Added to the concern's log." if member
                             else f"{request.user.agency.short_name}'s response added to the concern's log.")
            return redirect(f"{concern.get_absolute_url()}#log")
    heading = "Add an update" if member else f"Add {request.user.agency.short_name}'s response"
    context = {"form": form, "concern": concern, "heading": heading}
    return render(request, "concerns/entry_form.html", context, status=_status(form, data))


@require_http_methods(["GET", "POST"])
def indicator_create(request, pk):
    concern = access.get_concern(request.user, pk, Need.CHANGE)
    data = posted(request)
    form = IndicatorForm(data, concern=concern, submit_label="Add indicator")
    if data is not None and form.is_valid():
        try:
            indicator = services.indicator_create(concern=concern, actor=request.user, **form_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Indicator “{indicator.name}” added: {indicator.owner.short_name} enters its "
                                      "values.")
            return redirect(indicator)
    context = {"form": form, "concern": concern, "heading": f"New indicator of “{concern.title}”",
               "due_days": rules.due_days()}
    return render(request, "concerns/indicator_form.html", context, status=_status(form, data))


def indicator_detail(request, pk):
    indicator = access.get_indicator(request.user, pk)
    on = today()
    indicator = selectors.indicator_with_rag(indicator.pk, on)
    points = list(indicator.points.select_related("entered_by").prefetch_related("corrections__corrected_by"))
    files = selectors.files_by_point(access.visible_concern_files(request.user).filter(point__indicator=indicator))
    for point in points:
        point.rag = rules.rag(point.value, indicator.target, indicator.direction)
        point.label = rules.period_label(point.period, indicator.frequency)
        point.file_list = files[point.pk]
    may_enter = access.can_enter_data(request.user, indicator)
    context = {
        "indicator": indicator,
        "concern": indicator.concern,
        "points": points,
        "chart": selectors.chart(indicator, points),
        "late": [rules.period_label(p, indicator.frequency) for p in indicator.late],
        "may_enter": may_enter and bool(selectors.periods_to_enter(indicator, points, on)),
        "may_correct": may_enter,
        "can_change": access.can_change_concerns(request.user),
        "rag_words": rules.RAG_WORDS[indicator.rag],
        "margin": rules.margin_percent(),
        "due_days": rules.due_days(),
        "history": history_of(indicator),
        "reminder_items": reminder_items_about(request.user, indicator=indicator),
    }
    return render(request, "concerns/indicator_detail.html", context)


@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk):
    indicator = access.get_indicator(request.user, pk, Need.CHANGE)
    data = posted(request)
    form = IndicatorForm(data, instance=indicator, concern=indicator.concern)
    if data is not None and form.is_valid():
        try:
            services.indicator_update(indicator=indicator, actor=request.user, **form_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Indicator “{indicator.name}” saved.")
            return redirect(indicator)
    context = {"form": form, "concern": indicator.concern, "indicator": indicator,
               "heading": f"Edit the indicator “{indicator.name}”", "due_days": rules.due_days()}
    return render(request, "concerns/indicator_form.html", context, status=_status(form, data))


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def point_add(request, pk):
    indicator = access.get_indicator(request.user, pk, Need.ENTER_DATA)
    periods = selectors.periods_to_enter(indicator, indicator.points.all(), today())
    data = posted(request)
    # A posted period may have been entered by someone else since the form was drawn: the service then says whose
    # value is there (409), rather than the form calling the choice invalid.
    choices = rules.open_periods(indicator, today()) if data is not None else periods
    form = DataPointForm(data, request.FILES or None, indicator=indicator, periods=choices,
                         refused=uploads.refused_for_size(request, "files"))
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            point = services.data_point_record(indicator=indicator, actor=request.user, period=values["period"],
                                               value=values["value"], note=values["note"], uploads=values["files"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{rules.period_label(point.period, indicator.frequency)}: {rules.number(point.value)} "
                                      f"{indicator.unit} saved.")
            return redirect(point)
    context = {"form": form, "indicator": indicator, "concern": indicator.concern, "periods": periods}
    return render(request, "concerns/point_form.html", context, status=_status(form, data))


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def point_correct(request, pk):
    point = access.get_data_point(request.user, pk)
    data = posted(request)
    form = CorrectionForm(data, request.FILES or None, point=point, refused=uploads.refused_for_size(request, "files"))
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            loaded = datetime.datetime.fromisoformat(values["loaded_version"])
            services.data_point_correct(point=point, actor=request.user, value=values["value"], note=values["note"],
                                        reason=values["reason"], loaded_version=loaded, uploads=values["files"])
        except ValueError:
            form.add_error(None, "This form is out of date: open the page again and retry.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{rules.period_label(point.period, point.indicator.frequency)} corrected; the "
                                      "old value stays on record.")
            return redirect(point)
        # Refused: the form now carries the value as it is, so that a deliberate second submit, after reading
        # what someone else saved, goes through.
        current = DataPoint.objects.get(pk=point.pk)
        form.data = form.data.copy()
        form.data["loaded_version"] = current.updated_at.isoformat()
        point = current
    context = {"form": form, "point": point, "indicator": point.indicator, "concern": point.indicator.concern,
               "label": rules.period_label(point.period, point.indicator.frequency)}
    return render(request, "concerns/point_correct.html", context, status=_status(form, data))


@require_GET
def file_download(request, pk):
    kept = access.get_concern_file(request.user, pk)
    indicator = kept.point.indicator
    return verified_download(request, kept, what=f"file #{kept.pk} of “{indicator.name}”",
                             back=indicator.get_absolute_url(), back_label="the indicator")

