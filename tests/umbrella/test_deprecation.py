"""The versioning policy's headers (umbrella/deprecation.py): every response of a deprecated
API path carries ``Deprecation`` (RFC 9745), ``Sunset`` (RFC 8594) and a ``Link`` to the
migration notes; nothing else does. Nothing is deprecated today, so each test registers what it
deprecates."""

from datetime import UTC, datetime

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from umbrella import deprecation
from umbrella.deprecation import Deprecated, DeprecationMiddleware, deprecation_for

SINCE = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
SUNSET = datetime(2027, 7, 5, 0, 0, tzinfo=UTC)
NOTES = "https://umbrella.example/docs/api-v2-migration"
HEADERS = {
    "Deprecation": "@1799064000",
    "Sunset": "Mon, 05 Jul 2027 00:00:00 GMT",
    "Link": f'<{NOTES}>; rel="deprecation"; type="text/html"',
}


def _deprecate(monkeypatch, *paths: str) -> None:
    entries = tuple(Deprecated(path=p, since=SINCE, sunset=SUNSET, notes=NOTES) for p in paths)
    monkeypatch.setattr(deprecation, "DEPRECATED", entries)


def _headers(response) -> dict[str, str | None]:
    return {name: response.get(name) for name in HEADERS}


def test_nothing_is_deprecated_today(api_client):
    assert deprecation.DEPRECATED == ()
    response = api_client.get("/api/v1/health/live")
    assert response.status_code == 200
    assert _headers(response) == dict.fromkeys(HEADERS)


def test_the_headers_values_follow_the_rfcs():
    entry = Deprecated(path="/api/v1/", since=SINCE, sunset=SUNSET, notes=NOTES)
    assert entry.headers() == HEADERS
    assert int(HEADERS["Deprecation"][1:]) == int(SINCE.timestamp())


def test_a_deprecated_endpoint_carries_them_and_its_neighbours_do_not(api_client, monkeypatch):
    _deprecate(monkeypatch, "/api/v1/health/live")

    deprecated = api_client.get("/api/v1/health/live")
    assert deprecated.status_code == 200
    assert _headers(deprecated) == HEADERS
    for path in ("/api/v1/me", "/api/v1/health/liveness-nope", "/api/v1/apps/manifest-schema"):
        assert _headers(api_client.get(path)) == dict.fromkeys(HEADERS), path


@pytest.mark.django_db
def test_a_deprecated_version_stamps_every_response_under_it_errors_included(
    api_client, client, monkeypatch
):
    _deprecate(monkeypatch, "/api/v1/")

    ok = api_client.get("/api/v1/apps/manifest-schema")
    refused = api_client.get("/api/v1/me")
    missing = api_client.get("/api/v1/no-such-endpoint")
    wrong_method = api_client.delete("/api/v1/health/live")
    assert [r.status_code for r in (ok, refused, missing, wrong_method)] == [200, 401, 404, 405]
    assert refused.json()["error"]["code"] == "not_authenticated"
    for response in (ok, refused, missing, wrong_method):
        assert _headers(response) == HEADERS
    assert _headers(client.get("/developers/apps/")) == dict.fromkeys(HEADERS)  # a page


def test_the_most_specific_entry_wins_and_paths_match_whole_segments():
    whole = Deprecated(path="/api/v1/", since=SINCE, sunset=SUNSET, notes=NOTES)
    one = Deprecated(
        path="/api/v1/things", since=SINCE, sunset=datetime(2027, 3, 1, tzinfo=UTC), notes=NOTES
    )
    registry = (whole, one)
    assert deprecation_for("/api/v1/things", registry) is one
    assert deprecation_for("/api/v1/things/3/parts", registry) is one
    assert deprecation_for("/api/v1/things-else", registry) is whole
    assert deprecation_for("/api/v1", registry) is whole
    assert deprecation_for("/api/v2/things", registry) is None
    assert deprecation_for("/api/v1/things-else", (one,)) is None


def test_a_link_the_view_set_is_kept(monkeypatch):
    _deprecate(monkeypatch, "/api/v1/")

    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("{}", content_type="application/json")
        response["Link"] = '<https://umbrella.example/api/v1/x?page=2>; rel="next"'
        return response

    response = DeprecationMiddleware(view)(RequestFactory().get("/api/v1/x"))
    assert response["Link"] == (
        '<https://umbrella.example/api/v1/x?page=2>; rel="next", ' + HEADERS["Link"]
    )
    assert response["Sunset"] == HEADERS["Sunset"]


@pytest.mark.parametrize(
    ("path", "since", "sunset"),
    [
        ("/accounts/", SINCE, SUNSET),  # pages are not versioned
        ("/api/v1/", SUNSET, SINCE),  # switched off before it was deprecated
        ("/api/v1/", SINCE.replace(tzinfo=None), SUNSET),  # a naive date is ambiguous
    ],
)
def test_a_wrong_entry_is_refused_when_written(path, since, sunset):
    with pytest.raises(ValueError):
        Deprecated(path=path, since=since, sunset=sunset, notes=NOTES)
