"""Journey 9: a voluntary sector worker signs in with their organisation's account (OpenID Connect, a real provider on
loopback: tests/oidc.py) from a phone, in Chromium, and signs out of both; each page of ours checked with axe. The
provider is added to the journeys' server for the rest of the session, for the demo's Voluntary user only."""

import subprocess
import sys

from playwright.sync_api import expect

from reviews import demo
from tests.e2e.conftest import ROOT

PHONE = {"width": 390, "height": 844}
CLIENT_ID, SECRET = "scrsystem-e2e", "e2e-client-secret"


def test_signing_in_with_the_organisations_account(browser, base_url, server_env, oidc_provider, axe_check):
    email = f"voluntary@{demo.EMAIL_DOMAIN}"
    oidc_provider.add_client(CLIENT_ID, SECRET, [f"{base_url}/accounts/sso/callback/"],
                             post_logout_redirect_uris=[f"{base_url}/accounts/login/"])
    oidc_provider.add_user("g.lloyd", email, amr=("pwd", "mfa"))
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from accounts.models import IdentityProvider; IdentityProvider.objects.update_or_create("
         f"name='Northbridge CVS', defaults=dict(issuer='{oidc_provider.issuer}', client_id='{CLIENT_ID}', "
         f"client_secret='{SECRET}', email_domains='{demo.EMAIL_DOMAIN}'))"],
        cwd=ROOT, env=server_env, check=True, capture_output=True, timeout=120,
    )
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        expect(page.get_by_role("heading", name="Sign in with your organisation's account")).to_be_visible()
        axe_check(page)
        page.get_by_label("Your work e-mail address").fill(email)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your organisation's account")
        axe_check(page)
        page.get_by_role("link", name="Sign in with Northbridge CVS").click()

        # The provider's own sign-in page, then back.
        page.get_by_label("Username").fill("g.lloyd")
        page.get_by_label("Password").fill("provider-password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base_url}/")
        expect(page.locator("header")).to_contain_text("Gareth Lloyd")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        axe_check(page)

        page.get_by_role("button", name="Sign out").first.click()
        page.wait_for_url(lambda url: url.startswith(f"{base_url}/accounts/login/"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        page.goto("/")
        expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    finally:
        context.close()
