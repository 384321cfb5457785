"""Journey 7: a member writes a report to partners from the board report, previews it, issues it; the chair finds
it among the issued papers and downloads it, as issued, in PDF and Word, in a real browser."""

import io

import docx
from playwright.sync_api import expect
from pypdf import PdfReader

TITLE = "Report to the Children's Trust: December"
INTRODUCTION = "The board reports on the implementation of its reviews' action plans."


def test_member_issues_a_report_to_partners_and_the_chair_downloads_it(sign_in, axe_check):
    member = sign_in("member")
    member.goto("/dashboard/report/")
    member.get_by_role("link", name="Write the report to partners from this").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("New report to partners")
    axe_check(member)
    member.get_by_label("Title").fill(TITLE)
    member.get_by_label("Meeting").fill("Children's Trust, December")
    member.get_by_label("Introduction").fill(INTRODUCTION)
    member.get_by_label("Recommendations to the partners").fill("1. That the Trust notes the report.")
    member.get_by_role("button", name="Save the draft").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(member.get_by_text("Draft", exact=True)).to_be_visible()
    axe_check(member)

    member.get_by_role("link", name="Preview with today's figures").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(member.get_by_role("heading", name="6 Other board concerns")).to_be_visible()
    expect(member.get_by_text("Draft, not issued")).to_be_visible()
    axe_check(member)
    member.go_back()
    member.get_by_role("button", name=f"Issue “{TITLE}”").click()
    expect(member.get_by_text(f"“{TITLE}” issued")).to_be_visible()
    expect(member.get_by_role("link", name="Edit the draft")).to_have_count(0)
    axe_check(member)

    chair = sign_in("chair")
    chair.get_by_role("navigation", name="Main").get_by_role("link", name="Papers").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Board papers")
    expect(chair.get_by_role("link", name="New report to partners")).to_have_count(0)
    axe_check(chair)
    chair.get_by_role("link", name=TITLE).click()
    expect(chair.get_by_text("Issued", exact=True)).to_be_visible()
    expect(chair.get_by_role("button", name=f"Issue “{TITLE}”")).to_have_count(0)
    with chair.expect_download() as download:
        chair.get_by_role("link", name="Download PDF").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    first = " ".join(pdf.pages[0].extract_text().split())
    assert TITLE in first and INTRODUCTION in first and "Issued on " in first
    with chair.expect_download() as download:
        chair.get_by_role("link", name="Download Word (DOCX)").click()
    document = docx.Document(io.BytesIO(download.value.path().read_bytes()))
    assert document.paragraphs and any(p.text == TITLE for p in document.paragraphs)
    assert "1 Introduction" in [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
