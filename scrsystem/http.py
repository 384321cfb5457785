import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse


def posted(request):
    """The submitted data on a POST (even an empty one, so that it is validated), None on a GET."""
    return request.POST if request.method == "POST" else None


#: How many page numbers the pager shows either side of the current page (and the first and the last page).
PAGER_NEIGHBOURS = 3
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")


def page_of(items, number, per_page, count=None):
    """Page ``number`` of ``items`` (a queryset or a list; a wrong number gives the nearest page). ``page.links``
    are what the pager (templates/includes/pager.html) shows: the first and the last page and PAGER_NEIGHBOURS
    either side of this one, ``Paginator.ELLIPSIS`` where numbers are left out (a pager never goes through every
    page number). ``count``, when known, is the number of items (not counted again)."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not computed
    page = paginator.get_page(number)
    page.links = list(page.paginator.get_elided_page_range(page.number, on_each_side=PAGER_NEIGHBOURS, on_ends=1))
    return page


def page_number(value):
    """A page's query parameter as a number to key a cached page with: the number, or 1 for anything but a number
    of up to six digits. The page shown must then be computed from this number, not the parameter (page_of
    gives the nearest page to it)."""
    return int(value) if value and _PAGE_NUMBER.fullmatch(value) else 1


def query_without_page(request):
    """The request's query string without ``page``: what the pager's links add their page number to."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def paginate(request, queryset, count=None):
    """The requested page of ``queryset`` (a page of an action list; ``count``, when known, the number of its
    actions), and the query string for the pager's links."""
    return page_of(queryset, request.GET.get("page"), settings.ACTIONS_PER_PAGE, count), query_without_page(request)


def form_values(form):
    """A ModelForm's cleaned values of its model's fields, as plain arguments for a service."""
    return {name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data}


def refused_status(form):
    """The status of a page sent back with a refused form: 409 when someone else changed the object first (a
    lifecycle Conflict, code "conflict"), 400 for a form filled in wrong."""
    return 409 if any(e.code == "conflict" for e in form.non_field_errors().as_data()) else 400


def attachment(content, filename, content_type):
    """A stored file (an evidence item's, a learning event's) sent as a download, never shown in the browser: no
    sniffing, no caching, and sandboxed should a browser open it anyway."""
    response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def refuse_impossible_move(request, obj, move):
    """403 unless ``move`` (with ``sources`` and a ``label``) starts from ``obj``'s status. Judged on the status the
    person saw (a posted form's ``seen_status``), as actionplans.lifecycle.require is, so that someone who lost a
    race is told by the conditional write what changed and by whom (409) rather than refused here."""
    seen = request.POST.get("seen_status") if request.method == "POST" else obj.status
    if (seen if seen in move.sources else obj.status) not in move.sources:
        raise PermissionDenied(f"“{obj.title}” is {obj.get_status_display().lower()}: “{move.label}” is not possible.")
