"""Several web servers and workers at once (issue 17): the stack test.

Two gunicorn servers (A and B, the Procfile's web command, each on its own port), two Celery workers and one
Celery beat, all separate OS processes, each with a VAR_DIR of its own as if on separate machines, sharing one
PostgreSQL database (a throwaway one, loaded with the demo), one Redis (broker and shared cache) and one S3
bucket (moto's server), with DEBUG off. It shows that nothing a person or a job relies on is kept in one process:

(a) evidence uploaded through A is downloaded through B, byte for byte, and the download is logged;
(b) a session started on A (signing in) is valid on B;
(c) a lock-out on A (LOGIN_FAILURE_LIMIT wrong passwords) holds on B: the right password is refused there (429);
(d) the reminder job started on both workers at the same moment sends each e-mail exactly once, to a real SMTP
    server: no (recipient, subject) twice, as many e-mails as the database records as sent, and more than none;
(e) beat keeps its schedule in Redis (celery-redbeat's "scrsystem:redbeat:" keys: its lock and its jobs), and
    every process, the workers and beat included, finds the same /healthz/?full=1: everything ok.

Beat runs throughout, with its jobs' hours set twelve hours away, so that it starts nothing while the test runs and
the SMTP server receives the two reminder jobs' e-mails only. The demo seeds no reminders, so today's job has
e-mails to send. Of the two runs, one may find the other's claims still in flight and end by scheduling a retry
(after REMINDER_CLAIM_TIMEOUT, to take over claims a killed worker left): that is counted as a run that ended.

Needs PostgreSQL (DATABASE_URL=postgres://…: only its server is used, for a database of the test's own) and Redis
(REDIS_URL: its server, databases STACK_REDIS_DATABASES, by default 14 for the broker and 15 for the cache, both
flushed before and after). Without them the test is skipped with the reason, except in CI (CI=true), where that is
a failure. Run with ``-s`` to see the figures it prints.
"""

import datetime
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
import zoneinfo
from collections import Counter

import pytest

from reminders.smtp_sink import SmtpSink, free_port
from tests import evidence_samples as samples
from tests.s3 import KEY_ID, REGION, SECRET
from tests.s3 import client as s3_client
from tests.stack import BIN, ROOT, Processes, ThrowawayDatabase, wait_for

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TIME_ZONE = "Europe/London"
PASSWORD = "demo-password"  # every demo account's (README, "Demo accounts")
UPLOADER = "police"  # an agency user: signs in on A, uploads there, downloads on B
LOCKED = "health"  # another agency user: locked out on A, refused on B
LOGIN = "/accounts/login/"
TASK = "reminders.tasks.send_reminders"
REDBEAT_PREFIX = "scrsystem:redbeat:"
JOBS = ("send-reminders", "take-dashboard-snapshot", "anchor-audit-chain")  # beat's, in scrsystem/celery.py
DONE = ("succeeded", "retry")  # how a worker's log says a run of the task ended
HEALTHY = {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok", "cache": "ok"}

#: /healthz/?full=1 from inside a process's own settings (the workers and beat serve no HTTP): Django's test
#: client in a fresh interpreter with exactly that process's environment.
HEALTH_FROM_INSIDE = """
import django
django.setup()
from django.test import Client
answer = Client().get("/healthz/?full=1", HTTP_HOST="127.0.0.1")
print(answer.status_code, answer.content.decode())
"""


def _missing_piece():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "DATABASE_URL is not PostgreSQL"
    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set"
    return None


def _redis_urls():
    """The broker's and the cache's Redis URLs: REDIS_URL's server, each with a database of its own."""
    broker_db, cache_db = (int(n) for n in os.environ.get("STACK_REDIS_DATABASES", "14,15").split(","))
    parts = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    return tuple(urllib.parse.urlunsplit(parts._replace(path=f"/{n}", query="")) for n in (broker_db, cache_db))


class Web:
    """One person's browser on one server: requests with a cookie jar of its own, and the CSRF token of forms."""

    def __init__(self, port):
        import requests

        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()

    def get(self, path, **kwargs):
        return self.http.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def post_form(self, path, data, files=None):
        """GET the page of the form, then POST ``data`` with its CSRF token (and ``files``)."""
        page = self.get(path)
        assert page.status_code == 200, f"GET {path} on {self.base}: {page.status_code}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.http.post(self.base + path, data={"csrfmiddlewaretoken": token, **data}, files=files,
                              allow_redirects=False, timeout=60)

    def sign_in(self, username, password):
        return self.post_form(LOGIN, {"username": username, "password": password})


