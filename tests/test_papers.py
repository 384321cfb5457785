"""The board's papers (papers/): the report to partners and the annual report.

Through their pages: a member creates a draft of each kind, edits it (with its change record; an edit from a page
out of date is refused), previews it and issues it; an issued paper is refused a second issue and any edit. An
issued paper is frozen: its kept PDF and DOCX, and its content, stay as issued while the data changes, when a fresh
draft shows the change. The DOCX says what the PDF says (headings and table cells). The annual report's figures are
the lengths of lists counted here independently, over a reporting year whose bounds (31 March / 1 April, or a
calendar year by setting) are checked. A report to partners starts "since" the last one issued, and records the
board's ReportIssue. Building either paper, and the list of papers, runs a fixed number of queries. Access: the
board's members write, the chair reads, agency users and the consultant see nothing.
"""

import datetime
import hashlib
import html
import io
import re
import unicodedata

import docx
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Agency, Role
from actionplans import lifecycle
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status, figures_for, percentage, today
from audit.models import ChangeRecord
from audit.services import history_of
from concerns import rules as concern_rules
from concerns import services as concern_services
from concerns.models import Concern, Indicator
from dashboard.models import ReportIssue, Snapshot
from learning import services as learning_services
from learning.models import Attendance, ImpactCheck, LearningEvent, SubCommittee
from papers import content, rules, services
from papers.models import Paper, PaperFile
from reviews.models import Review
from tests import evidence_samples as samples
from tests import factories
from tests.test_concerns import concern, indicator, point, quarters_ago

Kind = Paper.Kind
EventStatus = LearningEvent.Status
Finding = ImpactCheck.Finding
ConcernStatus = Concern.Status
QUARTERLY = Indicator.Frequency.QUARTERLY


# --- helpers --------------------------------------------------------------------------------------------------------


def ago(days):
    return today() - datetime.timedelta(days=days)


def local(*args):
    """An aware moment in the project's time zone (Europe/London): 1 April 00:30 there is 31 March 23:30 UTC."""
    return datetime.datetime(*args, tzinfo=timezone.get_current_timezone())


def url(name, *args):
    return reverse(f"papers:{name}", args=args)


def text_of(response):
    """The page as a person reads it: entities turned back into characters."""
    return html.unescape(response.content.decode())


def squash(value):
    """Text with every whitespace removed (a PDF wraps text inside table cells) and ligatures spelt out."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def body(response):
    """The bytes of a download (a FileResponse streams them)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def paper_values(kind=Kind.PARTNERS, **changes):
    values = {
        "title": "Implementation of action plans: report to partners" if kind == Kind.PARTNERS else "Annual report",
        "meeting": "LSCB Board, 10 December 2026",
        "dated": today(),
        "author": "Business manager, LSCB",
        "sponsor": "The chair",
        "introduction": "This paper reports progress.\n\nIt follows the last report.",
        "recommendations": "Partners should sign the protocol.",
    }
    if kind == Kind.PARTNERS:
        values["since"] = ago(30)
    else:
        values["year_start"] = rules.default_year()
    return {**values, **changes}


def make_paper(world, kind=Kind.PARTNERS, **changes):
    values = paper_values(kind, **changes)
    return services.paper_create(actor=world.member, kind=kind, **values)


def form_data(kind=Kind.PARTNERS, loaded_version="", **changes):
    """The paper form as a browser posts it."""
    values = paper_values(kind, **changes)
    data = {name: (value.isoformat() if isinstance(value, datetime.date) else value) for name, value in values.items()}
    return {**data, "loaded_version": loaded_version}


def edit_data(paper, **changes):
    """The edit form of ``paper`` as it was opened now, with ``changes``."""
    kind = paper.kind
    values = {name: getattr(paper, name) for name in
              ("title", "meeting", "dated", "author", "sponsor", "introduction", "recommendations")}
    values["since" if kind == Kind.PARTNERS else "year_start"] = paper.since if kind == Kind.PARTNERS else paper.year_start
    return form_data(kind, loaded_version=factories.loaded_version(paper), **{**values, **changes})


def issue(paper, actor):
    return services.paper_issue(paper=paper, actor=actor)


def download(client, paper, file_format):
    response = client.get(url("download", paper.pk, file_format))
    assert response.status_code == 200, (file_format, response.status_code)
    return body(response)


def view_of(client, paper):
    """The paper's HTML view, its charts' element ids (numbered in the order charts are drawn in the process, by
    dashboard.charts) made the same."""
    response = client.get(url("paper_view", paper.pk))
    assert response.status_code == 200
    return re.sub(r"chart\d+-", "chart-", text_of(response))


def section(built, title):
    return next(part for part in built["sections"] if part["title"] == title)


def tables(part):
    return [block for block in part["blocks"] if block["t"] == "table"]


def headline_row(built):
    """The headline figures' row of a report to partners, by column heading."""
    table = next(t for t in tables(section(built, "Implementation of the reviews' action plans"))
                 if t["caption"] == "Headline figures, all reviews")
    return dict(zip(table["head"], table["rows"][0], strict=True))


def year_in_figures(built):
    """The annual report's "The year in figures" table as {measure: figure}."""
    (table,) = tables(section(built, "The year in figures"))
    return {row[0]: row[1] for row in table["rows"]}


def paper_state(paper):
    """Everything an issued paper is: its row, its files and its change records."""
    return (Paper.objects.filter(pk=paper.pk).values().get(),
            list(PaperFile.objects.filter(paper=paper).order_by("pk").values()),
            list(history_of(paper).values_list("pk", flat=True)))


# --- data -----------------------------------------------------------------------------------------------------------


def held_event(world, title, held_on, attendance=None, themes=None, kind=LearningEvent.Kind.WORKSHOP):
    """A learning event held on ``held_on``, with ``attendance`` {agency: people} recorded."""
    event = learning_services.event_create(
        actor=world.member, themes=themes or [world.theme], title=title, kind=kind,
        audience=LearningEvent.Audience.ALL, held_on=held_on, facilitator="The board's training officer",
    )
    learning_services.move_event("hold", event=event, actor=world.member, seen=EventStatus.SCHEDULED)
    for agency, people in (attendance or {}).items():
        learning_services.attendance_record(event=event, agency=agency, actor=world.member, attended=people)
    return event


