"""The dashboard's cache (dashboard.versions): keyed on a data version that every committed write to the figures'
tables moves on, so a page never shows a figure a fresh computation would not.

These tests commit for real (transactional_db): the cache is used only outside a writing transaction, which is
how the application runs, and never inside the transaction a test usually wraps itself in.
"""

import datetime
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Role
from actionplans import lifecycle, rules
from actionplans.models import Action, ActionPlan
from actionplans.rules import Status
from dashboard import selectors, services, versions
from dashboard.templatetags.dashboard_charts import figures_row
from evidence.models import Evidence
from learning import rules as impact_rules
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Attendance, ImpactCheck, LearningEvent, SubCommittee
from reviews import rules as learning_rules
from reviews.models import Recommendation, Theme
from tests import evidence_samples as samples
from tests import factories
from tests.test_races import concurrent_db  # noqa: F401 - the fixture: PostgreSQL, real connections

FIGURES, EVIDENCE, LEARNING = versions.FIGURES, versions.EVIDENCE, versions.LEARNING


@pytest.fixture
def committed(transactional_db, world):
    """The world, committed, with an open action of each agency to change in the tests."""
    return world


def fresh(user, **within):
    """The figures a fresh computation gives, from the rules, with no cache anywhere near."""
    return rules.figures_for(access.visible_actions(user).filter(**within))


# --- the version ------------------------------------------------------------------------------------------------


