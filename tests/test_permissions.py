"""Who may see and change what (DOMAIN.md, "Who may see and change what"), URL by URL and role by role.

Every page of the application is in the tables below, once per object it can be opened on. Each row
gives what each role gets:

    LOGIN   302 to the login page (anonymous users)
    REDIR   302 somewhere else (e.g. the home page sends people to their start page)
    SAVED   302 after a successful write (POST only)
    200     the page
    403     the user may see the object but not do this
    404     the user may not even know the object exists (another agency's own plan and its actions)
    405     GET on a POST-only view
"""

import datetime

import pytest
from django.urls import reverse

from actionplans import rules
from actionplans.models import Action, ActionPlan, ProgressUpdate
from audit.models import ChangeRecord
from reviews.models import Review
from tests import factories

LOGIN, REDIR, SAVED = "login", "redirect", "saved"

ROLES = ("anonymous", "member", "chair", "consultant", "admin", "agency_user", "other")
#         ^ world.agency_user is a police user; world.other is a health user.

ALL_200 = (LOGIN, 200, 200, 200, 200, 200, 200)
EDITORS_ONLY = (LOGIN, 200, 403, 403, 200, 403, 403)

# fmt: off
GET_MATRIX = [
    # url name                          object           anonymous member chair consultant admin police health
    ("home",                            None,            (LOGIN,    REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("healthz",                         None,            (200,      200,   200,   200,     200,   200,   200)),
    ("accounts:login",                  None,            (200,      REDIR, REDIR, REDIR,   REDIR, REDIR, REDIR)),
    ("accounts:password_change",        None,            ALL_200),
    ("reviews:list",                    None,            ALL_200),
    ("reviews:create",                  None,            EDITORS_ONLY),
    ("reviews:detail",                  "review",        ALL_200),
    ("reviews:edit",                    "review",        EDITORS_ONLY),
    ("reviews:plan_create",             "review",        EDITORS_ONLY),
    ("actionplans:plan_detail",         "multi_plan",    ALL_200),
    ("actionplans:plan_detail",         "police_plan",   (LOGIN,    200,   200,   200,     200,   200,   404)),
    ("actionplans:plan_detail",         "health_plan",   (LOGIN,    200,   200,   200,     200,   404,   200)),
    ("actionplans:plan_edit",           "multi_plan",    EDITORS_ONLY),
    ("actionplans:plan_edit",           "police_plan",   (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:plan_edit",           "health_plan",   (LOGIN,    200,   403,   403,     200,   404,   403)),
    ("actionplans:action_create",       "multi_plan",    EDITORS_ONLY),
    ("actionplans:action_create",       "police_plan",   (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:action_create",       "health_plan",   (LOGIN,    200,   403,   403,     200,   404,   403)),
    ("actionplans:action_list",         None,            ALL_200),
    ("actionplans:my_actions",          None,            ALL_200),
    ("actionplans:action_detail",       "multi_action",  ALL_200),
    ("actionplans:action_detail",       "police_action", (LOGIN,    200,   200,   200,     200,   200,   404)),
    ("actionplans:action_detail",       "health_action", (LOGIN,    200,   200,   200,     200,   404,   200)),
    ("actionplans:action_edit",         "multi_action",  EDITORS_ONLY),
    ("actionplans:action_edit",         "police_action", (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:action_edit",         "health_action", (LOGIN,    200,   403,   403,     200,   404,   403)),
    ("actionplans:action_progress",     "multi_action",  (LOGIN,    405,   405,   405,     405,   405,   405)),
    ("actionplans:action_progress",     "police_action", (LOGIN,    405,   405,   405,     405,   405,   405)),
    ("actionplans:action_progress",     "health_action", (LOGIN,    405,   405,   405,     405,   405,   405)),
    ("actionplans:action_cancel",       "multi_action",  EDITORS_ONLY),
    ("actionplans:action_cancel",       "police_action", (LOGIN,    200,   403,   403,     200,   403,   404)),
    ("actionplans:action_cancel",       "health_action", (LOGIN,    200,   403,   403,     200,   404,   403)),
]

WRITE_EDITORS_ONLY = (LOGIN, SAVED, 403, 403, SAVED, 403, 403)

POST_MATRIX = [
    # url name                          object           anonymous member chair consultant admin police health
    ("reviews:create",                  None,            WRITE_EDITORS_ONLY),
    ("reviews:edit",                    "review",        WRITE_EDITORS_ONLY),
    ("reviews:plan_create",             "review",        WRITE_EDITORS_ONLY),
    ("actionplans:plan_edit",           "multi_plan",    WRITE_EDITORS_ONLY),
    ("actionplans:plan_edit",           "police_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:plan_edit",           "health_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    ("actionplans:action_create",       "multi_plan",    WRITE_EDITORS_ONLY),
    ("actionplans:action_create",       "police_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_create",       "health_plan",   (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    ("actionplans:action_edit",         "multi_action",  WRITE_EDITORS_ONLY),
    ("actionplans:action_edit",         "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_edit",         "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
    # Progress: sub-committee members, administrators and the action's lead agency (police leads multi_action).
    ("actionplans:action_progress",     "multi_action",  (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 403)),
    ("actionplans:action_progress",     "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, SAVED, 404)),
    ("actionplans:action_progress",     "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   SAVED)),
    ("actionplans:action_progress",     "multi_action_health", (LOGIN, SAVED, 403, 403,    SAVED, 403,   SAVED)),
    ("actionplans:action_cancel",       "multi_action",  WRITE_EDITORS_ONLY),
    ("actionplans:action_cancel",       "police_action", (LOGIN,    SAVED, 403,   403,     SAVED, 403,   404)),
    ("actionplans:action_cancel",       "health_action", (LOGIN,    SAVED, 403,   403,     SAVED, 404,   403)),
]
# fmt: on


def _cases(matrix):
    for url_name, obj, expectations in matrix:
        assert len(expectations) == len(ROLES), url_name
        for role, expected in zip(ROLES, expectations, strict=True):
            yield pytest.param(url_name, obj, role, expected, id=f"{url_name}[{obj or '-'}]-{role}-{expected}")


def _url(world, url_name, obj):
    return reverse(url_name, args=[getattr(world, obj).pk]) if obj else reverse(url_name)


def _log_in_as(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))


def _valid_data(world, url_name, obj):
    """A POST body the form accepts, so that a refusal can only come from the permission check."""
    if url_name == "reviews:create":
        return {
            "reference": "SCR-2026-99",
            "title": "Child Z",
            "incident_category": Review.IncidentCategory.NEGLECT,
            "status": Review.Status.COMMISSIONED,
            "commissioned_on": "2026-01-05",
        }
    if url_name == "reviews:edit":
        review = world.review
        return {
            "reference": review.reference,
            "title": "Child A (renamed)",
            "incident_category": review.incident_category,
            "status": review.status,
            "summary": "Revised summary.",
            "commissioned_on": review.commissioned_on.isoformat(),
            "finalised_on": review.finalised_on.isoformat(),
            "published_on": review.published_on.isoformat(),
            "loaded_version": factories.loaded_version(review),
        }
    if url_name == "reviews:plan_create":
        return {"kind": ActionPlan.Kind.SINGLE_AGENCY, "agency": world.board.pk, "title": "The board's own plan"}
    if url_name == "actionplans:plan_edit":
        plan = getattr(world, obj)
        return {
            "kind": plan.kind,
            "agency": plan.agency_id or "",
            "title": f"{plan.title} (revised)",
            "description": "x",
            "loaded_version": factories.loaded_version(plan),
        }
    if url_name == "actionplans:action_create":
        plan = getattr(world, obj)
        return {
            "reference": "9.9",
            "recommendation": "Agencies should share information.",
            "description": "Write a protocol.",
            "lead_agency": plan.agency_id or world.police.pk,
            "target_date": "2027-01-31",
            "success_measure": "Protocol signed.",
            "themes": [world.theme.pk],
        }
    if url_name == "actionplans:action_edit":
        action = getattr(world, obj)
        return {
            "reference": action.reference,
            "recommendation": action.recommendation,
            "description": "A revised description.",
            "lead_agency": action.lead_agency_id,
            "responsible_officer": action.responsible_officer_id or "",
            "target_date": action.target_date.isoformat(),
            "success_measure": action.success_measure,
            "loaded_version": factories.loaded_version(action),
        }
    if url_name == "actionplans:action_progress":
        return {
            "status": rules.Status.COMPLETED,
            "note": "Training delivered to all teams.",
            "loaded_version": factories.loaded_version(getattr(world, obj)),
        }
    if url_name == "actionplans:action_cancel":
        return {"reason": "Superseded by the national protocol."}
    raise AssertionError(f"no valid data for {url_name}")


def _assert_outcome(response, expected):
    login_url = reverse("accounts:login")
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(login_url + "?next=")
    elif expected in (REDIR, SAVED):
        assert response.status_code == 302
        assert not response.url.startswith(login_url)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(_cases(GET_MATRIX)))
def test_get_gives_each_role_exactly_what_it_may_see(client, world, url_name, obj, role, expected):
    _log_in_as(client, world, role)
    response = client.get(_url(world, url_name, obj))
    _assert_outcome(response, expected)


@pytest.mark.parametrize(("url_name", "obj", "role", "expected"), list(_cases(POST_MATRIX)))
def test_post_with_valid_data_is_saved_only_for_those_allowed_and_refusals_change_nothing(
    client, world, url_name, obj, role, expected
):
    _log_in_as(client, world, role)
    before = factories.db_state()
    response = client.post(_url(world, url_name, obj), _valid_data(world, url_name, obj))
    _assert_outcome(response, expected)
    if expected == SAVED:
        assert factories.db_state() != before, "the valid data must really save something"
    else:
        assert factories.db_state() == before


def test_get_of_an_object_that_does_not_exist_is_404(client, world):
    client.force_login(world.member)
    for url_name in ("reviews:detail", "actionplans:plan_detail", "actionplans:action_detail"):
        assert client.get(reverse(url_name, args=[999999])).status_code == 404


def test_home_sends_agency_users_to_their_actions_and_others_to_the_dashboard(client, world):
    client.force_login(world.agency_user)
    assert client.get(reverse("home")).url == reverse("actionplans:my_actions")
    client.force_login(world.chair)
    assert client.get(reverse("home")).url == reverse("dashboard:index")


def test_board_chair_is_refused_every_write_and_nothing_changes(client, world):
    client.force_login(world.chair)
    writes = [(url_name, obj) for url_name, obj, _ in POST_MATRIX]
    counts = {model: model.objects.count() for model in (Review, ActionPlan, Action, ProgressUpdate, ChangeRecord)}
    before = factories.db_state()

    for url_name, obj in writes:
        response = client.post(_url(world, url_name, obj), _valid_data(world, url_name, obj))
        assert response.status_code == 403, (url_name, obj)

    assert {model: model.objects.count() for model in counts} == counts
    assert factories.db_state() == before
    world.review.refresh_from_db()
    assert world.review.title != "Child A (renamed)"
    for name in ("multi_plan", "police_plan", "health_plan"):
        plan = getattr(world, name)
        title = plan.title
        plan.refresh_from_db()
        assert plan.title == title
        assert not plan.title.endswith("(revised)")
    for name in ("multi_action", "police_action", "health_action"):
        action = getattr(world, name)
        action.refresh_from_db()
        assert action.status == rules.Status.IN_PROGRESS
        assert action.description != "A revised description."
        assert action.cancellation_reason == ""
        assert not action.progress_updates.exists()


@pytest.mark.parametrize(
    "query",
    ["", "?q=P.1", "?plan={police_plan}", "?lead_agency={police}", "?review={review}", "?status=in_progress",
     "?overdue=yes", "?brag=green", "?ordering=review", "?page=2"],
)
def test_health_user_never_sees_the_police_plan_actions_in_lists(client, world, query):
    overdue = factories.action(
        world.police_plan, world.police, reference="P.2", target_date=rules.today() - datetime.timedelta(days=3)
    )
    query = query.format(police_plan=world.police_plan.pk, police=world.police.pk, review=world.review.pk)
    client.force_login(world.other)
    for url_name in ("actionplans:action_list", "actionplans:my_actions"):
        response = client.get(reverse(url_name) + query)
        assert response.status_code == 200
        shown = list(response.context["page"].object_list)
        assert all(action.plan_id != world.police_plan.pk for action in shown), (url_name, query)
        assert world.police_action not in shown
        html = response.content.decode()
        for hidden in (world.police_action, overdue):
            assert reverse("actionplans:action_detail", args=[hidden.pk]) not in html


def test_health_user_lists_do_show_what_they_may_see(client, world):
    client.force_login(world.other)
    listed = list(client.get(reverse("actionplans:action_list")).context["page"].object_list)
    assert set(listed) == {world.multi_action, world.multi_action_health, world.health_action}
    mine = list(client.get(reverse("actionplans:my_actions")).context["page"].object_list)
    assert set(mine) == {world.multi_action_health, world.health_action}


def test_health_user_cannot_choose_the_police_plan_in_the_action_filter(client, world):
    client.force_login(world.other)
    response = client.get(reverse("actionplans:action_list"))
    plans = list(response.context["filter"].form.fields["plan"].queryset)
    assert world.police_plan not in plans
    assert world.health_plan in plans and world.multi_plan in plans


def test_agency_user_cannot_see_another_agencys_own_plan(client, world):
    client.force_login(world.other)
    assert client.get(reverse("actionplans:plan_detail", args=[world.police_plan.pk])).status_code == 404
    assert client.get(reverse("actionplans:action_detail", args=[world.police_action.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "total", "overdue"),
    [("member", 5, 1), ("chair", 5, 1), ("agency_user", 4, 1), ("other", 3, 0)],
)
def test_review_figures_count_only_the_actions_the_user_may_see(client, world, role, total, overdue):
    # An overdue action in the police's own plan: the health user must not see it counted anywhere.
    factories.action(
        world.police_plan, world.police, reference="P.2", target_date=rules.today() - datetime.timedelta(days=3)
    )
    client.force_login(getattr(world, role))

    listed = {review.pk: review for review in client.get(reverse("reviews:list")).context["reviews"]}
    assert listed[world.review.pk].figures.total == total
    assert listed[world.review.pk].figures.overdue == overdue

    detail = client.get(reverse("reviews:detail", args=[world.review.pk]))
    assert detail.context["figures"].total == total
    assert detail.context["figures"].overdue == overdue
    shown_plans = {plan.pk for plan in detail.context["plans"]}
    assert (world.police_plan.pk in shown_plans) is (role != "other")
    assert (world.health_plan.pk in shown_plans) is (role != "agency_user")


def test_health_user_review_detail_does_not_show_the_police_plan(client, world):
    client.force_login(world.other)
    html = client.get(reverse("reviews:detail", args=[world.review.pk])).content.decode()
    assert world.health_plan.title in html
    assert world.police_plan.title not in html
    assert reverse("actionplans:plan_detail", args=[world.police_plan.pk]) not in html
    assert reverse("actionplans:action_detail", args=[world.police_action.pk]) not in html


# The chair reads everything but changes nothing: no edit buttons anywhere. The member sees them.
WRITE_LINKS = [
    ("reviews:list", None, [("reviews:create", None)]),
    ("reviews:detail", "review", [("reviews:edit", "review"), ("reviews:plan_create", "review")]),
    ("actionplans:plan_detail", "multi_plan", [("actionplans:plan_edit", "multi_plan"), ("actionplans:action_create", "multi_plan")]),
    ("actionplans:plan_detail", "police_plan", [("actionplans:plan_edit", "police_plan"), ("actionplans:action_create", "police_plan")]),
    (
        "actionplans:action_detail",
        "multi_action",
        [("actionplans:action_edit", "multi_action"), ("actionplans:action_cancel", "multi_action"), ("actionplans:action_progress", "multi_action")],
    ),
]


@pytest.mark.parametrize(("page", "obj", "links"), WRITE_LINKS, ids=[f"{p}[{o or '-'}]" for p, o, _ in WRITE_LINKS])
def test_chair_pages_show_no_edit_buttons(client, world, page, obj, links):
    client.force_login(world.chair)
    html = client.get(_url(world, page, obj)).content.decode()
    for url_name, link_obj in links:
        assert f'"{_url(world, url_name, link_obj)}"' not in html, url_name


@pytest.mark.parametrize(("page", "obj", "links"), WRITE_LINKS, ids=[f"{p}[{o or '-'}]" for p, o, _ in WRITE_LINKS])
def test_member_pages_do_show_the_edit_buttons(client, world, page, obj, links):
    client.force_login(world.member)
    html = client.get(_url(world, page, obj)).content.decode()
    for url_name, link_obj in links:
        assert f'"{_url(world, url_name, link_obj)}"' in html, url_name


def test_agency_user_gets_the_progress_form_only_on_actions_its_agency_leads(client, world):
    client.force_login(world.agency_user)
    led = client.get(reverse("actionplans:action_detail", args=[world.multi_action.pk]))
    assert led.context["progress_form"] is not None
    assert reverse("actionplans:action_progress", args=[world.multi_action.pk]) in led.content.decode()
    not_led = client.get(reverse("actionplans:action_detail", args=[world.multi_action_health.pk]))
    assert not_led.context["progress_form"] is None
    html = not_led.content.decode()
    assert reverse("actionplans:action_progress", args=[world.multi_action_health.pk]) not in html
    assert reverse("actionplans:action_edit", args=[world.multi_action_health.pk]) not in html
