"""Campaigns at the providers' HTTP boundary (a local server stands in for Resend and Twilio:
the exact request each would get), and the delivery guarantees: two workers on one campaign,
a worker that dies mid-batch."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import timezone
from werkzeug import Request, Response

from messaging.campaigns import providers
from messaging.campaigns import services as campaigns
from messaging.models import Campaign, Delivery
from tests.concurrency import run_together
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    make_campaign,
    send_now,
)

NOON_IN_AUSTIN = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def test_the_exact_request_resend_gets(profile, fan_list, resend, settings):
    settings.DEFAULT_FROM_EMAIL = "Umbrella <hello@umbrella.test>"
    add_fans(profile, fan_list, [("maya@fans.example", None, "Maya Ortiz", "Austin", "TX")])
    send_now(profile, make_campaign(profile, fan_list))
    delivery = Delivery.objects.get()
    assert len(resend.requests) == 1
    request = resend.requests[0]
    assert request["headers"]["Authorization"] == "Bearer re_test_key"
    assert request["headers"]["Idempotency-Key"] == delivery.idempotency_key
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["json"]
    unsubscribe = body["headers"]["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/fans/unsubscribe/" in unsubscribe
    assert body == {
        "from": "Umbrella <hello@umbrella.test>",
        "to": ["maya@fans.example"],
        "subject": "News from Nova Reyes",
        "text": body["text"],
        "headers": {
            "List-Unsubscribe": unsubscribe,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Metadata": json.dumps({"delivery": delivery.idempotency_key}),
        },
    }
    assert body["text"].startswith("Hi Maya, new single out Friday!\n\n--\n")

    # The link in the text is the header's (same signed data; the signature has a timestamp).
    def signed_data(text: str) -> str:
        return text.split("/fans/unsubscribe/")[1].split(":")[0]

    assert signed_data(body["text"]) == signed_data(unsubscribe)
    assert "/fans/unsubscribe/" in body["text"]
    assert (delivery.status, delivery.provider_message_id) == ("sent", "re_1")


def test_a_resend_error_is_retried_then_a_refusal_fails(profile, fan_list, httpserver, settings):
    settings.CAMPAIGNS_EMAIL_BACKEND = "messaging.campaigns.providers.ResendEmailBackend"
    settings.ANYMAIL = {"RESEND_API_KEY": "k", "RESEND_API_URL": httpserver.url_for("/")}
    add_fans(profile, fan_list, [("maya@fans.example", None, "Maya", "", "")])
    httpserver.expect_ordered_request("/emails", method="POST").respond_with_json(
        {"message": "busy"}, status=503
    )
    httpserver.expect_ordered_request("/emails", method="POST").respond_with_json(
        {"name": "validation_error", "message": "Invalid `to` field."}, status=422
    )
    send_now(profile, make_campaign(profile, fan_list))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        campaigns.send_batch(campaign_id=delivery.campaign_id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert "Invalid `to` field" in delivery.error


def _twilio_form(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.get_data(as_text=True))


def test_the_exact_request_twilio_gets(profile, fan_list, twilio):
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya Ortiz", "Austin", "TX")])
    seen: list[Request] = []

    def answer(request: Request) -> Response:
        seen.append(request)
        return Response(
            json.dumps({"sid": "SM" + "a" * 32, "status": "queued", "body": "x"}),
            status=201,
            content_type="application/json",
        )

    sid = "AC" + "1" * 32
    twilio.expect_request(
        f"/2010-04-01/Accounts/{sid}/Messages.json", method="POST"
    ).respond_with_handler(answer)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        send_now(
            profile, make_campaign(profile, fan_list, channel="sms", body="Hi {first_name}! 🎸")
        )
    assert len(seen) == 1
    request = seen[0]
    auth = base64.b64encode(f"{sid}:twilio-token".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {auth}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert _twilio_form(request) == {
        "To": ["+15125550101"],
        "From": ["+15125550000"],
        "Body": ["Hi Maya! 🎸\nReply STOP to opt out."],
    }
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.provider_message_id) == ("sent", "SM" + "a" * 32)


def test_twilio_refusing_a_number_fails_the_delivery_at_once(profile, fan_list, twilio):
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    twilio.expect_request(
        f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json", method="POST"
    ).respond_with_json(
        {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
        status=400,
    )
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = send_now(profile, make_campaign(profile, fan_list, channel="sms", body="Hi"))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "21211" in delivery.error
    assert campaign.status == "failed"


def test_a_dead_workers_sms_is_found_in_twilios_log_and_not_sent_again(
    profile, fan_list, twilio, settings
):
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    sid = "AC" + "1" * 32
    body = "Hi Maya\nReply STOP to opt out."
    twilio.expect_request(
        f"/2010-04-01/Accounts/{sid}/Messages.json", method="GET"
    ).respond_with_json(
        {
            "messages": [
                {"sid": "SMold", "to": "+15125550101", "body": body, "direction": "outbound-api"}
            ],
            "next_page_uri": None,
        }
    )
    with (
        time_machine.travel(NOON_IN_AUSTIN, tick=False),
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Hi {first_name}")
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    stale = NOON_IN_AUSTIN - timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 60)
    Delivery.objects.update(status="sending", claimed_at=stale, attempts=1)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaigns.send_batch(campaign_id=campaign.pk)
    posts = [r for r, _ in twilio.log if r.method == "POST"]
    gets = [r for r, _ in twilio.log if r.method == "GET"]
    assert posts == [] and len(gets) == 1
    assert gets[0].args["To"] == "+15125550101"
    # Only messages since the dead worker's claim.
    assert gets[0].args["DateSent>"] == stale.strftime("%Y-%m-%dT%H:%M:%SZ")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.provider_message_id) == ("sent", "SMold")


# --- the guarantees ------------------------------------------------------------------------------

FIFTY = [(f"fan{i}@fans.example", None, f"Fan {i}", "Austin", "TX") for i in range(50)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_campaign_send_each_recipient_once(profile, resend, settings):
    from messaging.fans import services as fans

    settings.CAMPAIGNS_BATCH_SIZE = 7
    contact_list = fans.contact_list_create(user=profile.user, name="Everyone")
    add_fans(profile, contact_list, FIFTY)
    campaign = make_campaign(profile, contact_list)
    with mock.patch.object(campaigns, "_enqueue_send"):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"

    def worker() -> int:
        sent = 0
        while True:
            result = campaigns.send_batch(campaign_id=campaign.pk)
            sent += result.sent
            if not result.claimed:
                return sent

    counts = run_together(worker, 2)
    assert sum(counts) == 50 and all(isinstance(n, int) for n in counts)
    keys = [r["headers"]["Idempotency-Key"] for r in resend.requests]
    assert len(keys) == 50 and len(set(keys)) == 50  # one request per recipient
    assert sorted(r["json"]["to"][0] for r in resend.requests) == sorted(f[0] for f in FIFTY)
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 50
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs (not an Exception: no handler catches it)."""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("record_every", "stuck", "repeated"),
    [
        (1, 16, 1),  # each result written at once: only the send in flight is repeated
        (25, 20, 5),  # results written by 25: the five unrecorded sends are repeated
    ],
)
def test_a_worker_killed_mid_batch_then_run_again_misses_and_doubles_nobody(
    profile, resend, settings, record_every, stuck, repeated
):
    from messaging.fans import services as fans

    settings.CAMPAIGNS_BATCH_SIZE = 20
    settings.CAMPAIGNS_RECORD_EVERY = record_every
    contact_list = fans.contact_list_create(user=profile.user, name="Everyone")
    add_fans(profile, contact_list, FIFTY)
    campaign = make_campaign(profile, contact_list)
    with mock.patch.object(campaigns, "_enqueue_send"):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    real_send = providers.send_email
    calls = {"n": 0}

    def dies_after_the_fifth_request(message, *, connection):
        calls["n"] += 1
        answer = real_send(message, connection=connection)  # Resend got it...
        if calls["n"] == 5:
            raise WorkerKilled  # ...and the worker died before recording it
        return answer

    with (
        mock.patch.object(campaigns, "send_email", dies_after_the_fifth_request),
        pytest.raises(WorkerKilled),
    ):
        campaigns.send_batch(campaign_id=campaign.pk)
    assert Delivery.objects.filter(status="sending").count() == stuck  # claimed, not recorded
    # The task runs again at once: the claims are a live worker's as far as it knows.
    campaigns.send_batch(campaign_id=campaign.pk)
    assert Delivery.objects.filter(status="sending").count() == stuck
    # After the lease the dead worker's claims are taken over.
    later = timezone.now() + timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 1)
    with time_machine.travel(later):
        while campaigns.send_batch(campaign_id=campaign.pk).claimed:
            time.sleep(0)
    accepted = resend.sent
    assert len(accepted) == 50  # every recipient once
    # The repeated keys came twice, byte for byte the first request (the unsubscribe link has
    # no time in it): Resend answered them with the first answer and sent nothing again.
    assert len(resend.requests) == 50 + repeated
    assert resend.mismatches == 0
    per_address: dict[str, set[str]] = {}
    for request in resend.requests:
        per_address.setdefault(request["json"]["to"][0], set()).add(
            request["headers"]["Idempotency-Key"]
        )
    assert all(len(keys) == 1 for keys in per_address.values()) and len(per_address) == 50
    assert Delivery.objects.filter(status="sent").count() == 50
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"
    assert not mail.outbox


def test_a_repeat_that_resend_refuses_as_a_different_payload_counts_as_sent(
    profile, fan_list, resend, settings
):
    add_fans(profile, fan_list, [("maya@fans.example", None, "Maya", "", "")])
    campaign = make_campaign(profile, fan_list)
    with (
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    delivery = Delivery.objects.get()
    resend.bodies[delivery.idempotency_key] = b"{}"  # an earlier attempt, another text
    resend.sent[delivery.idempotency_key] = "re_earlier"
    campaigns.send_batch(campaign_id=campaign.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_message_id) == ("sent", "")
    assert resend.mismatches == 1
    # A bounce still finds it, by the key in the metadata.
    campaigns.email_event(
        event_type="bounced", message_id="re_earlier", delivery_key=delivery.idempotency_key
    )
    delivery.refresh_from_db()
    assert delivery.status == "bounced"
