"""Phones and tablets (issue 12): every page the journeys visit, as each role, fits a 390 px phone and a 768 px
tablet: the document is never wider than the screen (a table scrolls inside its own region instead, its first
column kept in view), the menu folds behind a "Menu" button while "Sign out" stays in sight, and axe still finds
nothing serious.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

SCREENS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024}}

#: Pages every signed-in role opens; the objects' pages are found by following links, as a person would.
COMMON = ["/", "/dashboard/", "/reviews/", "/reviews/?kind=serious_case", "/reviews/recommendations/",
          "/reviews/recommendations/?gap=yes", "/actions/", "/actions/?evidence=awaiting", "/dashboard/report/",
          "/reminders/preferences/", "/accounts/password/", "/api/tokens/", "/no-such-page/", "/learning/events/",
          "/learning/events/?status=scheduled", "/learning/themes/", "/learning/dissemination/", "/learning/impact/",
          "/learning/impact/?state=attention"]
ROLE_PAGES = {
    "member": ["/reviews/new/", "/learning/events/new/", "/concerns/new/"],
    "chair": [],
    "consultant": ["/evidence/queue/"],
    "police": ["/actions/mine/"],
    "admin": ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/actionplans/action/",
              "/admin/reviews/recommendation/", "/admin/learning/learningevent/", "/admin/learning/learningfile/",
              "/admin/learning/subcommittee/", "/admin/learning/impactcheck/", "/admin/concerns/concern/",
              "/admin/concerns/datapoint/"],
}

# What makes a page wider than the screen, for the failure message: the outermost elements sticking out on the
# right, except those clipped by a region that scrolls by itself (an absolutely placed element can escape one).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const clipped = el => { if (getComputedStyle(el).position === 'absolute') return false;
    for (let p = el.parentElement; p; p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; }
    return false; };
  const sticksOut = el => el.getBoundingClientRect().right > width + 0.5 && !clipped(el);
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getBoundingClientRect().width && sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement))) {
      const right = Math.round(el.getBoundingClientRect().right);
      out.push(name(el) + ' reaches ' + right + 'px: ' + (el.textContent || '').trim().slice(0, 60));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, viewport: width, culprits: out.slice(0, 8)};
}"""


def assert_fits(page):
    result = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] == result["viewport"], (
        f"{page.url} is {result['scrollWidth']} px wide on a {result['viewport']} px screen: "
        + "; ".join(result["culprits"])
    )


def first_link(page, pattern):
    """The first link in the main content whose address matches ``pattern``, or None."""
    for href in page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if re.fullmatch(pattern, href.split("?")[0]):
            return href
    return None


def object_pages(page):
    """The role's own pages of a review, a plan, actions, evidence, a learning event and a theme, and the forms it
    may open there, found by following links as a person would."""
    found = []
    page.goto("/dashboard/")
    found += filter(None, [first_link(page, r"/dashboard/reviews/\d+/"), first_link(page, r"/dashboard/agencies/\d+/")])
    page.goto("/reviews/")
    review = first_link(page, r"/reviews/\d+/")
    assert review, "no review to open"
    found.append(review)
    page.goto(review)
    found += filter(None, [first_link(page, pattern) for pattern in (
        r"/plans/\d+/", r"/reviews/\d+/recommendations/new/", r"/reviews/recommendations/\d+/edit/")])
    # A held learning event (the demo's have attendance), the forms the role may open there, and a theme.
    page.goto("/learning/events/?status=held")
    event = first_link(page, r"/learning/events/\d+/")
    assert event, "no held learning event to open"
    found.append(event)
    page.goto(event)
    found += filter(None, [first_link(page, pattern) for pattern in (
        r"/learning/events/\d+/attendance/\d+/", r"/learning/events/\d+/edit/", r"/learning/events/\d+/materials/")])
    page.goto("/learning/themes/")
    theme = first_link(page, r"/learning/themes/\d+/")
    assert theme, "no theme to open"
    found.append(theme)
    # A done impact check (its finding, and its evidence for the board's roles), and one to do with the forms the
    # role may open there: the finding (its sub-committee's members, administrators) and the reassignment.
    page.goto("/learning/impact/?state=done")
    done = first_link(page, r"/learning/impact/\d+/")
    assert done, "no done impact check to open"
    page.goto("/learning/impact/?state=attention")
    check = first_link(page, r"/learning/impact/\d+/")
    assert check, "no impact check due to open"
    found += [done, check]
    page.goto(check)
    found += filter(None, [first_link(page, pattern) for pattern in (
        r"/learning/impact/\d+/finding/", r"/learning/impact/\d+/edit/")])
    # An action with evidence the role may see: waiting for a decision, rejected, or any of its own.
    for actions in ("/actions/?evidence=awaiting", "/actions/?evidence=rejected", "/actions/mine/", "/actions/"):
        page.goto(actions)
        action = first_link(page, r"/actions/\d+/")
        if action is None:
            continue
        found.append(action)
        page.goto(action)
        for pattern in (r"/evidence/\d+/", r"/actions/\d+/(edit|cancel|target-date)/", r"/actions/\d+/evidence/new/"):
            found += filter(None, [first_link(page, pattern)])
        if first_link(page, r"/evidence/\d+/"):
            break
    return found


