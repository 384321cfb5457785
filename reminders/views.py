from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actionplans.rules import today
from reminders import calendar
from reminders.forms import ReminderPreferenceForm
from reminders.models import CalendarFeed, ReminderPreference


def _preference_of(user):
    """The person's own reminder preferences: nobody else's can be reached here (a new one, unsaved, if none)."""
    return ReminderPreference.objects.filter(user=user).first() or ReminderPreference(user=user)


def _preferences_page(request, form, new_address=None, status=200):
    context = {
        "form": form,
        "due_soon_days": settings.REMINDER_DUE_SOON_DAYS,
        "repeat_days": settings.REMINDER_OVERDUE_REPEAT_DAYS,
        "escalation_days": settings.REMINDER_ESCALATION_DAYS,
        "attendance_days": settings.REMINDER_ATTENDANCE_DAYS,
        "concern_days": settings.CONCERN_UPDATE_DAYS,
        "feed": CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first(),
        "new_address": new_address,
    }
    return render(request, "reminders/preferences.html", context, status=status)


@require_http_methods(["GET", "POST"])
def preferences(request):
    """A person's own reminder preferences: nobody else's can be reached here."""
    form = ReminderPreferenceForm(request.POST or None, instance=_preference_of(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your reminder preferences are saved. They apply from the next reminder run.")
        return redirect("reminders:preferences")
    return _preferences_page(request, form)


@require_POST
def calendar_address(request):
    """A new secret calendar address for the person (shown on this answer only, never again), or, with
    ``stop``, none: the old address stops answering either way."""
    form = ReminderPreferenceForm(instance=_preference_of(request.user))
    if request.POST.get("stop"):
        stopped = calendar.feed_revoke(request.user)
        messages.success(request, "Your calendar address is stopped: calendars subscribed to it get nothing more."
                         if stopped else "You had no calendar address.")
        return redirect("reminders:preferences")
    token = calendar.feed_create(request.user)
    address = settings.SITE_URL + reverse("calendar_feed", args=[token])
    return _preferences_page(request, form, new_address=address)


@login_not_required
@require_GET
def calendar_feed(request, token):
    """The iCalendar feed of the person whose live address this is; 404 for any other address."""
    user = calendar.feed_user(token)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(calendar.calendar(user, today()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="scrsystem-due-dates.ics"'
    return response
