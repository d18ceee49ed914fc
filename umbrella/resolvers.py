"""A URL resolver that looks only at the routes that can match a path's first segment.

Django's ``URLResolver`` tries its patterns in order, and each ``path("", include(...))`` that
fails builds the list of everything it tried (for the debug 404 page) before the next is tried.
Every app includes its URLs that way (``umbrella/urls.py``), so a request for
``/api/v1/rooms/`` went through the accounts, artists, marketplace and messaging routes first:
~180 µs of a ~3 ms request under load against ~40 µs for ``/api/v1/me``, and more the later
an app comes (4 December 2026, ``bench.settings``, 642 routes).

:class:`IndexedResolver` resolves the same routes to the same views, in the same order of
precedence, but groups them once by their first path segment: ``rooms/<int:room_id>/prizes/``
is only tried for paths starting ``rooms/``. Routes whose first segment is not a literal (a
converter, a regular expression, a prefix without ``/``) are tried for every path, in their
place. Plain ``path("", include(...))`` levels (no namespace, no app name, no extra arguments)
are looked through, which changes nothing in the match: Django leaves such levels out of a
match's namespaces and route. What a failed resolve reports as tried is empty, except with
``DEBUG`` on, where Django's own resolve runs again to list it on the 404 page.
"""

from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import ResolverMatch, RoutePattern
from django.utils.functional import cached_property

Entry = URLPattern | URLResolver


def _looked_through(entry: Entry) -> bool:
    """A ``path("", include(...))`` level that adds nothing to a match."""
    return (
        isinstance(entry, URLResolver)
        and isinstance(entry.pattern, RoutePattern)
        and str(entry.pattern) == ""
        and not entry.app_name
        and not entry.namespace
        and not entry.default_kwargs
    )


def _leaves(patterns: list[Entry]) -> list[Entry]:
    found: list[Entry] = []
    for entry in patterns:
        if _looked_through(entry):
            found += _leaves(entry.url_patterns)  # type: ignore[union-attr]
        else:
            found.append(entry)
    return found


def _first_segment(entry: Entry) -> str | None:
    """The literal first segment every path ``entry`` matches starts with, or None if any."""
    if not isinstance(entry.pattern, RoutePattern):
        return None
    route = str(entry.pattern)
    segment, slash, _rest = route.partition("/")
    if "<" in segment:
        return None
    if isinstance(entry, URLPattern):  # an endpoint matches the whole path
        return segment
    # An include's route is a prefix: "api" would also take "apiary/", "api/" only "api/...".
    return segment if slash else None


class IndexedResolver(URLResolver):
    @cached_property
    def _index(self) -> tuple[dict[str, list[Entry]], list[Entry]]:
        leaves = _leaves(self.url_patterns)
        segments = {s for s in map(_first_segment, leaves) if s is not None}
        by_segment = {
            segment: [e for e in leaves if _first_segment(e) in (segment, None)]
            for segment in segments
        }
        anywhere = [e for e in leaves if _first_segment(e) is None]
        return by_segment, anywhere

    def resolve(self, path: Any) -> ResolverMatch:
        path = str(path)
        match = self.pattern.match(path)
        if not match:
            raise Resolver404({"path": path})
        new_path, args, kwargs = match
        by_segment, anywhere = self._index
        for entry in by_segment.get(new_path.partition("/")[0], anywhere):
            try:
                sub_match = entry.resolve(new_path)
            except Resolver404:
                continue
            if sub_match:
                return self._matched(entry, sub_match, args, kwargs)
        if settings.DEBUG:  # the 404 page lists what was tried
            return super().resolve(path)
        raise Resolver404({"tried": [], "path": new_path})

    def _matched(
        self, entry: Entry, sub_match: ResolverMatch, args: tuple, kwargs: dict
    ) -> ResolverMatch:
        # As URLResolver.resolve builds it (Django 5.2).
        sub_match_dict = {**kwargs, **self.default_kwargs}
        sub_match_dict.update(sub_match.kwargs)
        sub_match_args = sub_match.args
        if not sub_match_dict:
            sub_match_args = args + sub_match.args
        current_route = "" if isinstance(entry, URLPattern) else str(entry.pattern)
        return ResolverMatch(
            sub_match.func,
            sub_match_args,
            sub_match_dict,
            sub_match.url_name,
            [self.app_name, *sub_match.app_names],
            [self.namespace, *sub_match.namespaces],
            self._join_route(current_route, sub_match.route),  # type: ignore[attr-defined]
            [],
            captured_kwargs=sub_match.captured_kwargs,  # type: ignore[attr-defined]
            extra_kwargs={**self.default_kwargs, **sub_match.extra_kwargs},  # type: ignore[attr-defined]
        )


def indexed(route: str, patterns: list[Entry]) -> IndexedResolver:
    """``path(route, include(patterns))`` resolved through an :class:`IndexedResolver`."""
    return IndexedResolver(RoutePattern(route, is_endpoint=False), patterns)
