"""Health: anonymous floods cost cache reads; deep checks run once per interval or by token."""

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from umbrella import health

pytestmark = pytest.mark.django_db

HEALTH = "/api/v1/health"


@pytest.fixture
def counted(monkeypatch):
    """Count how often each deep check really runs (the checks themselves still run)."""
    runs = {name: 0 for name in health.CHECKS}
    for name, check in list(health.CHECKS.items()):

        def counting(name=name, check=check):
            runs[name] += 1
            check()

        monkeypatch.setitem(health.CHECKS, name, counting)
    return runs


@pytest.fixture
def storage_writes(monkeypatch):
    writes = []
    original = default_storage.save
    monkeypatch.setattr(
        default_storage,
        "save",
        lambda name, *a, **kw: writes.append(name) or original(name, *a, **kw),
    )
    return writes


def test_liveness_touches_nothing(counted, storage_writes, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = APIClient().get("/api/v1/health/live")

    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert sum(counted.values()) == 0 and storage_writes == []


def test_a_flood_of_anonymous_calls_runs_the_deep_checks_once(counted, storage_writes):
    client = APIClient()

    answers = [client.get(HEALTH) for _ in range(50)]

    assert all(answer.status_code == 200 for answer in answers)
    assert set(counted.values()) == {1}
    assert len(storage_writes) == 1
    assert len({answer.json()["checked_at"] for answer in answers}) == 1


def test_the_checks_run_again_after_the_interval(counted, settings, time_machine):
    settings.HEALTH_CHECK_INTERVAL = 30
    time_machine.move_to("2026-01-01 12:00:00Z", tick=False)
    APIClient().get(HEALTH)
    health.cache.delete(health.RESULT_KEY)  # what the cache does when the entry's 30 s are up
    time_machine.move_to("2026-01-01 12:00:31Z", tick=False)

    body = APIClient().get(HEALTH).json()

    assert counted["database"] == 2
    assert body["checked_at"] == "2026-01-01T12:00:31Z"


def test_the_health_token_forces_a_fresh_run(counted, settings):
    settings.HEALTH_TOKEN = "s3cret-probe-token"
    client = APIClient()
    client.get(HEALTH)

    client.get(HEALTH, HTTP_X_HEALTH_TOKEN="wrong")
    assert counted["database"] == 1
    client.get(HEALTH, HTTP_X_HEALTH_TOKEN="s3cret-probe-token")
    assert counted["database"] == 2


def test_a_failure_is_remembered_for_the_interval_too(monkeypatch):
    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    first = APIClient().get(HEALTH)
    monkeypatch.setitem(health.CHECKS, "storage", lambda: None)

    second = APIClient().get(HEALTH)

    assert first.status_code == second.status_code == 503
    assert second.json()["error"]["details"]["checks"]["storage"]["error"] == "RuntimeError"
