"""The latest word on every action: the latest progress entry (date, who, first line of the note) in the action
lists, on the plan, review and dashboard pages, in the CSV and XLSX exports and beside every overdue action of the
board report, at a fixed number of queries."""

import csv
import datetime
import io

import openpyxl
import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans import lifecycle
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status, today
from actionplans.selectors import first_line, latest_progress, with_latest_progress
from tests import factories

LONG = "Training delivered to " + "forty-two health visitors " * 10


@pytest.mark.parametrize(
    ("note", "shown"),
    [
        ("Training booked for March.", "Training booked for March."),
        ("First line.\nSecond line.", "First line.…"),
        ("  Padded first line.  \r\nThen more.", "Padded first line.…"),
        ("One line, then a blank one.\n\n", "One line, then a blank one."),
        (LONG, LONG[:120].rstrip() + "…"),
        ("x" * 120, "x" * 120),
        ("", ""),
    ],
)
def test_the_first_line_is_the_note_up_to_its_first_break_cut_to_120_characters(note, shown):
    assert first_line(note) == shown


@pytest.fixture
def progress(world):
    """Two entries on the world's 1.1 (the later one by the police user), none on P.1, and an overdue action
    of the police with one long entry by a member with no name (so shown by username)."""
    w = world
    w.agency_user.first_name, w.agency_user.last_name = "Pat", "Constable"
    w.agency_user.save()
    lifecycle.record_progress(action=w.multi_action, actor=w.member, status=Status.IN_PROGRESS,
                              note="Scoping the audit.", seen_status=Status.IN_PROGRESS)
    lifecycle.record_progress(action=w.multi_action, actor=w.agency_user, status=Status.IN_PROGRESS,
                              note="Audit of 40 cases started.\nFindings due in May.", seen_status=Status.IN_PROGRESS)
    w.late = factories.action(w.multi_plan, w.police, reference="1.9", status=Status.IN_PROGRESS,
                              target_date=today() - datetime.timedelta(days=9))
    w.nameless = factories.user(username="m.nameless", role="member")
    w.nameless.first_name = w.nameless.last_name = ""
    w.nameless.save()
    lifecycle.record_progress(action=w.late, actor=w.nameless, status=Status.IN_PROGRESS, note=LONG,
                              seen_status=Status.IN_PROGRESS)
    return w


def _on(action):
    return action.progress_updates.order_by("-created_at", "-id").first().created_at


def test_the_helper_reads_the_latest_entry_of_each_action(progress):
    w = progress
    actions = {a.pk: a for a in with_latest_progress(Action.objects.all())}
    latest = latest_progress(actions[w.multi_action.pk])
    assert (latest.by, latest.line) == ("Pat Constable", "Audit of 40 cases started.…")
    assert latest.on == timezone.localdate(_on(w.multi_action))
    assert latest_progress(actions[w.police_action.pk]) is None
    assert latest_progress(actions[w.late.pk]).by == "m.nameless"


def test_the_latest_is_by_time_then_by_the_later_entry(progress):
    w = progress
    first, second = w.multi_action.progress_updates.order_by("id")
    moment = timezone.now() - datetime.timedelta(days=2)
    ProgressUpdate.objects.filter(pk=first.pk).update(created_at=moment + datetime.timedelta(hours=1))
    ProgressUpdate.objects.filter(pk=second.pk).update(created_at=moment)
    action = with_latest_progress(Action.objects.filter(pk=w.multi_action.pk)).get()
    assert latest_progress(action).line == "Scoping the audit."
    ProgressUpdate.objects.filter(pk=first.pk).update(created_at=moment)  # a tie: the later entry wins
    action = with_latest_progress(Action.objects.filter(pk=w.multi_action.pk)).get()
    assert latest_progress(action).line == "Audit of 40 cases started.…"


def test_an_action_not_read_through_the_helper_is_an_error_not_a_silent_none(world):
    with pytest.raises(Exception, match="with_latest_progress"):
        latest_progress(Action.objects.get(pk=world.multi_action.pk))


def _row_of(html, action):
    # The action's row of the table (the review page links its actions from its recommendations first).
    start = html.index(f'href="{action.get_absolute_url()}"', html.index("<tbody>"))
    return html[start:html.index("</tr>", start)]


