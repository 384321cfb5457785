from django import template

from dashboard import charts
from dashboard.selectors import LARGEST_FIRST, SORTS

register = template.Library()


@register.simple_tag
def compliance_chart(trend, scope):
    return charts.compliance_chart(trend, scope)


@register.simple_tag
def overdue_chart(trend, scope):
    return charts.overdue_chart(trend, scope)


@register.simple_tag
def brag_bar(figures):
    return charts.brag_bar(figures)


@register.inclusion_tag("dashboard/includes/sort_header.html", takes_context=True)
def sort_header(context, key):
    """A column header that sorts the tables by ``key``, the worst first on a first click (LARGEST_FIRST); a
    second click reverses the order."""
    current = context.get("sort") or ""
    query = context["request"].GET.copy()
    if current == key:
        descending = True
    elif current == f"-{key}":
        descending = False
    else:
        descending = key in LARGEST_FIRST
    query["sort"] = f"-{key}" if descending else key
    state = "ascending" if current == key else "descending" if current == f"-{key}" else None
    return {"label": SORTS[key], "href": f"?{query.urlencode()}", "state": state, "next_descending": descending}
