"""The board report: the same template as HTML for the browser and, through WeasyPrint, as PDF."""

import datetime

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from accounts import access
from actionplans import rules
from dashboard import selectors


def since_from(value):
    """The report's "since the last report" date: ``?since=YYYY-MM-DD``, or REPORT_SINCE_DAYS ago."""
    today = rules.today()
    default = today - datetime.timedelta(days=settings.REPORT_SINCE_DAYS)
    try:
        since = datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return min(since, today)


def render_html(request, since, *, pdf=False):
    context = {
        "report": selectors.report(request.user, since),
        "pdf": pdf,
        "reader": request.user,
        "request": request,
        "stylesheet": _stylesheet() if pdf else "",
        # The paper the board sends its partners is written from here (papers/).
        "can_write_papers": not pdf and access.can_write_papers(request.user),
    }
    return render_to_string("dashboard/report.html", context, request=request)


def _stylesheet():
    """The report's CSS, inlined into the PDF's HTML so WeasyPrint needs no HTTP request (the page links it)."""
    with open(finders.find("css/report.css"), encoding="utf-8") as css:
        return css.read()


#: WeasyPrint's variant for every PDF the application produces: PDF/UA-1 (ISO 14289-1), tagged.
PDF_VARIANT = "pdf/ua-1"


def render_pdf(request, since):
    # Imported here: WeasyPrint loads Pango when imported, and only this page needs it.
    import weasyprint

    html = render_html(request, since, pdf=True)
    # Tagged for screen readers (PDF/UA-1): a structure tree of headings, paragraphs, tables with their header cells
    # and figures with their alternative text (an SVG's title), in the page's order; the language and the title
    # from the HTML, shown in the window's title bar (README "Accessible documents").
    return weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(pdf_variant=PDF_VARIANT)
