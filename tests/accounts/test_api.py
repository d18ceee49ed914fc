"""/api/v1/me, onboarding role, auth/session and device sessions."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.conftest import app_login, bearer
from tests.accounts.factories import NewUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_me_requires_authentication(api_client):
    response = api_client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_returns_only_public_fields(api_client, user, tokens):
    body = api_client.get("/api/v1/me", **bearer(tokens["access_token"])).json()

    assert set(body) == {
        "id",
        "email",
        "display_name",
        "role",
        "onboarding_complete",
        "timezone",
        "is_staff",
        "created_at",
        "updated_at",
    }
    assert "password" not in body


def test_patch_me_updates_name_and_timezone(api_client, user, tokens):
    response = api_client.patch(
        "/api/v1/me",
        {"display_name": "  DJ Kettle ", "timezone": "Europe/Berlin"},
        format="json",
        **bearer(tokens["access_token"]),
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.display_name, user.timezone) == ("DJ Kettle", "Europe/Berlin")


def test_patch_me_refuses_fields_that_are_not_editable(api_client, user, tokens):
    response = api_client.patch(
        "/api/v1/me",
        {
            "display_name": "New name",
            "is_staff": True,
            "role": "venue",
            "email": "evil@example.com",
            "onboarding_complete": False,
        },
        format="json",
        **bearer(tokens["access_token"]),
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]) == {"is_staff", "role", "email", "onboarding_complete"}
    user.refresh_from_db()
    assert not user.is_staff and user.role == "fan" and user.email.startswith("user")
    assert user.display_name != "New name"  # the valid field is not written either


def test_patch_me_with_bad_timezone_changes_nothing(api_client, user, tokens):
    response = api_client.patch(
        "/api/v1/me",
        {"display_name": "New name", "timezone": "Mars/Olympus"},
        format="json",
        **bearer(tokens["access_token"]),
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "timezone" in error["details"]
    user.refresh_from_db()
    assert user.display_name != "New name"
    assert user.timezone == "UTC"


def test_fan_onboarding_by_api_lifts_the_gate(api_client):
    user = NewUserFactory()
    meta = app_login(api_client, user.email)

    response = api_client.post(
        "/api/v1/onboarding/role",
        {"role": "fan", "display_name": "Fan Fiona"},
        format="json",
        **bearer(meta["access_token"]),
    )

    assert response.status_code == 200
    assert response.json()["onboarding_complete"] is True
    assert response.json()["role"] == "fan"


def test_artist_role_choice_keeps_the_gate_until_their_wizard_is_done(api_client):
    user = NewUserFactory()
    meta = app_login(api_client, user.email)

    response = api_client.post(
        "/api/v1/onboarding/role",
        {"role": "artist", "display_name": "Nova"},
        format="json",
        **bearer(meta["access_token"]),
    )

    assert response.status_code == 200
    assert response.json()["onboarding_complete"] is False
    user.refresh_from_db()
    assert user.role == "artist"


def test_role_cannot_change_after_onboarding(api_client, user, tokens):
    response = api_client.post(
        "/api/v1/onboarding/role",
        {"role": "venue", "display_name": "Venue now"},
        format="json",
        **bearer(tokens["access_token"]),
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "role_locked"
    user.refresh_from_db()
    assert user.role == "fan"


def test_invalid_role_is_a_validation_error(api_client):
    user = NewUserFactory()
    meta = app_login(api_client, user.email)

    response = api_client.post(
        "/api/v1/onboarding/role",
        {"role": "admin", "display_name": "x"},
        format="json",
        **bearer(meta["access_token"]),
    )

    assert response.status_code == 400
    assert "role" in response.json()["error"]["details"]
    assert User.objects.get(pk=user.pk).role == ""


def test_auth_session_describes_the_token(api_client, user, tokens):
    body = api_client.get("/api/v1/auth/session", **bearer(tokens["access_token"])).json()

    assert body["authenticated"] is True
    assert body["method"] == "access_token"
    assert body["user"]["email"] == user.email
    assert body["expires_at"].endswith("Z")


def test_auth_session_with_browser_session(user):
    client = APIClient()
    client.force_login(user)

    body = client.get("/api/v1/auth/session").json()

    assert body["method"] == "session"


def test_device_sessions_lists_every_signed_in_device(api_client, user):
    first = app_login(api_client, user.email)
    app_login(
        APIClient(),
        user.email,
    )
    app_login(APIClient(HTTP_USER_AGENT="UmbrellaPhone/1.0"), user.email)

    sessions = api_client.get("/api/v1/auth/sessions", **bearer(first["access_token"])).json()

    assert len(sessions) == 3
    assert sum(s["current"] for s in sessions) == 1
    assert {"id", "ip", "user_agent", "created_at", "last_seen_at", "current"} == set(sessions[0])


def test_device_sessions_only_show_my_own(api_client, user, tokens):
    app_login(APIClient(), UserFactory().email)

    sessions = api_client.get("/api/v1/auth/sessions", **bearer(tokens["access_token"])).json()

    assert len(sessions) == 1


def test_browser_logout_through_the_api(user):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)

    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code in (401, 403)


def test_fast_me_payload_matches_the_documented_serializer(user):
    from accounts.api.serializers import MeOutputSerializer, me_data

    assert me_data(user) == MeOutputSerializer(user).data