def scheduled_event(world, title, held_on):
    return learning_services.event_create(
        actor=world.member, themes=[world.theme], title=title, kind=LearningEvent.Kind.BRIEFING,
        audience=LearningEvent.Audience.SUPERVISORS, held_on=held_on, facilitator="The board's training officer",
    )


def sub_committee(world):
    committee, _ = SubCommittee.objects.get_or_create(name="Monitoring and Evaluation")
    committee.members.add(world.member)
    return committee


FOLLOW_UP = {Finding.EMBEDDED: "", Finding.PARTLY: "", Finding.NOT_EMBEDDED: "check", Finding.CANNOT_TELL: "check"}


def impact_finding(world, action, finding, checked_on):
    """A done impact check of ``action`` (verified) with ``finding`` dated ``checked_on``."""
    check = learning_services.impact_check_schedule(action=action, actor=world.member, due_on=checked_on,
                                                    sub_committee=sub_committee(world))
    follow_up = FOLLOW_UP[finding]
    return learning_services.impact_finding_record(
        check=check, actor=world.member, seen=ImpactCheck.Status.OPEN, finding=finding,
        looked_at="A multi-agency audit of 20 case files.", finding_note=f"The audit found it {finding}.",
        checked_on=checked_on, follow_up=follow_up,
        follow_up_due=today() + datetime.timedelta(days=90) if follow_up else None,
    )


def date_move(made, at):
    """Place a concern's last status move at ``at``: its moment and its change record."""
    Concern.objects.filter(pk=made.pk).update(status_changed_at=at)
    ChangeRecord.objects.filter(pk=history_of(made).first().pk).update(at=at)


def close_concern(world, made, at=None, reason="The protocol is signed by every partner."):
    concern_services.move_concern("close", concern=made, actor=world.member, seen=made.status, reason=reason)
    if at is not None:
        date_move(made, at)
    made.refresh_from_db()
    return made


def move(world, action, status, at=None, actor=None):
    """Move ``action`` to ``status`` through its progress log, the move dated ``at`` (a moment in the past)."""
    action.refresh_from_db()
    update = lifecycle.record_progress(action=action, actor=actor or world.member, status=status,
                                       note=f"Moved to {status}.", seen_status=action.status)
    if at is not None:
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=at)
    action.refresh_from_db()
    return action


def verify(world, action, at=None):
    """Sign ``action`` (completed, led by the police) off with accepted evidence, the sign-off dated ``at``."""
    action.refresh_from_db()
    item = samples.submit_note(action, world.agency_user if action.lead_agency == world.police else world.other)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="", notify=False)
    update = lifecycle.verify(action=action, actor=world.consultant, note="Checked against the evidence.")
    if at is not None:
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=at)
    action.refresh_from_db()
    return action


@pytest.fixture
def rich(world):
    """The world with something in every section of a report to partners: an overdue, a verified and a cancelled
    action, a held event with attendance and a scheduled one, an impact finding, and a concern with an indicator
    (two data points) and a log line."""
    w = world
    factories.action(w.multi_plan, w.police, reference="9.1", description="Audit pre-birth assessments",
                     status=Status.NOT_STARTED, target_date=ago(9))
    w.verified = factories.action(w.police_plan, w.police, reference="9.2", description="Train all officers",
                                  status=Status.VERIFIED)
    factories.action(w.health_plan, w.health, reference="9.3", status=Status.CANCELLED)
    w.health_action.themes.add(w.theme)
    held_event(w, "Hidden men: working with fathers", ago(10), {w.police: 12, w.health: 7})
    scheduled_event(w, "Pre-birth assessment briefing", today() + datetime.timedelta(days=20))
    impact_finding(w, w.verified, Finding.EMBEDDED, ago(2))
    w.concern = concern(w, title="Information sharing protocol not yet implemented by all partners")
    w.indicator = indicator(w, w.concern, name="Partners that have signed the protocol", unit="partners",
                            target=8)
    point(w.indicator, w.member, quarters_ago(3), 3)
    point(w.indicator, w.member, quarters_ago(2), 5)
    concern_services.entry_add(concern=w.concern, actor=w.member, text="Two partners still to sign.", on=ago(5))
    return w


# --- 1. flows through the pages ------------------------------------------------------------------------------------


def test_a_member_creates_a_report_to_partners_and_an_annual_report_through_the_pages(client, world):
    client.force_login(world.member)
    page = client.get(url("paper_create", "partners"))
    assert page.status_code == 200
    assert page.context["form"].initial["since"] == rules.default_since()

    response = client.post(url("paper_create", "partners"), form_data(Kind.PARTNERS, title="  Report to partners  "))
    partners = Paper.objects.get(kind=Kind.PARTNERS)
    assert response.status_code == 302 and response["Location"] == partners.get_absolute_url()
    assert (partners.title, partners.status, partners.since, partners.year_start) == (
        "Report to partners", Paper.Status.DRAFT, ago(30), None)
    assert (partners.created_by, partners.content, partners.files.count()) == (world.member, None, 0)
    created = history_of(partners).get()
    assert (created.verb, created.actor) == (ChangeRecord.Verb.CREATED, world.member)

    year = rules.year_choices()[1]
    response = client.post(url("paper_create", "annual"), form_data(Kind.ANNUAL, year_start=year))
    annual = Paper.objects.get(kind=Kind.ANNUAL)
    assert response.status_code == 302 and response["Location"] == annual.get_absolute_url()
    assert (annual.year_start, annual.since, annual.status) == (year, None, Paper.Status.DRAFT)

    listed = text_of(client.get(url("papers")))
    assert "Report to partners" in listed and "Annual report" in listed
    assert rules.year_label(year) in listed
    # A year not offered, and a kind that does not exist.
    refused = client.post(url("paper_create", "annual"), form_data(Kind.ANNUAL, year_start=datetime.date(1990, 4, 1)))
    assert refused.status_code == 400
    assert client.get(url("paper_create", "minutes")).status_code == 404
    assert Paper.objects.count() == 2