def _query(database_url, sql, params=()):
    import psycopg2

    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def _task_lines(log, *outcomes):
    """The send_reminders lines of a worker's log saying one of ``outcomes`` ("received", "succeeded", "retry"), as
    (time stamp, line): the stamps, all of this machine's clock, compare as text."""
    found = []
    for line in log.splitlines():
        if f"Task {TASK}[" in line and any(f"] {outcome}" in line for outcome in outcomes):
            stamp = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})", line)
            found.append((stamp.group(1) if stamp else "", line))
    return found


def _quiet_hour():
    """An hour twelve hours from now, for beat's jobs (reminders, snapshot, audit anchor): none falls due while the
    test runs (a fresh redbeat entry counts as just run, so beat starts nothing at once either), and the only
    e-mails are those of the two reminder jobs the test starts."""
    return str((datetime.datetime.now(zoneinfo.ZoneInfo(TIME_ZONE)).hour + 12) % 24)


def test_two_servers_two_workers_and_beat_share_one_state(request, tmp_path):
    missing = _missing_piece()
    if missing and IN_CI:
        pytest.fail(f"CI must run the stack test, but {missing} (.ci/run provides PostgreSQL and Redis).")
    if missing:
        pytest.skip(f"The stack test needs PostgreSQL and Redis: {missing} (.ci/run provides both).")
    import redis

    started = time.monotonic()
    # moto's server, in this process, logs every request at INFO: hundreds of lines in a failure's report.
    werkzeug = logging.getLogger("werkzeug")
    request.addfinalizer(lambda level=werkzeug.level: werkzeug.setLevel(level))
    werkzeug.setLevel(logging.WARNING)
    s3_endpoint = request.getfixturevalue("s3_endpoint")  # only now: a skipped test starts no moto server
    bucket = request.getfixturevalue("s3_bucket")
    broker_url, cache_url = _redis_urls()
    broker, cache = redis.Redis.from_url(broker_url), redis.Redis.from_url(cache_url)
    for r in (broker, cache):
        r.flushdb()
    limit = int(os.environ.get("LOGIN_FAILURE_LIMIT") or 5)
    processes = Processes(tmp_path)
    try:
        with ThrowawayDatabase(os.environ["DATABASE_URL"]) as database_url, SmtpSink() as mailbox:
            quiet = _quiet_hour()
            # One environment for every machine, but for VAR_DIR. Built from nothing but PATH and HOME, so that
            # nothing of the developer's own settings (CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER …) leaks in.
            common = {
                "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(tmp_path)),
                "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "scrsystem.settings",
                "DATABASE_URL": database_url, "REDIS_URL": broker_url, "CACHE_URL": cache_url,
                "EMAIL_URL": mailbox.url, "SITE_URL": "http://127.0.0.1:8000",
                "SECRET_KEY": secrets.token_urlsafe(60), "AUDIT_CHAIN_KEY": secrets.token_urlsafe(60),
                "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
                "SECURE_COOKIES": "false", "EVIDENCE_SCANNING": "off", "TIME_ZONE": TIME_ZONE,
                # An empty value is read as "not set", which with DEBUG off means admin, consultant and chair:
                # a lone comma is the list with no role in it (only agency users sign in here anyway).
                "SECOND_FACTOR_ROLES": ",",
                "LOGIN_FAILURE_LIMIT": str(limit),
                "EVIDENCE_STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint,
                "S3_REGION": REGION, "S3_ACCESS_KEY_ID": KEY_ID, "S3_SECRET_ACCESS_KEY": SECRET,
                "REMINDER_HOUR": quiet, "SNAPSHOT_HOUR": quiet, "AUDIT_ANCHOR_HOUR": quiet,
            }

            def env_of(machine):
                return {**common, "VAR_DIR": str(tmp_path / machine / "var")}

            # The deploy step, on a machine of its own: the demo (its evidence goes to the bucket too), and the
            # static files, which with DEBUG off WhiteNoise serves by their hashed names from each machine's
            # STATIC_ROOT (VAR_DIR/static): copied to every machine, as an image built once would carry them.
            deploy = {**env_of("deploy"), "ALLOW_DEMO_DATA": "true"}
            for command in (["seed_demo", "--migrate"], ["collectstatic", "--no-input", "-v0"]):
                done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=deploy,
                                      capture_output=True, text=True, timeout=240)
                assert done.returncode == 0, f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}"
            machines = ["web-a", "web-b", "worker-1", "worker-2", "beat"]
            for machine in machines:
                shutil.copytree(tmp_path / "deploy" / "var" / "static", tmp_path / machine / "var" / "static")
            # Whatever the seed may have queued or cached is not part of the test.
            for r in (broker, cache):
                r.flushdb()
            # The demo seeds no reminders: today's job has everything to send. (Were there any for today, the
            # job would rightly send nothing new, and the count below would prove nothing.)
            assert _query(database_url, "SELECT count(*) FROM reminders_reminder") == [(0,)]
            deployed = time.monotonic()

            ports = {"web-a": free_port(), "web-b": free_port()}
            for name, port in ports.items():  # the Procfile's web command
                processes.start(name, [BIN / "gunicorn", "scrsystem.wsgi", "--bind", f"127.0.0.1:{port}",
                                       "--workers", "2", "--access-logfile", "-"], env_of(name))
            for n in (1, 2):
                processes.start(f"worker-{n}", [BIN / "celery", "-A", "scrsystem", "worker", "--concurrency", "1",
                                                "--loglevel", "INFO", "-n", f"w{n}@%h"], env_of(f"worker-{n}"))
            processes.start("beat", [BIN / "celery", "-A", "scrsystem", "beat", "--loglevel", "INFO"], env_of("beat"))
            a, b = Web(ports["web-a"]), Web(ports["web-b"])
            for name, web in (("web-a", a), ("web-b", b)):
                def answers(web=web, name=name):
                    processes.require_running(name)
                    return web.get("/healthz/").status_code == 200

                wait_for(answers, 90, f"{name} to answer /healthz/")
            for n in (1, 2):
                def ready(n=n):
                    processes.require_running(f"worker-{n}")
                    return f"w{n}@" in processes.log(f"worker-{n}") and " ready." in processes.log(f"worker-{n}")

                wait_for(ready, 90, f"worker {n} to be ready")

            # (e) Beat keeps its schedule in Redis (celery-redbeat): its lock and an entry per job, under the prefix.
            def scheduled():
                processes.require_running("beat")
                keys = sorted(k.decode() for k in broker.scan_iter(f"{REDBEAT_PREFIX}*"))
                return keys if f"{REDBEAT_PREFIX}send-reminders" in keys else None

            redbeat_keys = wait_for(scheduled, 60, f"beat to keep its schedule in Redis ({REDBEAT_PREFIX}*)")
            assert f"{REDBEAT_PREFIX}:lock" in redbeat_keys, f"beat holds no lock in Redis: {redbeat_keys}"
            scheduled_jobs = sorted(k.decode().removeprefix(REDBEAT_PREFIX)
                                    for k in broker.zrange(f"{REDBEAT_PREFIX}:schedule", 0, -1))
            assert set(JOBS) <= set(scheduled_jobs), scheduled_jobs  # (Celery adds its own backend_cleanup)
            up = time.monotonic()

            # (b) A session started on A is valid on B: the same cookie gets a signed-in page there.
            signed_in = a.sign_in(UPLOADER, PASSWORD)
            assert signed_in.status_code == 302 and not signed_in.headers["Location"].startswith(LOGIN), \
                f"{UPLOADER} could not sign in on A: {signed_in.status_code}"
            session_cookie = a.http.cookies.get("sessionid", domain="127.0.0.1")
            assert session_cookie, "A set no session cookie"
            (first, last), = _query(database_url, "SELECT first_name, last_name FROM accounts_user WHERE username = %s",
                                    [UPLOADER])
            stranger = b.get("/")
            assert stranger.status_code == 302 and stranger.headers["Location"].startswith(LOGIN)
            b.http.cookies.set("sessionid", session_cookie, domain="127.0.0.1")
            on_b = b.get("/")
            assert on_b.status_code == 200, f"A's session on B: {on_b.status_code} {on_b.headers.get('Location')}"
            assert "Sign out" in on_b.text and f"{first} {last}" in on_b.text

            # (a) Evidence uploaded through A is downloaded through B, byte for byte, and the download logged.
            (action_id,), = _query(database_url, """
                SELECT a.id FROM actionplans_action a JOIN accounts_user u ON u.agency_id = a.lead_agency_id
                WHERE u.username = %s AND a.status NOT IN ('cancelled', 'verified') ORDER BY a.id LIMIT 1
            """, [UPLOADER])
            content = samples.pdf()
            name = f"stack-{secrets.token_hex(4)}.pdf"
            represents_on = datetime.datetime.now(zoneinfo.ZoneInfo(TIME_ZONE)).date() - datetime.timedelta(days=1)
            uploaded = a.post_form(
                f"/actions/{action_id}/evidence/new/",
                {"description": "Attendance lists, uploaded on server A", "represents_on": represents_on.isoformat(),
                 "note": ""},
                files={"files": (name, content, "application/pdf")},
            )
            assert uploaded.status_code == 302, f"upload on A: {uploaded.status_code}\n{uploaded.text[-2000:]}"
            (evidence_id, stored_name, size), = _query(
                database_url, "SELECT id, stored_name, size FROM evidence_evidence WHERE original_name = %s", [name]
            )
            assert size == len(content)
            kept = s3_client(s3_endpoint).get_object(Bucket=bucket, Key=stored_name)
            assert kept["Body"].read() == content, "the bucket does not hold the uploaded bytes"
            assert kept.get("ServerSideEncryption") == "AES256"
            downloaded = b.get(f"/evidence/{evidence_id}/download/")
            assert downloaded.status_code == 200, f"download on B: {downloaded.status_code}"
            assert downloaded.content == content, "B sent other bytes than were uploaded on A"
            assert name in downloaded.headers.get("Content-Disposition", "")
            downloads = _query(database_url, """
                SELECT u.username FROM evidence_evidencedownload d JOIN accounts_user u ON u.id = d.user_id
                WHERE d.evidence_id = %s
            """, [evidence_id])
            assert downloads == [(UPLOADER,)], f"the download log: {downloads}"

            # (c) A lock-out on A holds on B: LOGIN_FAILURE_LIMIT wrong passwords on A, then the right one on B.
            statuses = [Web(ports["web-a"]).sign_in(LOCKED, "not-the-password").status_code for _ in range(limit)]
            # Each wrong one shows the form again; the last may already be answered as locked out.
            assert statuses[:-1] == [200] * (limit - 1) and statuses[-1] in (200, 429), statuses
            failures = _query(database_url, "SELECT failures_since_start FROM axes_accessattempt WHERE username = %s",
                              [LOCKED])
            assert failures == [(limit,)], f"django-axes' record in the shared database: {failures}"
            refused = Web(ports["web-b"]).sign_in(LOCKED, PASSWORD)
            assert refused.status_code == 429, f"the right password on B after the lock-out on A: {refused.status_code}"
            assert "sessionid" not in refused.cookies
            also_on_a = Web(ports["web-a"]).sign_in(LOCKED, PASSWORD)
            assert also_on_a.status_code == 429

            # (d) The reminder job started twice at the same moment: both workers take one each; every e-mail goes
            # once. Sent from here with the broker's URL, both messages within a millisecond.
            from celery import Celery

            sender = Celery("stack-test", broker=broker_url)
            before_jobs = len(mailbox.messages)
            assert before_jobs == 0, f"e-mails before the job: {mailbox.messages}"
            with sender.connection_for_write() as connection:
                for _ in range(2):
                    sender.send_task(TASK, connection=connection)
            sender.close()

            def finished():
                """The runs finished on each worker: succeeded, or ended with a retry scheduled (a run that found
                the other run's claims still in flight looks again once they could have timed out)."""
                return {n: _task_lines(processes.log(f"worker-{n}"), *DONE) for n in (1, 2)}

            def both_done():
                processes.require_running("worker-1", "worker-2")
                return sum(map(len, finished().values())) >= 2

            wait_for(both_done, 60, "both reminder jobs to finish")
            runs = finished()
            assert [len(runs[1]), len(runs[2])] == [1, 1], f"each worker should run one job: {runs}"
            received = [_task_lines(processes.log(f"worker-{n}"), "received")[0][0] for n in (1, 2)]
            ended = [runs[n][0][0] for n in (1, 2)]
            overlapped = max(received) < min(ended)
            reminders = Counter(dict(_query(database_url, "SELECT status, count(*) FROM reminders_reminder "
                                                          "GROUP BY status")))
            messages = mailbox.messages
            pairs = Counter((message["To"], message["Subject"]) for message in messages)
            duplicates = {pair: n for pair, n in pairs.items() if n > 1}
            assert not duplicates, f"e-mails sent twice: {duplicates}"
            assert set(reminders) == {"sent"}, f"reminders not sent: {reminders}"
            assert len(messages) == reminders["sent"] > 0, (len(messages), reminders)
            assert all(str(e["Subject"]).startswith("scrsystem reminders for") for e in messages), messages

            # Every process finds the same /healthz/?full=1: the web servers over HTTP, the workers and beat from
            # inside their own environment (they serve no HTTP).
            health = {name: web.get("/healthz/?full=1") for name, web in (("web-a", a), ("web-b", b))}
            health = {name: (answer.status_code, answer.json()) for name, answer in health.items()}
            inside = {name: subprocess.Popen([sys.executable, "-c", HEALTH_FROM_INSIDE], cwd=ROOT, env=env_of(name),
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                      for name in ("worker-1", "worker-2", "beat")}
            for name, probe in inside.items():
                out, err = probe.communicate(timeout=60)
                assert probe.returncode == 0, f"health check in {name}'s environment failed:\n{err[-3000:]}"
                status, body = out.strip().splitlines()[-1].split(" ", 1)
                health[name] = (int(status), json.loads(body))
            assert health == {name: (200, HEALTHY) for name in machines}, health

            # Beat ran all along and started nothing (every job's hour is twelve hours away): the e-mails above are
            # the two jobs' only, and all five processes are still up.
            processes.require_running()
            beat_sent = [line for line in processes.log("beat").splitlines()
                         if "Sending due task" in line and any(f"task {job} " in line for job in JOBS)]
            assert not beat_sent, beat_sent
            assert len(mailbox.messages) == len(messages)
            retried = sum("] retry" in line for lines in runs.values() for _, line in lines)
            elapsed = time.monotonic() - started

            print(
                f"\nstack: 2 web, 2 workers, 1 beat (separate processes, each with its own VAR_DIR; one PostgreSQL, "
                f"Redis and S3 bucket); files 1 uploaded on A, 1 downloaded on B identical ({len(content)} bytes, "
                f"download logged); sessions 1 started on A, valid on B; lock-out after {limit} failures on A held "
                f"on B (429); e-mails {len(messages)} sent, {sum(n - 1 for n in pairs.values())} duplicates "
                f"({reminders['sent']} reminders recorded as sent), jobs 2 run (one per worker, "
                f"{'overlapping' if overlapped else 'not overlapping'}; {retried} ended scheduling a retry); beat: "
                f"schedule in Redis ({len(redbeat_keys)} {REDBEAT_PREFIX} keys); /healthz/?full=1 all ok in "
                f"{len(health)} of 5 processes; {elapsed:.0f} s (deploy {deployed - started:.0f} s, start "
                f"{up - deployed:.0f} s)"
            )
    except BaseException:
        print(f"\nLogs of the stack's processes:\n{processes.tails()}")
        raise
    finally:
        processes.stop()
        for r in (broker, cache):
            r.flushdb()
            r.close()
