from django import template

from papers import rules

register = template.Library()


@register.filter
def year_label(start):
    return rules.year_label(start) if start else ""