def concern_pages(page):
    """The board concerns' register, a concern, an indicator and the forms the role may open there (every role
    but the consultant's, who has no part in them)."""
    found = ["/concerns/", "/concerns/?rag=red", "/concerns/?quiet=yes"]
    page.goto("/concerns/")
    concern = first_link(page, r"/concerns/\d+/")
    assert concern, "no board concern to open"
    found.append(concern)
    page.goto(concern)
    indicator = first_link(page, r"/concerns/indicators/\d+/")
    assert indicator, "no indicator to open"
    found += [indicator, *filter(None, [first_link(page, pattern) for pattern in (
        r"/concerns/\d+/(edit|log)/", r"/concerns/\d+/indicators/new/", r"/concerns/\d+/(monitor|close|reopen)/")])]
    page.goto(indicator)
    found += filter(None, [first_link(page, pattern) for pattern in (
        r"/concerns/indicators/\d+/(edit|values/new)/", r"/concerns/values/\d+/correct/")])
    return found


def paper_pages(page):
    """The board papers' list, the drafts (the demo's report to partners and annual report) and an issued paper,
    each its page and the paper itself (/view/, a document of its own), and the forms the role may open (a new paper
    of each kind, a draft's edit): the board's members, its chair and administrators only."""
    found = ["/papers/"]
    page.goto("/papers/")
    found += filter(None, [first_link(page, pattern) for pattern in (r"/papers/new/partners/", r"/papers/new/annual/")])

    def listed(caption):
        links = page.locator("main table").filter(has=page.locator("caption", has_text=caption)).locator("a[href]")
        hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs, f"no paper in the table “{caption}” of /papers/"
        return hrefs

    papers = [*listed("Drafts"), listed("Issued papers")[0]]
    for paper in papers:
        page.goto(paper)
        found += [paper, *filter(None, [first_link(page, pattern) for pattern in (
            r"/papers/\d+/view/", r"/papers/\d+/edit/")])]
    assert sum(bool(re.fullmatch(r"/papers/\d+/view/", path)) for path in found) == len(papers) >= 3, found
    return found


