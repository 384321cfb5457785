"""Two people act on the same learning event or attendance record at once (the learning cycle's "races lose
cleanly"): marking an event held while another cancels it, recording an agency's first attendance twice, and two
corrections from the same version. Each pair is played many times, with fresh objects, on two real database
connections released together (tests/test_races.py's machinery): through the services, where the loser must get
lifecycle.Conflict, and through the pages, where the loser must be told that nothing of theirs was saved.

PostgreSQL only, as tests/test_races.py: skipped with the reason on SQLite (a failure in CI)."""

import datetime
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection
from django.urls import reverse

from accounts.models import Role
from actionplans import lifecycle
from actionplans.rules import today
from audit.models import ChangeRecord
from learning import services
from learning.models import Attendance, LearningEvent
from tests import factories
from tests.test_races import (  # noqa: F401 - concurrent_db is a fixture
    CONFLICT,
    Trial,
    at_once,
    concurrent_db,
    opened,
    race,
)

Status = LearningEvent.Status
TRIES = 8
SAVED_NOTHING = "nothing of yours was saved"


@pytest.fixture
def people(world):
    """The world, with a second member: two members moving the same event at once."""
    world.member2 = factories.user(Role.MEMBER, username="member2")
    return world


def event(w, n, *, hold=False):
    """A fresh event dated yesterday, held through the service if ``hold``."""
    created = services.event_create(
        actor=w.member, themes=[w.theme], title=f"Working with fathers ({n})", kind=LearningEvent.Kind.WORKSHOP,
        audience=LearningEvent.Audience.ALL, held_on=today() - datetime.timedelta(days=1),
        facilitator="The board's training officer", description="",
    )
    return services.move_event("hold", event=created, actor=w.member, seen=created.status) if hold else created


def together(*calls):
    """Run each call on its own thread, so on its own database connection, released together by a barrier (as
    tests/test_races.at_once does for requests). Returns each one's outcome: ("returned", value) or ("refused",
    the exception) for a refusal the service means to give (Refused, Conflict, or a unique constraint's
    IntegrityError). Anything else fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes, failures = [None] * len(calls), []

    def run(index, call):
        try:
            connection.ensure_connection()  # connected before the start, so that both calls start level
            barrier.wait(timeout=30)
            try:
                outcomes[index] = ("returned", call())
            except (lifecycle.Refused, IntegrityError) as refusal:
                outcomes[index] = ("refused", refusal)
        except BaseException as error:  # a deadlock, a broken barrier, an unexpected exception
            failures.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call), name=f"learning-race-{i}") for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a call never finished (a lock never released?)"
    if failures:
        raise AssertionError(f"a racing call failed: {failures[0]!r}") from failures[0]
    return outcomes


def one_won(outcomes):
    """Exactly one outcome is a success: (its index, the other's exception)."""
    won = [i for i, (kind, _) in enumerate(outcomes) if kind == "returned"]
    assert len(won) == 1, outcomes
    loser = outcomes[1 - won[0]]
    assert loser[0] == "refused", outcomes
    return won[0], loser[1]


def status_changes(ev):
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(ev), object_id=ev.pk,
                                          verb=ChangeRecord.Verb.CHANGED)
    return [(record.actor_id, record.changes.get("status")) for record in records.order_by("id")]


# --- hold and cancel at once -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_members_hold_and_cancel_the_same_event_at_once_through_the_service(concurrent_db, people):  # noqa: F811
    w = people
    winners = []
    for n in range(TRIES):
        ev = event(w, n)
        reason = f"The venue flooded ({n})."
        outcomes = together(
            lambda ev=ev: services.move_event("hold", event=ev, actor=w.member, seen=Status.SCHEDULED),
            lambda ev=ev, reason=reason: services.move_event(
                "cancel", event=ev, actor=w.member2, seen=lifecycle.Seen(Status.SCHEDULED), reason=reason),
        )
        won, refusal = one_won(outcomes)
        assert isinstance(refusal, lifecycle.Conflict), refusal
        assert CONFLICT in refusal.messages[0]
        ev.refresh_from_db()
        if won == 0:
            assert (ev.status, ev.cancellation_reason) == (Status.HELD, "")
            assert status_changes(ev) == [(w.member.pk, ["Scheduled", "Held"])]
            assert f"What you wrote, to use again: “{reason}”" in refusal.messages[0]
        else:
            assert (ev.status, ev.cancellation_reason) == (Status.CANCELLED, reason)
            assert status_changes(ev) == [(w.member2.pk, ["Scheduled", "Cancelled"])]
        winners.append(("hold", "cancel")[won])
    print(f"\nlearning event hold/cancel race (service): {TRIES} tries, winners {sorted(winners)}")


