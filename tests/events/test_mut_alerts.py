"""events.alerts and events.services.incidents, pinned where mutation testing (docs/testing.md,
"Events: the rest of the platform") found the suite silent: the exact edges of each alert (95 %,
90 %, 80 % of the timeout), each alert's whole text, which incident a close touches, and the
incident of a capability that is gone."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import Notification
from events import alerts
from events.models import App, AppIncident, IncidentKind, Severity
from events.services.incidents import incident_close, incident_raise
from tests.events.factories import AppFactory
from tests.events.observe_data import attempts, dead_letters
from tests.events.test_alerts import calls

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
QUERIES_OF_ONE_ALERT = 14  # measured on SQLite


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _open(app: App) -> set[tuple[str, str, str]]:
    return {(i.capability, i.kind, i.severity) for i in AppIncident.objects.open().filter(app=app)}


def test_exactly_95_percent_is_no_alert_and_exactly_90_is_a_warning(clock):
    fine, warned, critical = AppFactory(), AppFactory(), AppFactory()
    calls(fine, ok=95, failed=5)
    calls(warned, ok=90, failed=10)
    calls(critical, ok=89, failed=11)

    alerts.alerts_evaluate()

    assert _open(fine) == set()
    assert _open(warned) == {("winner_selection", "success_rate", Severity.WARNING)}
    assert _open(critical) == {("winner_selection", "success_rate", Severity.CRITICAL)}
    assert AppIncident.objects.get(app=warned).detail == (
        "winner_selection: 90.0% of the last hour's 100 calls succeeded (under 95%)."
    )
    assert AppIncident.objects.get(app=critical).detail == (
        "winner_selection: 89.0% of the last hour's 100 calls succeeded (under 90%)."
    )


def test_a_p95_of_exactly_80_percent_of_the_timeout_is_not_slow(clock):
    edge, over = AppFactory(), AppFactory()
    attempts(edge, [100] * 90 + [4000] * 10)
    attempts(over, [100] * 90 + [4001] * 10)

    alerts.alerts_evaluate()

    assert _open(edge) == set()
    assert AppIncident.objects.get(app=over).detail == (
        "winner_selection: p95 latency 4001 ms over the last hour, more than 80 % of its "
        "5000 ms timeout."
    )


def test_a_slow_capability_needs_ten_calls_too(clock):
    app = AppFactory()
    attempts(app, [4900] * (alerts.MIN_CALLS - 1))
    assert alerts.alerts_evaluate() == []
    attempts(app, [4900])
    assert [i.kind for i in alerts.alerts_evaluate()] == [IncidentKind.SLOW]


def test_the_dead_letters_alert_says_how_many_and_what_to_do(clock):
    app = AppFactory()
    dead_letters(app, 101)

    [incident] = alerts.alerts_evaluate()

    assert incident.detail == (
        "notifications: 101 dead letters wait (more than 100). Inspect and replay them."
    )
    [text] = Notification.objects.filter(user=app.owner, verb="app.alert").values_list(
        "text", flat=True
    )
    assert text == f"{app.name}: {incident.detail}"


def test_the_incident_of_a_capability_that_is_gone_is_closed(clock):
    app = AppFactory()
    calls(app, ok=0, failed=20, capability="notifications")
    alerts.alerts_evaluate()
    assert _open(app) == {("notifications", "success_rate", Severity.CRITICAL)}

    App.objects.filter(pk=app.pk).update(
        manifest={
            **app.manifest,
            "capabilities": ["winner_selection"],
            "webhooks": {"winner_selection": "/w"},
        }
    )
    clock.shift(timedelta(hours=1, minutes=5))  # and its calls have left the hour
    assert alerts.alerts_evaluate() == []

    assert _open(app) == set()


def test_an_evaluation_with_nothing_new_writes_nothing(clock, django_assert_max_num_queries):
    app = AppFactory()
    calls(app, ok=0, failed=20)
    dead_letters(app, 101)
    assert len(alerts.alerts_evaluate()) == 2

    with django_assert_max_num_queries(6):  # the reads alone: both incidents are known open
        assert alerts.alerts_evaluate() == []
    assert AppIncident.objects.open().count() == 2


# --- incidents ----------------------------------------------------------------------------------


def test_a_close_touches_only_that_apps_capabilitys_and_kinds_incident():
    app, other = AppFactory(), AppFactory()
    for target in (app, other):
        incident_raise(app=target, kind=IncidentKind.SUCCESS_RATE, capability="a", detail="!")
    incident_raise(app=app, kind=IncidentKind.SUCCESS_RATE, capability="b", detail="!")
    incident_raise(app=app, kind=IncidentKind.SLOW, capability="a", detail="!")

    assert incident_close(app_pk=app.pk, kind=IncidentKind.SUCCESS_RATE, capability="a") is True
    assert incident_close(app_pk=app.pk, kind=IncidentKind.SUCCESS_RATE, capability="a") is False

    assert _open(app) == {("b", "success_rate", "warning"), ("a", "slow", "warning")}
    assert _open(other) == {("a", "success_rate", "warning")}


def test_the_detail_is_kept_to_500_characters_also_when_it_escalates():
    app = AppFactory()
    opened = incident_raise(app=app, kind=IncidentKind.SLOW, detail="w" * 499 + "xy")
    assert opened is not None
    opened.refresh_from_db()
    assert opened.detail == "w" * 499 + "x"

    escalated = incident_raise(
        app=app, kind=IncidentKind.SLOW, detail="c" * 499 + "de", severity=Severity.CRITICAL
    )

    assert escalated is not None and escalated.pk == opened.pk
    escalated.refresh_from_db()
    assert (escalated.severity, escalated.detail) == (Severity.CRITICAL, "c" * 499 + "d")


def test_an_evaluation_may_be_of_an_earlier_hour(clock):
    app = AppFactory()
    calls(app, ok=0, failed=20, at=NOW - timedelta(hours=2))

    assert alerts.alerts_evaluate() == []  # now: the bad calls are outside the hour
    [incident] = alerts.alerts_evaluate(now=NOW - timedelta(hours=1, minutes=30))

    assert (incident.app_id, incident.kind) == (app.pk, IncidentKind.SUCCESS_RATE)


def test_an_alert_reads_the_owner_with_the_app(clock, django_assert_max_num_queries):
    app = AppFactory()
    calls(app, ok=0, failed=20)

    # the reads of an evaluation, then the incident (savepoints, insert), the owner's
    # notification and email preference, and staff's (none here); the owner read apart would be
    # one more
    with django_assert_max_num_queries(QUERIES_OF_ONE_ALERT):
        [incident] = alerts.alerts_evaluate()

    assert Notification.objects.filter(user=app.owner, verb="app.alert").count() == 1
    assert incident.app_id == app.pk


def test_a_known_incident_does_not_keep_the_other_kinds_of_its_capability_from_alerting(clock):
    app = AppFactory()
    calls(app, ok=0, failed=20, capability="notifications")
    alerts.alerts_evaluate()  # success_rate, critical: open and sent

    dead_letters(app, 101)
    [incident] = alerts.alerts_evaluate()

    assert (incident.capability, incident.kind) == ("notifications", IncidentKind.DEAD_LETTERS)


@pytest.mark.parametrize(
    "older",
    [
        {"app": "other", "capability": "a", "kind": IncidentKind.SUCCESS_RATE},
        {"app": "same", "capability": "b", "kind": IncidentKind.SUCCESS_RATE},
        {"app": "same", "capability": "a", "kind": IncidentKind.SLOW},
    ],
    ids=["another-app", "another-capability", "another-kind"],
)
def test_an_escalation_raises_its_own_incident_and_no_other(clock, older):
    app, other = AppFactory(), AppFactory()
    mine = {"app": app, "capability": "a", "kind": IncidentKind.SUCCESS_RATE}
    incident_raise(**mine, detail="mine")
    clock.shift(timedelta(seconds=1))  # the other incident is newer: found first if unfiltered
    incident_raise(**{**older, "app": other if older["app"] == "other" else app}, detail="other")

    escalated = incident_raise(**mine, detail="mine, worse", severity=Severity.CRITICAL)

    assert escalated is not None
    assert (escalated.app_id, escalated.capability, escalated.kind) == (
        app.pk,
        "a",
        IncidentKind.SUCCESS_RATE,
    )
    severities = dict(AppIncident.objects.values_list("detail", "severity"))
    assert severities == {"mine, worse": Severity.CRITICAL, "other": Severity.WARNING}