WRITES = {
    "a model's save()": lambda w: factories.action(w.multi_plan, w.police, reference="9.9"),
    "QuerySet.update()": lambda w: Action.objects.filter(pk=w.police_action.pk).update(status=Status.IN_PROGRESS),
    "QuerySet.delete()": lambda w: Action.objects.filter(pk=w.health_action.pk).delete(),
    "bulk_create()": lambda w: Evidence.objects.bulk_create(
        [Evidence(action=w.police_action, agency=w.police, submitted_by=w.agency_user, description="Minutes",
                  note="Minutes of the meeting.", represents_on=rules.today(), submitted_at=timezone.now())]
    ),
    "raw SQL through Django's cursor": lambda w: connection.cursor().execute(
        "UPDATE actionplans_actionplan SET title = 'Renamed' WHERE id = %s", [w.multi_plan.pk]
    ),
    "a review's save()": lambda w: factories.review(),
    "an agency's save()": lambda w: factories.agency(name="New Partner Trust", short_name="NPT"),
    "a recommendation's save()": lambda w: factories.recommendation(w.review),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_kind_of_committed_write_to_the_figures_tables_gives_a_new_version(committed, write):
    before = versions.current(FIGURES, EVIDENCE)
    assert before is not None
    WRITES[write](committed)
    after = versions.current(FIGURES, EVIDENCE)
    assert after is not None and after != before


def test_writes_to_other_tables_leave_the_version_alone(committed):
    before = versions.current(FIGURES, EVIDENCE)
    Theme.objects.create(name="Information sharing")
    factories.user(Role.MEMBER, username="another-member")
    assert versions.current(FIGURES, EVIDENCE) == before


def test_an_upload_moves_the_evidence_version_only(committed):
    """Evidence awaiting audit is kept under both versions, the figures of the actions under theirs only: an upload
    (the commonest write) leaves those in the cache."""
    figures, evidence = versions.current(FIGURES), versions.current(EVIDENCE)
    samples.submit_note(committed.police_action, committed.agency_user)
    assert versions.current(FIGURES) == figures
    assert versions.current(EVIDENCE) != evidence


def test_inside_the_writing_transaction_nothing_is_cached_and_the_version_moves_at_its_commit(committed):
    before = versions.current(FIGURES)
    with transaction.atomic():
        Action.objects.filter(pk=committed.police_action.pk).update(status=Status.IN_PROGRESS)
        assert versions.pending(FIGURES)
        assert versions.current(FIGURES) is None  # this transaction's readers compute afresh
        assert selectors.summary(committed.chair).figures == fresh(committed.chair)
    assert not versions.pending(FIGURES)
    assert versions.current(FIGURES) not in (None, before)


def test_a_rolled_back_write_leaves_the_version_alone(committed):
    before = versions.current(FIGURES)
    with pytest.raises(RuntimeError), transaction.atomic():
        Action.objects.filter(pk=committed.police_action.pk).update(status=Status.IN_PROGRESS)
        raise RuntimeError("changed my mind")
    assert not versions.pending(FIGURES)
    assert versions.current(FIGURES) == before


def test_a_write_committed_by_another_connection_is_seen_at_once(concurrent_db, world):  # noqa: F811
    """Two connections, as two servers or two workers have: the reader's cache is filled, another connection
    commits a change, and the reader's very next view shows it."""
    chair = world.chair
    assert selectors.summary(chair).figures == fresh(chair)  # fills the cache
    cached = selectors.summary(chair).figures

    def elsewhere():
        try:
            Action.objects.filter(pk=world.police_action.pk).update(status=Status.CANCELLED, cancellation_reason="Done elsewhere.")
        finally:
            connections.close_all()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    now = selectors.summary(chair).figures
    assert now == fresh(chair)
    assert now.cancelled == cached.cancelled + 1


# --- every page that shows the figures: write, then read ---------------------------------------------------------


def _dashboard_html(client):
    return client.get(reverse("dashboard:index")).content.decode()


def headline_of(html):
    """The headline figures as a page shows them: the <dl> of dashboard/includes/figures.html."""
    start = html.index('<dl class="row figures dashboard-figures')
    return html[start:html.index("</dl>", start) + len("</dl>")]


def row_of(html, href):
    """The table row (<tr>…</tr>) whose name links to ``href``."""
    at = html.index(f'<th scope="row"><a href="{href}">')
    return html[html.rindex("<tr>", 0, at):html.index("</tr>", at) + len("</tr>")]


def fresh_headline(user):
    """The headline a fresh computation draws: the rules' figures and evidence counted now, no cache."""
    context = {"figures": fresh(user), "links": selectors.figure_links(), "evidence": selectors.awaiting_audit(user)[0]}
    return headline_of(render_to_string("dashboard/includes/figures.html", context))


def fresh_row(user, obj, kind, **within):
    """A review's or an agency's table row as a fresh computation draws it."""
    scope = {"review": obj.pk} if kind == "review" else {"lead_agency": obj.pk}
    evidence = selectors.awaiting_audit(user, **{f"action__{k}": v for k, v in within.items()})[0]
    row = selectors.Row(obj=obj, figures=fresh(user, **within), scope=scope, evidence=evidence)
    return figures_row(row, kind)


def _dashboard(client, w):
    return headline_of(_dashboard_html(client)), fresh_headline(w.chair)


def _review_row(client, w):
    return (row_of(_dashboard_html(client), reverse("dashboard:review", args=[w.review.pk])),
            fresh_row(w.chair, w.review, "review", plan__review=w.review))


def _agency_row(client, w):
    return (row_of(_dashboard_html(client), reverse("dashboard:agency", args=[w.police.pk])),
            fresh_row(w.chair, w.police, "agency", lead_agency=w.police))


def _review_page(client, w):
    return (client.get(reverse("dashboard:review", args=[w.review.pk])).context["scope"].figures,
            fresh(w.chair, plan__review=w.review))


def _agency_page(client, w):
    return (client.get(reverse("dashboard:agency", args=[w.police.pk])).context["scope"].figures,
            fresh(w.chair, lead_agency=w.police))


def _home(client, w):
    return client.get(reverse("home")).context["home"].figures, fresh(w.chair)


def _report(client, w):
    html = client.get(reverse("dashboard:report")).content.decode()
    figures = fresh(w.chair)
    # The report's headline table: compliance, then how many verified of how many counted, as a fresh count gives.
    percent = "—" if figures.compliance is None else f"{figures.compliance}%"
    return f"<td>{percent} ({figures.verified} of {figures.counted})</td>" in html, True


def _action_list(client, w):
    """The unfiltered action list counts with the dashboard's cached figures: viewed after the dashboard."""
    client.get(reverse("dashboard:index"))
    html = client.get(reverse("actionplans:action_list")).content.decode()
    return int(re.search(r'<p role="status">(\d+) actions?', html).group(1)), access.visible_actions(w.chair).count()


PAGES = {
    "dashboard headline": _dashboard,
    "dashboard review row": _review_row,
    "dashboard agency row": _agency_row,
    "review page": _review_page,
    "agency page": _agency_page,
    "chair's home page": _home,
    "board report": _report,
    "action list": _action_list,
}


def _verify(w):
    w.police_action.refresh_from_db()
    lifecycle.record_progress(action=w.police_action, actor=w.agency_user, status=Status.COMPLETED,
                              note="Training delivered.", seen_status=w.police_action.status)
    item = samples.submit_note(w.police_action, w.agency_user)
    lifecycle.decide(evidence=item, actor=w.consultant, accept=True, note="", notify=False)
    lifecycle.verify(action=w.police_action, actor=w.consultant, note="Checked.")


def _move_date(w):
    Action.objects.filter(pk=w.multi_action.pk).update(target_date=rules.today() - datetime.timedelta(days=3))


def _move_plan(w):
    ActionPlan.objects.filter(pk=w.police_plan.pk).update(review=factories.review())


def _submit_evidence(w):
    samples.submit_note(w.police_action, w.agency_user)


CHANGES = {"verify an action": _verify, "submit evidence": _submit_evidence, "move a date into the past": _move_date,
           "move a plan to another review": _move_plan}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("page", list(PAGES))
def test_after_a_write_every_page_shows_what_a_fresh_computation_gives(committed, client, page, change):
    assert versions.current(FIGURES) is not None  # the cache is in use: nothing is pending, a version exists
    client.force_login(committed.chair)
    shown, expected = PAGES[page](client, committed)
    assert shown == expected
    PAGES[page](client, committed)  # served from the cache now, where the page has one
    CHANGES[change](committed)
    shown_after, expected_after = PAGES[page](client, committed)
    assert shown_after == expected_after


def test_the_change_is_visible_in_the_cached_figures_not_only_equal_to_them(committed, client):
    """The write really changes the figure the cache held (so the previous test is not comparing two stale values)."""
    client.force_login(committed.chair)
    before = fresh(committed.chair)
    shown = headline_of(_dashboard_html(client))
    assert f'<a href="{selectors.figure_links()["verified"]}">{before.verified}</a> verified' in shown
    _verify(committed)
    after = headline_of(_dashboard_html(client))
    assert f'<a href="{selectors.figure_links()["verified"]}">{before.verified + 1}</a> verified' in after


def test_readers_with_different_scopes_never_share_a_cached_figure(committed, client):
    w = committed
    for user in (w.agency_user, w.other, w.chair, w.agency_user):
        client.force_login(user)
        assert headline_of(_dashboard_html(client)) == fresh_headline(user), user


def test_the_trend_shows_a_snapshot_written_after_it_was_cached(committed, client):
    w = committed
    client.force_login(w.chair)
    week_ago = rules.today() - datetime.timedelta(days=7)
    point = f'<tr><th scope="row">{week_ago:%-d %b %Y}</th><td>{fresh(w.chair).total}</td>'
    assert point not in _dashboard_html(client)
    services.snapshot_take(on=week_ago)
    assert point in _dashboard_html(client)


# --- queries ------------------------------------------------------------------------------------------------------


#: A cached view of the dashboard: the six queries every request pays (session, user, devices, second-factor rule,
#: and the transaction of ATOMIC_REQUESTS), the one read of the versions (figures, evidence, snapshots), and the
#: one read of the learning version that keys the dissemination matrix the dashboard shows (learning.selectors
#: .dissemination, a cached entry of its own). Nothing else.
CACHED_DASHBOARD_QUERIES = 6 + 1 + 1


def test_a_cached_dashboard_runs_a_fixed_number_of_queries_at_two_sizes(committed, client):
    w = committed
    client.force_login(w.chair)
    counts = []
    for size in (1, 30):
        for i in range(size):
            review = factories.review()
            factories.action(factories.plan(review), w.police, reference=f"Q{size}.{i}")
        client.get(reverse("dashboard:index"))  # fills the cache for this version
        with CaptureQueriesContext(connection) as queries:
            html = _dashboard_html(client)
        assert headline_of(html) == fresh_headline(w.chair)
        counts.append(len(queries))
    assert counts == [CACHED_DASHBOARD_QUERIES] * 2, counts


def test_the_review_table_is_paged_the_most_overdue_first(committed, client, settings):
    settings.DASHBOARD_REVIEWS_PER_PAGE = 10
    w = committed
    for i in range(12):
        review = factories.review()
        plan = factories.plan(review)
        for n in range(i % 4):
            factories.action(plan, w.police, reference=f"R{i}.{n}", target_date=rules.today() - datetime.timedelta(days=2))
    client.force_login(w.chair)
    first = client.get(reverse("dashboard:index"))
    page = first.context["dashboard"].reviews
    assert page.paginator.count == 13 and len(page.object_list) == 10
    overdue = [row.figures.overdue for row in page.object_list]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] == 3
    html = first.content.decode()
    assert "Reviews 1 to 10 of 13, the most overdue first." in html
    assert 'aria-label="Pages of reviews"' in html and "page=2#reviews" in html
    second = client.get(reverse("dashboard:index") + "?page=2").context["dashboard"].reviews
    assert len(second.object_list) == 3
    shown = {row.obj.pk for row in page.object_list} | {row.obj.pk for row in second.object_list}
    assert len(shown) == 13