@pytest.fixture(scope="module")
def issued_paper(browser, base_url):
    """An annual report a member writes and issues, as a person would, for the papers' pages to show an issued one
    (the demo's papers are drafts). An annual report: issuing a report to partners would record the board's last
    report, which the home pages show."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto("/papers/new/annual/")
    page.get_by_label("Title").fill("Annual report, as issued (small screens)")
    page.get_by_label("Introduction").fill("The board's year, in its own words.\n\nA second paragraph.")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r".*/papers/\d+/$"))
    page.get_by_role("button", name=re.compile("^Issue ")).click()
    page.wait_for_load_state()
    expect(page.get_by_text("Files kept as issued")).to_be_visible()
    url = page.url
    context.close()
    return url


@pytest.mark.parametrize("screen", SCREENS)
def test_the_sign_in_page_fits_the_screen(browser, base_url, axe_check, screen):
    context = browser.new_context(base_url=base_url, viewport=SCREENS[screen])
    page = context.new_page()
    for path in ("/accounts/login/", "/accounts/password/reset/"):
        page.goto(path)
        assert_fits(page)
        axe_check(page)
    context.close()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", ROLE_PAGES)
def test_every_page_fits_the_screen_as_each_role(sign_in, axe_check, issued_paper, role, screen):
    page = sign_in(role, viewport=SCREENS[screen])
    paths = COMMON + ROLE_PAGES[role] + object_pages(page) + (concern_pages(page) if role != "consultant" else [])
    paths += paper_pages(page) if role in ("member", "chair", "admin") else []
    if role in ("member", "police", "admin"):  # they record attendance: its form is among the pages
        assert any(re.fullmatch(r"/learning/events/\d+/attendance/\d+/", path) for path in paths), paths
    impact_forms = [path for path in paths if re.fullmatch(r"/learning/impact/\d+/(finding|edit)/", path)]
    # The demo's member sits on both sub-committees: they and the administrator record findings and reassign.
    assert len(impact_forms) == (2 if role in ("member", "admin") else 0), paths
    paper_forms = [path for path in paths if re.fullmatch(r"/papers/(new/(partners|annual)|\d+/edit)/", path)]
    assert len(paper_forms) >= (3 if role in ("member", "admin") else 0), paths  # new of each kind, drafts' edits
    assert role in ("member", "admin") or not paper_forms, paths
    visited = []
    for path in dict.fromkeys(paths):  # each once, in order
        response = page.goto(path)
        assert response.status in (200, 404), f"{path}: {response.status}"
        visited.append(path)
        assert_fits(page)
        axe_check(page)
    assert len(visited) >= 12, visited


@pytest.mark.parametrize("screen", SCREENS)
def test_the_menu_folds_away_and_sign_out_stays_in_sight(sign_in, screen):
    page = sign_in("consultant", viewport=SCREENS[screen])
    nav = page.get_by_role("navigation", name="Main")
    queue = nav.get_by_role("link", name="Audit queue")
    menu = nav.get_by_role("button", name="Menu")
    sign_out = nav.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()  # without opening anything
    expect(queue).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(queue).to_be_visible()
    expect(nav.get_by_role("link", name="E-mail reminders")).to_be_visible()
    assert_fits(page)
    queue.click()
    page.wait_for_url("**/evidence/queue/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit queue")
    sign_out.click()
    page.wait_for_url("**/accounts/login/")


def test_on_a_wide_screen_the_menu_is_open_and_there_is_no_menu_button(sign_in):
    page = sign_in("member")  # 1280 px
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Reviews")).to_be_visible()
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(1)  # the phone's copy is hidden


def test_a_wide_table_scrolls_in_its_own_region_with_its_first_column_in_view(sign_in):
    page = sign_in("member", viewport=SCREENS["phone"])
    page.goto("/actions/")
    region = page.locator("main .table-responsive").first
    first_cell = region.locator("tbody tr").first.locator("td, th").first
    last_cell = region.locator("tbody tr").first.locator("td, th").last
    before = first_cell.bounding_box()["x"]
    widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1], "the table is wider than a phone: it should scroll inside its region"
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert first_cell.bounding_box()["x"] == pytest.approx(before, abs=1)  # the first column stays
    assert last_cell.bounding_box()["x"] + last_cell.bounding_box()["width"] <= SCREENS["phone"]["width"] + 1
    assert_fits(page)


LONG_WORD = "SCR-2009-01-" + "x" * 120
LONG_LINK = "https://intranet.example.org/" + "/".join(["safeguarding-children-board-minutes"] * 6)


def test_long_words_and_links_wrap_instead_of_widening_the_page(sign_in):
    page = sign_in("member", viewport=SCREENS["phone"])
    page.goto("/reviews/")
    page.goto(first_link(page, r"/reviews/\d+/"))
    page.goto(first_link(page, r"/plans/\d+/"))
    page.goto(first_link(page, r"/actions/\d+/"))
    # People's text as it may come: a reference run together with no space, a pasted link. Put into the heading,
    # the breadcrumb, a description and a progress note as if typed there.
    page.evaluate(
        """([word, link]) => {
          document.querySelector('main h1').append(' ' + word);
          document.querySelector('main .breadcrumb li:last-child').append(' ' + word);
          for (const el of document.querySelectorAll('main dd, main p, main li')) { el.append(' ' + link); }
        }""",
        [LONG_WORD, LONG_LINK],
    )
    assert page.locator("main").inner_text().count(LONG_LINK) > 3
    assert_fits(page)