@pytest.mark.parametrize(
    "page",
    ["actionplans:action_list", "actionplans:my_actions", "actionplans:plan_detail", "reviews:detail",
     "dashboard:review", "dashboard:agency"],
)
def test_the_pages_show_the_latest_progress_column(client, progress, page):
    w = progress
    client.force_login(w.agency_user)
    args = {"actionplans:plan_detail": [w.multi_plan.pk], "reviews:detail": [w.review.pk],
            "dashboard:review": [w.review.pk], "dashboard:agency": [w.police.pk]}.get(page, [])
    html = client.get(reverse(page, args=args)).content.decode()
    assert '<th scope="col">Latest progress</th>' in html
    late = _row_of(html, w.late)
    assert "m.nameless" in late and LONG[:120].rstrip() + "…" in late and LONG not in late
    if page.startswith("dashboard:"):
        return  # the dashboard's pages list the overdue actions only
    row = _row_of(html, w.multi_action)
    on = timezone.localdate(_on(w.multi_action))
    assert f'<span class="text-nowrap">{on.day} {on:%b %Y}</span>, Pat Constable:' in row
    assert "Audit of 40 cases started.…" in row
    assert "Findings due in May" not in row and "Scoping the audit" not in row
    silent = w.multi_action_health if page == "actionplans:plan_detail" else w.police_action  # 1.2 or P.1
    assert "No progress recorded" in _row_of(html, silent)


def _export(client, name):
    response = client.get(reverse(name))
    if name.endswith("csv"):
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Actions"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("name", ["dashboard:export_csv", "dashboard:export_xlsx"])
def test_the_exports_have_the_latest_progress_columns(client, progress, name):
    w = progress
    client.force_login(w.chair)
    header, *rows = _export(client, name)
    date, by, note = (header.index(h) for h in ("Latest progress date", "Latest progress by", "Latest progress"))
    action_column = header.index("Action")
    by_reference = {row[action_column]: row for row in rows}
    on = timezone.localdate(_on(w.multi_action))
    row = by_reference["1.1"]
    if name.endswith("csv"):
        assert row[date] == on.isoformat()
        assert by_reference["P.1"][date:note + 1] == ["", "", ""]
    else:
        assert row[date].date() == on  # a real date in the workbook
        assert by_reference["P.1"][date:note + 1] == [None, None, None]
    assert (row[by], row[note]) == ("Pat Constable", "Audit of 40 cases started.…")
    assert by_reference["1.9"][by] == "m.nameless"


def test_the_board_report_shows_the_latest_progress_beside_each_overdue_action(client, progress):
    w = progress
    factories.action(w.multi_plan, w.health, reference="1.8", status=Status.NOT_STARTED,
                     target_date=today() - datetime.timedelta(days=3))
    client.force_login(w.chair)
    html = client.get(reverse("dashboard:report")).content.decode()
    assert '<th scope="col">Latest progress</th>' in html
    start = html.index("<td>1.9</td>")
    row = html[start:html.index("</tr>", start)]
    assert "m.nameless" in row and LONG[:120].rstrip() + "…" in row
    start = html.index("<td>1.8</td>")
    assert "No progress recorded" in html[start:html.index("</tr>", start)]
    pdf = client.get(reverse("dashboard:report_pdf")).content
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Latest progress" in text and "m.nameless" in text and "No progress recorded" in text


@pytest.mark.parametrize("url", ["actionplans:action_list", "dashboard:export_csv"])
def test_the_latest_progress_costs_no_query_per_action(client, world, url):
    client.force_login(world.member)

    def add(n):
        for i in range(n):
            action = factories.action(world.multi_plan, world.police, status=Status.IN_PROGRESS)
            for k in range(2):
                lifecycle.record_progress(action=action, actor=world.agency_user, status=Status.IN_PROGRESS,
                                          note=f"Step {i}.{k}", seen_status=Status.IN_PROGRESS)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url))
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        return len(queries), body.count(b"Step ")

    add(2)
    few, few_shown = count()
    add(15)
    many, many_shown = count()
    assert few == many and many_shown > few_shown >= 2
