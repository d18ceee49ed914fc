"""The alerts of SPEC-events §4, each sent once per incident: success rate under 95 % (warning)
or 90 % (critical) over the hour, p95 over 80 % of the timeout, more than 100 dead letters;
closed when the condition clears, sent again for the next incident; two evaluators at once send
one alert (PostgreSQL)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import close_old_connections

from accounts.models import Notification, User
from events import alerts
from events.models import AppIncident, IncidentKind, Outcome, Severity
from events.services.incidents import incident_raise
from events.tasks import alerts_evaluate_task
from tests.events.factories import AppFactory
from tests.events.observe_data import attempts, dead_letters

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff():
    return User.objects.create_superuser(email="ops@example.com", password="x" * 12)


def sent(user) -> list[str]:
    return list(
        Notification.objects.filter(verb="app.alert", user=user)
        .order_by("id")
        .values_list("text", flat=True)
    )


def calls(app, ok: int, failed: int, *, capability="winner_selection", ms=100, at=None):
    attempts(app, [ms] * ok, capability=capability, at=at)
    attempts(app, [ms] * failed, capability=capability, outcome=Outcome.HTTP_ERROR, at=at)


def test_a_healthy_app_raises_nothing(clock, staff):
    app = AppFactory()
    calls(app, ok=96, failed=4)  # 96 %
    dead_letters(app, 100)  # not more than 100

    assert alerts.alerts_evaluate() == []
    assert not AppIncident.objects.exists() and not sent(app.owner)


def test_a_low_success_rate_is_a_warning_sent_once_to_owner_and_staff(clock, staff):
    app = AppFactory()
    calls(app, ok=93, failed=7, at=NOW - timedelta(minutes=30))

    [incident] = alerts.alerts_evaluate()

    assert (incident.kind, incident.capability, incident.severity) == (
        IncidentKind.SUCCESS_RATE,
        "winner_selection",
        Severity.WARNING,
    )
    [text] = sent(app.owner)
    assert "93.0% of the last hour's 100 calls succeeded (under 95%)" in text
    assert sent(staff) == [text]
    assert Notification.objects.get(user=staff, verb="app.alert").target_url == "/staff/webhooks/"

    clock.shift(timedelta(minutes=5))  # still bad five minutes later: nothing new
    assert alerts.alerts_evaluate() == []
    assert len(sent(app.owner)) == 1 and AppIncident.objects.count() == 1


def test_a_warning_turning_critical_is_sent_once_more_and_easing_is_quiet(clock, staff):
    app = AppFactory()
    calls(app, ok=94, failed=6, at=NOW - timedelta(minutes=50))
    alerts.alerts_evaluate()

    calls(app, ok=0, failed=20, at=NOW - timedelta(minutes=1))  # 94/120 = 78 %
    [escalated] = alerts.alerts_evaluate()

    assert escalated.severity == Severity.CRITICAL
    assert "(under 90%)" in sent(app.owner)[-1] and len(sent(app.owner)) == 2
    assert alerts.alerts_evaluate() == []  # still critical

    calls(app, ok=60, failed=0, at=NOW - timedelta(minutes=1))  # 154/180 = 86 %… still critical
    assert alerts.alerts_evaluate() == []
    calls(app, ok=160, failed=0, at=NOW - timedelta(minutes=1))  # 314/340 = 92 %: warning
    assert alerts.alerts_evaluate() == []
    incident = AppIncident.objects.get()
    assert (incident.severity, incident.closed_at) == (Severity.WARNING, None)
    assert len(sent(app.owner)) == 2


def test_the_incident_closes_when_the_rate_recovers_and_a_new_one_alerts_again(clock, staff):
    app = AppFactory()
    calls(app, ok=80, failed=20, at=NOW - timedelta(minutes=50))
    alerts.alerts_evaluate()
    first = AppIncident.objects.get()
    assert first.severity == Severity.CRITICAL

    clock.shift(timedelta(minutes=15))  # the bad calls leave the hour; a good quarter-hour
    calls(app, ok=50, failed=0)
    assert alerts.alerts_evaluate() == []
    first.refresh_from_db()
    assert first.closed_at == NOW + timedelta(minutes=15)

    clock.shift(timedelta(minutes=5))
    calls(app, ok=0, failed=50)  # 50 of 100: a new incident
    [second] = alerts.alerts_evaluate()
    assert second.pk != first.pk and len(sent(app.owner)) == 2


def test_too_few_calls_to_judge(clock, staff):
    app = AppFactory()
    calls(app, ok=0, failed=alerts.MIN_CALLS - 1, ms=4900)
    assert alerts.alerts_evaluate() == []
    calls(app, ok=0, failed=1, ms=4900)
    assert {i.kind for i in alerts.alerts_evaluate()} == {"success_rate", "slow"}


def test_a_p95_over_80_percent_of_the_timeout(clock, staff):
    """winner_selection times out after 5 s: its p95 must stay under 4 s; notifications (30 s in
    the manifest) may take longer."""
    app = AppFactory()
    attempts(app, [100] * 90 + [4100] * 10)  # p95 = 4100
    attempts(app, [20_000] * 20, capability="notifications")

    [incident] = alerts.alerts_evaluate()

    assert (incident.kind, incident.capability) == (IncidentKind.SLOW, "winner_selection")
    assert "p95 latency 4100 ms" in incident.detail and "5000 ms timeout" in incident.detail

    clock.shift(timedelta(hours=1, minutes=1))
    attempts(app, [100] * 100)
    alerts.alerts_evaluate()
    assert not AppIncident.objects.open().exists()


def test_more_than_100_dead_letters(clock, staff):
    app = AppFactory()
    dead_letters(app, 101)

    [incident] = alerts.alerts_evaluate()

    assert (incident.kind, incident.capability) == (IncidentKind.DEAD_LETTERS, "notifications")
    assert "101 dead letters" in sent(app.owner)[0]
    assert alerts.alerts_evaluate() == []


def test_every_kind_and_capability_is_its_own_incident(clock, staff):
    app, other = AppFactory(), AppFactory()
    calls(app, ok=0, failed=20)
    calls(app, ok=0, failed=20, capability="notifications")
    dead_letters(app, 101)
    calls(other, ok=0, failed=20)

    opened = alerts.alerts_evaluate()

    assert sorted((i.app_id, i.capability, i.kind) for i in opened) == sorted(
        [
            (app.pk, "notifications", "dead_letters"),
            (app.pk, "notifications", "success_rate"),
            (app.pk, "winner_selection", "success_rate"),
            (other.pk, "winner_selection", "success_rate"),
        ]
    )
    assert len(sent(staff)) == 4


def test_a_disabled_app_is_not_evaluated_and_its_incidents_close(clock, staff):
    app = AppFactory()
    calls(app, ok=0, failed=20)
    alerts.alerts_evaluate()
    app.is_active = False
    app.save()

    assert alerts.alerts_evaluate() == []
    assert not AppIncident.objects.open().exists()


def test_health_incidents_are_left_to_the_health_checks(clock, staff):
    app = AppFactory()
    incident_raise(app=app, kind=IncidentKind.HEALTH, detail="down")

    alerts.alerts_evaluate()

    assert AppIncident.objects.open().filter(kind=IncidentKind.HEALTH).count() == 1


def test_the_evaluation_reads_in_constant_queries(clock, staff, django_assert_max_num_queries):
    for _ in range(5):
        app = AppFactory()
        calls(app, ok=99, failed=1)
        dead_letters(app, 3)
    # apps, open incidents, stats (+ the durations on SQLite), dead letters, incidents for metrics
    with django_assert_max_num_queries(6):
        assert alerts.alerts_evaluate() == []


def test_the_beat_task(clock, staff):
    app = AppFactory()
    calls(app, ok=0, failed=20)
    assert alerts_evaluate_task.delay().get() == 1
    assert alerts_evaluate_task.delay().get() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_evaluators_running_at_once_send_one_alert(on_postgres):
    """Six evaluators released together against the same bad hour: the open-incident
    constraint lets one of them open it and send; the others send nothing."""
    app = AppFactory()
    calls(app, ok=0, failed=30)
    dead_letters(app, 150)
    barrier = threading.Barrier(6)
    results: list[int] = []
    errors: list[BaseException] = []

    def evaluate() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(len(alerts.alerts_evaluate()))
        except BaseException as error:  # pragma: no cover (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=evaluate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert sum(results) == 2  # success rate and dead letters, once each
    assert AppIncident.objects.count() == 2
    assert Notification.objects.filter(user=app.owner, verb="app.alert").count() == 2


def test_beat_evaluates_the_alerts_every_five_minutes():
    from umbrella.beat import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["events-alerts"]
    assert entry["task"] == alerts_evaluate_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))
