"""Reads of the reminder log for pages."""

from reminders.models import ReminderItem


def reminder_items_of_action(action):
    """Which reminders about this action went (or are going) to whom and when, newest first. One query."""
    return (
        ReminderItem.objects.filter(action=action)
        .select_related("reminder__recipient")
        .order_by("-reminder__day", "reminder__recipient__last_name", "reminder__recipient__first_name", "pk")
    )
