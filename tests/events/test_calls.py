"""``webhook_call`` end to end against real local apps: signed, recorded once per attempt,
judged, counted by the breaker (which opens, waits, probes and closes), 410 disabling the
webhook, and the caller never waiting past the timeout plus half a second."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from events.models import App, Outcome, WebhookDelivery, WebhookSecret
from events.services.credentials import webhook_secret_issue
from events.services.webhooks import webhook_disable
from events.webhooks import breaker
from events.webhooks.calls import (
    SKIPPED_APP_INACTIVE,
    SKIPPED_BREAKER_OPEN,
    SKIPPED_DISABLED,
    SKIPPED_NOT_CONFIGURED,
    webhook_call,
    webhook_config,
)
from tests.accounts.factories import UserFactory
from tests.events.appserver import (
    AppServer,
    answer,
    oversized,
    redirect,
    trickle,
    verifying,
)
from tests.events.factories import AppFactory, manifest

pytestmark = pytest.mark.django_db
WINNERS = "winner_selection"
HOOK = "/hooks/winners"


def _app(server: AppServer, **webhooks: object) -> App:
    hooks = {WINNERS: HOOK, "notifications": {"path": "/hooks/notify", "async": True}}
    app = AppFactory(manifest=manifest(base_url=server.base_url, webhooks={**hooks, **webhooks}))
    webhook_secret_issue(app=app)
    return app


def _call(app: App, **kw: object):
    args: dict = {"app": app, "capability": WINNERS, "event": "draw.requested"}
    return webhook_call(**(args | {"payload": {"room_id": 7}} | kw))


def _winners_check(answer):
    if not isinstance(answer, dict) or not isinstance(answer.get("winners"), list):
        raise ValueError("expected {winners: [...]}")


# --- a call that works --------------------------------------------------------------------------


def test_a_call_is_signed_sent_recorded_and_answered(server):
    app = _app(server)
    secret = WebhookSecret.objects.get(app=app).secret
    server.route(HOOK, verifying(secret, {"winners": [{"participant_id": 1, "prize_id": 2}]}))
    result = _call(app, answer_check=_winners_check)
    assert result.ok
    assert result.outcome == Outcome.SUCCESS
    assert result.answer == {"winners": [{"participant_id": 1, "prize_id": 2}]}
    assert result.webhook_id.startswith("msg_")
    row = WebhookDelivery.objects.get()
    assert row.pk == result.delivery_id
    assert (row.app, row.capability, row.event) == (app, WINNERS, "draw.requested")
    assert (row.webhook_id, row.attempt, row.outcome) == (result.webhook_id, 1, "success")
    assert row.url == f"{server.base_url}{HOOK}"
    assert row.status_code == 200
    assert row.request_body == '{"room_id":7}'
    assert row.request_headers["webhook-id"] == result.webhook_id
    assert row.request_headers["x-umbrella-timeout-ms"] == "5000"
    assert row.response_body == '{"winners": [{"participant_id": 1, "prize_id": 2}]}'
    assert row.response_headers["content-length"] == str(len(row.response_body))
    assert 0 <= row.duration_ms < 1000
    assert row.error == ""
    sent = server.hits(HOOK)[0]
    assert sent.body == b'{"room_id":7}'
    assert sent.headers["x-umbrella-attempt"] == "1"


def test_each_attempt_of_one_message_is_a_row_with_the_same_id(server):
    app = _app(server)
    server.route("/hooks/notify", answer(500))
    for attempt in (1, 2, 3):
        result = _call(
            app,
            capability="notifications",
            event="room.completed",
            webhook_id="msg_same",
            attempt=attempt,
        )
        assert (result.webhook_id, result.outcome) == ("msg_same", Outcome.HTTP_ERROR)
    rows = WebhookDelivery.objects.order_by("attempt")
    assert [(r.webhook_id, r.attempt, r.status_code) for r in rows] == [
        ("msg_same", 1, 500),
        ("msg_same", 2, 500),
        ("msg_same", 3, 500),
    ]
    sent = server.hits("/hooks/notify")
    assert [h.headers["webhook-id"] for h in sent] == ["msg_same"] * 3
    assert [h.headers["x-umbrella-attempt"] for h in sent] == ["1", "2", "3"]
    assert sent[0].headers["x-umbrella-timeout-ms"] == "30000"


@pytest.mark.parametrize(
    ("capability", "entry", "timeout_ms", "is_async"),
    [
        ("winner_selection", "/w", 5000, False),
        ("participant_registration", "/p", 3000, False),
        ("quiz_validation", "/q", 2000, False),
        ("notifications", "/n", 30000, True),
        ("prize_fund", "/f", 10000, False),
        ("room_settings", {"path": "/s", "async": True}, 30000, True),
        ("winner_selection", {"path": "/w", "timeout_ms": 1500}, 1500, False),
    ],
)
def test_timeouts_come_from_the_manifest_or_the_contract_s_defaults(
    capability, entry, timeout_ms, is_async
):
    app = AppFactory.build(manifest=manifest(webhooks={capability: entry}))
    config = webhook_config(app, capability)
    assert config is not None
    assert (config.timeout_ms, config.is_async) == (timeout_ms, is_async)


# --- failures -----------------------------------------------------------------------------------


def test_a_slow_app_gives_the_caller_back_within_the_timeout_plus_half_a_second(server):
    app = _app(server, **{WINNERS: {"path": HOOK, "timeout_ms": 1000}})
    server.route(HOOK, answer(200, {"winners": []}, delay=3))
    started = time.monotonic()
    result = _call(app)
    took = time.monotonic() - started
    assert result.outcome == Outcome.TIMEOUT
    assert took < 1.5
    row = WebhookDelivery.objects.get()
    assert (row.outcome, row.status_code) == ("timeout", None)
    assert 950 <= row.duration_ms < 1500


def test_a_trickling_app_cannot_hold_the_caller(server):
    app = _app(server, **{WINNERS: {"path": HOOK, "timeout_ms": 1000}})
    server.route(HOOK, trickle(every=0.05))
    started = time.monotonic()
    assert _call(app).outcome == Outcome.TIMEOUT
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("behaviour", "outcome", "status"),
    [
        (answer(500, {"error": "boom"}), Outcome.HTTP_ERROR, 500),
        (answer(404), Outcome.HTTP_ERROR, 404),
        (redirect("/hooks/elsewhere"), Outcome.REFUSED, 302),
        (oversized(100_000), Outcome.REFUSED, 200),
        (answer(200, {"nonsense": True}), Outcome.INVALID_ANSWER, 200),
        (answer(200, raw=b"<html>not json</html>"), Outcome.INVALID_ANSWER, 200),
    ],
    ids=["500", "404", "redirect", "oversized", "wrong-answer", "not-json"],
)
def test_each_failure_is_recorded_and_counted(server, behaviour, outcome, status):
    app = _app(server)
    server.route(HOOK, behaviour)
    result = _call(app, answer_check=_winners_check)
    assert (result.ok, result.outcome, result.status_code) == (False, outcome, status)
    assert result.answer is None
    assert result.error
    row = WebhookDelivery.objects.get()
    assert (row.outcome, row.status_code, row.error) == (outcome, status, result.error[:1000])
    assert breaker.snapshot(app.app_id, WINNERS).failures == 1
    assert server.hits("/hooks/elsewhere") == []


def test_a_private_address_is_refused_and_recorded_when_the_setting_is_off(server, settings):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = False
    app = _app(server)
    result = _call(app)
    assert result.outcome == Outcome.REFUSED
    assert "loopback" in result.error
    assert server.requests == []
    assert WebhookDelivery.objects.get().outcome == Outcome.REFUSED


def test_an_app_without_a_live_secret_is_not_called(server):
    app = _app(server)
    WebhookSecret.objects.filter(app=app).update(expires_at=timezone.now() - timedelta(seconds=1))
    result = _call(app)
    assert (result.outcome, result.attempted) == (Outcome.REFUSED, True)
    assert server.requests == []


def test_a_disabled_or_deleted_app_is_not_called(server):
    app = _app(server)
    App.objects.filter(pk=app.pk).update(is_active=False)
    result = _call(App.objects.get(pk=app.pk))
    assert (result.outcome, result.attempted) == (SKIPPED_APP_INACTIVE, False)
    App.objects.filter(pk=app.pk).update(is_active=True, deleted_at=timezone.now())
    assert _call(App.objects.get(pk=app.pk)).outcome == SKIPPED_APP_INACTIVE
    assert server.requests == []
    assert not WebhookDelivery.objects.exists()


def test_a_capability_without_a_webhook_is_skipped(server):
    app = _app(server)
    result = _call(app, capability="quiz_validation")
    assert (result.outcome, result.attempted, result.ok) == (SKIPPED_NOT_CONFIGURED, False, False)
    assert not WebhookDelivery.objects.exists()


# --- the breaker --------------------------------------------------------------------------------


def test_the_breaker_opens_after_5_failures_waits_60_s_probes_once_and_closes_after_3(server):
    staff = UserFactory(is_staff=True)
    app = _app(server)
    server.route(HOOK, answer(503))
    with time_machine.travel(timezone.now(), tick=True) as clock:
        results = [_call(app) for _ in range(5)]
        assert [r.outcome for r in results] == [Outcome.HTTP_ERROR] * 5
        assert breaker.state(app.app_id, WINNERS) == "open"
        opened = Notification.objects.filter(verb="app.breaker_opened")
        assert sorted(n.user_id for n in opened) == sorted([app.owner_id, staff.pk])

        skipped = _call(app)
        assert (skipped.outcome, skipped.attempted) == (SKIPPED_BREAKER_OPEN, False)
        clock.shift(59)
        assert _call(app).outcome == SKIPPED_BREAKER_OPEN
        assert len(server.hits(HOOK)) == 5
        assert WebhookDelivery.objects.count() == 5

        clock.shift(1)
        server.route(HOOK, answer(200, {"winners": []}))
        assert [_call(app).ok for _ in range(3)] == [True, True, True]
        assert breaker.state(app.app_id, WINNERS) == "closed"
        assert len(server.hits(HOOK)) == 8
    assert Notification.objects.filter(verb="app.breaker_opened").count() == 2  # once each


def test_a_failed_probe_reopens_without_a_second_notification(server):
    app = _app(server)
    server.route(HOOK, answer(500))
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for _ in range(5):
            _call(app)
        clock.shift(61)
        assert _call(app).outcome == Outcome.HTTP_ERROR  # the probe
        assert breaker.state(app.app_id, WINNERS) == "open"
        assert _call(app).outcome == SKIPPED_BREAKER_OPEN
    assert Notification.objects.filter(verb="app.breaker_opened").count() == 1


def test_a_payload_that_is_not_json_fails_before_taking_the_probe(server):
    app = _app(server)
    server.route(HOOK, answer(500))
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for _ in range(5):
            _call(app)
        clock.shift(61)
        with pytest.raises(TypeError):
            _call(app, payload={"when": object()})
        server.route(HOOK, answer(200, {"winners": []}))
        assert _call(app).ok  # the probe was still there to take
    assert WebhookDelivery.objects.count() == 6


def test_invalid_answers_open_the_breaker_too(server):
    app = _app(server)
    server.route(HOOK, answer(200, {"winners": "everyone"}))
    results = [_call(app, answer_check=_winners_check) for _ in range(5)]
    assert {r.outcome for r in results} == {Outcome.INVALID_ANSWER}
    assert breaker.state(app.app_id, WINNERS) == "open"


def test_one_capability_s_open_breaker_leaves_the_others_alone(server):
    app = _app(server)
    other = _app(server)
    server.route(HOOK, answer(500))
    for _ in range(5):
        _call(app)
    assert _call(app).outcome == SKIPPED_BREAKER_OPEN
    assert _call(app, capability="notifications", event="room.completed").ok
    assert _call(other).outcome == Outcome.HTTP_ERROR


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_calls_on_a_half_open_breaker_send_one_probe(server):
    app = _app(server)
    server.route(HOOK, answer(500))
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for _ in range(5):
            _call(app)
        clock.shift(61)
        # The probe's answer takes long enough that every caller asks while it is out (a
        # success frees the lease for the next probe, which is right, but not this test).
        server.route(HOOK, answer(200, {"winners": []}, delay=2))
        start = threading.Barrier(20)

        def call(_: int) -> str:
            try:
                mine = App.objects.get(pk=app.pk)
                start.wait()
                return _call(mine).outcome
            finally:
                connection.close()

        with ThreadPoolExecutor(20) as pool:
            outcomes = list(pool.map(call, range(20)))
    assert outcomes.count(Outcome.SUCCESS) == 1
    assert outcomes.count(SKIPPED_BREAKER_OPEN) == 19
    assert len(server.hits(HOOK)) == 6


# --- 410 Gone -----------------------------------------------------------------------------------


def test_410_disables_that_webhook_tells_the_owner_and_stops_the_calls(server):
    app = _app(server)
    server.route(HOOK, answer(410))
    result = _call(app)
    assert (result.outcome, result.status_code) == (Outcome.GONE, 410)
    assert WebhookDelivery.objects.get().outcome == Outcome.GONE
    assert App.objects.get(pk=app.pk).disabled_webhooks == [WINNERS]
    told = Notification.objects.get(verb="app.webhook_disabled")
    assert told.user_id == app.owner_id
    assert breaker.snapshot(app.app_id, WINNERS).failures == 0  # the breaker is not involved

    again = _call(App.objects.get(pk=app.pk))
    assert (again.outcome, again.attempted) == (SKIPPED_DISABLED, False)
    assert _call(app).outcome == SKIPPED_DISABLED  # the caller's own instance knows too
    assert len(server.hits(HOOK)) == 1
    assert _call(app, capability="notifications", event="room.completed").ok


def test_disabling_twice_notifies_once():
    app = AppFactory()
    assert webhook_disable(app_id=app.pk, capability=WINNERS) is True
    assert webhook_disable(app_id=app.pk, capability=WINNERS) is False
    assert webhook_disable(app_id=app.pk, capability="notifications") is True
    assert App.objects.get(pk=app.pk).disabled_webhooks == [WINNERS, "notifications"]
    assert Notification.objects.filter(verb="app.webhook_disabled").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_410s_disable_and_notify_once():
    app = AppFactory()
    start = threading.Barrier(8)

    def disable(_: int) -> bool:
        try:
            start.wait()
            return webhook_disable(app_id=app.pk, capability=WINNERS)
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(disable, range(8)))
    assert results.count(True) == 1
    assert App.objects.get(pk=app.pk).disabled_webhooks == [WINNERS]
    assert Notification.objects.filter(verb="app.webhook_disabled").count() == 1


# --- the hot path: round trips and commits ------------------------------------------------------


def test_successes_on_a_clean_breaker_skip_the_record_but_failures_always_count(server):
    app = _app(server)
    server.route(HOOK, answer(200, {"winners": []}))
    assert _call(app).ok
    assert breaker.snapshot(app.app_id, WINNERS).failures == 0
    server.route(HOOK, answer(500, {}))
    assert not _call(app).ok
    assert breaker.snapshot(app.app_id, WINNERS).failures == 1
    server.route(HOOK, answer(200, {"winners": []}))
    assert _call(app).ok  # admitted with a failure on record: this success resets it
    assert breaker.snapshot(app.app_id, WINNERS).failures == 0
    assert WebhookDelivery.objects.filter(app=app).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_attempt_row_commits_asynchronously_alone_and_with_the_caller_inside_one(server):
    """Alone, the row's own statement turns synchronous_commit off for its implicit transaction
    only; in a caller's transaction the row is written normally, so the caller's commit stays
    as durable as the caller made it."""
    from django.db import transaction

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    app = _app(server)
    server.route(HOOK, answer(200, {"winners": []}))
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = _call(app)
    inserts = [sql for sql in seen if sql.startswith('INSERT INTO "events_webhookdelivery"')]
    assert len(inserts) == 1
    assert "set_config('synchronous_commit', 'off', true)" in inserts[0]
    assert setting() == "on"  # the session's setting is untouched
    row = WebhookDelivery.objects.get(pk=result.delivery_id)
    assert (row.event, row.outcome, row.attempt) == ("draw.requested", Outcome.SUCCESS, 1)

    seen.clear()
    with transaction.atomic(), connection.execute_wrapper(record):
        inner = _call(app)
        assert setting() == "on"
    inserts = [sql for sql in seen if sql.startswith('INSERT INTO "events_webhookdelivery"')]
    assert len(inserts) == 1 and "set_config" not in inserts[0]
    assert WebhookDelivery.objects.filter(pk=inner.delivery_id).exists()


def test_the_row_of_the_failure_that_opens_the_breaker_commits_durably_with_its_notice(server):
    app = _app(server)
    server.route(HOOK, answer(500, {}))
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    for _ in range(4):
        _call(app)
    with connection.execute_wrapper(record):
        result = _call(app)
    assert breaker.state(app.app_id, WINNERS) == "open"
    assert WebhookDelivery.objects.filter(pk=result.delivery_id).exists()
    assert not any("set_config" in sql for sql in seen)
