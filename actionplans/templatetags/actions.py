from django import template
from django.utils.html import format_html

from actionplans import rules, selectors

register = template.Library()


@register.inclusion_tag("includes/brag.html")
def brag_badge(action, today=None):
    return {"rating": action.brag(today)}


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


@register.inclusion_tag("includes/latest_progress.html")
def latest_progress(action):
    """The latest word on an action (date, who, first line), or "No progress recorded". The action must have been
    read through actionplans.selectors.with_latest_progress."""
    return {"latest": selectors.latest_progress(action)}
