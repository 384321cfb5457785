"""Reads of the reminder log for pages."""

from accounts import access


def reminder_items_about(user, **subject):
    """Which reminders about one thing (``action=``, ``impact_check=`` or ``event=``) went (or are going) to whom
    and when, newest first, as far as this user may see them (access.visible_reminder_items). One query."""
    return (
        access.visible_reminder_items(user)
        .filter(**subject)
        .select_related("reminder__recipient", "agency")
        .order_by("-reminder__day", "reminder__recipient__last_name", "reminder__recipient__first_name", "pk")
    )
