"""A token-authenticated API request reads its user, its revocation entry and counts its rate
window in one cache round trip; refused tokens spend nobody's rate limit."""

import uuid

import pytest
from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import NoScriptError
from rest_framework import throttling
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.revocation import revoke_session_tokens, user_token_generation_bump
from tests.accounts.conftest import app_login, bearer
from umbrella.cache import read_and_count, uncount

ME = "/api/v1/me"


@pytest.fixture
def five_a_minute(monkeypatch):
    rates = {**throttling.SimpleRateThrottle.THROTTLE_RATES, "user": "5/min"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    return 5


@pytest.mark.parametrize("backend", ["redis", "locmem"])
def test_read_and_count_reads_counts_and_skips_counting_when_told(backend):
    if backend == "redis":
        if not settings.REDIS_URL:
            pytest.skip("needs Redis: set REDIS_URL")
        store = cache
    else:
        store = LocMemCache(f"test-{uuid.uuid4().hex}", {})
    store.set("a", {"x": 1})

    found, counts = read_and_count(store, ["a", "b"], [("n", 60), ("m", 60)])
    assert found == {"a": {"x": 1}}
    assert counts == {"n": 1, "m": 1}
    found, counts = read_and_count(store, ["a", "b"], [("n", 60)], unless="b")
    assert counts == {"n": 2}  # "b" is absent: counted
    store.set("b", 1)
    found, counts = read_and_count(store, ["a", "b"], [("n", 60)], unless="b")
    assert found == {"a": {"x": 1}, "b": 1}
    assert counts == {}  # "b" present: nothing counted
    assert store.get("n") == 2
    uncount(store, ["n", "gone"])
    assert store.get("n") == 1
    assert store.get("gone") is None


def test_counters_expire_with_their_ttl(on_redis):
    read_and_count(cache, [], [("short", 7)])
    read_and_count(cache, [], [("short", 7000)])  # EXPIRE NX: the first TTL stays

    ttl = cache._cache.get_client(None).ttl(cache.make_and_validate_key("short"))
    assert 0 < ttl <= 7


def test_a_token_request_is_one_redis_round_trip(on_redis, api_client, tokens, round_trips):
    api_client.get(ME, **bearer(tokens["access_token"]))  # the user is now cached
    round_trips.clear()

    response = api_client.get(ME, **bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert len(round_trips) == 1, round_trips
    packet = round_trips[0]
    packet = packet if isinstance(packet, bytes) else b"".join(packet)
    assert b"EVALSHA" in packet  # the user, the revocation entry and the rate window
    assert b"throttle_user_" in packet


def test_the_user_rate_limit_holds_when_counted_with_the_token_read(
    api_client, tokens, five_a_minute
):
    statuses = [api_client.get(ME, **bearer(tokens["access_token"])).status_code for _ in range(5)]
    refused = api_client.get(ME, **bearer(tokens["access_token"]))

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 61


def test_a_revoked_token_does_not_spend_the_users_rate_limit(api_client, user, five_a_minute):
    stolen = app_login(api_client, user.email)
    mine = app_login(api_client, user.email)
    payload = jwt_internal.decode_token(stolen["access_token"], "access")
    revoke_session_tokens(session_key=jwt_internal.session_key_from_sid(payload["sid"]))

    refused = [api_client.get(ME, **bearer(stolen["access_token"])).status_code for _ in range(8)]
    mine_statuses = [
        api_client.get(ME, **bearer(mine["access_token"])).status_code for _ in range(5)
    ]

    assert refused == [401] * 8
    assert mine_statuses == [200] * 5


def test_a_token_of_an_old_generation_does_not_spend_the_rate_limit(
    api_client, user, tokens, five_a_minute
):
    """Refused after the user's tokens were invalidated: the count taken with the read is
    given back (the session was not revoked, so the cache call did count)."""
    user_token_generation_bump(user=user)
    old = [api_client.get(ME, **bearer(tokens["access_token"])).status_code for _ in range(8)]
    fresh = app_login(api_client, user.email)

    statuses = [api_client.get(ME, **bearer(fresh["access_token"])).status_code for _ in range(5)]

    assert old == [401] * 8
    assert statuses == [200] * 5


def test_the_script_is_loaded_again_after_redis_forgot_it(on_redis, monkeypatch):
    """A restarted Redis has no scripts: EVALSHA fails with NOSCRIPT, the script is sent."""
    client = cache._cache.get_client(None, write=True)
    real = client.evalsha
    forgetful = {"calls": 0}

    def evalsha(*args):
        forgetful["calls"] += 1
        if forgetful["calls"] == 1:
            raise NoScriptError("NOSCRIPT No matching script.")
        return real(*args)

    monkeypatch.setattr(client, "evalsha", evalsha)

    found, counts = read_and_count(cache, ["a"], [("n", 60)])

    assert (found, counts) == ({}, {"n": 1})
    assert forgetful["calls"] == 2  # refused, then sent again by redis-py's Script


class _Refuses(BasePermission):
    def has_permission(self, request, view):
        return False


class _RefusedApi(APIView):
    permission_classes = [_Refuses]

    def get(self, request):  # pragma: no cover (never reached)
        return Response({})


def test_a_request_refused_by_a_permission_does_not_spend_the_rate_limit(
    api_client, tokens, five_a_minute
):
    """DRF checks permissions before throttles: such a request was never counted. The count
    taken with the token read is given back by the exception handler."""
    refused = _RefusedApi.as_view()
    factory = APIRequestFactory()
    for _ in range(8):
        request = factory.get("/x", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        assert refused(request).status_code == 403

    statuses = [api_client.get(ME, **bearer(tokens["access_token"])).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert api_client.get(ME, **bearer(tokens["access_token"])).status_code == 429
