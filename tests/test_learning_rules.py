"""Dissemination (learning.rules, DOMAIN.md "The learning cycle"): who a learning event reaches, at the rule's
boundaries; the rule in Python and in SQL giving the same cells on a seeded mixed data set; and every cell of the
dissemination matrix followed to the event list behind it.

The hand-worked expectations are literals; the agreement tests build their expectation from the loaded rows, not
from the queries under test."""

import datetime
import random
import re

import pytest
from django.utils import timezone

from accounts.models import Agency
from learning import rules, selectors, services
from learning.models import Attendance, LearningEvent
from tests import factories

Status = LearningEvent.Status
DAY = datetime.date(2025, 6, 2)


def days(n):
    return DAY + datetime.timedelta(days=n)


def event(actor, themes, **values):
    """A learning event recorded through the service, scheduled, dated in the past unless ``held_on`` says."""
    defaults = {
        "title": "Hidden men: working with fathers",
        "kind": LearningEvent.Kind.WORKSHOP,
        "audience": LearningEvent.Audience.ALL,
        "held_on": DAY,
        "facilitator": "The board's training officer",
        "description": "",
    }
    return services.event_create(actor=actor, themes=themes, **{**defaults, **values})


def moved(ev, actor, status):
    """The event moved to ``status`` through the service, as a member would (held, or cancelled with a reason)."""
    if status == Status.HELD:
        return services.move_event("hold", event=ev, actor=actor, seen=ev.status)
    if status == Status.CANCELLED:
        return services.move_event("cancel", event=ev, actor=actor, seen=ev.status, reason="The venue flooded.")
    return ev


def attended(ev, agency, people, actor):
    """An attendance row written directly: a scheduled or cancelled event cannot get one through the service, but
    the rule must still count nothing for it, whatever is stored."""
    return Attendance.objects.create(event=ev, agency=agency, attended=people, created_by=actor)


def loaded_attendance():
    return Attendance.objects.select_related("event").prefetch_related("event__themes")


# --- the rule at its boundaries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "people", "reaches"),
    [
        (Status.HELD, 1, True),  # one person is enough
        (Status.HELD, 250, True),
        (Status.HELD, 0, False),  # an attendance of none is an answer, and reaches no one
        (Status.SCHEDULED, 1, False),
        (Status.SCHEDULED, 40, False),
        (Status.SCHEDULED, 0, False),
        (Status.CANCELLED, 1, False),
        (Status.CANCELLED, 40, False),
        (Status.CANCELLED, 0, False),
    ],
)
def test_only_a_held_event_with_at_least_one_person_reaches_the_agency(status, people, reaches):
    assert rules.reaches(status, people) is reaches
    assert rules.reaches(str(status), people) is reaches  # as a status string loaded from the database


def test_an_empty_cell_is_a_gap_and_one_event_closes_it():
    empty = rules.Reach()
    assert (empty.events, empty.people, empty.latest) == (0, 0, None)
    assert empty.gap is True
    one = empty.add(days(0), 3)
    assert one == rules.Reach(1, 3, days(0))
    assert one.gap is False
    assert empty == rules.Reach()  # add gives a new cell; the old one is unchanged


def test_adding_events_sums_them_and_keeps_the_latest_date_whatever_the_order():
    earlier_first = rules.Reach().add(days(-30), 2).add(days(10), 5).add(days(-5), 1)
    later_first = rules.Reach().add(days(10), 5).add(days(-30), 2).add(days(-5), 1)
    assert earlier_first == later_first == rules.Reach(3, 8, days(10))
    assert rules.Reach().add(days(0), 4).add(days(0), 4) == rules.Reach(2, 8, days(0))  # two events on one day


def test_partner_agencies_are_every_agency_but_the_board(world):
    inactive = factories.agency(name="Closed Trust", short_name="Closed", is_active=False)
    partners = set(Agency.objects.filter(rules.partner_q()))
    assert world.board not in partners
    assert {world.police, world.health, inactive} <= partners
    assert partners == {agency for agency in Agency.objects.all() if rules.is_partner(agency)}
    assert not rules.is_partner(world.board)


