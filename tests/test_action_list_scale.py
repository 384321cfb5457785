"""The action list at any size (README, "Action list performance"): a review field that is a drop-down up to
REVIEW_DROP_DOWN_MAX reviews and a text box for a reference above it, plan options that depend on the chosen
review (and on what the reader may see), drop-downs written in one pass with the same HTML, an elided pager, and
a number of queries that stays the same when reviews, plans and actions multiply."""

import datetime
import re
from html import unescape

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import filters
from actionplans.rules import today
from scrsystem.widgets import FastSelect
from tests import factories


def _list(client, query=""):
    response = client.get(reverse("actionplans:action_list") + query)
    assert response.status_code == 200
    return response, response.content.decode()


def _field(html, name):
    """The HTML of one filter field's block (label, control, error and hint)."""
    match = re.search(rf'<div id="div_id_{name}" class="[^"]*">(.*?)</div>\s*</div>', html, re.S)
    assert match, f"no {name} field on the page"
    return match.group(1)


def _options(html, name):
    """(value, label, selected) of each option of the drop-down ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} drop-down on the page"
    return [
        (value, unescape(label), bool(selected))
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))
    ]


def _listed(response):
    return set(response.context["page"].paginator.object_list)


@pytest.fixture
def many_reviews(monkeypatch, world):
    """More reviews than the drop-down holds (its limit lowered to 2): the review field becomes a text box."""
    monkeypatch.setattr(filters, "REVIEW_DROP_DOWN_MAX", 2)
    second = factories.review(reference="SCR-2009-02")
    plan = factories.plan(second)
    action = factories.action(plan, world.police, reference="2.1")
    factories.review(reference="SCR-2009-03")
    return second, action


# The review field: a text box for a reference above the limit.


def test_above_the_limit_the_review_field_is_a_text_box_with_a_label_and_a_hint(client, world, many_reviews):
    client.force_login(world.chair)
    _, html = _list(client)
    field = _field(html, "review")
    assert re.search(r'<label\s+for="id_review" class="form-label">\s*Review\s*</label>', field)
    assert re.search(r'<input type="text" name="review" class="[^"]*form-control[^"]*"[^>]*aria-describedby="id_review_helptext"', field)
    assert '<div id="id_review_helptext" class="form-text">Type the review&#x27;s reference, for example SCR-2009-01.' in field
    assert '<select name="review"' not in html
    assert "SCR-2009-03" not in html  # no option for every review


@pytest.mark.parametrize("typed", ["SCR-2009-02", "scr-2009-02", "  Scr-2009-02 "])
def test_a_typed_reference_in_any_capitals_lists_that_reviews_actions(client, world, many_reviews, typed):
    second, action = many_reviews
    client.force_login(world.chair)
    response, html = _list(client, "?review=" + typed.replace(" ", "+"))
    assert _listed(response) == {action}
    assert re.search(r'<input type="text" name="review" value="SCR-2009-02"', _field(html, "review"))
    assert "is-invalid" not in _field(html, "review")


def test_a_link_with_the_reviews_id_still_filters_and_shows_its_reference(client, world, many_reviews):
    second, action = many_reviews
    client.force_login(world.chair)
    response, html = _list(client, f"?review={second.pk}")
    assert _listed(response) == {action}
    assert re.search(r'<input type="text" name="review" value="SCR-2009-02"', _field(html, "review"))


def test_a_reference_that_matches_nothing_is_named_beside_the_field_and_changes_nothing_else(client, world, many_reviews):
    client.force_login(world.chair)
    response, html = _list(client, "?review=SCR-1999-<b>&status=in_progress")
    field = _field(html, "review")
    assert '<span id="error_1_id_review"><strong>No review has the reference “SCR-1999-&lt;b&gt;”.</strong></span>' in field
    assert re.search(r'<input type="text" name="review" value="SCR-1999-&lt;b&gt;" class="[^"]*is-invalid', field)
    assert 'aria-describedby="id_review_helptext id_review_error"' in field
    assert "<b>" not in html
    # The other filters still apply; the review filter, which matched nothing, is not applied.
    second, action = many_reviews
    assert _listed(response) == {world.multi_action, world.multi_action_health, world.police_action,
                                 world.health_action, action}
    assert _listed(_list(client, "?review=SCR-1999-X&status=completed")[0]) == set()


def test_a_long_or_numeric_value_that_names_no_review_is_refused_in_words(client, world, many_reviews):
    client.force_login(world.chair)
    for value in ["9" * 40, "99999", "x" * 31]:
        response, html = _list(client, f"?review={value}")
        assert f"No review has the reference “{value}”." in unescape(_field(html, "review"))
        assert response.context["filter"].form.errors["review"]


# The review field up to the limit: the drop-down, as before.


def test_up_to_the_limit_the_review_field_is_a_drop_down_of_every_review(client, world):
    other = factories.review(reference="SCR-2009-05")
    client.force_login(world.chair)
    _, html = _list(client, f"?review={other.pk}")
    assert _options(html, "review") == [
        ("", "Any review", False),
        (str(other.pk), str(other), True),
        (str(world.review.pk), str(world.review), False),
    ]
    assert 'name="review" type' not in html and '<input type="text" name="review"' not in html


def test_in_the_drop_down_a_typed_reference_in_the_url_selects_its_review(client, world):
    client.force_login(world.chair)
    response, html = _list(client, f"?review={world.review.reference.lower()}")
    assert [o for o in _options(html, "review") if o[2]] == [(str(world.review.pk), str(world.review), True)]
    assert _listed(response) == {world.multi_action, world.multi_action_health, world.police_action, world.health_action}


# The plan field depends on the review.


def test_with_no_review_chosen_the_plan_field_offers_no_plans_and_says_why(client, world):
    client.force_login(world.chair)
    _, html = _list(client)
    assert _options(html, "plan") == [("", "Any plan", True)]
    field = _field(html, "plan")
    assert '<div id="id_plan_helptext" class="form-text">Choose a review first to pick one of its plans.' in field
    assert 'aria-describedby="id_plan_helptext"' in field


def test_a_chosen_review_offers_its_plans_only(client, world):
    elsewhere = factories.plan(factories.review())
    client.force_login(world.chair)
    _, html = _list(client, f"?review={world.review.pk}")
    offered = {value for value, _, _ in _options(html, "plan")}
    assert offered == {"", str(world.multi_plan.pk), str(world.police_plan.pk), str(world.health_plan.pk)}
    assert str(elsewhere.pk) not in offered
    assert "Choose a review first" not in _field(html, "plan")


def test_an_agency_user_is_never_offered_another_agencys_own_plan(client, world):
    client.force_login(world.other)  # health
    _, html = _list(client, f"?review={world.review.pk}")
    offered = {value for value, _, _ in _options(html, "plan")}
    assert offered == {"", str(world.multi_plan.pk), str(world.health_plan.pk)}
    assert world.police_plan.title not in html
    # Naming the police's plan in the URL is refused, with the review chosen or not, and lists none of its actions.
    for query in (f"?plan={world.police_plan.pk}", f"?review={world.review.pk}&plan={world.police_plan.pk}"):
        response, html = _list(client, query)
        assert str(world.police_plan.pk) not in {value for value, _, _ in _options(html, "plan")}
        assert response.context["filter"].form.errors["plan"]
        assert world.police_action not in _listed(response)


def test_a_plan_in_the_url_filters_without_a_review_and_is_shown_chosen(client, world):
    client.force_login(world.chair)
    response, html = _list(client, f"?plan={world.police_plan.pk}")
    assert _listed(response) == {world.police_action}
    assert _options(html, "plan") == [("", "Any plan", False), (str(world.police_plan.pk), str(world.police_plan), True)]


def test_a_plan_of_another_review_stays_chosen_beside_the_reviews_plans(client, world):
    other = factories.review()
    client.force_login(world.chair)
    response, html = _list(client, f"?review={other.pk}&plan={world.police_plan.pk}")
    assert _listed(response) == set()  # both filters apply: that plan is not in that review
    assert _options(html, "plan") == [("", "Any plan", False), (str(world.police_plan.pk), str(world.police_plan), True)]


def test_the_home_and_plan_page_links_keep_working(client, world):
    """The links other pages make: ?review=<id>&overdue=yes (the review list), ?plan=<id>, ?lead_agency=<id>."""
    late = factories.action(world.multi_plan, world.police, reference="1.9", target_date=today() - datetime.timedelta(days=2))
    client.force_login(world.chair)
    assert _listed(_list(client, f"?review={world.review.pk}&overdue=yes")[0]) == {late}
    assert _listed(_list(client, f"?plan={world.multi_plan.pk}")[0]) == {world.multi_action, world.multi_action_health, late}
    assert _listed(_list(client, f"?lead_agency={world.health.pk}")[0]) == {world.multi_action_health, world.health_action}


# The drop-downs written in one pass.


@pytest.mark.parametrize("value", [None, "", "2", 2, "5", "nope"])
def test_fast_select_writes_the_same_html_as_select(value):
    choices = [
        ("", "Anyone"), (1, "Tom & Jerry <the cat>"), (2, 'Quote " and \' apostrophe'),
        ("<Group & co>", [(5, "In a group"), (2, "Again two")]), (3, "Second 2"), (2, "Dup"), ("Empty", []),
    ]
    attrs = {"id": "id_who", "class": "form-select", "aria-describedby": "id_who_helptext", "required": True,
             "data-x": '"quoted" & <b>', "disabled": False}
    assert FastSelect(choices=choices).render("who", value, attrs) == forms.Select(choices=choices).render("who", value, attrs)
    many = forms.SelectMultiple(choices=choices).render("who", ["2", "5"], attrs)
    assert type("FastMultiple", (FastSelect,), {"allow_multiple_selected": True})(choices=choices).render(
        "who", ["2", "5"], attrs) == many


def test_every_drop_down_of_the_filter_shows_what_was_chosen(client, world):
    client.force_login(world.member)
    query = (f"?lead_agency={world.police.pk}&responsible_officer={world.agency_user.pk}&theme={world.theme.pk}"
             "&status=completed&overdue=no&brag=green&state=done&ordering=-target_date&evidence=rejected&slipped=yes"
             "&date_change=pending&assigned=me&due_within=7&escalated=yes&ready=signoff&changed=slipped")
    _, html = _list(client, query)
    chosen = {name: [value for value, _, selected in _options(html, name) if selected]
              for name in ("lead_agency", "responsible_officer", "theme", "status", "overdue", "brag", "state",
                           "ordering", "evidence", "slipped", "date_change", "assigned", "due_within", "escalated",
                           "ready", "changed")}
    assert chosen == {
        "lead_agency": [str(world.police.pk)], "responsible_officer": [str(world.agency_user.pk)],
        "theme": [str(world.theme.pk)], "status": ["completed"], "overdue": ["no"], "brag": ["green"],
        "state": ["done"], "ordering": ["-target_date"], "evidence": ["rejected"], "slipped": ["yes"],
        "date_change": ["pending"], "assigned": ["me"], "due_within": ["7"], "escalated": ["yes"],
        "ready": ["signoff"], "changed": ["slipped"],
    }
    assert 'class="form-select"' in _field(html, "status") and "is-invalid" not in html
    _, html = _list(client, "?status=bogus")
    assert re.search(r'<select name="status" class="form-select is-invalid"[^>]*aria-describedby="id_status_error"', html)
    assert '<div id="id_status_error" class="invalid-feedback"><span id="error_1_id_status"><strong>Select a valid' in html


def test_fast_select_on_a_model_field_runs_no_count_query(world, django_assert_num_queries):
    field = forms.ModelChoiceField(queryset=type(world.police).objects.order_by("pk"), widget=FastSelect, empty_label="Any")
    with django_assert_num_queries(1):
        html = field.widget.render("lead", world.health.pk)
    assert f'<option value="{world.health.pk}" selected>{world.health}</option>' in html


# The elided pager.


def test_the_pager_shows_the_ends_and_the_pages_around_this_one_only(client, world, settings):
    settings.ACTIONS_PER_PAGE = 5
    for i in range(196):  # 200 actions: 40 pages
        factories.action(world.multi_plan, world.health, reference=f"R{i}")
    client.force_login(world.chair)
    response, html = _list(client, "?page=20&status=in_progress")
    nav = re.search(r'<nav aria-label="Pages of actions">(.*?)</nav>', html, re.S).group(1)
    linked = [int(n) for n in re.findall(r'page=(\d+)">\d+</a>', nav)]
    assert linked == [1, 17, 18, 19, 21, 22, 23, 40]
    assert '<li class="page-item active" aria-current="page"><span class="page-link">20</span></li>' in nav
    assert nav.count("…") == 2
    assert 'href="?status=in_progress&amp;page=19">Previous</a>' in nav
    assert 'href="?status=in_progress&amp;page=21">Next</a>' in nav
    assert "page 20 of 40" in html


# A fixed number of queries, whatever the size, as the chair and as an agency user.


class Growth:
    def __init__(self, world):
        self.world, self.n = world, 0

    def add(self, reviews, actions_each):
        w = self.world
        for _ in range(reviews):
            review = factories.review()
            plans = [factories.plan(review), factories.plan(review, w.police), factories.plan(review, w.health)]
            for plan in plans:
                for _ in range(actions_each):
                    self.n += 1
                    lead = plan.agency or w.health
                    factories.action(plan, lead, reference=f"G{self.n}", responsible_officer=w.other if lead == w.health else None)
        factories.user(agency=w.police)


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("role", ["chair", "other"])
@pytest.mark.parametrize(
    "query",
    ["", "?review={review}", "?review={reference}&plan={plan}&status=in_progress", "?plan={plan}&page=2",
     "?lead_agency={health}&review=NO-SUCH"],
)
def test_the_list_runs_the_same_queries_with_few_and_with_many_reviews(client, world, monkeypatch, settings, role, query):
    """Crossing REVIEW_DROP_DOWN_MAX (drop-down → text box) and tripling the data changes no query count."""
    monkeypatch.setattr(filters, "REVIEW_DROP_DOWN_MAX", 4)
    settings.ACTIONS_PER_PAGE = 5
    growth = Growth(world)
    growth.add(reviews=1, actions_each=4)
    client.force_login(getattr(world, role))
    url = reverse("actionplans:action_list") + query.format(
        review=world.review.pk, reference=world.review.reference.lower(), plan=world.multi_plan.pk, health=world.health.pk
    )
    few, response = _queries(client, url)
    assert '<select name="review"' in response.content.decode()
    few_count = response.context["page"].paginator.count
    growth.add(reviews=6, actions_each=4)
    for i in range(12):
        factories.action(world.multi_plan, world.health, reference=f"M{i}")
    many, response = _queries(client, url)
    assert '<input type="text" name="review"' in response.content.decode()
    assert response.context["page"].paginator.count > few_count
    assert few == many, f"{url} as {role}: {few} queries with few reviews, {many} with many"
