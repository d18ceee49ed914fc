"""The developer console's "send test event" (events.services.deliveries.app_send_test_event):
which webhook it goes to, what it sends, what it answers, and each refusal exactly (the API and
the console show them).

Written from the survivors of a mutation run (docs/testing.md, "Events: deliveries and the due
list"). The app is a real local HTTP server."""

from datetime import datetime

import pytest
import time_machine

from events.models import WebhookDelivery
from events.services import deliveries
from tests.events.deliveries_helpers import NOTIFY, app_at, script
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

WINNERS = "/hooks/winners"


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _webhooks(app, webhooks: dict) -> None:
    app.manifest = {**app.manifest, "webhooks": webhooks}
    app.save(update_fields=["manifest"])


def _refusal(error: ApplicationError) -> tuple:
    return (error.code, error.status_code, error.message, error.details, error.field)


def test_the_test_event_says_what_it_is_and_answers_what_happened(hook_app, httpserver):
    app_server = script(httpserver, 200)
    at = datetime.fromisoformat("2026-12-03T10:00:00+00:00")
    with time_machine.travel(at, tick=False):
        sent = deliveries.app_send_test_event(app=hook_app, by=hook_app.owner)
    [request] = app_server.requests
    assert request["json"] == {
        "event": "app.test",
        "payload": {
            "test": True,
            "app_id": hook_app.app_id,
            "capability": "notifications",
            "message": "A test event sent from Umbrella's developer console.",
            "sent_at": "2026-12-03T10:00:00+00:00",
        },
    }
    row = WebhookDelivery.objects.get()
    assert (sent.ok, sent.outcome, sent.status_code, sent.error) == (True, "success", 200, "")
    assert sent.answer == {"received": True}
    assert (sent.webhook_id, sent.delivery_id) == (row.webhook_id, row.pk)
    assert isinstance(sent.duration_ms, int) and sent.duration_ms == row.duration_ms


def test_a_failing_test_event_answers_the_error(hook_app, httpserver):
    script(httpserver, 503)
    sent = deliveries.app_send_test_event(app=hook_app, by=hook_app.owner)
    assert (sent.ok, sent.outcome, sent.status_code) == (False, "http_error", 503)
    assert sent.error == WebhookDelivery.objects.get().error == "HTTP 503"


def test_without_a_notifications_webhook_it_goes_to_the_first_webhook(hook_app, httpserver):
    app_server = script(httpserver, 200)  # answers nothing on /hooks/winners
    httpserver.expect_request(WINNERS, method="POST").respond_with_json({"winners": []})
    _webhooks(hook_app, {"winner_selection": WINNERS})
    sent = deliveries.app_send_test_event(app=hook_app, by=hook_app.owner)
    assert sent.capability == "winner_selection" and sent.ok
    assert app_server.requests == []
    assert WebhookDelivery.objects.get().capability == "winner_selection"


def test_an_app_without_webhooks_is_told_so_on_the_capability_field(hook_app):
    _webhooks(hook_app, {})
    with pytest.raises(ApplicationError) as refused:
        deliveries.app_send_test_event(app=hook_app, by=hook_app.owner)
    assert _refusal(refused.value) == (
        "no_webhook",
        409,
        "The app's manifest declares no webhook.",
        {},
        "capability",
    )


def test_a_webhook_the_manifest_lacks_is_refused_listing_those_it_has(hook_app):
    with pytest.raises(ApplicationError) as refused:
        deliveries.app_send_test_event(
            app=hook_app, by=hook_app.owner, capability="quiz_validation"
        )
    assert _refusal(refused.value) == (
        "no_webhook",
        409,
        "The app's manifest has no quiz_validation webhook.",
        {"capability": "quiz_validation", "webhooks": ["winner_selection", "notifications"]},
        "capability",
    )
    assert not WebhookDelivery.objects.exists()


def test_a_disabled_app_gets_no_test_event(hook_app, httpserver):
    app_server = script(httpserver, 200)
    hook_app.is_active = False
    hook_app.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError) as refused:
        deliveries.app_send_test_event(app=hook_app, by=hook_app.owner)
    assert _refusal(refused.value) == (
        "app_inactive",
        409,
        "The app is disabled: nothing can be sent to it.",
        {},
        None,
    )
    assert app_server.requests == [] and not WebhookDelivery.objects.exists()


def test_the_notifications_webhook_is_the_default_wherever_it_is_listed(hook_app, httpserver):
    app_server = script(httpserver, 200)
    _webhooks(hook_app, {"winner_selection": WINNERS, "notifications": NOTIFY})
    assert deliveries.app_send_test_event(app=hook_app, by=hook_app.owner).capability == (
        "notifications"
    )
    assert len(app_server.requests) == 1
