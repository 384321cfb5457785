"""What the REST API's tests share: personal tokens made as the tokens page makes them (api.tokens.make), the
``Authorization`` header that carries one, and the world of tests/conftest.py with evidence, learning events and
board concerns added (``api_world``)."""

import datetime
import re

from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from actionplans.rules import Status, today
from api import tokens
from concerns import services as concern_services
from concerns.models import Concern
from learning import services as learning_services
from learning.models import LearningEvent
from tests import evidence_samples as samples
from tests import factories, matrix
from tests.matrix import ROLES


def make_token(user, *, scope="write", days=30, second_factor=True, name="Test program"):
    """(ApiToken, raw token) for ``user``, made through api.tokens.make in a session that passed the second factor
    (``second_factor``) or not."""
    request = RequestFactory().post("/api/tokens/")
    user.is_verified = lambda: second_factor
    request.user = user
    request.session = SessionStore()
    try:
        return tokens.make(user=user, name=name, scope=scope, days=days, request=request)
    finally:
        del user.is_verified


def bearer(raw):
    """The request headers of a request sent with the token ``raw`` (Django's test client's keyword arguments)."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def as_role(world, role, scope="write"):
    """The headers of a request by ``role`` (tests.matrix.ROLES) with its own token of ``scope``: none for anonymous."""
    if role == "anonymous":
        return {}
    return bearer((world.read_tokens if scope == "read" else world.tokens)[role])


def detail(response):
    """A refusal's ``detail``, in words. The schema endpoint answers in its own media type (OpenAPI YAML)."""
    if response["Content-Type"].startswith("application/json"):
        return response.json()["detail"]
    found = re.search(r"^detail:\n  string: (.+)$", response.content.decode(), re.MULTILINE)
    assert found, response.content[:500]
    return found.group(1)


def domain_state():
    """tests.matrix.db_state() without the tokens' own bookkeeping: every use of a token sets its last use (and
    is logged), which is no change of the domain."""
    state = matrix.db_state()
    state.pop("ApiToken", None)
    return state


def add_tokens(world):
    """A read-and-write token and a read-only token for every signed-in role of the world."""
    world.tokens, world.read_tokens = {}, {}
    for role in ROLES[1:]:
        world.tokens[role] = make_token(getattr(world, role), scope="write")[1]
        world.read_tokens[role] = make_token(getattr(world, role), scope="read")[1]
    return world


def learning_event(world, title="Hidden men: working with fathers", days=20):
    """A scheduled learning event recorded by a member, held ``days`` from today."""
    return learning_services.event_create(
        actor=world.member, title=title, held_on=today() + datetime.timedelta(days=days),
        kind=LearningEvent.Kind.WORKSHOP, audience=LearningEvent.Audience.ALL,
        facilitator="The board's training officer", description="", themes=[world.theme],
    )


def concern(world, title, agencies):
    """An open board concern recorded by a member, naming ``agencies``."""
    return concern_services.concern_create(
        actor=world.member, agencies=agencies, title=title, description="Raised after the section 11 audit.",
        raised_with="the Children's Trust", raised_on=today() - datetime.timedelta(days=100),
        source=Concern.Source.SECTION_11,
    )


def add_objects(world):
    """Evidence, a verified action, a learning event and board concerns, beside the world's plans and actions.

    police_item      the police's PDF on the multi-agency action the police lead
    police_own_item  the police's PDF on the police's own plan's action
    health_multi_item  health's PDF on the multi-agency action health leads (the police may not see it)
    health_item      health's PDF on health's own plan's action
    note_item        a written note of the police, without a file
    """
    w = world
    w.police_item = samples.submit(w.multi_action, w.agency_user)
    w.police_own_item = samples.submit(w.police_action, w.agency_user, name="force-instruction.pdf")
    w.health_multi_item = samples.submit(w.multi_action_health, w.other, name="health-audit.pdf")
    w.health_item = samples.submit(w.health_action, w.other, name="protocol.pdf")
    w.note_item = samples.submit_note(w.multi_action, w.agency_user)
    w.verified_action = factories.action(w.multi_plan, w.police, reference="1.9", status=Status.VERIFIED)
    w.event = learning_event(w)
    w.shared_concern = concern(w, "Slow take-up of the CAF", [w.police, w.health])
    w.police_concern = concern(w, "Custody referrals are late", [w.police])
    w.health_concern = concern(w, "Health visitors' caseloads", [w.health])
    return w
