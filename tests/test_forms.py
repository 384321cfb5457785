"""Bad input gets a clear message and changes nothing; good input is saved and leaves a change record."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from actionplans import rules
from actionplans.models import Action, ActionPlan
from actionplans.rules import Status
from audit.models import ChangeRecord
from reviews.models import Recommendation, Review
from tests import factories


def text_of(response):
    """The page as a reader sees it: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def review_data(**overrides):
    data = {
        "reference": "SCR-2026-01",
        "title": "Child B",
        "incident_category": Review.IncidentCategory.NEGLECT,
        "kind": "serious_case",
        "status": Review.Status.COMMISSIONED,
        "summary": "",
        "commissioned_on": "2026-01-10",
        "finalised_on": "",
        "published_on": "",
    }
    return {**data, **overrides}


def action_data(lead, **overrides):
    data = {
        "reference": "5.1",
        # The world's first recommendation: to the partnership, so any plan of the review offers it.
        "recommendation": Recommendation.objects.order_by("pk").values_list("pk", flat=True).first(),
        "description": "Write a joint protocol.",
        "lead_agency": lead.pk,
        "responsible_officer": "",
        "target_date": "2030-03-31",
        "success_measure": "Protocol signed by all partners.",
    }
    return {**data, **overrides}


def records_for(obj):
    return ChangeRecord.objects.filter(content_type__model=obj._meta.model_name, object_id=obj.pk).order_by("at", "id")


# --- Reviews ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            review_data(status=Review.Status.FINALISED, commissioned_on="2026-03-01", finalised_on="2026-02-01"),
            "A review cannot be finalised before it was commissioned.",
        ),
        (review_data(commissioned_on="31/02/2026"), "Date commissioned: Enter a valid date."),
        # Every field sent blank, as a browser does (an entirely empty POST is never sent: the CSRF token is in it).
        ({name: "" for name in review_data()}, "Reference: This field is required."),
        (review_data(title=""), "Title: This field is required."),
        (review_data(commissioned_on=""), "Date commissioned: This field is required."),
    ],
    ids=["finalised-before-commissioned", "invalid-date", "nothing-given", "no-title", "no-commissioned-date"],
)
def test_bad_new_review_is_refused_with_a_message_and_nothing_is_saved(client, world, data, message):
    client.force_login(world.member)
    before = factories.db_state()
    response = client.post(reverse("reviews:create"), data)
    assert response.status_code == 200
    assert "Nothing was saved" in text_of(response)
    assert message in text_of(response)
    assert factories.db_state() == before


def test_review_reference_must_be_unique_whatever_its_case(client, world):
    client.force_login(world.member)
    before = factories.db_state()
    response = client.post(reverse("reviews:create"), review_data(reference=f" {world.review.reference.lower()} "))
    assert response.status_code == 200
    assert "Review with this Reference already exists." in text_of(response)
    assert Review.objects.count() == 1
    assert factories.db_state() == before


def test_editing_a_review_to_be_finalised_before_it_was_commissioned_changes_nothing(client, world):
    client.force_login(world.member)
    review = world.review
    before = factories.db_state()
    data = review_data(
        reference=review.reference,
        title="Renamed",
        status=review.status,
        commissioned_on="2024-01-01",
        finalised_on="2023-06-01",
        published_on="2024-09-01",
        loaded_version=factories.loaded_version(review),
    )
    response = client.post(reverse("reviews:edit", args=[review.pk]), data)
    assert "A review cannot be finalised before it was commissioned." in text_of(response)
    review.refresh_from_db()
    assert review.title != "Renamed"
    assert review.finalised_on == datetime.date(2024, 6, 1)
    assert factories.db_state() == before


def test_editing_a_review_to_another_reviews_reference_is_refused(client, world):
    other_review = factories.review(reference="SCR-OTHER-01")
    client.force_login(world.member)
    before = factories.db_state()
    data = review_data(reference="scr-other-01", title=world.review.title, loaded_version=factories.loaded_version(world.review))
    response = client.post(reverse("reviews:edit", args=[world.review.pk]), data)
    assert "Review with this Reference already exists." in text_of(response)
    world.review.refresh_from_db()
    assert world.review.reference != other_review.reference
    assert factories.db_state() == before


