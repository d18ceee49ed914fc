"""The two pagination styles of the API (SPEC §13): page numbers, and cursors for feeds."""

import json
from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from umbrella.renderers import PreRendered


def pre_rendered_page(next_link: str | None, previous_link: str | None, results: str) -> Response:
    """The envelope of a page (``next``, ``previous``, ``results``) around rows that are JSON text
    already (an array): nothing parsed or encoded again (``umbrella.renderers.PreRendered``)."""
    links = json.dumps(next_link), json.dumps(previous_link)
    return Response(PreRendered(f'{{"next":{links[0]},"previous":{links[1]},"results":{results}}}'))


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["count", "next", "previous", "results"]  # always all four
        return envelope


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination for big tables and feeds: no COUNT(*), stable under inserts.

    Used by the notification list (``accounts.api.views.NotificationPagination``, ordered by
    ``-created_at, -id``) and the marketplace's gig board and lists (ordered by start time);
    messaging's conversation and message lists come next (issue 10). Rows may be model
    instances or ``values()`` dicts; a view that turns rows into cards must not change the row
    dicts themselves (the next cursor is read from them after the page is built). A cursor that
    was not made here is ``404 not_found``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"

    def get_paginated_response(self, data: Any) -> Response:
        """DRF's envelope; for a page whose rows are JSON text already
        (``umbrella.renderers.PreRendered``, an array) the same envelope as text around it, with
        nothing parsed or encoded again (the view renders with ``renderers_with_pre_rendered``)."""
        if not isinstance(data, PreRendered):
            return super().get_paginated_response(data)
        return pre_rendered_page(self.get_next_link(), self.get_previous_link(), data.text)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["next", "previous", "results"]  # always all three
        return envelope


class OffsetNoCountPagination(pagination.BasePagination):
    """Page numbers without ``COUNT(*)``: one extra row tells whether a next page exists.

    For big tables whose ordering is not a single column (search ranked by relevance), where
    cursor pagination does not apply and counting would cost more than the page itself.
    """

    page_size = 20
    max_page_size = 100

    def window(self, request: Any) -> tuple[int, int]:
        """The rows the page reads, ``(start, stop)`` of a slice (one more than the page holds:
        it tells whether a next page exists). A bad ``page``/``page_size`` is a 400."""
        params = request.query_params
        self.page = _positive_int(params, "page", default=1, cap=10_000)
        self.size = _positive_int(
            params, "page_size", default=self.page_size, cap=self.max_page_size
        )
        start = (self.page - 1) * self.size
        return start, start + self.size + 1

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        self.request = request
        self.window(request)
        rows, self.has_next = page_without_count(queryset, page=self.page, size=self.size)
        return rows

    def _link(self, page: int) -> str:
        return replace_query_param(self.request.build_absolute_uri(), "page", page)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self.page + 1) if self.has_next else None,
                "previous": self._link(self.page - 1) if self.page > 1 else None,
                "results": data,
            }
        )

    def get_pre_rendered_response(self, request: Any, results: str, *, has_next: bool) -> Response:
        """:meth:`get_paginated_response` for a page whose rows are JSON text already (an
        array, e.g. written by PostgreSQL), read after :meth:`window`: the envelope around
        it, with nothing parsed or encoded again (``umbrella.renderers.PreRendered``)."""
        self.request, self.has_next = request, has_next
        return pre_rendered_page(
            self._link(self.page + 1) if has_next else None,
            self._link(self.page - 1) if self.page > 1 else None,
            results,
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1},
                "description": "Page number (from 1).",
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
                "description": f"Results per page (at most {self.max_page_size}).",
            },
        ]


def page_without_count(queryset: Any, *, page: int, size: int) -> tuple[list[Any], bool]:
    """Rows of page ``page`` (from 1) and whether a next page exists, with no ``COUNT(*)``: one
    extra row is fetched. Shared by :class:`OffsetNoCountPagination` and the search page."""
    start = (page - 1) * size
    rows = list(queryset[start : start + size + 1])
    return rows[:size], len(rows) > size


def _positive_int(params: Any, name: str, *, default: int, cap: int) -> int:
    raw = params.get(name)
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError as error:
        raise ValidationError({name: ["Must be a whole number."]}) from error
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    return min(value, cap)


def page_number(raw: str | None, *, cap: int = 10_000) -> int:
    """A page's ``?page=`` value for a server-rendered page: a positive whole number up to
    ``cap``; anything else is page 1 (a page answers, never a 400, for a hand-edited link)."""
    value = (raw or "").strip()
    # isascii: "²" is a digit to str.isdigit but not to int(); a long string is past the cap.
    if not (value.isascii() and value.isdigit()):
        return 1
    if len(value) > len(str(cap)):
        return cap
    return min(max(int(value), 1), cap)
