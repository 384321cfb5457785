"""An issued board paper is a document every partner can read (README "Board papers"): its PDF tagged for screen
readers like the board report's (PDF/UA-1: headings in order, tables with header cells, each indicator's chart a
figure with its text alternative), and its DOCX in Word's own structure (heading styles, a header row that repeats,
each chart with its description as alternative text, then its values)."""

import io
import itertools
import logging

import docx
import pytest
from docx.oxml.ns import qn

from evidence.storage import open_verified
from papers import services
from papers.models import Paper
from tests import pdf_structure
from tests.test_accessible_documents import HEADINGS
from tests.test_concerns import concern, indicator, point, quarters_ago
from tests.test_dashboard_report import report_data  # noqa: F401 - the fixture


@pytest.fixture
def issued(report_data, caplog):  # noqa: F811
    w = report_data
    made = concern(w, title="Caseloads remain very high", agencies=[w.police])
    caseloads = indicator(w, made, name="Average caseload", unit="cases", target=18, direction="lower")
    for quarters, value in ((3, 29), (2, 27), (1, 24.5)):
        point(caseloads, w.agency_user, quarters_ago(quarters), value)
    draft = services.paper_create(
        actor=w.member, kind=Paper.Kind.PARTNERS, title="Report to the Trust", dated=quarters_ago(0), author="A member",
        since=quarters_ago(1), introduction="The board reports.\n\nA second paragraph.", recommendations="1. Note it.",
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        paper = services.paper_issue(paper=draft, actor=w.member)
    pdf, word = (paper.files.get(format=name) for name in ("pdf", "docx"))
    return {
        "paper": paper, "world": w, "logged": caplog.records,
        "pdf": pdf_structure.read(open_verified(pdf.stored_name, pdf.sha256).read()),
        "docx": docx.Document(io.BytesIO(open_verified(word.stored_name, word.sha256).read())),
    }


def test_weasyprint_reports_nothing_missing(issued):
    logged = [r.getMessage() for r in issued["logged"] if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert logged == []


def test_the_pdf_is_tagged_with_its_title_and_headings_in_order(issued):
    reader, root = issued["pdf"]
    assert root is not None and reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.metadata.title.endswith(": Report to the Trust")
    headings = [(element.tag, element.text) for element in root.walk() if element.tag in HEADINGS]
    assert headings[0] == ("H1", "Report to the Trust")
    assert [text for tag, text in headings if tag == "H2"] == [
        "1 Introduction", "2 Recommendations to the partners", "3 Implementation of the reviews' action plans",
        "4 Themes and learning events", "5 Impact findings: has practice changed?", "6 Other board concerns",
    ]
    assert "6.1 Caseloads remain very high" in [text for tag, text in headings if tag == "H3"]
    levels = [int(tag[1]) for tag, _ in headings]
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels)), headings


def test_pdf_tables_have_header_cells_and_the_chart_is_a_figure_with_its_words(issued):
    _, root = issued["pdf"]
    tables = root.find_all("Table")
    headers = [[cell.text for cell in table.find_all("TR")[0].children if cell.tag == "TH"] for table in tables]
    assert ["Indicator", "Reported by", "Target", "Latest value", "Period", "RAG"] in headers
    assert ["Period", "Value"] in headers
    for table in tables:
        assert table.find_all("TH"), table.text[:80]
    [figure] = root.find_all("Figure")
    assert str(figure.alt).startswith("Average caseload (Police). From 29 cases in ")
    assert "to 24.5 cases in" in str(figure.alt) and "against a target of 18 (lower is better)" in str(figure.alt)


def test_the_docx_uses_word_headings_repeated_header_rows_and_described_pictures(issued):
    document, paper = issued["docx"], issued["paper"]
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Report to the Trust")
    assert [text for style, text in headings if style == "Heading 1"] == [
        f"{section['number']} {section['title']}" for section in paper.content["sections"]
    ]
    assert document.core_properties.title == "Report to the Trust" and document.core_properties.language == "en-GB"
    tables = document.tables[1:]  # the first is the cover
    assert tables and all(table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for table in tables)
    assert all(cell.paragraphs[0].runs[0].bold for table in tables for cell in table.rows[0].cells)
    [shape] = document.inline_shapes
    described = shape._inline.docPr.get("descr")
    assert described.startswith("Average caseload (Police). From 29 cases in ")
    values = next(t for t in tables if [c.text for c in t.rows[0].cells] == ["Period", "Value"])
    assert [row.cells[1].text for row in values.rows[1:]] == ["29 cases", "27 cases", "24.5 cases"]


def test_the_cover_says_what_the_paper_is_in_both_formats(issued):
    document = issued["docx"]
    cover = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cover["Report title"] == "Report to the Trust" and cover["Author"] == "A member"
    assert cover["Period"].startswith(f"Changes since {quarters_ago(1):%-d %B %Y} to ")
    state = next(p.text for p in document.paragraphs if p.text.startswith("Issued on "))
    _, root = issued["pdf"]
    assert state in root.text and "The figures are as they were that day." in state
