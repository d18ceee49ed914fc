"""The calls' in-process cache of an app's signing secrets (events.webhooks.secrets): a call
signs with exactly the live secrets whatever the cache holds — a rotation takes effect at once,
in this process and (through the stamp in Redis) in every other one, and a grace period that
ends is not stretched by the cache."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from events.models import App, WebhookDelivery, WebhookSecret
from events.services.apps import app_webhook_secret_rotate
from events.services.credentials import webhook_secret_issue
from events.webhooks import secrets as signing_secrets
from events.webhooks.calls import webhook_call
from tests.events.appserver import AppServer, answer
from tests.events.factories import AppFactory, manifest

WINNERS = "winner_selection"
HOOK = "/hooks/winners"


@pytest.fixture
def server():
    with AppServer() as app:
        app.route(HOOK, answer(200, {"winners": []}))
        yield app


def _app(server: AppServer) -> App:
    app = AppFactory(manifest=manifest(base_url=server.base_url, webhooks={WINNERS: HOOK}))
    webhook_secret_issue(app=app)
    return app


def _signed_with(app: App) -> list[str]:
    """Call once; the secrets (of all the app's rows, live or not) that signed it."""
    result = webhook_call(app=app, capability=WINNERS, event="draw", payload={"n": 1})
    assert result.ok, result.error
    row = WebhookDelivery.objects.get(pk=result.delivery_id)
    signed = []
    for secret in WebhookSecret.objects.filter(app=app).values_list("secret", flat=True):
        try:
            Webhook(secret).verify(row.request_body, row.request_headers)
        except WebhookVerificationError:
            continue
        signed.append(secret)
    return signed


def _queries(app: App) -> int:
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        webhook_call(app=app, capability=WINNERS, event="draw", payload={"n": 1})
    return sum('FROM "events_webhooksecret"' in sql for sql in seen)


@pytest.mark.django_db(transaction=True)
def test_the_secrets_are_read_once_then_served_from_the_cache(server):
    signing_secrets.clear()
    app = _app(server)
    assert _queries(app) == 1
    assert _queries(app) == 0
    assert _queries(app) == 0


@pytest.mark.django_db(transaction=True)
def test_a_rotation_signs_with_the_new_secret_at_once_in_this_process(server):
    signing_secrets.clear()
    app = _app(server)
    old = WebhookSecret.objects.get(app=app).secret
    assert _signed_with(app) == [old]  # now cached
    new = app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=0).secret
    assert _signed_with(app) == [new]


@pytest.mark.django_db
def test_inside_a_transaction_the_cache_is_not_used(server):
    signing_secrets.clear()
    app = _app(server)
    assert _queries(app) == 1
    assert _queries(app) == 1
    assert app.pk not in signing_secrets._cache


@pytest.mark.django_db(transaction=True)
def test_a_grace_period_that_ends_is_not_stretched_by_the_cache(server):
    signing_secrets.clear()
    app = _app(server)
    old = WebhookSecret.objects.get(app=app).secret
    with time_machine.travel(timezone.now(), tick=True) as clock:
        new = app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=1).secret
        assert sorted(_signed_with(app)) == sorted([old, new])
        assert _queries(app) == 0  # cached (time-machine does not move the cache's clock)
        clock.shift(timedelta(hours=1, seconds=1))
        assert _signed_with(app) == [new]


@pytest.mark.django_db(transaction=True)
def test_a_committed_rotation_reaches_a_process_that_cached_the_old_secret(server):
    """Another process's entry is simulated by putting the stale rows back under the stamp it
    read: the committed rotation gave the app a new stamp (in Redis, or this process's counter
    without Redis), so the next call misses."""
    signing_secrets.clear()
    app = _app(server)
    old = WebhookSecret.objects.get(app=app).secret
    assert _signed_with(app) == [old]
    stamp, _, rows = signing_secrets._cache[app.pk]
    new = app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=0).secret
    signing_secrets._cache[app.pk] = (stamp, time.monotonic(), rows)  # "the other process"
    assert _signed_with(app) == [new]
    assert signing_secrets._cache[app.pk][0] != stamp
