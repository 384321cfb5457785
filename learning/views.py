"""The learning cycle's pages: themes as places, learning events with their attendance and files, and the
dissemination matrix. Each view calls one accounts.access helper first (404 for what the user may not see, 403
for what they may see but not do), then at most one service, then redirects."""

import datetime
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.access import Need
from actionplans import rules as action_rules
from audit.services import history_of
from evidence import storage, uploads
from learning import selectors, services
from learning.filters import EventFilter
from learning.forms import AttendanceForm, EventForm, EventMoveForm, MaterialsForm
from learning.models import Attendance, EventFile, LearningEvent
from reviews.models import Theme
from scrsystem.http import attachment, form_values, paginate, posted, refused_status

logger = logging.getLogger(__name__)


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
    files = list(access.visible_event_files(request.user).filter(event=event).select_related("uploaded_by"))
    registers = {}
    for kept in files:  # in upload order: the latest register of each agency is the one shown
        if kept.kind == EventFile.Kind.REGISTER:
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
        "materials": [kept for kept in files if kept.kind == EventFile.Kind.MATERIAL],
        "moves": services.moves_for(request.user, event),
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
    # As actionplans.lifecycle.require: judged on the status the person saw (a posted form's), so that someone who
    # lost a race is told by the conditional write what changed and by whom (409), and refused (403) otherwise.
    seen = request.POST.get("seen_status") if request.method == "POST" else event.status
    sources = services.EVENT_MOVES[move].sources
    if (seen if seen in sources else event.status) not in sources:
        raise PermissionDenied(
            f"“{event.title}” is {event.get_status_display().lower()}: “{services.EVENT_MOVES[move].label}” is not "
            "possible."
        )
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
    context = {"event": event, "form": form, "move": move, "explanation": explanation, "label": label, "css": css}
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
    kept = access.get_event_file(request.user, pk)
    try:
        content = storage.open_verified(kept.stored_name, kept.sha256)
    except storage.FileChanged as problem:
        logger.error("Download of learning event file #%s by %s refused: %s", kept.pk, request.user, problem)
        context = {"what": f"file #{kept.pk} of “{kept.event.title}”", "back": kept.event.get_absolute_url(),
                   "back_label": "the event"}
        return render(request, "evidence/file_changed.html", context, status=409)
    return attachment(content, kept.original_name, kept.content_type)