# --- a small case worked out by hand ------------------------------------------------------------------------------


@pytest.fixture
def worked(world):
    """Two themes, two partner agencies, four events (two held, one scheduled and one cancelled with attendance
    stored all the same)."""
    w = world
    w.a, w.b = factories.theme(name="Theme A"), factories.theme(name="Theme B")
    w.e1 = moved(event(w.member, [w.a, w.b], title="E1", held_on=days(-40)), w.member, Status.HELD)
    w.e2 = moved(event(w.member, [w.a], title="E2", held_on=days(-10)), w.member, Status.HELD)
    w.e3 = event(w.member, [w.a], title="E3 (scheduled)", held_on=days(-5))
    w.e4 = moved(event(w.member, [w.b], title="E4 (cancelled)", held_on=days(-3)), w.member, Status.CANCELLED)
    attended(w.e1, w.police, 3, w.member)
    attended(w.e1, w.health, 0, w.member)
    attended(w.e2, w.police, 2, w.member)
    attended(w.e2, w.health, 4, w.member)
    attended(w.e3, w.police, 9, w.member)
    attended(w.e4, w.health, 6, w.member)
    return w


def test_the_worked_case_gives_the_cells_worked_out_by_hand(worked):
    w = worked
    expected = {
        (w.police.pk, w.a.pk): rules.Reach(2, 5, days(-10)),  # E1 (3) and E2 (2); not the scheduled E3's 9
        (w.police.pk, w.b.pk): rules.Reach(1, 3, days(-40)),  # E1 only
        (w.health.pk, w.a.pk): rules.Reach(1, 4, days(-10)),  # E2; E1's 0 is no one
        # (health, B): E1's 0 and the cancelled E4's 6 reach no one: a gap, no cell
    }
    assert rules.reach_in_python(loaded_attendance()) == expected
    assert rules.reach_by_agency_and_theme() == expected
    assert rules.reach_by_agency_and_theme(Attendance.objects.filter(agency=w.police)) == {
        key: reach for key, reach in expected.items() if key[0] == w.police.pk
    }


def test_the_worked_case_filters_and_annotations(worked):
    w = worked

    def titles(*filters):
        return sorted(LearningEvent.objects.filter(*filters).values_list("title", flat=True))

    assert titles(rules.reached_q(w.police)) == ["E1", "E2"]
    assert titles(rules.reached_q(w.police.pk)) == ["E1", "E2"]  # a pk does as well as an Agency
    assert titles(rules.reached_q(w.health)) == ["E2"]
    assert titles(rules.missed_q(w.health)) == ["E1"]  # held, and health's 0 did not reach it
    assert titles(rules.missed_q(w.police)) == []  # neither the scheduled nor the cancelled one is "missed"
    annotated = {e.title: (e.agencies_reached, e.people_reached)
                 for e in LearningEvent.objects.annotate(**rules.event_reach())}
    assert annotated == {"E1": (1, 3), "E2": (2, 6), "E3 (scheduled)": (0, 0), "E4 (cancelled)": (0, 0)}


# --- Python and SQL agree on a seeded mixed data set ---------------------------------------------------------------


@pytest.fixture
def mixed(world):
    """A seeded random data set: 21 events (seven in each status), one to three of six themes each, one held event
    with no theme at all, attendance of 0 to 17 people for a random subset of six agencies (the board among them:
    the rule counts it, the matrix leaves it out)."""
    w = world
    rng = random.Random(20250602)
    w.themes = [w.theme, *(factories.theme(name=f"Mixed theme {n}") for n in range(5))]
    w.agencies = [w.police, w.health, w.board, *(factories.agency(name=f"Mixed agency {n}") for n in range(3))]
    w.events = []
    statuses = [Status.SCHEDULED, Status.HELD, Status.CANCELLED] * 7
    for n, status in enumerate(statuses):
        chosen = rng.sample(w.themes, rng.randint(1, 3))
        ev = moved(event(w.member, chosen, title=f"Event {n:02d}", held_on=days(-rng.randint(1, 400))),
                   w.member, status)
        w.events.append(ev)
    w.events.append(moved(event(w.member, [], title="No theme", held_on=days(-2)), w.member, Status.HELD))
    for ev in w.events:
        for agency in rng.sample(w.agencies, rng.randint(0, len(w.agencies))):
            attended(ev, agency, rng.choice([0, 0, 1, 2, 3, 5, 8, 17]), w.member)
    return w


