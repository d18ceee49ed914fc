"""umbrella.resolvers.IndexedResolver resolves every path as Django's own resolver does over the
same routes: same view, arguments, name, namespaces and route, or a 404 for both."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from umbrella.resolvers import IndexedResolver, indexed

SAMPLES = {"int": "7", "uuid": str(uuid.UUID(int=7)), "path": "a/b"}  # others: a word


def _routes(patterns, prefix=""):
    """Every route of the tree as a path with sample values for its converters."""
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # regular expressions: the junk paths below reach them
        route = re.sub(
            r"<(?:(\w+):)?\w+>",
            lambda m: SAMPLES.get(m.group(1) or "str", "word"),
            str(entry.pattern),
        )
        if isinstance(entry, URLPattern):
            yield prefix + route
        else:
            yield from _routes(entry.url_patterns, prefix + route)


def _paths() -> list[str]:
    top = get_resolver().url_patterns
    found = set()
    for path in _routes(top):
        found |= {path, path.rstrip("/"), path + "/", path + "/extra", path + "x"}
    found |= {"", "nope", "api", "apiary/", "api/v1/", "api/v1/nope/", "api/v1/rooms/x/y/z"}
    return sorted(found)


def _indexed_levels() -> list[IndexedResolver]:
    levels, todo = [], list(get_resolver().url_patterns)
    while todo:
        entry = todo.pop()
        if isinstance(entry, URLResolver):
            if isinstance(entry, IndexedResolver):
                levels.append(entry)
            todo += entry.url_patterns
    return levels


def _outcome(resolve, path):
    try:
        match = resolve(path)
    except Resolver404:
        return "404"
    return (
        getattr(match.func, "view_class", match.func),
        match.args,
        match.kwargs,
        match.url_name,
        match.namespaces,
        match.route,
    )


def test_the_site_and_the_api_are_indexed():
    routes = {str(level.pattern) for level in _indexed_levels()}
    assert routes == {"", "api/v1/"}


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_path_resolves_as_django_resolves_it(settings, debug):
    settings.DEBUG = debug
    paths = _paths()
    assert len(paths) > 1000
    for level in _indexed_levels():
        prefix = "api/v1/" if str(level.pattern) == "api/v1/" else ""
        for path in paths:
            if not path.startswith(prefix):
                continue
            indexed_answer = _outcome(level.resolve, path)
            django_answer = _outcome(lambda p, level=level: URLResolver.resolve(level, p), path)
            assert indexed_answer == django_answer, path


def test_a_prefix_without_a_slash_is_tried_for_any_first_segment():
    """``path("api", include(...))`` matches ``apiary/``: not filed under ``api``."""
    view = URLPattern(RoutePattern("hives/", name="hives", is_endpoint=True), lambda request: None)
    resolver = indexed("", [URLResolver(RoutePattern("api"), [view])])
    assert resolver.resolve("apihives/").url_name == "hives"
    with pytest.raises(Resolver404):
        resolver.resolve("other/")


def test_a_failed_resolve_lists_what_was_tried_only_in_debug(settings):
    (site,) = get_resolver().url_patterns
    settings.DEBUG = False
    with pytest.raises(Resolver404) as quiet:
        site.resolve("no-such-page/")
    assert quiet.value.args[0]["tried"] == []
    settings.DEBUG = True
    with pytest.raises(Resolver404) as debug:
        site.resolve("no-such-page/")
    assert len(debug.value.args[0]["tried"]) > 100
