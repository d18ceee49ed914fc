"""Health checks against real local HTTP servers standing in for apps: three failures in a row
tell the owner once, more failures tell nobody, a success closes the incident; the next run of
failures is a new incident. Timeouts, redirects and refused addresses are failures too."""

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import close_old_connections

from accounts.models import Notification
from events import health
from events.models import AppHealth, AppIncident, IncidentKind
from events.tasks import health_check_all_task
from tests.events.appserver import AppServer, answer, redirect
from tests.events.factories import AppFactory, manifest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def server() -> Iterator[AppServer]:
    with AppServer() as app_server:
        yield app_server


def app_at(server: AppServer, **fields):
    return AppFactory(manifest=manifest(base_url=server.base_url), **fields)


def health_alerts(app) -> list[Notification]:
    return list(Notification.objects.filter(verb="app.health_failing", user=app.owner))


T0 = datetime(2027, 1, 4, 12, 0, 1, tzinfo=UTC)  # a second after a beat
_SLOTS = itertools.count()


def next_beat() -> "time_machine.travel":
    """The clock at the next beat: one 5-minute slot later than the last one (a check is
    counted once per slot)."""
    return time_machine.travel(T0 + timedelta(minutes=5 * next(_SLOTS)), tick=True)


def check(app) -> AppHealth:
    """One beat's check of ``app``."""
    with next_beat():
        result = health.app_health_check(app_pk=app.pk)
    assert result is not None
    return result


def test_a_healthy_app(server):
    server.route("/health", answer(200, {"ok": True}))
    app = app_at(server)

    result = check(app)

    assert (result.consecutive_failures, result.last_status_code, result.last_error) == (0, 200, "")
    assert result.last_ok_at == result.last_checked_at is not None
    assert server.hits("/health")[0].headers["user-agent"] == "Umbrella-Health/1"
    assert not AppIncident.objects.exists() and not health_alerts(app)


def test_three_failures_in_a_row_tell_the_owner_once_and_a_success_closes_it(server):
    server.route("/health", answer(503))
    app = app_at(server)

    check(app)
    check(app)
    assert not health_alerts(app)  # two failures: not yet
    third = check(app)

    assert third.consecutive_failures == 3 and third.last_error == "HTTP 503"
    [alert] = health_alerts(app)
    assert alert.target_url == f"/developers/apps/{app.app_id}/"
    incident = AppIncident.objects.get(app=app, kind=IncidentKind.HEALTH)
    assert incident.closed_at is None and "3 times in a row" in incident.detail

    for _ in range(3):  # it keeps failing: the same incident, nobody told again
        check(app)
    assert len(health_alerts(app)) == 1
    assert AppIncident.objects.filter(app=app).count() == 1

    server.route("/health", answer(204))
    recovered = check(app)

    assert recovered.consecutive_failures == 0
    incident.refresh_from_db()
    assert incident.closed_at is not None
    assert len(server.hits("/health")) == 7

    server.route("/health", answer(500))  # down again: a new incident after three more
    check(app)
    check(app)
    assert len(health_alerts(app)) == 1
    check(app)
    assert len(health_alerts(app)) == 2
    assert AppIncident.objects.filter(app=app).count() == 2
    assert AppIncident.objects.open().filter(app=app).count() == 1


def test_a_success_between_failures_starts_the_count_again(server):
    app = app_at(server)
    for status in (500, 500, 200, 500, 500):
        server.route("/health", answer(status))
        check(app)

    assert AppHealth.objects.get(app=app).consecutive_failures == 2
    assert not health_alerts(app) and not AppIncident.objects.exists()


@pytest.mark.timeout(60)
def test_a_slow_health_check_fails_after_five_seconds(server):
    server.route("/health", answer(200, delay=7))
    app = app_at(server)

    started = time.monotonic()
    result = check(app)
    took = time.monotonic() - started

    assert 4.9 <= took <= 5.5 + 1.0  # the transport's deadline; the rest is our bookkeeping
    assert result.consecutive_failures == 1 and result.last_error.startswith("timeout")


def test_a_redirect_is_a_failure_not_followed(server):
    server.route("/health", redirect("/elsewhere"))
    app = app_at(server)

    result = check(app)

    assert result.consecutive_failures == 1 and result.last_status_code == 302
    assert result.last_error.startswith("refused")
    assert not server.hits("/elsewhere")


def test_a_private_address_is_refused_when_loopback_is_not_allowed(server, settings):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = False
    app = app_at(server)

    result = check(app)

    assert result.consecutive_failures == 1 and result.last_error.startswith("refused")
    assert not server.hits("/health")


def test_nothing_listening_is_a_failure():
    app = AppFactory(manifest=manifest(base_url="http://127.0.0.1:9"))
    assert check(app).last_error.startswith("network_error")


