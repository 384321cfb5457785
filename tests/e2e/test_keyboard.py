"""Forms work from the keyboard alone, and errors are summarised at the top and announced beside their fields."""

from playwright.sync_api import expect


def test_signing_in_and_a_refused_form_with_the_keyboard_only(browser, base_url, axe_check):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()  # the sign-in form takes the focus itself
    page.keyboard.type("member")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("demo-password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")

    page.goto("/reviews/new/")
    page.keyboard.press("Tab")  # on other pages the skip link comes first
    expect(page.get_by_text("Skip to main content")).to_be_focused()
    for label, keys in [("Reference", "SCR-KEY-01"), ("Title", "Child K"), ("Incident category", "Serious neglect"),
                        ("Date commissioned", "01022026"), ("Date finalised", "01012026")]:
        page.get_by_label(label).focus()  # Chromium's date fields take the digits in the locale's order
        page.keyboard.type(keys)
    page.get_by_role("button", name="Create review").focus()
    page.keyboard.press("Enter")

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved")
    link = summary.get_by_role("link", name="Date finalised")
    expect(link).to_be_visible()
    field = page.locator("#id_finalised_on")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_finalised_on ~ .invalid-feedback, #error_1_id_finalised_on").first).to_contain_text(
        "cannot be finalised before it was commissioned")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#id_finalised_on")
    axe_check(page)
    context.close()
