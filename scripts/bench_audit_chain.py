#!/usr/bin/env python
"""Benchmark of ``verify_audit_chain`` on a large chain: prints time, queries and peak memory at two sizes.

    DATABASE_URL=postgres://…/throwaway .venv/bin/python scripts/bench_audit_chain.py [--actions 200000]

It writes into the configured database: use a throwaway, migrated one whose chain is empty (it refuses
otherwise), and removes what it wrote at the end. Actions and security events are written with bulk_create and
their records linked here as audit.services would link them, one by one, which would take far longer.
Not a timed test: the figures depend on the machine; README ("Security and trust") quotes some.
"""

import argparse
import datetime
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrsystem.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Agency, SecurityEvent  # noqa: E402
from actionplans.models import Action, ActionPlan  # noqa: E402
from actionplans.rules import Status  # noqa: E402
from audit import chain  # noqa: E402
from audit.models import ChainHead, ChangeRecord  # noqa: E402
from audit.verification import verify_chain  # noqa: E402
from reviews.models import Review  # noqa: E402

BATCH = 5000
ACTIONS_PER_PLAN = 500


def build(actions, events):
    agency = Agency.objects.create(name="BENCH agency", short_name="BENCH", kind=Agency.Kind.OTHER)
    plans = ActionPlan.objects.bulk_create([
        ActionPlan(review=Review.objects.create(
            reference=f"BENCH-{i}", title="Bench", incident_category=Review.IncidentCategory.NEGLECT,
            status=Review.Status.COMMISSIONED, commissioned_on=datetime.date(2024, 1, 1),
        ), kind=ActionPlan.Kind.MULTI_AGENCY, title="Bench plan")
        for i in range(-(-actions // ACTIONS_PER_PLAN))
    ])
    statuses = list(Status)
    Action.objects.bulk_create(
        (Action(plan=plans[i // ACTIONS_PER_PLAN], reference=str(i), recommendation="Bench.", description="Bench.",
                lead_agency=agency, target_date=datetime.date(2027, 1, 1),
                original_target_date=datetime.date(2027, 1, 1), success_measure="Bench.",
                status=statuses[i % len(statuses)],
                cancellation_reason="Bench." if statuses[i % len(statuses)] == Status.CANCELLED else "")
         for i in range(actions)),
        batch_size=BATCH,
    )
    SecurityEvent.objects.bulk_create(
        (SecurityEvent(kind=SecurityEvent.Kind.SIGN_IN_FAILED, username=f"guess{i}", ip_address="192.0.2.1")
         for i in range(events)),
        batch_size=BATCH,
    )
    sequence, previous, now, batch = 0, "", timezone.now(), []
    for model in (Action, SecurityEvent):
        content_type = ContentType.objects.get_for_model(model)
        for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
            sequence += 1
            record = ChangeRecord(
                content_type=content_type, object_id=row.pk, object_repr=f"{model._meta.verbose_name} #{row.pk}",
                verb=ChangeRecord.Verb.RECORDED, changes={}, at=now, seal=chain.seal_of(row),
                sequence=sequence, previous_hash=previous,
            )
            record.hash = previous = chain.record_hash(record)
            batch.append(record)
            if len(batch) == BATCH:
                ChangeRecord.objects.bulk_create(batch)
                batch = []
    ChangeRecord.objects.bulk_create(batch)
    ChainHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "last_hash": previous})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure():
    """Time and queries of one verification, then the peak of Python's memory in a second (tracemalloc slows it)."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = verify_chain()
    seconds = time.perf_counter() - started
    assert result.intact, result.problems
    tracemalloc.start()
    verify_chain()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, len(queries), peak


def clean():
    with transaction.atomic():
        ChangeRecord.objects.all().delete()
        ChainHead.objects.filter(pk=1).delete()
        SecurityEvent.objects.filter(username__startswith="guess").delete()
        Action.objects.filter(lead_agency__short_name="BENCH").delete()
        ActionPlan.objects.filter(review__reference__startswith="BENCH-").delete()
        Review.objects.filter(reference__startswith="BENCH-").delete()
        Agency.objects.filter(short_name="BENCH").delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=200_000)
    args = parser.parse_args()
    if ChangeRecord.objects.exists() or Action.objects.exists():
        sys.exit("The database holds records or actions already: point DATABASE_URL at a throwaway, empty one.")
    print(f"{'actions':>8} {'events':>8} {'records':>8} {'seconds':>8} {'queries':>8} {'peak MB':>8}")
    try:
        for actions in (args.actions // 10, args.actions):
            clean()
            build(actions, actions // 2)
            result, seconds, queries, peak = measure()
            print(f"{actions:>8} {actions // 2:>8} {result.records:>8} {seconds:>8.1f} {queries:>8} {peak / 2**20:>8.1f}")
        print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB ({connection.vendor})")
    finally:
        clean()


if __name__ == "__main__":
    main()
