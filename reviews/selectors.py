from django.db.models import Prefetch

from accounts import access
from actionplans import rules
from actionplans.models import Action
from actionplans.selectors import with_latest_progress
from reviews.models import Review


def reviews_with_figures(user):
    """Every review, each with .figures over the actions this user may see. Two queries."""
    rows = (
        access.visible_actions(user)
        .order_by()
        .values("plan__review_id")
        .annotate(**rules.figures_aggregates())
    )
    by_review = {row.pop("plan__review_id"): rules.Figures(**row) for row in rows}
    reviews = list(Review.objects.order_by("-commissioned_on", "reference"))
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
