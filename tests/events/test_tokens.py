"""POST /api/v1/apps/token and the life of an app token (SPEC-events §5, docs/events.md)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from events.models import AppCredential
from events.services.credentials import credential_issue
from events.services.tokens import (
    APP_TOKEN_TTL_SECONDS,
    AppTokenRefused,
    app_token_issue,
    app_token_verify,
)
from tests.accounts.factories import UserFactory
from tests.events.appauth import (
    TOKEN_URL,
    acting,
    app_with_secret,
    system,
    token_for,
    user_token,
)
from tests.events.factories import manifest

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/apps/me"


def _exchange(api_client, app_id, secret, **extra):
    return api_client.post(
        TOKEN_URL, {"app_id": app_id, "app_secret": secret}, format="json", **extra
    )


# --- the exchange ------------------------------------------------------------------------------


def test_the_right_id_and_secret_get_a_one_hour_bearer_token(api_client):
    app, secret = app_with_secret(permissions=["rooms:read", "users:read"])

    response = _exchange(api_client, app.app_id, secret)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600 == APP_TOKEN_TTL_SECONDS
    assert body["access_token"].startswith("uat_")
    assert secret not in body["access_token"]
    assert response["Cache-Control"] == "no-store"
    assert AppCredential.objects.get(app=app).last_used_at is not None
    me = api_client.get(ME_URL, **system(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["app_id"] == app.app_id
    assert me.json()["scopes"] == ["rooms:read", "users:read"]


def test_an_unknown_manifest_permission_grants_nothing():
    app, secret = app_with_secret(permissions=["rooms:read", "admin:everything"])
    assert app_token_issue(app_id=app.app_id, app_secret=secret).scopes == {"rooms:read"}


def test_any_live_credential_of_the_app_works(api_client):
    app, first = app_with_secret()
    _credential, second = credential_issue(app=app)

    assert _exchange(api_client, app.app_id, first).status_code == 200
    assert _exchange(api_client, app.app_id, second).status_code == 200


def test_a_wrong_secret_an_unknown_app_and_a_deleted_app_get_one_error_that_does_not_say_which(
    api_client,
):
    app, secret = app_with_secret()
    _other, other_secret = app_with_secret()
    deleted, deleted_secret = app_with_secret(deleted_at=timezone.now())

    answers = [
        _exchange(api_client, app.app_id, secret + "x"),
        _exchange(api_client, app.app_id, other_secret),  # another app's secret
        _exchange(api_client, "app_no_such_app", secret),
        _exchange(api_client, deleted.app_id, deleted_secret),
    ]

    for response in answers:
        assert response.status_code == 401
        assert response.json() == answers[0].json()
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert answers[0].json()["error"]["code"] == "invalid_client"
    assert AppCredential.objects.get(app=app).last_used_at is None  # nothing recorded


def test_a_revoked_secret_is_refused(api_client):
    app, secret = app_with_secret()
    AppCredential.objects.filter(app=app).update(revoked_at=timezone.now())

    response = _exchange(api_client, app.app_id, secret)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "credential_revoked"


def test_a_secret_revoked_in_the_future_still_works_until_then(api_client):
    """A rotation may give the old secret a grace period: it is live until revoked_at."""
    app, secret = app_with_secret()
    ends = timezone.now() + dt.timedelta(hours=1)
    AppCredential.objects.filter(app=app).update(revoked_at=ends)

    assert _exchange(api_client, app.app_id, secret).status_code == 200
    with time_machine.travel(ends, tick=False):
        assert _exchange(api_client, app.app_id, secret).status_code == 401


def test_a_disabled_app_gets_no_token(api_client):
    app, secret = app_with_secret(is_active=False)

    response = _exchange(api_client, app.app_id, secret)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "app_disabled"
    # only the right secret learns that the app is disabled
    assert _exchange(api_client, app.app_id, secret + "x").json()["error"]["code"] == (
        "invalid_client"
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"app_id": "app_x"}, {"app_secret": "ucs_x"}, {"app_id": "", "app_secret": "ucs_x"}],
)
def test_missing_fields_are_a_validation_error(api_client, body):
    response = api_client.post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_an_unknown_field_is_refused(api_client):
    app, secret = app_with_secret()
    response = api_client.post(
        TOKEN_URL,
        {"app_id": app.app_id, "app_secret": secret, "grant_type": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "grant_type" in response.json()["error"]["details"]


def test_the_exchange_is_throttled_per_ip(api_client, low_throttle_rates):
    """Every exchange counts, right or wrong: guessing is bounded per client IP."""
    limit = int(low_throttle_rates["app_token"].split("/")[0])
    app, secret = app_with_secret()
    for _ in range(limit):
        assert _exchange(api_client, app.app_id, secret + "x").status_code == 401

    refused = _exchange(api_client, app.app_id, secret)
    elsewhere = _exchange(api_client, app.app_id, secret, REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert elsewhere.status_code == 200


# --- how a token dies --------------------------------------------------------------------------


def test_a_token_lives_exactly_one_hour(api_client):
    app, secret = app_with_secret()
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        token = token_for(app, secret)
    with time_machine.travel(start + dt.timedelta(seconds=3599), tick=False):
        assert api_client.get(ME_URL, **system(token)).status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=3600), tick=False):
        response = api_client.get(ME_URL, **system(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert "expired" in response.json()["error"]["message"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_expiry_is_reported_by_apps_me(api_client):
    app, secret = app_with_secret()
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        token = token_for(app, secret)
        body = api_client.get(ME_URL, **system(token)).json()
    expected = start + dt.timedelta(seconds=3600)
    assert body["token_expires_at"] == expected.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_active": False}, "disabled"),
        ({"deleted_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}, "deleted"),
    ],
)
def test_a_disabled_or_deleted_app_s_tokens_die_at_once(api_client, change, message):
    app, secret = app_with_secret()
    token = token_for(app, secret)
    type(app).objects.filter(pk=app.pk).update(**change)

    response = api_client.get(ME_URL, **system(token))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert message in response.json()["error"]["message"]


def test_revoking_the_secret_kills_its_tokens_but_not_the_other_secret_s(api_client):
    app, secret = app_with_secret()
    _credential, other_secret = credential_issue(app=app)
    token, other_token = token_for(app, secret), token_for(app, other_secret)
    AppCredential.objects.filter(app=app, prefix=secret[:10]).update(revoked_at=timezone.now())

    assert api_client.get(ME_URL, **system(token)).status_code == 401
    assert api_client.get(ME_URL, **system(other_token)).status_code == 200


def test_a_scope_removed_by_a_new_manifest_version_is_gone_from_tokens_already_issued(
    api_client,
):
    """Scopes are read live from the app's current manifest, not frozen in the token."""
    user = UserFactory()
    app, secret = app_with_secret(permissions=["users:read", "rooms:read"])
    token = token_for(app, secret)
    assert api_client.get(f"/api/v1/users/{user.pk}", **system(token)).status_code == 200

    app.manifest = manifest(permissions=["rooms:read"])
    app.manifest_version = "1.1.0"
    app.save()

    response = api_client.get(f"/api/v1/users/{user.pk}", **system(token))
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "app_permission_denied",
        "message": response.json()["error"]["message"],
        "details": {"required": ["users:read"], "granted": ["rooms:read"]},
    }
    assert api_client.get(ME_URL, **system(token)).json()["scopes"] == ["rooms:read"]


@pytest.mark.parametrize(
    "token",
    [
        "uat_",
        "uat_garbage",
        "uat_eyJjIjoxLCJleHAiOjk5OTk5OTk5OTl9:forged-signature",
        "uat_" + "A" * 5000,
    ],
)
def test_a_forged_or_malformed_app_token_is_refused(api_client, token):
    response = api_client.get(ME_URL, **system(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_a_token_signed_for_something_else_is_refused():
    """The signature is salted for app tokens: another signed value of ours does not pass."""
    from django.core import signing

    forged = "uat_" + signing.Signer().sign_object({"c": 1, "exp": 9999999999})
    with pytest.raises(AppTokenRefused):
        app_token_verify(token=forged)


def test_an_app_token_is_not_a_user_token_and_a_user_token_is_not_an_app_token(api_client):
    user = UserFactory()
    app, secret = app_with_secret()
    token, people_token = token_for(app, secret), user_token(user)

    as_user = api_client.get("/api/v1/me", **system(token))
    as_app = api_client.get(ME_URL, **acting(people_token, people_token))

    assert as_user.status_code == 403
    assert as_user.json()["error"]["code"] == "app_not_allowed"
    assert as_app.status_code == 401
    assert as_app.json()["error"]["code"] == "invalid_token"
