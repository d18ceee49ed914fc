"""App-client tokens: sign-in, access checks without the database, rotation, reuse, revocation."""

import time

import jwt
import pytest
from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.accounts.conftest import REFRESH_URL, app_login, bearer
from tests.accounts.factories import UserFactory
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def refresh(client, token):
    return client.post(REFRESH_URL, {"refresh_token": token}, format="json")


def test_email_password_sign_in_returns_an_access_and_refresh_pair(api_client, user):
    meta = app_login(api_client, user.email)

    assert meta["access_token"] and meta["refresh_token"]
    response = api_client.get(ME, **bearer(meta["access_token"]))
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/_allauth/app/v1/auth/login", {"email": user.email, "password": "nope-nope"}, format="json"
    )
    assert response.status_code == 400


def test_access_token_authentication_makes_no_database_query(api_client, tokens):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(ME, **bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]


def test_access_token_sees_profile_changes_at_once(api_client, user, tokens):
    user.display_name = "Renamed"
    user.save()

    response = api_client.get(ME, **bearer(tokens["access_token"]))
    assert response.json()["display_name"] == "Renamed"


def test_refresh_rotates_the_refresh_token(api_client, tokens):
    response = refresh(api_client, tokens["refresh_token"])

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["refresh_token"] != tokens["refresh_token"]
    assert api_client.get(ME, **bearer(data["access_token"])).status_code == 200
    # and the new refresh token works in turn
    assert refresh(api_client, data["refresh_token"]).status_code == 200


def test_refresh_marks_the_device_as_seen(api_client, user, tokens):
    UserSession.objects.filter(user=user).update(last_seen_at="2020-01-01T00:00:00Z")

    refresh(api_client, tokens["refresh_token"])

    assert UserSession.objects.get(user=user).last_seen_at.year > 2020


def test_reusing_a_rotated_refresh_token_ends_the_device_session(api_client, user, tokens):
    rotated = refresh(api_client, tokens["refresh_token"]).json()["data"]

    replay = refresh(api_client, tokens["refresh_token"])

    assert replay.status_code in (400, 401)
    # the thief's replay ended the whole device session: the newest tokens are dead too
    assert refresh(api_client, rotated["refresh_token"]).status_code in (400, 401)
    assert api_client.get(ME, **bearer(rotated["access_token"])).status_code == 401
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 401
    assert not UserSession.objects.filter(user=user).exists()


def test_reuse_ends_only_that_device(api_client, user):
    phone = app_login(api_client, user.email)
    laptop = app_login(APIClient(), user.email)
    rotated = refresh(api_client, phone["refresh_token"]).json()["data"]

    replay = refresh(api_client, phone["refresh_token"])  # replay on the phone's session

    assert replay.status_code in (400, 401)
    assert "access_token" not in replay.content.decode()
    # the phone's session is over: its newest tokens are refused too
    assert api_client.get(ME, **bearer(rotated["access_token"])).status_code == 401
    assert refresh(api_client, rotated["refresh_token"]).status_code in (400, 401)
    # the laptop's session is untouched
    assert api_client.get(ME, **bearer(laptop["access_token"])).status_code == 200
    assert refresh(api_client, laptop["refresh_token"]).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1


def test_access_token_refused_immediately_after_logout(api_client, tokens):
    response = api_client.post("/api/v1/auth/logout", **bearer(tokens["access_token"]))

    assert response.status_code == 204
    refused = api_client.get(ME, **bearer(tokens["access_token"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    assert refresh(api_client, tokens["refresh_token"]).status_code in (400, 401)


def test_allauth_logout_also_revokes_the_access_token(api_client, tokens):
    response = api_client.delete(
        "/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=tokens["session_token"]
    )

    assert response.status_code == 401  # allauth answers "no longer authenticated"
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 401


def test_ending_a_device_session_revokes_its_access_token_at_once(api_client, user):
    phone = app_login(api_client, user.email)
    laptop = app_login(APIClient(), user.email)
    sessions = api_client.get("/api/v1/auth/sessions", **bearer(laptop["access_token"])).json()
    phone_session = next(s for s in sessions if not s["current"])

    response = api_client.delete(
        f"/api/v1/auth/sessions/{phone_session['id']}", **bearer(laptop["access_token"])
    )

    assert response.status_code == 204
    assert api_client.get(ME, **bearer(phone["access_token"])).status_code == 401
    assert api_client.get(ME, **bearer(laptop["access_token"])).status_code == 200


def test_nobody_can_end_another_users_session(api_client, user, tokens):
    other = UserFactory()
    other_tokens = app_login(APIClient(), other.email)
    other_session = UserSession.objects.get(user=other)

    response = api_client.delete(
        f"/api/v1/auth/sessions/{other_session.pk}", **bearer(tokens["access_token"])
    )

    assert response.status_code == 404
    assert api_client.get(ME, **bearer(other_tokens["access_token"])).status_code == 200


def _forge(payload_changes=None, *, key=None, algorithm="HS256", headers=None, token=None):
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.update(payload_changes or {})
    config = jwt_internal._get_jwt_config()
    return jwt.encode(payload, key or config.signing_key, algorithm=algorithm, headers=headers)


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(lambda t: _forge({"exp": int(time.time()) - 10}, token=t), id="expired"),
        pytest.param(lambda t: _forge({"sub": "999999"}, key="not-our-key", token=t), id="bad-key"),
        pytest.param(
            lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), id="tampered"
        ),
        pytest.param(lambda t: _forge({"token_use": "refresh"}, token=t), id="refresh-as-access"),
        pytest.param(lambda t: _forge(algorithm="HS512", token=t), id="wrong-algorithm"),
        pytest.param(
            lambda t: jwt.encode(
                jwt.decode(t, options={"verify_signature": False}), None, algorithm="none"
            ),
            id="alg-none",
        ),
        pytest.param(lambda t: "not-a-jwt", id="garbage"),
    ],
)
def test_bad_access_tokens_are_refused(api_client, tokens, make_bad):
    response = api_client.get(ME, **bearer(make_bad(tokens["access_token"])))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_refresh_token_cannot_be_used_as_access_token(api_client, tokens):
    assert api_client.get(ME, **bearer(tokens["refresh_token"])).status_code == 401


def test_deactivated_user_token_is_refused(api_client, user, tokens):
    user.is_active = False
    user.save()

    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_refreshes_of_one_token_yield_exactly_one_success():
    user = UserFactory()
    meta = app_login(APIClient(), user.email)

    statuses = run_together(lambda: refresh(APIClient(), meta["refresh_token"]).status_code, 20)

    assert statuses.count(200) == 1, statuses
    assert len(statuses) == 20
    # the other nineteen presented a token that had just been rotated: that is reuse
    assert not Session.objects.exists()
