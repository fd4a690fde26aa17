"""Cursor pagination for every list (stable under inserts; `?cursor=` from the `next` link)."""

from rest_framework.pagination import CursorPagination


class IdCursor(CursorPagination):
    """Newest first by id; `?limit=` up to 500."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500


class FeedCursor(IdCursor):
    """Oldest first: a poller keeps the last `next` link and asks again for what came after."""

    ordering = "id"
