"""Anchor the audit chain now: what Celery beat does every day (audit.anchors)."""

from django.core.management.base import BaseCommand

from audit import anchors


class Command(BaseCommand):
    help = "Log the audit chain's head (record number and hash) and e-mail it to the administrators."

    def handle(self, *args, **options):
        anchor, recipients = anchors.anchor_chain()
        if not anchor.sequence:
            self.stdout.write("The audit chain is empty: there is nothing to anchor yet.")
            return
        self.stdout.write(self.style.SUCCESS(f"Audit chain anchor: {anchor}."))
        self.stdout.write(
            f"E-mailed to {len(recipients)} address(es)." if recipients
            else "Not e-mailed: no active administrator has an e-mail address and ADMINS is empty. Keep this line."
        )
        self.stdout.write(f"Check later with: manage.py verify_audit_chain --anchor {anchor.argument}")
