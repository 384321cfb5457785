"""Plans and their lead agencies (README, "Plans and their lead agencies"), through the pages.

A single-agency plan is seen only by its agency, so changing its agency must not cut the agency that leads its
actions off from them: the change is refused, naming the actions, unless the member hands the actions over. An
action of the multi-agency plan whose lead agency changes: the new lead works on it, the old one no longer can,
and evidence stays with the agency that submitted it.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Agency, Role
from actionplans import lifecycle
from actionplans.models import Action, ActionPlan, ProgressUpdate
from actionplans.rules import Status
from audit.models import ChangeRecord
from evidence.models import Evidence
from tests import evidence_samples as samples
from tests import factories


def records_of(obj):
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def plan_data(plan, **overrides):
    data = {
        "kind": plan.kind,
        "agency": plan.agency_id or "",
        "title": plan.title,
        "description": plan.description,
        "loaded_version": factories.loaded_version(plan),
    }
    return {**data, **overrides}


def progress(client, action, note="Training delivered to two teams."):
    action = Action.objects.get(pk=action.pk)
    data = {"status": action.status, "note": note, "seen_status": action.status}
    return client.post(reverse("actionplans:action_progress", args=[action.pk]), data)


def my_actions(client):
    response = client.get(reverse("actionplans:my_actions"))
    assert response.status_code == 200
    return set(response.context["page"].object_list)


def action_page(client, action):
    return client.get(reverse("actionplans:action_detail", args=[action.pk]))


@pytest.fixture
def handover(world):
    """The police plan with two actions led by the police (one with a police officer), and a third agency,
    education, with a user, that has no plan for the review yet."""
    world.education = factories.agency(name="Test Education", short_name="Education", kind=Agency.Kind.EDUCATION)
    world.teacher = factories.user(Role.AGENCY, username="education", agency=world.education)
    Action.objects.filter(pk=world.police_action.pk).update(responsible_officer=world.agency_user)
    world.police_action.refresh_from_db()
    world.police_action_2 = factories.action(world.police_plan, world.police, reference="P.2")
    return world


# --- A single-agency plan changes hands ------------------------------------------------------------------------


def test_changing_a_single_agency_plans_agency_is_refused_naming_the_actions(client, handover):
    w = handover
    before = factories.db_state()
    client.force_login(w.member)
    url = reverse("actionplans:plan_edit", args=[w.police_plan.pk])
    response = client.post(url, plan_data(w.police_plan, agency=w.education.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "P.1 (led by Police)" in html and "P.2 (led by Police)" in html
    assert "Nothing was saved" in html
    assert response.context["form"].errors["agency"]
    assert factories.db_state() == before
    w.police_plan.refresh_from_db()
    assert w.police_plan.agency == w.police
    assert set(Action.objects.filter(plan=w.police_plan).values_list("lead_agency", flat=True)) == {w.police.pk}


def test_the_hand_over_box_is_offered_only_on_a_plan_with_actions(client, handover):
    w = handover
    client.force_login(w.member)
    page = client.get(reverse("actionplans:plan_edit", args=[w.police_plan.pk]))
    assert "hand_over_actions" in page.context["form"].fields
    assert 'name="hand_over_actions"' in page.content.decode()
    empty = factories.plan(factories.review(), w.education)
    page = client.get(reverse("actionplans:plan_edit", args=[empty.pk]))
    assert "hand_over_actions" not in page.context["form"].fields


def test_turning_the_multi_agency_plan_into_one_agencys_plan_is_refused_naming_the_actions(client, handover):
    w = handover
    before = factories.db_state()
    client.force_login(w.member)
    data = plan_data(w.multi_plan, kind=ActionPlan.Kind.SINGLE_AGENCY, agency=w.education.pk)
    response = client.post(reverse("actionplans:plan_edit", args=[w.multi_plan.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1.1 (led by Police)" in html and "1.2 (led by Health)" in html
    assert factories.db_state() == before


def test_handing_the_actions_over_makes_the_new_agency_their_lead_and_records_it(client, handover):
    w = handover
    client.force_login(w.member)
    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    data = plan_data(w.police_plan, agency=w.education.pk, title="Education plan", hand_over_actions="on")
    response = client.post(reverse("actionplans:plan_edit", args=[w.police_plan.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    plan = ActionPlan.objects.get(pk=w.police_plan.pk)
    assert (plan.agency, plan.title) == (w.education, "Education plan")
    for action in Action.objects.filter(plan=plan):
        assert action.lead_agency == w.education
        assert action.responsible_officer is None
    p1 = Action.objects.get(pk=w.police_action.pk)
    assert p1.status == Status.IN_PROGRESS  # its status and its log are untouched
    assert not ProgressUpdate.objects.filter(action=p1).exists()

    plan_record = records_of(plan).filter(id__gt=newest).get()
    assert plan_record.actor == w.member
    assert plan_record.changes["agency"] == ["Test Police", "Test Education"]
    p1_record = records_of(p1).filter(id__gt=newest).get()
    assert p1_record.actor == w.member
    assert p1_record.changes["lead agency"] == ["Test Police", "Test Education"]
    assert p1_record.changes["responsible officer"] == [str(w.agency_user), "—"]
    p2_record = records_of(w.police_action_2).filter(id__gt=newest).get()
    assert p2_record.changes["lead agency"] == ["Test Police", "Test Education"]
    assert "responsible officer" not in p2_record.changes


def test_the_agency_users_views_before_and_after_a_hand_over(client, handover):
    w = handover
    actions = {w.police_action, w.police_action_2}
    police, education = w.agency_user, w.teacher

    # Before: the police lead the plan's actions and work on them; education does not know they exist.
    client.force_login(police)
    assert actions <= my_actions(client)
    assert action_page(client, w.police_action).status_code == 200
    assert progress(client, w.police_action, "Police progress before the hand-over.").status_code == 302
    client.force_login(education)
    assert not actions & my_actions(client)
    assert action_page(client, w.police_action).status_code == 404
    assert progress(client, w.police_action).status_code == 404
    assert client.get(reverse("evidence:submit", args=[w.police_action.pk])).status_code == 404

    client.force_login(w.member)
    data = plan_data(w.police_plan, agency=w.education.pk, hand_over_actions="on")
    assert client.post(reverse("actionplans:plan_edit", args=[w.police_plan.pk]), data).status_code == 302

    # After: the police have lost the plan and its actions; education leads them and works on them.
    client.force_login(police)
    assert not actions & my_actions(client)
    assert action_page(client, w.police_action).status_code == 404
    assert progress(client, w.police_action, "Too late.").status_code == 404
    assert client.get(reverse("actionplans:plan_detail", args=[w.police_plan.pk])).status_code == 404
    assert not ProgressUpdate.objects.filter(note="Too late.").exists()

    client.force_login(education)
    assert actions <= my_actions(client)
    assert action_page(client, w.police_action).status_code == 200
    assert progress(client, w.police_action, "Education progress after the hand-over.").status_code == 302
    update = ProgressUpdate.objects.get(note="Education progress after the hand-over.")
    assert update.author == education
    assert client.get(reverse("evidence:submit", args=[w.police_action.pk])).status_code == 200


def test_a_refused_change_leaves_the_agency_users_views_as_they_were(client, handover):
    w = handover
    client.force_login(w.member)
    client.post(reverse("actionplans:plan_edit", args=[w.police_plan.pk]), plan_data(w.police_plan, agency=w.education.pk))
    client.force_login(w.agency_user)
    assert w.police_action in my_actions(client)
    assert progress(client, w.police_action).status_code == 302
    client.force_login(w.teacher)
    assert action_page(client, w.police_action).status_code == 404


# --- An action of the multi-agency plan changes its lead agency ----------------------------------------------


def change_lead(client, world, action, agency):
    client.force_login(world.member)
    data = factories.action_edit_data(Action.objects.get(pk=action.pk), lead_agency=agency.pk, responsible_officer="")
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Action.objects.get(pk=action.pk)


def test_changing_an_actions_lead_agency_moves_the_work_and_keeps_evidence_with_its_submitter(client, world):
    action = world.multi_action  # police lead it
    police, health = world.agency_user, world.other
    police_item = samples.submit_note(action, police, description="Police: the protocol was signed.")

    client.force_login(health)
    assert progress(client, action).status_code == 403
    assert client.get(reverse("evidence:submit", args=[action.pk])).status_code == 403

    action = change_lead(client, world, action, world.health)
    assert action.lead_agency == world.health
    record = records_of(action).order_by("-id").first()
    assert (record.actor, record.changes["lead agency"]) == (world.member, ["Test Police", "Test Health Trust"])

    # The new lead sees it among its actions, records progress and submits evidence.
    client.force_login(health)
    assert action in my_actions(client)
    assert action_page(client, action).status_code == 200
    assert progress(client, action, "Health progress as the new lead.").status_code == 302
    response = client.post(
        reverse("evidence:submit", args=[action.pk]),
        {"description": "Health: audit of 30 files.", "represents_on": "2026-03-03", "note": "30 files audited."},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    health_item = Evidence.objects.get(description="Health: audit of 30 files.")
    assert health_item.agency == world.health
    police_item.refresh_from_db()
    assert police_item.agency == world.police  # evidence stays with the agency that submitted it

    # The new lead does not see the old lead's evidence.
    page = action_page(client, action)
    assert page.context["evidence_items"] == [health_item]
    assert "Police: the protocol was signed." not in page.content.decode()
    assert client.get(reverse("evidence:detail", args=[police_item.pk])).status_code == 404

    # The old lead can no longer record progress or submit evidence, but still reads its own earlier items.
    client.force_login(police)
    assert action not in my_actions(client)
    assert progress(client, action, "Police after losing the lead.").status_code == 403
    assert not ProgressUpdate.objects.filter(note="Police after losing the lead.").exists()
    assert client.get(reverse("evidence:submit", args=[action.pk])).status_code == 403
    assert not samples_submit_allowed(action, police)
    page = action_page(client, action)
    assert page.status_code == 200
    assert page.context["evidence_items"] == [police_item]
    html = page.content.decode()
    assert reverse("evidence:detail", args=[police_item.pk]) in html
    assert reverse("evidence:detail", args=[health_item.pk]) not in html
    assert "Health: audit of 30 files." not in html
    assert client.get(reverse("evidence:detail", args=[police_item.pk])).status_code == 200
    assert client.get(reverse("evidence:detail", args=[health_item.pk])).status_code == 404

    # The consultant and members see both.
    for reader in (world.consultant, world.member, world.chair):
        client.force_login(reader)
        assert set(action_page(client, action).context["evidence_items"]) == {police_item, health_item}


def samples_submit_allowed(action, user):
    """Whether the evidence service itself (not only the page) takes a submission from ``user``."""
    try:
        samples.submit_note(action, user)
    except PermissionDenied:
        return False
    return True


def test_the_old_lead_cannot_replace_its_rejected_item_after_losing_the_lead(client, world):
    """Replacing an item is submitting new evidence: only the action's lead agency does that."""
    action = world.multi_action
    item = samples.submit_note(action, world.agency_user)
    lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="Unsigned.", notify=False)
    change_lead(client, world, action, world.health)
    client.force_login(world.agency_user)
    page = action_page(client, action)
    assert reverse("evidence:new_version", args=[item.pk]) not in page.content.decode()
    response = client.post(
        reverse("evidence:new_version", args=[item.pk]),
        {"description": "Signed.", "represents_on": "2026-03-03", "note": "Signed copy.", "seen_status": "rejected"},
    )
    assert response.status_code in (400, 403)
    item.refresh_from_db()
    assert item.status == Evidence.Status.REJECTED
    assert not Evidence.objects.filter(supersedes=item).exists()
