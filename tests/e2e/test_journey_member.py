"""Journey 1: a sub-committee member records a new review and works its actions, in a real browser."""

import datetime
import zoneinfo

from playwright.sync_api import expect

ZONE = zoneinfo.ZoneInfo("Europe/London")  # the server's TIME_ZONE, where "today" is taken


def test_member_creates_a_review_with_a_plan_and_actions_and_finds_one_again(sign_in, axe_check):
    page = sign_in("member")
    page.get_by_role("link", name="Reviews", exact=True).click()
    axe_check(page)
    page.get_by_role("link", name="New review").click()
    axe_check(page)
    page.get_by_label("Reference").fill("SCR-2026-09")
    page.get_by_label("Title").fill("Child J")
    page.get_by_label("Kind of review").select_option(label="Rapid review")
    page.get_by_label("Incident category").select_option(label="Serious neglect")
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_label("Date commissioned").fill("2026-06-01")
    page.get_by_label("Engaging male partners").check()
    page.get_by_role("button", name="Create review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SCR-2026-09: Child J")
    expect(page.get_by_role("status").or_(page.get_by_text("Review SCR-2026-09 created"))).to_be_visible()
    expect(page.get_by_text("Rapid review")).to_be_visible()

    # The review's recommendation, with the board's response, before the actions that answer it.
    page.get_by_role("link", name="Add the first").click()
    axe_check(page)
    expect(page.get_by_label("Number")).to_have_value("1")
    page.get_by_label("Recommendation").fill("Agencies should recognise neglect earlier.")
    page.get_by_label("The board's response").select_option(label="Accepted")
    page.get_by_label("Date of the response").fill("2026-07-01")
    page.get_by_role("button", name="Add recommendation").click()
    expect(page.get_by_text("Recommendation 1 added to SCR-2026-09.")).to_be_visible()
    expect(page.get_by_text("1 recommendation has no live action")).to_be_visible()  # no action answers it yet

    page.get_by_role("link", name="Add action plan").click()
    axe_check(page)
    page.get_by_label("Multi-agency (overview report)").check()
    page.get_by_label("Title").fill("Child J overview action plan")
    page.get_by_role("button", name="Add plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child J overview action plan")

    target = (datetime.datetime.now(ZONE).date() + datetime.timedelta(days=10)).isoformat()
    for reference, what in [("1.1", "Audit supervision of neglect cases"), ("1.2", "Train health visitors on home conditions")]:
        page.get_by_role("link", name="Add action").click()
        page.get_by_label("Reference").fill(reference)
        page.get_by_label("Recommendation it answers").select_option(
            label="1. Agencies should recognise neglect earlier.")
        page.get_by_label("What will be done").fill(what)
        lead = page.get_by_label("Lead agency")  # its options read "Health (Northbridge Health NHS Trust)"
        lead.select_option(lead.locator("option", has_text="Northbridge Health NHS Trust").get_attribute("value"))
        page.get_by_label("Responsible officer").select_option(label="Helen Marsh (Health)")
        page.get_by_label("Target date").fill(target)
        page.get_by_label("Success measure").fill("An audit shows neglect recognised at first contact.")
        page.get_by_label("Drug and alcohol misuse").check()
        axe_check(page)
        page.get_by_role("button", name="Add action").click()
        expect(page.get_by_text(f"Action SCR-2026-09 {reference} added")).to_be_visible()

    page.get_by_role("link", name="1.2", exact=True).click()
    axe_check(page)
    expect(page.get_by_text("Amber")).to_be_visible()  # due in 10 days: BRAG shows its word, not colour alone
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_label("Progress note").fill("Training dates agreed with the named nurse.")
    page.get_by_role("button", name="Record progress").click()
    expect(page.get_by_text("Progress on action SCR-2026-09 1.2 recorded.")).to_be_visible()
    expect(page.get_by_text("Training dates agreed with the named nurse.")).to_be_visible()
    expect(page.get_by_text("Status: In progress")).to_be_visible()

    page.get_by_role("link", name="All actions").click()
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Search").fill("health visitors")
    review_filter = page.get_by_label("Review", exact=True)
    review_filter.select_option(review_filter.locator("option", has_text="SCR-2026-09").get_attribute("value"))
    page.get_by_label("Status", exact=True).select_option(label="In progress")
    page.get_by_role("button", name="Apply filters").click()
    axe_check(page)
    expect(page.get_by_text("1 action.")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Train health visitors on home conditions")


def test_the_chair_sees_no_edit_buttons_and_a_forged_post_is_refused(sign_in, axe_check, base_url):
    page = sign_in("chair")
    page.get_by_role("link", name="Reviews", exact=True).click()
    page.get_by_role("link", name="SCR-2008-01").click()
    axe_check(page)
    for label in ["Edit review", "Add action plan"]:
        expect(page.get_by_role("link", name=label)).to_have_count(0)
    page.get_by_role("link", name="1.3").first.click()
    expect(page.get_by_role("link", name="Edit action")).to_have_count(0)
    expect(page.get_by_role("button", name="Record progress")).to_have_count(0)
    action_url = page.url
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        action_url.rstrip("/") + "/progress/",
        form={"status": "completed", "note": "Forged by the chair"},
        headers={"X-CSRFToken": token, "Referer": action_url},
    )
    assert forged.status == 403
    page.reload()
    expect(page.get_by_text("Forged by the chair")).to_have_count(0)
