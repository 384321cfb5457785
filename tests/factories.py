"""Small builders for test data. Each returns a saved object; keyword arguments override defaults."""

import datetime
import itertools

from django.contrib.contenttypes.models import ContentType

from accounts.models import Agency, Role, SecurityEvent, User
from actionplans.models import Action, ActionPlan, ProgressUpdate
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from reviews.models import Recommendation, Review, Theme

_seq = itertools.count(1)
PASSWORD = "a-long-test-passphrase"


def agency(**kwargs):
    n = next(_seq)
    defaults = {"name": f"Agency {n}", "short_name": f"Ag{n}", "kind": Agency.Kind.OTHER}
    return Agency.objects.create(**{**defaults, **kwargs})


def user(role=Role.AGENCY, **kwargs):
    n = next(_seq)
    username = kwargs.pop("username", f"user{n}")
    account = User(username=username, role=role, first_name="Test", last_name=f"User{n}", **kwargs)
    account.set_password(PASSWORD)
    account.save()
    return account


def theme(**kwargs):
    return Theme.objects.create(**{"name": f"Theme {next(_seq)}", **kwargs})


def review(**kwargs):
    n = next(_seq)
    defaults = {
        "reference": f"SCR-TEST-{n:03d}",
        "title": f"Child {n}",
        "incident_category": Review.IncidentCategory.SERIOUS_INJURY,
        "status": Review.Status.PUBLISHED,
        "commissioned_on": datetime.date(2024, 1, 1),
        "finalised_on": datetime.date(2024, 6, 1),
        "published_on": datetime.date(2024, 9, 1),
    }
    return Review.objects.create(**{**defaults, **kwargs})


def plan(review_obj, agency_obj=None, **kwargs):
    kind = ActionPlan.Kind.SINGLE_AGENCY if agency_obj else ActionPlan.Kind.MULTI_AGENCY
    defaults = {"title": f"{agency_obj or 'Multi-agency'} plan", "kind": kind, "agency": agency_obj}
    return ActionPlan.objects.create(review=review_obj, **{**defaults, **kwargs})


def recommendation(review_obj, **kwargs):
    """A recommendation of ``review_obj``, numbered after its others unless ``number`` is given; accepted."""
    highest = review_obj.recommendations.order_by("-number").values_list("number", flat=True).first() or 0
    defaults = {
        "number": highest + 1,
        "text": "Agencies should assess male partners.",
        "response": Recommendation.Response.ACCEPTED,
        "responded_on": datetime.date(2024, 6, 1),
    }
    return Recommendation.objects.create(review=review_obj, **{**defaults, **kwargs})


def action(plan_obj, lead_agency, **kwargs):
    """An action of ``plan_obj``; it answers a new recommendation of the plan's review unless ``recommendation``
    is given (None for none)."""
    n = next(_seq)
    if "recommendation" not in kwargs:
        kwargs["recommendation"] = recommendation(plan_obj.review)
    defaults = {
        "reference": f"{n}.1",
        "description": "Deliver training on engaging fathers.",
        "success_measure": "Audit shows fathers assessed in 90% of cases.",
        "target_date": today() + datetime.timedelta(days=90),
        "status": Status.IN_PROGRESS,
    }
    values = {**defaults, **kwargs}
    if values["status"] == Status.CANCELLED:
        values.setdefault("cancellation_reason", "Superseded by a national protocol.")
    return Action.objects.create(plan=plan_obj, lead_agency=lead_agency, **values)


def loaded_version(obj):
    """What an edit page's hidden ``loaded_version`` field holds: the object's ``updated_at`` when opened."""
    return type(obj).objects.get(pk=obj.pk).updated_at.isoformat()


def seen_status(obj):
    """What a status-moving form's hidden ``seen_status`` field holds: the object's status when the page was drawn."""
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def action_edit_data(action, **overrides):
    """The action edit form as a browser would post it, unchanged unless overridden."""
    data = {
        "reference": action.reference,
        "recommendation": action.recommendation_id or "",
        "description": action.description,
        "lead_agency": action.lead_agency_id,
        "responsible_officer": action.responsible_officer_id or "",
        "target_date": action.target_date.isoformat(),
        "success_measure": action.success_measure,
        "themes": [theme.pk for theme in action.themes.all()],
        "loaded_version": loaded_version(action),
    }
    return {**data, **overrides}


def db_state():
    """Every row a write to reviews, plans or actions could touch, to show that a refused request changed nothing."""
    return {
        **{
            model.__name__: list(model.objects.order_by("pk").values())
            for model in (
                Review,
                Review.themes.through,
                Recommendation,
                ActionPlan,
                Action,
                Action.themes.through,
                ProgressUpdate,
            )
        },
        "ChangeRecord": change_records(),
    }


def change_records():
    """Every change record, except the chain's seals of security events: those are the security log's, where a
    refusal is logged on purpose (accounts.security.record)."""
    security_log = ContentType.objects.get_for_model(SecurityEvent)
    return list(ChangeRecord.objects.exclude(content_type=security_log).order_by("pk").values())
