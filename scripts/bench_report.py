#!/usr/bin/env python
"""Benchmark of the board report's PDF when what actions will do is one unbroken word (README, "Board report").

    .venv/bin/python scripts/bench_report.py                 # 20 actions, each a 5,000-character word
    .venv/bin/python scripts/bench_report.py --actions 1 --word 2400000

It creates a throwaway test database beside the configured one (as the test runner does; the configured database
is never touched), loads the demo, and prints the median time of the PDF as the board chair: first the demo as it
is, then with one more review whose actions (half overdue, half verified today) each describe what will be done in
one word of ``--word`` characters. The rows are written with bulk_create, past full_clean, so a word longer than
the database allows is refused there. Not a timed test: the figures depend on the machine.
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")
os.environ.setdefault("ALLOW_DEMO_DATA", "true")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-report-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Agency, User  # noqa: E402
from actionplans.models import Action, ActionPlan  # noqa: E402
from actionplans.rules import Status, today  # noqa: E402
from reviews.models import Review  # noqa: E402


def add_review_of_long_words(actions, word):
    agency = Agency.objects.order_by("pk").first()
    review = Review.objects.create(
        reference="SCR-BENCH-01", title="Child Z", incident_category=Review.IncidentCategory.NEGLECT,
        status=Review.Status.PUBLISHED, commissioned_on=datetime.date(2024, 1, 1),
        finalised_on=datetime.date(2024, 6, 1), published_on=datetime.date(2024, 9, 1),
    )
    plan = ActionPlan.objects.create(review=review, kind=ActionPlan.Kind.MULTI_AGENCY, title="Multi-agency plan")
    # Every other action is overdue (the report's table of overdue actions), the others verified today (its list
    # of actions verified since the last report): both print what will be done.
    Action.objects.bulk_create(
        Action(
            plan=plan, lead_agency=agency, reference=f"{n}.1", recommendation="A recommendation.",
            description=chr(ord("a") + n % 26) * word, success_measure="A measure.",
            status=Status.VERIFIED if n % 2 else Status.NOT_STARTED, status_changed_at=timezone.now(),
            target_date=today() - datetime.timedelta(days=10 + n),
            original_target_date=today() - datetime.timedelta(days=10 + n),
        )
        for n in range(actions)
    )


def median_seconds(client, runs):
    url = reverse("dashboard:report_pdf")
    client.get(url)  # warm-up: fonts, templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=20, help="Overdue actions in the added review.")
    parser.add_argument("--word", type=int, default=5000, help="Characters of each action's one-word description.")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs (the median is printed).")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_demo", stdout=io.StringIO())
        client = Client()
        client.force_login(User.objects.get(username="chair"))
        seconds, size = median_seconds(client, args.runs)
        print(f"demo as it is: {seconds:.2f} s ({size:,} bytes)")
        add_review_of_long_words(args.actions, args.word)
        seconds, size = median_seconds(client, args.runs)
        print(f"with {args.actions} actions of one {args.word:,}-character word: {seconds:.2f} s ({size:,} bytes)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