# --- Plans ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": "", "title": "Own plan"},
            "Choose the agency that owns this single-agency plan.",
        ),
        ({"kind": ActionPlan.Kind.MULTI_AGENCY, "agency": "", "title": "Second"}, "This review already has a multi-agency plan."),
        ({"kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": "{police}", "title": "Again"}, "Test Police already has a plan for this review."),
        ({"kind": ActionPlan.Kind.MULTI_AGENCY, "agency": "{board}", "title": "Odd"}, "A multi-agency plan belongs to the board"),
        ({"kind": "", "agency": "", "title": ""}, "Title: This field is required."),
    ],
    ids=["single-without-agency", "second-multi-agency", "second-for-same-agency", "multi-with-agency", "nothing-given"],
)
def test_bad_new_plan_is_refused_with_a_message_and_nothing_is_saved(client, world, data, message):
    data = {k: v.format(police=world.police.pk, board=world.board.pk) for k, v in data.items()}
    client.force_login(world.member)
    before = factories.db_state()
    response = client.post(reverse("reviews:plan_create", args=[world.review.pk]), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert ActionPlan.objects.count() == 3
    assert factories.db_state() == before


def test_single_agency_plan_cannot_be_edited_to_lose_its_agency(client, world):
    client.force_login(world.member)
    before = factories.db_state()
    data = {
        "kind": ActionPlan.Kind.SINGLE_AGENCY,
        "agency": "",
        "title": "No agency now",
        "loaded_version": factories.loaded_version(world.police_plan),
    }
    response = client.post(reverse("actionplans:plan_edit", args=[world.police_plan.pk]), data)
    assert "Choose the agency that owns this single-agency plan." in text_of(response)
    world.police_plan.refresh_from_db()
    assert world.police_plan.agency == world.police
    assert world.police_plan.title != "No agency now"
    assert factories.db_state() == before


# --- Actions ----------------------------------------------------------------------------------


def _post_new_action_and_check_refused(client, world, plan, data, message):
    client.force_login(world.member)
    before, count = factories.db_state(), plan.actions.count()
    response = client.post(reverse("actionplans:action_create", args=[plan.pk]), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert plan.actions.count() == count
    assert factories.db_state() == before


@pytest.mark.parametrize(
    ("plan_name", "overrides", "message"),
    [
        ("multi_plan", {"reference": "", "description": "", "lead_agency": "", "target_date": ""}, "Lead agency: This field is required."),
        ("police_plan", {"lead_agency": "{health}"}, "Lead agency: Select a valid choice."),
    ],
    ids=["missing-required-fields", "lead-agency-not-the-plans-agency"],
)
def test_new_action_without_a_valid_lead_agency_is_refused_with_a_message(client, world, plan_name, overrides, message):
    overrides = {k: v.format(health=world.health.pk) for k, v in overrides.items()}
    _post_new_action_and_check_refused(client, world, getattr(world, plan_name), action_data(world.police, **overrides), message)


@pytest.mark.parametrize(
    ("overrides", "messages"),
    [
        (
            {"reference": "", "recommendation": "", "description": "", "success_measure": "", "target_date": ""},
            [
                "Reference: This field is required.",
                "Recommendation it answers: Choose the review's recommendation this action answers.",
                "What will be done: This field is required.",
                "Success measure: This field is required.",
                "Target date: This field is required.",
            ],
        ),
        ({"target_date": "31/02/2026"}, ["Target date: Enter a valid date."]),
        ({"target_date": "next spring"}, ["Target date: Enter a valid date."]),
        ({"responsible_officer": "{other}"}, ["works for Test Health Trust, not the lead agency Test Police"]),
        ({"reference": "1.1"}, ["This plan already has an action 1.1."]),
    ],
    ids=["missing-required-fields", "impossible-date", "not-a-date", "officer-of-another-agency", "duplicate-reference"],
)
def test_bad_new_action_is_refused_with_a_message_and_nothing_is_saved(client, world, overrides, messages):
    overrides = {k: v.format(other=world.other.pk) for k, v in overrides.items()}
    client.force_login(world.member)
    before = factories.db_state()
    response = client.post(
        reverse("actionplans:action_create", args=[world.multi_plan.pk]), action_data(world.police, **overrides)
    )
    assert response.status_code == 200
    for message in messages:
        assert message in text_of(response)
    assert factories.db_state() == before


def test_duplicate_reference_within_a_plan_is_refused_whatever_its_case(client, world):
    _post_new_action_and_check_refused(
        client, world, world.police_plan, action_data(world.police, reference="p.1"), "This plan already has an action p.1."
    )


def test_the_same_reference_in_another_plan_is_fine(client, world):
    client.force_login(world.member)
    response = client.post(
        reverse("actionplans:action_create", args=[world.health_plan.pk]), action_data(world.health, reference="P.1")
    )
    assert response.status_code == 302
    assert Action.objects.filter(reference="P.1").count() == 2


@pytest.mark.parametrize(
    ("action_name", "overrides", "message"),
    [
        ("police_action", {"lead_agency": "{health}"}, "Lead agency: Select a valid choice."),
        ("multi_action", {"responsible_officer": "{other}"}, "works for Test Health Trust, not the lead agency Test Police"),
        ("multi_action", {"reference": "1.2"}, "This plan already has an action 1.2."),
        ("multi_action", {"description": "   "}, "What will be done: This field is required."),
    ],
    # The target date is not on the edit form: it moves on its own page (tests/test_target_dates.py).
    ids=["lead-agency-not-the-plans-agency", "officer-of-another-agency", "duplicate-reference", "blank-description"],
)
def test_bad_action_edit_is_refused_with_a_message_and_nothing_changes(client, world, action_name, overrides, message):
    action = getattr(world, action_name)
    overrides = {k: v.format(health=world.health.pk, other=world.other.pk) for k, v in overrides.items()}
    client.force_login(world.member)
    before = factories.db_state()
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), factories.action_edit_data(action, **overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    saved = Action.objects.get(pk=action.pk)
    for field in ("reference", "description", "lead_agency_id", "responsible_officer_id", "target_date"):
        assert getattr(saved, field) == getattr(action, field)
    assert factories.db_state() == before


@pytest.mark.parametrize("reason", ["", "   \n\t  "], ids=["no-reason", "whitespace-only"])
def test_cancelling_without_a_reason_is_refused_and_changes_nothing(client, world, reason):
    client.force_login(world.member)
    before = factories.db_state()
    data = {"reason": reason, "seen_status": world.multi_action.status}
    response = client.post(reverse("actionplans:action_cancel", args=[world.multi_action.pk]), data)
    assert response.status_code == 400
    assert "Reason for cancelling" in text_of(response)
    assert "Give a reason: it stays on record." in text_of(response)
    world.multi_action.refresh_from_db()
    assert world.multi_action.status == Status.IN_PROGRESS
    assert world.multi_action.cancellation_reason == ""
    assert factories.db_state() == before


@pytest.mark.parametrize("role", ["member", "agency_user"])
@pytest.mark.parametrize("note", ["", "   "], ids=["no-note", "whitespace-only"])
def test_progress_without_a_note_is_refused_and_changes_nothing(client, world, role, note):
    client.force_login(getattr(world, role))
    before = factories.db_state()
    response = client.post(
        reverse("actionplans:action_progress", args=[world.multi_action.pk]), {"status": Status.COMPLETED, "note": note, "seen_status": factories.seen_status(world.multi_action)}
    )
    assert response.status_code == 400
    assert "Progress was not recorded" in text_of(response)
    assert "Write a progress note" in text_of(response)
    world.multi_action.refresh_from_db()
    assert world.multi_action.status == Status.IN_PROGRESS
    assert factories.db_state() == before


@pytest.mark.parametrize("role", ["member", "agency_user"])
@pytest.mark.parametrize("status", [Status.VERIFIED, Status.CANCELLED, "done"])
def test_progress_to_a_status_the_user_may_not_choose_is_refused(client, world, role, status):
    client.force_login(getattr(world, role))
    before = factories.db_state()
    response = client.post(
        reverse("actionplans:action_progress", args=[world.multi_action.pk]),
        {"status": status, "note": "All done.", "seen_status": factories.seen_status(world.multi_action)},
    )
    assert response.status_code == 400
    assert f"Select a valid choice. {status} is not one of the available choices." in text_of(response)
    world.multi_action.refresh_from_db()
    assert world.multi_action.status == Status.IN_PROGRESS
    assert world.multi_action.cancellation_reason == ""
    assert factories.db_state() == before


def test_agency_user_cannot_reopen_a_cancelled_action(client, world):
    cancelled = factories.action(world.multi_plan, world.police, reference="1.9", status=Status.CANCELLED)
    client.force_login(world.agency_user)
    before = factories.db_state()
    response = client.post(
        reverse("actionplans:action_progress", args=[cancelled.pk]),
        {"status": Status.IN_PROGRESS, "note": "Back on.", "seen_status": factories.seen_status(cancelled)},
    )
    assert response.status_code == 403
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED
    assert factories.db_state() == before


# --- Happy paths ------------------------------------------------------------------------------


def test_member_creates_a_review_with_plans_and_an_action_with_themes_and_edits_it(client, world):
    second_theme = factories.theme(name="Information sharing")
    client.force_login(world.member)

    response = client.post(reverse("reviews:create"), review_data(reference="scr-2026-07", themes=[world.theme.pk]))
    review = Review.objects.get(reference="SCR-2026-07")
    assert response.status_code == 302 and response.url == reverse("reviews:detail", args=[review.pk])
    assert review.created_by == world.member
    assert list(review.themes.all()) == [world.theme]
    (record,) = records_for(review)
    assert record.verb == ChangeRecord.Verb.CREATED and record.actor == world.member
    assert record.changes["reference"] == [None, "SCR-2026-07"]

    response = client.post(
        reverse("reviews:plan_create", args=[review.pk]),
        {"kind": ActionPlan.Kind.MULTI_AGENCY, "agency": "", "title": "Overview plan"},
    )
    multi = ActionPlan.objects.get(review=review, kind=ActionPlan.Kind.MULTI_AGENCY)
    assert response.url == reverse("actionplans:plan_detail", args=[multi.pk])
    response = client.post(
        reverse("reviews:plan_create", args=[review.pk]),
        {"kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": world.police.pk, "title": "Police IMR plan"},
    )
    single = ActionPlan.objects.get(review=review, kind=ActionPlan.Kind.SINGLE_AGENCY)
    assert response.status_code == 302
    assert single.agency == world.police and single.created_by == world.member
    for plan in (multi, single):
        (record,) = records_for(plan)
        assert record.verb == ChangeRecord.Verb.CREATED and record.actor == world.member

    response = client.post(
        reverse("reviews:recommendation_create", args=[review.pk]),
        {"number": "1", "text": "  Agencies should share information about fathers. ", "agency": "",
         "response": "accepted", "responded_on": "2026-02-01", "response_reasons": ""},
    )
    recommendation = Recommendation.objects.get(review=review)
    assert response.url == reverse("reviews:detail", args=[review.pk]) + "#recommendation-1"
    assert (recommendation.number, recommendation.text) == (1, "Agencies should share information about fathers.")
    (record,) = records_for(recommendation)
    assert record.verb == ChangeRecord.Verb.CREATED and record.changes["the board's response"] == [None, "Accepted"]

    data = action_data(world.health, reference="1.1", themes=[world.theme.pk, second_theme.pk],
                       recommendation=recommendation.pk)
    response = client.post(reverse("actionplans:action_create", args=[multi.pk]), data)
    action = Action.objects.get(plan=multi, reference="1.1")
    assert response.status_code == 302
    assert action.status == Status.NOT_STARTED and action.created_by == world.member
    assert action.lead_agency == world.health
    assert action.target_date == datetime.date(2030, 3, 31)
    assert set(action.themes.all()) == {world.theme, second_theme}
    assert action.recommendation == recommendation
    (created,) = records_for(action)
    assert created.verb == ChangeRecord.Verb.CREATED and created.actor == world.member
    assert created.changes["status"] == [None, "Not started"]

    response = client.post(
        reverse("actionplans:action_edit", args=[action.pk]),
        factories.action_edit_data(action, target_date="2027-06-30", responsible_officer=world.other.pk, themes=[second_theme.pk]),
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.target_date == datetime.date(2030, 3, 31)  # not on the edit form: it moves with a reason
    assert action.responsible_officer == world.other
    assert list(action.themes.all()) == [second_theme]
    changed = records_for(action).last()
    assert changed.verb == ChangeRecord.Verb.CHANGED and changed.actor == world.member
    assert "target date" not in changed.changes
    assert changed.changes["themes"] == ["Engaging male partners, Information sharing", "Information sharing"]
    assert changed.changes["responsible officer"][0] == "—"
    assert "what will be done" not in changed.changes  # unchanged fields are not recorded


def test_member_moves_an_action_from_not_started_to_completed_with_dated_notes(client, world):
    action = factories.action(world.multi_plan, world.health, reference="2.1", status=Status.NOT_STARTED)
    client.force_login(world.member)
    url = reverse("actionplans:action_progress", args=[action.pk])

    steps = [
        (Status.IN_PROGRESS, "Protocol drafted."),
        (Status.IN_PROGRESS, "Consulted partners, no status change."),
        (Status.COMPLETED, "Protocol signed."),
    ]
    for status, note in steps:
        response = client.post(url, {"status": status, "note": note, "seen_status": factories.seen_status(action)})
        assert response.status_code == 302 and response.url == reverse("actionplans:action_detail", args=[action.pk])

    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert action.status_changed_at is not None
    updates = list(action.progress_updates.order_by("id"))
    assert [(u.status_before, u.status_after, u.note) for u in updates] == [
        (Status.NOT_STARTED, Status.IN_PROGRESS, "Protocol drafted."),
        (Status.IN_PROGRESS, Status.IN_PROGRESS, "Consulted partners, no status change."),
        (Status.IN_PROGRESS, Status.COMPLETED, "Protocol signed."),
    ]
    assert all(u.author == world.member and u.created_at is not None for u in updates)
    # Only status changes are changes to the action itself.
    records = list(records_for(action))
    assert [(r.verb, r.actor, r.changes["status"]) for r in records] == [
        (ChangeRecord.Verb.CHANGED, world.member, ["Not started", "In progress"]),
        (ChangeRecord.Verb.CHANGED, world.member, ["In progress", "Completed"]),
    ]
    page = text_of(client.get(reverse("actionplans:action_detail", args=[action.pk])))
    assert "Protocol signed." in page and "status In progress → Completed" in page


def test_member_cancels_an_action_with_a_reason_and_it_leaves_the_percentages(client, world):
    factories.action(world.multi_plan, world.board, reference="1.3", status=Status.VERIFIED)
    client.force_login(world.member)
    figures_before = rules.figures_for(world.multi_plan.actions.all())
    assert (figures_before.counted, figures_before.compliance) == (3, 33)

    response = client.post(
        reverse("actionplans:action_cancel", args=[world.multi_action_health.pk]),
        {"reason": "  Superseded by the national protocol.  ", "seen_status": Status.IN_PROGRESS},
    )
    assert response.status_code == 302
    action = world.multi_action_health
    action.refresh_from_db()
    assert action.status == Status.CANCELLED
    assert action.cancellation_reason == "Superseded by the national protocol."
    (update,) = action.progress_updates.all()
    assert (update.status_before, update.status_after, update.author) == (Status.IN_PROGRESS, Status.CANCELLED, world.member)
    (record,) = records_for(action)
    assert record.actor == world.member and record.verb == ChangeRecord.Verb.CHANGED
    assert record.changes["status"] == ["In progress", "Cancelled"]
    assert record.changes["cancellation reason"] == ["—", "Superseded by the national protocol."]

    figures = rules.figures_for(world.multi_plan.actions.all())
    assert (figures.total, figures.cancelled, figures.counted, figures.compliance) == (3, 1, 2, 50)
    detail = client.get(reverse("reviews:detail", args=[world.review.pk]))
    assert detail.context["figures"].cancelled == 1


def test_agency_user_records_progress_up_to_completed_on_an_action_its_agency_leads(client, world):
    action = world.multi_action  # multi-agency plan, led by the police
    client.force_login(world.agency_user)
    url = reverse("actionplans:action_progress", args=[action.pk])

    for status, note in [(Status.IN_PROGRESS, "Training booked."), (Status.COMPLETED, "All officers trained.")]:
        response = client.post(url, {"status": status, "note": note, "seen_status": factories.seen_status(action)})
        assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert [(u.status_before, u.status_after, u.author) for u in action.progress_updates.order_by("id")] == [
        (Status.IN_PROGRESS, Status.IN_PROGRESS, world.agency_user),
        (Status.IN_PROGRESS, Status.COMPLETED, world.agency_user),
    ]
    (record,) = records_for(action)
    assert record.actor == world.agency_user
    assert record.changes == {"status": ["In progress", "Completed"]}

    before = factories.db_state()
    response = client.post(
        url, {"status": Status.VERIFIED, "note": "Please verify.", "seen_status": factories.seen_status(action)}
    )
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == Status.COMPLETED
    assert factories.db_state() == before


def test_agency_user_records_progress_on_its_own_plan(client, world):
    client.force_login(world.other)
    url = reverse("actionplans:action_progress", args=[world.health_action.pk])
    data = {"status": Status.COMPLETED, "note": "Audit done.", "seen_status": factories.seen_status(world.health_action)}
    assert client.post(url, data).status_code == 302
    world.health_action.refresh_from_db()
    assert world.health_action.status == Status.COMPLETED
    assert records_for(world.health_action).get().actor == world.other


def test_new_plan_form_offers_the_two_kinds_with_one_chosen_so_saving_it_as_it_stands_works(client, world):
    def checked_kinds(page):
        return re.findall(r'<input type="radio"[^>]*name="kind" value="(\w+)"[^>]*\bchecked\b', page)

    client.force_login(world.member)
    fresh = factories.review(reference="SCR-2026-09")
    page = client.get(reverse("reviews:plan_create", args=[fresh.pk])).content.decode()
    assert "---------" not in page
    assert re.findall(r'<input type="radio"[^>]*name="kind" value="(\w*)"', page) == ["multi_agency", "single_agency"]
    assert checked_kinds(page) == ["multi_agency"]
    # Saved with only a title typed: the multi-agency plan the review did not have yet.
    response = client.post(reverse("reviews:plan_create", args=[fresh.pk]), {"kind": "multi_agency", "title": "Overview"})
    assert response.status_code == 302
    assert ActionPlan.objects.get(review=fresh).kind == ActionPlan.Kind.MULTI_AGENCY
    # Once it exists, the form starts on a single-agency plan.
    assert checked_kinds(client.get(reverse("reviews:plan_create", args=[fresh.pk])).content.decode()) == ["single_agency"]


def test_agency_drop_downs_name_agencies_by_what_tells_them_apart(client, world):
    # Full names that begin alike look the same in a narrow box: each option starts with the short name.
    for name, short in [("Northbridge City Council Education Service", "Education"),
                        ("Northbridge City Council Housing Services", "Housing")]:
        factories.agency(name=name, short_name=short)
    client.force_login(world.member)
    pages = [
        reverse("actionplans:action_list"),
        reverse("evidence:queue"),
        reverse("actionplans:action_create", args=[world.multi_plan.pk]),
        reverse("reviews:plan_create", args=[world.review.pk]),
    ]
    for url in pages:
        options = re.findall(r'<option value="\d+"[^>]*>([^<]*Northbridge[^<]*)</option>', client.get(url).content.decode())
        assert [html.unescape(o) for o in options] == [
            "Education (Northbridge City Council Education Service)",
            "Housing (Northbridge City Council Housing Services)",
        ], url
