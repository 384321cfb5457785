"""The learning cycle's pages: themes as places, learning events with their attendance and files, and the
dissemination matrix. Each view calls one accounts.access helper first (404 for what the user may not see, 403
for what they may see but not do), then at most one service, then redirects."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.access import Need
from actionplans import rules as action_rules
from audit.services import history_of
from evidence import uploads
from evidence.views import verified_download
from learning import rules, selectors, services
from learning.filters import EventFilter, ImpactCheckFilter
from learning.forms import AttendanceForm, EventForm, EventMoveForm, FindingForm, ImpactCheckForm, MaterialsForm
from learning.models import Attendance, ImpactCheck, LearningEvent, LearningFile
from reminders.selectors import reminder_items_about
from reviews.models import Theme
from scrsystem.http import form_values, paginate, posted, refuse_impossible_move, refused_status


def theme_list(request):
    context = {"themes": selectors.themes_with_figures(request.user), "today": action_rules.today()}
    return render(request, "learning/theme_list.html", context)


def theme_detail(request, pk):
    theme = get_object_or_404(Theme, pk=pk)
    context = {"page": selectors.theme_page(request.user, theme), "today": action_rules.today()}
    return render(request, "learning/theme_detail.html", context)


def dissemination(request):
    return render(request, "learning/dissemination.html", {"matrix": selectors.dissemination()})


def event_list(request):
    events = selectors.with_reach(LearningEvent.objects.all())
    event_filter = EventFilter(request.GET, queryset=events)
    page, query = paginate(request, event_filter.qs.order_by("-held_on", "title"))
    context = {
        "filter": event_filter,
        "page": page,
        "query": query,
        "can_change": access.can_change_events(request.user),
        "today": action_rules.today(),
    }
    return render(request, "learning/event_list.html", context)


@require_http_methods(["GET", "POST"])
def event_create(request):
    access.require_change_events(request.user)
    form = EventForm(posted(request), submit_label="Record event")
    if request.method == "POST" and form.is_valid():
        values = form_values(form)
        event = services.event_create(actor=request.user, **values)
        messages.success(
            request, f"“{event.title}” recorded as scheduled. Mark it as held on its day; then each agency's "
            "attendance can be recorded."
        )
        return redirect(event)
    return render(request, "learning/event_form.html", {"form": form, "heading": "New learning event"},
                  status=400 if form.errors else 200)


def event_detail(request, pk):
    event = access.get_event(request.user, pk)
    attendance = selectors.event_attendance(event)
    files = list(access.visible_learning_files(request.user).filter(event=event).select_related("uploaded_by"))
    registers = {}
    for kept in files:  # in upload order: the latest register of each agency is the one shown
        if kept.kind == LearningFile.Kind.REGISTER:
            registers[kept.agency_id] = kept
    context = {
        "event": event,
        "themes": event.themes.order_by("name"),
        "attendance": [
            (agency, record, access.can_record_attendance(request.user, agency), registers.get(agency.pk))
            for agency, record in attendance
        ],
        "recorded": sum(record is not None for _, record in attendance),
        "people": sum(record.attended for _, record in attendance if record is not None),
        "materials": [kept for kept in files if kept.kind == LearningFile.Kind.MATERIAL],
        "moves": services.moves_for(request.user, event),
        "reminder_items": reminder_items_about(request.user, event=event),
        "can_change": access.can_change_events(request.user),
        "history": history_of(event),
        "today": action_rules.today(),
    }
    return render(request, "learning/event_detail.html", context)


@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = access.get_event(request.user, pk, Need.CHANGE)
    form = EventForm(posted(request), instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, actor=request.user, **form_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"“{event.title}” saved.")
            return redirect(event)
    context = {"form": form, "event": event, "heading": f"Edit “{event.title}”"}
    return render(request, "learning/event_form.html", context, status=refused_status(form) if form.errors else 200)


MOVE_TEXT = {
    "hold": ("It was held: each agency's attendance can then be recorded.", "Mark as held", "btn btn-primary"),
    "cancel": ("It stays on record, cancelled, with your reason; it can be scheduled again.", "Cancel the event",
               "btn btn-danger"),
    "reinstate": ("It goes back to scheduled.", "Schedule it again", "btn btn-primary"),
}


@require_http_methods(["GET", "POST"])
def event_move(request, pk, move):
    if move not in services.EVENT_MOVES:
        raise Http404("No such change.")
    event = access.get_event(request.user, pk, Need.CHANGE)
    form = EventMoveForm(posted(request), seen=event)
    refuse_impossible_move(request, event, services.EVENT_MOVES[move])
    if move == "hold" and (refusal := services.hold_refusal(event)):
        raise PermissionDenied(refusal)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_event(move, event=event, actor=request.user, seen=form.cleaned_data["seen_status"],
                                reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = {"hold": "marked as held", "cancel": "cancelled", "reinstate": "scheduled again"}[move]
            messages.success(request, f"“{event.title}” {done}.")
            return redirect(event)
    explanation, label, css = MOVE_TEXT[move]
    context = {"event": event, "form": form, "move": move, "explanation": explanation, "label": label, "css": css,
               "reason_needed": move == "cancel"}
    status = refused_status(form) if form.errors and request.method == "POST" else 200
    return render(request, "learning/event_move.html", context, status=status)


# Uploads run outside the request's transaction: the service's own transaction stores the file and writes the
# rows together, and is final when it returns (see evidence.services.store_then).
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def attendance_record(request, pk, agency_pk):
    event, agency = access.get_attendance_target(request.user, pk, agency_pk)
    if event.status != LearningEvent.Status.HELD:
        raise PermissionDenied(
            f"“{event.title}” is {event.get_status_display().lower()}: attendance is recorded once it is held."
        )
    record = Attendance.objects.filter(event=event, agency=agency).first()
    data = posted(request)
    initial = {"attended": record.attended, "note": record.note, "loaded_version": record.updated_at.isoformat()} if record else {}
    form = AttendanceForm(data, request.FILES or None, initial=initial, refused=uploads.refused_for_size(request, "register"))
    if data is not None and form.is_valid():
        try:
            loaded = form.cleaned_data["loaded_version"]
            services.attendance_record(
                event=event, agency=agency, actor=request.user, attended=form.cleaned_data["attended"],
                note=form.cleaned_data["note"], register=form.cleaned_data["register"],
                loaded_version=datetime.datetime.fromisoformat(loaded) if loaded else None,
            )
        except ValueError:
            form.add_error(None, "This form is out of date: open the page again and retry.")
        except ValidationError as error:
            form.add_error(None, error)
        except IntegrityError:
            form.add_error(None, f"Someone recorded {agency.short_name}'s attendance at the same moment, so nothing of "
                                 "yours was saved. Open the event again to see it, then correct it if needed.")
        else:
            messages.success(request, f"{agency.short_name}'s attendance at “{event.title}” saved.")
            return redirect(f"{event.get_absolute_url()}#attendance-{agency.pk}")
        # Refused: the form now carries the record as it is, so that a deliberate second submit, after reading
        # what someone else saved, goes through (as audit.forms.StaleEditGuard does).
        record = Attendance.objects.filter(event=event, agency=agency).select_related("created_by").first()
        if record is not None:
            form.data = form.data.copy()
            form.data["loaded_version"] = record.updated_at.isoformat()
    context = {"form": form, "event": event, "agency": agency, "record": record,
               "history": history_of(record) if record else []}
    status = refused_status(form) if form.errors and data is not None else 200
    return render(request, "learning/attendance_form.html", context, status=status)


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def materials_add(request, pk):
    event = access.get_event(request.user, pk, Need.CHANGE)
    data = posted(request)
    form = MaterialsForm(data, request.FILES or None, refused=uploads.refused_for_size(request, "files"))
    if data is not None and form.is_valid():
        kept = services.materials_add(
            event=event, actor=request.user, uploads=form.cleaned_data["files"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, f"{len(kept)} file{'s' if len(kept) != 1 else ''} added to “{event.title}”.")
        return redirect(f"{event.get_absolute_url()}#materials")
    context = {"form": form, "event": event}
    return render(request, "learning/materials_form.html", context, status=400 if form.errors else 200)


@require_GET
def file_download(request, pk):
    kept = access.get_learning_file(request.user, pk)
    owner = kept.event or kept.impact_check
    return verified_download(request, kept, what=f"file #{kept.pk} of “{owner}”", back=owner.get_absolute_url(),
                             back_label="the event" if kept.event else "the impact check")


# --- Impact checks ----------------------------------------------------------------------------------------------


def impact_list(request):
    checks = access.visible_impact_checks(request.user).select_related(
        "action__plan__review", "action__plan__agency", "action__lead_agency", "sub_committee", "checked_by"
    )
    check_filter = ImpactCheckFilter(request.GET, queryset=checks, request=request)
    to_do_first = Case(When(status=ImpactCheck.Status.OPEN, then=Value(0)), default=Value(1))
    page, query = paginate(request, check_filter.qs.order_by(to_do_first, "due_on", "pk"))
    today = action_rules.today()
    for check in page.object_list:
        check.state = rules.check_state(check.status, check.due_on, today)
    context = {"filter": check_filter, "page": page, "query": query, "today": today}
    return render(request, "learning/impact_list.html", context)


def impact_detail(request, pk):
    check = access.get_impact_check(request.user, pk)
    today = action_rules.today()
    context = {
        "check": check,
        "action": check.action,
        "state": rules.check_state(check.status, check.due_on, today),
        "files": list(access.visible_learning_files(request.user).filter(impact_check=check)),
        "follow_ups": list(check.follow_ups.order_by("due_on")),
        "may_record": check.status == ImpactCheck.Status.OPEN and access.can_record_finding(request.user, check),
        "reminder_items": reminder_items_about(request.user, impact_check=check),
        "can_change": check.status == ImpactCheck.Status.OPEN and access.can_change_events(request.user),
        "history": history_of(check),
        "today": today,
    }
    return render(request, "learning/impact_detail.html", context)


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def impact_record(request, pk):
    check = access.get_impact_check(request.user, pk, Need.RECORD_FINDING)
    seen = request.POST.get("seen_status") if request.method == "POST" else check.status
    if (seen if seen == ImpactCheck.Status.OPEN else check.status) != ImpactCheck.Status.OPEN:
        raise PermissionDenied(f"This check is {check.get_status_display().lower()}: no finding is recorded on it now.")
    data = posted(request)
    form = FindingForm(data, request.FILES or None, seen=check, refused=uploads.refused_for_size(request, "files"))
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            services.impact_finding_record(
                check=check, actor=request.user, seen=values["seen_status"], finding=values["finding"],
                looked_at=values["looked_at"], finding_note=values["finding_note"], checked_on=values["checked_on"],
                follow_up=values["follow_up"], follow_up_due=values["follow_up_due"], new_action=form.new_action(),
                uploads=values["files"],
            )
        except ValidationError as error:
            _add_finding_error(form, error)
        else:
            messages.success(request, f"Finding recorded on the impact check of action {check.action}.")
            return redirect(check)
    context = {"form": form, "check": check, "action": check.action}
    return render(request, "learning/impact_record.html", context,
                  status=refused_status(form) if form.errors and data is not None else 200)


def _add_finding_error(form, error):
    """A refusal shown on the finding form: a rule of the new action (its reference taken in the plan, say) beside
    the field of the form that gave it (``action_<field>``), anything else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        name = field if field in form.fields else f"action_{field}"
        form.add_error(name if name in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
def impact_edit(request, pk):
    check = access.get_impact_check(request.user, pk, Need.CHANGE)
    if check.status != ImpactCheck.Status.OPEN:
        raise PermissionDenied(f"This check is {check.get_status_display().lower()}: only a check to do is changed.")
    form = ImpactCheckForm(posted(request), instance=check)
    if request.method == "POST" and form.is_valid():
        try:
            services.impact_check_update(check=check, actor=request.user, **form_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The impact check of action {check.action} saved.")
            return redirect(check)
    context = {"form": form, "check": check, "action": check.action}
    return render(request, "learning/impact_form.html", context, status=refused_status(form) if form.errors else 200)
