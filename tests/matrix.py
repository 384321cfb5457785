"""The permission matrices' shared vocabulary: what each role gets from each URL (DOMAIN.md, "Who may see and
change what"). Used by tests/test_permissions.py and tests/test_evidence_access.py, whose GET_MATRIX and
POST_MATRIX rows read

    (url name, object, (anonymous, member, chair, consultant, admin, police user, health user))

and by tests/test_url_coverage.py, which fails when a URL of the project has no row. Each outcome is one of

    LOGIN   302 to the login page (anonymous users)
    REDIR   302 somewhere else (e.g. the sign-in page sends a signed-in person home); after a POST, nothing of
            the domain was changed (e.g. signing out, or a decision refused with a message)
    SAVED   302 after a successful write (POST only): something of the domain really changed
    SIGNED_OUT  302 to the sign-in page itself (no "next"), signed out, nothing of the domain changed
    200     the page (or the file)
    403     the user may see the object but not do this (or not now: the object's status does not allow it)
    404     the user may not even know the object exists (another agency's own plan, its actions, its evidence)
    405     the wrong method (GET on a POST-only view)

The object is None for a URL without arguments, or the name of an attribute of the test's world: a model
instance (its pk is the argument) or a tuple of arguments.
"""

import pytest
from django.urls import reverse

from accounts.models import User
from actionplans.models import Action, ActionPlan, ProgressUpdate, TargetDateChange
from api.models import ApiToken
from concerns.models import Concern, ConcernFile, DataPoint, DataPointCorrection, Entry, Indicator
from dashboard.models import ReportIssue
from evidence.models import Evidence, EvidenceDecision, EvidenceDownload
from imports.models import ColumnMapping, SpreadsheetImport
from learning.models import Attendance, ImpactCheck, LearningEvent, LearningFile, SubCommittee
from papers.models import Paper, PaperFile
from reminders.models import CalendarFeed, ReminderPreference
from reviews.models import Recommendation, Review, Theme
from tests import factories

LOGIN, REDIR, SAVED, SIGNED_OUT = "login", "redirect", "saved", "signed out"

ROLES = ("anonymous", "member", "chair", "consultant", "admin", "agency_user", "other")
#         ^ world.agency_user is a police user; world.other is a health user.

ALL_200 = (LOGIN, 200, 200, 200, 200, 200, 200)
EVERYONE_200 = (200, 200, 200, 200, 200, 200, 200)  # pages for signing in: no sign-in needed
EDITORS_ONLY = (LOGIN, 200, 403, 403, 200, 403, 403)
NOBODY_NOW = (LOGIN, 403, 403, 403, 403, 403, 403)  # the object's status allows the move to no one
POST_ONLY = (LOGIN, 405, 405, 405, 405, 405, 405)
WRITE_EDITORS_ONLY = (LOGIN, SAVED, 403, 403, SAVED, 403, 403)
WRITE_SIGNED_IN = (LOGIN, SAVED, SAVED, SAVED, SAVED, SAVED, SAVED)


def cases(matrix):
    """pytest parameters (url_name, obj, role, expected), one per role of each row."""
    for url_name, obj, expectations in matrix:
        assert len(expectations) == len(ROLES), url_name
        for role, expected in zip(ROLES, expectations, strict=True):
            yield pytest.param(url_name, obj, role, expected, id=f"{url_name}[{obj or '-'}]-{role}-{expected}")


def url(world, url_name, obj):
    if obj is None:
        return reverse(url_name)
    value = getattr(world, obj)
    return reverse(url_name, args=list(value) if isinstance(value, tuple) else [value.pk])


def log_in_as(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))


def assert_outcome(response, expected):
    login_url = reverse("accounts:login")
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(login_url + "?next=")
    elif expected == SIGNED_OUT:
        assert response.status_code == 302
        assert response.url == login_url
        assert "_auth_user_id" not in response.wsgi_request.session
    elif expected in (REDIR, SAVED):
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response.url.startswith(login_url)
    else:
        assert response.status_code == expected


def db_state():
    """Every row a write of the application could touch, to show that a refused request changed nothing (and a
    saved one something). Not the security log: refusals are logged there on purpose."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            User,
            Review,
            Review.themes.through,
            Recommendation,
            Theme,
            ActionPlan,
            Action,
            Action.themes.through,
            ProgressUpdate,
            TargetDateChange,
            Evidence,
            EvidenceDecision,
            EvidenceDownload,
            ReminderPreference,
            CalendarFeed,
            ApiToken,
            LearningEvent,
            LearningEvent.themes.through,
            Attendance,
            LearningFile,
            SubCommittee,
            SubCommittee.members.through,
            ImpactCheck,
            Concern,
            Concern.agencies.through,
            Entry,
            Indicator,
            DataPoint,
            DataPointCorrection,
            ConcernFile,
            Paper,
            PaperFile,
            ReportIssue,
            SpreadsheetImport,
            ColumnMapping,
        )
    } | {"ChangeRecord": factories.change_records()}


def assert_post_outcome(response, expected, before):
    """A POST's outcome, and that it changed the domain exactly when it was SAVED."""
    assert_outcome(response, expected)
    if expected == SAVED:
        assert db_state() != before, "the valid data must really save something"
    else:
        assert db_state() == before
