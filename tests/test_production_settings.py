"""Production mode passes Django's deployment checks, and every response carries the security headers."""

import os
import subprocess
import sys
from pathlib import Path

from tests.production import production_env

ROOT = Path(__file__).resolve().parent.parent


def test_production_mode_passes_check_deploy_with_no_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(
        **production_env(EVIDENCE_SCANNING="off"),  # said explicitly, as an operator without ClamAV must
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="scrsystem.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_response_carries_the_security_headers(client, world):
    client.force_login(world.member)
    for path in ["/accounts/login/", "/reviews/", world.multi_action.get_absolute_url(), "/healthz/"]:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert directives["frame-ancestors"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


#: Starts Django with the settings the environment gives and asks the running app, over HTTPS and over plain
#: HTTP, for the health check (it needs no migrated database or collected static files): the settings'
#: values and the Strict-Transport-Security header that each response really carries.
ASK_FOR_HSTS = """
import django
django.setup()
from django.conf import settings
from django.test import Client
print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)
client = Client()
for secure in (True, False):
    response = client.get("/healthz/", secure=secure)
    print(response.status_code, response.headers.get("Strict-Transport-Security", "none"))
"""


def _hsts(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DATABASE_URL", "PYTEST"))}
    env.update({"DJANGO_SETTINGS_MODULE": "scrsystem.settings", "VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "testserver",
                **variables})
    result = subprocess.run([sys.executable, "-c", ASK_FOR_HSTS], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_production_settings_send_hsts_for_a_year_over_https(tmp_path):
    # Nothing about HSTS is in the environment: these are the production defaults of scrsystem.settings.
    lines = _hsts(tmp_path, **production_env(ALLOWED_HOSTS="testserver"))
    assert lines == [
        "31536000 True True",
        "200 max-age=31536000; includeSubDomains; preload",
        "200 none",  # browsers ignore HSTS over plain HTTP, so Django sends it only over HTTPS
    ]


def test_development_settings_send_no_hsts(tmp_path):
    lines = _hsts(tmp_path, DEBUG="true")
    assert lines == ["0 True True", "200 none", "200 none"]


def test_hsts_can_be_shortened_from_the_environment_for_a_first_deployment(tmp_path):
    lines = _hsts(tmp_path, **production_env(ALLOWED_HOSTS="testserver"), SECURE_HSTS_SECONDS="300",
                  SECURE_HSTS_PRELOAD="false")
    assert lines == ["300 True False", "200 max-age=300; includeSubDomains", "200 none"]


def test_pages_use_no_inline_script(client, world):
    client.force_login(world.member)
    for path in ["/reviews/", f"/reviews/{world.review.pk}/", "/actions/", world.multi_action.get_absolute_url()]:
        html = client.get(path).content.decode()
        assert "<script>" not in html and "onclick=" not in html and "javascript:" not in html, path
