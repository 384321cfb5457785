import functools

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from actionplans.templatetags.actions import percent
from dashboard import charts
from dashboard.selectors import LARGEST_FIRST, SORTS, Row

register = template.Library()


@register.simple_tag
def compliance_chart(trend, scope, described_title=False):
    return charts.compliance_chart(trend, scope, described_title)


@register.simple_tag
def overdue_chart(trend, scope, described_title=False):
    return charts.overdue_chart(trend, scope, described_title)


@register.simple_tag
def brag_bar(figures):
    return charts.brag_bar(figures)


@register.inclusion_tag("dashboard/includes/sort_header.html", takes_context=True)
def sort_header(context, key):
    """A column header that sorts the tables by ``key``, the worst first on a first click (LARGEST_FIRST); a
    second click reverses the order."""
    current = context.get("sort") or ""
    # Only the order: the dashboard's tables are kept rendered for everyone (dashboard.views.index), so nothing
    # else of the request may end up in them. A new order starts on its first page.
    if current == key:
        descending = True
    elif current == f"-{key}":
        descending = False
    else:
        descending = key in LARGEST_FIRST
    state = "ascending" if current == key else "descending" if current == f"-{key}" else None
    return {"label": SORTS[key], "href": f"?sort={'-' if descending else ''}{key}", "state": state, "next_descending": descending}


_ROW = (
    "<tr>\n    <th scope=\"row\">{}</th>\n"
    "    <td><a href=\"{}\">{}</a></td>\n"
    "    <td>{} <span class=\"small text-muted\">(<a href=\"{}\">{}</a>/<a href=\"{}\">{}</a>)</span></td>\n"
    "    <td>{} <span class=\"small text-muted\">(<a href=\"{}\">{}</a>/<a href=\"{}\">{}</a>)</span></td>\n"
    "    <td><a href=\"{}\">{}</a></td>\n"
    "    <td><a href=\"{}\">{}</a></td>\n"
    "    <td>{} <span class=\"small text-muted\">(on <a href=\"{}\">{}</a>)</span></td>\n"
    "    <td><div class=\"brag-cell\">{}\n<ul class=\"list-inline small mb-0\">{}</ul></div></td>\n  </tr>"
)
_BRAG_KEY = (
    '<li class="list-inline-item"><span class="brag-key brag-{}" aria-hidden="true">{}</span>'
    '<a href="{}">{}<span class="visually-hidden"> {}</span></a></li>'
)


@register.simple_tag
def figures_row(row, kind):
    """One line of a review, agency or kind-of-review table (dashboard/includes/rows.html): the row's name, each figure a link to
    the actions behind it, and its BRAG bar with the same counts as text. Built in one piece rather than through
    a template per cell: the dashboard shows up to a hundred of these."""
    obj = row.obj
    label, title = (obj.reference, obj.title) if kind == "review" else (obj.name, None)
    return _figures_row(kind, obj.pk, label, title, tuple(sorted(row.scope.items())), row.figures, row.evidence)


#: Rows drawn lately, by everything they show: after a write, only the rows whose figures changed are drawn again.
#: Keyed on the values themselves, never on a version, so a kept row is always the one those values draw.
ROWS_KEPT = 2048


@functools.lru_cache(maxsize=ROWS_KEPT)
def _figures_row(kind, pk, label, title, scope, figures, evidence):
    row = Row(obj=None, figures=figures, scope=dict(scope), evidence=evidence)
    links = row.links
    if kind == "review":
        name = format_html('<a href="{}">{}</a> <span class="fw-normal">{}</span>',
                           reverse("dashboard:review", args=[pk]), label, title)
    elif kind == "kind":
        name = format_html('<a href="{}?kind={}">{}</a>', reverse("reviews:list"), pk, label)
    else:
        name = format_html('<a href="{}">{}</a>', reverse("dashboard:agency", args=[pk]), label)
    keys = format_html_join(
        "", _BRAG_KEY,
        ((rating.value, rating.letter, url, count, rating.short_label) for rating, count, url in row.brag),
    )
    return format_html(
        _ROW, name,
        links["total"], figures.total,
        percent(figures.compliance), links["verified"], figures.verified, links["counted"], figures.counted,
        percent(figures.completion), links["done"], figures.done, links["counted"], figures.counted,
        links["overdue"], figures.overdue,
        links["due_soon"], figures.due_soon,
        evidence.items, links["evidence"], evidence.actions,
        charts.brag_bar(figures), keys,
    )
