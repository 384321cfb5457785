"""Fields a form does not offer cannot be set by adding them to the POST: they are ignored."""

from django.urls import reverse

from actionplans.models import Action, ActionPlan
from actionplans.rules import Status
from audit.models import ChangeRecord
from reviews.models import Review
from tests import factories


def test_action_edit_ignores_status_plan_creator_and_cancellation_reason(client, world):
    action = world.police_action
    action.created_by = world.member
    action.save()
    client.force_login(world.admin)
    data = factories.action_edit_data(
        action,
        description="Revised: deliver training to every response team.",
        status=Status.VERIFIED,
        plan=world.health_plan.pk,
        created_by=world.other.pk,
        cancellation_reason="Smuggled in",
        status_changed_at="2020-01-01T00:00:00Z",
        created_at="2020-01-01T00:00:00Z",
    )
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), data)
    assert response.status_code == 302

    action.refresh_from_db()
    assert action.description == "Revised: deliver training to every response team."  # the real field was saved
    assert action.status == Status.IN_PROGRESS
    assert action.plan == world.police_plan
    assert action.created_by == world.member
    assert action.cancellation_reason == ""
    assert action.status_changed_at is None
    assert action.created_at.year != 2020
    record = ChangeRecord.objects.get(object_id=action.pk, content_type__model="action")
    assert set(record.changes) == {"what will be done"}


def test_action_edit_on_a_multi_agency_plan_ignores_status_and_plan(client, world):
    action = world.multi_action
    client.force_login(world.member)
    data = factories.action_edit_data(action, status=Status.CANCELLED, cancellation_reason="Because", plan=world.police_plan.pk)
    assert client.post(reverse("actionplans:action_edit", args=[action.pk]), data).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.cancellation_reason, action.plan) == (Status.IN_PROGRESS, "", world.multi_plan)


def test_action_in_a_single_agency_plan_cannot_be_given_another_lead_agency(client, world):
    # lead_agency is a field of the form, but in the police's own plan the police is its only choice.
    action = world.police_action
    client.force_login(world.member)
    data = factories.action_edit_data(action, lead_agency=world.health.pk, description="Moved to health")
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    action.refresh_from_db()
    assert action.lead_agency == world.police
    assert action.description != "Moved to health"


def test_new_action_ignores_status_plan_and_creator(client, world):
    client.force_login(world.member)
    data = {
        "reference": "7.1",
        "recommendation": world.recommendation.pk,
        "description": "Write a protocol.",
        "lead_agency": world.police.pk,
        "target_date": "2030-01-31",
        "success_measure": "Protocol signed.",
        "status": Status.VERIFIED,
        "plan": world.health_plan.pk,
        "created_by": world.other.pk,
        "cancellation_reason": "Smuggled in",
    }
    response = client.post(reverse("actionplans:action_create", args=[world.police_plan.pk]), data)
    assert response.status_code == 302
    action = Action.objects.get(reference="7.1")
    assert action.plan == world.police_plan
    assert action.status == Status.NOT_STARTED
    assert action.created_by == world.member
    assert action.cancellation_reason == ""


def test_progress_update_by_agency_user_ignores_fields_of_the_action(client, world):
    action = world.multi_action
    original = {
        "lead_agency_id": action.lead_agency_id,
        "plan_id": action.plan_id,
        "responsible_officer_id": action.responsible_officer_id,
        "target_date": action.target_date,
        "description": action.description,
    }
    client.force_login(world.agency_user)
    data = {
        "status": Status.COMPLETED,
        "note": "Done.",
        "agency": world.health.pk,
        "lead_agency": world.health.pk,
        "plan": world.health_plan.pk,
        "responsible_officer": world.other.pk,
        "target_date": "2030-01-01",
        "description": "Rewritten",
        "cancellation_reason": "Smuggled in",
        "author": world.member.pk,
        "status_before": Status.VERIFIED,
        "seen_status": action.status,
    }
    response = client.post(reverse("actionplans:action_progress", args=[action.pk]), data)
    assert response.status_code == 302

    action.refresh_from_db()
    assert action.status == Status.COMPLETED  # what the form offers is applied
    assert {name: getattr(action, name) for name in original} == original
    assert action.cancellation_reason == ""
    (update,) = action.progress_updates.all()
    assert (update.author, update.status_before, update.status_after) == (world.agency_user, Status.IN_PROGRESS, Status.COMPLETED)


def test_progress_update_cannot_smuggle_a_second_status(client, world):
    # The status field offers only not_started, in_progress and completed; a repeated key must not widen that.
    action = world.multi_action
    client.force_login(world.agency_user)
    url = reverse("actionplans:action_progress", args=[action.pk])
    for statuses in ([Status.COMPLETED, Status.VERIFIED], [Status.VERIFIED, Status.COMPLETED]):
        response = client.post(url, {"status": statuses, "note": "Done.", "seen_status": action.status})
        action.refresh_from_db()
        assert action.status != Status.VERIFIED
        assert response.status_code in (302, 400)
    assert not action.progress_updates.filter(status_after=Status.VERIFIED).exists()


def test_plan_edit_ignores_another_review_and_creator(client, world):
    other_review = factories.review()
    plan = world.police_plan
    client.force_login(world.member)
    data = {
        "kind": plan.kind,
        "agency": plan.agency_id,
        "title": "Police IMR plan (revised)",
        "description": "",
        "review": other_review.pk,
        "created_by": world.other.pk,
        "loaded_version": factories.loaded_version(plan),
    }
    response = client.post(reverse("actionplans:plan_edit", args=[plan.pk]), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Police IMR plan (revised)"
    assert plan.review == world.review
    assert plan.created_by is None
    assert not other_review.plans.exists()


def test_new_plan_belongs_to_the_review_in_the_address_not_the_one_posted(client, world):
    other_review = factories.review()
    client.force_login(world.member)
    data = {
        "kind": ActionPlan.Kind.MULTI_AGENCY,
        "agency": "",
        "title": "Overview plan",
        "review": world.review.pk,
        "created_by": world.other.pk,
    }
    response = client.post(reverse("reviews:plan_create", args=[other_review.pk]), data)
    assert response.status_code == 302
    plan = ActionPlan.objects.get(title="Overview plan")
    assert plan.review == other_review
    assert plan.created_by == world.member
    assert world.review.plans.filter(kind=ActionPlan.Kind.MULTI_AGENCY).count() == 1


def test_review_edit_and_create_ignore_creator_and_timestamps(client, world):
    review = world.review
    client.force_login(world.member)
    data = {
        "reference": review.reference,
        "title": "Child A",
        "incident_category": review.incident_category,
        "kind": "serious_case",
        "status": review.status,
        "commissioned_on": review.commissioned_on.isoformat(),
        "finalised_on": review.finalised_on.isoformat(),
        "published_on": review.published_on.isoformat(),
        "created_by": world.other.pk,
        "created_at": "2001-01-01T00:00:00Z",
        "loaded_version": factories.loaded_version(review),
    }
    assert client.post(reverse("reviews:edit", args=[review.pk]), data).status_code == 302
    review.refresh_from_db()
    assert review.title == "Child A"
    assert review.created_by is None
    assert review.created_at.year != 2001

    data.update(reference="SCR-2026-55", commissioned_on="2026-01-01", finalised_on="2026-02-01", published_on="2026-03-01")
    assert client.post(reverse("reviews:create"), data).status_code == 302
    created = Review.objects.get(reference="SCR-2026-55")
    assert created.created_by == world.member
    assert created.created_at.year != 2001
