"""A person's due dates as an iCalendar feed (RFC 5545, written with the icalendar library), for Outlook or any
calendar that subscribes to an address: the target dates of the actions they must act on, the due dates of their
sub-committees' impact checks, and the learning events scheduled. Each is an all-day event linking to its page.

The address is secret and revocable (reminders.models.CalendarFeed): the person who holds it sees what that person
may see, read through accounts.access as their pages are. A fixed number of queries, whatever the number of items.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar, Event

from accounts import access
from actionplans.rules import Status
from actionplans.views import mine_of
from learning.models import ImpactCheck, LearningEvent
from reminders.models import CalendarFeed

#: The actions a person acts on: those not yet completed (a completed one waits for the consultant).
OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS)
#: How far back the feed keeps scheduled learning events (one nobody marked as held stays in view a while).
EVENTS_SINCE_DAYS = 30


def hash_of(token):
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(user):
    """A new secret address for ``user``: the old one, if any, stops answering. Returns the token, which is shown
    once and never kept."""
    now = timezone.now()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            CalendarFeed.objects.create(user=user, token_hash=hash_of(token))
    except IntegrityError:  # a second request made one at the same moment: stop it too, and keep this one
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        CalendarFeed.objects.create(user=user, token_hash=hash_of(token))
    return token


def feed_revoke(user):
    """Stop the person's address. Returns how many were live (0 or 1)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def feed_user(token):
    """The active user whose live address holds ``token``, or None; the use is recorded (last_used_at)."""
    feed = (CalendarFeed.objects.select_related("user")
            .filter(token_hash=hash_of(token), revoked_at__isnull=True, user__is_active=True).first())
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def _event(uid, day, summary, path, description=""):
    event = Event()
    event.add("uid", f"{uid}@scrsystem")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("url", settings.SITE_URL + path)
    event.add("description", f"{description}\n{settings.SITE_URL + path}".strip())
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: it does not make the person busy
    return event


def calendar(user, today):
    """The feed's iCalendar text for ``user``. Three queries."""
    cal = Calendar()
    cal.add("prodid", "-//scrsystem//due dates//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "scrsystem: due dates")
    actions, _ = mine_of(user, access.visible_actions(user))
    for action in actions.filter(status__in=OPEN).select_related("plan__review", "lead_agency").order_by("target_date", "pk"):
        summary = f"Due: {action.plan.review.reference} action {action.reference} ({action.lead_agency.short_name})"
        cal.add_component(_event(f"action-{action.pk}", action.target_date, summary, action.get_absolute_url(),
                                 action.description))
    checks = (access.visible_impact_checks(user)
              .filter(status=ImpactCheck.Status.OPEN, sub_committee__in=user.sub_committees.all())
              .select_related("action__plan__review").order_by("due_on", "pk"))
    for check in checks:
        summary = f"Impact check due: {check.action.plan.review.reference} action {check.action.reference}"
        cal.add_component(_event(f"impact-{check.pk}", check.due_on, summary, check.get_absolute_url()))
    events = LearningEvent.objects.filter(
        status=LearningEvent.Status.SCHEDULED, held_on__gte=today - datetime.timedelta(days=EVENTS_SINCE_DAYS)
    ).order_by("held_on", "pk")
    for event in events:
        summary = f"Learning event: {event.title} ({event.get_kind_display().lower()})"
        cal.add_component(_event(f"event-{event.pk}", event.held_on, summary, event.get_absolute_url(),
                                 event.description))
    return cal.to_ical()
