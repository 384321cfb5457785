"""Cursor pagination (DRF's): a page holds up to API_PAGE_SIZE objects, ``next`` and ``previous`` are links, and a
list changing between two requests never repeats or skips an object. Each list is in a fixed order of plain
fields, the last of them unique; the action list's orders are those of its page (actionplans.filters)."""

from django.conf import settings
from rest_framework import exceptions, pagination


class CursorPage(pagination.CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)

    def get_page_size(self, request):
        """API_PAGE_SIZE, or ``page_size`` when given: a whole number from 1 to max_page_size, else 400 (DRF's own
        would quietly use another size than the one asked for)."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return settings.API_PAGE_SIZE
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]})
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters

    def get_ordering(self, request, queryset, view):
        return getattr(view, "cursor_ordering", self.ordering)


class ActionCursorPage(CursorPage):
    """The action list's orders (its ``ordering`` parameter), on the names api.views.ActionViewSet annotates:
    ``review_reference`` for the review's reference and ``mine`` (0 for the reader's own actions)."""

    ORDERS = {
        "": ("target_date", "review_reference", "reference", "id"),
        "target_date": ("target_date", "review_reference", "reference", "id"),
        "-target_date": ("-target_date", "-review_reference", "-reference", "-id"),
        "review": ("review_reference", "target_date", "reference", "id"),
        "-review": ("-review_reference", "-target_date", "-reference", "-id"),
        "mine_first": ("mine", "target_date", "review_reference", "reference", "id"),
    }

    def get_ordering(self, request, queryset, view):
        if getattr(view, "cursor_ordering", None):  # a list of something else under the actions (their progress)
            return view.cursor_ordering
        return self.ORDERS.get(request.query_params.get("ordering", ""), self.ORDERS[""])
