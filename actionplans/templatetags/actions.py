from django import template
from django.utils.html import format_html

from actionplans import rules

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


@register.filter
def percent(value):
    return "—" if value is None else f"{value}%"


@register.simple_tag
def due_soon_days():
    return rules.DUE_SOON_DAYS
