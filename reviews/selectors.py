from django.db.models import Prefetch

from accounts import access
from actionplans import rules
from actionplans.models import Action
from actionplans.selectors import with_latest_progress
from reviews import rules as learning_rules


def reviews_with_figures(user, reviews):
    """``reviews`` (a queryset: of a kind, tagged with a theme), the latest commissioned first, each with .figures
    over the actions this user may see. Two queries."""
    by_review = rules.figures_by(access.visible_actions(user).filter(plan__review__in=reviews), "plan__review_id")
    reviews = list(reviews.order_by("-commissioned_on", "reference"))
    for review in reviews:
        review.figures = by_review.get(review.pk, rules.Figures())
    return reviews


def review_plans_with_actions(user, review):
    """The plans of a review this user may see, each with its actions (and the latest word on each) and figures.
    Fixed query count."""
    actions = with_latest_progress(Action.objects.select_related("lead_agency", "responsible_officer")).order_by(
        "reference"
    )
    plans = list(
        access.visible_plans(user)
        .filter(review=review)
        .select_related("agency")
        .prefetch_related(Prefetch("actions", queryset=actions))
        .order_by("kind", "agency__name")
    )
    for plan in plans:
        plan.figures = rules.figures_in_python(plan.actions.all())
    return plans


def review_recommendations(user, review, plans):
    """The recommendations of ``review`` this user may see, in number order, each with ``.listed`` (the actions of
    ``plans``, as review_plans_with_actions loaded them, that answer it), their ``.figures``, and ``.gap``
    (Recommendation.gap: over every action, whoever reads). Also the listed actions that answer none. One query."""
    answering = {}
    unanswered = []
    for plan in plans:
        for action in plan.actions.all():
            if action.recommendation_id:
                answering.setdefault(action.recommendation_id, []).append(action)
            else:
                unanswered.append(action)
    recommendations = list(
        learning_rules.with_live_actions(access.visible_recommendations(user).filter(review=review))
        .select_related("agency")
        .order_by("number")
    )
    for recommendation in recommendations:
        recommendation.listed = answering.get(recommendation.pk, [])
        recommendation.figures = rules.figures_in_python(recommendation.listed)
    return recommendations, unanswered


def recommendations_with_figures(user, recommendations):
    """``recommendations`` (a list, e.g. a page, read with reviews.rules.with_live_actions) each with ``.figures``
    over the actions this user may see that answer it. One query."""
    by_recommendation = rules.figures_by(
        access.visible_actions(user).filter(recommendation__in=[r.pk for r in recommendations]), "recommendation_id"
    )
    for recommendation in recommendations:
        recommendation.figures = by_recommendation.get(recommendation.pk, rules.Figures())
    return recommendations
