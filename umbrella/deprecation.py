"""The API's versioning policy, made visible (docs/api.md "Versioning", docs/apps.md "API
versioning policy"): every response under a deprecated path carries

* ``Deprecation: @<unix time>`` (RFC 9745), when it was deprecated;
* ``Sunset: <HTTP date>`` (RFC 8594), when it will be switched off;
* ``Link: <notes>; rel="deprecation"; type="text/html"`` (RFC 9745 §3), the migration notes.

One registry, :data:`DEPRECATED`, lists what is deprecated: a whole version (``/api/v1/``) or
one endpoint (``/api/v1/things``, which also covers ``/api/v1/things/3`` but not
``/api/v1/things-else``). One rule, :func:`deprecation_for`, says what an entry covers, and two
readers use it:

* :class:`DeprecationMiddleware` stamps the headers on every response whose path it covers —
  errors and the JSON error pages included, since it is the outermost middleware;
* the OpenAPI schema (``umbrella.schema.AutoSchema``) marks every operation whose path template
  it covers ``deprecated: true`` and documents the three headers on its responses. The schema
  takes deprecation from here only: ``extend_schema(deprecated=True)`` is refused, and so is an
  entry that covers no operation of the schema (a typo would deprecate nothing).

Nothing is deprecated today, so the registry is empty and the middleware costs one check of an
empty tuple per request.

To deprecate something: add an entry here, in the same commit as the announcement (docs and
changelog), with a sunset at least 6 months later.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponseBase
from django.utils.http import http_date


@dataclass(frozen=True)
class Deprecated:
    """``path`` (a version's prefix ending in ``/``, or one endpoint's path) is deprecated since
    ``since`` and switched off at ``sunset``; ``notes`` is the absolute URL of the migration
    notes."""

    path: str
    since: datetime
    sunset: datetime
    notes: str

    def __post_init__(self) -> None:
        if not self.path.startswith("/api/"):
            raise ValueError(f"{self.path}: only API paths are deprecated this way")
        if "{" in self.path or "}" in self.path:
            # A request's path never holds "{id}": the headers would never be sent, while the
            # schema (which matches path templates) would say the operation is deprecated.
            raise ValueError(f"{self.path}: a path as requested, not a template with {{...}}")
        if self.since.tzinfo is None or self.sunset.tzinfo is None:
            raise ValueError(f"{self.path}: since and sunset must be aware datetimes")
        if self.sunset <= self.since:
            raise ValueError(f"{self.path}: the sunset must come after the deprecation")

    def covers(self, path: str) -> bool:
        if self.path.endswith("/"):
            return path.startswith(self.path) or path == self.path[:-1]
        return path == self.path or path.startswith(self.path + "/")

    def headers(self) -> dict[str, str]:
        return {
            "Deprecation": f"@{int(self.since.timestamp())}",
            "Sunset": http_date(self.sunset.timestamp()),
            "Link": f'<{self.notes}>; rel="deprecation"; type="text/html"',
        }


# What is deprecated today: nothing.
DEPRECATED: tuple[Deprecated, ...] = ()


def deprecation_for(path: str, registry: Iterable[Deprecated] | None = None) -> Deprecated | None:
    """The entry covering ``path`` (the longest, most specific one), if any.

    ``path`` is a request's path (the middleware) or an OpenAPI path template such as
    ``/api/v1/things/{id}`` (the schema): entries hold no ``{...}`` and match whole leading
    segments, so a template is covered exactly when the requests it stands for are."""
    entries = DEPRECATED if registry is None else registry
    found = [entry for entry in entries if entry.covers(path)]
    return max(found, key=lambda entry: len(entry.path), default=None)


class DeprecationMiddleware:
    """Adds the deprecation headers to every response of a deprecated path (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not DEPRECATED:
            return response
        entry = deprecation_for(request.path)
        if entry is not None:
            for name, value in entry.headers().items():
                if name == "Link" and response.get("Link"):
                    value = f"{response['Link']}, {value}"  # keep the view's own links
                response[name] = value
        return response
