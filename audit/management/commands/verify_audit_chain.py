"""Check the audit chain and every sealed row (audit.verification); with anchors, also that nothing was cut off."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import MAX_PROBLEMS, parse_anchor, verify_chain


class Command(BaseCommand):
    help = (
        "Check that no change record was altered, inserted or removed, and that no sealed row (progress entries, "
        "evidence decisions and downloads, security events, statuses) was changed, added or deleted outside the "
        "application. Give anchors to detect removal of the newest records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor", action="append", default=[], metavar="N:HASH",
            help="A daily anchor (from the anchor e-mail or the log): record N must still have this hash. Repeatable.",
        )
        parser.add_argument(
            "--anchor-file", action="append", default=[], metavar="PATH",
            help="A file of anchors, one N:HASH a line (blank lines and lines starting with # are skipped).",
        )

    def handle(self, *args, anchor, anchor_file, **options):
        anchors = {}
        given = [(text, f"--anchor {text}") for text in anchor]
        for path in anchor_file:
            given += [(line, f"{path}, line {number}") for number, line in enumerate(self._lines(path), start=1)]
        for text, where in given:
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            try:
                sequence, hash_ = parse_anchor(text)
            except ValueError as error:
                raise CommandError(f"{where}: {error}") from None
            if anchors.setdefault(sequence, hash_) != hash_:
                raise CommandError(f"{where}: two anchors give record {sequence} different hashes; check which is right.")
        result = verify_chain(anchors=anchors)
        if not result.intact:
            raise CommandError(
                f"Audit chain broken ({result.records} records and {result.rows} sealed rows checked as good):\n"
                + "\n".join(f"- {problem}" for problem in result.problems)
                + (f"\n(The check stops after {MAX_PROBLEMS} problems.)" if len(result.problems) >= MAX_PROBLEMS else "")
            )
        self.stdout.write(self.style.SUCCESS(
            f"Audit chain intact: {result.records} records and {result.rows} sealed rows checked"
            + (f", consistent with {len(anchors)} anchor(s) up to record {max(anchors)}." if anchors else ".")
        ))
        if not anchors:
            self.stdout.write(self.style.WARNING(
                "No anchor given: the removal of the newest records can only be detected with one. Give the latest "
                "with --anchor N:HASH (from the daily anchor e-mail or the log; manage.py anchor_audit_chain)."
            ))

    @staticmethod
    def _lines(path):
        try:
            with open(path, encoding="utf-8") as anchors:
                return anchors.read().splitlines()
        except OSError as error:
            raise CommandError(f"The anchor file {path} could not be read: {error.strerror}.") from None
