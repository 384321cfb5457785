"""The production stack of the Procfile, started with honcho: gunicorn with WhiteNoise, a Celery worker and
beat, on PostgreSQL and Redis, with DEBUG off. It answers /healthz/, lets a person sign in, and its worker
delivers a reminder to a local SMTP server.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as .ci/run provides; skipped without them, except in CI.
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from reminders.smtp_sink import SmtpSink, free_port
from tests.production import production_env
from tests.served import create_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def stack_env(tmp_path):
    missing = None
    if not os.environ.get("REDIS_URL"):
        missing = "REDIS_URL is not set"
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        missing = "DATABASE_URL is not PostgreSQL"
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must run the production stack test, but {missing}.")
    if missing:
        pytest.skip(f"The production stack needs PostgreSQL and Redis: {missing} (.ci/run provides both).")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        PATH=f"{BIN}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="scrsystem.settings",
        **production_env(ALLOWED_HOSTS="127.0.0.1"),
        SECURE_SSL_REDIRECT="false",  # no TLS proxy in front of it here
        ALLOW_DEMO_DATA="true",
        DATABASE_URL=create_database("stack"),
        VAR_DIR=str(tmp_path / "var"),
        WEB_CONCURRENCY="2",
    )
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)
    return env


class Browserless:
    """Just enough of a browser over http.client: cookies (Secure ones too, as a TLS proxy would pass them)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, response.headers, content


def wait_for(condition, timeout, what, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; honcho log:\n{log.read_text()[-4000:]}")


def test_the_procfile_stack_serves_signs_in_and_delivers_a_reminder(stack_env, tmp_path):
    port = free_port()
    log = tmp_path / "honcho.log"
    with SmtpSink() as sink, open(log, "w") as log_file:
        env = {**stack_env, "EMAIL_URL": sink.url}
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "start", "-f", "Procfile", "-p", str(port)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            browser = Browserless(port)
            wait_for(lambda: browser.request("GET", "/healthz/")[0] == 200, 90, "/healthz/", log)
            status, headers, body = browser.request("GET", "/healthz/")
            assert '"database": "ok"' in body

            status, headers, page = browser.request("GET", "/accounts/login/")
            assert status == 200 and "Content-Security-Policy" in headers
            stylesheet = re.search(r'href="(/static/css/scrsystem\.[0-9a-f]+\.css)"', page).group(1)
            assert browser.request("GET", stylesheet)[0] == 200  # WhiteNoise, hashed name

            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            # The member: in production the chair, consultants and administrators also need an authenticator.
            form = f"csrfmiddlewaretoken={token}&username=member&password=demo-password"
            status, headers, _ = browser.request(
                "POST", "/accounts/login/", body=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 302, "sign-in failed"
            status, _, dashboard = browser.request("GET", "/dashboard/")
            assert status == 200 and "Compliance" in dashboard

            # The demo always has overdue actions: the real worker, through Redis, mails their officers.
            subprocess.run(
                [sys.executable, "-m", "celery", "-A", "scrsystem", "call", "reminders.tasks.send_reminders"],
                cwd=ROOT, env=env, check=True, capture_output=True, timeout=60,
            )
            wait_for(lambda: "send_reminders" in log.read_text() and "succeeded" in log.read_text(), 90,
                     "the worker to finish the reminder job", log)
            assert sink.count > 0, "the worker finished but no reminder reached the SMTP server"
            subjects = [message["Subject"] for message in sink.messages]
            assert all(subject.startswith("scrsystem reminders for") for subject in subjects), subjects
            assert any("overdue" in message.as_string().lower() for message in sink.messages)
            for message in sink.messages:
                assert "Child " not in message.as_string()  # references, never a child's details
        except Exception as error:
            raise AssertionError(f"{error!r}; honcho log:\n{log.read_text()[-6000:]}") from error
        finally:
            os.killpg(honcho.pid, signal.SIGTERM)
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
