from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string

from accounts import access
from accounts.models import Agency
from actionplans import rules
from actionplans.filters import listed_actions
from actionplans.views import mine_of
from dashboard import exports, report, selectors, services, versions
from learning import selectors as learning_selectors
from scrsystem.http import page_number


def index(request):
    """The compliance dashboard. Its figures, trend and tables are the same for everyone who may see the same
    actions (``access.scope_of``), on the same day, in the same order and page: they are rendered once and kept,
    under the version of the data they are computed from (dashboard.versions), until the data changes."""
    sort = selectors.sort_of(request.GET.get("sort"))
    page = page_number(request.GET.get("page"))

    def overview():
        context = {"dashboard": selectors.dashboard(request.user, sort=sort, page=page), "sort": sort,
                   "review_query": "" if sort == selectors.DEFAULT_SORT else f"sort={sort}"}
        return render_to_string("dashboard/includes/overview.html", context)

    key = ("overview", access.scope_of(request.user), rules.today(), sort, page)
    context = {"overview": versions.cached((versions.FIGURES, versions.EVIDENCE, versions.SNAPSHOTS, versions.LEARNING), key,
                                           overview),
               "matrix": learning_selectors.dissemination(), "today": rules.today()}
    return render(request, "dashboard/index.html", context)


def review_page(request, pk):
    review = access.get_review(request.user, pk)
    context = {"review": review, "scope": selectors.review_scope(request.user, review), "today": rules.today()}
    return render(request, "dashboard/review.html", context)


def agency_page(request, pk):
    # Agencies are the board's partners, known to every user; what is counted still depends on the reader.
    agency = get_object_or_404(Agency, pk=pk)
    context = {"agency": agency, "scope": selectors.agency_scope(request.user, agency), "today": rules.today()}
    return render(request, "dashboard/agency.html", context)


def _filtered_actions(request):
    """The actions of the action list (or "My actions" with ``mine=1``) with the same filters and order; the filter;
    and the heading of "My actions" (None for the list)."""
    actions, heading = access.visible_actions(request.user), None
    if request.GET.get("mine"):
        actions, heading = mine_of(request.user, actions)
    action_filter, actions = listed_actions(request.GET, actions, request)
    return exports.export_queryset(actions, request.user), action_filter, heading


def export_csv(request):
    actions, _, _ = _filtered_actions(request)
    return exports.csv_response(actions, f"actions-{rules.today():%Y-%m-%d}")


def export_xlsx(request):
    actions, action_filter, heading = _filtered_actions(request)
    about = exports.about_export(request.user, action_filter, heading)
    return exports.xlsx_response(actions, f"actions-{rules.today():%Y-%m-%d}", about)


def board_report(request):
    since = report.since_from(request.GET.get("since"))
    return HttpResponse(report.render_html(request, since))


def board_report_pdf(request):
    since = report.since_from(request.GET.get("since"))
    response = HttpResponse(report.render_pdf(request, since), content_type="application/pdf")
    # The PDF is what goes to the board: "the last board report" of the chair's home page (dashboard.home).
    services.report_issue_record(actor=request.user, since=since)
    response["Content-Disposition"] = f'inline; filename="board-report-{rules.today():%Y-%m-%d}.pdf"'
    return response