def test_a_paper_without_an_introduction_is_refused_with_a_clear_message_and_nothing_is_created(client, world):
    client.force_login(world.member)
    for kind in Kind.values:
        response = client.post(url("paper_create", kind), form_data(kind, introduction="   "))
        assert response.status_code == 400
        assert "Write the paper's introduction: it opens the paper." in text_of(response)
    future = client.post(url("paper_create", "partners"), form_data(since=today() + datetime.timedelta(days=1)))
    assert future.status_code == 400 and "The changes cannot start after today." in text_of(future)
    assert not Paper.objects.exists()
    assert not ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Paper)).exists()


def test_editing_a_draft_saves_it_and_leaves_its_change_record(client, world):
    paper = make_paper(world)
    client.force_login(world.member)
    page = client.get(url("paper_edit", paper.pk))
    assert page.status_code == 200
    response = client.post(url("paper_edit", paper.pk), edit_data(paper, introduction="A new opening.",
                                                                   since=ago(60)))
    assert response.status_code == 302 and response["Location"] == paper.get_absolute_url()
    paper.refresh_from_db()
    assert (paper.introduction, paper.since, paper.status) == ("A new opening.", ago(60), Paper.Status.DRAFT)
    changed = history_of(paper).first()
    assert (changed.verb, changed.actor) == (ChangeRecord.Verb.CHANGED, world.member)
    assert len(changed.changes) == 2
    assert any(new == "A new opening." for _, new in changed.changes.values()), changed.changes
    # The preview has the new words.
    assert "A new opening." in text_of(client.get(url("paper_view", paper.pk)))

    annual = make_paper(world, Kind.ANNUAL)
    other_year = rules.year_choices()[3]
    response = client.post(url("paper_edit", annual.pk), edit_data(annual, year_start=other_year))
    assert response.status_code == 302
    annual.refresh_from_db()
    assert annual.year_start == other_year
    assert history_of(annual).first().verb == ChangeRecord.Verb.CHANGED


def test_an_edit_from_a_page_opened_before_someone_else_saved_is_refused_and_overwrites_nothing(client, world):
    paper = make_paper(world)
    other = factories.user(Role.MEMBER)
    client.force_login(world.member)
    opened = edit_data(paper, introduction="Mine, from an old page.")
    services.paper_update(paper=paper, actor=other, introduction="Theirs, saved first.")
    before = paper_state(paper)
    response = client.post(url("paper_edit", paper.pk), opened)
    assert response.status_code == 400  # a stale form (audit.forms.StaleEditGuard), not a lifecycle conflict
    assert "Someone else saved this after you opened it, so nothing of yours was saved." in text_of(response)
    assert "Theirs, saved first." in text_of(response)  # who changed what
    assert paper_state(paper) == before
    assert Paper.objects.get(pk=paper.pk).introduction == "Theirs, saved first."


def test_issuing_freezes_the_paper_keeps_its_pdf_and_docx_and_is_refused_a_second_time_and_any_edit(client, world):
    paper = make_paper(world)
    client.force_login(world.member)
    # The draft's pages and downloads, made on the spot.
    assert client.get(url("paper", paper.pk)).status_code == 200
    draft_view = client.get(url("paper_view", paper.pk))
    assert draft_view.status_code == 200 and "Draft, not issued" in text_of(draft_view)
    draft_pdf = download(client, paper, "pdf")
    assert draft_pdf.startswith(b"%PDF") and "Draft, not issued" in pdf_text(draft_pdf)
    assert docx.Document(io.BytesIO(download(client, paper, "docx"))).paragraphs
    assert not PaperFile.objects.exists()

    response = client.post(url("paper_issue", paper.pk), follow=True)
    assert response.status_code == 200
    assert "issued: its PDF and Word document are kept as issued" in text_of(response)
    paper.refresh_from_db()
    assert (paper.status, paper.issued_by) == (Paper.Status.ISSUED, world.member)
    assert paper.status_changed_at is not None
    assert paper.content["kind"] == "partners" and paper.content["title"] == paper.title
    assert [part["title"] for part in paper.content["sections"]][:2] == ["Introduction", "Recommendations to the partners"]
    assert paper.content["state"].startswith(f"Issued on {today():%-d %B %Y} by {world.member}")
    files = {item.format: item for item in PaperFile.objects.filter(paper=paper)}
    assert set(files) == {"pdf", "docx"}
    pdf, word = download(client, paper, "pdf"), download(client, paper, "docx")
    assert hashlib.sha256(pdf).hexdigest() == files["pdf"].sha256 and files["pdf"].size == len(pdf)
    assert hashlib.sha256(word).hexdigest() == files["docx"].sha256 and files["docx"].size == len(word)
    assert pdf.startswith(b"%PDF") and "Draft, not issued" not in pdf_text(pdf)
    assert files["pdf"].original_name.endswith(".pdf") and "draft" not in files["pdf"].original_name
    assert history_of(paper).first().changes["status"] == ["Draft", "Issued"]

    # The issued paper's pages.
    page = client.get(url("paper", paper.pk))
    assert page.status_code == 200
    page = text_of(page)
    assert files["pdf"].sha256 in page and "Issue the paper" not in page and "Edit the draft" not in page
    issued_view = client.get(url("paper_view", paper.pk))
    assert issued_view.status_code == 200 and paper.content["state"] in text_of(issued_view)

    # Issued again: refused with a message, nothing changed.
    before = paper_state(paper)
    issues = ReportIssue.objects.count()
    again = client.post(url("paper_issue", paper.pk), follow=True)
    assert again.status_code == 200
    shown = [str(message) for message in again.context["messages"]]
    assert any("nothing of yours was saved" in message and "issued" in message for message in shown), shown
    assert paper_state(paper) == before and ReportIssue.objects.count() == issues
    with pytest.raises(lifecycle.Refused):
        services.paper_issue(paper=paper, actor=world.member)
    assert paper_state(paper) == before

    # Edited: 403 from the page, Refused from the service.
    assert client.get(url("paper_edit", paper.pk)).status_code == 403
    assert client.post(url("paper_edit", paper.pk), edit_data(paper, introduction="Changed.")).status_code == 403
    with pytest.raises(lifecycle.Refused, match="an issued paper is never changed"):
        services.paper_update(paper=paper, actor=world.member, introduction="Changed.")
    assert paper_state(paper) == before