def test_the_kept_page_carries_nothing_of_the_request_but_its_order_and_page(committed, client, settings):
    """The figures and tables are kept rendered for everyone with the same scope: one reader's query string (other
    than the order and the page) never reaches another's page, and the links it offers stay clean."""
    settings.DASHBOARD_REVIEWS_PER_PAGE = 1
    w = committed
    factories.review()
    factories.review()
    client.force_login(w.chair)
    first = client.get(reverse("dashboard:index") + "?sort=name&note=private-words&page=2").content.decode()
    assert "private-words" not in first
    assert 'href="?sort=-name"' in first  # the name column reverses the order it shows
    assert "?sort=name&amp;page=1#reviews" in first  # the pager keeps the order, nothing else
    client.force_login(w.member)
    again = client.get(reverse("dashboard:index") + "?sort=name&page=2").content.decode()
    assert tables_of(again) == tables_of(first) and "private-words" not in again
    # A page parameter that is no number shows the first page, as the pager would.
    assert tables_of(client.get(reverse("dashboard:index") + "?sort=name&page=x").content.decode()) == \
        tables_of(client.get(reverse("dashboard:index") + "?sort=name&page=1").content.decode())


def tables_of(html):
    return html[html.index('id="reviews"'):html.index("</main>")]


def test_the_unfiltered_action_list_takes_its_count_from_the_cached_figures(committed, client):
    """Counting every action is the costliest query of the list at 200,000 actions: with the dashboard's figures
    in the cache it is not run again (a filter, or "My actions", counts as before)."""
    client.force_login(committed.chair)
    client.get(reverse("dashboard:index"))

    def counts(url):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]

    assert counts(reverse("actionplans:action_list")) == []
    assert counts(reverse("actionplans:action_list") + "?ordering=target_date&page=1") == []
    assert len(counts(reverse("actionplans:action_list") + f"?lead_agency={committed.police.pk}")) == 1
    assert len(counts(reverse("actionplans:my_actions"))) == 1


