"""Every path under ``/api/`` answers JSON: both slash forms of every route, 404 for anything
else, 405 for a method a route lacks, with ``DEBUG`` on and off.

The routes are read from the URL resolver, so an endpoint added later is covered without
editing this file.
"""

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient

from accounts.models import User
from tests.artists.factories import ArtistProfileFactory
from tests.umbrella.test_error_shape import assert_error

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns: list[Any], prefix: str) -> list[tuple[str, Any]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
            found.append((prefix + str(pattern.pattern), pattern.callback))
    return found


def _example(route: str) -> str:
    """A concrete path for a route: ``artists/<slug:slug>`` → ``/artists/some-slug``."""
    return "/" + re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "some-slug", route
    )


API_ROUTES = [
    (route, callback)
    for route, callback in _walk(get_resolver("umbrella.urls").url_patterns, "")
    if route.startswith("api/v1/")
]
ROUTE_IDS = [route for route, _ in API_ROUTES]


def _toggle_slash(path: str) -> str:
    return path[:-1] if path.endswith("/") else f"{path}/"


def _methods(callback: Any) -> set[str]:
    view_class = getattr(callback, "cls", None)
    assert view_class is not None, f"{callback} is not a DRF view"
    return {method for method in METHODS if hasattr(view_class, method)}


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture(scope="module")
def _artist_pk(module_rows) -> int:
    """One artist for the module's ~500 requests (each test is rolled back)."""
    return ArtistProfileFactory().user.pk


@pytest.fixture
def artist_client(_artist_pk: int) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(User.objects.get(pk=_artist_pk))  # fresh: nothing cached on it
    return client


def test_the_resolver_lists_the_api():
    assert {"api/v1/me", "api/v1/health", "api/v1/artists/", "api/v1/artists/<slug:slug>"} <= set(
        ROUTE_IDS
    )


@pytest.mark.parametrize(("route", "callback"), API_ROUTES, ids=ROUTE_IDS)
def test_every_route_answers_with_and_without_a_trailing_slash(
    route, callback, artist_client, debug
):
    path = _example(route)

    # OPTIONS runs authentication and permissions but looks up no object, so any 404 would
    # come from the URL, not from a missing row. (The docs page takes GET only.)
    names = callback.view_initkwargs.get("http_method_names", callback.cls.http_method_names)
    probe = artist_client.options if "options" in names else artist_client.get
    answers = {form: probe(form) for form in (path, _toggle_slash(path))}

    for form, response in answers.items():
        assert response.status_code == 200, (form, response.content)
    first, second = answers.values()
    assert first["Content-Type"] == second["Content-Type"]
    if first["Content-Type"].startswith("application/json"):
        assert first.content == second.content


@pytest.mark.parametrize(("route", "callback"), API_ROUTES, ids=ROUTE_IDS)
def test_a_method_a_route_lacks_is_a_json_405(route, callback, artist_client, debug):
    path = _example(route)
    allowed = _methods(callback)

    for method in sorted(set(METHODS) - allowed):
        for form in (path, _toggle_slash(path)):
            response = getattr(artist_client, method)(form, {}, format="json")

            error = assert_error(response, 405, "method_not_allowed")
            assert method.upper() in error["message"]
            assert set(response["Allow"].replace(" ", "").split(",")) >= {
                m.upper() for m in allowed
            }


def test_the_trailing_slash_serves_the_same_write():
    user = ArtistProfileFactory().user
    client = APIClient()
    client.force_authenticate(user)

    response = client.patch("/api/v1/me/", {"display_name": "Slashed"}, format="json")

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.display_name == "Slashed"


UNKNOWN = [
    "/api",
    "/api/",
    "/api/v1",
    "/api/v1/",
    "/api/v1/no-such-thing",
    "/api/v1/no-such-thing/",
    "/api/v1/me//",
    "/api/v1/artists/a/b/c",
    "/api/v2/me",
]


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_path_is_a_json_404(path, method, debug):
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)

    response = getattr(client, method)(path, {"a": 1}, format="json")

    error = assert_error(response, 404, "not_found")
    assert error["details"] == {}


def test_the_schema_documents_one_slash_form_per_route(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    documented = set(schema["paths"])
    declared = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", "/" + route) for route in ROUTE_IDS}

    assert documented
    assert documented <= declared
    assert not {_toggle_slash(path) for path in documented} & documented
