"""Submitting, deciding, replacing and withdrawing evidence, and signing actions off: the issue's story."""

import datetime
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from actionplans import lifecycle
from actionplans.models import Action, ProgressUpdate
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from evidence import notifications, tasks
from evidence.models import Evidence, EvidenceDecision
from tests import evidence_samples as samples


def records_of(obj):
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def _submit_url(action):
    return reverse("evidence:submit", args=[action.pk])


# --- submitting -------------------------------------------------------------------------------------------


def test_agency_user_submits_a_written_note_and_sees_it_on_the_action(client, world):
    client.force_login(world.agency_user)
    data = {"description": "Protocol signed.", "represents_on": "2026-03-03", "note": "All eight partners signed."}
    response = client.post(_submit_url(world.multi_action), data)
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert (item.status, item.agency, item.submitted_by) == (Evidence.Status.SUBMITTED, world.police, world.agency_user)
    assert not item.has_file and item.note == "All eight partners signed."
    assert item.represents_on == datetime.date(2026, 3, 3)
    assert records_of(item).filter(verb=ChangeRecord.Verb.CREATED).exists()
    page = client.get(reverse("actionplans:action_detail", args=[world.multi_action.pk]))
    assert page.context["evidence_items"] == [item]
    assert "Protocol signed." in page.content.decode()


def test_a_submission_needs_a_file_or_a_note(client, world):
    client.force_login(world.agency_user)
    response = client.post(_submit_url(world.multi_action), {"description": "x", "represents_on": "2026-03-03"})
    assert response.status_code == 400
    assert "Choose at least one file or write a note." in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_evidence_cannot_represent_a_future_day(client, world):
    client.force_login(world.agency_user)
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = client.post(_submit_url(world.multi_action), {"description": "x", "represents_on": tomorrow, "note": "y"})
    assert response.status_code == 400
    assert not Evidence.objects.exists()


# --- deciding ---------------------------------------------------------------------------------------------


def test_the_consultant_accepts_an_item_and_the_decision_shows_on_the_action(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "accept", "note": "Complete list."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Evidence.Status.ACCEPTED
    decision = item.decision
    assert (decision.outcome, decision.note, decision.decided_by) == ("accepted", "Complete list.", world.consultant)
    assert records_of(item).filter(verb=ChangeRecord.Verb.CHANGED).exists()
    assert records_of(decision).exists()
    client.force_login(world.agency_user)
    html = client.get(reverse("actionplans:action_detail", args=[world.multi_action.pk])).content.decode()
    assert "Accepted" in html and "Complete list." in html


def test_a_rejection_needs_a_note(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    with mock.patch.object(tasks.send_rejection_email, "delay") as delay:
        response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "reject", "note": "  "})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Evidence.Status.SUBMITTED
    assert not EvidenceDecision.objects.exists()
    delay.assert_not_called()
    with pytest.raises(ValidationError):
        lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="")


def test_an_item_is_decided_once(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="")
    client.force_login(world.consultant)
    response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "reject", "note": "No."}, follow=True)
    html = response.content.decode()
    assert "so nothing of yours was saved" in html and f"was accepted by {world.consultant}" in html
    assert EvidenceDecision.objects.get().outcome == "accepted"


def test_a_rejection_emails_the_submitter_once_the_request_commits(client, world, django_capture_on_commit_callbacks):
    item = samples.submit(world.multi_action, world.agency_user, name="Child A chronology.pdf")
    client.force_login(world.consultant)
    with mock.patch.object(tasks.send_rejection_email, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "reject", "note": "Undated."})
        delay.assert_not_called()  # nothing before the commit
        for callback in callbacks:
            callback()
    decision = EvidenceDecision.objects.get()
    delay.assert_called_once_with(decision.pk)