def test_the_mixed_data_set_has_every_case_the_rule_distinguishes(mixed):
    rows = list(Attendance.objects.select_related("event"))
    for status in Status.values:
        assert any(row.event.status == status and row.attended > 0 for row in rows), status
    assert any(row.event.status == Status.HELD and row.attended == 0 for row in rows)
    assert max(ev.themes.count() for ev in mixed.events) >= 2


def test_python_and_sql_give_the_same_cells_on_the_mixed_data_set(mixed):
    in_python = rules.reach_in_python(loaded_attendance())
    in_sql = rules.reach_by_agency_and_theme()
    assert in_python == in_sql
    assert len(in_python) >= 10  # not agreeing on nothing
    assert any(reach.events >= 2 for reach in in_python.values())
    for agency in mixed.agencies:  # and on any subset of the attendance
        subset = Attendance.objects.filter(agency=agency)
        assert rules.reach_in_python(subset.select_related("event").prefetch_related("event__themes")) == (
            rules.reach_by_agency_and_theme(subset)
        ), agency


def test_the_cells_are_the_sums_of_the_reaching_rows(mixed):
    """The cells from first principles: each reaching attendance row counted once per theme of its event."""
    expected = {}
    for row in loaded_attendance():
        if row.event.status != Status.HELD or row.attended < 1:
            continue
        for theme in row.event.themes.all():
            events, people, dates = expected.get((row.agency_id, theme.pk), (0, 0, []))
            expected[(row.agency_id, theme.pk)] = (events + 1, people + row.attended, [*dates, row.event.held_on])
    assert {key: rules.Reach(e, p, max(d)) for key, (e, p, d) in expected.items()} == (
        rules.reach_by_agency_and_theme()
    )


def test_the_reached_and_missed_filters_agree_with_python_for_every_agency_and_theme(mixed):
    rows = list(loaded_attendance())
    events = list(LearningEvent.objects.prefetch_related("themes"))
    cells = rules.reach_in_python(rows)
    checked_missed = 0
    for agency in mixed.agencies:
        reaching = {row.event_id for row in rows if row.agency_id == agency.pk
                    and rules.reaches(row.event.status, row.attended)}
        for theme in mixed.themes:
            on_theme = {ev.pk for ev in events if theme in ev.themes.all()}
            reached = set(LearningEvent.objects.filter(themes=theme).filter(rules.reached_q(agency))
                          .values_list("pk", flat=True))
            assert reached == on_theme & reaching, (agency, theme)
            assert len(reached) == cells.get((agency.pk, theme.pk), rules.Reach()).events, (agency, theme)
            held = {ev.pk for ev in events if ev.pk in on_theme and ev.status == Status.HELD}
            missed = set(LearningEvent.objects.filter(themes=theme).filter(rules.missed_q(agency))
                         .values_list("pk", flat=True))
            assert missed == held - reaching, (agency, theme)
            checked_missed += bool(missed)
    assert checked_missed  # some agency missed some held event


def test_event_reach_annotations_agree_with_python_sums(mixed):
    rows = list(Attendance.objects.select_related("event"))
    annotated = selectors.with_reach(LearningEvent.objects.all())
    assert annotated.count() == len(mixed.events)
    for ev in annotated:
        own = [row for row in rows if row.event_id == ev.pk]
        reaching = [row for row in own if rules.reaches(row.event.status, row.attended)]
        assert ev.agencies_reached == len(reaching), ev.title
        assert ev.people_reached == sum(row.attended for row in reaching), ev.title
        assert ev.recorded == len(own), ev.title
        assert [t.name for t in ev.themes.all()] == sorted(t.name for t in ev.themes.all())
    for theme in mixed.themes:  # a join on the themes must not multiply the sums
        for ev in selectors.with_reach(LearningEvent.objects.filter(themes=theme)):
            own = [row for row in rows if row.event_id == ev.pk and rules.reaches(row.event.status, row.attended)]
            assert (ev.agencies_reached, ev.people_reached) == (len(own), sum(row.attended for row in own))


