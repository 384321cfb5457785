"""Benchmark of the dashboard (``make bench``; README, "Dashboard performance"). Not a test: it prints figures.

It creates a throwaway test database beside the configured one (``test_<name>`` on PostgreSQL, like the test
runner; the configured database itself is never touched), fills it with bulk_create, and prints medians of
several runs: the dashboard, an agency page and the first page of the action list, each rendered through
Django's test client as the board chair; the one raw SQL query that computes the same dashboard figures
(the floor); each page's ratio to that floor; and each page's number of queries.
"""

import datetime
import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Role, User
from actionplans import rules
from actionplans.models import Action, ActionPlan
from dashboard import services
from evidence.models import Evidence
from reviews.models import Review, Theme

STATUS_WEIGHTS = [
    (rules.Status.NOT_STARTED, 20), (rules.Status.IN_PROGRESS, 35), (rules.Status.COMPLETED, 15),
    (rules.Status.VERIFIED, 25), (rules.Status.CANCELLED, 5),
]


class Command(BaseCommand):
    help = "Build a large data set in a throwaway test database and time the dashboard against a raw SQL floor."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Multiply the data set (10 for ten times larger).")
        parser.add_argument("--runs", type=int, default=7, help="Timed runs per page (the median is printed).")
        parser.add_argument("--keepdb", action="store_true", help="Keep (and reuse) the benchmark database.")

    def handle(self, *args, scale=1, runs=7, keepdb=False, **options):
        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb)
        try:
            if not Review.objects.exists():
                started = time.perf_counter()
                counts = self.build(scale)
                self.stdout.write(f"Built {counts} in {time.perf_counter() - started:.1f} s")
            self.measure(runs)
        finally:
            if not keepdb:
                connection.creation.destroy_test_db(old_name, verbosity=0)

    # --- the data set ---------------------------------------------------------------------------------------

    def build(self, scale):
        rng = random.Random(5)
        today = rules.today()
        n_reviews, n_agencies, n_actions = 200 * scale, 40, 20_000 * scale
        agencies = Agency.objects.bulk_create(
            [Agency(name="Bench Safeguarding Board", short_name="LSCB", kind=Agency.Kind.BOARD)]
            + [Agency(name=f"Bench agency {i:02d}", short_name=f"A{i:02d}", kind=Agency.Kind.OTHER) for i in range(1, n_agencies)]
        )
        agencies = list(Agency.objects.order_by("pk"))
        User.objects.create_user("bench-chair", role=Role.CHAIR, first_name="Bench", last_name="Chair")
        users = User.objects.bulk_create(
            [User(username=f"bench-{a.short_name}", role=Role.AGENCY, agency=a, first_name="Officer", last_name=a.short_name)
             for a in agencies]
        )
        users = {u.agency_id: u for u in User.objects.filter(role=Role.AGENCY)}
        themes = Theme.objects.bulk_create([Theme(name=f"Bench theme {i}") for i in range(6)])
        themes = list(Theme.objects.order_by("pk"))
        Review.objects.bulk_create(
            [Review(reference=f"BENCH-{i:05d}", title=f"Child {i}", incident_category=Review.IncidentCategory.SERIOUS_INJURY,
                    status=Review.Status.PUBLISHED, commissioned_on=today - datetime.timedelta(days=400 + i % 300))
             for i in range(n_reviews)]
        )
        reviews = list(Review.objects.order_by("pk"))
        plans = []
        for review in reviews:
            plans.append(ActionPlan(review=review, kind=ActionPlan.Kind.MULTI_AGENCY, title="Multi-agency plan"))
            for agency in rng.sample(agencies[1:], 5):
                plans.append(ActionPlan(review=review, kind=ActionPlan.Kind.SINGLE_AGENCY, agency=agency, title=f"{agency.short_name} plan"))
        ActionPlan.objects.bulk_create(plans, batch_size=2000)
        plans = list(ActionPlan.objects.order_by("pk"))
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        actions = []
        for i in range(n_actions):
            plan = plans[rng.randrange(len(plans))]
            lead = plan.agency if plan.agency_id else agencies[rng.randrange(len(agencies))]
            status = rng.choices(statuses, weights)[0]
            target = today + datetime.timedelta(days=rng.randint(-200, 200))
            actions.append(Action(
                plan=plan, reference=f"{i}", recommendation="Agencies should assess male partners.",
                description=f"Deliver training step {i}", lead_agency=lead,
                responsible_officer=users[lead.pk] if i % 3 else None,
                target_date=target, original_target_date=target,
                success_measure="Audit shows it worked.", status=status,
                cancellation_reason="Superseded." if status == rules.Status.CANCELLED else "",
                status_changed_at=timezone.now() - datetime.timedelta(days=rng.randint(0, 120)),
            ))
        Action.objects.bulk_create(actions, batch_size=2000)
        through = Action.themes.through
        action_ids = list(Action.objects.values_list("pk", flat=True))
        through.objects.bulk_create(
            [through(action_id=pk, theme_id=theme.pk) for pk in action_ids for theme in rng.sample(themes, 1 + pk % 2)],
            batch_size=5000,
        )
        evidence = self.build_evidence(rng, action_ids, users, 3 * n_actions)
        for weeks in range(26, -1, -1):
            services.snapshot_take(on=today - datetime.timedelta(days=7 * weeks))
        return (f"{n_reviews} reviews, {len(plans)} plans, {n_agencies} agencies, {n_actions} actions, "
                f"{evidence} evidence items, 27 weekly snapshots")

    def build_evidence(self, rng, action_ids, users, n):
        leads = dict(Action.objects.values_list("pk", "lead_agency_id"))
        now = timezone.now()
        items = []
        for i in range(n):
            pk = action_ids[i % len(action_ids)]
            agency_id = leads[pk]
            items.append(Evidence(
                action_id=pk, agency_id=agency_id, description=f"Evidence {i}", note="Attendance list attached.",
                represents_on=now.date(), status=rng.choice(["submitted", "accepted", "rejected"]),
                submitted_by=users[agency_id], submitted_at=now - datetime.timedelta(days=rng.randint(0, 200)),
            ))
        Evidence.objects.bulk_create(items, batch_size=5000)
        return n

    # --- the measurements -----------------------------------------------------------------------------------

    def measure(self, runs):
        chair = User.objects.get(username="bench-chair")
        agency = Agency.objects.order_by("pk")[1]
        client = Client()
        client.force_login(chair)
        pages = [
            ("dashboard", reverse("dashboard:index")),
            ("agency page", reverse("dashboard:agency", args=[agency.pk])),
            ("action list, page 1", reverse("actionplans:action_list")),
        ]
        floor_ms = self.median_ms(runs, self.floor_query)
        vendor = connection.vendor
        self.stdout.write(f"\nDatabase: {vendor}; medians of {runs} runs after one warm-up run")
        self.stdout.write(f"{'':24}{'median ms':>10}{'x floor':>9}{'queries':>9}")
        self.stdout.write(f"{'raw SQL floor':24}{floor_ms:>10.1f}{1:>9.1f}{1:>9}")
        for name, url in pages:
            def get(url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            reset_queries()  # the log is a bounded deque, full after the build; start it empty
            with CaptureQueriesContext(connection) as queries:
                get()
            ms = self.median_ms(runs, get)
            self.stdout.write(f"{name:24}{ms:>10.1f}{ms / floor_ms:>9.1f}{len(queries):>9}")

    def median_ms(self, runs, work):
        work()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    def floor_query(self):
        """The headline, per-review and per-agency figures of the dashboard in one hand-written query."""
        today = rules.today()
        soon = today + datetime.timedelta(days=rules.DUE_SOON_DAYS)
        action, plan = Action._meta.db_table, ActionPlan._meta.db_table
        counts = """
            COUNT(*),
            SUM(CASE WHEN a.status = 'cancelled' THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.status = 'completed' THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.status = 'verified' THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.status IN ('not_started', 'in_progress') AND a.target_date < %s THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.status IN ('not_started', 'in_progress') AND a.target_date BETWEEN %s AND %s
                THEN 1 ELSE 0 END)"""
        source = f"FROM {action} a JOIN {plan} p ON p.id = a.plan_id"
        # Evidence awaiting audit: items, and the actions they are on.
        counts += ", SUM(e.items), COUNT(e.action_id)"
        source += (
            f" LEFT JOIN (SELECT action_id, COUNT(*) AS items FROM {Evidence._meta.db_table}"
            " WHERE status = 'submitted' GROUP BY action_id) e ON e.action_id = a.id"
        )
        if connection.vendor == "postgresql":
            sql = f"SELECT p.review_id, a.lead_agency_id, {counts} {source} " \
                  "GROUP BY GROUPING SETS ((), (p.review_id), (a.lead_agency_id))"
            params = [today, today, soon]
        else:
            sql = " UNION ALL ".join([
                f"SELECT NULL, NULL, {counts} {source}",
                f"SELECT p.review_id, NULL, {counts} {source} GROUP BY p.review_id",
                f"SELECT NULL, a.lead_agency_id, {counts} {source} GROUP BY a.lead_agency_id",
            ])
            params = [today, today, soon] * 3
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
