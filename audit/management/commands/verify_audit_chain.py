from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Check that no change record was altered, inserted or removed; report the first broken link."

    def handle(self, *args, **options):
        checked, broken, reason = verify_chain()
        if reason:
            where = f"record #{broken.pk} ({broken})" if broken else "the end of the chain"
            raise CommandError(f"Audit chain broken at {where}, after {checked} good records: {reason}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} records checked."))
