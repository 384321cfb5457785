"""Pieces of the stack test (tests/test_stack.py): a throwaway PostgreSQL database, and separate OS processes with a
log file each, stopped together (the SMTP sink is reminders.smtp_sink's).

Nothing here imports Django: the stack's processes are started with their own environment, and the test only
talks to them over HTTP, SMTP, Redis, S3 and psycopg2.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_for(condition, timeout, what, interval=0.2):
    """Call ``condition`` until it returns something true (returned); AssertionError after ``timeout`` seconds.
    OSError (a server not listening yet) counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except OSError:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")
        time.sleep(interval)


def with_database(url, name):
    """``url`` (postgres://…/db?…) naming the database ``name`` instead."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class ThrowawayDatabase:
    """``with ThrowawayDatabase(url) as database_url:`` a new database ``scrsystem_stack_<random>`` on the server of
    ``url`` (which need not exist itself), dropped at the end, its connections terminated first."""

    def __init__(self, url):
        self.server_url = url
        self.name = f"scrsystem_stack_{secrets.token_hex(4)}"
        self.url = with_database(url, self.name)

    def _connect(self):
        import psycopg2

        last = None
        # The configured database may not exist (only its server matters): fall back on the maintenance ones.
        for url in (self.server_url, with_database(self.server_url, "postgres"),
                    with_database(self.server_url, "template1")):
            try:
                connection = psycopg2.connect(url, connect_timeout=5)
            except psycopg2.OperationalError as error:
                last = error
                continue
            connection.autocommit = True
            return connection
        raise last

    def __enter__(self):
        connection = self._connect()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.name}"')
        connection.close()
        return self.url

    def __exit__(self, *exc):
        connection = self._connect()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        connection.close()


class Processes:
    """Separate OS processes, each in a session of its own (so that gunicorn's and Celery's children go with it)
    and with its own log file under ``folder``; ``stop()`` ends them all: SIGTERM, then SIGKILL."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.started = {}  # name -> (Popen, log path)

    def start(self, name, command, env):
        log = self.folder / f"{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                [str(part) for part in command], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started[name] = (process, log)
        return process

    def log(self, name):
        return self.started[name][1].read_text(errors="replace")

    def require_running(self, *names):
        for name in names or self.started:
            process, _ = self.started[name]
            if process.poll() is not None:
                raise AssertionError(f"{name} ended (exit status {process.returncode}):\n{self.log(name)[-3000:]}")

    def tails(self, chars=4000):
        return "\n".join(f"----- {name} ({log}) -----\n{self.log(name)[-chars:]}" for name, (_, log) in
                         self.started.items())

    def _signal(self, process, sig):
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)  # its own session: the group is it and its children only
            except ProcessLookupError:
                pass

    def stop(self, timeout=20):
        for process, _ in self.started.values():
            self._signal(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process, _ in self.started.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait(timeout=10)
            # A child (a gunicorn worker, a Celery pool process) left behind in the group goes too.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