# --- the names the action list offers -----------------------------------------------------------------------------


def _drop_downs(html):
    """The action list's drop-downs of names: the filter's review, agency, officer and theme, and the bulk form's
    new officer."""
    found = {name: re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
             for name in ("review", "lead_agency", "responsible_officer", "theme", "officer")}
    assert all(found.values()), [name for name, match in found.items() if not match]
    return {name: match.group(0) for name, match in found.items()}


def _list_html(client):
    return client.get(reverse("actionplans:action_list")).content.decode()


def _rename_agency(w):
    type(w.health).objects.filter(pk=w.health.pk).update(short_name="Renamed")


def _new_officer(w):
    officer = factories.user(Role.AGENCY, agency=w.health)
    type(officer).objects.filter(pk=officer.pk).update(first_name="Zadie", last_name="Quill")


def _rename_officer(w):
    type(w.agency_user).objects.filter(pk=w.agency_user.pk).update(last_name="Moved")


def _retire_officer(w):
    type(w.other).objects.filter(pk=w.other.pk).update(is_active=False)


def _retire_theme(w):
    Theme.objects.filter(pk=w.theme.pk).update(retired_at=timezone.now())


#: Each write to the names, and a piece of a drop-down that changes with it.
NAME_CHANGES = {
    "a new review": (lambda w: factories.review(reference="SCR-NEW-001", title="Child Q"), "SCR-NEW-001 Child Q"),
    "an agency renamed": (_rename_agency, ">Renamed ("),
    "a new officer": (_new_officer, "Zadie Quill"),
    "an officer renamed": (_rename_officer, " Moved"),
    "an officer made inactive": (_retire_officer, None),  # the bulk form offers active officers only
    "a theme retired": (_retire_theme, "(retired)"),
}


