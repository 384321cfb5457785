"""Every change to a review, plan or action is recorded, every progress entry, decision, download and security
event is sealed in the chain, and the record is tamper-evident (the re-forging attacks: tests/test_audit_chain.py)."""

import contextlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models.signals import post_save
from django.urls import reverse

from accounts.models import SecurityEvent
from actionplans import lifecycle
from actionplans.models import Action, ActionPlan, ProgressUpdate, TargetDateChange
from actionplans.rules import Status
from audit.models import ChangeRecord
from audit.services import record_created
from evidence.models import Evidence, EvidenceDecision, EvidenceDownload
from reviews.models import Review
from tests import evidence_samples, factories

#: Changed objects, and rows sealed in the chain (a progress entry, a download, a security event): each one saved
#: must have its record.
AUDITED = (
    Review, ActionPlan, Action, TargetDateChange, Evidence, EvidenceDecision, ProgressUpdate, EvidenceDownload, SecurityEvent
)


@contextlib.contextmanager
def saves_must_be_recorded(expect_saves=True):
    """Fail if any audited object saved inside the block has no change record written inside the block."""
    saved = set()

    def remember(sender, instance, **kwargs):
        saved.add((ContentType.objects.get_for_model(sender).pk, instance.pk))

    for model in AUDITED:
        post_save.connect(remember, sender=model, weak=False, dispatch_uid=f"audit-test-{model.__name__}")
    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        yield saved
    finally:
        for model in AUDITED:
            post_save.disconnect(sender=model, dispatch_uid=f"audit-test-{model.__name__}")
    recorded = set(ChangeRecord.objects.filter(id__gt=newest).values_list("content_type_id", "object_id"))
    assert saved or not expect_saves, "the write saved nothing: the test would prove nothing"
    assert saved <= recorded, f"saved without a change record: {saved - recorded}"


def review_data(**changes):
    data = {
        "reference": "SCR-2031-01",
        "title": "Child Z",
        "incident_category": Review.IncidentCategory.NEGLECT,
        "kind": "serious_case",
        "status": Review.Status.COMMISSIONED,
        "commissioned_on": "2031-01-10",
    }
    return {**data, **changes}


def write_paths(world):
    """(who, url, data, the action whose status move must be recorded) for every way the application changes a
    review, plan or action."""
    review, plan, action = world.review, world.multi_plan, world.multi_action
    cancelled = factories.action(world.multi_plan, world.police, reference="1.8", status=Status.CANCELLED)
    return [
        ("member", reverse("reviews:create"), review_data(), None),
        ("member", reverse("reviews:edit", args=[review.pk]), review_data(
            reference=review.reference, title="Child Y", loaded_version=review.updated_at.isoformat()), None),
        ("member", reverse("reviews:plan_create", args=[world.review.pk]), {
            "kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": world.board.pk, "title": "Board plan"}, None),
        ("member", reverse("actionplans:plan_edit", args=[plan.pk]), {
            "kind": plan.kind, "title": "Renamed plan", "loaded_version": plan.updated_at.isoformat()}, None),
        ("member", reverse("actionplans:action_create", args=[plan.pk]), factories.action_edit_data(action, reference="7.7"), None),
        ("member", reverse("actionplans:action_edit", args=[action.pk]), factories.action_edit_data(action, description="Revised."), None),
        ("police", reverse("actionplans:action_progress", args=[action.pk]), {
            "status": Status.COMPLETED, "note": "Done.", "seen_status": action.status}, action),
        ("member", reverse("actionplans:action_cancel", args=[world.police_action.pk]), {
            "reason": "No longer needed.", "seen_status": world.police_action.status}, world.police_action),
        ("member", reverse("actionplans:action_reinstate", args=[cancelled.pk]), {
            "status": Status.IN_PROGRESS, "note": "Needed after all.", "seen_status": Status.CANCELLED}, cancelled),
        # Target dates (actionplans.dates): a member's change, the lead agency's request.
        ("member", reverse("actionplans:action_target_date", args=[world.health_action.pk]), {
            "new_date": "2031-05-01", "reason": "Re-planned.", "seen_date": world.health_action.target_date}, None),
        ("police", reverse("actionplans:action_target_date", args=[world.police_action.pk]), {
            "new_date": "2031-05-01", "reason": "The trainer is ill.", "seen_date": world.police_action.target_date}, None),
    ]


