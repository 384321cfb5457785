#!/usr/bin/env python
"""Benchmark of the reminder job against its SMTP floor, timed in the same run; prints a table and the ratio.

    make bench-reminders                      # 100,000 actions, 10,000 overdue, 2,000 recipients
    make bench-reminders BENCH_ARGS="--scale 0.05 --runs 2"

Two SMTP floors, the least any job could do: the job's own messages, built beforehand (untimed), sent over ONE
connection to the same local sink, (1) through Django's SMTP backend, as the job sends (its MIME encoding and
address checks in the timing), and (2) MIME-encoded beforehand too and sent with smtplib alone. A warm-up run of
the job records the messages it sends; then each round moves the day's reminders to an earlier day (untimed: the
next run sends them all again, and the tables hold history as in use), times both floors and the job (plan,
claim, render, send, mark as sent). Min and median of the rounds, and job / each floor.

It writes into the configured database (DATABASE_URL): use a throwaway one. Everything it creates is tagged
BENCH- and removed at the end (unless --keep; --reuse runs on data a --keep run left). Not a timed test: the
figures depend on the machine; README ("Reminders") quotes some.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import smtplib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.mail import get_connection  # noqa: E402
from django.core.mail.backends.smtp import EmailBackend  # noqa: E402
from django.core.mail.message import sanitize_address  # noqa: E402
from django.core.mail.utils import DNS_NAME  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Min  # noqa: E402
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
                   status=Review.Status.PUBLISHED, commissioned_on=DAY - datetime.timedelta(days=800),
                   finalised_on=DAY - datetime.timedelta(days=500), published_on=DAY - datetime.timedelta(days=400))
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


class RecordingBackend(EmailBackend):
    """The SMTP backend, keeping a copy of what the job sent while ``record`` is a list (the warm-up run).

    The job sends through its own fast path on this backend's connection (services._send_one), so what it sent
    is recorded there; send_messages covers anything sent the ordinary way."""

    record = None

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        if RecordingBackend.record is not None and sent == len(email_messages):
            RecordingBackend.record.extend(email_messages)
        return sent


_send_one = services._send_one


def _recording_send_one(connection, message):
    if RecordingBackend.record is None:
        return _send_one(connection, message)
    record, RecordingBackend.record = RecordingBackend.record, None  # not twice if it falls back to send_messages
    try:
        sent = _send_one(connection, message)
    finally:
        RecordingBackend.record = record
    if sent:
        record.append(message)
    return sent


services._send_one = _recording_send_one


def to_history():
    """Untimed, between rounds: move the day's reminders to an earlier day, so the next run plans, claims and sends
    them all again, while the tables hold earlier days as a database in use does. Then ANALYZE, as autovacuum
    would: planned for the empty tables of a new database, the foreign key checks of the claim scan the table
    they check against, and get slower with every row claimed (0.6 s more at this size)."""
    bench = Reminder.objects.filter(recipient__username__startswith=TAG.lower())
    earliest = bench.aggregate(day=Min("day"))["day"] or DAY
    bench.filter(day=DAY).update(day=min(earliest, DAY) - datetime.timedelta(days=1))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reminders_reminder, reminders_reminderitem")


def smtp_floor(sink, payloads):
    """The floor: messages already encoded, sent over one smtplib connection. Seconds."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port, local_hostname=DNS_NAME.get_fqdn()) as smtp:
        for from_email, recipients, data in payloads:
            smtp.sendmail(from_email, recipients, data)
    return time.perf_counter() - started


def django_floor(messages):
    """The floor through Django: the rendered EmailMessages, MIME-encoded while sent over one connection."""
    started = time.perf_counter()
    mailer = get_connection()
    mailer.open()
    if mailer.send_messages(messages) != len(messages):
        sys.exit("The SMTP sink refused messages of the floor.")
    mailer.close()
    return time.perf_counter() - started


def run_job(sink, profile=None):
    before = sink.count
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        if profile:
            profile.enable()
        outcome = services.send_reminders(on=DAY)
        if profile:
            profile.disable()
    seconds = time.perf_counter() - started
    if outcome.failed or outcome.retrying or sink.count - before != outcome.sent:
        sys.exit(f"The job did not deliver everything: {outcome}; the sink received {sink.count - before}.")
    return seconds, queries, outcome


