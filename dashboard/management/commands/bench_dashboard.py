"""Benchmark of the dashboard and the action list (``make bench``; README, "Dashboard performance"). Not a test: it
prints figures.

It creates a throwaway test database beside the configured one (``test_<name>``, like the test runner; the
configured database itself is never touched), fills it in PostgreSQL with ``INSERT … SELECT … generate_series``
(seconds at 20,000 actions, a few minutes at 200,000), runs ``ANALYZE``, then times each page through Django's test
client (without the test environment's instrumentation of templates, which production does not have) and, interleaved with it run by run, the hand-written SQL that is its floor:

- the dashboard's floor is one query computing the headline, per-review and per-agency figures and evidence
  awaiting audit (``GROUPING SETS``), plus the query summing the trend's past snapshots (the page shows a trend);
- the action list's floor is its own: the first 25 rows in the list's order, and the count.

It prints the minimum and the median of the runs, each page's ratio to its floor, and each page's query count.
"""

import datetime
import os
import secrets
import statistics
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import Agency, Role, User
from actionplans import rules
from dashboard import versions
from reviews.models import Review, Theme

#: Statuses of the generated actions and their weights (per cent).
STATUS_WEIGHTS = [
    (rules.Status.NOT_STARTED, 20), (rules.Status.IN_PROGRESS, 35), (rules.Status.COMPLETED, 15),
    (rules.Status.VERIFIED, 25), (rules.Status.CANCELLED, 5),
]
AGENCIES = 40
TREND_WEEKS = 26


def _status_case():
    """SQL choosing a status from ``r`` (a random number in [0, 1)) with STATUS_WEIGHTS."""
    whens, upto = [], 0
    for status, weight in STATUS_WEIGHTS[:-1]:
        upto += weight
        whens.append(f"WHEN r < {upto / 100} THEN '{status.value}'")
    return f"CASE {' '.join(whens)} ELSE '{STATUS_WEIGHTS[-1][0].value}' END"


