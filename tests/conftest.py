import pytest

from accounts.models import Agency, Role
from tests import factories
from tests.oidc import oidc_provider  # noqa: F401 - a real OpenID Connect provider, for the single sign-on tests
from tests.s3 import s3_bucket, s3_endpoint, s3_evidence  # noqa: F401 - fixtures of the object storage tests


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's concern; the tests only need passwords to work, quickly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media_in_tmp(settings, tmp_path):
    # Evidence files written by a test (uploads, the demo seed) go to a throwaway folder, not var/private.
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def world(db):
    """A board with two agencies, a user per role, a review with a multi-agency plan and one plan per agency.

    `world.other` is an agency user of the second agency: the outsider for the first agency's own plan.
    """

    class World:
        pass

    w = World()
    w.board = factories.agency(name="Test Safeguarding Board", short_name="LSCB", kind=Agency.Kind.BOARD)
    w.police = factories.agency(name="Test Police", short_name="Police", kind=Agency.Kind.POLICE)
    w.health = factories.agency(name="Test Health Trust", short_name="Health", kind=Agency.Kind.HEALTH)
    w.member = factories.user(Role.MEMBER, username="member")
    w.chair = factories.user(Role.CHAIR, username="chair")
    w.consultant = factories.user(Role.CONSULTANT, username="consultant")
    w.admin = factories.user(Role.ADMIN, username="admin")
    w.agency_user = factories.user(Role.AGENCY, username="police", agency=w.police)
    w.other = factories.user(Role.AGENCY, username="health", agency=w.health)
    w.theme = factories.theme(name="Engaging male partners")
    w.review = factories.review()
    w.multi_plan = factories.plan(w.review)
    w.police_plan = factories.plan(w.review, w.police)
    w.health_plan = factories.plan(w.review, w.health)
    w.multi_action = factories.action(w.multi_plan, w.police, reference="1.1", responsible_officer=w.agency_user)
    w.multi_action_health = factories.action(w.multi_plan, w.health, reference="1.2")
    w.police_action = factories.action(w.police_plan, w.police, reference="P.1")
    w.health_action = factories.action(w.health_plan, w.health, reference="H.1")
    #: A recommendation of the review to the partnership, which any of its plans' actions may answer.
    w.recommendation = w.multi_action.recommendation
    return w


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
