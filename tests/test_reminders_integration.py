"""The reminder job with the real pieces: Redis as broker, a real Celery worker process, a local SMTP server.

The worker is a separate process, so it must share the test's database: these tests run on PostgreSQL (the
test database, committed with ``transaction=True``), as CI does. Without REDIS_URL, or on SQLite, they are
skipped with the reason, except in CI (CI=true), where a missing piece is a failure, not a skip.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Role
from actionplans.rules import Status
from learning.models import Attendance, ImpactCheck, LearningEvent, SubCommittee
from reminders.models import Reminder
from reminders.smtp_sink import SmtpSink
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
DAY = datetime.date(2026, 3, 2)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing_piece():
    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set: start Redis and set REDIS_URL (as .ci/run does) to run it"
    if connection.vendor != "postgresql":
        return "the worker process must share the test database: set DATABASE_URL to PostgreSQL (as .ci/run does)"
    return None


@pytest.fixture
def real_pieces(transactional_db):
    missing = _missing_piece()
    if missing and IN_CI:
        pytest.fail(f"CI must run the reminder integration tests, but {missing}.")
    if missing:
        pytest.skip(f"Integration test with Redis, a Celery worker and SMTP: {missing}.")


def _database_url():
    s = connection.settings_dict
    user = urllib.parse.quote(s["USER"] or "", safe="")
    password = urllib.parse.quote(s["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Celery worker processes on a queue of their own, each with its own log file."""

    def __init__(self, tmp_path, smtp_url, **settings):
        self.tmp_path = tmp_path
        self.queue = f"reminders-it-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "scrsystem.settings",
            "DATABASE_URL": _database_url(),
            "EMAIL_URL": smtp_url,
            "VAR_DIR": str(tmp_path / "var"),
            **{name: str(value) for name, value in settings.items()},
        }
        self.processes = []

    def start(self):
        n = len(self.processes)
        log = open(self.tmp_path / f"worker-{n}.log", "w")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "scrsystem", "worker", "--pool", "solo", "-Q", self.queue,
                "-n", f"{self.queue}-{n}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel", "INFO",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log(self):
        return "".join((self.tmp_path / f"worker-{n}.log").read_text() for n in range(len(self.processes)))

    def enqueue(self, day):
        from reminders.tasks import send_reminders

        send_reminders.apply_async(kwargs={"on": day.isoformat()}, queue=self.queue)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        from scrsystem.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(self.queue)


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")


def make_people(n):
    """n officers with an action overdue by one day each, and one action 28 days overdue (escalated to a member);
    the learning cycle's kinds beside them: an impact check overdue by a day, for the member's sub-committee, and
    a workshop held a week ago whose attendance Health (one user) has not recorded.

    Returns the addresses that must each receive exactly one e-mail.
    """
    police = factories.agency(name="Police", short_name="Police")
    health = factories.agency(name="Health", short_name="Health")
    member = factories.user(Role.MEMBER, email="member@example.org")
    nurse = factories.user(Role.AGENCY, agency=health, email="nurse@example.org")
    plan = factories.plan(factories.review())
    officers = [factories.user(Role.AGENCY, agency=police, email=f"officer{i}@example.org") for i in range(n)]
    for i, officer in enumerate(officers):
        factories.action(plan, police, reference=f"1.{i}", responsible_officer=officer,
                         target_date=DAY - datetime.timedelta(days=1))
    factories.action(plan, police, reference="9.9", responsible_officer=officers[0],
                     target_date=DAY - datetime.timedelta(days=28))
    committee = SubCommittee.objects.create(name="Monitoring and Evaluation", checks_impact=True)
    committee.members.add(member)
    verified = factories.action(plan, police, reference="8.1", status=Status.VERIFIED)
    ImpactCheck.objects.create(action=verified, sub_committee=committee, due_on=DAY - datetime.timedelta(days=1))
    workshop = LearningEvent.objects.create(
        title="Hidden men", kind=LearningEvent.Kind.WORKSHOP, audience=LearningEvent.Audience.ALL,
        held_on=DAY - datetime.timedelta(days=7), facilitator="Training officer", status=LearningEvent.Status.HELD,
    )
    for officer in officers:  # Police recorded theirs; Health has not
        Attendance.objects.get_or_create(event=workshop, agency=police, defaults={"attended": 3, "created_by": officer})
    return sorted([member.email, nurse.email] + [o.email for o in officers])


def received(sink):
    return sorted(address for message in sink.messages for address in message.get_all("To"))


def test_job_enqueued_twice_through_redis_sends_each_expected_message_once(real_pieces, tmp_path):
    expected = make_people(5)
    with SmtpSink() as sink:
        workers = Workers(tmp_path, sink.url)
        try:
            workers.start()
            workers.enqueue(DAY)
            workers.enqueue(DAY)
            wait_for(lambda: workers.log().count("succeeded in") >= 2, 60, "the worker to run the job twice")
            time.sleep(0.5)
        finally:
            workers.stop()
        assert received(sink) == expected, workers.log()
        assert len({m["X-Scrsystem-Reminder"] for m in sink.messages}) == len(expected)
        subjects = {m["To"]: " ".join(m["Subject"].split()) for m in sink.messages}  # unfolded
        assert subjects["member@example.org"].endswith("1 escalated, 1 impact check overdue")
        assert subjects["nurse@example.org"].endswith("1 attendance to record")
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert Reminder.objects.count() == len(expected)
    assert "0 e-mails due, 0 claimed" in workers.log()  # the second run found everything claimed


def test_worker_killed_mid_run_loses_and_doubles_nothing_after_a_restart(real_pieces, tmp_path):
    expected = make_people(11)
    # Each message waits 0.4 s at the server before it is accepted, so the run is still going when killed.
    with SmtpSink(delay=0.4) as sink:
        workers = Workers(tmp_path, sink.url, REMINDER_CLAIM_TIMEOUT=3, REMINDER_RETRY_BACKOFF=1)
        try:
            first = workers.start()
            workers.enqueue(DAY)
            # Killed while it waits for the server, not in the instant between the server accepting an e-mail and
            # the worker marking it sent: an e-mail accepted there is sent again after its claim times out (SMTP
            # has no way to make the two one step; README "Reminders"), which this test is not about.
            sent = Reminder.objects.filter(status=Reminder.Status.SENT)
            wait_for(lambda: sink.count >= 3 and sent.count() == sink.count, 60, "the first messages to be marked sent")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            delivered_before_restart = sink.count
            assert 3 <= delivered_before_restart < len(expected), "the worker was not killed mid-run"
            stuck = Reminder.objects.filter(status=Reminder.Status.CLAIMED).count()
            assert stuck == len(expected) - delivered_before_restart  # claimed, not sent: not lost, just waiting

            workers.start()
            workers.enqueue(DAY)  # the next run: from beat, or the broker redelivering the killed task
            wait_for(
                lambda: Reminder.objects.filter(status=Reminder.Status.SENT).count() == len(expected),
                60,
                "every reminder to be sent after the restart",
            )
            time.sleep(1)
        finally:
            workers.stop()
        assert received(sink) == expected, workers.log()
    resumed = Reminder.objects.filter(attempts=2)
    assert resumed.count() == stuck  # those the killed worker had claimed, sent by the new one
