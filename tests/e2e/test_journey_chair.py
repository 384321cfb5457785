"""Journey 3: the board chair checks a compliance number, and the XLSX export and PDF report agree with it."""

import io
import re

import openpyxl
import pypdf
from playwright.sync_api import expect


def test_chair_follows_a_number_and_the_exports_match_the_page(sign_in, axe_check):
    chair = sign_in("chair")
    expect(chair.get_by_role("heading", level=1)).to_have_text("The board at a glance")  # the home page
    axe_check(chair)
    chair.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Compliance dashboard")
    axe_check(chair)
    headline = re.search(r"Compliance\s*(\d+)%", chair.locator("dl").first.inner_text()).group(1)

    row = chair.locator("tr", has=chair.locator("th", has_text="SCR-2008-01"))
    compliance = row.locator("td").nth(1)
    percent, verified, counted = map(int, re.search(r"(\d+)% \((\d+)/(\d+)\)", compliance.inner_text()).groups())
    assert percent == round(100 * verified / counted)
    compliance.get_by_role("link").first.click()
    axe_check(chair)
    expect(chair.get_by_text(f"{verified} action{'s' if verified != 1 else ''}.", exact=True)).to_be_visible()
    rows = chair.locator("table tbody tr")
    expect(rows).to_have_count(verified)
    for n in range(verified):
        expect(rows.nth(n)).to_contain_text("SCR-2008-01")
        expect(rows.nth(n)).to_contain_text("Verified")

    with chair.expect_download() as download:
        chair.get_by_role("link", name=re.compile("Download Excel")).click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))["Actions"]
    header = [cell.value for cell in sheet[1]]
    status = header.index(next(h for h in header if h and h.lower() == "status"))
    data = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    assert len(data) == verified
    assert {row[status] for row in data} == {"Verified"}

    chair.goto("/dashboard/")
    report_href = chair.get_by_role("link", name="Board report (PDF)").get_attribute("href")
    response = chair.request.get(report_href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.body())).pages)
    assert "SCR-2008-01" in text
    assert f"{headline}%" in text
    assert f"{percent}%" in text
