"""Charts as accessible SVG, and the board report as HTML and PDF."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans.rules import Figures, Status, today
from dashboard import charts, services
from dashboard.selectors import TrendPoint
from tests import factories


def test_a_chart_is_an_svg_image_with_a_title_a_description_and_axis_labels():
    d = today()
    trend = [TrendPoint(d - datetime.timedelta(days=7), Figures(total=4, verified=1)), TrendPoint(d, Figures(total=4, verified=2))]
    svg = str(charts.compliance_chart(trend, "SCR-1 <b>"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "<title id=" in svg and "Compliance over time: SCR-1 &lt;b&gt;" in svg
    assert "<desc id=" in svg and "25%" in svg and "50%" in svg
    assert "Compliance (%)" in svg and ">Date<" in svg


def test_a_chart_of_one_point_or_none_still_draws():
    assert "<circle" in str(charts.overdue_chart([TrendPoint(today(), Figures(total=2, overdue=1))], "x"))
    assert "No figures yet" in str(charts.overdue_chart([], "x"))


def _bar(figures):
    """The BRAG bar's coloured segments as (x, width, fill) and its letters, in drawing order."""
    svg = str(charts.brag_bar(figures))
    segments = [(float(x), float(w), fill) for x, w, fill in
                re.findall(r'<rect x="([\d.]+)" width="([\d.]+)" height="16" fill="(#[0-9a-f]+)"/>', svg)]
    return svg, segments, re.findall(r">([A-Z])</text>", svg)


BLUE, RED, AMBER, GREEN = "#0b4f9c", "#b02a37", "#ffc107", "#146c43"


def test_the_brag_bar_shows_letters_and_leaves_meaning_to_the_text_beside_it():
    # 4 Blue, 3 Red, 2 Amber and 1 Green of 10 on a 160-pixel bar: 64, 48, 32 and 16 pixels, each wide enough
    # (12 pixels or more) for its letter.
    svg, segments, letters = _bar(Figures(total=10, verified=4, overdue=3, due_soon=2))
    assert 'aria-hidden="true"' in svg
    assert segments == [(0.0, 64.0, BLUE), (64.0, 48.0, RED), (112.0, 32.0, AMBER), (144.0, 16.0, GREEN)]
    assert letters == ["B", "R", "A", "G"]


def test_the_brag_bar_leaves_the_letter_off_a_narrow_segment_and_draws_nothing_for_none():
    # 10 Blue, 9 Red, no Amber, 1 Green of 20: the Green segment is 8 pixels, too narrow for a letter.
    _, segments, letters = _bar(Figures(total=20, verified=10, overdue=9))
    assert segments == [(0.0, 80.0, BLUE), (80.0, 72.0, RED), (152.0, 8.0, GREEN)]
    assert letters == ["B", "R"]


def test_the_brag_bar_leaves_cancelled_actions_out():
    # 10 actions, 2 cancelled: the bar shares its width among the 8 counted (4 Blue, 3 Red, 1 Green).
    _, segments, letters = _bar(Figures(total=10, cancelled=2, verified=4, overdue=3))
    assert segments == [(0.0, 80.0, BLUE), (80.0, 60.0, RED), (140.0, 20.0, GREEN)]
    assert letters == ["B", "R", "G"]
    assert _bar(Figures(total=2, cancelled=2))[1:] == ([], [])


def test_the_dashboard_shows_the_trend_as_a_chart_and_a_table(client, world):
    client.force_login(world.chair)
    html = client.get(reverse("dashboard:index")).content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 2
    assert "<details" in html and "The trend's numbers as a table" in html
    assert "<caption>Compliance and overdue actions, one row a week" in html


@pytest.fixture
def report_data(world):
    d = today()
    factories.action(world.multi_plan, world.police, reference="9.1", description="Audit pre-birth assessments",
                     status=Status.NOT_STARTED, target_date=d - datetime.timedelta(days=9))
    verified = factories.action(world.police_plan, world.police, reference="9.2", description="Train all officers",
                                status=Status.VERIFIED)
    verified.status_changed_at = timezone.now() - datetime.timedelta(days=3)
    verified.save()
    old = factories.action(world.police_plan, world.police, reference="9.3", status=Status.VERIFIED)
    old.status_changed_at = timezone.now() - datetime.timedelta(days=90)
    old.save()
    world.health_action.themes.add(world.theme)
    services.snapshot_take(on=d - datetime.timedelta(days=7))
    return world


def test_the_report_html_has_the_sections_of_the_board_paper(client, report_data):
    w = report_data
    client.force_login(w.chair)
    response = client.get(reverse("dashboard:report"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Implementation of action plans from serious case reviews", "Headline figures", "The reviews",
                 "The agencies", "The themes", "Trend", w.review.reference, w.police.name, w.theme.name,
                 "Overdue actions of", "Audit pre-birth assessments", "Train all officers"]:
        assert text in html, text
    report = response.context["report"]
    assert report.since == today() - datetime.timedelta(days=30)
    assert [a.reference for row in report.reviews for a in row.verified_since] == ["9.2"]
    theme = next(row for row in report.themes if row.obj == w.theme)
    assert theme.figures.total == 1
    assert 'role="img"' in html


def test_the_report_takes_its_since_date_from_the_query(client, report_data):
    client.force_login(report_data.chair)
    since = today() - datetime.timedelta(days=120)
    report = client.get(reverse("dashboard:report") + f"?since={since}").context["report"]
    assert report.since == since and report.verified_since == 2
    assert client.get(reverse("dashboard:report") + "?since=not-a-date").status_code == 200


def test_an_agency_users_report_leaves_out_other_agencies_own_plans(client, report_data):
    client.force_login(report_data.agency_user)
    report = client.get(reverse("dashboard:report")).context["report"]
    assert report.figures.total == 6  # 1.1, 1.2, P.1, 9.1, 9.2, 9.3 — not health's own H.1


def test_the_report_pdf_is_a_pdf_with_the_reports_text(client, report_data):
    client.force_login(report_data.chair)
    response = client.get(reverse("dashboard:report_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 5000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
        text = text.decode()
        for expected in ["Implementation of action plans", "Headline figures", report_data.review.reference,
                         "Audit pre-birth", "Appendix", "Days overdue"]:
            assert expected in " ".join(text.split()), expected