# --- the matrix, each cell followed to its list ------------------------------------------------------------------


def listed_count(client, url):
    """The number of events the event list says it lists ("N events." above the table)."""
    response = client.get(url)
    assert response.status_code == 200
    found = re.search(r"<p>(\d+) events?[,.]", response.content.decode())
    assert found, f"{url}: no count of events on the page"
    assert int(found.group(1)) == response.context["page"].paginator.count
    return int(found.group(1)), {ev.pk for ev in response.context["page"]}


def test_the_matrix_has_a_row_per_partner_agency_and_a_column_per_theme_in_use(mixed):
    retired = factories.theme(name="Retired theme", retired_at=timezone.now())
    gone = factories.agency(name="Closed Trust", short_name="Closed", is_active=False)
    counted_gone = factories.agency(name="Merged Trust", short_name="Merged", is_active=False)
    held = next(ev for ev in mixed.events if ev.status == Status.HELD and ev.themes.exists())
    attended(held, counted_gone, 4, mixed.member)
    matrix = selectors.dissemination()
    expected = sorted(
        (agency for agency in Agency.objects.all()
         if rules.is_partner(agency) and (agency.is_active or agency == counted_gone)),
        key=lambda agency: agency.name,
    )
    assert [line.pk for line in matrix.lines] == [agency.pk for agency in expected]
    shown = {line.pk for line in matrix.lines}
    assert mixed.board.pk not in shown and gone.pk not in shown and counted_gone.pk in shown
    assert {mixed.police.pk, mixed.health.pk} <= shown
    assert [column.name for column in matrix.themes] == sorted(t.name for t in mixed.themes)
    assert retired.pk not in {column.pk for column in matrix.themes}
    assert matrix.cells == len(matrix.lines) * len(matrix.themes)
    assert matrix.gaps == sum(cell.reach.gap for line in matrix.lines for cell in line.cells)
    for column in matrix.themes:
        on_theme = LearningEvent.objects.filter(themes=column.pk)
        assert column.held == on_theme.filter(status=Status.HELD).count()
        assert column.scheduled == on_theme.filter(status=Status.SCHEDULED).count()


def test_every_cell_of_the_matrix_opens_the_list_of_the_events_behind_it(client, mixed):
    client.force_login(mixed.member)
    matrix = selectors.dissemination()
    cells = rules.reach_in_python(loaded_attendance())
    rows = list(Attendance.objects.select_related("event"))
    gaps = filled = 0
    for line in matrix.lines:
        for cell in line.cells:
            assert cell.reach == cells.get((line.pk, cell.theme.pk), rules.Reach())
            count, listed = listed_count(client, cell.url)
            on_theme = LearningEvent.objects.filter(themes=cell.theme.pk)
            reaching = {row.event_id for row in rows if row.agency_id == line.pk and row.attended > 0
                        and row.event.status == Status.HELD}
            if cell.reach.gap:
                gaps += 1
                expected = {ev.pk for ev in on_theme.filter(status=Status.HELD) if ev.pk not in reaching}
                assert "missed_by" in cell.url
            else:
                filled += 1
                assert count == cell.reach.events, (line.short_name, cell.theme.name)
                expected = {ev.pk for ev in on_theme if ev.pk in reaching}
                assert "attended_by" in cell.url
            assert count == len(expected), (line.short_name, cell.theme.name, cell.url)
            if count <= 25:  # one page: the very events, not just as many
                assert listed == expected, (line.short_name, cell.theme.name)
    assert gaps and filled, (gaps, filled)
