"""Settings come from the environment, and a bad value stops start-up with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import production_env

ROOT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.TIME_ZONE, s.EMAIL_BACKEND, s.DEBUG)"
)


def start(tmp_path, **variables):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "scrsystem.settings", "VAR_DIR": str(tmp_path / "var"), **variables})
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_embedded_defaults_need_no_server(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    engine, broker, tz, email, debug = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert tz == "Europe/London"
    assert email.endswith("filebased.EmailBackend")
    assert (tmp_path / "var" / "secret_key").read_text().strip()


def test_development_secret_key_is_kept_between_starts(tmp_path):
    start(tmp_path)
    first = (tmp_path / "var" / "secret_key").read_text()
    start(tmp_path)
    assert (tmp_path / "var" / "secret_key").read_text() == first


def test_redis_url_selects_redis_as_broker(tmp_path):
    result = start(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "redis://127.0.0.1:6379/0"


def test_postgres_database_url_is_read(tmp_path):
    result = start(tmp_path, DATABASE_URL="postgres://u:p@127.0.0.1:5432/scr")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a yes/no value"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must be a sqlite:/// or postgres:// URL"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ({"CELERY_BROKER_URL": "amqp://guest@localhost//"}, "must be a redis:// or rediss:// URL"),
        ({"ACTIONS_PER_PAGE": "lots"}, "ACTIONS_PER_PAGE='lots' is not a whole number"),
        ({"ACTIONS_PER_PAGE": "100000"}, "ACTIONS_PER_PAGE=100000 must be between 5 and 500"),
    ],
)
def test_bad_values_stop_start_up_with_a_message(tmp_path, variables, message):
    result = start(tmp_path, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        (None, "ALLOWED_HOSTS must be set when DEBUG is off"),
        ("*", "ALLOWED_HOSTS=* is refused when DEBUG is off"),
        ("scr.example.org,*", "ALLOWED_HOSTS=* is refused when DEBUG is off"),
    ],
)
def test_production_mode_needs_named_allowed_hosts(tmp_path, hosts, message):
    variables = production_env(ALLOWED_HOSTS=hosts or "")
    result = start(tmp_path, **variables)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_mode_starts_with_a_secret_key(tmp_path):
    result = start(tmp_path, **production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"
    assert not (tmp_path / "var" / "secret_key").exists()


PRINT_SITE_URL = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL)"


def site_url(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    env.update({"DJANGO_SETTINGS_MODULE": "scrsystem.settings", "VAR_DIR": str(tmp_path / "var"), **variables})
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SITE_URL], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_e_mailed_links_follow_the_port_make_run_serves_on(tmp_path):
    assert site_url(tmp_path) == "http://127.0.0.1:8000"
    assert site_url(tmp_path, PORT="8899") == "http://127.0.0.1:8899"
    # An address set for the site wins over the port.
    assert site_url(tmp_path, PORT="8899", SITE_URL="https://scr.example.org") == "https://scr.example.org"
