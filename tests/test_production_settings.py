"""Production mode passes Django's deployment checks, and every response carries the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_production_mode_passes_check_deploy_with_no_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="scr.example.org",
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


def test_hsts_is_sent_over_https_in_production(client, world, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_pages_use_no_inline_script(client, world):
    client.force_login(world.member)
    for path in ["/reviews/", f"/reviews/{world.review.pk}/", "/actions/", world.multi_action.get_absolute_url()]:
        html = client.get(path).content.decode()
        assert "<script>" not in html and "onclick=" not in html and "javascript:" not in html, path
