from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.access import Need
from actionplans import rules
from reviews import selectors, services
from reviews.forms import ReviewForm
from scrsystem.http import form_values, posted


def review_list(request):
    context = {
        "reviews": selectors.reviews_with_figures(request.user),
        "can_change": access.can_change_reviews(request.user),
    }
    return render(request, "reviews/review_list.html", context)


def review_detail(request, pk):
    review = access.get_review(request.user, pk)
    plans = selectors.review_plans_with_actions(request.user, review)
    all_actions = [action for plan in plans for action in plan.actions.all()]
    context = {
        "review": review,
        "themes": review.themes.all(),
        "plans": plans,
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
