"""The admin site keeps the application's rules: it sets no status, deletes nothing of the domain, records every
save, refuses the review dates the review form refuses, and retires themes instead of deleting them."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Agency
from actionplans.models import Action, ActionPlan, ProgressUpdate
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from evidence import uploads
from learning import services as learning_services
from learning.models import ImpactCheck, LearningEvent, LearningFile, SubCommittee
from reviews.models import Review, Theme
from tests import evidence_samples as samples
from tests import factories

INLINE_PREFIXES = {Action: "progress_updates"}


def records_of(obj):
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def _as_posted(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def change_form_data(response, **overrides):
    """The admin change form as a browser would post it back unchanged (unless overridden): every editable field
    with its current value, and the management data of each inline."""
    assert response.status_code == 200, response.content.decode()[:2000]
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = _as_posted(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _as_posted(management[name].value())
        fk = inline.formset.fk
        for index, inline_form in enumerate(inline.formset.forms):
            data[f"{inline.formset.prefix}-{index}-id"] = str(inline_form.instance.pk)
            data[f"{inline.formset.prefix}-{index}-{fk.name}"] = str(getattr(inline_form.instance, fk.attname))
    data.update({name: _as_posted(value) for name, value in overrides.items()})
    return data


def empty_inline(prefix):
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def admin_url(obj_or_model, view, *args):
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


# --- No status is set in the admin site --------------------------------------------------------------------


def test_the_action_change_form_has_no_status_field_and_links_to_the_page_that_moves_it(admin_client, world):
    action = world.multi_action
    response = admin_client.get(admin_url(action, "change", action.pk))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "cancellation_reason" not in form.fields
    html = response.content.decode()
    assert 'name="status"' not in html
    assert "change it on its page" in html
    assert f'href="{action.get_absolute_url()}"' in html


def test_the_review_change_form_has_no_status_field_and_links_to_the_review_page(admin_client, world):
    review = world.review
    response = admin_client.get(admin_url(review, "change", review.pk))
    form = response.context["adminform"].form
    assert "status" not in form.fields
    html = response.content.decode()
    assert 'name="status"' not in html
    assert "Published — " in html and "change it on its page" in html
    assert f'href="{review.get_absolute_url()}"' in html


def test_posting_a_status_to_the_admin_changes_no_action_status(admin_client, world):
    action = world.multi_action
    url = admin_url(action, "change", action.pk)
    data = change_form_data(admin_client.get(url), description="Changed in the admin site.")
    data.update({"status": Status.VERIFIED, "status_changed_at": "2026-01-01 10:00", "cancellation_reason": "x"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    action.refresh_from_db()
    assert action.description == "Changed in the admin site."  # the save went through...
    assert action.status == Status.IN_PROGRESS  # ...without the status
    assert action.cancellation_reason == ""
    assert action.status_changed_at is None
    assert not ProgressUpdate.objects.filter(action=action).exists()
    for record in records_of(action):
        assert "status" not in record.changes


def test_posting_a_status_to_the_admin_changes_no_review_status(admin_client, world):
    review = world.review
    url = admin_url(review, "change", review.pk)
    data = change_form_data(admin_client.get(url), summary="Changed in the admin site.", status=Review.Status.CLOSED)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.summary == "Changed in the admin site."
    assert review.status == Review.Status.PUBLISHED


def test_an_action_added_in_the_admin_starts_not_started_whatever_is_posted(admin_client, world):
    data = {
        "plan": world.multi_plan.pk,
        "reference": "9.9",
        "recommendation": world.recommendation.pk,
        "description": "Added in the admin site.",
        "lead_agency": world.police.pk,
        "responsible_officer": "",
        "target_date": "2030-01-01",
        "success_measure": "An audit shows it.",
        "status": Status.VERIFIED,
        **empty_inline("progress_updates"),
    }
    response = admin_client.post(admin_url(Action, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    action = Action.objects.get(reference="9.9")
    assert action.status == Status.NOT_STARTED


def held_event(world):
    """A learning event held ten days ago on the world's theme, with the police's attendance and register."""
    event = learning_services.event_create(
        actor=world.member, title="Hidden men: working with fathers", kind=LearningEvent.Kind.WORKSHOP,
        audience=LearningEvent.Audience.ALL, held_on=today() - datetime.timedelta(days=10),
        facilitator="The board's training officer", description="", themes=[world.theme],
    )
    event = learning_services.move_event("hold", event=event, actor=world.member, seen=LearningEvent.Status.SCHEDULED)
    learning_services.attendance_record(
        event=event, agency=world.police, actor=world.agency_user, attended=9,
        register=uploads.check_upload(ContentFile(samples.pdf(), name="register.pdf")),
    )
    return event


def test_the_learning_event_change_form_has_no_status_field_and_links_to_the_event_page(admin_client, world):
    event = held_event(world)
    response = admin_client.get(admin_url(event, "change", event.pk))
    form = response.context["adminform"].form
    assert "status" not in form.fields and "cancellation_reason" not in form.fields
    html = response.content.decode()
    assert 'name="status"' not in html
    assert "Held — " in html and "change it on its page" in html
    assert f'href="{event.get_absolute_url()}"' in html
    assert "Test Police" in html  # its attendance, read in the inline


def test_posting_a_status_to_the_admin_changes_no_learning_event_status(admin_client, world):
    event = held_event(world)
    url = admin_url(event, "change", event.pk)
    newest = _newest()
    data = change_form_data(admin_client.get(url), title="Hidden men (renamed)")
    data.update({"status": LearningEvent.Status.CANCELLED, "cancellation_reason": "Set in the admin site."})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.title == "Hidden men (renamed)"  # the save went through...
    assert event.status == LearningEvent.Status.HELD  # ...without the status
    assert event.cancellation_reason == ""
    record = records_of(event).filter(id__gt=newest).get()
    assert (record.verb, record.actor) == (ChangeRecord.Verb.CHANGED, world.admin)
    assert record.changes["title"] == ["Hidden men: working with fathers", "Hidden men (renamed)"]
    assert "status" not in record.changes
    assert event.attendance.get().attended == 9  # the read-only attendance is left as it was


def test_event_files_are_only_read_in_the_admin(admin_client, world):
    kept = LearningFile.objects.get(event=held_event(world))
    assert admin_client.get(admin_url(LearningFile, "add")).status_code == 403
    change = admin_url(kept, "change", kept.pk)
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"description": "Renamed", "kind": "material"}).status_code == 403
    kept.refresh_from_db()
    assert (kept.description, kept.kind) == ("Police's register", LearningFile.Kind.REGISTER)


def impact_checks(world):
    """A sub-committee (the member in it) and two impact checks of verified actions: one open, due in 20 days, and
    one done, found partly embedded with its evidence."""
    committee = SubCommittee.objects.create(name="Monitoring and Evaluation", description="Audits.")
    committee.members.add(world.member)

    def check(reference):
        action = factories.action(world.multi_plan, world.health, reference=reference, status=Status.VERIFIED)
        return learning_services.impact_check_schedule(
            action=action, actor=world.consultant, due_on=today() + datetime.timedelta(days=20), sub_committee=committee)

    open_check = check("1.20")
    done = learning_services.impact_finding_record(
        check=check("1.21"), actor=world.member, seen=ImpactCheck.Status.OPEN, finding=ImpactCheck.Finding.PARTLY,
        looked_at="A dip sample of 12 referrals.", finding_note="Not out of hours.", checked_on=today(),
        uploads=[uploads.check_upload(ContentFile(samples.pdf(), name="dip-sample.pdf"))],
    )
    return committee, open_check, done


FINDING_FIELDS = ["status", "finding", "looked_at", "finding_note", "checked_on", "checked_by", "follows",
                  "follow_up_action"]


def test_an_impact_check_is_not_added_in_the_admin_and_its_finding_is_only_read(admin_client, world):
    committee, open_check, done = impact_checks(world)
    assert admin_client.get(admin_url(ImpactCheck, "add")).status_code == 403
    assert admin_client.post(admin_url(ImpactCheck, "add"), {"action": world.multi_action.pk,
                                                              "due_on": "2030-01-01"}).status_code == 403
    assert not ImpactCheck.objects.filter(action=world.multi_action).exists()
    url = admin_url(done, "change", done.pk)
    response = admin_client.get(url)
    assert set(response.context["adminform"].form.fields) == set()  # a done check is a record: all read-only
    html = response.content.decode()
    assert "Partly embedded" in html and "Not out of hours." in html  # shown, read-only
    assert all(f'name="{name}"' not in html for name in FINDING_FIELDS)
    assert f'href="{done.get_absolute_url()}">change it on its page' in html
    # An open check: reassigned and re-dated here as on its page; a finding posted with it is not recorded.
    url = admin_url(open_check, "change", open_check.pk)
    newest = _newest()
    later = open_check.due_on + datetime.timedelta(days=30)
    data = change_form_data(admin_client.get(url), due_on=later)
    data.update({"status": "done", "finding": "embedded", "looked_at": "Posted.", "finding_note": "Posted.",
                 "checked_on": today().isoformat(), "checked_by": world.admin.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    open_check.refresh_from_db()
    assert open_check.due_on == later  # the save went through...
    assert (open_check.status, open_check.finding, open_check.looked_at, open_check.checked_by) == (
        ImpactCheck.Status.OPEN, "", "", None)  # ...without the finding
    record = records_of(open_check).filter(id__gt=newest).get()
    assert (record.verb, record.actor) == (ChangeRecord.Verb.CHANGED, world.admin)
    assert set(record.changes) == {"due"}


def test_a_done_impact_check_is_not_reassigned_or_re_dated_in_the_admin(admin_client, world):
    committee, open_check, done = impact_checks(world)
    url = admin_url(done, "change", done.pk)
    admin_client.post(url, change_form_data(admin_client.get(url), sub_committee="",
                                            due_on=done.due_on + datetime.timedelta(days=90)))
    kept = ImpactCheck.objects.get(pk=done.pk)
    assert (kept.sub_committee, kept.due_on) == (committee, done.due_on)


def test_a_second_sub_committee_checking_impact_by_default_is_refused_in_the_admin(admin_client, world):
    committee, _, _ = impact_checks(world)
    SubCommittee.objects.filter(pk=committee.pk).update(checks_impact=True)
    response = admin_client.post(admin_url(SubCommittee, "add"), {"name": "Professional Practice", "description": "",
                                                                  "members": [world.member.pk],
                                                                  "checks_impact": "on", "is_active": "on"})
    assert response.status_code == 200
    assert "Another sub-committee checks impact by default already." in response.content.decode()
    assert not SubCommittee.objects.filter(name="Professional Practice").exists()


def test_sub_committee_members_changed_in_the_admin_are_recorded(admin_client, world):
    committee, _, _ = impact_checks(world)
    url = admin_url(committee, "change", committee.pk)
    newest = _newest()
    response = admin_client.post(url, change_form_data(admin_client.get(url), members=[world.member.pk, world.admin.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(committee.members.all()) == {world.member, world.admin}
    record = records_of(committee).filter(id__gt=newest).get()
    assert (record.verb, record.actor) == (ChangeRecord.Verb.CHANGED, world.admin)
    assert str(world.admin) in str(record.changes["members"][1])


# --- Nothing of the domain is deleted ------------------------------------------------------------------------


def _domain_objects(world):
    item = samples.submit_note(world.multi_action, world.agency_user)
    event = held_event(world)
    committee, open_check, done = impact_checks(world)
    return {
        "learning event": event,
        "event file": LearningFile.objects.get(event=event),
        "sub-committee": committee,
        "open impact check": open_check,
        "done impact check": done,
        "impact check's evidence": LearningFile.objects.get(impact_check=done),
        "theme": world.theme,
        "review": world.review,
        "recommendation": world.recommendation,
        "plan": world.police_plan,
        "action": world.multi_action,
        "evidence item": item,
        "agency": world.health,
        "user": world.other,
    }


def test_nothing_of_the_domain_can_be_deleted_in_the_admin(admin_client, world):
    for label, obj in _domain_objects(world).items():
        url = admin_url(obj, "delete", obj.pk)
        assert admin_client.get(url).status_code == 403, label
        assert admin_client.post(url, {"post": "yes"}).status_code == 403, label
        assert type(obj).objects.filter(pk=obj.pk).exists(), label
        change = admin_client.get(admin_url(obj, "change", obj.pk))
        assert change.status_code == 200, label
        assert url not in change.content.decode(), label


def test_no_changelist_offers_delete_selected_and_posting_it_deletes_nothing(admin_client, world):
    for label, obj in _domain_objects(world).items():
        changelist = admin_url(obj, "changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, label
        assert "delete_selected" not in response.content.decode(), label
        offered = response.context["action_form"].fields["action"].choices if response.context["action_form"] else []
        assert "delete_selected" not in [value for value, _ in offered], label
        admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        assert type(obj).objects.filter(pk=obj.pk).exists(), label


# --- Every admin save leaves a change record ------------------------------------------------------------------


def _assert_recorded(obj, admin, verb, newest):
    records = records_of(obj).filter(id__gt=newest, verb=verb)
    assert records.exists(), f"no {verb} record of {obj!r}"
    assert {record.actor for record in records} == {admin}


def _newest():
    return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_adding_in_the_admin_leaves_a_created_record_by_the_admin(admin_client, world):
    newest = _newest()
    added = []

    response = admin_client.post(admin_url(Theme, "add"), {"name": "Household composition", "description": "x"})
    assert response.status_code == 302, response.content.decode()[:3000]
    added.append(Theme.objects.get(name="Household composition"))

    response = admin_client.post(
        admin_url(Agency, "add"), {"name": "Test Probation", "short_name": "Probation", "kind": "probation", "is_active": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    agency = Agency.objects.get(short_name="Probation")
    added.append(agency)

    review_data = {
        "reference": "SCR-ADMIN-01",
        "title": "Child Z",
        "summary": "",
        "incident_category": Review.IncidentCategory.NEGLECT,
        "kind": "serious_case",
        "commissioned_on": "2025-01-01",
        "finalised_on": "",
        "published_on": "",
        "themes": [world.theme.pk],
    }
    response = admin_client.post(admin_url(Review, "add"), review_data)
    assert response.status_code == 302, response.content.decode()[:3000]
    review = Review.objects.get(reference="SCR-ADMIN-01")
    assert review.status == Review.Status.COMMISSIONED
    added.append(review)

    plan_data = {"review": review.pk, "kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": agency.pk, "title": "Probation plan"}
    response = admin_client.post(admin_url(ActionPlan, "add"), {**plan_data, "description": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = ActionPlan.objects.get(review=review)
    added.append(plan)

    action_data = {
        "plan": plan.pk,
        "reference": "1.1",
        "recommendation": "",
        "description": "Training.",
        "lead_agency": agency.pk,
        "responsible_officer": "",
        "target_date": "2030-01-01",
        "success_measure": "An audit.",
        "themes": [world.theme.pk],
        **empty_inline("progress_updates"),
    }
    response = admin_client.post(admin_url(Action, "add"), action_data)
    assert response.status_code == 302, response.content.decode()[:3000]
    action = Action.objects.get(plan=plan)
    added.append(action)

    for obj in added:
        _assert_recorded(obj, world.admin, ChangeRecord.Verb.CREATED, newest)
    assert records_of(review).get(verb=ChangeRecord.Verb.CREATED).changes["themes"][1] == world.theme.name


@pytest.mark.parametrize(
    ("name", "field", "value", "label"),
    [
        ("theme", "description", "Changed in the admin site.", "description"),
        ("health", "short_name", "NHS", "short name"),
        ("review", "title", "Child Q", "title"),
        ("multi_plan", "title", "The overview report's plan", "title"),
        ("multi_action", "description", "Changed in the admin site.", "what will be done"),
        ("recommendation", "text", "Agencies should share information at once.", "recommendation"),
    ],
)
def test_changing_in_the_admin_leaves_a_change_record_by_the_admin(admin_client, world, name, field, value, label):
    obj = getattr(world, name)
    url = admin_url(obj, "change", obj.pk)
    newest = _newest()
    response = admin_client.post(url, change_form_data(admin_client.get(url), **{field: value}))
    assert response.status_code == 302, response.content.decode()[:3000]
    obj.refresh_from_db()
    assert getattr(obj, field) == value
    record = records_of(obj).filter(id__gt=newest).get()
    assert (record.verb, record.actor) == (ChangeRecord.Verb.CHANGED, world.admin)
    assert record.changes[label][1] == value


def test_themes_changed_on_an_action_in_the_admin_are_recorded(admin_client, world):
    action = world.multi_action
    url = admin_url(action, "change", action.pk)
    newest = _newest()
    response = admin_client.post(url, change_form_data(admin_client.get(url), themes=[world.theme.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    record = records_of(action).filter(id__gt=newest).get()
    assert record.actor == world.admin
    assert record.changes["themes"] == ["—", world.theme.name]


# --- Review dates: the admin refuses what the review form refuses ----------------------------------------------


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"commissioned_on": "2024-06-01", "finalised_on": "2024-01-01", "published_on": ""}, "finalised_on"),
        ({"finalised_on": "", "published_on": "2024-09-01"}, "finalised_on"),
        ({"finalised_on": "2024-06-01", "published_on": "2024-05-01"}, "published_on"),
    ],
    ids=["finalised-before-commissioned", "published-without-finalised", "published-before-finalised"],
)
def test_the_admin_cannot_save_a_review_with_dates_the_review_form_refuses(admin_client, world, dates, field):
    review = world.review
    before = factories.db_state()
    url = admin_url(review, "change", review.pk)
    response = admin_client.post(url, change_form_data(admin_client.get(url), **dates))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get(field), response.context["adminform"].form.errors
    assert factories.db_state() == before

    # The member's own review form refuses the same dates.
    client = admin_client
    client.force_login(world.member)
    data = {
        "reference": review.reference,
        "title": review.title,
        "incident_category": review.incident_category,
        "kind": "serious_case",
        "status": Review.Status.IN_PROGRESS,
        "summary": "",
        "commissioned_on": "2024-01-01",
        "finalised_on": "2024-06-01",
        "published_on": "",
        "loaded_version": factories.loaded_version(review),
        **dates,
    }
    response = client.post(reverse("reviews:edit", args=[review.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert factories.db_state() == before


def test_the_admin_cannot_add_a_review_published_without_being_finalised(admin_client, world):
    data = {
        "reference": "SCR-ADMIN-02",
        "title": "Child Y",
        "summary": "",
        "incident_category": Review.IncidentCategory.NEGLECT,
        "kind": "serious_case",
        "commissioned_on": "2025-01-01",
        "finalised_on": "",
        "published_on": "2025-06-01",
    }
    response = admin_client.post(admin_url(Review, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get("finalised_on")
    assert not Review.objects.filter(reference="SCR-ADMIN-02").exists()


@pytest.mark.parametrize(
    "dates",
    [
        {"finalised_on": datetime.date(2024, 6, 1), "published_on": datetime.date(2024, 5, 1)},
        {"finalised_on": None, "published_on": datetime.date(2024, 5, 1)},
        {"commissioned_on": datetime.date(2024, 6, 1), "finalised_on": datetime.date(2024, 1, 1), "published_on": None},
    ],
    ids=["published-before-finalised", "published-without-finalised", "finalised-before-commissioned"],
)
def test_the_database_refuses_bad_review_dates_even_without_clean(db, dates):
    values = {
        "reference": "SCR-DB-01",
        "title": "Child X",
        "incident_category": Review.IncidentCategory.NEGLECT,
        "kind": "serious_case",
        "status": Review.Status.IN_PROGRESS,
        "commissioned_on": datetime.date(2024, 1, 1),
        **dates,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(**values)
    assert not Review.objects.filter(reference="SCR-DB-01").exists()
    # The same review with good dates is accepted, so it is the dates that were refused.
    Review.objects.create(**{**values, "finalised_on": datetime.date(2024, 6, 1), "published_on": datetime.date(2024, 9, 1),
                             "commissioned_on": datetime.date(2024, 1, 1)})


# --- Themes are retired, not deleted ---------------------------------------------------------------------------


def _retire_in_admin(client, *themes):
    return client.post(
        admin_url(Theme, "changelist"), {"action": "retire", "_selected_action": [theme.pk for theme in themes]}
    )


def test_retiring_a_theme_keeps_its_tags_and_records_the_retirement(admin_client, world):
    theme = world.theme
    world.review.themes.add(theme)
    world.multi_action.themes.add(theme)
    world.police_action.themes.add(theme)
    newest = _newest()

    response = _retire_in_admin(admin_client, theme)
    assert response.status_code == 302

    theme.refresh_from_db()
    assert theme.retired_at is not None
    assert list(world.review.themes.all()) == [theme]
    assert set(theme.actions.all()) == {world.multi_action, world.police_action}
    record = records_of(theme).filter(id__gt=newest).get()
    assert (record.verb, record.actor) == (ChangeRecord.Verb.CHANGED, world.admin)
    assert record.changes["retired"][0] == "—" and record.changes["retired"][1] != "—"
    # Nothing else was recorded as changed: the reviews and actions keep their tags.
    assert not ChangeRecord.objects.filter(id__gt=newest).exclude(pk=record.pk).exists()
    # The action page still shows the tag.
    admin_client.force_login(world.member)
    assert f"{theme.name} (retired)" in admin_client.get(world.multi_action.get_absolute_url()).content.decode()


def test_a_retired_theme_is_offered_only_where_it_is_already_tagged(admin_client, world):
    theme, other = world.theme, factories.theme(name="Household composition")
    world.review.themes.add(theme)
    world.multi_action.themes.add(theme)
    _retire_in_admin(admin_client, theme)
    admin_client.force_login(world.member)

    def offered(url_name, *args):
        response = admin_client.get(reverse(url_name, args=args))
        assert response.status_code == 200
        return set(response.context["form"].fields["themes"].queryset)

    assert offered("reviews:create") == {other}
    assert offered("actionplans:action_create", world.multi_plan.pk) == {other}
    untagged_review = factories.review()
    assert offered("reviews:edit", untagged_review.pk) == {other}
    assert offered("actionplans:action_edit", world.multi_action_health.pk) == {other}
    # Where it is tagged already it stays offered, so saving the form keeps the tag.
    assert offered("reviews:edit", world.review.pk) == {theme, other}
    assert offered("actionplans:action_edit", world.multi_action.pk) == {theme, other}

    action = world.multi_action
    response = admin_client.post(
        reverse("actionplans:action_edit", args=[action.pk]),
        factories.action_edit_data(action, description="Edited after the theme retired."),
    )
    assert response.status_code == 302
    assert list(action.themes.all()) == [theme]

    # A retired theme cannot be added to an object not tagged with it.
    other_action = world.multi_action_health
    response = admin_client.post(
        reverse("actionplans:action_edit", args=[other_action.pk]),
        factories.action_edit_data(other_action, themes=[theme.pk]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("themes")
    assert not other_action.themes.exists()


def test_a_retired_theme_can_be_brought_back(admin_client, world):
    theme = world.theme
    _retire_in_admin(admin_client, theme)
    newest = _newest()
    response = admin_client.post(
        admin_url(Theme, "changelist"), {"action": "bring_back", "_selected_action": [theme.pk]}
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.retired_at is None
    record = records_of(theme).filter(id__gt=newest).get()
    assert record.actor == world.admin and record.changes["retired"][1] == "—"
    admin_client.force_login(world.member)
    assert theme in admin_client.get(reverse("reviews:create")).context["form"].fields["themes"].queryset
