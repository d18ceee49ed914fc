"""Webhook metrics (events.metrics) and GET /api/v1/apps/{app_id}/metrics: percentiles against
known data (in PostgreSQL's percentile_cont there, in Python on SQLite: the same numbers), the
three windows under a controlled clock, counts, dead letters, the chart's series, a constant
number of queries, and who may read them."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from accounts.models import User
from events import metrics
from events.models import AppIncident, IncidentKind, Outcome
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory
from tests.events.observe_data import attempts, dead_letters

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def by_capability(result: metrics.AppMetrics) -> dict[str, dict]:
    return {c.capability: c.as_dict() for c in result.capabilities}


def test_the_python_percentile_interpolates_like_percentile_cont():
    values = list(range(1, 101))
    assert metrics.percentile(values, 0.5) == pytest.approx(50.5)
    assert metrics.percentile(values, 0.95) == pytest.approx(95.05)
    assert metrics.percentile(values, 0.99) == pytest.approx(99.01)
    assert metrics.percentile([7], 0.99) == 7
    assert metrics.percentile([], 0.5) is None
    assert metrics.percentile([10, 20], 0.25) == pytest.approx(12.5)


def test_percentiles_of_known_durations(clock):
    """1..100 ms shuffled: p50 50.5, p95 95.05, p99 99.01 (percentile_cont's interpolation), on
    whichever database the suite runs (PostgreSQL computes them in SQL)."""
    app = AppFactory()
    durations = list(range(1, 101))
    random.Random(4).shuffle(durations)
    attempts(app, durations[:60])
    attempts(app, durations[60:], outcome=Outcome.TIMEOUT)
    attempts(app, [1000, 3000], capability="notifications", outcome=Outcome.HTTP_ERROR)

    result = by_capability(metrics.app_metrics(app=app, window="1h"))

    lottery = result["winner_selection"]
    assert (lottery["p50_ms"], lottery["p95_ms"], lottery["p99_ms"]) == (
        pytest.approx(50.5),
        pytest.approx(95.05),
        pytest.approx(99.01),
    )
    assert lottery["avg_ms"] == pytest.approx(50.5)
    assert (lottery["calls"], lottery["successes"], lottery["failures"], lottery["timeouts"]) == (
        100,
        60,
        40,
        40,
    )
    assert lottery["success_rate"] == pytest.approx(0.6)
    notify = result["notifications"]
    assert (notify["calls"], notify["successes"], notify["failures"], notify["timeouts"]) == (
        2,
        0,
        2,
        0,
    )
    assert notify["p50_ms"] == pytest.approx(2000)
    assert notify["p99_ms"] == pytest.approx(2980)
    assert notify["success_rate"] == 0


@pytest.mark.postgres
def test_postgres_computes_the_same_percentiles_as_the_python_fallback(clock):
    assert connection.vendor == "postgresql"
    app = AppFactory()
    rng = random.Random(11)
    durations = [rng.randint(1, 5000) for _ in range(997)]
    attempts(app, durations)

    lottery = by_capability(metrics.app_metrics(app=app, window="1h"))["winner_selection"]

    ordered = sorted(durations)
    for name, fraction in metrics.PERCENTILES:
        assert lottery[name] == pytest.approx(metrics.percentile(ordered, fraction))


def test_windows_take_the_last_hour_day_or_week(clock):
    app = AppFactory()
    attempts(app, [10], at=NOW - timedelta(minutes=59))
    attempts(app, [20], at=NOW - timedelta(minutes=61), outcome=Outcome.NETWORK_ERROR)
    attempts(app, [30], at=NOW - timedelta(hours=23, minutes=59))
    attempts(app, [40], at=NOW - timedelta(days=6, hours=23))
    attempts(app, [50], at=NOW - timedelta(days=7, minutes=1))

    calls = {
        window: by_capability(metrics.app_metrics(app=app, window=window))["winner_selection"]
        for window in metrics.WINDOWS
    }

    assert [calls[w]["calls"] for w in ("1h", "24h", "7d")] == [1, 3, 4]
    assert calls["1h"]["success_rate"] == 1
    assert calls["24h"]["failures"] == 1
    assert calls["7d"]["p50_ms"] == pytest.approx(25)

    clock.shift(timedelta(minutes=2))  # the 59-minute-old call leaves the hour
    later = metrics.app_metrics(app=app, window="1h")
    assert by_capability(later)["winner_selection"]["calls"] == 0
    assert by_capability(later)["winner_selection"]["success_rate"] is None


def test_every_webhook_capability_is_listed_even_without_calls(clock):
    """Declared ones in the manifest's order; dead letters of a capability removed since too."""
    app = AppFactory()
    dead_letters(app, 2, capability="quiz_validation")
    dead_letters(app, 1, capability="notifications", requeued_at=NOW)  # being replayed: counted

    result = by_capability(metrics.app_metrics(app=app, window="24h"))

    assert list(result) == ["winner_selection", "notifications", "quiz_validation"]
    assert result["winner_selection"] | {"timeout_ms": 0} == {
        "capability": "winner_selection",
        "calls": 0,
        "successes": 0,
        "failures": 0,
        "timeouts": 0,
        "success_rate": None,
        "avg_ms": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "timeout_ms": 0,
        "breaker": "closed",
        "dead_letters": 0,
    }
    assert result["winner_selection"]["timeout_ms"] == 5000
    assert result["notifications"]["timeout_ms"] == 30000
    assert result["notifications"]["dead_letters"] == 1
    assert result["quiz_validation"]["dead_letters"] == 2


def test_other_apps_rows_are_not_counted(clock):
    app, other = AppFactory(), AppFactory()
    attempts(app, [10, 20])
    attempts(other, [5000] * 5, outcome=Outcome.TIMEOUT)
    dead_letters(other, 3)

    result = by_capability(metrics.app_metrics(app=app, window="1h"))

    assert result["winner_selection"]["calls"] == 2
    assert result["winner_selection"]["p99_ms"] == pytest.approx(19.9)
    assert result["notifications"]["dead_letters"] == 0


def test_the_series_has_every_bucket_and_adds_up_to_the_window(clock):
    app = AppFactory()
    attempts(app, [100, 200, 300], at=NOW - timedelta(minutes=58))  # first 5-minute bucket
    attempts(app, [900], at=NOW - timedelta(minutes=58), outcome=Outcome.TIMEOUT)
    attempts(app, [50], at=NOW - timedelta(minutes=1))  # last bucket
    attempts(app, [70], at=NOW)  # the window's very end: still the last bucket
    attempts(app, [60], capability="notifications", at=NOW - timedelta(minutes=31))

    points = metrics.app_series(app=app, window="1h")

    assert len(points) == 12
    assert [p["start"] for p in points[:2]] == [
        NOW - timedelta(hours=1),
        NOW - timedelta(minutes=55),
    ]
    assert [p["calls"] for p in points] == [4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    assert points[0]["failures"] == 1 and points[0]["success_rate"] == pytest.approx(0.75)
    assert points[0]["p95_ms"] == pytest.approx(810)
    assert points[1]["success_rate"] is None and points[1]["p95_ms"] is None
    only = metrics.app_series(app=app, window="1h", capability="notifications")
    assert [p["calls"] for p in only] == [0] * 5 + [1] + [0] * 6
    assert len(metrics.app_series(app=app, window="24h")) == 24
    week = metrics.app_series(app=app, window="7d")
    assert len(week) == 28 and sum(p["calls"] for p in week) == 7


def test_open_incidents_come_with_the_metrics(clock):
    app = AppFactory()
    AppIncident.objects.create(app=app, kind=IncidentKind.HEALTH, detail="down")
    AppIncident.objects.create(
        app=app, kind=IncidentKind.SLOW, capability="winner_selection", closed_at=NOW
    )

    result = metrics.app_metrics(app=app)

    assert [(i.kind, i.detail) for i in result.open_incidents] == [("health", "down")]


def test_the_query_count_does_not_grow_with_apps_or_rows(clock, django_assert_max_num_queries):
    apps = [AppFactory() for _ in range(6)]
    for n, app in enumerate(apps):
        attempts(app, list(range(1, 40 * (n + 1))))
        attempts(app, [10, 20], capability="notifications", outcome=Outcome.TIMEOUT)
        dead_letters(app, n)
        AppIncident.objects.create(app=app, kind=IncidentKind.HEALTH)
    # stats (+ the durations on SQLite), dead letters, open incidents
    limit = 3 if connection.vendor == "postgresql" else 4

    with django_assert_max_num_queries(limit):
        few = metrics.apps_metrics(apps[:1], window="7d")
    with django_assert_max_num_queries(limit):
        many = metrics.apps_metrics(apps, window="7d")
    with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else 3):
        metrics.app_series(app=apps[-1], window="7d")

    assert len(few) == 1 and len(many) == 6
    assert [m.total.calls for m in many] == [41, 81, 121, 161, 201, 241]
    assert [m.dead_letters for m in many] == [0, 1, 2, 3, 4, 5]


# --- the API --------------------------------------------------------------------------------


def url(app_id: str) -> str:
    return f"/api/v1/apps/{app_id}/metrics"


def test_the_owner_reads_the_metrics(api_client, clock, django_assert_max_num_queries):
    app = AppFactory()
    attempts(app, list(range(1, 101)), at=NOW - timedelta(minutes=10))
    attempts(app, [4000], outcome=Outcome.TIMEOUT, at=NOW - timedelta(hours=2))
    dead_letters(app, 2)
    api_client.force_authenticate(app.owner)

    with django_assert_max_num_queries(8):
        response = api_client.get(url(app.app_id), {"window": "1h"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["app_id"] == app.app_id and body["window"] == "1h"
    assert body["since"] == "2026-12-03T11:00:00Z" and body["until"] == "2026-12-03T12:00:00Z"
    lottery, notify = body["capabilities"]
    assert lottery["capability"] == "winner_selection"
    assert (lottery["calls"], lottery["success_rate"], lottery["p95_ms"], lottery["breaker"]) == (
        100,
        1.0,
        pytest.approx(95.05),
        "closed",
    )
    assert (notify["capability"], notify["dead_letters"]) == ("notifications", 2)
    assert [p["calls"] for p in body["series"]] == [0] * 10 + [100, 0]
    assert body["open_incidents"] == []
    day = api_client.get(url(app.app_id)).json()  # 24h by default
    assert day["window"] == "24h" and day["capabilities"][0]["timeouts"] == 1


def test_staff_read_any_apps_metrics(api_client, clock):
    app = AppFactory()
    api_client.force_authenticate(User.objects.create_superuser(email="s@x.io", password="x" * 12))
    assert api_client.get(url(app.app_id), {"window": "7d"}).status_code == 200


def test_anyone_else_gets_a_404_as_for_no_app(api_client, clock):
    app = AppFactory()
    api_client.force_authenticate(UserFactory())

    response = api_client.get(url(app.app_id))
    missing = api_client.get(url("app_nothing_here"))

    assert response.status_code == missing.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json() == missing.json()


def test_a_deleted_app_has_no_metrics(api_client, clock):
    app = AppFactory(deleted_at=NOW)
    api_client.force_authenticate(app.owner)
    assert api_client.get(url(app.app_id)).status_code == 404


def test_signing_in_is_required(api_client):
    app = AppFactory()
    assert api_client.get(url(app.app_id)).status_code == 401


def test_an_unknown_window_is_a_validation_error(api_client):
    app = AppFactory()
    api_client.force_authenticate(app.owner)

    response = api_client.get(url(app.app_id), {"window": "2h"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "window" in response.json()["error"]["details"]
