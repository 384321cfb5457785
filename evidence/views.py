"""Evidence pages. Each view calls one accounts.access helper first (404 for what the user may not see, 403 for
what they may see but not do), then at most one service, then redirects."""

import logging

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access, security
from accounts.access import Need
from actionplans import lifecycle, rules
from actionplans.forms import ReasonForm
from actionplans.templatetags.actions import beside_tag
from audit.services import history_of
from evidence import selectors, services, storage, uploads
from evidence.filters import AuditQueueFilter
from evidence.forms import DecisionForm, EvidenceForm, NewVersionForm
from scrsystem.http import attachment, paginate, posted, refused_status

logger = logging.getLogger(__name__)


def _decision_of(evidence):
    try:
        return evidence.decision
    except ObjectDoesNotExist:
        return None


def _error_text(error):
    return " ".join(error.messages)


# Uploads run outside the request's transaction: the service's own transaction stores the file and writes the
# row together, and is final when it returns (see evidence.services).
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def evidence_submit(request, action_pk):
    action = access.get_action(request.user, action_pk, Need.SUBMIT_EVIDENCE)
    refusal = lifecycle.submission_refusal(action)
    if refusal:
        raise PermissionDenied(refusal)
    data = posted(request)
    form = EvidenceForm(data, request.FILES or None, refused=uploads.refused_for_size(request, "files"))
    if data is not None and form.is_valid():
        try:
            items = services.evidence_submit(
                action=action,
                actor=request.user,
                description=form.cleaned_data["description"],
                represents_on=form.cleaned_data["represents_on"],
                uploads=form.cleaned_data["files"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = len(items)
            messages.success(
                request,
                f"{count} evidence item{'s' if count != 1 else ''} submitted on action {action}. "
                "The consultant will accept or reject each one.",
            )
            return redirect(f"{action.get_absolute_url()}#evidence")
    context = {"form": form, "action": action, "heading": f"Submit evidence on action {action}"}
    return render(request, "evidence/evidence_form.html", context, status=400 if form.errors else 200)


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def evidence_new_version(request, pk):
    old = access.get_evidence(request.user, pk, Need.CHANGE)
    lifecycle.require(request.user, old, "new_version", seen=request.POST.get("seen_status"))
    data = posted(request)
    initial = {"description": old.description, "represents_on": old.represents_on, "note": old.note}
    form = NewVersionForm(
        data, request.FILES or None, seen=old, initial=initial, refused=uploads.refused_for_size(request, "files")
    )
    if data is not None and form.is_valid():
        files = form.cleaned_data["files"]
        try:
            new = services.evidence_supersede(
                old=old,
                actor=request.user,
                description=form.cleaned_data["description"],
                represents_on=form.cleaned_data["represents_on"],
                upload=files[0] if files else None,
                note=form.cleaned_data["note"],
                seen_status=form.cleaned_data["seen_status"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"New version of evidence #{old.pk} submitted on action {old.action}; #{old.pk} stays on record as "
                "superseded.",
            )
            return redirect(new)
    context = {"form": form, "action": old.action, "old": old, "heading": f"New version of evidence #{old.pk}"}
    return render(request, "evidence/evidence_form.html", context, status=refused_status(form) if form.errors else 200)


def evidence_detail(request, pk):
    evidence = access.get_evidence(request.user, pk)
    decision = _decision_of(evidence)
    context = {
        "evidence": evidence,
        "action": evidence.action,
        "decision": decision,
        "versions": selectors.versions_of(request.user, evidence),
        "history": history_of(evidence),
        "can_decide": lifecycle.allowed(request.user, evidence, "accept"),
        "can_change": lifecycle.allowed(request.user, evidence, "withdraw"),
        "can_replace": lifecycle.allowed(request.user, evidence, "new_version"),
        # Accepted on a completed action: the consultant may sign the action off from here.
        "sign_off_now": evidence.status == evidence.Status.ACCEPTED and _may_sign_off(request.user, evidence.action),
        "today": rules.today(),
    }
    return render(request, "evidence/evidence_detail.html", context)


@require_GET
def evidence_download(request, pk):
    evidence = access.get_evidence(request.user, pk)
    if not evidence.has_file:
        raise Http404("This evidence item is a written note, without a file.")
    return verified_download(
        request, evidence, what=f"evidence #{evidence.pk}", back=evidence.get_absolute_url(),
        back_label="the evidence item",
        before_sending=lambda: services.evidence_record_download(
            evidence=evidence, user=request.user, ip_address=security.client_ip(request)),
    )


def verified_download(request, kept, *, what, back, back_label, before_sending=None, changed=None):
    """Send a stored file (an evidence item, a learning file, a concern file: anything with ``stored_name``,
    ``sha256``, ``original_name`` and ``content_type``) once its SHA-256 matches what was stored; if the bytes
    changed in storage, a 409 page naming ``what`` and a link back, and the refusal in the log. ``before_sending``
    runs once the file is verified (the evidence download log); ``changed``, when given, makes the answer to a
    changed file instead of the page (the REST API's)."""
    try:
        content = storage.open_verified(kept.stored_name, kept.sha256)
    except storage.FileChanged as problem:
        logger.error("Download of %s by %s refused: %s", what, request.user, problem)
        if changed is not None:
            return changed()
        context = {"what": what, "back": back, "back_label": back_label}
        return render(request, "evidence/file_changed.html", context, status=409)
    if before_sending is not None:
        before_sending()
    return attachment(content, kept.original_name, kept.content_type)


@require_POST
def evidence_decide(request, pk):
    evidence = access.get_evidence(request.user, pk, Need.DECIDE)
    form = DecisionForm(request.POST)
    if request.POST.get("from") == "queue":
        # Back to the same page of the queue, filters kept; a refusal is shown beside the item, not at the top.
        query = QueryDict(request.POST.get("queue_query", "")).urlencode()
        back = reverse("evidence:queue") + (f"?{query}" if query else "")
    else:
        back = evidence.get_absolute_url()
    beside = f"#decide-{evidence.pk}"
    if not form.is_valid():
        errors = " ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"Nothing was saved: {errors}", extra_tags=beside_tag(evidence))
        return redirect(back + beside)
    accept = form.cleaned_data["decision"] == "accept"
    try:
        lifecycle.decide(evidence=evidence, actor=request.user, accept=accept, note=form.cleaned_data["note"])
    except lifecycle.Conflict as error:
        messages.error(request, _error_text(error))  # decided already: no form to show it beside any more
    except ValidationError as error:
        messages.error(request, f"Evidence #{evidence.pk} not decided: {_error_text(error)}", extra_tags=beside_tag(evidence))
        return redirect(back + beside)
    else:
        verb = "accepted" if accept else "rejected; the agency user who submitted it will be e-mailed"
        message = f"Evidence #{evidence.pk} on action {evidence.action} {verb}."
        if accept and _may_sign_off(request.user, evidence.action):
            message = format_html(
                '{} Action {} is completed and now has accepted evidence: you can sign it off. '
                '<a href="{}#sign-off">Sign off now<span class="visually-hidden"> action {}</span></a>',
                message, evidence.action, evidence.action.get_absolute_url(), evidence.action,
            )
        messages.success(request, message)
    return redirect(back)


def _may_sign_off(user, action):
    """May this user sign the action off now: the consultant, on a completed action with accepted evidence?"""
    return lifecycle.allowed(user, action, "verify") and lifecycle.verification_refusal(action) is None


@require_http_methods(["GET", "POST"])
def evidence_withdraw(request, pk):
    evidence = access.get_evidence(request.user, pk, Need.CHANGE)
    lifecycle.require(request.user, evidence, "withdraw", seen=request.POST.get("seen_status"))
    form = ReasonForm(
        posted(request),
        seen=evidence,
        label="Reason for withdrawing",
        help_text="The item stays on record, marked withdrawn, with this reason.",
        submit_label="Withdraw this evidence",
    )
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.withdraw_evidence(
                evidence=evidence, actor=request.user, reason=form.cleaned_data["reason"],
                seen_status=form.cleaned_data["seen_status"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Evidence #{evidence.pk} on action {evidence.action} withdrawn. It stays on record with your reason.",
            )
            return redirect(evidence)
    status = refused_status(form) if form.errors and request.method == "POST" else 200
    return render(request, "evidence/evidence_withdraw.html", {"evidence": evidence, "form": form}, status=status)


def audit_queue(request):
    access.require_audit_queue(request.user)
    queue_filter = AuditQueueFilter(request.GET, queryset=selectors.audit_queue(request.user))
    page, query = paginate(request, queue_filter.qs)
    context = {
        "filter": queue_filter,
        "page": page,
        "query": query,
        "can_decide": access.can_decide(request.user),
        "today": rules.today(),
    }
    return render(request, "evidence/audit_queue.html", context)
