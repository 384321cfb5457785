"""Exports of the action list: the filters applied, the reader's access respected, formulas neutralised."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from actionplans.rules import Status, today
from dashboard.exports import neutralise
from tests import factories


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Actions"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def risky(world):
    return factories.action(
        world.multi_plan,
        world.police,
        reference="=1+2",
        description='=HYPERLINK("http://evil.invalid","click")',
        status=Status.NOT_STARTED,
        target_date=today() - datetime.timedelta(days=12),
    )


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_it_neutralises_text_a_spreadsheet_would_run(value):
    assert neutralise(value) == "'" + value


def test_it_leaves_ordinary_values_alone():
    assert neutralise("Deliver training") == "Deliver training"
    assert neutralise(12) == 12
    assert neutralise(-3) == -3  # numbers are numbers, not text


def test_csv_has_the_columns_rows_and_neutralised_text(client, world, risky):
    client.force_login(world.chair)
    rows = csv_rows(client.get(reverse("dashboard:export_csv")))
    header, body = rows[0], rows[1:]
    assert header[:12] == [
        "Review", "Action plan", "Action", "What will be done", "Lead agency", "Responsible officer",
        "Target date", "Original target date", "Target date moves", "Status", "BRAG", "Days overdue",
    ]
    assert len(body) == 5
    row = next(r for r in body if r[2] == "'=1+2")
    assert row[3] == "'=HYPERLINK(\"http://evil.invalid\",\"click\")"
    assert row[0] == world.review.reference and row[4] == world.police.name
    assert row[6] == (today() - datetime.timedelta(days=12)).isoformat()
    assert row[7:12] == [row[6], "0", "Not started", "Red", "12"]  # never moved: the original date is the date


def test_xlsx_has_the_same_rows_as_text_and_real_dates(client, world, risky):
    client.force_login(world.chair)
    response = client.get(reverse("dashboard:export_xlsx"))
    rows = xlsx_rows(response)
    assert rows[0][0] == "Review" and len(rows) == 6
    # The text as typed, no apostrophe in it: the cell is text, with Excel's quote-prefix style.
    row = next(r for r in rows[1:] if r[2] == "=1+2")
    assert row[3] == '=HYPERLINK("http://evil.invalid","click")'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Actions"]
    cells = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == "=1+2")
    assert [(c.data_type, c.quotePrefix) for c in cells[2:4]] == [("s", True), ("s", True)]
    assert (cells[1].data_type, cells[1].quotePrefix) == ("s", False)  # plain text keeps the plain style
    assert row[6].date() == today() - datetime.timedelta(days=12)
    assert row[7].date() == row[6].date() and row[8] == 0
    assert row[10] == "Red" and row[11] == 12


@pytest.mark.parametrize("name", ["dashboard:export_csv", "dashboard:export_xlsx"])
def test_exports_apply_the_list_filters(client, world, risky, name):
    client.force_login(world.chair)
    url = reverse(name) + f"?overdue=yes&lead_agency={world.police.pk}"
    response = client.get(url)
    rows = csv_rows(response) if name.endswith("csv") else xlsx_rows(response)
    assert [r[2] for r in rows[1:]] == (["'=1+2"] if name.endswith("csv") else ["=1+2"])
    listed = client.get(reverse("actionplans:action_list") + f"?overdue=yes&lead_agency={world.police.pk}")
    assert listed.context["page"].paginator.count == 1


@pytest.mark.parametrize("name", ["dashboard:export_csv", "dashboard:export_xlsx"])
def test_an_agency_user_never_exports_other_agencies_own_plans(client, world, name):
    client.force_login(world.agency_user)  # police
    response = client.get(reverse(name))
    rows = csv_rows(response) if name.endswith("csv") else xlsx_rows(response)
    references = {r[2] for r in rows[1:]}
    assert references == {"1.1", "1.2", "P.1"}  # not health's own H.1
    response = client.get(reverse(name) + f"?plan={world.health_plan.pk}")
    rows = csv_rows(response) if name.endswith("csv") else xlsx_rows(response)
    assert "H.1" not in {r[2] for r in rows[1:]}


def test_export_from_my_actions_keeps_to_my_actions(client, world):
    client.force_login(world.agency_user)
    page = client.get(reverse("actionplans:my_actions")).content.decode()
    assert f'{reverse("dashboard:export_csv")}?mine=1' in page
    rows = csv_rows(client.get(reverse("dashboard:export_csv") + "?mine=1"))
    assert {r[2] for r in rows[1:]} == {"1.1", "P.1"}  # led by the police


def test_the_action_list_offers_both_downloads_with_its_filters(client, world):
    client.force_login(world.chair)
    page = client.get(reverse("actionplans:action_list") + "?status=in_progress&page=1").content.decode()
    assert f'{reverse("dashboard:export_csv")}?status=in_progress"' in page
    assert f'{reverse("dashboard:export_xlsx")}?status=in_progress"' in page
