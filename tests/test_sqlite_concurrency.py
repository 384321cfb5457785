"""On SQLite (``make run``) two people saving at once get the lifecycle's message, never "database is locked".

The race runs in a child process on a file database (the tests' own SQLite database is in memory, where the
locking differs), with two threads, each with its own connection. Both read the action, then both write: with
SQLite's default deferred transactions the second writer holds a read lock another writer is waiting for, and
SQLite answers it "database is locked" at once; with ``transaction_mode: IMMEDIATE`` (scrsystem.settings) the
second transaction waits for the first to commit and then finds the status changed: a named conflict.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RACE = r"""
import json, threading, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.models import Role
from actionplans import lifecycle
from actionplans.models import Action
from tests import factories

police = factories.agency(name="Test Police", short_name="Police")
member = factories.user(Role.MEMBER, username="member")
officer = factories.user(Role.AGENCY, username="police", agency=police)
action = factories.action(factories.plan(factories.review()), police, reference="1.1", status="not_started")

original = lifecycle.snapshot
def slow_snapshot(*args, **kwargs):  # between reading the row and writing it, so that both have read
    time.sleep(0.5)
    return original(*args, **kwargs)
lifecycle.snapshot = slow_snapshot

barrier = threading.Barrier(2)
outcomes = {}
def move(name, actor, status):
    barrier.wait()
    try:
        lifecycle.record_progress(
            action=Action.objects.get(pk=action.pk), actor=actor, status=status, note=name, seen_status="not_started"
        )
        outcomes[name] = "saved"
    except lifecycle.Conflict as exc:
        outcomes[name] = "conflict: " + exc.messages[0]
    except Exception as exc:
        outcomes[name] = f"{type(exc).__name__}: {exc}"
    finally:
        from django.db import connection
        connection.close()

threads = [threading.Thread(target=move, args=args) for args in [("a", member, "in_progress"), ("b", officer, "completed")]]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"outcomes": outcomes, "status": Action.objects.get(pk=action.pk).status}))
"""


def test_two_people_saving_at_once_on_sqlite_get_the_lifecycles_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="scrsystem.settings",
        VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'race.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", RACE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    outcomes = sorted(report["outcomes"].values())
    assert outcomes[1] == "saved", json.dumps(report, indent=1)
    assert outcomes[0].startswith("conflict: While you were working, action"), report
    assert "locked" not in json.dumps(report)
    assert report["status"] in {"in_progress", "completed"}