def summary(times):
    return f"{min(times):.2f} s", f"{statistics.median(times):.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 actions, 10,000 overdue, 2,000 recipients")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds of floor and job (default 5)")
    parser.add_argument("--keep", action="store_true", help="leave the BENCH- data in the database")
    parser.add_argument("--reuse", action="store_true", help="run on the BENCH- data an earlier --keep run left")
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest queries of the last job run")
    parser.add_argument("--profile", type=int, default=0, help="profile one more job run; print its N top functions")
    args = parser.parse_args()
    actions, overdue = int(100_000 * args.scale), int(10_000 * args.scale)
    recipients = max(MEMBERS + AGENCIES, int(2_000 * args.scale))
    existing = Review.objects.filter(reference__startswith=TAG).exists()
    if existing and not args.reuse:
        sys.exit("BENCH- data from an earlier run is in this database; remove it first (or use a fresh database).")
    if args.reuse and not existing:
        sys.exit("--reuse: no BENCH- data in this database; run once with --keep first.")

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Database: {engine} {settings.DATABASES['default']['NAME']}")
    if args.reuse:
        actions = Action.objects.filter(plan__review__reference__startswith=TAG).count()
        to_history()
        print(f"Reusing {actions:,} BENCH- actions.")
    else:
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
            settings.EMAIL_BACKEND = f"{__name__}.RecordingBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
            settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
            settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

            with CaptureQueriesContext(connection) as plan_queries:
                started = time.perf_counter()
                planned = services.plan_reminders(on=DAY)
                plan_seconds = time.perf_counter() - started
            items = sum(len(p.items) for p in planned)
            print(f"Plan only: {plan_seconds:.2f} s, {len(plan_queries)} queries, {len(planned):,} e-mails "
                  f"with {items:,} items", flush=True)

            RecordingBackend.record = messages = []
            run_job(sink)  # warm-up: templates loaded, connections open; its messages are the floor's
            RecordingBackend.record = None
            payloads = [
                (sanitize_address(m.from_email, m.encoding or settings.DEFAULT_CHARSET),
                 [sanitize_address(a, m.encoding or settings.DEFAULT_CHARSET) for a in m.recipients()],
                 m.message().as_bytes(linesep="\r\n"))
                for m in messages
            ]
            floor_times, django_times, job_times = [], [], []
            for _ in range(args.runs):
                to_history()
                floor_times.append(smtp_floor(sink, payloads))
                django_times.append(django_floor(messages))
                seconds, queries, outcome = run_job(sink)
                job_times.append(seconds)
            if args.slowest:
                for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[: args.slowest]:
                    print(f"    {float(query['time']):.3f} s  {query['sql'][:150]}")
            second_started = time.perf_counter()
            with CaptureQueriesContext(connection) as second_queries:
                again = services.send_reminders(on=DAY)
            second_seconds = time.perf_counter() - second_started

            size = sum(len(data) for _, _, data in payloads)
            rows = [
                ("SMTP floor: the job's messages, built, through Django's backend, one connection",
                 *summary(django_times), "-", f"{len(messages):,} messages"),
                ("SMTP floor: the same, MIME-encoded beforehand, smtplib, one connection", *summary(floor_times),
                 "-", f"{len(payloads):,} messages, {size / 1e6:.1f} MB"),
                ("reminder job (plan, claim, render, send, mark sent)", *summary(job_times), f"{len(queries):,}",
                 f"{outcome.sent:,} sent, batches of {services.BATCH_SIZE}"),
                ("second run the same day", f"{second_seconds:.2f} s", "", f"{len(second_queries):,}",
                 f"{again.sent} sent"),
            ]
            print(f"\n{args.runs} rounds, floors and job interleaved:\n")
            print("| step | min | median | queries | result |")
            print("|---|---|---|---|---|")
            for row in rows:
                print("| " + " | ".join(row) + " |")
            for name, floor in (("the messages through Django's backend", django_times),
                                ("the messages pre-encoded", floor_times)):
                print(f"job / SMTP floor ({name}): {min(job_times) / min(floor):.2f} (min / min), "
                      f"{statistics.median(job_times) / statistics.median(floor):.2f} (median / median)")

            if args.profile:
                to_history()
                profile = cProfile.Profile()
                run_job(sink, profile)
                stats = pstats.Stats(profile)
                stats.sort_stats("tottime").print_stats(args.profile)
                stats.sort_stats("cumulative").print_stats(args.profile)
    finally:
        if not args.keep:
            with transaction.atomic():
                clean()


if __name__ == "__main__":
    main()
