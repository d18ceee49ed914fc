"""events.health, pinned where mutation testing (docs/testing.md, "Events: the rest of the
platform") found the suite silent: the check is a ``GET``, and the failure that opens the
incident reads the app and its owner with the health row."""

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Notification
from events import health
from events.models import AppIncident, IncidentKind
from events.services.incidents import incident_raise
from tests.events.appserver import AppServer, Handler, Received
from tests.events.factories import AppFactory, manifest

pytestmark = pytest.mark.django_db

_BEATS = itertools.count()
T0 = datetime(2027, 1, 4, 12, 0, 1, tzinfo=UTC)


def _beat() -> datetime:
    """A check time one 5-minute slot after the last (a check counts once per slot)."""
    return T0 + timedelta(seconds=health.SLOT_SECONDS * next(_BEATS))


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def server() -> Iterator[AppServer]:
    with AppServer() as app_server:
        yield app_server


def _healthy_to_get_only(handler: Handler, received: Received) -> None:
    handler.send(200 if handler.command == "GET" else 405, b'{"ok":true}')


def test_the_check_is_a_get_asking_for_json(server):
    server.route("/health", _healthy_to_get_only)
    app = AppFactory(manifest=manifest(base_url=server.base_url))

    result = health.app_health_check(app_pk=app.pk)

    assert result is not None
    assert (result.consecutive_failures, result.last_status_code) == (0, 200)
    [hit] = server.hits("/health")
    assert hit.headers["accept"] == "application/json" and hit.body == b""


def test_the_failure_that_alerts_reads_the_app_and_its_owner_with_the_row(
    django_assert_max_num_queries,
):
    app = AppFactory()
    for _ in range(health.FAILURES_TO_ALERT - 1):
        health.app_health_record(app_pk=app.pk, ok=False, error="HTTP 500", checked_at=_beat())

    # get_or_create, the locked row with its app and owner, the save, the open-incident check,
    # the incident, the owner's notification and email preference (no staff here), and five
    # SAVEPOINT/RELEASE statements; the app and owner read apart would be two more
    with django_assert_max_num_queries(13):
        health.app_health_record(app_pk=app.pk, ok=False, error="HTTP 500", checked_at=_beat())

    assert AppIncident.objects.open().filter(app=app, kind=IncidentKind.HEALTH).count() == 1
    assert Notification.objects.filter(user=app.owner, verb="app.health_failing").count() == 1


def test_a_long_error_is_kept_to_its_first_1000_characters():
    app = AppFactory()

    result = health.app_health_record(app_pk=app.pk, ok=False, error="x" * 999 + "yz" + "w" * 500)

    result.refresh_from_db()
    assert result.last_error == "x" * 999 + "y"


def test_another_kind_of_open_incident_does_not_silence_the_health_alert():
    app = AppFactory()
    incident_raise(app=app, kind=IncidentKind.DEAD_LETTERS, capability="notifications", detail="!")
    other = AppFactory()
    incident_raise(app=other, kind=IncidentKind.HEALTH, detail="down")

    for _ in range(health.FAILURES_TO_ALERT):
        health.app_health_record(app_pk=app.pk, ok=False, error="HTTP 500", checked_at=_beat())

    assert AppIncident.objects.open().filter(app=app, kind=IncidentKind.HEALTH).count() == 1
    assert Notification.objects.filter(user=app.owner, verb="app.health_failing").count() == 1


def test_failures_while_the_incident_is_open_only_count(django_assert_max_num_queries):
    app = AppFactory()
    for _ in range(health.FAILURES_TO_ALERT):
        health.app_health_record(app_pk=app.pk, ok=False, error="HTTP 500", checked_at=_beat())

    # get_or_create, the locked row, the save, the open-incident check, and the savepoint
    # around it all: no insert tried against the open incident
    with django_assert_max_num_queries(6):
        result = health.app_health_record(
            app_pk=app.pk, ok=False, error="HTTP 500", checked_at=_beat()
        )

    assert result.consecutive_failures == health.FAILURES_TO_ALERT + 1
    assert Notification.objects.filter(user=app.owner, verb="app.health_failing").count() == 1
