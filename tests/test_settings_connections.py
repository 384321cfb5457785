"""Persistent database connections (CONN_MAX_AGE, health checks) and SERVER_TIMING, read from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import production_env

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://u:p@127.0.0.1:5432/scr"
PRINT = (
    "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.SERVER_TIMING)"
)


def start(tmp_path, **variables):
    unset = {"DATABASE_URL", "DEBUG", "CONN_MAX_AGE", "SERVER_TIMING", "ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update({"DJANGO_SETTINGS_MODULE": "scrsystem.settings", "VAR_DIR": str(tmp_path / "var"), **variables})
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def read(tmp_path, **variables):
    result = start(tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    age, checks, timing = result.stdout.split()
    return int(age), checks == "True", timing == "True"


@pytest.mark.parametrize(
    ("variables", "age"),
    [
        # Development: the development server's thread per request never reuses a kept connection.
        ({}, 0),
        ({"DATABASE_URL": POSTGRES}, 0),
        # Production on PostgreSQL keeps a worker's connection for a minute.
        (production_env(DATABASE_URL=POSTGRES), 60),
        # SQLite opens a file: nothing to keep, even in production.
        (production_env(), 0),
        # Whatever is set wins.
        (production_env(DATABASE_URL=POSTGRES, CONN_MAX_AGE="300"), 300),
        (production_env(DATABASE_URL=POSTGRES, CONN_MAX_AGE="0"), 0),
        ({"DATABASE_URL": POSTGRES, "CONN_MAX_AGE": "30"}, 30),
    ],
)
def test_connections_are_kept_by_default_only_in_production_on_postgresql(tmp_path, variables, age):
    kept, health_checks, _ = read(tmp_path, **variables)
    assert kept == age
    # A kept connection is checked before it is reused, so a restarted database costs no failed request.
    assert health_checks is True


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("forever", "CONN_MAX_AGE='forever' is not a whole number"),
        ("-1", "CONN_MAX_AGE=-1 must be between 0 and 3600"),
        ("86400", "CONN_MAX_AGE=86400 must be between 0 and 3600"),
    ],
)
def test_a_bad_conn_max_age_stops_start_up_with_a_message(tmp_path, value, message):
    result = start(tmp_path, **production_env(DATABASE_URL=POSTGRES, CONN_MAX_AGE=value))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_server_timing_is_off_unless_asked_for(tmp_path):
    assert read(tmp_path)[2] is False
    assert read(tmp_path, **production_env())[2] is False
    assert read(tmp_path, SERVER_TIMING="yes")[2] is True
    result = start(tmp_path, SERVER_TIMING="sometimes")
    assert result.returncode != 0
    assert "SERVER_TIMING='sometimes' is not a yes/no value" in result.stderr