@pytest.mark.django_db(transaction=True)
def test_two_members_hold_and_cancel_the_same_event_at_once_through_the_pages(concurrent_db, people):  # noqa: F811
    w = people

    def make_trial(n):
        ev = event(w, n)
        reason = f"The trainer is ill ({n})."
        hold_url = reverse("learning:event_move", args=[ev.pk, "hold"])
        cancel_url = reverse("learning:event_move", args=[ev.pk, "cancel"])
        hold = opened("hold", w.member, hold_url, hold_url, "")
        cancel = opened("cancel", w.member2, cancel_url, cancel_url, reason, reason=reason)

        def check(winner, loser):
            ev.refresh_from_db()
            after = Status.HELD if winner is hold else Status.CANCELLED
            assert ev.status == after
            assert ev.cancellation_reason == (reason if winner is cancel else "")
            assert status_changes(ev) == [(winner.user.pk, ["Scheduled", after.label])]
            assert loser.response.status_code == 409
            assert f"changed from scheduled to {after.label.lower()}" in loser.told

        return Trial([hold, cancel], check)

    wins = race("learning event hold/cancel (pages)", make_trial, trials=TRIES)
    assert sum(wins.values()) == TRIES


# --- an agency's first attendance, twice at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_first_attendance_records_at_once_keep_one_row_through_the_service(concurrent_db, people):  # noqa: F811
    w = people
    for n in range(TRIES):
        ev = event(w, n, hold=True)
        outcomes = together(
            lambda ev=ev: services.attendance_record(event=ev, agency=w.police, actor=w.agency_user, attended=12,
                                                     note="From the agency."),
            lambda ev=ev: services.attendance_record(event=ev, agency=w.police, actor=w.member, attended=30,
                                                     note="From the sign-in sheet."),
        )
        won, refusal = one_won(outcomes)
        assert isinstance(refusal, (lifecycle.Conflict, IntegrityError)), refusal
        rows = list(Attendance.objects.filter(event=ev))
        assert len(rows) == 1
        assert rows[0].attended == (12, 30)[won]
        assert rows[0].created_by == (w.agency_user, w.member)[won]


@pytest.mark.django_db(transaction=True)
def test_two_first_attendance_records_at_once_through_the_pages_one_is_told(concurrent_db, people):  # noqa: F811
    w = people
    for n in range(TRIES):
        ev = event(w, n, hold=True)
        page = reverse("learning:attendance", args=[ev.pk, w.police.pk])
        agency = opened("agency", w.agency_user, page, page, "", attended="12", note="")
        member = opened("member", w.member, page, page, "", attended="30", note="")
        assert agency.data["loaded_version"] == member.data["loaded_version"] == ""
        at_once(agency, member)
        saved = [side for side in (agency, member) if side.response.status_code == 302]
        refused = [side for side in (agency, member) if side.response.status_code in (400, 409)]
        assert len(saved) == 1 and len(refused) == 1, [side.response.status_code for side in (agency, member)]
        html = refused[0].response.content.decode()
        assert SAVED_NOTHING in html
        row = Attendance.objects.get(event=ev)
        assert row.attended == (12 if saved[0] is agency else 30)


# --- two corrections from the same version -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_corrections_from_the_same_version_one_is_saved_the_other_conflicts(concurrent_db, people):  # noqa: F811
    w = people
    for n in range(TRIES):
        ev = event(w, n, hold=True)
        first = services.attendance_record(event=ev, agency=w.police, actor=w.agency_user, attended=10)
        version = Attendance.objects.get(pk=first.pk).updated_at
        outcomes = together(
            lambda ev=ev, version=version: services.attendance_record(
                event=ev, agency=w.police, actor=w.agency_user, attended=11, note="Recounted.", loaded_version=version),
            lambda ev=ev, version=version: services.attendance_record(
                event=ev, agency=w.police, actor=w.member, attended=14, note="From the register.", loaded_version=version),
        )
        won, refusal = one_won(outcomes)
        assert isinstance(refusal, lifecycle.Conflict), refusal
        assert SAVED_NOTHING in refusal.messages[0]
        loser_note = ("From the register.", "Recounted.")[won]
        assert f"What you wrote, to use again: “{loser_note}”" in refusal.messages[0]
        row = Attendance.objects.get(pk=first.pk)
        assert row.attended == (11, 14)[won]
        changes = [record.changes["people who attended"] for record in ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(row), object_id=row.pk,
            verb=ChangeRecord.Verb.CHANGED)]
        assert changes == [["10", str(row.attended)]]  # one correction on record, from the first number


@pytest.mark.django_db(transaction=True)
def test_two_corrections_from_the_same_page_at_once_one_is_told_with_409(concurrent_db, people):  # noqa: F811
    w = people
    for n in range(TRIES):
        ev = event(w, n, hold=True)
        services.attendance_record(event=ev, agency=w.police, actor=w.agency_user, attended=10)
        page = reverse("learning:attendance", args=[ev.pk, w.police.pk])
        agency = opened("agency", w.agency_user, page, page, "", attended="11", note="")
        member = opened("member", w.member, page, page, "", attended="14", note="")
        assert agency.data["loaded_version"] == member.data["loaded_version"] != ""
        at_once(agency, member)
        codes = sorted(side.response.status_code for side in (agency, member))
        assert codes == [302, 409], codes
        refused = next(side for side in (agency, member) if side.response.status_code == 409)
        assert SAVED_NOTHING in refused.response.content.decode()
        saved = agency if refused is member else member
        assert Attendance.objects.get(event=ev).attended == int(saved.data["attended"])