@pytest.mark.parametrize("index", range(11))
def test_every_write_path_of_the_application_leaves_a_change_record(client, world, index):
    who, url, data, moved = write_paths(world)[index]
    client.force_login(getattr(world, {"member": "member", "police": "agency_user"}[who]))
    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with saves_must_be_recorded(expect_saves=moved is None):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    if moved is not None:  # status moves are conditional UPDATEs, which send no post_save: check them directly
        content_type = ContentType.objects.get_for_model(Action)
        record = ChangeRecord.objects.get(id__gt=newest, content_type=content_type, object_id=moved.pk)
        assert record.changes["status"][0] == Status(moved.status).label


def evidence_write_paths(world):
    """(who, url, data, the object whose change must be recorded) for every way evidence and decisions change."""
    action = world.multi_action
    submitted = evidence_samples.submit_note(action, world.agency_user)
    to_reject = evidence_samples.submit_note(action, world.agency_user, note="Second item.")
    rejected = evidence_samples.submit_note(action, world.agency_user, note="Third item.")
    lifecycle.decide(evidence=rejected, actor=world.consultant, accept=False, note="Unsigned copy.")
    to_withdraw = evidence_samples.submit_note(action, world.agency_user, note="Fourth item.")
    Action.objects.filter(pk=action.pk).update(status=Status.COMPLETED)
    note = {"description": "Signed protocol", "represents_on": "2026-03-03", "note": "Signed by all partners."}
    return [
        ("agency_user", reverse("evidence:submit", args=[action.pk]), note, None),
        ("consultant", reverse("evidence:decide", args=[submitted.pk]), {"decision": "accept", "note": ""}, submitted),
        ("consultant", reverse("evidence:decide", args=[to_reject.pk]), {"decision": "reject", "note": "Unsigned."}, to_reject),
        ("agency_user", reverse("evidence:new_version", args=[rejected.pk]), {**note, "seen_status": rejected.status}, rejected),
        ("agency_user", reverse("evidence:withdraw", args=[to_withdraw.pk]), {
            "reason": "Wrong file.", "seen_status": to_withdraw.status}, to_withdraw),
    ]


@pytest.mark.parametrize("index", range(5))
def test_every_evidence_write_path_leaves_a_change_record(client, world, index):
    who, url, data, changed = evidence_write_paths(world)[index]
    client.force_login(getattr(world, who))
    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with saves_must_be_recorded(expect_saves=changed is None):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    if changed is not None:  # status changes made with a conditional UPDATE send no post_save: check them directly
        content_type = ContentType.objects.get_for_model(Evidence)
        assert ChangeRecord.objects.filter(id__gt=newest, content_type=content_type, object_id=changed.pk).exists()


def test_verifying_and_withdrawing_a_sign_off_leave_change_records(client, world):
    action = world.multi_action
    item = evidence_samples.submit_note(action, world.agency_user)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="")
    Action.objects.filter(pk=action.pk).update(status=Status.COMPLETED)
    client.force_login(world.consultant)
    content_type = ContentType.objects.get_for_model(Action)
    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    data = {"note": "Accepted.", "seen_status": Status.COMPLETED}
    with saves_must_be_recorded(expect_saves=False):  # a conditional UPDATE: no post_save, checked below
        assert client.post(reverse("actionplans:action_verify", args=[action.pk]), data).status_code == 302
    record = ChangeRecord.objects.get(id__gt=newest, content_type=content_type, object_id=action.pk)
    assert record.changes["status"] == [Status.COMPLETED.label, Status.VERIFIED.label]
    newest = record.pk
    data = {"reason": "Re-audit.", "seen_status": Status.VERIFIED}
    with saves_must_be_recorded(expect_saves=False):
        response = client.post(reverse("actionplans:action_withdraw_verification", args=[action.pk]), data)
        assert response.status_code == 302
    record = ChangeRecord.objects.get(id__gt=newest, content_type=content_type, object_id=action.pk)
    assert record.changes["status"] == [Status.VERIFIED.label, Status.COMPLETED.label]


