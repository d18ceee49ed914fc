"""App tokens (events.services.tokens), pinned where mutation testing (docs/testing.md, "Events")
found the suite silent: each refusal's exact code, status and message, the instants where a
secret or a token stops working, and which credential is marked used."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from events.models import AppCredential
from events.services.credentials import credential_issue
from events.services.tokens import (
    APP_TOKEN_TTL_SECONDS,
    AppTokenRefused,
    app_token_issue,
    app_token_verify,
    is_app_token,
    scopes_of,
)
from tests.events.appauth import app_with_secret, token_for
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def _refusal(**kwargs: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        app_token_issue(**kwargs)  # type: ignore[arg-type]
    return caught.value


def _verify_refusal(token: str) -> str:
    with pytest.raises(AppTokenRefused) as caught:
        app_token_verify(token=token)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def _signed(claims: object) -> str:
    return "uat_" + signing.Signer(salt="events.app-token").sign_object(claims)


def test_scopes_are_the_known_strings_of_permissions_and_nothing_else():
    assert scopes_of({"permissions": ["rooms:read", "nope", 3, "users:read"]}) == frozenset(
        {"rooms:read", "users:read"}
    )
    assert scopes_of({"permissions": "rooms:read"}) == frozenset()
    assert scopes_of(["rooms:read"]) == frozenset()
    assert scopes_of({}) == frozenset()


def test_an_issued_token_says_its_lifetime_expiry_and_scopes():
    app, secret = app_with_secret(permissions=["rooms:read", "users:read"])
    with time_machine.travel(START, tick=False):
        issued = app_token_issue(app_id=app.app_id, app_secret=secret)
    assert issued.access_token.startswith("uat_")
    assert issued.expires_in == APP_TOKEN_TTL_SECONDS == 3600
    assert issued.expires_at == START + dt.timedelta(hours=1)
    assert issued.scopes == frozenset({"rooms:read", "users:read"})
    with time_machine.travel(START, tick=False):
        holder = app_token_verify(token=issued.access_token)
    assert holder.app == app
    assert holder.credential_id == AppCredential.objects.get(app=app).pk
    assert holder.scopes == frozenset({"rooms:read", "users:read"})
    assert holder.expires_at == START + dt.timedelta(hours=1)


def test_only_the_credential_used_is_marked_used():
    app, secret = app_with_secret()
    other, _other_secret = credential_issue(app=app)
    with time_machine.travel(START, tick=False):
        app_token_issue(app_id=app.app_id, app_secret=secret)
    used = AppCredential.objects.exclude(pk=other.pk).get(app=app)
    assert used.last_used_at == START
    other.refresh_from_db()
    assert other.last_used_at is None


def test_the_exchange_refusals_are_exact():
    app, secret = app_with_secret()
    wrong = _refusal(app_id=app.app_id, app_secret=secret + "x")
    unknown = _refusal(app_id="app_nobody", app_secret=secret)
    for error in (wrong, unknown):
        assert (error.code, error.status_code, error.message) == (
            "invalid_client",
            401,
            "The app id or the app secret is wrong.",
        )

    AppCredential.objects.filter(app=app).update(revoked_at=timezone.now())
    revoked = _refusal(app_id=app.app_id, app_secret=secret)
    assert (revoked.code, revoked.status_code, revoked.message) == (
        "credential_revoked",
        401,
        "This app secret was revoked: use the app's current secret.",
    )

    live, live_secret = app_with_secret(is_active=False)
    disabled = _refusal(app_id=live.app_id, app_secret=live_secret)
    assert (disabled.code, disabled.status_code, disabled.message) == (
        "app_disabled",
        403,
        "This app is disabled: it cannot get tokens.",
    )


def test_a_secret_revoked_at_an_instant_stops_working_at_that_instant():
    app, secret = app_with_secret()
    token = None
    with time_machine.travel(START, tick=False):
        token = token_for(app, secret)
    AppCredential.objects.filter(app=app).update(revoked_at=START + dt.timedelta(minutes=5))
    with time_machine.travel(START + dt.timedelta(minutes=5, microseconds=-1), tick=False):
        assert app_token_issue(app_id=app.app_id, app_secret=secret).access_token
        assert app_token_verify(token=token).app == app
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        assert _refusal(app_id=app.app_id, app_secret=secret).code == "credential_revoked"
        assert _verify_refusal(token) == "The app secret this token came from was revoked."


def test_each_refused_token_says_why():
    app, secret = app_with_secret()
    with time_machine.travel(START, tick=False):
        token = token_for(app, secret)
    credential = AppCredential.objects.get(app=app)
    assert _verify_refusal("Bearer x") == "This is not an app token."
    assert _verify_refusal("uat_garbage") == "The app token is malformed or not ours."
    assert _verify_refusal(_signed(["c", 1])) == "The app token is malformed or not ours."
    assert _verify_refusal(_signed({"c": "1", "exp": 9999999999})) == (
        "The app token is malformed or not ours."
    )
    assert _verify_refusal(_signed({"c": credential.pk, "exp": "9999999999"})) == (
        "The app token is malformed or not ours."
    )
    assert _verify_refusal(_signed({"exp": 9999999999})) == (
        "The app token is malformed or not ours."
    )
    with time_machine.travel(START + dt.timedelta(seconds=3600), tick=False):
        assert _verify_refusal(token) == (
            "The app token has expired: get a new one from /api/v1/apps/token."
        )
    with time_machine.travel(START + dt.timedelta(seconds=3599), tick=False):
        assert app_token_verify(token=token).credential_id == credential.pk
        assert _verify_refusal(_signed({"c": credential.pk + 1000, "exp": 9999999999})) == (
            "The app secret this token came from was revoked."
        )
        type(app).objects.filter(pk=app.pk).update(is_active=False)
        assert _verify_refusal(token) == "The app is disabled."
        type(app).objects.filter(pk=app.pk).update(is_active=True, deleted_at=START)
        assert _verify_refusal(token) == "The app was deleted."


def test_an_app_token_is_told_by_its_prefix():
    assert is_app_token("uat_x")
    assert not is_app_token("eyJ.uat_")
    assert not is_app_token("UAT_x")


def test_verifying_a_token_reads_its_credential_and_app_in_one_query(
    django_assert_num_queries,
):
    app, secret = app_with_secret()
    token = token_for(app, secret)
    with django_assert_num_queries(1):
        holder = app_token_verify(token=token)
        assert holder.app.app_id == app.app_id