# --- 2. an issued paper is frozen ------------------------------------------------------------------------------------


def test_an_issued_report_stays_as_issued_when_the_data_changes_while_a_draft_shows_the_change(client, rich):
    w = rich
    client.force_login(w.member)
    paper = make_paper(w)
    issue(paper, w.member)
    paper.refresh_from_db()
    frozen_content = paper.content
    pdf, word = download(client, paper, "pdf"), download(client, paper, "docx")
    pdf_before = pdf_text(pdf)
    view_before = view_of(client, paper)
    draft = make_paper(w, title="The next report")
    preview_before = services.preview(draft, w.member)
    assert headline_row(preview_before) == headline_row(frozen_content)

    # The data changes: an action completed and verified, a new value of the indicator, the concern closed.
    move(w, w.police_action, Status.COMPLETED, actor=w.agency_user)
    verify(w, w.police_action)
    point(w.indicator, w.agency_user, quarters_ago(1), 8)
    close_concern(w, w.concern, reason="Every partner has signed.")

    # The issued paper is as it was: the same bytes, the same text, the same content and HTML view.
    assert download(client, paper, "pdf") == pdf
    assert download(client, paper, "docx") == word
    assert pdf_text(download(client, paper, "pdf")) == pdf_before
    assert Paper.objects.get(pk=paper.pk).content == frozen_content
    assert view_of(client, paper) == view_before

    # A draft shows the change: the test above would fail if the content were rebuilt from today's data.
    preview_after = services.preview(draft, w.member)
    old, new = headline_row(frozen_content), headline_row(preview_after)
    key = "Compliance (verified)"
    counted = Action.objects.exclude(status=Status.CANCELLED).count()
    assert old[key] == f"{percentage(1, counted)}% (1 of {counted})"
    assert new[key] == f"{percentage(2, counted)}% (2 of {counted})"
    draft_pdf = pdf_text(download(client, draft, "pdf"))
    assert squash(f"(2 of {counted})") in squash(draft_pdf)
    assert squash(f"(2 of {counted})") not in squash(pdf_before)
    assert "Every partner has signed." in draft_pdf and "Every partner has signed." not in pdf_before
    new_value = squash(f"{concern_rules.period_label(quarters_ago(1), QUARTERLY)} 8 partners")  # its values' table
    assert new_value in squash(draft_pdf) and new_value not in squash(pdf_before)
    assert squash(old[key]) in squash(pdf_before)


# --- 3. the DOCX says what the PDF says ------------------------------------------------------------------------------


