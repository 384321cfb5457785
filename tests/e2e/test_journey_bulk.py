"""A member runs the board meeting from the action list on a phone (issue 12, "Bulk updates in the meeting"): ticks
actions, records one progress note on each, checks the confirmation page and confirms. Every page of the way fits
a 390 px screen and axe finds nothing serious; a form sent back with a mistake says so beside the field.
"""

import re

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
NOTE = "Discussed at the board meeting: on track."


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width == PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px screen"


def test_a_member_records_a_note_on_two_actions_on_a_phone(sign_in, axe_check):
    page = sign_in("member", viewport=PHONE)
    page.goto("/actions/?status=in_progress")
    fits(page)
    axe_check(page)
    boxes = page.get_by_label(re.compile(r"^Select action "))
    names = [boxes.nth(i).get_attribute("id") for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_label("Record a progress note on each").check()
    page.get_by_label("Progress note", exact=True).fill(NOTE)
    page.get_by_role("button", name="Check the changes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the changes before they are made")
    expect(page.get_by_role("status")).to_contain_text("2 actions will change")
    fits(page)
    axe_check(page)
    page.get_by_role("button", name="Confirm: change 2 actions").click()

    page.wait_for_url("**/actions/bulk/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk change made")
    expect(page.locator("main")).to_contain_text("2 actions changed, 0 refused.")
    fits(page)
    axe_check(page)
    # The note is on each action's page now.
    for name in names:
        page.goto(f"/actions/{name.removeprefix('select-')}/")
        expect(page.locator("main")).to_contain_text(NOTE)


def test_a_choice_without_a_note_is_sent_back_with_the_message_beside_the_field(sign_in, axe_check):
    page = sign_in("member", viewport=PHONE)
    page.goto("/actions/?status=in_progress")
    page.get_by_label(re.compile(r"^Select action ")).first.check()
    page.get_by_label("Record a progress note on each").check()
    page.get_by_role("button", name="Check the changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change several actions at once")
    expect(page.locator("main")).to_contain_text("Write the progress note to record on each action.")
    expect(page.get_by_label("Progress note", exact=True)).to_have_attribute("aria-invalid", "true")
    fits(page)
    axe_check(page)
