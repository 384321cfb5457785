"""Take today's snapshot of the figures behind the trend; with --backfill, first rebuild missing past days."""

from django.core.management.base import BaseCommand, CommandError

from dashboard import services


class Command(BaseCommand):
    help = "Record today's figures of every plan and agency for the trend charts. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--backfill",
            type=int,
            default=0,
            metavar="DAYS",
            help="Also fill the DAYS days before today that have no snapshot, rebuilt from the progress logs.",
        )

    def handle(self, *args, backfill=0, **options):
        if backfill < 0:
            raise CommandError("--backfill takes a number of days, 0 or more.")
        filled = services.snapshot_backfill(days=backfill) if backfill else 0
        rows = services.snapshot_take()
        self.stdout.write(
            self.style.SUCCESS(f"Snapshot taken: {rows} rows for today; {filled} earlier days filled from the progress logs.")
        )
