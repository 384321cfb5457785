"""Daily snapshots: idempotent per day, rebuilt from the progress logs for the demo, and read per role."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum

from actionplans.models import ProgressUpdate
from actionplans.rules import Status, today
from dashboard import selectors, services, tasks
from dashboard.models import Snapshot
from scrsystem.celery import app
from tests import factories


def test_taking_a_snapshot_twice_a_day_leaves_one_row_per_plan_and_agency(world):
    first = services.snapshot_take()
    rows = list(Snapshot.objects.values_list("date", "plan_id", "lead_agency_id", "total", "verified"))
    assert first == len(rows) == 4  # multi-agency plan: police and health; two single-agency plans
    world.police_action.status = Status.VERIFIED
    world.police_action.save()
    services.snapshot_take()
    assert Snapshot.objects.count() == 4
    police_own = Snapshot.objects.get(plan=world.police_plan)
    assert (police_own.date, police_own.total, police_own.verified) == (today(), 1, 1)


def test_the_database_refuses_a_second_row_for_the_same_day(world):
    services.snapshot_take()
    row = Snapshot.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Snapshot.objects.create(date=row.date, plan_id=row.plan_id, lead_agency_id=row.lead_agency_id)


def test_a_plan_without_actions_any_more_loses_its_row(world):
    services.snapshot_take()
    world.health_action.plan = world.multi_plan
    world.health_action.save()
    services.snapshot_take()
    assert not Snapshot.objects.filter(plan=world.health_plan).exists()


def test_the_command_and_the_task_take_the_snapshot(world):
    out = io.StringIO()
    call_command("take_snapshot", stdout=out)
    assert "4 rows for today" in out.getvalue()
    assert tasks.take_snapshot() == 4
    assert Snapshot.objects.count() == 4


def test_beat_takes_the_snapshot_every_day(settings):
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    entry = next(e for e in schedule.values() if e["task"] == "dashboard.tasks.take_snapshot")
    assert entry["schedule"].hour == {settings.SNAPSHOT_HOUR}


def test_backfill_rebuilds_past_days_from_the_progress_log(world):
    d = today()
    action = world.police_action
    action.status = Status.VERIFIED
    action.save()
    update = ProgressUpdate.objects.create(
        action=action, author=world.member, note="Signed off", status_before=Status.IN_PROGRESS, status_after=Status.VERIFIED
    )
    ProgressUpdate.objects.filter(pk=update.pk).update(
        created_at=datetime.datetime.combine(d - datetime.timedelta(days=10), datetime.time(12), tzinfo=datetime.UTC)
    )
    assert services.snapshot_backfill(days=20) == 20
    before = Snapshot.objects.get(plan=world.police_plan, date=d - datetime.timedelta(days=15))
    after = Snapshot.objects.get(plan=world.police_plan, date=d - datetime.timedelta(days=5))
    assert (before.verified, after.verified) == (0, 1)
    # Days already recorded are kept: a second back-fill changes nothing.
    assert services.snapshot_backfill(days=20) == 0
    assert Snapshot.objects.filter(date=d - datetime.timedelta(days=5)).count() == 4


def test_the_trend_reads_weekly_snapshots_and_ends_with_today_live(world):
    d = today()
    for weeks in (1, 2):
        services.snapshot_take(on=d - datetime.timedelta(days=7 * weeks))
    points = selectors.trend(world.chair, live=selectors.rules.figures_for(selectors.access.visible_actions(world.chair)))
    assert [p.date for p in points] == [d - datetime.timedelta(days=14), d - datetime.timedelta(days=7), d]
    assert all(p.figures.total == 4 for p in points)


def test_an_agency_users_trend_leaves_out_other_agencies_own_plans(world):
    factories.action(world.health_plan, world.health, reference="H.2")
    services.snapshot_take(on=today() - datetime.timedelta(days=7))
    chair = selectors.trend(world.chair)
    police = selectors.trend(world.agency_user)
    assert chair[0].figures.total == 5
    assert police[0].figures.total == 3  # two multi-agency actions and the police plan's own
    health_seen_by_police = selectors.trend(world.agency_user, agency=world.health)
    assert health_seen_by_police[0].figures.total == 1


def test_the_demo_has_a_trend_and_seeding_again_leaves_it_alone(settings, db):
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", stdout=io.StringIO())
    days = set(Snapshot.objects.values_list("date", flat=True))
    assert len(days) == 183 and max(days) == today()
    before = list(Snapshot.objects.order_by("pk").values_list("pk", "date", "plan_id", "lead_agency_id", "total", "verified"))
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 earlier days of snapshots filled" in out.getvalue()
    after = list(Snapshot.objects.order_by("pk").values_list("pk", "date", "plan_id", "lead_agency_id", "total", "verified"))
    assert after == before
    # A plausible history: the figures change over the months rather than repeating today's.
    verified = {total for total in Snapshot.objects.values("date").annotate(n=Sum("verified")).values_list("n", flat=True)}
    assert len(verified) > 1


def test_backfill_refuses_a_negative_number_of_days(db):
    with pytest.raises(CommandError):
        call_command("take_snapshot", "--backfill", "-3", stdout=io.StringIO())
