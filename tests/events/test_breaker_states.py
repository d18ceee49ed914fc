"""The staff webhook-health page reads every breaker state in one Redis round trip
(``breaker.states``: a pipeline of HGETALLs), however many apps and capabilities it shows."""

import os
import uuid

import pytest
import redis
from redis.connection import AbstractConnection

from events import metrics
from events.webhooks import breaker
from tests.events.factories import AppFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closed_breakers")]

REDIS_URL = os.environ.get("REDIS_URL", "")


def _open(app_id: str, capability: str) -> None:
    for _ in range(breaker.FAILURES_TO_OPEN):
        breaker.record_failure(app_id, capability)


@pytest.fixture
def round_trips(monkeypatch) -> list[int]:
    """How many times a Redis client sent something: one per round trip (a pipeline sends all
    its commands at once)."""
    sent: list[int] = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(1)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


def test_states_reads_each_pair_as_state_reads_it():
    first, second = f"app_{uuid.uuid4().hex[:8]}", f"app_{uuid.uuid4().hex[:8]}"
    _open(first, "notifications")
    breaker.record_failure(second, "notifications")  # one failure: still closed

    pairs = [(first, "notifications"), (first, "winner_selection"), (second, "notifications")]
    found = breaker.states([*pairs, pairs[0]])  # a repeat is read once

    assert found == {pair: breaker.state(*pair) for pair in pairs}
    assert found[(first, "notifications")] == "open"
    assert breaker.states([]) == {}


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
def test_the_staff_pages_breakers_cost_one_round_trip(round_trips):
    apps = [AppFactory(app_id=f"app_rt_{uuid.uuid4().hex[:8]}") for _ in range(6)]
    _open(apps[2].app_id, "winner_selection")
    round_trips.clear()

    result = metrics.apps_metrics(apps, window="24h")

    assert len(round_trips) == 1  # 6 apps x 2 capabilities, one pipeline
    states = {(r.app.app_id, c.capability): c.breaker for r in result for c in r.capabilities}
    assert len(states) == 12
    assert states.pop((apps[2].app_id, "winner_selection")) == "open"
    assert set(states.values()) == {"closed"}


def test_an_unreachable_breaker_store_leaves_the_page_up_with_unknown_states(monkeypatch):
    down = breaker.RedisBackend(redis.Redis(port=1, socket_connect_timeout=0.5))
    monkeypatch.setattr(breaker, "backend", lambda: down)
    app = AppFactory(app_id=f"app_dn_{uuid.uuid4().hex[:8]}")

    [result] = metrics.apps_metrics([app], window="24h")

    assert [c.breaker for c in result.capabilities] == ["unknown", "unknown"]