@pytest.mark.parametrize("change", list(NAME_CHANGES))
def test_after_a_write_to_the_names_the_list_offers_what_a_fresh_read_gives(committed, client, change):
    w = committed
    client.force_login(w.member)
    before = _drop_downs(_list_html(client))
    assert _drop_downs(_list_html(client)) == before  # the second view is served from the cache
    write, shown = NAME_CHANGES[change]
    write(w)
    after = _drop_downs(_list_html(client))
    cache.clear()
    assert after == _drop_downs(_list_html(client))
    assert after != before
    if shown:
        assert shown in "".join(after.values()) and shown not in "".join(before.values())


def test_a_write_to_an_action_leaves_the_names_in_the_cache(committed, client):
    """The first view of the list after a write to an action (the commonest write) reads no name again."""
    w = committed
    client.force_login(w.member)  # with the bulk form's officers too
    _list_html(client)
    Action.objects.filter(pk=w.police_action.pk).update(status=Status.IN_PROGRESS)
    with CaptureQueriesContext(connection) as queries:
        _list_html(client)
    tables = ("reviews_review", "accounts_agency", "reviews_theme")
    read = [q["sql"] for q in queries.captured_queries if any(f'FROM "{table}"' in q["sql"] for table in tables)]
    assert read == []
    officers = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(officers) == 1  # the reader, signed in; no list of officers


# --- The recommendations' figures (kept with the figures: dashboard.selectors.recommendation_counts) --------------


def _gaps_shown(client):
    html = _dashboard_html(client)
    found = re.search(r"<dt>With no live action</dt><dd><a [^>]*>(\d+)</a>.*?"
                      r"<dt>Awaiting the board's response</dt><dd><a [^>]*>(\d+)</a>", html, re.S)
    return int(found.group(1)), int(found.group(2))


def _gaps_fresh():
    return (Recommendation.objects.filter(learning_rules.gap_q()).count(),
            Recommendation.objects.filter(response=Recommendation.Response.AWAITING).count())


RECOMMENDATION_CHANGES = {
    "a new recommendation, with no action": lambda w: factories.recommendation(
        w.review, response=Recommendation.Response.AWAITING, responded_on=None),
    "a response taken back, awaiting the board again": lambda w: Recommendation.objects.filter(
        pk=w.recommendation.pk).update(response=Recommendation.Response.AWAITING, responded_on=None),
    "the only action of a recommendation cancelled": lambda w: lifecycle.cancel(
        action=w.multi_action, actor=w.member, reason="Superseded.", seen_status=w.multi_action.status),
}


@pytest.mark.parametrize("change", list(RECOMMENDATION_CHANGES))
def test_after_a_write_the_dashboards_recommendation_figures_are_fresh_counts(committed, client, change):
    client.force_login(committed.chair)
    assert _gaps_shown(client) == _gaps_fresh()
    _gaps_shown(client)  # from the cache now
    before = _gaps_fresh()
    RECOMMENDATION_CHANGES[change](committed)
    assert _gaps_fresh() != before  # the write changes a figure, so equal is not two stale values
    assert _gaps_shown(client) == _gaps_fresh()


# --- The dissemination matrix (learning.selectors.dissemination, kept under the learning version) ------------------


@pytest.fixture
def learning(committed):
    """The committed world with learning events: one held ten days ago on the world's theme, which the police
    attended (5 people), one scheduled for yesterday (not marked as held yet), and a second theme no event carries."""
    w = committed
    w.second_theme = factories.theme(name="Information sharing")

    def event(title, days):
        return learning_services.event_create(
            actor=w.member, title=title, kind=LearningEvent.Kind.WORKSHOP, audience=LearningEvent.Audience.ALL,
            held_on=rules.today() + datetime.timedelta(days=days), facilitator="The training officer",
            description="", themes=[w.theme],
        )

    w.held_event = learning_services.move_event("hold", event=event("Hidden men", -10), actor=w.member,
                                                seen=LearningEvent.Status.SCHEDULED)
    w.attendance = learning_services.attendance_record(event=w.held_event, agency=w.police, actor=w.agency_user,
                                                       attended=5)
    w.due_event = event("Briefing on the household's adults", -1)
    return w


