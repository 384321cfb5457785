"""A member imports a review's actions from a spreadsheet on a phone (README, "Importing a spreadsheet"): from the
review's page, downloads the template, fills it in, uploads it, reads the preview (one row refused, with the reason
by row and column) and confirms. Every page of the way fits a 390 px screen and axe finds nothing serious.
"""

import datetime
import io

from openpyxl import load_workbook
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width == PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px screen"


def test_a_member_imports_actions_from_the_template_on_a_phone(sign_in, axe_check, tmp_path):
    page = sign_in("member", viewport=PHONE)
    page.goto("/reviews/")
    page.locator("main a[href^='/reviews/']").filter(has_text="SCR-").first.click()
    page.get_by_role("link", name="Import actions from a spreadsheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import actions from a spreadsheet")
    fits(page)
    axe_check(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="download the template (.xlsx)").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["Action plan"]
    later = datetime.date.today() + datetime.timedelta(days=400)  # noqa: DTZ011 - a day, as the browser's user types it
    sheet.append(["99.1", None, None, "Brief every custody sergeant on the household's adults.", "Northbridge Police",
                  None, later, "Every sergeant briefed.", "Not started", None])
    sheet.append(["99.2", None, None, "Audit custody referrals for the household's adults.", "police", None, later,
                  "Audit reported to the board.", "In progress", "Audit tool agreed."])
    buffer = io.BytesIO()
    book.save(buffer)
    tracker = tmp_path / "tracker.xlsx"
    tracker.write_bytes(buffer.getvalue())

    page.get_by_label("Spreadsheet").set_input_files(str(tracker))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview: “tracker.xlsx”")
    expect(page.get_by_role("status").last).to_contain_text("Nothing is written until you confirm")
    expect(page.locator("#blocking-problems")).to_contain_text(
        "row 2, Lead agency: “Northbridge Police” matches no agency: did you mean Northbridge Constabulary?")
    fits(page)
    axe_check(page)
    page.get_by_role("button", name="Confirm: import 1 row").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Imported: “tracker.xlsx”")
    expect(page.locator("main")).to_contain_text("1 action created, 0 changed, 0 unchanged, 1 row not imported.")
    fits(page)
    axe_check(page)
    page.get_by_role("link", name="Open the plan").click()
    expect(page.locator("main")).to_contain_text("99.2")
