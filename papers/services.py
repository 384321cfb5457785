"""Writes of the board's papers: each checks who may make it (accounts.access) and leaves its change record.

A draft is changed from the version the person saw (audit.forms.StaleEditGuard on its form). Issuing is a
conditional write (``UPDATE … WHERE status = 'draft'``, lifecycle.claim_status) on the locked row, so that of two
people issuing at once exactly one does; while the row is locked the figures are computed, frozen in ``content`` and
rendered, and the PDF and DOCX are kept with their SHA-256 (evidence.services.store_then: a failure leaves neither
file nor row). Call paper_issue outside any transaction (its view is ``non_atomic_requests``).
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import slugify

from accounts import access
from actionplans import lifecycle
from actionplans.lifecycle import Refused
from actionplans.rules import today
from audit.services import save_audited
from dashboard.services import report_issue_record
from evidence.services import store_then
from evidence.uploads import CheckedUpload
from papers import content, render
from papers.models import Paper, PaperFile

#: Where issued papers are kept in the evidence storage.
FOLDER = "papers"


def paper_create(*, actor, kind, **values):
    access.require_write_papers(actor)
    return save_audited(Paper(kind=kind, created_by=actor), actor=actor, values=values)


@transaction.atomic
def paper_update(*, paper, actor, **values):
    access.require_write_papers(actor)
    locked = Paper.objects.select_for_update().get(pk=paper.pk)
    if locked.is_issued:
        raise Refused(f"“{locked.title}” was issued {issued_words(locked)}: an issued paper is never changed. "
                      "Start a new one to say something else.")
    return save_audited(locked, actor=actor, values=values)


def issued_words(paper):
    moment = formats.date_format(timezone.localtime(paper.status_changed_at), "j F Y H:i")
    return f"on {moment} by {paper.issued_by}"


def draft_state(on=None):
    return (f"Draft, not issued: the figures are those of {formats.date_format(on or today(), 'j F Y')} and are "
            "frozen only when the paper is issued.")


def issued_state(actor, at):
    who = f"{actor}{f', {actor.job_title}' if getattr(actor, 'job_title', '') else ''}"
    return (f"Issued on {formats.date_format(timezone.localtime(at), 'j F Y')} by {who}. The figures are as they "
            "were that day.")


def file_name(paper, extension, *, draft=False):
    stem = slugify(f"{paper.title} {paper.dated:%Y-%m-%d}")[:80] or "board-paper"
    return f"{stem}{'-draft' if draft else ''}.{extension}"


def _checked(data, name, extension, label):
    return CheckedUpload(file=ContentFile(data), original_name=name, extension=extension,
                         content_type=render.CONTENT_TYPES[extension], size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), label=label)


def paper_issue(*, paper, actor):
    """Issue a draft: freeze its content, render and keep its PDF and DOCX, and record it as the board's last
    report (a report to partners: dashboard.models.ReportIssue, from which the next one's "since" starts)."""
    access.require_write_papers(actor)
    with transaction.atomic():
        # Claimed and locked first: a second person issuing at once waits here, then finds it issued (Conflict).
        claimed, locked = lifecycle.claim_status(Paper, paper.pk, Paper.Status.DRAFT)
        if locked is None:
            raise lifecycle.moved_since(paper, Paper.Status.DRAFT, "")
        frozen = content.build(locked, actor)
        frozen["state"] = issued_state(actor, timezone.now())
        pdf, docx = render.pdf(frozen), render.docx(frozen, author=str(actor))
        uploads = [
            _checked(pdf, file_name(locked, "pdf"), "pdf", "PDF"),
            _checked(docx, file_name(locked, "docx"), "docx", "Word document"),
        ]

        def keep(names):
            for checked, name, file_format in zip(uploads, names, PaperFile.Format.values, strict=True):
                PaperFile.keep(checked, name, actor=actor, paper=locked, format=file_format)
            claimed.update(content=frozen, issued_by=actor)
            locked.content, locked.issued_by = frozen, actor
            issued = lifecycle.write_status(claimed, locked, actor=actor, status=Paper.Status.ISSUED)
            if issued.kind == Paper.Kind.PARTNERS:
                report_issue_record(actor=actor, since=issued.since)
            return issued

        return store_then(keep, uploads, FOLDER)


def preview(paper, user, *, file_format=None):
    """A draft as it would be issued today (HTML content, or the bytes of ``file_format``): nothing is kept."""
    built = content.build(paper, user)
    built["state"] = draft_state()
    if file_format == PaperFile.Format.PDF:
        return render.pdf(built)
    if file_format == PaperFile.Format.DOCX:
        return render.docx(built, author=str(user))
    return built
