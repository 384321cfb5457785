"""Writes to reviews and themes, with plain arguments, each atomic and each leaving its change record."""

from django.db import transaction
from django.utils import timezone

from audit.services import save_audited
from reviews.models import Recommendation, Review


def review_create(*, actor, themes=(), **values):
    return save_audited(Review(), actor=actor, values=values, m2m={"themes": themes})


def review_update(*, review, actor, themes=None, **values):
    m2m = {"themes": themes} if themes is not None else None
    return save_audited(review, actor=actor, values=values, m2m=m2m)


@transaction.atomic
def theme_retire(*, theme, actor):
    """A theme no longer offered for new tags. Its reviews and actions keep it; the retirement is recorded."""
    return save_audited(theme, actor=actor, values={"retired_at": theme.retired_at or timezone.now()})


def theme_reinstate(*, theme, actor):
    return save_audited(theme, actor=actor, values={"retired_at": None})


def recommendation_create(*, review, actor, **values):
    """A recommendation of ``review``, recorded as created."""
    return save_audited(Recommendation(review=review), actor=actor, values=values)


def recommendation_update(*, recommendation, actor, **values):
    """A change to a recommendation or to the board's response to it, recorded field by field."""
    return save_audited(recommendation, actor=actor, values=values)


def next_number(review):
    """The number a new recommendation of ``review`` takes by default: one after the highest."""
    highest = review.recommendations.order_by("-number").values_list("number", flat=True).first()
    return (highest or 0) + 1
