import datetime

from django.core.management.base import BaseCommand, CommandError

from actionplans import rules
from reminders import services
from reminders.models import Kind


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date like 2026-03-31.") from None


class Command(BaseCommand):
    help = "Send the day's reminder e-mails exactly once (the same function the scheduled Celery task runs)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=str, help="The day to act as “today”, YYYY-MM-DD (default: today).")
        parser.add_argument("--dry-run", action="store_true", help="Print who would get what; send and record nothing.")

    def handle(self, *args, date=None, dry_run=False, **options):
        day = _date(date) if date else rules.today()
        if dry_run:
            self.print_plan(day)
            return
        outcome = services.send_reminders(on=day)
        style = self.style.SUCCESS if not (outcome.failed or outcome.gave_up) else self.style.WARNING
        self.stdout.write(style(str(outcome)))

    def print_plan(self, day):
        planned = services.plan_reminders(on=day)
        self.stdout.write(f"Dry run for {day:%Y-%m-%d}: {len(planned)} e-mails would be sent; nothing is sent or recorded.")
        for p in planned:
            address = p.recipient.email or "NO E-MAIL ADDRESS: would not be sent"
            self.stdout.write(f"{p.recipient} <{address}>: {Kind(p.kind).label}, {len(p.items)} item(s)")
            for item in p.items:
                self.stdout.write(f"  - {Kind(item.kind).label}: {describe(item)}")


def describe(item):
    """One line of the dry run: what the item is about, its date and its days."""
    if item.indicator is not None:
        return f"{item.indicator.name} ({item.indicator.owner.short_name}), {services.days_text(item)}"
    if item.concern is not None:
        return f"{item.concern.title} ({item.concern.get_status_display().lower()}), {services.days_text(item)}"
    if item.event is not None:
        return (f"{item.event.title} ({item.event.get_kind_display().lower()}, held {item.event.held_on:%Y-%m-%d}), "
                f"attendance from {item.agency.short_name}, {services.days_text(item)}")
    action = item.action
    about = f"{action.plan.review.reference} ({services.plan_label(action.plan)}) action {action.reference}"
    if item.impact_check is not None:
        return f"{about}, impact check due {item.impact_check.due_on:%Y-%m-%d}, {services.days_text(item)}"
    return (f"{about}, target {action.target_date:%Y-%m-%d}, {services.days_text(item)}"
            + (f", evidence #{item.evidence.pk}" if item.evidence else ""))
