"""A JSON renderer that also sends JSON written elsewhere (e.g. by PostgreSQL) as it is.

A hot read whose body is written as text (``marketplace.filters.match_json`` and
``board_json``: cards written by PostgreSQL, the board's kept per gig version) hands the view a
:class:`PreRendered` text (``CursorPagination`` and ``OffsetNoCountPagination`` put their
envelopes around it): no row becomes a Python object, and the renderer does not parse or
re-encode it. Everything else (errors among
them) renders as DRF's ``JSONRenderer`` renders it.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings


class PreRendered:
    """A response body that is JSON already (valid JSON text: the caller vouches for it)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class PreRenderedJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, PreRendered):
            return data.text.encode()
        return super().render(data, accepted_media_type, renderer_context)


def renderers_with_pre_rendered() -> list[Any]:
    """The project's renderers with DRF's JSON one replaced by :class:`PreRenderedJSONRenderer`
    (for a view's ``renderer_classes``; the browsable API, in development, still works)."""
    return [
        PreRenderedJSONRenderer if renderer is JSONRenderer else renderer
        for renderer in api_settings.DEFAULT_RENDERER_CLASSES
    ]
