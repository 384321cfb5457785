"""The e-mail that tells an agency user the consultant rejected their evidence (sent by evidence.tasks).

It names the review and action references and the item's number, never a child's details, the file's
name or the consultant's note: those are read in scrsystem after signing in.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from evidence.models import EvidenceDecision

logger = logging.getLogger(__name__)


def send_rejection_email(decision_id):
    """Send the rejection e-mail for one decision, at most once. Returns True when an e-mail was sent.

    The decision is claimed (``notified_at`` set) before sending, so a second run finds nothing to do; if
    sending fails the claim is released and the error raised, for the task to retry.
    """
    claimed = EvidenceDecision.objects.filter(
        pk=decision_id, outcome=EvidenceDecision.Outcome.REJECTED, notified_at=None
    ).update(notified_at=timezone.now())
    if not claimed:
        return False
    decision = EvidenceDecision.objects.select_related(
        "evidence__action__plan__review", "evidence__submitted_by"
    ).get(pk=decision_id)
    evidence = decision.evidence
    submitter = evidence.submitted_by
    if not submitter.is_active or not submitter.email:
        logger.warning("Rejection of evidence #%s not e-mailed: its submitter has no active e-mail", evidence.pk)
        return False
    site_url = getattr(settings, "SITE_URL", "")
    action, review = evidence.action, evidence.action.plan.review
    context = {
        "evidence": evidence,
        "action": action,
        "review": review,
        "submitter": submitter,
        "link": f"{site_url}{reverse('evidence:detail', args=[evidence.pk])}" if site_url else "",
    }
    # A subject is plain text: built here, not in a template, which would HTML-escape it ("O&#x27;Brien"), and on
    # one line, as a header must be.
    subject = " ".join(f"Evidence rejected: {review.reference} action {action.reference}".split())
    body = render_to_string("evidence/email/rejected.txt", context)
    try:
        send_mail(subject, body, None, [submitter.email])
    except Exception:
        EvidenceDecision.objects.filter(pk=decision_id).update(notified_at=None)
        raise
    return True
