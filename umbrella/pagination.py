"""The two pagination styles of the API (SPEC §13): page numbers, and cursors for feeds."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination for big tables and feeds: no COUNT(*), stable under inserts."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"