def test_the_rejection_email_names_references_only_and_is_sent_once(world, settings):
    world.agency_user.email = "karen@police.example"
    world.agency_user.save()
    settings.SITE_URL = "https://scr.example.org"
    item = samples.submit(world.multi_action, world.agency_user, name="Child A chronology.pdf")
    decision = lifecycle.decide(
        evidence=item, actor=world.consultant, accept=False, note="The chronology names the child.", notify=False
    )
    tasks.send_rejection_email.apply(args=[decision.pk])  # the task, run here as a worker would
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["karen@police.example"]
    assert world.review.reference in message.subject and world.multi_action.reference in message.subject
    assert f"https://scr.example.org/evidence/{item.pk}/" in message.body
    for private in ("Child A", world.review.title, item.description, "chronology", "names the child"):
        assert private not in message.body and private not in message.subject
    assert notifications.send_rejection_email(decision.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_can_be_retried(world):
    world.agency_user.email = "karen@police.example"
    world.agency_user.save()
    item = samples.submit(world.multi_action, world.agency_user)
    decision = lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="No.", notify=False)
    with mock.patch("evidence.notifications.send_mail", side_effect=OSError("mail server down")):
        with pytest.raises(OSError):
            notifications.send_rejection_email(decision.pk)
    decision.refresh_from_db()
    assert decision.notified_at is None
    assert notifications.send_rejection_email(decision.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_request_enqueues_no_email(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    url = reverse("evidence:decide", args=[item.pk])
    with mock.patch.object(tasks.send_rejection_email, "delay") as delay:
        # Something fails after the rejection was written: the request's transaction rolls back.
        with mock.patch("evidence.views.messages.success", side_effect=RuntimeError("boom")):
            with pytest.raises(RuntimeError):
                client.post(url, {"decision": "reject", "note": "Undated."})
        delay.assert_not_called()
        assert not EvidenceDecision.objects.exists()
        item.refresh_from_db()
        assert item.status == Evidence.Status.SUBMITTED

        # The same request, committed, enqueues exactly one e-mail.
        response = client.post(url, {"decision": "reject", "note": "Undated."})
        assert response.status_code == 302
        delay.assert_called_once_with(EvidenceDecision.objects.get().pk)


# --- new versions and withdrawal ----------------------------------------------------------------------------


def test_a_rejected_item_is_answered_with_a_new_version_and_both_stay_on_record(client, world):
    old = samples.submit(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=old, actor=world.consultant, accept=False, note="Undated.", notify=False)
    client.force_login(world.agency_user)
    page = client.get(reverse("evidence:detail", args=[old.pk]))
    assert reverse("evidence:new_version", args=[old.pk]) in page.content.decode()
    data = {
        "description": "Attendance lists, dated.",
        "represents_on": "2026-01-20",
        "files": samples.upload("attendance-dated.pdf", samples.pdf()),
        "seen_status": Evidence.Status.REJECTED,
    }
    response = client.post(reverse("evidence:new_version", args=[old.pk]), data)
    assert response.status_code == 302
    new = Evidence.objects.get(supersedes=old)
    old.refresh_from_db()
    assert old.status == Evidence.Status.SUPERSEDED and old.decision.outcome == "rejected"
    assert new.status == Evidence.Status.SUBMITTED and new.original_name == "attendance-dated.pdf"
    assert old.stored_name and old.stored_name != new.stored_name
    html = client.get(reverse("evidence:detail", args=[new.pk])).content.decode()
    assert f"#{old.pk}" in html and "Undated." in html
    assert records_of(old).filter(verb=ChangeRecord.Verb.CHANGED).exists()


def test_an_accepted_item_can_be_neither_replaced_nor_withdrawn(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="")
    client.force_login(world.agency_user)
    assert client.get(reverse("evidence:new_version", args=[item.pk])).status_code == 403
    assert client.get(reverse("evidence:withdraw", args=[item.pk])).status_code == 403
    data = {"reason": "Oops.", "seen_status": Evidence.Status.ACCEPTED}  # the page showed it accepted
    assert client.post(reverse("evidence:withdraw", args=[item.pk]), data).status_code == 403
    item.refresh_from_db()
    assert item.status == Evidence.Status.ACCEPTED


def test_withdrawn_evidence_stays_on_record_with_its_reason(client, world, settings):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.agency_user)
    data = {"reason": "Wrong action.", "seen_status": Evidence.Status.SUBMITTED}
    response = client.post(reverse("evidence:withdraw", args=[item.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.withdrawal_reason, item.withdrawn_by) == ("withdrawn", "Wrong action.", world.agency_user)
    assert (settings.MEDIA_ROOT / item.stored_name).is_file()
    again = {"reason": "Again.", "seen_status": Evidence.Status.WITHDRAWN}
    assert client.post(reverse("evidence:withdraw", args=[item.pk]), again).status_code == 403
    assert records_of(item).filter(verb=ChangeRecord.Verb.CHANGED).exists()


def test_withdrawing_needs_a_reason(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.agency_user)
    data = {"reason": "", "seen_status": Evidence.Status.SUBMITTED}
    response = client.post(reverse("evidence:withdraw", args=[item.pk]), data)
    assert response.status_code == 400
    assert "Give a reason: it stays on record." in response.content.decode()
    item.refresh_from_db()
    assert item.status == Evidence.Status.SUBMITTED


def test_evidence_is_never_deleted(world):
    item = samples.submit(world.multi_action, world.agency_user)
    with pytest.raises(ProtectedError):
        world.multi_action.delete()
    assert Evidence.objects.filter(pk=item.pk).exists()


# --- signing off ----------------------------------------------------------------------------------------------


def _completed_with(world, *, accepted):
    action = world.multi_action
    Action.objects.filter(pk=action.pk).update(status=Status.COMPLETED)
    action.refresh_from_db()
    item = samples.submit(action, world.agency_user)
    if accepted:
        lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="")
    return action


def test_the_consultant_signs_off_a_completed_action_with_accepted_evidence(client, world):
    action = _completed_with(world, accepted=True)
    client.force_login(world.consultant)
    data = {"note": "Attendance lists accepted.", "seen_status": Status.COMPLETED}
    response = client.post(reverse("actionplans:action_verify", args=[action.pk]), data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.VERIFIED
    update = ProgressUpdate.objects.get(action=action)
    assert (update.author, update.status_before, update.status_after) == (world.consultant, "completed", "verified")
    assert update.note == "Verified: Attendance lists accepted."
    record = records_of(action).get(verb=ChangeRecord.Verb.CHANGED)
    assert record.actor == world.consultant and record.changes["status"] == ["Completed", "Verified"]
    html = client.get(reverse("actionplans:action_detail", args=[action.pk])).content.decode()
    assert "Verified by" in html and "Attendance lists accepted." in html


def test_an_action_without_accepted_evidence_cannot_be_signed_off(client, world):
    action = _completed_with(world, accepted=False)
    client.force_login(world.consultant)
    data = {"note": "Looks fine.", "seen_status": Status.COMPLETED}
    response = client.post(reverse("actionplans:action_verify", args=[action.pk]), data, follow=True)
    assert "at least one accepted evidence item" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert not ProgressUpdate.objects.filter(action=action).exists()


def test_an_action_that_is_not_completed_cannot_be_signed_off(world):
    item = samples.submit(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=True, note="")
    with pytest.raises(ValidationError, match="completed"):
        lifecycle.verify(action=world.multi_action, actor=world.consultant, note="Fine.")
    world.multi_action.refresh_from_db()
    assert world.multi_action.status == Status.IN_PROGRESS


def test_a_sign_off_needs_a_note(client, world):
    action = _completed_with(world, accepted=True)
    client.force_login(world.consultant)
    response = client.post(
        reverse("actionplans:action_verify", args=[action.pk]), {"note": "", "seen_status": Status.COMPLETED}, follow=True
    )
    assert "Write a sign-off note" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.COMPLETED


def test_the_consultant_withdraws_a_sign_off_with_a_reason(client, world):
    action = _completed_with(world, accepted=True)
    lifecycle.verify(action=action, actor=world.consultant, note="Accepted.")
    client.force_login(world.consultant)
    url = reverse("actionplans:action_withdraw_verification", args=[action.pk])
    response = client.post(url, {"reason": "", "seen_status": Status.VERIFIED})
    assert response.status_code == 400
    assert "Give a reason: it stays on record." in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.VERIFIED
    response = client.post(url, {"reason": "Audit failed.", "seen_status": Status.VERIFIED})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    latest = ProgressUpdate.objects.filter(action=action).first()
    assert latest.note == "Sign-off withdrawn: Audit failed." and latest.status_after == "completed"
    changes = [record.changes["status"] for record in records_of(action).filter(verb=ChangeRecord.Verb.CHANGED)]
    assert ["Verified", "Completed"] in changes


def test_the_lead_agency_cannot_reopen_a_verified_action(client, world):
    action = _completed_with(world, accepted=True)
    lifecycle.verify(action=action, actor=world.consultant, note="Accepted.")
    client.force_login(world.agency_user)
    page = client.get(reverse("actionplans:action_detail", args=[action.pk]))
    assert page.context["progress_form"] is None
    assert not page.context["can_submit_evidence"]


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_confirmations_name_the_action_with_its_review(client, world):
    """"Action 1.2" alone is ambiguous across five reviews: every confirmation names the review too."""
    named = f"action {world.review.reference} 1.1"
    client.force_login(world.agency_user)
    data = {"description": "Protocol.", "represents_on": "2026-03-03", "note": "Signed."}
    response = client.post(_submit_url(world.multi_action), data, follow=True)
    assert any(named in m for m in _messages(response))
    item = Evidence.objects.get()
    data = {"reason": "Wrong action.", "seen_status": Evidence.Status.SUBMITTED}
    response = client.post(reverse("evidence:withdraw", args=[item.pk]), data, follow=True)
    assert _messages(response) == [f"Evidence #{item.pk} on {named} withdrawn. It stays on record with your reason."]

    rejected = samples.submit(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=rejected, actor=world.consultant, accept=False, note="Undated.", notify=False)
    data = {
        "description": "Dated.", "represents_on": "2026-01-20", "files": samples.upload("dated.pdf", samples.pdf()),
        "seen_status": Evidence.Status.REJECTED,
    }
    response = client.post(reverse("evidence:new_version", args=[rejected.pk]), data, follow=True)
    assert any(named in m and f"#{rejected.pk}" in m for m in _messages(response)), _messages(response)
    page = client.get(_submit_url(world.multi_action)).content.decode()
    assert f"Submit evidence on {named}" in page
