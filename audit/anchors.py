"""Anchoring the audit chain outside the database (``anchor_audit_chain``, daily from Celery beat).

The chain proves that no record was altered or removed from its middle, but someone who can write the database
can delete the newest records and move the chain head back, and the shorter chain is as valid as the long one.
So once a day the head, "sequence N, hash H", goes to the log (logger ``scrsystem.audit``) and by e-mail to the
administrators; ``verify_audit_chain --anchor N:H`` later checks that record N is still there with that hash.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, User
from audit.models import ChainHead

logger = logging.getLogger("scrsystem.audit")


@dataclass(frozen=True)
class Anchor:
    sequence: int
    hash: str
    at: datetime.datetime

    def __str__(self):
        return f"sequence {self.sequence}, hash {self.hash}, at {timezone.localtime(self.at).isoformat(timespec='seconds')}"

    @property
    def argument(self):
        """What ``verify_audit_chain --anchor`` takes."""
        return f"{self.sequence}:{self.hash}"


def current_anchor():
    head = ChainHead.objects.filter(pk=1).first()
    return Anchor(head.sequence, head.last_hash, timezone.now()) if head else Anchor(0, "", timezone.now())


def administrator_addresses():
    """Active administrators' e-mail addresses, then those of settings.ADMINS, each once."""
    addresses = list(
        User.objects.filter(is_active=True, role=Role.ADMIN).exclude(email="").order_by("pk").values_list("email", flat=True)
    )
    addresses += [admin if isinstance(admin, str) else admin[1] for admin in settings.ADMINS]
    unique = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def anchor_chain():
    """Log the chain head and e-mail it to the administrators. Returns (the Anchor, the addresses written to).

    The log line is written first, so a failed e-mail still leaves the anchor in the log (and the task retries)."""
    anchor = current_anchor()
    if not anchor.sequence:
        logger.info("Audit chain anchor: the chain is empty, there is nothing to anchor yet.")
        return anchor, []
    logger.info("Audit chain anchor: %s. Check with: manage.py verify_audit_chain --anchor %s", anchor, anchor.argument)
    recipients = administrator_addresses()
    if not recipients:
        logger.warning(
            "Audit chain anchor not e-mailed: no active administrator has an e-mail address and ADMINS is empty."
        )
        return anchor, []
    body = render_to_string("audit/email/anchor.txt", {"anchor": anchor, "site_url": settings.SITE_URL})
    send_mail(f"scrsystem audit chain anchor: record {anchor.sequence}", body, None, recipients)
    return anchor, recipients