class Command(BaseCommand):
    help = "Build a large data set in a throwaway test database and time the dashboard and action list against raw SQL."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Multiply the data set (10 for ten times larger).")
        parser.add_argument("--runs", type=int, default=9, help="Timed runs of each page and floor, interleaved.")
        parser.add_argument("--keepdb", action="store_true", help="Keep (and reuse) the benchmark database.")

    def handle(self, *args, scale=1, runs=9, keepdb=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://… (README, “Dashboard performance”).")
        # Not setup_test_environment(): its instrumentation of every template render (for the test client's
        # response.context) is no part of the application and would be timed with the pages. Only the client's
        # host name is added to those the site answers to.
        override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]).enable()
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
        """Fictional reviews, plans, actions, evidence, progress and weekly snapshots, generated in SQL. Returns a
        description of what was built. Deterministic: the same scale gives the same data."""
        today = rules.today()
        n_reviews, n_actions = 200 * scale, 20_000 * scale
        Agency.objects.bulk_create(
            [Agency(name="Bench Safeguarding Board", short_name="LSCB", kind=Agency.Kind.BOARD)]
            + [Agency(name=f"Bench agency {i:02d}", short_name=f"A{i:02d}", kind=Agency.Kind.OTHER) for i in range(1, AGENCIES)]
        )
        agencies = dict(Agency.objects.order_by("pk").values_list("pk", "short_name"))
        password = make_password(secrets.token_urlsafe(16))  # signed in with force_login; hashed once for all
        User.objects.bulk_create(
            [User(username="bench-member", role=Role.MEMBER, first_name="Bench", last_name="Member", password=password)]
            + [User(username=f"bench-{short}", role=Role.AGENCY, agency_id=pk, first_name="Officer", last_name=short,
                    password=password)
               for pk, short in agencies.items()]
        )
        agencies = list(agencies)
        Theme.objects.bulk_create([Theme(name=f"Bench theme {i}") for i in range(6)])
        themes = list(Theme.objects.order_by("pk").values_list("pk", flat=True))
        statements = [
            ("SELECT setseed(0.5)", {}),
            # Reviews: published, commissioned 400-699 days ago, finalised 300-399 days ago, published 30 days later.
            ("""INSERT INTO reviews_review (reference, title, summary, incident_category, status, commissioned_on,
                    finalised_on, published_on, created_at, updated_at)
                SELECT 'BENCH-' || lpad(i::text, 5, '0'), 'Bench review ' || i, '', 'serious_injury', 'published',
                    %(today)s::date - (400 + i %% 300), %(today)s::date - (300 + i %% 100),
                    %(today)s::date - (270 + i %% 100), now(), now()
                FROM generate_series(0, %(reviews)s - 1) i""", {"reviews": n_reviews}),
            # Plans: a multi-agency plan and five single-agency plans (five different agencies) per review.
            ("""INSERT INTO actionplans_actionplan (review_id, kind, title, description, agency_id, created_at, updated_at)
                SELECT r.id, CASE WHEN k = 0 THEN 'multi_agency' ELSE 'single_agency' END,
                    CASE WHEN k = 0 THEN 'Multi-agency plan' ELSE 'Single-agency plan ' || k END, '',
                    CASE WHEN k = 0 THEN NULL ELSE (%(agencies)s::bigint[])[2 + (r.id * 7 + k * 8) %% 39] END, now(), now()
                FROM reviews_review r CROSS JOIN generate_series(0, 5) k""", {}),
            # Actions: a random plan; the plan's agency leads a single-agency plan's actions, any agency a
            # multi-agency plan's; target dates from 200 days ago to 200 days ahead.
            (f"""INSERT INTO actionplans_action (plan_id, reference, recommendation, description, lead_agency_id,
                    target_date, original_target_date, target_date_moves, success_measure, status, cancellation_reason,
                    status_changed_at, created_at, updated_at)
                SELECT p.id, s.i::text, 'Agencies should assess male partners.', 'Deliver training step ' || s.i,
                    COALESCE(p.agency_id, (%(agencies)s::bigint[])[1 + s.agency]), %(today)s::date + s.offset_days,
                    %(today)s::date + s.offset_days, 0, 'Audit shows it worked.', s.status,
                    CASE WHEN s.status = 'cancelled' THEN 'Superseded.' ELSE '' END,
                    now() - s.changed * interval '1 day', now(), now()
                FROM (SELECT i, 1 + floor(random() * (SELECT count(*) FROM actionplans_actionplan))::int AS n,
                        floor(random() * %(n_agencies)s)::int AS agency, floor(random() * 401)::int - 200 AS offset_days,
                        floor(random() * 121)::int AS changed, {_status_case()} AS status
                      FROM (SELECT i, random() AS r FROM generate_series(1, %(actions)s) i) g) s
                JOIN (SELECT id, agency_id, row_number() OVER (ORDER BY id) AS n FROM actionplans_actionplan) p
                    ON p.n = s.n""", {"actions": n_actions, "n_agencies": AGENCIES}),
            # Two in three actions name their lead agency's officer.
            ("""UPDATE actionplans_action a SET responsible_officer_id = u.id FROM accounts_user u
                WHERE u.agency_id = a.lead_agency_id AND u.role = 'agency' AND a.id %% 3 <> 0""", {}),
            ("""INSERT INTO actionplans_action_themes (action_id, theme_id)
                SELECT id, (%(themes)s::bigint[])[1 + id %% 6] FROM actionplans_action
                UNION ALL SELECT id, (%(themes)s::bigint[])[1 + (id + 3) %% 6] FROM actionplans_action WHERE id %% 2 = 1""",
             {}),
            # Three evidence items per action from its lead agency, submitted, accepted or rejected.
            ("""INSERT INTO evidence_evidence (action_id, agency_id, submitted_by_id, description, note, represents_on,
                    stored_name, original_name, content_type, sha256, status, submitted_at, withdrawal_reason)
                SELECT a.id, a.lead_agency_id, u.id, 'Evidence ' || a.id || '.' || k, 'Attendance list attached.',
                    %(today)s::date, '', '', '', '', (ARRAY['submitted', 'accepted', 'rejected'])[1 + floor(random() * 3)::int],
                    now() - floor(random() * 200) * interval '1 day', ''
                FROM actionplans_action a CROSS JOIN generate_series(1, 3) k
                JOIN accounts_user u ON u.agency_id = a.lead_agency_id AND u.role = 'agency'""", {}),
            # A progress entry for every action under way or done: the action list's "latest progress".
            ("""INSERT INTO actionplans_progressupdate (action_id, author_id, created_at, note, status_before, status_after)
                SELECT a.id, u.id, a.status_changed_at, 'Training delivered to the first cohort.', 'not_started', a.status
                FROM actionplans_action a JOIN accounts_user u ON u.agency_id = a.lead_agency_id AND u.role = 'agency'
                WHERE a.status IN ('in_progress', 'completed', 'verified')""", {}),
        ]
        params = {"today": today, "agencies": agencies, "themes": themes}
        with connection.cursor() as cursor:
            for sql, extra in statements:
                cursor.execute(sql, {**params, **extra})
        self.snapshots(today)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # statistics, and the visibility map index-only scans rely on
        plans = table_count("actionplans_actionplan")
        evidence = table_count("evidence_evidence")
        return (f"{n_reviews:,} reviews, {plans:,} plans, {AGENCIES} agencies, {n_actions:,} actions, "
                f"{evidence:,} evidence items, {TREND_WEEKS + 1} weekly snapshots")

    def snapshots(self, today):
        """A snapshot a week for TREND_WEEKS weeks and today, counted by the rules as on each day (the statuses as
        they are now: the benchmark needs the rows, not a history)."""
        on = "d.day"
        counts = {
            "total": "COUNT(*)",
            "cancelled": "COUNT(*) FILTER (WHERE a.status = 'cancelled')",
            "completed": "COUNT(*) FILTER (WHERE a.status = 'completed')",
            "verified": "COUNT(*) FILTER (WHERE a.status = 'verified')",
            "overdue": f"COUNT(*) FILTER (WHERE a.status IN ('not_started', 'in_progress') AND a.target_date < {on})",
            "due_soon": (f"COUNT(*) FILTER (WHERE a.status IN ('not_started', 'in_progress') AND a.target_date >= {on}"
                         f" AND a.target_date <= {on} + {rules.DUE_SOON_DAYS})"),
        }
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO dashboard_snapshot (date, plan_id, lead_agency_id, {", ".join(counts)}, taken_at)
                SELECT d.day, a.plan_id, a.lead_agency_id, {", ".join(counts.values())}, now()
                FROM actionplans_action a
                CROSS JOIN (SELECT %s::date - 7 * w AS day FROM generate_series(0, %s) w) d
                GROUP BY d.day, a.plan_id, a.lead_agency_id""",
                [today, TREND_WEEKS],
            )

    # --- the measurements -----------------------------------------------------------------------------------

    def measure(self, runs):
        member = User.objects.get(username="bench-member")
        agency = Agency.objects.order_by("pk")[1]
        officer = User.objects.get(agency=agency, role=Role.AGENCY)
        review = Review.objects.order_by("pk").first()
        member_client, officer_client = Client(), Client()
        member_client.force_login(member)
        officer_client.force_login(officer)
        dashboard_floor = Floor("dashboard floor (figures, evidence, trend)", self.dashboard_floor)
        list_floor = Floor("action list floor (25 rows + count)", self.list_floor)
        pages = [
            Page("dashboard, cached", dashboard_floor, member_client, reverse("dashboard:index")),
            Page("dashboard, after a write", dashboard_floor, member_client, reverse("dashboard:index"), write=True),
            Page("dashboard, agency user, cached", dashboard_floor, officer_client, reverse("dashboard:index")),
            Page("review page", dashboard_floor, member_client, reverse("dashboard:review", args=[review.pk])),
            Page("agency page", dashboard_floor, member_client, reverse("dashboard:agency", args=[agency.pk])),
            Page("action list, page 1", list_floor, member_client, reverse("actionplans:action_list")),
            # Its count comes from the dashboard's cached figures when they are in the cache: not after a write.
            Page("action list, after a write", list_floor, member_client, reverse("actionplans:action_list"),
                 write=True),
            Page("action list, agency user", list_floor, officer_client, reverse("actionplans:action_list")),
        ]
        for page in pages:
            page.warm()
        floors = [dashboard_floor, list_floor]
        for floor in floors:
            floor.run()
            floor.times.clear()
        # Interleaved: each run times every floor and every page once, so a busy moment of the machine falls on
        # floors and pages alike.
        for _ in range(runs):
            for floor in floors:
                floor.run()
            for page in pages:
                page.run()
        load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
        self.stdout.write(f"\nPostgreSQL, {runs} interleaved runs after a warm-up; load average {load}")
        self.stdout.write(f"{'':44}{'min ms':>9}{'median ms':>11}{'x floor':>9}{'queries':>9}")
        for floor in floors:
            self.stdout.write(f"{floor.name:44}{min(floor.times):>9.1f}{statistics.median(floor.times):>11.1f}"
                              f"{1:>9.1f}{floor.queries:>9}")
        for page in pages:
            ratio = statistics.median(page.times) / statistics.median(page.floor.times)
            self.stdout.write(f"{page.name:44}{min(page.times):>9.1f}{statistics.median(page.times):>11.1f}"
                              f"{ratio:>9.1f}{page.queries:>9}")

    def dashboard_floor(self, cursor):
        """The dashboard's numbers in hand-written SQL: figures and evidence awaiting audit in total, by review and
        by lead agency (one GROUPING SETS query), and the trend's weekly sums of the past snapshots."""
        today = rules.today()
        soon = today + datetime.timedelta(days=rules.DUE_SOON_DAYS)
        cursor.execute(
            """SELECT p.review_id, a.lead_agency_id, COUNT(*),
                COUNT(*) FILTER (WHERE a.status = 'cancelled'), COUNT(*) FILTER (WHERE a.status = 'completed'),
                COUNT(*) FILTER (WHERE a.status = 'verified'),
                COUNT(*) FILTER (WHERE a.status IN ('not_started', 'in_progress') AND a.target_date < %s),
                COUNT(*) FILTER (WHERE a.status IN ('not_started', 'in_progress') AND a.target_date BETWEEN %s AND %s),
                COUNT(*) FILTER (WHERE a.target_date > a.original_target_date),
                SUM(e.items), COUNT(e.action_id)
            FROM actionplans_action a JOIN actionplans_actionplan p ON p.id = a.plan_id
            LEFT JOIN (SELECT action_id, COUNT(*) AS items FROM evidence_evidence WHERE status = 'submitted'
                       GROUP BY action_id) e ON e.action_id = a.id
            GROUP BY GROUPING SETS ((), (p.review_id), (a.lead_agency_id))""",
            [today, today, soon],
        )
        rows = cursor.fetchall()
        dates = [today - datetime.timedelta(days=7 * w) for w in range(1, TREND_WEEKS + 1)]
        cursor.execute(
            """SELECT date, SUM(total), SUM(cancelled), SUM(completed), SUM(verified), SUM(overdue), SUM(due_soon)
            FROM dashboard_snapshot WHERE date = ANY(%s) GROUP BY date ORDER BY date""",
            [dates],
        )
        return rows, cursor.fetchall()

    def list_floor(self, cursor):
        """The action list's first page in hand-written SQL: 25 rows in its order with what each row shows (the
        latest progress too: when, who, the start of the note), and the count."""
        cursor.execute(
            """SELECT a.id, a.reference, a.description, a.target_date, a.status, r.reference, r.title, p.title,
                ag.short_name, u.first_name, u.last_name, lp.created_at, lp.author, lp.head
            FROM (SELECT a.* FROM actionplans_action a JOIN actionplans_actionplan p ON p.id = a.plan_id
                  JOIN reviews_review r ON r.id = p.review_id
                  ORDER BY a.target_date, r.reference, a.reference LIMIT 25) a
            JOIN actionplans_actionplan p ON p.id = a.plan_id JOIN reviews_review r ON r.id = p.review_id
            JOIN accounts_agency ag ON ag.id = a.lead_agency_id
            LEFT JOIN accounts_user u ON u.id = a.responsible_officer_id
            LEFT JOIN LATERAL (
                SELECT pu.created_at, COALESCE(NULLIF(TRIM(au.first_name || ' ' || au.last_name), ''), au.username)
                    AS author, LEFT(pu.note, 200) AS head
                FROM actionplans_progressupdate pu JOIN accounts_user au ON au.id = pu.author_id
                WHERE pu.action_id = a.id ORDER BY pu.created_at DESC, pu.id DESC LIMIT 1) lp ON TRUE
            ORDER BY a.target_date, r.reference, a.reference"""
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT COUNT(*) FROM actionplans_action")
        return rows, cursor.fetchone()


def table_count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a table name of ours
        return cursor.fetchone()[0]


class Floor:
    def __init__(self, name, work):
        self.name, self.work, self.times, self.queries = name, work, [], 2

    def run(self):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            self.work(cursor)
        self.times.append((time.perf_counter() - started) * 1000)


class Page:
    def __init__(self, name, floor, client, url, write=False):
        self.name, self.floor, self.client, self.url, self.write = name, floor, client, url, write
        self.times, self.queries = [], 0

    def get(self):
        response = self.client.get(self.url)
        assert response.status_code == 200, (self.url, response.status_code, response.get("Location"))

    def warm(self):
        """One view to fill the caches, then one that counts its queries as the timed runs will make them."""
        self.get()
        if self.write:
            versions.schedule(versions.FIGURES)
        reset_queries()  # the log is a bounded deque, full after the build; start it empty
        with CaptureQueriesContext(connection) as queries:
            self.get()
        self.queries = len(queries)

    def run(self):
        if self.write:
            # What a write does to the dashboard: the figures' data version moves on, so this view computes afresh.
            versions.schedule(versions.FIGURES)
        else:
            # Another page's write may have moved the version since this page's last run: the view timed here is
            # the one after a first view under the current version, as every view but the first after a write is.
            self.get()
        started = time.perf_counter()
        self.get()
        self.times.append((time.perf_counter() - started) * 1000)
