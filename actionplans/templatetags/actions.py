from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from actionplans import rules, selectors

register = template.Library()


@register.simple_tag
def brag_badge(action, today=None):
    """A BRAG rating always shows its letter and its word, never colour alone; a cancelled action (no rating) a
    neutral badge, no colour. Written here rather than by a template: every list draws one per row."""
    rating = action.brag(today)
    if rating is None:
        return mark_safe(
            '<span class="badge brag brag-none" title="Cancelled: no BRAG rating"><span class="visually-hidden">'
            "BRAG rating: none, </span>Cancelled</span>"
        )
    return format_html(
        '<span class="badge brag brag-{}" title="{}"><span class="visually-hidden">BRAG rating: </span>'
        '<span class="brag-letter" aria-hidden="true">{}</span>{}</span>',
        rating.value, rating.label, rating.letter, rating.short_label,
    )


@register.simple_tag
def select_action(action, form_id):
    """The checkbox that selects ``action`` for the form whose id is ``form_id`` (bulk updates: actionplans.bulk),
    with its label for screen readers."""
    return format_html(
        '<input class="form-check-input me-2" type="checkbox" name="actions" value="{}" id="select-{}" form="{}">'
        '<label class="visually-hidden" for="select-{}">Select action {}</label>',
        action.pk, action.pk, form_id, action.pk, action,
    )


@register.simple_tag
def overdue_note(action, today=None):
    days = action.days_overdue(today)
    if not days:
        return ""
    return format_html(
        '<div class="small text-danger fw-semibold">Overdue by {} day{}</div>', days, "" if days == 1 else "s"
    )


def beside_tag(obj):
    """The extra tag of a message that belongs beside one object on a long page (``messages.error(request, text,
    extra_tags=beside_tag(evidence))``), not at the top: the template shows it with ``messages|beside:obj``."""
    return f"beside-{obj._meta.label_lower}-{obj.pk}"


@register.filter
def beside(messages, obj):
    return [message for message in messages if beside_tag(obj) in message.extra_tags.split()]


@register.filter
def at_the_top(messages):
    """The messages that are not placed beside an object."""
    return [m for m in messages if not any(tag.startswith("beside-") for tag in m.extra_tags.split())]


@register.filter
def percent(value):
    return "—" if value is None else f"{value}%"


@register.simple_tag
def due_soon_days():
    return rules.DUE_SOON_DAYS


@register.simple_tag
def latest_progress(action):
    """The latest word on an action (date, who, first line), or "No progress recorded". The action must have been
    read through actionplans.selectors.with_latest_progress. Written here rather than by a template (one per row)."""
    latest = selectors.latest_progress(action)
    if latest is None:
        return mark_safe('<span class="small text-muted">No progress recorded</span>')
    return format_html(
        '<div class="latest-progress small"><span class="text-nowrap">{}</span>, {}:<br>{}</div>',
        date_format(latest.on, "j M Y"), latest.by, latest.line,
    )


_ACTION_ROW = (
    "\n  <tr>\n    {}<td>{}<a href=\"{}\">{}</a>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n"
    "    <td>{}{}{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n  </tr>"
)


@register.simple_tag
def action_row(action, today=None, show_review=False, selectable=""):
    """One row of an action table (includes/action_rows.html), built in one piece rather than through a template
    per cell: a list page draws 25 of them, the board report hundreds. The action must have been read through
    actionplans.selectors.with_latest_progress, with its plan, review, lead agency and officer."""
    select = select_action(action, selectable) if selectable else ""
    review = ""
    if show_review:
        review = format_html('<td>{}<a href="{}">{}</a></td>\n    ', select,
                             reverse("reviews:detail", args=[action.plan.review_id]), action.plan.review.reference)
    moved = ""
    if action.target_date_moves:
        moved = format_html('<div class="small text-muted">originally {}, moved {}×</div>',
                            date_format(action.original_target_date, "j M Y"), action.target_date_moves)
    return format_html(
        _ACTION_ROW, review,
        "" if show_review else select, action.get_absolute_url(), action.reference,
        format_html('<div class="small text-muted">{}</div>', action.plan.title) if show_review else "",
        Truncator(action.description).words(18, truncate=" …"),
        action.lead_agency.short_name,
        action.responsible_officer or "—",
        date_format(action.target_date, "j M Y"), moved, overdue_note(action, today),
        action.get_status_display(),
        brag_badge(action, today),
        latest_progress(action),
    )
