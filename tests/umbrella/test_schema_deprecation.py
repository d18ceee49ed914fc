"""The OpenAPI schema's ``deprecated: true`` comes from the one registry the headers come from
(umbrella/deprecation.py): an operation is deprecated in the schema exactly when the responses
of its path carry ``Deprecation`` and ``Sunset``. Nothing is deprecated today, so each test
registers what it deprecates."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.validation import validate_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from umbrella import deprecation
from umbrella.deprecation import Deprecated, DeprecationMiddleware

SINCE = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
SUNSET = datetime(2027, 7, 5, 0, 0, tzinfo=UTC)
NOTES = "https://umbrella.example/docs/api-v2-migration"
HEADERS = ("Deprecation", "Sunset", "Link")
METHODS = {"get", "put", "post", "patch", "delete"}


def _deprecate(monkeypatch, *paths: str) -> None:
    entries = tuple(Deprecated(path=p, since=SINCE, sunset=SUNSET, notes=NOTES) for p in paths)
    monkeypatch.setattr(deprecation, "DEPRECATED", entries)


def _schema(patterns: list[Any] | None = None) -> dict[str, Any]:
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (p, method, operation)
        for p, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _deprecated(schema: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, p) for p, method, op in _operations(schema) if op.get("deprecated")}


def _stamped(template: str) -> bool:
    """Whether the middleware stamps a request to (a concrete path of) ``template``."""
    concrete = re.sub(r"\{\w+\}", "7", template)
    middleware = DeprecationMiddleware(lambda request: HttpResponse("{}"))
    response = middleware(RequestFactory().get(concrete))
    stamped = {name: response.get(name) is not None for name in HEADERS}
    assert len(set(stamped.values())) == 1, (template, stamped)  # all three or none
    return stamped["Deprecation"]


def test_no_operation_is_deprecated_today():
    schema = _schema()
    assert deprecation.DEPRECATED == ()
    assert len(_operations(schema)) >= 100
    assert _deprecated(schema) == set()
    for _, _, operation in _operations(schema):
        for response in operation["responses"].values():
            assert not set(HEADERS) & set(response.get("headers", {}))


def test_exactly_the_operations_of_the_deprecated_paths_are_deprecated(monkeypatch, api_client):
    _deprecate(monkeypatch, "/api/v1/apps", "/api/v1/health/live")
    schema = _schema()
    validate_schema(schema)  # the headers and notes keep it a valid OpenAPI document
    operations = _operations(schema)

    # /api/v1/apps and every path under it (17 paths), every method of each; /api/v1/health/live.
    apps = {p for p in schema["paths"] if p.startswith("/api/v1/apps/")}
    assert len(apps) == 17
    expected = {(m, p) for p, m, _ in operations if p in apps or p == "/api/v1/health/live"}
    assert ("get", "/api/v1/apps/{app_id}/dead-letters/") in expected
    assert ("post", "/api/v1/apps/{app_id}/dead-letters/replay") in expected
    assert _deprecated(schema) == expected
    # Whole segments: its neighbours are not deprecated.
    for neighbour in ("/api/v1/applications/{application_id}/accept", "/api/v1/health"):
        assert not any(op.get("deprecated") for op in schema["paths"][neighbour].values())

    # The one source: for every operation, the schema says deprecated exactly when the
    # middleware stamps the headers on a request to its path.
    assert [
        (method, p)
        for p, method, operation in operations
        if bool(operation.get("deprecated")) != _stamped(p)
    ] == []

    # Each response of a deprecated operation documents the headers that are really sent.
    sent = api_client.get("/api/v1/health/live")
    assert sent.status_code == 200
    for p, method, operation in operations:
        for status, response in operation["responses"].items():
            documented = response.get("headers", {})
            if operation.get("deprecated"):
                examples = {name: documented[name]["example"] for name in HEADERS}
                assert examples == {name: sent[name] for name in HEADERS}, (method, p, status)
            else:
                assert not set(HEADERS) & set(documented), (method, p, status)
    live = schema["paths"]["/api/v1/health/live"]["get"]
    assert live["description"].endswith(
        f"**Deprecated** since 2027-01-04; switched off on 2027-07-05 (`Sunset`). "
        f"Migration notes: {NOTES}"
    )
    # Headers an error answer had already (429's Retry-After) are kept beside them.
    throttled = schema["paths"]["/api/v1/apps/token"]["post"]["responses"]["429"]["headers"]
    assert set(throttled) == {"Retry-After", *HEADERS}


def test_a_deprecated_version_deprecates_every_operation_of_it(monkeypatch):
    _deprecate(monkeypatch, "/api/v1/")
    schema = _schema()
    operations = _operations(schema)
    assert _deprecated(schema) == {(m, p) for p, m, _ in operations}
    assert all(_stamped(p) for p, _, _ in operations)


# --- one place: refused elsewhere ---------------------------------------------------------------


class OldThing(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(summary="An old thing", responses={204: None}, deprecated=True)
    def get(self, request):
        return Response(status=204)


class Thing(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(summary="A thing", responses={204: None})
    def get(self, request):
        return Response(status=204)


def test_extend_schema_deprecated_is_refused_outside_the_registry():
    with pytest.raises(
        ImproperlyConfigured, match=r"deprecate in umbrella\.deprecation\.DEPRECATED"
    ):
        _schema([path("api/v1/old-things", OldThing.as_view())])


def test_an_entry_with_no_operation_is_refused_a_typo_deprecates_nothing(monkeypatch):
    patterns = [path("api/v1/things", Thing.as_view())]
    _deprecate(monkeypatch, "/api/v1/things")
    assert _deprecated(_schema(patterns)) == {("get", "/api/v1/things")}
    _deprecate(monkeypatch, "/api/v1/thing")  # not a whole segment of /api/v1/things
    with pytest.raises(ImproperlyConfigured, match="/api/v1/thing covers no operation"):
        _schema(patterns)


def test_an_entry_is_a_path_as_requested_not_a_template():
    with pytest.raises(ValueError, match="not a template"):
        Deprecated(path="/api/v1/apps/{app_id}", since=SINCE, sunset=SUNSET, notes=NOTES)
