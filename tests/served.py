"""The demo served by a real gunicorn on loopback, from a database of its own, for the tests that talk to the
application as a browser or a program does (tests/e2e/, tests/test_api_schemathesis.py)."""

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from reminders.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[1]


def create_database(suffix):
    """A fresh database beside the configured one: PostgreSQL "<name>_<suffix>", or None on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg2

    base, name = url.rsplit("/", 1)
    new_name = f"{name}_{suffix}"
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{new_name}"')
    connection.close()
    return f"{base}/{new_name}"


def seed_demo(env):
    """Migrate ``env``'s database and load the demo into it."""
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)


@contextlib.contextmanager
def gunicorn(env, log_path):
    """Serve the application with ``env`` (two workers) until the block ends; yields its base URL once /healthz/
    answers. Its output goes to ``log_path``, whose end is in the error if it does not start."""
    port = free_port()
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "scrsystem.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "120"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz/", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"gunicorn did not start: {Path(log_path).read_text()[-3000:]}") from None
                    time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)
