"""The demo app: the demo artist's "Setlist Lottery", with a week of webhook history. Safe twice.

Through the services: registration (manifest, client secret, signing secret), a second version,
the first one deprecated, a rotated signing secret (two live during the grace period).

Written directly: the delivery history. Attempts are rows the webhook call writes as it calls an
app; there is no service for *past* attempts (and the demo must not call anybody), so the demo
writes ``WebhookDelivery`` rows as ``events.webhooks.calls`` would have, signed headers included,
and one ``DeadLetter`` with its three failed attempts, as ``events.services.deliveries`` would
after the third failure (nobody is notified for it). Deterministic: a seeded random generator.
"""

import json
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from events.models import App, DeadLetter, Outcome, WebhookDelivery
from events.services import apps as services
from events.webhooks.signing import webhook_headers

DEMO_OWNER = "artist@demo.umbrella.test"
DEMO_APP_ID = "app_setlist_lottery"
DEMO_BASE_URL = "https://setlist-lottery.example.com"
DEMO_DAYS = 7
DEMO_SEED = 2026


def demo_manifest(version: str) -> dict[str, Any]:
    return {
        "meta": {
            "name": "Setlist Lottery",
            "version": version,
            "description": "Fans enter a draw at the show; the winner picks the encore.",
            "author": "Nova Reyes",
            "homepage": DEMO_BASE_URL,
        },
        "base_url": DEMO_BASE_URL,
        "capabilities": ["winner_selection", "notifications"],
        "permissions": ["rooms:read", "prizes:read", "winners:write"],
        "webhooks": {
            "winner_selection": "/hooks/winners",
            "notifications": {"path": "/hooks/notify", "timeout_ms": 30000, "async": True},
        },
        "fallbacks": {"winner_selection": "platform_random"},
        "settings": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
    }


def seed(say: Callable[[str], None]) -> None:
    owner = User.objects.filter(email=DEMO_OWNER).first()
    if owner is None:
        say(f"skipped   demo app of {DEMO_OWNER} (account missing)")
        return
    if App.objects.filter(app_id=DEMO_APP_ID).exists():
        say(f"exists    demo app {DEMO_APP_ID}")
        return
    registration = services.app_register(
        owner=owner, manifest=demo_manifest("1.0.0"), app_id=DEMO_APP_ID
    )
    app = registration.app
    services.app_version_publish(app=app, manifest=demo_manifest("1.1.0"), by=owner)
    services.app_version_deprecate(
        app=app, version="1.0.0", reason="1.1.0 draws fairer winners; please switch.", by=owner
    )
    signing = services.app_webhook_secret_rotate(app=app, by=owner, grace_hours=24)
    app.refresh_from_db()
    rows, letters = _history(app, [signing.secret, registration.webhook_secret])
    say(
        f"created   demo app {DEMO_APP_ID} of {DEMO_OWNER} (versions 1.0.0 deprecated, 1.1.0; "
        f"{rows} webhook attempts over {DEMO_DAYS} days, {letters} dead letter)"
    )


# --- the history ---------------------------------------------------------------------------------

EVENTS = {
    "winner_selection": ["winners.select"],
    "notifications": ["room.opened", "room.completed", "entry.created"],
}
PATHS = {"winner_selection": "/hooks/winners", "notifications": "/hooks/notify"}
TIMEOUTS = {"winner_selection": 5000, "notifications": 30000}


def _history(app: App, signing_secrets: list[str]) -> tuple[int, int]:
    """About a week of attempts: mostly fast successes, a few 5xx and timeouts, a slow patch on
    the third day; one message that failed three times and is a dead letter now."""
    rng = random.Random(DEMO_SEED)  # noqa: S311 (demo data, meant to repeat)
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    number = 0
    for hours_ago in range(DEMO_DAYS * 24, 0, -1):
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            number += 1
            capability = rng.choice(["winner_selection", "notifications", "notifications"])
            when = now - timedelta(hours=hours_ago, minutes=rng.randint(0, 59))
            slow = DEMO_DAYS * 24 - 60 < hours_ago < DEMO_DAYS * 24 - 48
            roll = rng.random()
            if roll < 0.04:
                outcome = Outcome.TIMEOUT
            elif roll < 0.09 or (slow and roll < 0.3):
                outcome = Outcome.HTTP_ERROR
            else:
                outcome = Outcome.SUCCESS
            rows += _message(
                app,
                signing_secrets,
                rng,
                capability=capability,
                event=rng.choice(EVENTS[capability]),
                webhook_id=f"msg_demo{number:05d}",
                when=when,
                outcomes=[outcome] if outcome == Outcome.SUCCESS else [outcome, Outcome.SUCCESS],
                slow=slow,
            )
    dead_when = now - timedelta(hours=5)
    dead_payload = {"room_id": 42, "title": "Encore draw", "winners": 1}
    rows += _message(
        app,
        signing_secrets,
        rng,
        capability="notifications",
        event="room.completed",
        webhook_id="msg_demodead",
        when=dead_when,
        outcomes=[Outcome.TIMEOUT, Outcome.HTTP_ERROR, Outcome.HTTP_ERROR],
        payload=dead_payload,
    )
    WebhookDelivery.objects.bulk_create(rows, batch_size=200)
    DeadLetter.objects.create(
        app=app,
        capability="notifications",
        event="room.completed",
        webhook_id="msg_demodead",
        payload=dead_payload,
        last_error="HTTP 503",
        attempts=3,
        failed_at=dead_when + timedelta(seconds=4),
    )
    return len(rows), 1


def _message(
    app: App,
    signing_secrets: list[str],
    rng: random.Random,
    *,
    capability: str,
    event: str,
    webhook_id: str,
    when: Any,
    outcomes: list[str],
    payload: dict[str, Any] | None = None,
    slow: bool = False,
) -> list[WebhookDelivery]:
    """The attempts of one message, a second or two apart, as the webhook call records them."""
    payload = payload or {"room_id": rng.randint(1, 60)}
    body = json.dumps({"event": event, "payload": payload}, separators=(",", ":"))
    timeout_ms = TIMEOUTS[capability]
    attempts = []
    for attempt, outcome in enumerate(outcomes, start=1):
        at = when + timedelta(seconds=2 * (attempt - 1))
        headers = webhook_headers(
            signing_secrets=signing_secrets,
            webhook_id=webhook_id,
            timestamp=int(at.timestamp()),
            body=body.encode(),
            timeout_ms=timeout_ms,
            attempt=attempt,
        )
        fields: dict[str, Any]
        if outcome == Outcome.SUCCESS:
            fields = {
                "status_code": 200,
                "response_headers": {"content-type": "application/json"},
                "response_body": '{"ok":true}',
                "duration_ms": rng.randint(600, 2400) if slow else rng.randint(40, 260),
            }
        elif outcome == Outcome.TIMEOUT:
            fields = {
                "duration_ms": timeout_ms,
                "error": f"No answer within {timeout_ms} ms.",
            }
        else:
            fields = {
                "status_code": 503,
                "response_headers": {"content-type": "text/plain"},
                "response_body": "Service Unavailable",
                "duration_ms": rng.randint(30, 120),
                "error": "HTTP 503",
            }
        attempts.append(
            WebhookDelivery(
                app=app,
                capability=capability,
                event=event,
                webhook_id=webhook_id,
                attempt=attempt,
                url=DEMO_BASE_URL + PATHS[capability],
                request_headers=headers,
                request_body=body,
                outcome=outcome,
                created_at=at,
                **fields,
            )
        )
    return attempts
