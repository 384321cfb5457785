"""Journey 8: an agency user links an authenticator app, keeps the recovery codes it shows once, loses the phone and
signs in with a code; on a phone's screen, each page checked with axe. The demo's Housing user, whom no other
journey signs in as (the app stays linked to that account for the rest of the session)."""

import base64
import re

from django_otp.oath import TOTP
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def code_of(key):
    """The six digits an authenticator app shows now for the key the set-up page writes out."""
    raw = key.replace(" ", "")
    totp = TOTP(base64.b32decode(raw + "=" * (-len(raw) % 8)))
    return f"{totp.token():06d}"


def test_a_lost_phone_is_no_lock_out(sign_in, axe_check, base_url):
    page = sign_in("housing", viewport=PHONE)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    axe_check(page)
    key = page.locator("code").inner_text()
    page.get_by_label("Six-digit code from your authenticator app").fill(code_of(key))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = [item.inner_text() for item in page.locator("ol.recovery-codes li").all()]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4} [a-z2-7]{4}", code) for code in codes)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.get_by_role("button", name="Sign out").first.click()

    # The phone is lost: password, then a recovery code instead of the app's.
    page.get_by_label("Username").fill("housing")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_role("link", name="Lost your phone? Use a recovery code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a recovery code")
    axe_check(page)
    page.get_by_label("One of your recovery codes").fill(codes[0])
    page.get_by_role("button", name="Sign in with this code").click()
    expect(page.get_by_text("You signed in with a recovery code, which cannot be used again; 9 are left.")).to_be_visible()
    axe_check(page)

    page.goto("/accounts/password/")
    expect(page.get_by_text("9 recovery codes")).to_be_visible()
    page.get_by_role("link", name="Make new recovery codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New recovery codes")
    axe_check(page)
