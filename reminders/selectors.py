"""Reads of the reminder log for pages."""

from accounts import access


def reminder_items_of_action(user, action):
    """Which reminders about this action went (or are going) to whom and when, newest first, as far as this user
    may see them (access.visible_reminder_items). One query."""
    return (
        access.visible_reminder_items(user)
        .filter(action=action)
        .select_related("reminder__recipient")
        .order_by("-reminder__day", "reminder__recipient__last_name", "reminder__recipient__first_name", "pk")
    )
