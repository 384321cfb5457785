"""Writes of the dashboard: the daily snapshot of figures behind the trend (dashboard.models.Snapshot), and the
record of each board report produced (dashboard.models.ReportIssue, report_issue_record).

Both writes are idempotent: the unique key (date, plan, lead agency) makes a second run of the same day an
update of the same rows (bulk update-or-create), never a duplicate.
"""

import datetime
from collections import defaultdict
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from actionplans import rules
from actionplans.models import Action, ProgressUpdate
from dashboard.models import ReportIssue, Snapshot


def snapshot_take(*, on=None):
    """Record today's figures (or those of ``on``, counted as on that day) of every plan and lead agency.
    Returns the number of rows written."""
    on = on or rules.today()
    aggregates = rules.figures_aggregates(on)
    counts = {name: aggregates[name] for name in Snapshot.COUNTS}  # the snapshot keeps these, not every figure
    rows = Action.objects.order_by().values("plan_id", "lead_agency_id").annotate(**counts)
    return _store(on, [Snapshot(date=on, **row) for row in rows])


def snapshot_backfill(*, days, today=None):
    """Fill the ``days`` days before today that have no snapshot yet with figures rebuilt from the actions'
    progress logs: on a past day an action had the status its log had reached by then, and it counts from its
    review's finalisation (or the action's first log entry, if earlier). Days already recorded are left alone,
    so real snapshots always win over rebuilt ones. Returns the number of days filled."""
    today = today or rules.today()
    wanted = {today - datetime.timedelta(days=n) for n in range(1, days + 1)}
    wanted -= set(Snapshot.objects.filter(date__in=wanted).values_list("date", flat=True).distinct())
    if not wanted:
        return 0
    histories = _histories()
    snapshots = []
    for day in sorted(wanted):
        groups = defaultdict(list)
        for history in histories:
            status = history.status_on(day)
            if status is not None:
                # Snapshots keep no count of slipped dates (Snapshot.COUNTS): the original date is not looked up.
                groups[history.key].append(SimpleNamespace(
                    status=status, target_date=history.target_date, original_target_date=history.target_date
                ))
        for (plan_id, lead_agency_id), actions in groups.items():
            figures = rules.figures_in_python(actions, on=day)
            snapshots.append(
                Snapshot(date=day, plan_id=plan_id, lead_agency_id=lead_agency_id,
                         **{name: getattr(figures, name) for name in Snapshot.COUNTS})
            )
    # The wanted days had no rows: nothing to update or remove, so all of them go in at once. A row another
    # process wrote for one of them meanwhile is a real snapshot, and wins.
    Snapshot.objects.bulk_create(snapshots, batch_size=2000, ignore_conflicts=True)
    return len(wanted)


def _store(on, snapshots):
    with transaction.atomic():
        Snapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=["date", "plan", "lead_agency"],
            update_fields=[*Snapshot.COUNTS, "taken_at"],
        )
        # A plan or agency that no longer has actions that day loses its row.
        keep = {(s.plan_id, s.lead_agency_id) for s in snapshots}
        stale = [
            pk
            for pk, plan_id, agency_id in Snapshot.objects.filter(date=on).values_list("pk", "plan_id", "lead_agency_id")
            if (plan_id, agency_id) not in keep
        ]
        if stale:
            Snapshot.objects.filter(pk__in=stale).delete()
    return len(snapshots)


class _History:
    """One action's status over time, from its progress log (status changes, oldest first)."""

    def __init__(self, action, changes):
        self.key = (action["plan_id"], action["lead_agency_id"])
        self.target_date = action["target_date"]
        self.changes = changes  # [(day, status_before, status_after)]
        review = action["plan__review__finalised_on"] or action["plan__review__commissioned_on"]
        starts = [timezone.localdate(action["created_at"]), review] + [day for day, _, _ in changes[:1]]
        self.since = min(day for day in starts if day)
        self.status = action["status"]

    def status_on(self, day):
        if day < self.since:
            return None
        status = self.changes[0][1] if self.changes else self.status
        for changed_on, _, after in self.changes:
            if changed_on > day:
                break
            status = after
        return status


def figures_on(days):
    """{day: the Figures of every action as it stood on that day}: today's counted live; a past day's the sum of
    its snapshot (Snapshot.COUNTS; a snapshot keeps no count of slipped dates), or, for a day with none, rebuilt from
    the progress logs as snapshot_backfill rebuilds a missing day. At most four queries, whatever the number of
    days and actions."""
    today = rules.today()
    figures = {}
    if today in days:
        figures[today] = rules.figures_for(Action.objects.all(), today)
    past = [day for day in days if day < today]
    if past:
        sums = {name: Sum(name) for name in Snapshot.COUNTS}
        for row in Snapshot.objects.filter(date__in=past).order_by().values("date").annotate(**sums):
            day = row.pop("date")
            figures[day] = rules.Figures(**row)
    missing = [day for day in days if day not in figures]
    if missing:
        histories = _histories()
        for day in missing:
            actions = [
                SimpleNamespace(status=status, target_date=history.target_date,
                                original_target_date=history.target_date)
                for history in histories if (status := history.status_on(day)) is not None
            ]
            figures[day] = rules.figures_in_python(actions, on=day)
    return figures


def _histories():
    actions = Action.objects.order_by().values(
        "id", "plan_id", "lead_agency_id", "status", "target_date", "created_at",
        "plan__review__finalised_on", "plan__review__commissioned_on",
    )
    changes = defaultdict(list)
    updates = (
        ProgressUpdate.objects.order_by("created_at", "id")
        .values_list("action_id", "created_at", "status_before", "status_after")
    )
    for action_id, created_at, before, after in updates:
        if before != after:
            changes[action_id].append((timezone.localdate(created_at), before, after))
    return [_History(action, changes[action["id"]]) for action in actions]


def report_issue_record(*, actor, since):
    """Record that ``actor`` produced the board report (its PDF) covering changes since ``since``, now. An agency
    user's report covers only what their agency sees: it is not the board's report, and is not recorded."""
    if actor.is_agency_user:
        return None
    return ReportIssue.objects.create(issued_at=timezone.now(), issued_by=actor, since=since)
