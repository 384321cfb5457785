"""End-to-end: the application served by a real gunicorn process on loopback, driven in headless Chromium.

The server gets a database of its own, loaded with the demo (PostgreSQL when DATABASE_URL is one, else a
SQLite file), so these tests see the product exactly as a person does. Chromium is Debian's package,
driven by Playwright; no browser is downloaded. Without Chromium the tests skip, except in CI (CI=true),
where a missing browser is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.served import ROOT, create_database, gunicorn, seed_demo  # noqa: F401 - ROOT: the journeys' import

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "demo-password"


def _require_chromium():
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package for the browser tests.")
    pytest.skip("Chromium is not installed (apt-get install chromium); the browser tests run in CI.")


@pytest.fixture(scope="session")
def server_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="scrsystem.settings",
        DATABASE_URL=create_database("e2e") or f"sqlite:///{tmp / 'e2e.sqlite3'}",
        VAR_DIR=str(tmp / "var"),
        DEBUG="true",
        ALLOW_DEMO_DATA="true",
        CELERY_TASK_ALWAYS_EAGER="true",
        LOGIN_FAILURE_LIMIT="50",
        LOGIN_ADDRESS_FAILURE_LIMIT="500",
    )
    return env


@pytest.fixture(scope="session")
def base_url(server_env):
    _require_chromium()
    seed_demo(server_env)
    with gunicorn(server_env, Path(server_env["VAR_DIR"]) / "gunicorn.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def sign_in(browser, base_url, tmp_path):
    """sign_in("member") -> a Playwright page signed in as that demo account, in its own browser context;
    sign_in("member", viewport={"width": 390, "height": 844}) on a phone's screen."""
    contexts = []

    def _sign_in(username, viewport=None):
        context = browser.new_context(base_url=base_url, accept_downloads=True,
                                      viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        return page

    yield _sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def axe_check():
    """axe_check(page) asserts the page has no accessibility violation of serious or critical impact."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def _check(page):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in serious
        )
        assert not serious, f"accessibility violations on {page.url}:\n{report}"

    return _check
