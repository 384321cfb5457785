"""Forms work from the keyboard alone, and errors are summarised at the top and announced beside their fields.

Focus moves only as a keyboard moves it: Tab, Enter and typing. The test never calls .focus(),
.fill() or .click(); it reads where the focus is after each key, as a screen reader would announce it.
"""

from playwright.sync_api import expect


def is_focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator, at_most):
    """Press Tab until ``locator`` has the focus, at most ``at_most`` times; returns how many presses it took.
    A date field is several stops in Chromium, so the field after one is a few presses away."""
    for presses in range(1, at_most + 1):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return presses
    active = page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{locator} not reached in {at_most} presses of Tab; the focus is on {active}")


def test_signing_in_and_a_refused_form_with_the_keyboard_only(browser, base_url, axe_check):
    context = browser.new_context(base_url=base_url, locale="en-US")  # the order of a date's parts
    page = context.new_page()
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()  # the sign-in form takes the focus itself
    page.keyboard.type("member")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("demo-password")
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/")  # the home page

    # The skip link is the first stop and jumps over the navigation: the next stops are the breadcrumb and
    # then the form's first field.
    page.goto("/reviews/new/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_role("link", name="Reviews")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Reference")).to_be_focused()

    page.keyboard.type("SCR-KEY-01")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Child K")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kind of review")).to_be_focused()  # left at its default, a serious case review
    page.keyboard.press("Tab")
    category = page.get_by_label("Incident category")
    expect(category).to_be_focused()
    page.keyboard.type("Serious neglect")  # a closed list chooses by the letters typed
    expect(category.locator("option:checked")).to_have_text("Serious neglect")
    # Chromium's date fields take the digits in the locale's order (en-US: month, day, year) and move on to
    # the next part by themselves: 01022026 is 2 January 2026.
    commissioned, finalised = page.get_by_label("Date commissioned"), page.get_by_label("Date finalised")
    tab_to(page, commissioned, at_most=3)  # past the review's status and summary
    page.keyboard.type("01022026")
    expect(commissioned).to_have_value("2026-01-02")
    tab_to(page, finalised, at_most=4)  # Chromium 2: its date field keeps one more stop after the year
    page.keyboard.type("01012026")
    expect(finalised).to_have_value("2026-01-01")
    tab_to(page, page.get_by_role("button", name="Create review"), at_most=30)  # past the date published, themes
    page.keyboard.press("Enter")

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved")
    field = page.locator("#id_finalised_on")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_finalised_on ~ .invalid-feedback, #error_1_id_finalised_on").first).to_contain_text(
        "cannot be finalised before it was commissioned")
    expect(page.get_by_label("Reference")).to_have_value("SCR-KEY-01")  # nothing typed is lost

    # The form posts back to the page's address, which still ends in #main since the skip link was used, so the
    # refused page opens at its main content: the first Tab stops on the breadcrumb, the next on the summary's
    # link to the field.
    assert page.url.endswith("/reviews/new/#main")
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_role("link", name="Reviews")).to_be_focused()
    page.keyboard.press("Tab")
    link = summary.get_by_role("link", name="Date finalised")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**#id_finalised_on")
    expect(field).to_be_focused()  # the link takes the keyboard to the field, ready for the correction
    page.keyboard.type("01032026")
    expect(field).to_have_value("2026-01-03")
    axe_check(page)
    context.close()
