"""The dashboard's figures: right against a plain count, limited to what each role may see, every number a link
to a list of exactly that many actions, sortable, and one click from everyone's home page."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from accounts.models import Role
from actionplans.models import Action
from actionplans.rules import Status, today
from tests import factories

S = Status


@pytest.fixture
def data(world):
    """The world plus actions in every status and date band, a second review, and an agency with no actions."""
    d = today()
    w = world
    w.idle = factories.agency(name="Idle Housing Trust", short_name="Housing")
    w.second = factories.review()
    second_multi = factories.plan(w.second)
    second_police = factories.plan(w.second, w.police)
    cases = [
        (w.multi_plan, w.police, S.NOT_STARTED, -10),  # overdue
        (w.multi_plan, w.health, S.IN_PROGRESS, -1),  # overdue by one day
        (w.multi_plan, w.health, S.IN_PROGRESS, 0),  # due today: due soon, not overdue
        (w.multi_plan, w.police, S.NOT_STARTED, 30),  # due soon, last day
        (w.multi_plan, w.police, S.IN_PROGRESS, 31),  # not due soon yet
        (w.police_plan, w.police, S.COMPLETED, -5),  # completed late: not overdue
        (w.police_plan, w.police, S.VERIFIED, -50),
        (w.health_plan, w.health, S.VERIFIED, 10),
        (w.health_plan, w.health, S.CANCELLED, -20),  # cancelled: out of every percentage
        (w.health_plan, w.health, S.NOT_STARTED, -3),  # overdue, in health's own plan
        (second_multi, w.health, S.CANCELLED, 5),
        (second_multi, w.board, S.COMPLETED, 40),
        (second_police, w.police, S.IN_PROGRESS, -2),
        (second_police, w.police, S.VERIFIED, 3),
    ]
    for i, (plan, lead, status, days) in enumerate(cases):
        factories.action(plan, lead, reference=f"D{i}", status=status, target_date=d + datetime.timedelta(days=days))
    return w


def plain_counts(actions):
    """The DOMAIN.md definitions, counted by hand, independent of actionplans.rules."""
    d = today()
    actions = list(actions)
    open_ = [a for a in actions if a.status in ("not_started", "in_progress")]
    counted = [a for a in actions if a.status != "cancelled"]
    verified = sum(a.status == "verified" for a in actions)
    done = sum(a.status in ("completed", "verified") for a in actions)
    return {
        "total": len(actions),
        "cancelled": len(actions) - len(counted),
        "overdue": sum(a.target_date < d for a in open_),
        "due_soon": sum(d <= a.target_date <= d + datetime.timedelta(days=30) for a in open_),
        "compliance": round(100 * verified / len(counted)) if counted else None,
        "completion": round(100 * done / len(counted)) if counted else None,
    }


def shown(figures):
    return {name: getattr(figures, name) for name in ("total", "cancelled", "overdue", "due_soon", "compliance", "completion")}


def dashboard(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("dashboard:index") + query)
    assert response.status_code == 200
    return response


def test_it_matches_a_plain_count_for_the_chair(client, data):
    d = dashboard(client, data.chair).context["dashboard"]
    everything = Action.objects.all()
    assert shown(d.figures) == plain_counts(everything)
    assert {row.obj.pk: shown(row.figures) for row in d.reviews} == {
        review.pk: plain_counts(everything.filter(plan__review=review)) for review in [data.review, data.second]
    }
    agencies = {row.obj.pk: shown(row.figures) for row in d.agencies}
    for agency in [data.board, data.police, data.health, data.idle]:
        assert agencies[agency.pk] == plain_counts(everything.filter(lead_agency=agency))
    assert agencies[data.idle.pk] == {**plain_counts([]), "total": 0}


def test_an_agency_user_does_not_count_other_agencies_single_agency_plans(client, data):
    d = dashboard(client, data.agency_user).context["dashboard"]  # police
    visible = Action.objects.exclude(plan__agency=data.health)
    assert shown(d.figures) == plain_counts(visible)
    health = next(row for row in d.agencies if row.obj.pk == data.health.pk)
    assert shown(health.figures) == plain_counts(visible.filter(lead_agency=data.health))
    assert health.figures.total == 3 + 1  # the multi-agency ones only: world's 1.2 and three of the cases


LINK = re.compile(r'<a href="(/actions/\?[^"]*)">(\d+)<')


@pytest.mark.parametrize("role", ["chair", "agency_user"])
@pytest.mark.parametrize("page", ["index", "review", "agency"])
def test_every_number_links_to_a_list_of_that_many_actions(client, data, role, page):
    user = getattr(data, role)
    client.force_login(user)
    url = {
        "index": reverse("dashboard:index"),
        "review": reverse("dashboard:review", args=[data.review.pk]),
        "agency": reverse("dashboard:agency", args=[data.health.pk]),
    }[page]
    html = client.get(url).content.decode()
    links = {(unescape(href), int(number)) for href, number in LINK.findall(html)}
    assert len(links) > 20
    for href, number in sorted(links):
        listed = client.get(href)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == number, href


def test_the_tables_sort_on_the_server(client, data):
    by_total = dashboard(client, data.chair, "?sort=-total").context["dashboard"]
    totals = [row.figures.total for row in by_total.agencies]
    assert totals == sorted(totals, reverse=True)
    by_name = dashboard(client, data.chair, "?sort=name").context["dashboard"]
    names = [row.name.lower() for row in by_name.agencies]
    assert names == sorted(names)
    by_compliance = dashboard(client, data.chair, "?sort=compliance").context["dashboard"]
    values = [row.figures.compliance for row in by_compliance.agencies]
    known = [v for v in values if v is not None]
    assert known == sorted(known) and values[len(known):] == [None] * (len(values) - len(known))
    assert 'aria-sort="ascending"' in dashboard(client, data.chair, "?sort=compliance").content.decode()


def sort_link(html, label):
    """The href of the column header whose text starts with ``label``."""
    return unescape(re.search(rf'<th scope="col"[^>]*><a href="([^"]+)">{label}<', html).group(1))


@pytest.mark.parametrize(
    ("label", "first", "worst_first"),
    [("Overdue", "-overdue", True), ("Due in 30 days", "-due_soon", True), ("Compliance", "compliance", False)],
)
def test_a_first_click_on_a_number_column_shows_the_worst_first_and_a_second_reverses(
    client, data, label, first, worst_first
):
    html = dashboard(client, data.chair, "?sort=name").content.decode()
    href = sort_link(html, label)
    assert f"sort={first}" in href
    key = first.lstrip("-")

    def values(response):
        rows = response.context["dashboard"].agencies
        found = [row.evidence.items if key == "evidence" else getattr(row.figures, key) for row in rows]
        return [v for v in found if v is not None]

    response = client.get(reverse("dashboard:index") + href)
    assert values(response) == sorted(values(response), reverse=worst_first)
    assert len(set(values(response))) > 1  # the order is really tested
    again = client.get(reverse("dashboard:index") + sort_link(response.content.decode(), label))
    assert values(again) == sorted(values(again), reverse=not worst_first)


def test_without_a_chosen_order_the_tables_show_the_most_overdue_first_and_say_so(client, data):
    response = dashboard(client, data.chair)
    overdue = [row.figures.overdue for row in response.context["dashboard"].agencies]
    assert overdue == sorted(overdue, reverse=True) and len(set(overdue)) > 1
    header = re.search(r'<th scope="col"([^>]*)><a href="[^"]+">Overdue<', response.content.decode()).group(1)
    assert 'aria-sort="descending"' in header
    # Its first click reverses the order, as a second click on any column does.
    assert "sort=overdue" in sort_link(response.content.decode(), "Overdue")


def test_it_ignores_an_unknown_sort(client, data):
    dashboard(client, data.chair, "?sort=drop+table")


@pytest.mark.parametrize(("role", "start"), [
    ("chair", "dashboard:index"), ("member", "dashboard:index"), ("consultant", "dashboard:index"),
    ("admin", "dashboard:index"), ("agency_user", "actionplans:my_actions"),
])
def test_everyone_lands_on_their_home_page_one_click_from_the_dashboard(client, world, role, start):
    # The home page (tests/test_home.py) is each person's work; the dashboard and "My actions" are in the menu.
    client.force_login(getattr(world, role))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{reverse("dashboard:index")}">Dashboard</a>' in page
    assert f'href="{reverse(start)}"' in page


def test_the_review_page_shows_its_figures_overdue_actions_and_trend(client, data):
    client.force_login(data.chair)
    response = client.get(reverse("dashboard:review", args=[data.review.pk]))
    scope = response.context["scope"]
    assert shown(scope.figures) == plain_counts(Action.objects.filter(plan__review=data.review))
    assert {a.reference for a in scope.overdue} == {"D0", "D1", "D9"}
    html = response.content.decode()
    assert "<svg" in html and "Compliance over time" in html
    review_page = client.get(reverse("reviews:detail", args=[data.review.pk])).content.decode()
    assert reverse("dashboard:review", args=[data.review.pk]) in review_page


def test_the_agency_page_counts_only_what_the_reader_may_see(client, data):
    client.force_login(data.agency_user)  # police looks at health
    scope = client.get(reverse("dashboard:agency", args=[data.health.pk])).context["scope"]
    assert shown(scope.figures) == plain_counts(Action.objects.filter(lead_agency=data.health, plan__agency=None))
    assert "D9" not in {a.reference for a in scope.overdue}  # health's own plan
    client.force_login(data.other)  # health looks at itself
    scope = client.get(reverse("dashboard:agency", args=[data.health.pk])).context["scope"]
    assert "D9" in {a.reference for a in scope.overdue}


def test_unknown_review_or_agency_is_404(client, data):
    client.force_login(data.chair)
    assert client.get(reverse("dashboard:review", args=[9999])).status_code == 404
    assert client.get(reverse("dashboard:agency", args=[9999])).status_code == 404


def test_the_dashboard_needs_a_login(client, db):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_a_new_system_shows_todays_point(client, world):
    factories.user(Role.CHAIR, username="newchair")
    d = dashboard(client, world.chair).context["dashboard"]
    assert [p.date for p in d.trend] == [today()]


def test_a_long_overdue_list_is_cut_short_with_a_link_to_all_of_them(client, data, monkeypatch):
    monkeypatch.setattr("dashboard.selectors.OVERDUE_SHOWN", 2)
    client.force_login(data.chair)
    response = client.get(reverse("dashboard:review", args=[data.review.pk]))
    assert [a.reference for a in response.context["scope"].overdue] == ["D0", "D9"]
    assert "The 2 longest overdue of <a href=" in response.content.decode()
    assert "all 3 overdue actions" in response.content.decode()
