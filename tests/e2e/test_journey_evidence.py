"""Journey 2: an agency uploads evidence, the consultant accepts it and verifies the action, the agency sees it."""

from playwright.sync_api import expect

from evidence.documents import simple_pdf


def test_agency_evidence_is_accepted_and_the_action_verified(sign_in, axe_check, tmp_path):
    pdf = tmp_path / "workshop-attendance.pdf"
    pdf.write_bytes(simple_pdf(["Attendance at the information-sharing workshop", "42 officers attended."]))

    police = sign_in("police")
    expect(police.get_by_role("heading", level=1)).to_have_text("Your work")  # the home page
    expect(police.get_by_role("heading", level=2, name="My actions")).to_be_visible()
    axe_check(police)
    police.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    expect(police.get_by_role("heading", level=1)).to_have_text("Actions led by Northbridge Constabulary")
    axe_check(police)
    police.get_by_text("Filter and sort").click()
    police.get_by_label("Status", exact=True).select_option(label="In progress")
    police.get_by_role("button", name="Apply filters").click()
    police.locator("table tbody tr").first.get_by_role("link").nth(1).click()  # the action's reference
    action_url = police.url
    axe_check(police)

    police.get_by_label("Status").select_option(label="Completed")
    police.get_by_label("Progress note").fill("Notifications now go out within one working day.")
    police.get_by_role("button", name="Record progress").click()
    expect(police.get_by_text("Status: Completed")).to_be_visible()

    police.get_by_role("link", name="Submit evidence").click()
    axe_check(police)
    police.get_by_label("Description").fill("Attendance list of the information-sharing workshop")
    police.get_by_label("Date the evidence represents").fill("2026-10-01")
    police.get_by_label("Files").set_input_files(str(pdf))
    police.get_by_role("button", name="Submit evidence").click()
    expect(police.get_by_text("workshop-attendance.pdf").first).to_be_visible()
    expect(police.get_by_text("Submitted", exact=True).first).to_be_visible()

    consultant = sign_in("consultant")
    consultant.get_by_role("link", name="Audit queue").click()
    axe_check(consultant)
    item = consultant.locator("article", has_text="Attendance list of the information-sharing workshop")
    item.get_by_label("Note").fill("Attendance list matches the success measure.")
    item.get_by_role("button", name="Accept").click()
    expect(consultant.locator("article", has_text="Attendance list of the information-sharing workshop")).to_have_count(0)
    consultant.get_by_role("link", name="Sign off now").click()  # the action is completed: offered at once
    assert consultant.url.split("#")[0] == action_url
    axe_check(consultant)
    consultant.get_by_label("Sign-off note").fill("Accepted attendance list shows the workshop happened.")
    consultant.get_by_role("button", name="Sign off as verified").click()
    expect(consultant.get_by_text("Status: Verified")).to_be_visible()

    police.goto(action_url)
    expect(police.get_by_text("Status: Verified")).to_be_visible()
    expect(police.get_by_text("Accepted", exact=True).first).to_be_visible()
    expect(police.get_by_text("Blue").first).to_be_visible()


def test_an_agency_user_cannot_reach_another_agencys_evidence(sign_in):
    # Whatever item number the police user tries, another agency's item and its file answer 404.
    police = sign_in("police")
    refused = 0
    for pk in range(1, 30):
        page_status = police.request.get(f"/evidence/{pk}/").status
        download_status = police.request.get(f"/evidence/{pk}/download/").status
        if page_status == 404:
            assert download_status == 404
            refused += 1
        else:
            assert page_status == 200  # police's own, or on an action police leads
    assert refused > 0, "the demo should hold other agencies' evidence"
