"""Access tokens are verified once per process; every other check still runs on every request."""

import pytest
import time_machine
from django.test import override_settings

from accounts import authentication
from tests.accounts.conftest import bearer

ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def _fresh_memo():
    authentication._VERIFIED.clear()
    yield
    authentication._VERIFIED.clear()


@pytest.fixture
def decodes(monkeypatch):
    calls = []
    real = authentication.decode_access_token

    def counting(token):
        calls.append(token)
        return real(token)

    monkeypatch.setattr(authentication, "decode_access_token", counting)
    return calls


def test_a_token_is_verified_once_then_remembered(api_client, tokens, decodes):
    for _ in range(3):
        assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 200

    assert decodes == [tokens["access_token"]]


def test_a_remembered_token_still_expires(api_client, tokens, decodes):
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 200
    with time_machine.travel(authentication.time.time() + 601):
        response = api_client.get(ME, **bearer(tokens["access_token"]))

    assert response.status_code == 401
    assert tokens["access_token"] not in authentication._VERIFIED


def test_a_remembered_token_is_refused_after_logout(api_client, tokens):
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 200
    api_client.delete("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=tokens["session_token"])

    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 401


def test_a_remembered_token_is_refused_after_a_password_change(api_client, user, tokens):
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 200
    user.set_password("another-Password-123")
    user.save()

    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 401


def test_a_new_signing_key_forgets_what_was_verified(api_client, tokens):
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 200
    assert authentication._VERIFIED
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        assert not authentication._VERIFIED


def test_a_bad_token_is_not_remembered(api_client, tokens, decodes):
    bad = tokens["access_token"][:-4] + "AAAA"
    assert api_client.get(ME, **bearer(bad)).status_code == 401
    assert api_client.get(ME, **bearer(bad)).status_code == 401

    assert decodes == [bad, bad]
    assert bad not in authentication._VERIFIED