def test_admin_edits_leave_change_records_too(client, world):
    action = world.multi_action
    client.force_login(world.admin)
    url = reverse("admin:actionplans_action_change", args=[action.pk])
    data = {
        "plan": action.plan_id,
        "reference": action.reference,
        "recommendation": action.recommendation_id,
        "description": "Changed in the admin site.",
        "lead_agency": action.lead_agency_id,
        "responsible_officer": action.responsible_officer_id,
        "target_date": action.target_date.isoformat(),
        "success_measure": action.success_measure,
        "status": action.status,
        "cancellation_reason": "",
        "progress_updates-TOTAL_FORMS": "0",
        "progress_updates-INITIAL_FORMS": "0",
        "progress_updates-MIN_NUM_FORMS": "0",
        "progress_updates-MAX_NUM_FORMS": "1000",
    }
    with saves_must_be_recorded():
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    record = ChangeRecord.objects.filter(object_id=action.pk, actor=world.admin).get()
    assert record.changes["what will be done"][1] == "Changed in the admin site."


def test_the_action_page_tells_its_history_in_plain_words(client, world):
    action = world.multi_action
    action.target_date = action.target_date.replace(year=2030, month=3, day=1)
    action.save()
    action.refresh_from_db()
    client.force_login(world.member)
    # A target date moves on its own page, with a reason (actionplans.dates).
    data = {"new_date": "2030-04-01", "reason": "The audit moved to April.", "seen_date": "2030-03-01"}
    client.post(reverse("actionplans:action_target_date", args=[action.pk]), data)
    page = client.get(action.get_absolute_url()).content.decode()
    assert f"Target date changed from 1 Mar 2030 to 1 Apr 2030 by {world.member}" in page


def _three_records(client, world):
    for action in Action.objects.order_by("pk"):  # the factories write rows only; the pages would record them
        record_created(action, actor=world.member)
    client.force_login(world.member)
    for title in ("Child P", "Child Q", "Child R"):
        review = Review.objects.get(pk=world.review.pk)
        client.post(reverse("reviews:edit", args=[review.pk]), review_data(
            reference=review.reference, title=title, loaded_version=review.updated_at.isoformat()))
    records = list(ChangeRecord.objects.filter(verb=ChangeRecord.Verb.CHANGED).order_by("sequence"))
    assert len(records) == 3
    return records


def test_an_untouched_chain_verifies(client, world):
    _three_records(client, world)
    call_command("verify_audit_chain")


def test_an_altered_record_is_reported_as_the_first_broken_link(client, world):
    first, second, third = _three_records(client, world)
    ChangeRecord.objects.filter(pk=second.pk).update(changes={"title": ["Child P", "Someone else"]})
    with pytest.raises(CommandError, match=f"Record {second.sequence} \\(#{second.pk}, .* does not match its keyed hash"):
        call_command("verify_audit_chain")


def test_a_removed_record_breaks_the_chain(client, world):
    first, second, third = _three_records(client, world)
    ChangeRecord.objects.filter(pk=second.pk).delete()
    with pytest.raises(CommandError, match=f"Record {second.sequence} is missing \\(the next one is record {third.sequence}\\)"):
        call_command("verify_audit_chain")


def test_removing_the_newest_record_is_noticed(client, world):
    *_, third = _three_records(client, world)
    ChangeRecord.objects.filter(pk=third.pk).delete()
    with pytest.raises(CommandError, match=f"The chain head says the newest record is record {third.sequence}"):
        call_command("verify_audit_chain")