def test_the_beat_task_checks_every_active_app_and_only_those(server):
    server.route("/health", answer(500))
    apps = [app_at(server) for _ in range(3)]
    app_at(server, is_active=False)
    app_at(server, deleted_at="2026-01-01T00:00:00Z")

    for _ in range(3):
        with next_beat():
            assert health_check_all_task.delay().get() == 3

    assert len(server.hits("/health")) == 9
    assert [len(health_alerts(app)) for app in apps] == [1, 1, 1]
    assert AppHealth.objects.count() == 3


def test_a_disabled_or_deleted_app_is_not_checked(server):
    app = app_at(server, is_active=False)
    assert health.app_health_check(app_pk=app.pk) is None
    assert health.app_health_check(app_pk=10**9) is None
    assert not server.hits("/health")


def _record_at_once(app, slots: list[int]) -> None:
    """Record a failed check per entry of ``slots`` (each a slot number after T0's), from that
    many threads released together."""
    barrier = threading.Barrier(len(slots))
    errors: list[BaseException] = []

    def record(slot: int) -> None:
        try:
            barrier.wait(timeout=10)
            health.app_health_record(
                app_pk=app.pk,
                ok=False,
                error="HTTP 500",
                checked_at=T0 + timedelta(seconds=health.SLOT_SECONDS * slot),
            )
        except BaseException as error:  # pragma: no cover (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=record, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_check_delivered_many_times_at_once_counts_once(on_postgres):
    """Eight deliveries of one slot's check recording at once: the row lock and the slot guard
    count exactly one."""
    app = AppFactory()
    _record_at_once(app, [0] * 8)

    row = AppHealth.objects.get(app=app)
    assert row.consecutive_failures == 1
    assert row.last_checked_at == T0
    assert not AppIncident.objects.filter(app=app).exists() and not health_alerts(app)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_third_failure_recorded_by_racing_checks_alerts_once(on_postgres):
    """Two failures on record, then the next slot's check delivered eight times at once: one
    third failure, one incident, one alert."""
    app = AppFactory()
    _record_at_once(app, [0])
    _record_at_once(app, [1])
    _record_at_once(app, [2] * 8)

    assert AppHealth.objects.get(app=app).consecutive_failures == 3
    assert AppIncident.objects.filter(app=app, kind=IncidentKind.HEALTH).count() == 1
    assert len(health_alerts(app)) == 1


def test_a_check_delivered_twice_in_its_slot_probes_and_counts_once(server):
    """The same task run twice (a redelivery): the second sends no request and counts
    nothing; the next beat's check counts again."""
    server.route("/health", answer(503))
    app = app_at(server)

    with next_beat():
        first = health.app_health_check(app_pk=app.pk)
        second = health.app_health_check(app_pk=app.pk)
    assert first is not None and second is not None
    assert first.consecutive_failures == second.consecutive_failures == 1
    assert len(server.hits("/health")) == 1

    later = check(app)
    assert later.consecutive_failures == 2
    assert len(server.hits("/health")) == 2


def test_a_late_result_of_an_earlier_slot_changes_nothing(server):
    """A delivery of an older run that finishes after a newer check was counted: ignored (it
    would both count twice and overwrite the newer result)."""
    server.route("/health", answer(200))
    app = app_at(server)
    newer = check(app)

    stale = health.app_health_record(
        app_pk=app.pk,
        ok=False,
        error="HTTP 500",
        checked_at=newer.last_checked_at - timedelta(seconds=health.SLOT_SECONDS),
    )

    assert stale.consecutive_failures == 0 and stale.last_error == ""
    row = AppHealth.objects.get(app=app)
    assert (row.consecutive_failures, row.last_checked_at) == (0, newer.last_checked_at)


def test_a_check_crossing_a_slot_boundary_stays_in_the_slot_it_started_in():
    boundary = datetime(2027, 1, 4, 12, 5, tzinfo=UTC)
    assert health.health_slot(boundary - timedelta(seconds=1)) + 1 == health.health_slot(boundary)
    app = AppFactory()
    started = boundary - timedelta(seconds=2)
    with time_machine.travel(boundary + timedelta(seconds=3), tick=False):
        row = health.app_health_record(app_pk=app.pk, ok=False, checked_at=started)
    assert row.last_checked_at == started
    # The beat's check of the slot that just began is still counted.
    after = health.app_health_record(app_pk=app.pk, ok=False, checked_at=boundary)
    assert after.consecutive_failures == 2


def test_beat_runs_the_checks_every_five_minutes():
    from umbrella.beat import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["events-health-checks"]
    assert entry["task"] == health_check_all_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))