#: Each committed write to the matrix's tables: the events, their themes, the attendance (each table alone, by
#: QuerySet.update(), a related manager or raw SQL, and through learning.services), the themes and the agencies.
LEARNING_CHANGES = {
    "an event's date (learning_learningevent)": lambda w: LearningEvent.objects.filter(pk=w.held_event.pk).update(
        held_on=rules.today() - datetime.timedelta(days=3)),
    "an event marked as held (learning.services)": lambda w: learning_services.move_event(
        "hold", event=w.due_event, actor=w.member, seen=LearningEvent.Status.SCHEDULED),
    "a theme added to an event (learning_learningevent_themes)": lambda w: w.held_event.themes.add(w.second_theme),
    "an event's themes changed (learning.services)": lambda w: learning_services.event_update(
        event=LearningEvent.objects.get(pk=w.held_event.pk), actor=w.member, themes=[w.theme, w.second_theme]),
    "a theme taken off an event, in raw SQL": lambda w: connection.cursor().execute(
        "DELETE FROM learning_learningevent_themes WHERE learningevent_id = %s", [w.held_event.pk]),
    "attendance corrected to none (learning_attendance)": lambda w: Attendance.objects.filter(
        pk=w.attendance.pk).update(attended=0),
    "attendance recorded (learning.services)": lambda w: learning_services.attendance_record(
        event=w.held_event, agency=w.health, actor=w.other, attended=7),
    "a theme retired": lambda w: Theme.objects.filter(pk=w.second_theme.pk).update(retired_at=timezone.now()),
    "a new partner agency": lambda w: factories.agency(name="New Partner Trust", short_name="NPT"),
}
#: The writes above to a table the figures are computed from as well (an agency names a row of the dashboard).
FIGURES_TOO = {"a new partner agency"}
def _learning_reads(queries):
    return [q["sql"] for q in queries.captured_queries if 'FROM "learning_' in q["sql"]]


@pytest.mark.parametrize("change", list(LEARNING_CHANGES))
def test_every_committed_write_to_the_matrix_tables_gives_a_new_learning_version(learning, change):
    before = versions.current(LEARNING)
    figures = versions.current(FIGURES, EVIDENCE)
    assert before is not None
    LEARNING_CHANGES[change](learning)
    assert versions.current(LEARNING) not in (None, before)
    if change not in FIGURES_TOO:
        assert versions.current(FIGURES, EVIDENCE) == figures  # the figures stay in the cache


def _record_progress(w):
    w.police_action.refresh_from_db()
    lifecycle.record_progress(action=w.police_action, actor=w.agency_user, status=Status.COMPLETED,
                              note="Training delivered.", seen_status=w.police_action.status)


def test_writes_to_the_actions_leave_the_matrix_in_the_cache(learning, client):
    # Not a sign-off: that writes the action's impact check too (learning_impactcheck, the learning version:
    # test_a_sign_off_gives_a_new_learning_version_with_its_impact_check).
    client.force_login(learning.chair)
    client.get(reverse("learning:dissemination"))
    before = versions.current(LEARNING)
    _record_progress(learning)
    _move_date(learning)
    _move_plan(learning)
    assert versions.current(LEARNING) == before
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("learning:dissemination"))
    assert _learning_reads(queries) == []


def test_a_sign_off_gives_a_new_learning_version_with_its_impact_check(learning):
    before = versions.current(LEARNING)
    _verify(learning)
    assert ImpactCheck.objects.filter(action=learning.police_action, status="open").exists()
    assert versions.current(LEARNING) not in (None, before)


MATRIX_PAGES = {"dashboard": "dashboard:index", "dissemination page": "learning:dissemination"}


@pytest.mark.parametrize("change", list(LEARNING_CHANGES))
@pytest.mark.parametrize("page", list(MATRIX_PAGES))
def test_after_a_write_the_matrix_shown_is_what_a_fresh_computation_gives(learning, client, request, page, change):
    client.force_login(learning.chair)
    url = reverse(MATRIX_PAGES[page])

    def shown():
        response = client.get(url)
        html = response.content.decode()
        fresh = learning_selectors._compute_matrix()
        assert render_to_string("learning/includes/matrix.html", {"matrix": fresh}).strip() in html
        return response.context["matrix"], fresh

    matrix, fresh = shown()
    assert matrix == fresh
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).context["matrix"]
    assert again == matrix and _learning_reads(queries) == []  # served from the cache
    LEARNING_CHANGES[change](learning)
    after, fresh_after = shown()
    assert fresh_after != fresh  # the write changes the matrix, so equal is not two stale values
    assert after == fresh_after


