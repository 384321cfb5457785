"""Two people edit the same object at once: the second save is refused, and says what changed."""

from django.urls import reverse

from actionplans.models import Action
from actionplans.rules import Status
from audit.models import ChangeRecord
from tests import factories


def test_the_second_of_two_interleaved_saves_is_refused_and_shows_what_changed(client, world):
    action = world.multi_action
    url = reverse("actionplans:action_edit", args=[action.pk])
    opened_by_second = factories.action_edit_data(action)

    client.force_login(world.member)
    # A move of the target date (its own page, actionplans.dates) is a save of the action too.
    moved = {"new_date": "2031-03-01", "reason": "Re-planned.", "seen_date": action.target_date.isoformat()}
    first = client.post(reverse("actionplans:action_target_date", args=[action.pk]), moved)
    assert first.status_code == 302

    client.force_login(world.admin)
    second = client.post(url, {**opened_by_second, "description": "A different plan of work."})
    assert second.status_code == 200
    page = second.content.decode()
    assert "Someone else saved this after you opened it" in page
    assert "1 Mar 2031" in page  # the first person's change is shown

    action.refresh_from_db()
    assert action.target_date.isoformat() == "2031-03-01"  # the first save stands
    assert action.description != "A different plan of work."  # the second did not overwrite silently
    assert ChangeRecord.objects.filter(object_id=action.pk, actor=world.admin).count() == 0

    # Having read the message, the second person saves again on purpose: now it goes through.
    retry = {**opened_by_second, "description": "A different plan of work.", "target_date": "2031-03-01"}
    retry["loaded_version"] = second.context["form"]["loaded_version"].value()
    assert client.post(url, retry).status_code == 302
    action.refresh_from_db()
    assert action.description == "A different plan of work."


def test_a_form_without_its_version_is_refused(client, world):
    action = world.multi_action
    data = factories.action_edit_data(action, description="Changed blind")
    del data["loaded_version"]
    client.force_login(world.member)
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), data)
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.description != "Changed blind"


def test_a_stale_status_change_is_refused(client, world):
    action = world.multi_action
    url = reverse("actionplans:action_progress", args=[action.pk])
    seen = action.status  # both pages were drawn while the action was in progress
    client.force_login(world.agency_user)
    done = {"status": Status.COMPLETED, "note": "All done.", "seen_status": seen}
    assert client.post(url, done).status_code == 302
    stale = {"status": Status.NOT_STARTED, "note": "Not started yet.", "seen_status": seen}
    response = client.post(url, stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert f"changed from in progress to completed by {world.agency_user}" in page  # what changed, and by whom
    assert "Not started yet." in page  # what the loser wrote is not lost
    assert Action.objects.get(pk=action.pk).status == Status.COMPLETED
    assert action.progress_updates.count() == 1
