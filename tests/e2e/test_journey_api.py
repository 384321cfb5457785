"""A police user connects a program to the REST API on a phone (README, "REST API"): makes a read-only token on
the API tokens page (shown once), opens the API's documentation (Swagger UI, served by the app), authorises it
with the token and reads the actions of their agency from it; then revokes the token, which stops working at once.
The pages fit a 390 px screen and axe finds nothing serious on them, Swagger UI's drawing included."""

import re
import urllib.error
import urllib.request

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width == PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px screen"


def status_of(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_police_user_makes_a_token_reads_the_api_from_its_docs_and_revokes_it(sign_in, axe_check, base_url):
    page = sign_in("police", viewport=PHONE)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    fits(page)
    axe_check(page)

    page.get_by_label("Name").fill("Police performance dashboard")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Make the token").click()
    shown = page.get_by_role("status").filter(has_text="shown this once")
    token = re.search(r"scr_[A-Za-z0-9_-]{43}", shown.inner_text()).group(0)
    fits(page)
    axe_check(page)
    page.reload()
    assert token not in page.content()  # shown once only
    expect(page.get_by_role("row", name=re.compile("Police performance dashboard"))).to_contain_text("Working")

    page.get_by_role("link", name="REST API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("REST API")
    operation = page.locator("#operations-actions-actions_list")
    expect(operation).to_be_visible(timeout=20000)  # Swagger UI has drawn the schema
    fits(page)
    axe_check(page)
    page.locator(".btn.authorize").first.click()
    page.locator(".auth-container input").first.fill(token)
    page.locator(".auth-btn-wrapper .btn.modal-btn.auth.authorize").click()
    page.locator(".auth-btn-wrapper .btn-done").click()
    operation.locator(".opblock-summary-control").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    answer = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(answer).to_have_text("200", timeout=20000)
    body = operation.locator(".live-responses-table tbody .response-col_description").first.inner_text()
    assert '"results"' in body and '"lead_agency_name"' in body
    axe_check(page)

    assert status_of(f"{base_url}/api/v1/actions/", token) == 200
    page.goto("/api/tokens/")
    page.get_by_role("button", name="Revoke Police performance dashboard").click()
    expect(page.get_by_role("row", name=re.compile("Police performance dashboard"))).to_contain_text("Revoked")
    fits(page)
    assert status_of(f"{base_url}/api/v1/actions/", token) == 401
