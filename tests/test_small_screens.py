"""Pages fit a phone (issue 12): every table of the application's pages sits in a region that scrolls sideways by
itself, the menu folds behind a button while "Sign out" stays in sight. The browser checks at 390 and 768 px are in
tests/e2e/test_small_screens.py; these guard the templates, including tables added later, without a browser."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# E-mails are read in mail programs, not on these pages; the board report and the board papers (the paper itself, a
# document of its own, and its tables) have their own wrapper (below).
NOT_PAGES = re.compile(r"(^|/)email|_email\.|/email/|^dashboard/report\.html$|^dashboard/includes/report_"
                       r"|^papers/paper\.html$|^papers/includes/table\.html$")


def tables_outside(source, wrapper_class):
    """The line numbers of the tables in ``source`` that are not inside a <div> with ``wrapper_class``."""
    outside = []
    for table in re.finditer(r"<table\b", source):
        before = source[: table.start()]
        wrappers = list(re.finditer(r'<div\b[^>]*class="[^"]*\b%s\b' % re.escape(wrapper_class), before))
        if not wrappers:
            outside.append(source.count("\n", 0, table.start()) + 1)
            continue
        between = before[wrappers[-1].end():]
        if len(re.findall(r"</div>", between)) > len(re.findall(r"<div\b", between)):
            outside.append(source.count("\n", 0, table.start()) + 1)  # the wrapper closed before the table
    return outside


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not NOT_PAGES.search(name) and "<table" in path.read_text(encoding="utf-8"):
            yield name


@pytest.mark.parametrize("name", list(page_templates()))
def test_every_table_of_the_pages_scrolls_in_its_own_region(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert tables_outside(source, "table-responsive") == [], (
        f"{name}: wrap each table in <div class=\"table-responsive\"> so that a phone scrolls the table, not the page"
    )


def test_the_board_reports_tables_scroll_on_a_phone_too():
    source = (TEMPLATES / "dashboard" / "report.html").read_text(encoding="utf-8")
    lines = tables_outside(source, "table-scroll")
    # Only the cover's two columns (a heading and its text) may stay as they are.
    assert [source.splitlines()[n - 1].strip()[:20] for n in lines] == ['<table class="cover"']
    for include in (TEMPLATES / "dashboard" / "includes").glob("report_*.html"):
        assert tables_outside(include.read_text(encoding="utf-8"), "table-scroll") == [], include.name


def test_the_board_papers_tables_scroll_on_a_phone_too():
    source = (TEMPLATES / "papers" / "paper.html").read_text(encoding="utf-8")
    outside = {n: source.splitlines()[n - 1].strip()[:35] for n in tables_outside(source, "table-scroll")}
    # As in the board report, only the cover's two columns (a heading and its text) may stay as they are.
    assert [line[:20] for line in outside.values()] == ['<table class="cover"'], (
        f"papers/paper.html: wrap each table but the cover in <div class=\"table-scroll\"> (line: table): {outside}"
    )
    table = (TEMPLATES / "papers" / "includes" / "table.html").read_text(encoding="utf-8")
    assert tables_outside(table, "table-scroll") == []


def test_the_check_finds_a_table_without_its_region():
    assert tables_outside('<div class="table-responsive">\n<table></table>\n</div>', "table-responsive") == []
    assert tables_outside("<section>\n<table></table>\n</section>", "table-responsive") == [2]
    assert tables_outside('<div class="table-responsive"></div>\n<table></table>', "table-responsive") == [2]
    assert tables_outside('<div class="table-responsive">\n<div>x</div>\n<table>', "table-responsive") == []


def test_the_menu_folds_behind_a_button_and_sign_out_stays_outside_it(client, world):
    client.force_login(world.member)
    html = client.get("/reviews/").content.decode()
    assert '<script src="/static/bootstrap/js/bootstrap.bundle.min.js" defer></script>' in html
    menu = html.index('id="main-menu"')
    toggler = re.search(r'<button class="navbar-toggler"[^>]*data-bs-target="#main-menu"[^>]*aria-controls="main-menu"',
                        html.replace("\n", " "))
    assert toggler, "a button opens and closes the menu"
    sign_outs = [m.start() for m in re.finditer(r">Sign out</button>", html)]
    assert len(sign_outs) == 2
    assert sign_outs[0] < menu < sign_outs[1]  # one outside the folding menu (narrow screens), one in it (wide)
    assert "css/no-script.css" in html  # without the script, the menu shows open


def test_no_inline_script_is_needed(client, world):
    # The Content-Security-Policy allows scripts from the site's own files only.
    client.force_login(world.member)
    html = client.get("/reviews/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "'self'" in client.get("/reviews/")["Content-Security-Policy"].split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("path", ["/accounts/login/", "/reviews/", "/no-such-page/"])
def test_no_template_comment_or_tag_shows_on_the_page(client, world, path):
    # Django's {# #} comments are one line long: one spread over two lines is printed on every page.
    if path != "/accounts/login/":
        client.force_login(world.member)
    html = client.get(path).content.decode()
    for mark in ("{#", "#}", "{%", "%}"):
        assert mark not in html, (path, mark)