def docx_headings(document):
    return [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def docx_cells(document):
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


@pytest.mark.parametrize("kind", Kind.values)
def test_the_issued_docx_has_the_headings_and_table_cells_of_the_issued_pdf(client, rich, kind):
    w = rich
    # An annual report of the year of the held event (ten days ago).
    paper = make_paper(w, kind, year_start=rules.year_of(ago(10))) if kind == Kind.ANNUAL else make_paper(w)
    issue(paper, w.member)
    paper.refresh_from_db()
    client.force_login(w.member)
    pdf = squash(pdf_text(download(client, paper, "pdf")))
    document = docx.Document(io.BytesIO(download(client, paper, "docx")))
    headings, cells = docx_headings(document), docx_cells(document)
    assert document.core_properties.title == paper.title

    missing = [heading for heading in headings if squash(heading) not in pdf]
    assert not missing, missing
    missing = [cell for cell in cells if squash(cell) not in pdf]
    assert not missing, missing

    # Every numbered heading of the content is a heading of the DOCX, and the DOCX has no other.
    expected = [paper.title]
    for part in paper.content["sections"]:
        expected.append(f"{part['number']} {part['title']}")
        expected += [f"{block['number']} {block['text']}" for block in part["blocks"] if block["t"] == "h"]
    assert headings == expected
    assert len(headings) > 5 and len(cells) > 40  # the paper has something in it to compare

    if kind == Kind.PARTNERS:
        # The headline compliance, counted here from the actions: 1 verified (9.2) of 6 not cancelled.
        actions = Action.objects.all()
        verified = actions.filter(status=Status.VERIFIED).count()
        counted = actions.exclude(status=Status.CANCELLED).count()
        assert (verified, counted) == (1, 6)
        figures = figures_for(actions)
        assert (figures.verified, figures.counted, figures.compliance) == (1, 6, 17)
        figure = f"{percentage(verified, counted)}% ({verified} of {counted})"
        assert figure == "17% (1 of 6)"
        assert headline_row(paper.content)["Compliance (verified)"] == figure
        assert figure in cells and squash(figure) in pdf
        assert f"{w.review.reference}: {w.review.title}" in " ".join(headings)
        assert "Partners that have signed the protocol" in cells and "5 partners" in cells
    else:
        figures = year_in_figures(paper.content)
        assert figures["Learning events held"] == "1" and figures["People reached"] == "19"
        assert "19" in cells


# --- 4. the annual report's figures ---------------------------------------------------------------------------------

@pytest.fixture
def two_years(world, settings):
    """Data in the year from START to END, in the year before, in the year after, and on their edges (31 March,
    1 April; a move at 00:30 on 1 April in London is 23:30 UTC on 31 March)."""
    w = world
    settings.ANNUAL_REPORT_FIRST_MONTH = 4
    # The last year ended: from 1 April of year Y (2025 when this was written) to 31 March of Y + 1.
    w.start = START = rules.default_year()
    Y = START.year
    w.end = END = datetime.date(Y + 1, 3, 31)
    w.before = datetime.date(Y - 1, 4, 1)  # the year before
    assert rules.year_bounds(START) == (START, END) and START.month == 4
    Review.objects.filter(pk=w.review.pk).update(published_on=datetime.date(Y - 1, 9, 1))
    w.education = factories.agency(name="Test Education", short_name="Education", kind=Agency.Kind.EDUCATION)

    # Reviews published: two in the year (its first and last days), the world's (the year before) and two just outside.
    for published in (START, END, START - datetime.timedelta(days=1), END + datetime.timedelta(days=1)):
        factories.review(published_on=published)
    factories.review(status=Review.Status.AWAITING_PUBLICATION, published_on=None)

    # Actions moved to completed and verified, dated through their progress logs.
    a1 = factories.action(w.multi_plan, w.police, reference="A.1")
    a2 = factories.action(w.multi_plan, w.police, reference="A.2")
    a3 = factories.action(w.multi_plan, w.police, reference="A.3")
    a4 = factories.action(w.multi_plan, w.police, reference="A.4")
    a5 = factories.action(w.multi_plan, w.police, reference="A.5")
    move(w, a1, Status.COMPLETED, local(Y, 6, 1, 12))  # in
    verify(w, a1, local(Y, 9, 1, 12))  # in
    move(w, a2, Status.COMPLETED, local(Y, 4, 1, 0, 30))  # in (31 March in UTC)
    verify(w, a2, local(Y + 1, 4, 1, 0, 30))  # out (31 March in UTC)
    move(w, a3, Status.COMPLETED, local(Y, 3, 31, 23, 30))  # out: the year before
    verify(w, a3, local(Y + 1, 3, 31, 23, 30))  # in
    move(w, a4, Status.COMPLETED, local(Y, 5, 1, 12))  # in, and again: counted once
    move(w, a4, Status.IN_PROGRESS, local(Y, 6, 1, 12))
    move(w, a4, Status.COMPLETED, local(Y, 7, 1, 12))
    move(w, a5, Status.COMPLETED, local(Y - 1, 12, 1, 12))  # the year before
    w.moved = [a1, a2, a3, a4, a5]

    # Learning events: held in the year (first and last day), outside it, and not held.
    held_event(w, "E1 Hidden men", START, {w.police: 5, w.health: 0})
    held_event(w, "E2 Pre-birth assessment", END, {w.police: 3, w.health: 4}, kind=LearningEvent.Kind.CONFERENCE)
    held_event(w, "E3 Before", START - datetime.timedelta(days=1), {w.police: 10})
    held_event(w, "E4 After", END + datetime.timedelta(days=1), {w.health: 7})
    scheduled_event(w, "E5 Never held", datetime.date(Y, 6, 1))
    cancelled = scheduled_event(w, "E6 Cancelled", datetime.date(Y, 7, 1))
    learning_services.move_event("cancel", event=cancelled, actor=w.member, seen=EventStatus.SCHEDULED,
                                 reason="The trainer was ill.")

    # Impact findings dated in and out of the year (each of a verified action).
    for finding, checked_on in ((Finding.EMBEDDED, START), (Finding.PARTLY, END),
                                (Finding.NOT_EMBEDDED, datetime.date(Y, 10, 10)),
                                (Finding.EMBEDDED, START - datetime.timedelta(days=1)),
                                (Finding.CANNOT_TELL, END + datetime.timedelta(days=1))):
        checked = factories.action(w.health_plan, w.health, status=Status.VERIFIED)
        impact_finding(w, checked, finding, checked_on)

    # Board concerns raised and closed in and out of the year.
    k1 = concern(w, title="K1 raised on the first day", raised_on=START)  # noqa: F841 - open
    k2 = concern(w, title="K2 raised on the last day", raised_on=END)
    close_concern(w, k2, local(Y + 1, 4, 1, 0, 30))  # closed the day after (31 March in UTC)
    k3 = concern(w, title="K3 raised the day before", raised_on=START - datetime.timedelta(days=1))
    close_concern(w, k3, local(Y, 10, 1, 12))  # closed in the year
    k4 = concern(w, title="K4 raised the year before", raised_on=datetime.date(Y - 1, 6, 1))
    close_concern(w, k4, local(Y, 4, 1, 0, 30))  # closed on the first day (31 March in UTC)
    k5 = concern(w, title="K5 raised the year after", raised_on=END + datetime.timedelta(days=1))
    close_concern(w, k5)  # closed today
    k6 = concern(w, title="K6 closed the day before", raised_on=START - datetime.timedelta(days=1))
    close_concern(w, k6, local(Y, 3, 31, 23, 30))
    k7 = concern(w, title="K7 monitored", raised_on=datetime.date(Y - 1, 5, 1))
    concern_services.move_concern("monitor", concern=k7, actor=w.member, seen=ConcernStatus.OPEN)
    date_move(k7, local(Y, 8, 1, 12))
    return w


def independent_counts(client, first, last):
    """The annual figures counted from the lists they come from, without papers.rules."""
    events_page = client.get(reverse("learning:events"),
                             {"status": "held", "since": first.isoformat(), "until": last.isoformat()})
    assert events_page.status_code == 200
    held = LearningEvent.objects.filter(status=EventStatus.HELD, held_on__gte=first, held_on__lte=last)
    attendance = Attendance.objects.filter(event__in=held)
    in_year = lambda moment: first <= timezone.localtime(moment).date() <= last  # noqa: E731
    moved = lambda status: len({  # noqa: E731
        u.action_id for u in ProgressUpdate.objects.filter(status_after=status).exclude(status_before=status)
        if in_year(u.created_at)})
    done = ImpactCheck.objects.filter(status=ImpactCheck.Status.DONE, checked_on__gte=first, checked_on__lte=last)
    return {
        "Reviews published": Review.objects.filter(published_on__gte=first, published_on__lte=last).count(),
        "Actions completed": moved(Status.COMPLETED),
        "Actions verified": moved(Status.VERIFIED),
        "Learning events held": events_page.context["page"].paginator.count,
        "People reached": sum(a.attended for a in attendance),
        "Impact findings": done.count(),
        **{f"Impact findings: {finding.label.lower()}": done.filter(finding=finding).count() for finding in Finding},
        "Board concerns raised": Concern.objects.filter(raised_on__gte=first, raised_on__lte=last).count(),
        "Board concerns closed": sum(in_year(c.status_changed_at) for c in Concern.objects.filter(status="closed")),
    }


def figures_as_counts(figures):
    found = figures.findings_by_kind
    return {
        "Reviews published": len(figures.reviews_published),
        "Actions completed": figures.completed,
        "Actions verified": figures.verified,
        "Learning events held": len(figures.events_held),
        "People reached": figures.people_reached,
        "Impact findings": len(figures.findings),
        **{f"Impact findings: {finding.label.lower()}": found[finding] for finding in Finding},
        "Board concerns raised": len(figures.concerns_raised),
        "Board concerns closed": len(figures.concerns_closed),
    }


def test_the_annual_figures_are_the_counts_of_the_lists_they_come_from(client, two_years):
    w = two_years
    START, END, Y = w.start, w.end, w.start.year
    client.force_login(w.member)
    counted = independent_counts(client, START, END)
    assert counted == {
        "Reviews published": 2, "Actions completed": 3, "Actions verified": 2, "Learning events held": 2,
        "People reached": 12, "Impact findings": 3, "Impact findings: embedded": 1,
        "Impact findings: partly embedded": 1, "Impact findings: not embedded": 1,
        "Impact findings: cannot tell yet": 0,
        "Board concerns raised": 2, "Board concerns closed": 2,
    }
    figures = rules.annual_figures(START)
    assert (figures.start, figures.end) == (START, END)
    assert figures_as_counts(figures) == counted
    assert [e.title for e in figures.events_held] == ["E1 Hidden men", "E2 Pre-birth assessment"]
    assert sorted(c.title for c in figures.concerns_closed) == ["K3 raised the day before", "K4 raised the year before"]
    # People reached by agency: the partners (not the board), each active one listed, an event counted for an
    # agency only if someone of it came.
    reach = {row.name: (row.events, row.people) for row in figures.reach}
    assert reach == {"Test Education": (0, 0), "Test Health Trust": (1, 4), "Test Police": (2, 8)}
    for agency in (w.police, w.health, w.education):
        rows = Attendance.objects.filter(event__in=figures.events_held, agency=agency)
        assert reach[agency.name] == (rows.filter(attended__gt=0).count(), sum(r.attended for r in rows))
    # Compliance as it stood on the first and last days, from the progress logs: the five verified actions of
    # the impact checks throughout; A.1 and A.3 verified by the last day (A.2 on the day after).
    all_actions = Action.objects.count()
    assert (figures.compliance_start.verified, figures.compliance_start.counted) == (5, all_actions)
    assert (figures.compliance_end.verified, figures.compliance_end.counted) == (7, all_actions)

    # The year before, counted the same way.
    before = independent_counts(client, w.before, START - datetime.timedelta(days=1))
    assert figures_as_counts(rules.annual_figures(w.before)) == before
    assert (before["Reviews published"], before["Actions completed"], before["Actions verified"],
            before["Learning events held"], before["Impact findings"], before["Board concerns raised"],
            before["Board concerns closed"]) == (2, 2, 0, 1, 1, 4, 1)

    # The annual report issued through its pages shows the same figures in "The year in figures".
    response = client.post(url("paper_create", "annual"), form_data(Kind.ANNUAL, year_start=START))
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert client.post(url("paper_issue", paper.pk)).status_code == 302
    paper.refresh_from_db()
    assert paper.is_issued
    shown = year_in_figures(paper.content)
    assert {measure: int(shown[measure]) for measure in counted} == counted
    assert shown[f"Compliance on 1 April {Y}"] == f"{percentage(5, all_actions)}% (5 of {all_actions})"
    assert shown[f"Compliance on 31 March {Y + 1}"] == f"{percentage(7, all_actions)}% (7 of {all_actions})"
    assert ["Period", f"April {Y} to March {Y + 1} (figures to 31 March {Y + 1})"] in paper.content["cover"]
    published = tables(section(paper.content, "Reviews published"))[0]
    assert [row[2] for row in published["rows"]] == [f"1 Apr {Y}", f"31 Mar {Y + 1}"]


def test_a_concern_closed_in_the_year_and_reopened_after_it_still_counts_as_closed_in_that_year(world, settings):
    """The year's figures are what happened in the year: as an action verified in the year counts, from its
    progress log, even if its sign-off was withdrawn since, a concern closed in the year counts as closed in it
    even if it was opened again after the year ended (its change records say when it was closed)."""
    settings.ANNUAL_REPORT_FIRST_MONTH = 4
    start = rules.default_year()
    closed_at = local(start.year, 10, 1, 12)
    made = concern(world, title="Caseloads of social workers", raised_on=start - datetime.timedelta(days=30))
    close_concern(world, made, closed_at, reason="Caseloads at the target.")  # its change record dated then too
    assert [c.title for c in rules.annual_figures(start).concerns_closed] == ["Caseloads of social workers"]

    # Opened again today, after the year ended: the year's figure is unchanged.
    concern_services.move_concern("reopen", concern=made, actor=world.member, seen=ConcernStatus.CLOSED)
    assert Concern.objects.get(pk=made.pk).status == ConcernStatus.OPEN
    assert [c.title for c in rules.annual_figures(start).concerns_closed] == ["Caseloads of social workers"]


def test_the_reporting_year_runs_from_1_april_to_31_march(settings):
    settings.ANNUAL_REPORT_FIRST_MONTH = 4  # the default, whatever the environment says
    assert rules.year_of(datetime.date(2026, 3, 31)) == datetime.date(2025, 4, 1)
    assert rules.year_of(datetime.date(2026, 4, 1)) == datetime.date(2026, 4, 1)
    assert rules.year_of(datetime.date(2026, 1, 1)) == datetime.date(2025, 4, 1)
    assert rules.year_bounds(datetime.date(2025, 4, 1)) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    assert rules.default_year(datetime.date(2026, 3, 31)) == datetime.date(2024, 4, 1)
    assert rules.default_year(datetime.date(2026, 4, 1)) == datetime.date(2025, 4, 1)
    assert rules.year_label(datetime.date(2025, 4, 1)) == "April 2025 to March 2026"
    choices = rules.year_choices(datetime.date(2026, 4, 1))
    assert choices[0] == datetime.date(2026, 4, 1) and choices[-1] == datetime.date(2016, 4, 1) and len(choices) == 11


def test_a_year_not_over_counts_to_today(world):
    first = rules.year_of(today())
    factories.review(published_on=today())
    factories.review(published_on=first)
    figures = rules.annual_figures(first)
    assert (figures.start, figures.end) == (first, today())
    assert len(figures.reviews_published) == 2


def test_with_the_year_starting_in_january_the_years_are_calendar_years_labelled_by_their_number(client, world,
                                                                                                   settings):
    settings.ANNUAL_REPORT_FIRST_MONTH = 1
    Y = today().year - 1  # the last calendar year ended: 2025 when this was written
    year = datetime.date(Y, 1, 1)
    assert rules.year_of(datetime.date(Y, 12, 31)) == year
    assert rules.year_of(datetime.date(Y + 1, 1, 1)) == datetime.date(Y + 1, 1, 1)
    assert rules.year_bounds(year) == (year, datetime.date(Y, 12, 31))
    assert rules.year_label(year) == str(Y)
    assert rules.default_year(today()) == year and rules.year_choices()[0] == datetime.date(Y + 1, 1, 1)
    factories.review(published_on=datetime.date(Y, 12, 31))
    factories.review(published_on=datetime.date(Y + 1, 1, 1))
    factories.review(published_on=datetime.date(Y - 1, 12, 31))
    assert [r.published_on for r in rules.annual_figures(year).reviews_published] == [
        datetime.date(Y, 12, 31)]

    client.force_login(world.member)
    page = client.get(url("paper_create", "annual"))
    assert page.context["form"].initial["year_start"] == f"{Y}-01-01"
    assert f'<option value="{Y}-01-01" selected>{Y}</option>' in page.content.decode()
    assert client.post(url("paper_create", "annual"), form_data(Kind.ANNUAL, year_start=year)).status_code == 302
    paper = Paper.objects.get()
    built = services.preview(paper, world.member)
    assert ["Period", f"{Y} (figures to 31 December {Y})"] in built["cover"]
    assert year_in_figures(built)["Reviews published"] == "1"
    assert f"The board's year, {Y}" == tables(section(built, "The year in figures"))[0]["caption"]


def test_a_year_starting_in_march_ends_on_the_last_day_of_february_of_a_leap_year(settings):
    settings.ANNUAL_REPORT_FIRST_MONTH = 3
    assert rules.year_bounds(datetime.date(2023, 3, 1)) == (datetime.date(2023, 3, 1), datetime.date(2024, 2, 29))
    assert rules.year_of(datetime.date(2024, 2, 29)) == datetime.date(2023, 3, 1)
    assert rules.year_label(datetime.date(2023, 3, 1)) == "March 2023 to February 2024"


# --- 5. the "since" of a report to partners -------------------------------------------------------------------------


def test_a_report_to_partners_covers_the_changes_since_the_last_one_issued(client, world, settings):
    settings.REPORT_SINCE_DAYS = 45
    assert rules.default_since() == ago(45)
    assert rules.default_since(on=datetime.date(2026, 1, 31)) == datetime.date(2025, 12, 17)

    annual = make_paper(world, Kind.ANNUAL)
    issue(annual, world.member)
    assert rules.default_since() == ago(45)  # an annual report is not a report to partners
    assert not ReportIssue.objects.exists()

    first = make_paper(world, since=ago(100))
    issue(first, world.member)
    first.refresh_from_db()
    assert rules.default_since() == today() == timezone.localdate(first.status_changed_at)
    recorded = ReportIssue.objects.get()
    assert (recorded.since, recorded.issued_by) == (ago(100), world.member)
    # The day it was issued, in London: issued at 00:30 on 1 April there (23:30 UTC on 31 March).
    Paper.objects.filter(pk=first.pk).update(status_changed_at=local(2026, 4, 1, 0, 30))
    assert rules.default_since() == datetime.date(2026, 4, 1)
    client.force_login(world.member)
    page = client.get(url("paper_create", "partners"))
    assert page.context["form"].initial["since"] == datetime.date(2026, 4, 1)

    # The latest issued counts, not a draft, not an earlier one.
    Paper.objects.filter(pk=first.pk).update(status_changed_at=local(2026, 9, 1, 12))
    older = make_paper(world, title="An older report")
    Paper.objects.filter(pk=older.pk).update(status=Paper.Status.ISSUED, content={}, issued_by=world.member,
                                             status_changed_at=local(2026, 6, 1, 12))
    make_paper(world, title="A draft")
    assert rules.default_since() == datetime.date(2026, 9, 1)


# --- 6. a fixed number of queries -----------------------------------------------------------------------------------


def grow(world, n):
    """More of everything a paper shows, ``n`` of each: reviews with plans and actions in every status (overdue,
    verified lately, cancelled) tagged with new themes, agencies, held events with attendance and scheduled ones,
    impact findings, concerns with indicators, data points and log lines, and a closed one."""
    w = world
    for i in range(n):
        agency = factories.agency(kind=Agency.Kind.SOCIAL_CARE)
        theme = factories.theme()
        review = factories.review(published_on=ago(20 + i))
        multi = factories.plan(review)
        own = factories.plan(review, agency)
        overdue = factories.action(multi, agency, status=Status.NOT_STARTED, target_date=ago(5 + i))
        overdue.themes.add(theme)
        factories.action(own, agency, status=Status.IN_PROGRESS, target_date=ago(3))
        verified = factories.action(own, agency, status=Status.VERIFIED)
        verified.themes.add(theme, w.theme)
        factories.action(multi, w.police, status=Status.CANCELLED)
        moved = factories.action(multi, w.health)
        move(w, moved, Status.COMPLETED)
        held_event(w, f"Event {i}", ago(3 + i), {w.police: i + 1, agency: 2}, themes=[theme, w.theme])
        scheduled_event(w, f"Briefing {i}", today() + datetime.timedelta(days=10 + i))
        impact_finding(w, verified, [Finding.EMBEDDED, Finding.PARTLY, Finding.NOT_EMBEDDED][i % 3], ago(1))
        made = concern(w, title=f"Concern {i}", agencies=[w.police, agency], raised_on=ago(30 + i))
        measure = indicator(w, made, name=f"Measure {i}", owner=agency)
        point(measure, w.member, quarters_ago(3), 10 + i)
        point(measure, w.member, quarters_ago(2), 20 + i)
        concern_services.entry_add(concern=made, actor=w.member, text=f"Update {i}.", on=ago(2))
    close_concern(w, concern(w, title="Closed lately", raised_on=ago(50)))


def count_queries(callable_):
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        result = callable_()
    return len(captured.captured_queries), result, [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("kind", Kind.values)
def test_building_a_paper_runs_the_same_number_of_queries_with_more_data(rich, kind, settings):
    w = rich
    # A reporting year that started about six months ago, so that everything ``grow`` dates lately is in it.
    settings.ANNUAL_REPORT_FIRST_MONTH = (today().month - 7) % 12 + 1
    paper = make_paper(w, kind, year_start=rules.year_of(today())) if kind == Kind.ANNUAL else make_paper(w)
    content.build(paper, w.member)  # anything cached once per process (content types) is cached now
    small, small_built, small_sql = count_queries(lambda: content.build(paper, w.member))
    small_figures, small_year, _ = count_queries(lambda: rules.annual_figures(rules.year_of(today())))
    grow(w, 4)
    large, large_built, large_sql = count_queries(lambda: content.build(paper, w.member))
    large_figures, large_year, _ = count_queries(lambda: rules.annual_figures(rules.year_of(today())))
    assert len(str(large_built)) > len(str(small_built)) + 1000  # the paper really shows more the second time
    assert small == large, "\n".join(["--- small", *small_sql, "--- large", *large_sql])
    # The annual figures alone: thirteen queries at most (as papers.rules.annual_figures says; here the year's first
    # day has no snapshot, so it is rebuilt from the progress logs) with a held event or five.
    assert (len(small_year.events_held), len(large_year.events_held)) == (1, 5)
    assert small_figures == large_figures == 13


def test_compliance_on_a_past_day_with_a_snapshot_is_the_snapshot_and_today_is_counted_live(world, settings):
    """The annual report's compliance at the start of the year is that day's snapshot (the trend's figure) when
    there is one; a year not over ends with today's figures, counted live."""
    settings.ANNUAL_REPORT_FIRST_MONTH = (today().month - 7) % 12 + 1
    start = rules.year_of(today())
    rebuilt = rules.annual_figures(start)
    Snapshot.objects.create(date=start, plan=world.multi_plan, lead_agency=world.police, total=10, verified=7)
    Snapshot.objects.create(date=start, plan=world.police_plan, lead_agency=world.police, total=5, cancelled=1)
    recorded = rules.annual_figures(start)
    assert (recorded.compliance_start.verified, recorded.compliance_start.counted) == (7, 14)
    assert recorded.compliance_start.compliance == percentage(7, 14)
    assert (rebuilt.compliance_start.verified, rebuilt.compliance_start.total) != (7, 15)  # so it could fail
    assert recorded.compliance_end == figures_for(Action.objects.all(), today())


def test_the_list_of_papers_runs_the_same_number_of_queries_with_one_paper_or_five(client, world):
    client.force_login(world.chair)

    def listed():
        response = client.get(url("papers"))
        assert response.status_code == 200
        return response

    def add(i, issued):
        author = factories.user(Role.MEMBER)
        kind = Kind.ANNUAL if i % 2 else Kind.PARTNERS
        paper = services.paper_create(actor=author, kind=kind, **paper_values(kind, title=f"Paper {i}"))
        if issued:
            Paper.objects.filter(pk=paper.pk).update(status=Paper.Status.ISSUED, content={}, issued_by=author,
                                                     status_changed_at=timezone.now())
        return paper

    add(0, issued=False)
    listed()
    with CaptureQueriesContext(connection) as one:
        page = listed()
    assert [p.title for p in page.context["drafts"]] == ["Paper 0"]
    for i in range(1, 5):
        add(i, issued=i % 2 == 0)
    with CaptureQueriesContext(connection) as five:
        page = listed()
    assert len(page.context["drafts"]) == 3 and len(page.context["issued"]) == 2
    assert "Paper 4" in text_of(page)
    assert len(one) == len(five), "\n".join(q["sql"] for q in five.captured_queries)


# --- 7. who may do what ---------------------------------------------------------------------------------------------


def test_agency_users_and_the_consultant_see_no_paper(client, world):
    paper = make_paper(world)
    for user in (world.agency_user, world.consultant):
        client.force_login(user)
        assert client.get(url("papers")).status_code == 403
        for name, args in (("paper", [paper.pk]), ("paper_view", [paper.pk]), ("download", [paper.pk, "pdf"]),
                           ("download", [paper.pk, "docx"]), ("paper_edit", [paper.pk])):
            assert client.get(url(name, *args)).status_code in (403, 404), (user, name)
        assert client.get(url("paper_create", "partners")).status_code == 403
        assert client.post(url("paper_create", "partners"), form_data()).status_code == 403
        assert client.post(url("paper_issue", paper.pk)).status_code in (403, 404)
        with pytest.raises(PermissionDenied):
            services.paper_issue(paper=paper, actor=user)
    assert Paper.objects.get().status == Paper.Status.DRAFT and Paper.objects.count() == 1


def test_the_chair_reads_and_downloads_papers_but_cannot_create_edit_or_issue_them(client, world):
    draft = make_paper(world)
    issued = make_paper(world, title="Issued report")
    issue(issued, world.member)
    client.force_login(world.chair)
    listed = client.get(url("papers"))
    assert listed.status_code == 200 and "New report to partners" not in text_of(listed)
    for paper in (draft, issued):
        page = client.get(url("paper", paper.pk))
        assert page.status_code == 200 and "Issue the paper" not in text_of(page)
        assert client.get(url("paper_view", paper.pk)).status_code == 200
        assert download(client, paper, "docx")
    assert download(client, issued, "pdf").startswith(b"%PDF")
    assert client.get(url("paper_create", "partners")).status_code == 403
    assert client.post(url("paper_create", "annual"), form_data(Kind.ANNUAL)).status_code == 403
    assert client.get(url("paper_edit", draft.pk)).status_code == 403
    assert client.post(url("paper_issue", draft.pk)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.paper_update(paper=draft, actor=world.chair, introduction="Mine.")
    assert Paper.objects.get(pk=draft.pk).status == Paper.Status.DRAFT and Paper.objects.count() == 2
    assert not PaperFile.objects.filter(paper=draft).exists()
