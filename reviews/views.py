from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.access import Need
from actionplans import rules
from audit.services import history_of
from reviews import rules as learning_rules
from reviews import selectors, services
from reviews.filters import RecommendationFilter
from reviews.forms import RecommendationForm, ReviewForm
from reviews.models import Review
from scrsystem.http import form_values, paginate, posted


def review_list(request):
    kind = request.GET.get("kind")
    kind = kind if kind in Review.Kind.values else ""
    context = {
        "reviews": selectors.reviews_with_figures(
            request.user, Review.objects.filter(kind=kind) if kind else Review.objects.all()
        ),
        "kind": kind,
        "kinds": Review.Kind.choices,
        "can_change": access.can_change_reviews(request.user),
    }
    return render(request, "reviews/review_list.html", context)


def review_detail(request, pk):
    review = access.get_review(request.user, pk)
    plans = selectors.review_plans_with_actions(request.user, review)
    all_actions = [action for plan in plans for action in plan.actions.all()]
    recommendations, unanswered = selectors.review_recommendations(request.user, review, plans)
    context = {
        "review": review,
        "themes": review.themes.all(),
        "plans": plans,
        "recommendations": recommendations,
        "gaps": sum(r.gap for r in recommendations),
        "unanswered": unanswered,
        "figures": rules.figures_in_python(all_actions),
        "today": rules.today(),
        "can_change": access.can_change_reviews(request.user),
    }
    return render(request, "reviews/review_detail.html", context)


@require_http_methods(["GET", "POST"])
def review_create(request):
    access.require_change_reviews(request.user)
    form = ReviewForm(posted(request), submit_label="Create review")
    if request.method == "POST" and form.is_valid():
        review = services.review_create(actor=request.user, **form_values(form))
        messages.success(request, f"Review {review.reference} created. Add its action plans below.")
        return redirect(review)
    return render(request, "reviews/review_form.html", {"form": form, "heading": "New review"})


@require_http_methods(["GET", "POST"])
def review_edit(request, pk):
    review = access.get_review(request.user, pk, Need.CHANGE)
    form = ReviewForm(posted(request), instance=review)
    if request.method == "POST" and form.is_valid():
        services.review_update(review=review, actor=request.user, **form_values(form))
        messages.success(request, f"Review {review.reference} saved.")
        return redirect(review)
    return render(request, "reviews/review_form.html", {"form": form, "review": review, "heading": f"Edit {review.reference}"})


def recommendation_list(request):
    """Every recommendation this user may see, filtered (the dashboard's "gaps" figure opens it with ``gap=yes``),
    each with its response, its actions' figures and whether it is a gap. Fixed number of queries."""
    recommendations = learning_rules.with_live_actions(access.visible_recommendations(request.user))
    recommendation_filter = RecommendationFilter(request.GET, queryset=recommendations)
    listed = recommendation_filter.qs.select_related("review", "agency").order_by("review__reference", "number")
    page, query = paginate(request, listed)
    selectors.recommendations_with_figures(request.user, page.object_list)
    context = {"filter": recommendation_filter, "page": page, "query": query}
    return render(request, "reviews/recommendation_list.html", context)


def _save_recommendation(form, save):
    """Run ``save`` (a service call) for a valid form; a rule the database enforces (two members numbering a
    recommendation alike at once) comes back as the form's error, with nothing written."""
    try:
        return save()
    except (ValidationError, IntegrityError) as error:
        taken = form.number_taken(form.cleaned_data["number"])
        if taken:
            form.add_error("number", taken)
        elif isinstance(error, ValidationError):
            form.add_error(None, error)
        else:
            raise
    return None


@require_http_methods(["GET", "POST"])
def recommendation_create(request, pk):
    review = access.get_review(request.user, pk, Need.CHANGE)
    form = RecommendationForm(
        posted(request), review=review, submit_label="Add recommendation",
        initial={"number": services.next_number(review)},
    )
    if request.method == "POST" and form.is_valid():
        recommendation = _save_recommendation(form, lambda: services.recommendation_create(
            review=review, actor=request.user, **form_values(form)))
        if recommendation:
            messages.success(request, f"Recommendation {recommendation.number} added to {review.reference}.")
            return redirect(recommendation)
    context = {"form": form, "review": review, "heading": f"New recommendation for {review.reference}"}
    return render(request, "reviews/recommendation_form.html", context)


@require_http_methods(["GET", "POST"])
def recommendation_edit(request, pk):
    recommendation = access.get_recommendation(request.user, pk, Need.CHANGE)
    review = recommendation.review
    form = RecommendationForm(posted(request), instance=recommendation, review=review)
    if request.method == "POST" and form.is_valid():
        saved = _save_recommendation(form, lambda: services.recommendation_update(
            recommendation=recommendation, actor=request.user, **form_values(form)))
        if saved:
            messages.success(request, f"Recommendation {saved.number} of {review.reference} saved.")
            return redirect(saved)
    context = {"form": form, "review": review, "recommendation": recommendation,
               "heading": f"Recommendation {recommendation.number} of {review.reference}",
               "history": history_of(recommendation)}
    return render(request, "reviews/recommendation_form.html", context)
