"""Documents every partner can read (README "Accessible documents"): the board report's PDF tagged for screen
readers (PDF/UA-1), and the XLSX export as a proper table with a sheet saying what it holds."""

import datetime
import io
import itertools
import logging
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf.generic import BooleanObject

from accounts import access
from actionplans.rules import today
from dashboard import exports
from reminders import services as reminders
from tests import pdf_structure
from tests.test_dashboard_report import report_data  # noqa: F401 - the fixture
from tests.test_reminders_sending import DAY, add_action, people  # noqa: F401 - people: the fixture

HEADINGS = ("H1", "H2", "H3", "H4", "H5", "H6")


@pytest.fixture
def report_pdf(client, report_data, caplog):  # noqa: F811
    client.force_login(report_data.chair)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = client.get(reverse("dashboard:report_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    html = client.get(reverse("dashboard:report")).content.decode()
    reader, root = pdf_structure.read(response.content)
    return {"reader": reader, "root": root, "html": html, "logged": caplog.records, "data": report_data}


def test_weasyprint_reports_nothing_missing(report_pdf):
    """WeasyPrint logs an error for an image without alternative text or a document without a language, and a
    warning for CSS it cannot read: none of either."""
    logged = [r.getMessage() for r in report_pdf["logged"] if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert logged == []


def test_the_pdf_is_marked_tagged_with_the_language_and_shows_its_title(report_pdf):
    reader = report_pdf["reader"]
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in catalog and report_pdf["root"] is not None
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    title = re.search(r"<title>(.*?)</title>", report_pdf["html"], re.S).group(1).strip()
    assert reader.metadata.title == title and "implementation of serious case review action plans" in title
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp and title in xmp


def test_the_headings_are_tagged_in_order_with_no_level_skipped(report_pdf):
    root, w = report_pdf["root"], report_pdf["data"]
    headings = [(element.tag, element.text) for element in root.walk() if element.tag in HEADINGS]
    assert headings[0] == ("H1", "Implementation of action plans from serious case reviews")
    assert [text for tag, text in headings if tag == "H2"] == [
        "1 Introduction", "2 Headline figures", "3 Trend", "4 The reviews", "5 The agencies", "6 The themes",
        "7 Learning events and dissemination", "8 Impact: has practice changed?",
        "9 Kinds of review", "Appendix: the trend's numbers",
    ]
    assert f"4.1 {w.review.reference}: {w.review.title}" in [text for tag, text in headings if tag == "H3"]
    levels = [int(tag[1]) for tag, _ in headings]
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels)), headings
    assert levels.count(1) == 1


def test_the_text_in_structure_order_has_the_headings_in_the_order_of_the_page(report_pdf):
    text = report_pdf["root"].text
    html_headings = [" ".join(re.sub(r"<[^>]+>", " ", h).split())
                     for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", report_pdf["html"], re.S)]
    positions = [text.find(heading.replace("&#x27;", "'")) for heading in html_headings]
    assert -1 not in positions, [h for h, p in zip(html_headings, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    # And the body between them: the headline table's first header before the reviews, a review's overdue action.
    assert text.index("Compliance (verified)") < text.index("4 The reviews") < text.index("Audit pre-birth assessments")


def test_tables_have_header_cells_and_every_data_cell_names_its_headers(report_pdf):
    root = report_pdf["root"]
    tables = root.find_all("Table")
    headers = [[cell.text for cell in table.find_all("TR")[0].children if cell.tag == "TH"] for table in tables]
    assert ["Agency", "Actions", "Compliance", "Completion", "Overdue", "Due in 30 days",
            "Evidence awaiting audit"] in headers
    assert ["Action", "What will be done", "Lead agency", "Target date", "Days overdue", "Latest progress"] in headers
    for table in tables:
        assert table.find_all("TH"), table.text[:80]
        for cell in table.find_all("TD"):
            # Each data cell points at its header cells (WeasyPrint's /Headers, from the HTML's th).
            assert cell.attributes.get("O") == "/Table" and cell.attributes.get("Headers"), cell.text


def test_the_charts_are_figures_with_their_text_alternative(report_pdf):
    figures = report_pdf["root"].find_all("Figure")
    assert len(figures) == 2
    alts = [str(figure.alt) for figure in figures]
    assert alts[0].startswith("Compliance over time: all actions in this report. Compliance from ")
    assert alts[1].startswith("Overdue actions over time: all actions in this report. Overdue actions from ")
    # The description carries the latest figure: what a reader of the chart sees at its right end.
    assert today().strftime("%-d %B %Y") in alts[0]


def test_the_fonts_are_embedded_with_their_unicode_maps(report_pdf):
    """Text a screen reader can speak: each font is in the file and maps its glyphs back to characters."""
    fonts = {}
    for page in report_pdf["reader"].pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[font["/BaseFont"]] = (
                any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), "/ToUnicode" in font
            )
    assert fonts and all(embedded and mapped for embedded, mapped in fonts.values()), fonts


def test_an_untagged_pdf_is_told_apart():
    """The helper the tests rely on says so when a PDF has no structure tree (so the tests above can fail)."""
    import weasyprint

    untagged = weasyprint.HTML(string='<html lang="en"><title>t</title><h1>Plain</h1></html>').write_pdf()
    reader, root = pdf_structure.read(untagged)
    assert root is None and "/MarkInfo" not in reader.trailer["/Root"]


# --- the XLSX export ----------------------------------------------------------------------------------------------


def _workbook(client, query=""):
    response = client.get(reverse("dashboard:export_xlsx") + query)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _about(book):
    sheet = book.worksheets[0]
    return sheet, {row[0].value: row[1] for row in sheet.iter_rows(min_row=4) if row[0].value and len(row) > 1}


def test_the_actions_are_an_excel_table_with_a_frozen_styled_header_row(client, world):
    client.force_login(world.chair)
    book = _workbook(client)
    sheet = book["Actions"]
    names = [name for name, _ in exports.COLUMNS]
    assert [cell.value for cell in sheet[1]] == names
    [table] = sheet.tables.values()
    assert table.ref == f"A1:R{sheet.max_row}" and table.headerRowCount == 1
    assert sheet.max_row == 1 + access.visible_actions(world.chair).count()
    assert [column.name for column in table.tableColumns] == names
    assert table.tableStyleInfo.name == exports.TABLE_STYLE and table.autoFilter.ref == table.ref
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
    for cell in sheet[1]:
        assert cell.font.b and cell.fill.fgColor.rgb.endswith("DCE6F1") and cell.alignment.wrap_text
        # Wide enough for its header (and the filter button beside it).
        assert sheet.column_dimensions[cell.column_letter].width >= len(cell.value) + 4, cell.value


def test_dates_are_dates_and_long_text_wraps(client, world):
    client.force_login(world.chair)
    sheet = _workbook(client)["Actions"]
    at = {cell.value: cell.column - 1 for cell in sheet[1]}
    for row in sheet.iter_rows(min_row=2):
        for name in ("Target date", "Original target date"):
            assert row[at[name]].is_date and row[at[name]].number_format == "yyyy-mm-dd"
        assert isinstance(row[at["Target date moves"]].value, int)
        assert row[at["What will be done"]].alignment.wrap_text


def test_an_empty_export_is_still_a_valid_table(client, world):
    client.force_login(world.chair)
    sheet = _workbook(client, "?q=nothing-matches-this")["Actions"]
    [table] = sheet.tables.values()
    assert table.ref == "A1:R2" and sheet.max_row == 1
    assert _about(_workbook(client, "?q=nothing-matches-this"))[1]["Actions"].value == 0


def test_the_first_sheet_says_what_the_export_holds_and_when_it_was_made(client, world):
    client.force_login(world.chair)
    before = timezone.localtime().replace(tzinfo=None, microsecond=0)
    book = _workbook(client, f"?status=not_started&lead_agency={world.police.pk}&ordering=-target_date")
    assert book.sheetnames == ["About this export", "Actions"] and book.active.title == "About this export"
    sheet, about = _about(book)
    assert sheet["A1"].value == "Actions exported from scrsystem" and sheet["A1"].font.b
    assert about["Board"].value == "Test Safeguarding Board"
    assert about["What it holds"].value == "Actions of every plan"
    assert about["Filters"].value == "Lead agency: Police (Test Police); Status: Not started; Sort by: Target date (descending)"
    made = about["Made"]
    assert made.is_date and before - datetime.timedelta(minutes=1) <= made.value <= timezone.localtime().replace(tzinfo=None)
    assert about["Made by"].value == f"{world.chair} (Board chair)"
    assert about["Actions"].value == book["Actions"].max_row - 1
    for name, _ in exports.COLUMNS:
        assert about[name].value == exports.COLUMN_NOTES[name]


def test_an_agency_users_export_says_whose_view_it_is(client, world):
    client.force_login(world.agency_user)
    _, about = _about(_workbook(client, "?mine=1"))
    assert about["What it holds"].value == "My actions: Actions led by Test Police"
    assert about["Made by"].value == f"{world.agency_user} (Agency user, Test Police)"
    assert about["Filters"].value == "None"
    _, about = _about(_workbook(client))
    assert about["What it holds"].value == "Actions of the plans Test Police can see: every multi-agency plan and its own"


# --- e-mail ---------------------------------------------------------------------------------------------------------


def test_a_reminder_has_a_plain_text_part_and_an_html_part_with_a_language_headings_and_named_columns(
    people, settings, mailoutbox  # noqa: F811 - the fixture
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_action(people, -8, officer=people.officer, reference="3.2")
    reminders.send_reminders(on=DAY)
    [message] = mailoutbox
    assert "3.2" in message.body and "<" not in message.body  # the plain text, for every mail program
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and html.startswith('<!doctype html>\n<html lang="en-GB">')
    headings = re.findall(r"<(h[1-6])[^>]*>(.*?)</h[1-6]>", html)
    assert headings[0] == ("h1", "scrsystem reminders for 2 March 2026")
    assert headings[1:] == [("h2", "Overdue")]  # a section per kind of line, under the one h1
    header_cells = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html)
    assert header_cells and all(header_cells), header_cells  # no column without a name


def test_the_outline_script_prints_the_reports_structure(report_pdf, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf["reader"].stream.getvalue())
    script = Path(__file__).resolve().parent.parent / "scripts" / "pdf_outline.py"
    out = subprocess.run([sys.executable, str(script), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Language: en-GB; marked: True; title shown: True; PDF/UA part: 1" in out
    assert "\n  H1: Implementation of action plans from serious case reviews\n" in out
    assert "Figure, /Alt: Compliance over time: all actions in this report." in out