# --- The impact figures (dashboard.selectors.impact_counts, kept under the figures' and the learning versions) ------


@pytest.fixture
def impact(committed):
    """The committed world with impact checks: a sub-committee that checks impact by default (the member in it), an
    open check due in ten days of a verified multi-agency action, and a done one ("partly embedded", its follow-up
    due in 40 days) of a verified action of the police's own plan."""
    w = committed
    today = rules.today()
    w.committee = SubCommittee.objects.create(name="Monitoring and Evaluation", checks_impact=True)
    w.committee.members.add(w.member)
    w.verified = factories.action(w.multi_plan, w.health, reference="1.9", status=Status.VERIFIED)
    w.open_check = learning_services.impact_check_schedule(action=w.verified, actor=w.consultant,
                                                           due_on=today + datetime.timedelta(days=10))
    checked = factories.action(w.police_plan, w.police, reference="P.9", status=Status.VERIFIED)
    first = learning_services.impact_check_schedule(action=checked, actor=w.consultant,
                                                    due_on=today - datetime.timedelta(days=20))
    _find(w, first, ImpactCheck.Finding.PARTLY, follow_up_due=today + datetime.timedelta(days=40))
    return w


def _find(w, check, finding, follow_up_due=None):
    return learning_services.impact_finding_record(
        check=check, actor=w.member, seen=ImpactCheck.Status.OPEN, finding=finding,
        looked_at="An audit of 20 case files.", finding_note="What the audit found.", checked_on=rules.today(),
        follow_up="check" if follow_up_due else "", follow_up_due=follow_up_due,
    )


#: Each committed write to the impact checks' tables: a check (by learning.services, QuerySet.update() and raw SQL)
#: and the sub-committees' members (the member's home page lists their sub-committees' checks).
IMPACT_WRITES = {
    "a check scheduled (learning.services)": lambda w: learning_services.impact_check_schedule(
        action=w.police_action, actor=w.member, due_on=rules.today() + datetime.timedelta(days=5)),
    "a check's due date (QuerySet.update())": lambda w: ImpactCheck.objects.filter(pk=w.open_check.pk).update(
        due_on=rules.today() - datetime.timedelta(days=1)),
    "a check reassigned (learning.services)": lambda w: learning_services.impact_check_update(
        check=ImpactCheck.objects.get(pk=w.open_check.pk), actor=w.member, sub_committee=None),
    "a finding recorded (learning.services)": lambda w: _find(w, w.open_check, ImpactCheck.Finding.EMBEDDED),
    "a check withdrawn, in raw SQL": lambda w: connection.cursor().execute(
        "UPDATE learning_impactcheck SET status = 'withdrawn' WHERE id = %s", [w.open_check.pk]),
    "a member added to a sub-committee (learning_subcommittee_members)": lambda w: w.committee.members.add(w.admin),
    "a sub-committee's members set (learning_subcommittee_members)": lambda w: w.committee.members.set([w.admin]),
    "a member taken off a sub-committee, in raw SQL": lambda w: connection.cursor().execute(
        "DELETE FROM learning_subcommittee_members WHERE user_id = %s", [w.member.pk]),
}


@pytest.mark.parametrize("write", list(IMPACT_WRITES))
def test_every_committed_write_to_the_impact_checks_tables_gives_a_new_learning_version(impact, write):
    before = versions.current(LEARNING)
    figures = versions.current(FIGURES, EVIDENCE)
    assert before is not None
    IMPACT_WRITES[write](impact)
    assert versions.current(LEARNING) not in (None, before)
    assert versions.current(FIGURES, EVIDENCE) == figures  # the figures of the actions stay in the cache


def fresh_impact(user):
    """The dashboard's impact figures as a fresh computation draws them: the rules in Python (learning.rules
    .impact_in_python, check_state) over the actions and checks this user may see, no cache, no SQL aggregate."""
    today = rules.today()
    checks = list(access.visible_impact_checks(user))
    actions = list(access.visible_actions(user))
    for action in actions:
        action.checks = [check for check in checks if check.action_id == action.pk]
    states = [impact_rules.check_state(check.status, check.due_on, today) for check in checks]
    return selectors.ImpactCounts(impact_rules.impact_in_python(actions), due=states.count("due"),
                                  overdue=states.count("overdue"))


