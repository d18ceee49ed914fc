"""Every error the API answers has one shape: ``{"error": {"code", "message", "details"}}``.

One test (or two) per status. Tests that need a view the real API does not have use this module
as their URLconf (``@pytest.mark.urls(__name__)``): the test-only views below, plus every real
route and the project's JSON-aware error handlers.
"""

import base64
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import include, path
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.accounts.factories import PASSWORD, NewUserFactory, UserFactory
from umbrella import health

pytestmark = pytest.mark.django_db


# --- test-only views and URLconf -------------------------------------------------------------


class OnboardingGatedApi(APIView):
    """Default permissions and no ``onboarding_exempt``: writes need a finished onboarding."""

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class StaffOnlyApi(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class OpenApi(APIView):
    """Anonymous access with the default throttles (unlike health, which has none)."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class JsonOnlyApi(OpenApi):
    """The renderers outside development (test_settings.py checks that settings give these)."""

    renderer_classes = [JSONRenderer]


class FormApi(APIView):
    """Reads a form body, as the upload endpoints do."""

    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser]

    def post(self, request: Request) -> Response:
        return Response({"keys": sorted(request.data)})


class BoomApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError("kaboom")


def plain_boom(request: Any) -> Any:
    raise RuntimeError("kaboom outside DRF")


urlpatterns = [
    path("api/v1/test/onboarding-gated", OnboardingGatedApi.as_view()),
    path("api/v1/test/staff-only", StaffOnlyApi.as_view()),
    path("api/v1/test/open", OpenApi.as_view()),
    path("api/v1/test/form", FormApi.as_view()),
    path("api/v1/test/json-only", JsonOnlyApi.as_view()),
    path("api/v1/test/boom", BoomApi.as_view()),
    path("api/v1/test/plain-boom", plain_boom),
    path("", include("umbrella.urls")),
]
handler404 = "umbrella.views.handler404"
handler500 = "umbrella.views.handler500"

with_test_urls = pytest.mark.urls(__name__)


# --- helpers ---------------------------------------------------------------------------------


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The exact error shape, with the given status and code; returns the ``error`` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], dict)
    return error


def access_token(user: Any) -> str:
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def bearer_client(user: Any, **kwargs: Any) -> APIClient:
    client = APIClient(**kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
    return client


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- 400 -------------------------------------------------------------------------------------


def test_400_validation_error():
    client = bearer_client(UserFactory())

    response = client.patch("/api/v1/me", {"timezone": "Mars/Olympus_Mons"}, format="json")

    error = assert_error(response, 400, "validation_error")
    assert set(error["details"]) == {"timezone"}
    assert error["message"] == error["details"]["timezone"][0]


def test_400_malformed_json_is_a_parse_error():
    client = bearer_client(UserFactory())

    response = client.patch(
        "/api/v1/me", data='{"timezone": "Europe/', content_type="application/json"
    )

    assert_error(response, 400, "parse_error")


# --- 401 -------------------------------------------------------------------------------------


def test_401_without_credentials():
    response = APIClient().get("/api/v1/me")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_401_with_a_tampered_token():
    user, other = UserFactory(), UserFactory()
    header, payload, signature = access_token(user).split(".")
    claims = json.loads(_b64url_decode(payload))
    claims["sub"] = str(other.pk)  # claim to be somebody else, keep the old signature
    tampered = ".".join([header, _b64url(json.dumps(claims).encode()), signature])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")

    response = client.get("/api/v1/me")

    assert_error(response, 401, "invalid_token")


# --- 403 -------------------------------------------------------------------------------------


@with_test_urls
def test_403_onboarding_required():
    client = bearer_client(NewUserFactory())

    response = client.post("/api/v1/test/onboarding-gated", {}, format="json")

    assert_error(response, 403, "onboarding_required")
    onboarded = bearer_client(UserFactory())
    assert onboarded.post("/api/v1/test/onboarding-gated", {}, format="json").status_code == 200


@with_test_urls
def test_403_permission_denied():
    client = bearer_client(UserFactory())

    response = client.get("/api/v1/test/staff-only")

    assert_error(response, 403, "permission_denied")


def test_403_permission_denied_for_a_session_write_without_csrf_token():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    response = client.patch("/api/v1/me", {"display_name": "New"}, format="json")

    error = assert_error(response, 403, "permission_denied")
    assert error["message"].startswith("CSRF Failed")


# --- 404 -------------------------------------------------------------------------------------


def test_404_unknown_api_url_is_json_not_html():
    response = Client().get("/api/v1/no/such/thing")

    error = assert_error(response, 404, "not_found")
    assert error["details"] == {}


def test_404_unknown_device_session():
    client = bearer_client(UserFactory())

    response = client.delete("/api/v1/auth/sessions/987654321")

    error = assert_error(response, 404, "not_found")
    assert error["message"] == "No such session."


# --- 405 -------------------------------------------------------------------------------------


def test_405_put_on_health():
    response = APIClient().put("/api/v1/health", {}, format="json")

    error = assert_error(response, 405, "method_not_allowed")
    assert "PUT" in error["message"]


# --- 429 -------------------------------------------------------------------------------------
# DRF checks permissions before throttles, so an anonymous request to an endpoint that needs a
# user (e.g. /api/v1/me) is refused with 401 and never counted; health has no throttles. The
# anonymous rate is therefore shown on a test-only open view, the per-user rate on /api/v1/me.


def _limit(rate: str) -> int:
    return int(rate.split("/")[0])


def _assert_throttled(response: Any) -> None:
    error = assert_error(response, 429, "throttled")
    retry_after = int(response["Retry-After"])
    assert retry_after > 0
    assert error["details"] == {"retry_after_seconds": retry_after}


@with_test_urls
def test_429_anonymous_reads(low_throttle_rates):
    client = APIClient()
    limit = _limit(low_throttle_rates["anon_read"])

    statuses = [client.get("/api/v1/test/open").status_code for _ in range(limit)]

    assert statuses == [200] * limit
    _assert_throttled(client.get("/api/v1/test/open"))


@with_test_urls
def test_429_anonymous_writes_are_stricter_and_counted_apart_from_reads(low_throttle_rates):
    client = APIClient()
    limit = _limit(low_throttle_rates["anon"])
    assert limit < _limit(low_throttle_rates["anon_read"])

    statuses = [client.post("/api/v1/test/open", {}, format="json").status_code]
    statuses += [
        client.post("/api/v1/test/open", {}, format="json").status_code for _ in range(limit - 1)
    ]

    assert statuses == [200] * limit
    _assert_throttled(client.post("/api/v1/test/open", {}, format="json"))
    assert client.get("/api/v1/test/open").status_code == 200  # reads have their own budget


def test_search_as_you_type_stays_under_the_anonymous_read_limit(low_throttle_rates):
    """A client searching on every keystroke: two words typed in well under a minute."""
    client = APIClient()
    query = "velvet thunder jazz quartet"

    statuses = {
        client.get("/api/v1/artists/", {"q": query[:length]}).status_code
        for length in range(1, len(query) + 1)
    }

    assert statuses == {200}


def test_429_user_rate(low_throttle_rates):
    client = bearer_client(UserFactory())
    limit = _limit(low_throttle_rates["user"])

    statuses = {client.get("/api/v1/me").status_code for _ in range(limit)}

    assert statuses == {200}
    _assert_throttled(client.get("/api/v1/me"))


# --- 406 -------------------------------------------------------------------------------------


@with_test_urls
def test_406_html_is_not_offered_outside_development():
    response = APIClient().get("/api/v1/test/json-only", HTTP_ACCEPT="text/html")

    assert_error(response, 406, "not_acceptable")


# --- 413 -------------------------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_413_json_body_over_the_limit(settings, debug):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    user = UserFactory()
    client = bearer_client(user)

    response = client.patch("/api/v1/me", {"display_name": "x" * 2000}, format="json")

    assert_error(response, 413, "request_too_large")
    user.refresh_from_db()
    assert user.display_name != "x" * 2000


@with_test_urls
@pytest.mark.parametrize("body_format", ["multipart", "form"])
def test_413_form_body_over_the_limit(settings, debug, body_format):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient(raise_request_exception=False)
    data = {"note": "x" * 2000}

    if body_format == "form":
        response = client.post(
            "/api/v1/test/form",
            "note=" + "x" * 2000,
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client.post("/api/v1/test/form", data, format="multipart")

    assert_error(response, 413, "request_too_large")


# --- 500 -------------------------------------------------------------------------------------


@with_test_urls
@pytest.mark.parametrize("url", ["/api/v1/test/boom", "/api/v1/test/plain-boom"])
def test_500_unhandled_exception(url, debug):
    client = APIClient(raise_request_exception=False)

    response = client.get(url)

    error = assert_error(response, 500, "server_error")
    assert "kaboom" not in response.content.decode()
    assert error["details"] == {}


# --- 503 -------------------------------------------------------------------------------------


def test_503_when_a_health_check_fails(monkeypatch):
    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(health.CHECKS, "storage", broken)

    response = APIClient().get("/api/v1/health")

    error = assert_error(response, 503, "service_unavailable")
    checks = error["details"]["checks"]
    assert checks["storage"]["ok"] is False
    assert checks["storage"]["error"] == "RuntimeError"  # the class only: callers are anonymous
    assert "disk on fire" not in response.content.decode()
    assert all(checks[name]["ok"] for name in ("database", "cache", "broker"))
