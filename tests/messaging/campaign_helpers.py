"""Shared set-up of the campaign tests: an artist's list with fans, a campaign, sending."""

import json
import threading
from typing import Any
from unittest import mock

import pytest
from django.test import TestCase
from werkzeug import Request, Response

from messaging.campaigns import providers
from messaging.campaigns import services as campaigns
from messaging.fans import services as fans
from messaging.models import Campaign

FANS = [
    ("maya@fans.example", "+15125550101", "Maya Ortiz", "Austin", "TX"),
    ("leo@fans.example", "+15125550102", "Leo Park", "Austin", "TX"),
    ("priya@fans.example", None, "Priya Nair", "Round Rock", "TX"),
    (None, "+15125550104", "Sam Doe", "Houston", "TX"),
]


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    settings.SMS_BACKEND = "messaging.campaigns.providers.LocmemSmsBackend"
    settings.CAMPAIGNS_EMAIL_BACKEND = ""
    providers.outbox.clear()
    yield
    providers.outbox.clear()


def add_fans(profile: Any, contact_list: Any, rows: list = FANS) -> list:
    return [
        fans.member_add(
            user=profile.user,
            list_id=contact_list.pk,
            email=email,
            phone=phone,
            name=name,
            city=city,
            region=region,
        )
        for email, phone, name, city, region in rows
    ]


def make_campaign(profile: Any, contact_list: Any = None, **data: Any) -> Campaign:
    fields = {
        "channel": "email",
        "contact_list_id": contact_list.pk if contact_list else None,
        "name": "November news",
        "subject": "News from {artist}",
        "body": "Hi {first_name}, new single out Friday!",
    }
    fields.update(data)
    return campaigns.campaign_create(user=profile.user, **fields)


def send_now(profile: Any, campaign: Campaign) -> Campaign:
    """Schedule for now; with eager Celery and the on-commit callbacks run, it is sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def fanned_out(profile: Any, campaign: Campaign) -> Campaign:
    """Schedule for now and fan out (one delivery per recipient), the send task not run."""
    with (
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    return campaign


def resend_event(kind: str, email_id: str, **data: Any) -> dict[str, Any]:
    """The JSON of one of Resend's webhook events (``email.bounced``, ``email.complained``...)."""
    return {
        "type": kind,
        "created_at": "2026-12-03T10:00:00.000Z",
        "data": {"email_id": email_id, "to": ["maya@fans.example"], **data},
    }


class FakeResend:
    """Resend's POST /emails, with its idempotency: a key seen before sends nothing again; with
    the same body it gets the first answer, with another body ``409 invalid_idempotent_request``
    (a repeat's text is the same as long as the campaign and the fan are: the unsubscribe link
    carries no time)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.sent: dict[str, str] = {}  # key -> email id
        self.bodies: dict[str, bytes] = {}
        self.mismatches = 0
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        raw = request.get_data()
        body = json.loads(raw)
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append({"headers": dict(request.headers), "json": body})
            if key in self.bodies and self.bodies[key] != raw:
                self.mismatches += 1
                error = {"statusCode": 409, "name": "invalid_idempotent_request", "message": "x"}
                return Response(json.dumps(error), status=409, content_type="application/json")
            if key not in self.sent:
                self.sent[key] = f"re_{len(self.sent) + 1}"
                self.bodies[key] = raw
            email_id = self.sent[key]
        return Response(json.dumps({"id": email_id}), status=200, content_type="application/json")
