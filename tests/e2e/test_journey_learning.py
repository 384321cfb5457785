"""Journey 6: a member records a workshop and an agency's attendance at it; the chair follows the dissemination
matrix on the dashboard to it, in a real browser."""

import datetime
import zoneinfo

from playwright.sync_api import expect

ZONE = zoneinfo.ZoneInfo("Europe/London")  # the server's TIME_ZONE, where "today" is taken
THEME = "Multi-agency pre-birth assessment"  # no held event of the demo carries it: every agency is a gap
TITLE = "Pre-birth assessment: a workshop for health visitors' supervisors"


def test_member_records_a_workshop_and_the_chair_follows_the_matrix_to_it(sign_in, axe_check):
    member = sign_in("member")
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Learning").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Learning events")
    axe_check(member)
    member.get_by_role("link", name="New learning event").click()
    axe_check(member)
    member.get_by_label("Title").fill(TITLE)
    member.get_by_label("Kind").select_option(label="Workshop")
    member.get_by_label("Audience").select_option(label="Supervisors and managers")
    member.get_by_label("Date").fill(datetime.datetime.now(ZONE).date().isoformat())
    member.get_by_label("Facilitator").fill("The Designated Nurse")
    member.get_by_label(THEME).check()
    member.get_by_role("button", name="Record event").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(member.get_by_text("Attendance is recorded once the event has been held.")).to_be_visible()

    member.get_by_role("link", name="Mark as held").click()
    axe_check(member)
    member.get_by_role("button", name="Mark as held").click()
    expect(member.get_by_text(f"“{TITLE}” marked as held.")).to_be_visible()
    axe_check(member)
    member.get_by_role("link", name="Record Police's attendance").click()
    axe_check(member)
    member.get_by_label("People who attended").fill("5")
    member.get_by_role("button", name="Save attendance").click()
    expect(member.get_by_text(f"Police's attendance at “{TITLE}” saved.")).to_be_visible()
    police = member.locator("tr", has=member.get_by_role("rowheader", name="Northbridge Constabulary"))
    expect(police.locator("td").first).to_have_text("5")

    chair = sign_in("chair")
    chair.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(chair.get_by_role("heading", name="Dissemination of the themes")).to_be_visible()
    axe_check(chair)
    # The police's cell of the theme is no longer a gap: five people, one event, today.
    cell = chair.get_by_role("link", name=f"5 people from Police reached on {THEME}")
    expect(cell).to_be_visible()
    # Another agency's cell of the theme still is.
    expect(chair.get_by_role("link", name=f"None reached in Health on {THEME}")).to_be_visible()
    cell.click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Learning events")
    expect(chair.get_by_text("1 event.", exact=True)).to_be_visible()
    axe_check(chair)
    chair.get_by_role("link", name=TITLE).click()
    expect(chair.get_by_role("heading", level=1)).to_have_text(TITLE)
    police = chair.locator("tr", has=chair.get_by_role("rowheader", name="Northbridge Constabulary"))
    expect(police.locator("td").first).to_have_text("5")
    # The chair reads; the event's buttons are the members'.
    expect(chair.get_by_role("link", name="Edit details")).to_have_count(0)
    axe_check(chair)
