"""Apps are rate-limited per app (umbrella.throttling.AppRateThrottle), on the cache in use:
Redis when REDIS_URL is set, local memory otherwise. Their requests spend neither the IP's
anonymous budget nor the budget of the user they act for."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework import throttling

from tests.accounts.conftest import bearer
from tests.accounts.factories import UserFactory
from tests.events.appauth import acting, app_with_secret, system, token_for, user_token

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/apps/me"


@pytest.fixture
def rates(monkeypatch, low_throttle_rates):
    """Small limits, so that a test can walk up to them."""
    rates = {**low_throttle_rates, "app": "5/min", "user": "3/min", "anon_read": "3/min"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    # The clock stands still at the start of a minute: every request falls in one window.
    start = timezone.now().replace(second=1, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        yield rates


def _app_token():
    app, secret = app_with_secret(permissions=["users:read"])
    return token_for(app, secret)


def test_an_app_is_throttled_after_its_rate_and_another_app_has_its_own_window(api_client, rates):
    first, second = _app_token(), _app_token()
    for _ in range(5):
        assert api_client.get(ME_URL, **system(first)).status_code == 200

    refused = api_client.get(ME_URL, **system(first))
    other = api_client.get(ME_URL, **system(second))

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert other.status_code == 200


def test_acting_for_users_counts_against_the_app_not_the_users(api_client, rates):
    """Five calls for one user (whose own limit is three) pass; the sixth, for another user,
    is the app's sixth and is refused; the users' own budgets are untouched."""
    token = _app_token()
    nova, sam = UserFactory(), UserFactory()
    nova_token, sam_token = user_token(nova), user_token(sam)

    for _ in range(5):
        assert api_client.get(ME_URL, **acting(nova_token, token)).status_code == 200
    refused = api_client.get(ME_URL, **acting(sam_token, token))

    assert refused.status_code == 429
    for _ in range(3):  # the user's own limit, all of it still there
        assert api_client.get("/api/v1/me", **bearer(nova_token)).status_code == 200
    assert api_client.get("/api/v1/me", **bearer(nova_token)).status_code == 429


def test_system_calls_do_not_spend_the_ip_s_anonymous_budget(api_client, rates):
    token = _app_token()
    for _ in range(5):  # more than anon_read (3/min) from the same IP
        assert api_client.get(ME_URL, **system(token)).status_code == 200

    for _ in range(3):  # anonymous reads from that IP still have their whole budget
        assert api_client.get("/api/v1/artists/").status_code == 200
    assert api_client.get("/api/v1/artists/").status_code == 429


def test_a_refused_app_request_is_not_counted(api_client, rates):
    """An app token on an endpoint apps may not call is refused before the throttles run."""
    token = _app_token()
    for _ in range(10):
        assert api_client.get("/api/v1/me", **system(token)).status_code == 403
    assert api_client.get(ME_URL, **system(token)).status_code == 200


def test_people_are_still_throttled_per_user(api_client, rates):
    token = user_token(UserFactory())
    for _ in range(3):
        assert api_client.get("/api/v1/me", **bearer(token)).status_code == 200
    assert api_client.get("/api/v1/me", **bearer(token)).status_code == 429
