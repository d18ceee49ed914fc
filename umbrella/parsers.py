"""Request body parsers for the API (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).

Its own module: DRF resolves the parser setting while ``rest_framework.views`` is imported,
so this must not import anything that imports DRF's views (``umbrella.api`` does).
"""

from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with Django's body limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``).

    DRF reads a JSON body from the stream, which skips the check Django makes for form bodies,
    so any size would be read into memory. Over the limit answers ``413 request_too_large``.
    """

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)