def impact_of_html(html):
    """The dashboard's impact figures (dashboard/includes/impact.html) as the page shows them."""
    start = html.index('<h2 class="h4" id="impact">')
    return html[start:html.index("</dl>", start) + len("</dl>")]


def _impact_on_dashboard(client):
    return impact_of_html(_dashboard_html(client))


def _dashboard_impact_fresh(user):
    return impact_of_html(render_to_string("dashboard/includes/impact.html", {"counts": fresh_impact(user)}))


def _impact_in_report(client):
    """Section 8 of the board report: its sentence of figures."""
    html = client.get(reverse("dashboard:report")).content.decode()
    start = html.index("Some months after an action is verified")
    return html[html.index("Of the ", start):html.index("(impact ", start)]


def _report_impact_fresh(user):
    impact = fresh_impact(user).impact
    return (f"Of the {impact.verified} verified action{'' if impact.verified == 1 else 's'}, {impact.checked} "
            f"{'has' if impact.checked == 1 else 'have'} been checked: <strong>{impact.embedded} embedded</strong>, "
            f"{impact.partly} partly embedded, {impact.not_embedded} not embedded ")


#: Each page that shows the impact figures: what it shows, and what a fresh computation gives for this user.
IMPACT_PAGES = {"dashboard": (_impact_on_dashboard, _dashboard_impact_fresh),
                "board report": (_impact_in_report, _report_impact_fresh)}


def _impact_counted(queries):
    """The queries that count impact checks or actions by their impact (dashboard.selectors.impact_counts)."""
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith("SELECT COUNT(") and "learning_impactcheck" in q["sql"]]


#: Each committed write that changes the impact figures.
IMPACT_CHANGES = {
    "a finding recorded (learning.services)": lambda w: _find(w, w.open_check, ImpactCheck.Finding.EMBEDDED),
    "a finding of not embedded, with a new check": lambda w: _find(
        w, w.open_check, ImpactCheck.Finding.NOT_EMBEDDED, follow_up_due=rules.today() + datetime.timedelta(days=9)),
    "a check made overdue (QuerySet.update())": lambda w: ImpactCheck.objects.filter(pk=w.open_check.pk).update(
        due_on=rules.today() - datetime.timedelta(days=1)),
    "an action signed off (its check scheduled)": _verify,
    "a sign-off withdrawn (its check withdrawn)": lambda w: lifecycle.withdraw_verification(
        action=w.verified, actor=w.consultant, reason="The evidence was for another team."),
}


@pytest.mark.parametrize("change", list(IMPACT_CHANGES))
@pytest.mark.parametrize("page", list(IMPACT_PAGES))
@pytest.mark.parametrize("role", ["chair", "other"])
def test_after_a_committed_write_the_impact_figures_shown_are_what_a_fresh_computation_gives(impact, client, role,
                                                                                            page, change):
    user = getattr(impact, role)  # the board's whole scope, and the health trust's (not the police's own plan)
    client.force_login(user)
    shown, fresh = IMPACT_PAGES[page]
    assert shown(client) == fresh(user)
    before = fresh_impact(user)
    with CaptureQueriesContext(connection) as queries:
        assert shown(client) == fresh(user)
    assert _impact_counted(queries) == []  # served from the cache now
    IMPACT_CHANGES[change](impact)
    if role == "chair":
        assert fresh_impact(user) != before  # the write changes a figure, so equal is not two stale values
    with CaptureQueriesContext(connection) as queries:
        after = shown(client)
    assert len(_impact_counted(queries)) == 2  # computed again: a new version
    assert after == fresh(user)


def test_the_impact_figures_count_what_the_fixture_holds(impact):
    """The fresh computation the tests above compare with is itself right, on the fixture's checks."""
    chair = fresh_impact(impact.chair)
    assert (chair.impact.verified, chair.impact.checked, chair.impact.partly, chair.impact.embedded) == (2, 1, 1, 0)
    assert (chair.due, chair.overdue) == (1, 0)  # the open check in ten days; the follow-up in 40 is later
    health = fresh_impact(impact.other)  # the police's own plan's action is not the health trust's
    assert (health.impact.verified, health.impact.checked, health.due) == (1, 0, 1)
    assert selectors.impact_counts(impact.chair) == chair
