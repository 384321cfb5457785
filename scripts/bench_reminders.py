#!/usr/bin/env python
"""Benchmark of the reminder job: a large data set, one run into a local SMTP sink; prints time, queries, messages.

    make bench-reminders                      # 100,000 actions, 10,000 overdue, 2,000 recipients
    make bench-reminders BENCH_ARGS="--scale 0.05"

It writes into the configured database (DATABASE_URL): use a throwaway one. Everything it creates is tagged
BENCH- and removed at the end (unless --keep); it refuses to start if BENCH- data is left from an earlier run.
Not a timed test: the figures depend on the machine; README ("Reminders") quotes some.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Agency, Role, User  # noqa: E402
from actionplans.models import Action, ActionPlan  # noqa: E402
from actionplans.rules import Status  # noqa: E402
from reminders import services  # noqa: E402
from reminders.models import Reminder, ReminderItem  # noqa: E402
from reminders.smtp_sink import SmtpSink  # noqa: E402
from reviews.models import Review  # noqa: E402

DAY = datetime.date(2026, 3, 2)
TAG = "BENCH-"
ACTIONS_PER_PLAN = 200
MEMBERS = 10
AGENCIES = 20


def build(actions, overdue, recipients):
    """Agencies with agency users (the recipients), members, reviews with one plan each, and the actions.

    Open actions are overdue by 1 to 400 days or due in 1 to 400 days; the others are completed, verified or
    cancelled. Nine in ten actions name an officer; the rest fall back to their lead agency's users.
    """
    unusable = make_password(None)
    agencies = Agency.objects.bulk_create(
        [Agency(name=f"{TAG}Agency {i}", short_name=f"{TAG}{i}", kind=Agency.Kind.OTHER) for i in range(AGENCIES)]
    )
    users = User.objects.bulk_create(
        [
            User(username=f"{TAG.lower()}user{i}", email=f"user{i}@bench.invalid", role=Role.AGENCY,
                 agency=agencies[i % AGENCIES], password=unusable, first_name="Bench", last_name=f"User {i}")
            for i in range(recipients - MEMBERS)
        ]
        + [
            User(username=f"{TAG.lower()}member{i}", email=f"member{i}@bench.invalid", role=Role.MEMBER,
                 password=unusable, first_name="Bench", last_name=f"Member {i}")
            for i in range(MEMBERS)
        ]
    )
    officers = [u for u in users if u.role == Role.AGENCY]
    n_plans = max(1, actions // ACTIONS_PER_PLAN)
    reviews = Review.objects.bulk_create(
        [
            Review(reference=f"{TAG}{i:05d}", title=f"Bench {i}", incident_category=Review.IncidentCategory.OTHER,
                   status=Review.Status.PUBLISHED, commissioned_on=DAY - datetime.timedelta(days=800))
            for i in range(n_plans)
        ]
    )
    plans = ActionPlan.objects.bulk_create(
        [ActionPlan(review=r, kind=ActionPlan.Kind.MULTI_AGENCY, title="Overview report plan") for r in reviews]
    )
    closed = [Status.COMPLETED, Status.VERIFIED, Status.CANCELLED]
    batch = []
    for i in range(actions):
        officer = officers[i % len(officers)] if i % 10 else None
        lead = officer.agency if officer else agencies[i % AGENCIES]
        if i < overdue:
            status, offset = (Status.IN_PROGRESS, -(1 + i % 400))
        elif i % 2:
            status, offset = (Status.NOT_STARTED, 1 + i % 400)
        else:
            status, offset = (closed[i % 3], -(i % 400))
        batch.append(
            Action(plan=plans[i % n_plans], reference=f"{i // n_plans + 1}.{i % 7}.{i}", recommendation="Bench.",
                   description=f"Benchmark action {i}: deliver the training and audit it.", lead_agency=lead,
                   responsible_officer=officer, target_date=DAY + datetime.timedelta(days=offset),
                   original_target_date=DAY + datetime.timedelta(days=offset),
                   success_measure="Bench.", status=status,
                   cancellation_reason="Bench." if status == Status.CANCELLED else "")
        )
        if len(batch) == 5000:
            Action.objects.bulk_create(batch)
            batch = []
    Action.objects.bulk_create(batch)


def clean():
    bench_actions = Action.objects.filter(plan__review__reference__startswith=TAG)
    ReminderItem.objects.filter(reminder__recipient__username__startswith=TAG.lower()).delete()
    Reminder.objects.filter(recipient__username__startswith=TAG.lower()).delete()
    bench_actions.delete()
    ActionPlan.objects.filter(review__reference__startswith=TAG).delete()
    Review.objects.filter(reference__startswith=TAG).delete()
    User.objects.filter(username__startswith=TAG.lower()).delete()
    Agency.objects.filter(name__startswith=TAG).delete()


def run_once(sink, slowest=0):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        outcome = services.send_reminders(on=DAY)
    seconds = time.perf_counter() - started
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:slowest]:
        print(f"    {float(query['time']):.3f} s  {query['sql'][:150]}")
    return seconds, len(queries), outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 actions, 10,000 overdue, 2,000 recipients")
    parser.add_argument("--keep", action="store_true", help="leave the BENCH- data in the database")
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest queries of each run")
    args = parser.parse_args()
    actions, overdue = int(100_000 * args.scale), int(10_000 * args.scale)
    recipients = max(MEMBERS + AGENCIES, int(2_000 * args.scale))
    if Review.objects.filter(reference__startswith=TAG).exists():
        sys.exit("BENCH- data from an earlier run is in this database; remove it first (or use a fresh database).")

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Database: {engine} {settings.DATABASES['default']['NAME']}")
    print(f"Building {actions:,} actions ({overdue:,} overdue), {recipients:,} people ...", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        build(actions, overdue, recipients)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics, as a database in use has them
            cursor.execute("ANALYZE")
    print(f"  built (and analysed) in {time.perf_counter() - started:.1f} s")

    try:
        with SmtpSink(keep=False) as sink:
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
            settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
            settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

            with CaptureQueriesContext(connection) as plan_queries:
                started = time.perf_counter()
                planned = services.plan_reminders(on=DAY)
                plan_seconds = time.perf_counter() - started
            items = sum(len(p.items) for p in planned)
            print(f"Plan only: {plan_seconds:.2f} s, {len(plan_queries)} queries, {len(planned):,} e-mails "
                  f"with {items:,} items")

            seconds, queries, outcome = run_once(sink, args.slowest)
            print(f"Run 1: {seconds:.2f} s, {queries:,} queries, {sink.count:,} messages received by the SMTP sink "
                  f"({outcome.sent:,} sent, {outcome.failed + outcome.retrying} failed; "
                  f"batches of {services.BATCH_SIZE}, one SMTP connection each)")
            before = sink.count
            seconds, queries, outcome = run_once(sink)
            print(f"Run 2 (same day): {seconds:.2f} s, {queries:,} queries, {sink.count - before:,} messages")
    finally:
        if not args.keep:
            with transaction.atomic():
                clean()


if __name__ == "__main__":
    main()
