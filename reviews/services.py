from audit.services import record_changed, record_created, snapshot
from reviews.forms import ReviewForm


def review_create(*, form, actor):
    review = form.save(commit=False)
    review.created_by = actor
    review.save()
    form.save_m2m()
    record_created(review, actor=actor, fields=ReviewForm.Meta.fields)
    return review


def review_update(*, form, actor):
    before = snapshot(form.instance.__class__.objects.get(pk=form.instance.pk), ReviewForm.Meta.fields)
    review = form.save()
    record_changed(review, actor=actor, before=before)
    return review
