from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reminders.forms import ReminderPreferenceForm
from reminders.models import ReminderPreference


@require_http_methods(["GET", "POST"])
def preferences(request):
    """A person's own reminder preferences: nobody else's can be reached here."""
    preference = ReminderPreference.objects.filter(user=request.user).first() or ReminderPreference(user=request.user)
    form = ReminderPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your reminder preferences are saved. They apply from the next reminder run.")
        return redirect("reminders:preferences")
    context = {
        "form": form,
        "due_soon_days": settings.REMINDER_DUE_SOON_DAYS,
        "repeat_days": settings.REMINDER_OVERDUE_REPEAT_DAYS,
        "escalation_days": settings.REMINDER_ESCALATION_DAYS,
        "attendance_days": settings.REMINDER_ATTENDANCE_DAYS,
        "concern_days": settings.CONCERN_UPDATE_DAYS,
    }
    return render(request, "reminders/preferences.html", context)
