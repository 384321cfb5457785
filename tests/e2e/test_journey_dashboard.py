"""The board chair's journey through the dashboard in a real browser, with axe checks on each page."""

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402


def test_the_chair_opens_the_dashboard_follows_a_number_and_downloads(sign_in, axe_check):
    page = sign_in("chair")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance dashboard")
    axe_check(page)
    # The tables open the most overdue first, and the column heading says so; a click on it reverses the order.
    expect(page.locator('th[aria-sort="descending"]').first).to_contain_text("Overdue")
    page.get_by_role("link", name="Overdue", exact=False).first.click()
    expect(page.locator('th[aria-sort="ascending"]').first).to_contain_text("Overdue")
    page.get_by_role("link", name="SCR-2008-01").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SCR-2008-01")
    axe_check(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Northbridge Constabulary").first.click()
    axe_check(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Board report", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Implementation of action plans")
    axe_check(page)
    page.goto("/actions/?overdue=yes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_an_agency_user_opens_the_dashboard_from_the_menu(sign_in, axe_check):
    page = sign_in("police")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance dashboard")
    axe_check(page)
