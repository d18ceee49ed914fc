"""Campaigns: the edges the mutation run of 4 December (second part) found untested in
messaging/campaigns/{merge,segments,quiet,receivers,providers}.py and the last functions of
services.py (docs/mutation/messaging-campaigns.md). Each test names the mutants it fails with."""

import base64
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core.mail import EmailMessage, get_connection
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from messaging.campaigns import merge, providers, quiet, segments
from messaging.campaigns import services as campaigns
from messaging.models import ArtistOptOut, Campaign, ConsentEvent, ContactMember, Delivery
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    fanned_out,
    make_campaign,
    resend_event,
    send_now,
)

NOON_IN_AUSTIN = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
MESSAGES = f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json"  # the twilio fixture's account

# --- the email tracking webhook -------------------------------------------------------------------

CREATED_AT = datetime(2026, 12, 3, 10, tzinfo=UTC)  # resend_event's created_at


def _post_hook(client, settings, event):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:s3cret"}
    auth = "Basic " + base64.b64encode(b"hook:s3cret").decode()
    return client.post(
        "/anymail/resend/tracking/",
        json.dumps(event),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )


def test_a_spam_complaint_through_the_webhook_is_recorded_as_a_complaint(
    client, profile, fan_list, settings
):
    """services.email_event 61, 62 (a complaint's cause "XXcomplaintXX" / "COMPLAINT"): the
    consent record says why the fan left; the delivery stays sent, with when they complained."""
    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    Delivery.objects.filter(address="maya@fans.example").update(provider_message_id="re_abc")
    response = _post_hook(client, settings, resend_event("email.complained", "re_abc"))
    assert response.status_code == 200
    delivery = Delivery.objects.get(address="maya@fans.example")
    assert delivery.status == "sent"
    assert delivery.complained_at is not None
    assert list(ArtistOptOut.objects.values_list("email", "reason")) == [
        ("maya@fans.example", "spam complaint")
    ]
    assert list(
        ConsentEvent.objects.filter(kind="unsubscribed").values_list("artist", "email", "detail")
    ) == [(profile.pk, "maya@fans.example", {"cause": "complaint"})]
    maya = ContactMember.objects.get(email="maya@fans.example")
    assert (maya.opted_in, maya.opted_out_at is not None) == (False, True)


def test_a_transient_bounce_through_the_webhook_changes_nothing(
    client, profile, fan_list, settings
):
    """receivers.email_tracking 2, 5, 10, 15-20, 25, 26, 43: Resend's bounce type read from
    data.bounce.type ("Transient", any case): a soft bounce neither bounces the delivery nor
    opts the fan out."""
    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    Delivery.objects.filter(address="maya@fans.example").update(provider_message_id="re_abc")
    event = resend_event("email.bounced", "re_abc", bounce={"message": "x", "type": "Transient"})
    assert _post_hook(client, settings, event).status_code == 200
    delivery = Delivery.objects.get(address="maya@fans.example")
    assert (delivery.status, delivery.bounced_at) == ("sent", None)
    assert not ArtistOptOut.objects.exists()
    assert not ConsentEvent.objects.filter(kind="unsubscribed").exists()


def test_a_bounce_without_a_type_through_the_webhook_is_hard(client, profile, fan_list, settings):
    """receivers.email_tracking 16-20 with a typed bounce answered above; here Resend sends no
    type: the bounce counts as hard (the address is opted out, the cause "bounce")."""
    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    Delivery.objects.filter(address="maya@fans.example").update(provider_message_id="re_abc")
    event = resend_event("email.bounced", "re_abc", bounce={"message": "hard bounce message"})
    assert _post_hook(client, settings, event).status_code == 200
    delivery = Delivery.objects.get(address="maya@fans.example")
    assert (delivery.status, delivery.bounced_at) == ("bounced", CREATED_AT)
    causes = ConsentEvent.objects.filter(kind="unsubscribed").values_list("detail", flat=True)
    assert list(causes) == [{"cause": "bounce"}]


def test_an_event_for_an_unknown_email_id_finds_its_delivery_by_the_key_in_its_metadata(
    client, profile, fan_list, settings
):
    """receivers.email_tracking 30-33, 36, 41 (the metadata's delivery key not passed on), 37,
    42 (the event's time replaced by now): an email whose send answer was lost has no provider
    id; Resend's event carries the X-Metadata header we sent, and its created_at is when it was
    delivered."""
    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    leo = Delivery.objects.get(address="leo@fans.example")
    Delivery.objects.update(provider_message_id="")
    headers = [
        {"name": "X-Tags", "value": "[]"},
        {"name": "X-Metadata", "value": json.dumps({"delivery": leo.idempotency_key})},
    ]
    event = resend_event("email.delivered", "re_unknown", headers=headers)
    assert _post_hook(client, settings, event).status_code == 200
    assert dict(Delivery.objects.values_list("address", "delivered_at")) == {
        "maya@fans.example": None,
        "leo@fans.example": CREATED_AT,
        "priya@fans.example": None,
    }


def test_a_tracking_event_of_another_provider_is_read_without_resends_fields(profile, fan_list):
    """receivers.email_tracking 3, 6, 29 (``or True``: a raw event that is not a dict, a dict
    without "data", no metadata read as dicts): anymail sends one ``tracking`` signal for every
    provider, and only Resend's raw event has Resend's shape."""
    from anymail.signals import AnymailTrackingEvent, tracking

    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    Delivery.objects.filter(address="maya@fans.example").update(provider_message_id="sg_1")
    Delivery.objects.filter(address="leo@fans.example").update(provider_message_id="sg_2")
    at = datetime(2026, 12, 3, 11, tzinfo=UTC)
    for message_id, raw in (("sg_1", [{"event": "bounce"}]), ("sg_2", {"event": "bounce"})):
        event = AnymailTrackingEvent(
            event_type="bounced", message_id=message_id, esp_event=raw, metadata=None, timestamp=at
        )
        tracking.send(sender=object, event=event, esp_name="SendGrid")
    assert dict(Delivery.objects.values_list("address", "status")) == {
        "maya@fans.example": "bounced",
        "leo@fans.example": "bounced",
        "priya@fans.example": "sent",
    }


# --- the providers at their HTTP boundary ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "answer", "permanent"),
    [
        (400, {"name": "validation_error", "message": "Invalid `to` field."}, True),
        (422, {"name": "invalid_parameter", "message": "x"}, True),
        (499, {"message": "x"}, True),
        (408, {"message": "timeout"}, False),
        (409, {"name": "concurrent_idempotent_requests", "message": "x"}, False),
        (409, ["not", "an", "error", "object"], False),
        (429, {"name": "rate_limit_exceeded", "message": "x"}, False),
        (500, {"name": "internal_server_error", "message": "x"}, False),
        (503, {"message": "busy"}, False),
    ],
)
def test_which_resend_errors_are_tried_again(httpserver, settings, status, answer, permanent):
    """providers._permanent_status 6, 7 (a 500 taken as final), 9-11 (408, 409, 429 taken as
    final); providers._resend_error_name 15 (a 409 whose body is not an object read as one):
    a 4xx is final except a timeout, a conflict and a rate limit; a 5xx is tried again."""
    settings.CAMPAIGNS_EMAIL_BACKEND = "messaging.campaigns.providers.ResendEmailBackend"
    settings.ANYMAIL = {"RESEND_API_KEY": "re_k", "RESEND_API_URL": httpserver.url_for("/")}
    httpserver.expect_oneshot_request(
        "/emails", method="POST", headers={"Idempotency-Key": "k-1"}
    ).respond_with_json(answer, status=status)
    message = EmailMessage("Hi", "Hello", "a@umbrella.test", ["maya@fans.example"])
    message.esp_extra = {"idempotency_key": "k-1"}
    with pytest.raises(providers.ProviderError) as refused:
        providers.send_email(message, connection=providers.email_connection())
    assert refused.value.permanent is permanent
    assert f"API response {status}" in str(refused.value)
    httpserver.check_assertions()


def _sms_campaign(profile, fan_list, body="Hi {first_name}"):
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    return make_campaign(profile, fan_list, channel="sms", body=body)


def test_through_a_messaging_service_twilio_gets_its_sid_instead_of_a_from_number(
    profile, fan_list, twilio, settings
):
    """TwilioSmsBackend._sender 1, 2: the Messaging Service's parameter name."""
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    twilio.expect_request(MESSAGES, method="POST").respond_with_json(
        {"sid": "SM" + "b" * 32, "status": "accepted"}, status=201
    )
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        send_now(profile, _sms_campaign(profile, fan_list))
    ((request, _),) = twilio.log
    assert parse_qs(request.get_data(as_text=True)) == {
        "To": ["+15125550101"],
        "MessagingServiceSid": ["MG" + "2" * 32],
        "Body": ["Hi Maya\nReply STOP to opt out."],
    }
    assert Delivery.objects.get().provider_message_id == "SM" + "b" * 32


def test_twilio_out_of_reach_is_tried_again_later(profile, fan_list, twilio, settings):
    """TwilioSmsBackend.send 13, 15 (the "unreachable" error without its words, or a crash):
    a connection refused is not the number's fault."""
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens (discard port)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = send_now(profile, _sms_campaign(profile, fan_list))
    delivery = Delivery.objects.get()
    assert (campaign.status, delivery.status, delivery.attempts) == ("sending", "queued", 1)
    assert delivery.error.startswith("Twilio unreachable: ")
    assert delivery.next_attempt_at == NOON_IN_AUSTIN + timedelta(
        seconds=settings.CAMPAIGNS_RETRY_BASE_SECONDS
    )


def _scheduled_sms_campaign(profile, fan_list):
    """An SMS campaign scheduled at noon in Austin, its send task not run."""
    with (
        time_machine.travel(NOON_IN_AUSTIN, tick=False),
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaign = _sms_campaign(profile, fan_list)
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    return campaign


def _a_dead_workers_claim(profile, fan_list, settings):
    """An SMS campaign whose one delivery a dead worker claimed (lease over) at noon in Austin;
    returns (campaign, the time of the claim)."""
    campaign = _scheduled_sms_campaign(profile, fan_list)
    stale = NOON_IN_AUSTIN - timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 60)
    Delivery.objects.update(status="sending", claimed_at=stale, attempts=1)
    return campaign, stale


def test_twilios_log_is_asked_exactly_and_only_our_own_outgoing_text_counts(
    profile, fan_list, twilio, settings
):
    """TwilioSmsBackend.find_sent 8 (page size), 9 (our number not in the query), 12, 15, 16
    (another text, or the fan's own reply with our text, taken as our send): neither message
    in the log is ours, so the SMS is sent."""
    campaign, stale = _a_dead_workers_claim(profile, fan_list, settings)
    body = "Hi Maya\nReply STOP to opt out."
    log = [
        {"sid": "SMreply", "to": "+15125550000", "body": body, "direction": "inbound"},
        {"sid": "SMother", "to": "+15125550101", "body": "Other", "direction": "outbound-api"},
    ]
    twilio.expect_request(MESSAGES, method="GET").respond_with_json(
        {"messages": log, "next_page_uri": None}
    )
    twilio.expect_request(MESSAGES, method="POST").respond_with_json(
        {"sid": "SMnew", "status": "queued"}, status=201
    )
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaigns.send_batch(campaign_id=campaign.pk)
    (get, _), (post, _) = twilio.log
    assert (get.method, post.method) == ("GET", "POST")
    assert get.args.to_dict() == {
        "To": "+15125550101",
        "From": "+15125550000",
        "DateSent>": stale.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "PageSize": "50",
    }
    assert parse_qs(post.get_data(as_text=True))["Body"] == [body]
    assert Delivery.objects.get().provider_message_id == "SMnew"


def test_twilios_log_out_of_reach_leaves_the_sms_to_try_again(profile, fan_list, twilio, settings):
    """TwilioSmsBackend.find_sent 18, 20, 21, 23: the log unreachable is a passing error, and
    nothing is sent blind."""
    campaign, _stale = _a_dead_workers_claim(profile, fan_list, settings)
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaigns.send_batch(campaign_id=campaign.pk)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("queued", 2)  # the take-over is an attempt
    assert delivery.error.startswith("Twilio unreachable: ")
    assert delivery.next_attempt_at == NOON_IN_AUSTIN + timedelta(
        seconds=2 * settings.CAMPAIGNS_RETRY_BASE_SECONDS
    )


def test_an_email_without_an_idempotency_key_goes_to_resend_without_the_header(
    httpserver, settings
):
    """_IdempotentResendPayload.set_esp_extra 6 (a missing key read with ``pop(key)``): the
    key is optional; any other extra still goes into Resend's JSON body."""
    settings.ANYMAIL = {"RESEND_API_KEY": "re_k", "RESEND_API_URL": httpserver.url_for("/")}
    httpserver.expect_oneshot_request("/emails", method="POST").respond_with_json({"id": "re_9"})
    message = EmailMessage("Hi", "Hello", "a@umbrella.test", ["maya@fans.example"])
    message.esp_extra = {"scheduled_at": "in 1 min"}
    connection = get_connection("messaging.campaigns.providers.ResendEmailBackend")
    assert providers.send_email(message, connection=connection) == "re_9"
    ((request, _),) = httpserver.log
    assert "Idempotency-Key" not in request.headers
    assert request.get_json()["scheduled_at"] == "in 1 min"


def test_an_address_the_provider_refuses_fails_for_good():
    """send_email 2-6: anymail's "every recipient refused" (an ESP that reports it; anymail's
    test ESP stands in) is final, and says so."""
    from anymail.message import AnymailRecipientStatus

    message = EmailMessage("Hi", "Hello", "a@umbrella.test", ["maya@fans.example"])
    message.anymail_test_response = {
        "recipient_status": {
            "maya@fans.example": AnymailRecipientStatus(message_id=None, status="rejected")
        }
    }
    with pytest.raises(providers.ProviderError) as refused:
        providers.send_email(
            message, connection=get_connection("anymail.backends.test.EmailBackend")
        )
    assert refused.value.permanent is True
    assert str(refused.value).startswith("The address was refused: ")


def test_an_smtp_server_out_of_reach_is_tried_again():
    """send_email 30-34: a connection error (Django's SMTP backend) is passing, and says so."""
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=9, timeout=5
    )
    message = EmailMessage("Hi", "Hello", "a@umbrella.test", ["maya@fans.example"])
    with pytest.raises(providers.ProviderError) as failed:
        providers.send_email(message, connection=connection)
    assert failed.value.permanent is False
    assert str(failed.value).startswith("Email provider unreachable: ")


def test_a_twilio_that_does_not_answer_in_time_is_tried_again(profile, fan_list, twilio, settings):
    """TwilioSmsBackend.__init__ 4, 7, 8 (no timeout): a hung request ends after
    CAMPAIGNS_PROVIDER_TIMEOUT_SECONDS and the SMS is tried again later."""
    settings.CAMPAIGNS_PROVIDER_TIMEOUT_SECONDS = 0.2
    answer = threading.Event()

    def hung(request):
        answer.wait(10)  # until the test is done with it
        return Response(json.dumps({"sid": "SMlate"}), status=201, content_type="application/json")

    twilio.expect_request(MESSAGES, method="POST").respond_with_handler(hung)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        send_now(profile, _sms_campaign(profile, fan_list))
    answer.set()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.provider_message_id) == ("queued", "")
    assert delivery.error.startswith("Twilio unreachable: ")
    for _ in range(100):  # the server logs the request once it has answered
        if twilio.log:
            break
        time.sleep(0.02)


# --- SMS segments and quiet hours -----------------------------------------------------------------


def test_an_empty_text_takes_no_segment_and_a_long_one_says_its_limit():
    """segments.count 25, 27, 32 (an empty text's units and limit), 52 (a long text's limit)."""
    assert segments.count("") == segments.Segments("GSM-7", 0, 0, 160)
    assert segments.count("a" * 161) == segments.Segments("GSM-7", 161, 2, 153)
    assert segments.count("ê" * 71) == segments.Segments("UCS-2", 71, 2, 67)


def test_an_sms_campaigns_page_shows_its_segments_in_whole_units(client, profile, fan_list):
    """segments.count 15 (UTF-16 units halved as floats: "71.0 of 67"), 52: what the artist
    reads before sending."""
    campaign = make_campaign(profile, fan_list, channel="sms", body="ê" * 66 + " STOP")
    client.force_login(profile.user)
    page = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert "2 SMS segments each (UCS-2, 71 of 67 per segment" in page


def test_when_a_numbers_zones_share_no_daytime_its_first_zone_decides(settings):
    """quiet.next_allowed 3 (the first two zones deciding): Tokyo, London and Los Angeles are
    never all awake, so the first listed, Tokyo, decides."""
    settings.CAMPAIGNS_SMS_FALLBACK_TIME_ZONES = [
        "Asia/Tokyo",
        "Europe/London",
        "America/Los_Angeles",
    ]
    at = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 14:00 in London
    assert quiet.zones_of("no zone known") == tuple(settings.CAMPAIGNS_SMS_FALLBACK_TIME_ZONES)
    assert quiet.next_allowed("no zone known", at) == datetime(2026, 12, 3, 23, tzinfo=UTC)


AUSTIN = "+15125550101"  # America/Chicago, UTC-6 in December


def test_a_numbers_time_zones_come_from_the_number_and_unknown_ones_from_the_setting(settings):
    """quiet.zones_of 1-11 (survivors only because the cache kept the real answers: the
    conftest now clears it before each test)."""
    settings.CAMPAIGNS_SMS_FALLBACK_TIME_ZONES = ["Europe/Paris"]
    assert quiet.zones_of(AUSTIN) == ("America/Chicago",)
    assert quiet.zones_of("+19075550100") == ("America/Adak", "America/Anchorage")
    assert quiet.zones_of("+7900") == ("Europe/Paris",)  # a number phonenumbers has no zone for
    assert quiet.zones_of("not a number") == ("Europe/Paris",)


@pytest.mark.parametrize(
    ("utc", "is_quiet"),
    [
        (datetime(2026, 12, 3, 3, 30, tzinfo=UTC), True),  # 21:30 in Austin
        (datetime(2026, 12, 3, 14, 30, tzinfo=UTC), False),  # 08:30
    ],
)
def test_quiet_hours_count_the_minutes_past_the_hour(utc, is_quiet):
    """quiet._quiet_in 6 (minutes subtracted from the hour)."""
    assert quiet.is_quiet(AUSTIN, utc) is is_quiet


def test_quiet_hours_from_a_time_to_itself_block_nothing(settings):
    """quiet._quiet_in 9: start == end is no quiet hours at all (not all day)."""
    settings.CAMPAIGNS_SMS_QUIET_START = settings.CAMPAIGNS_SMS_QUIET_END = 0
    assert not quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 6, 0, tzinfo=UTC))  # midnight
    assert not quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 18, 0, tzinfo=UTC))


def test_quiet_hours_within_a_day_start_on_the_hour(settings):
    """quiet._quiet_in 17 (the start in hours divided, not multiplied, by 60)."""
    settings.CAMPAIGNS_SMS_QUIET_START, settings.CAMPAIGNS_SMS_QUIET_END = 1, 6
    assert not quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 6, 30, tzinfo=UTC))  # 00:30
    assert quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 7, 0, tzinfo=UTC))  # 01:00


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 3, 4, 30, 45, 123456, tzinfo=UTC),  # 22:30:45.123456 in Austin
        datetime(2026, 12, 3, 13, 50, tzinfo=UTC),  # 07:50
    ],
)
def test_the_next_allowed_time_is_eight_sharp(moment):
    """quiet.next_allowed 14, 15 (seconds or microseconds kept), 19, 21 (the next quarter hour
    missed: 07:50 stepped to 08:10)."""
    assert quiet.next_allowed(AUSTIN, moment) == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def test_quiet_all_day_puts_an_sms_off_by_twelve_hours(settings):
    """quiet.next_allowed 36-38: the last resort when no time in 48 hours is allowed (quiet
    hours configured as the whole day)."""
    settings.CAMPAIGNS_SMS_QUIET_START, settings.CAMPAIGNS_SMS_QUIET_END = 0, 24
    at = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert quiet.next_allowed(AUSTIN, at) == at + timedelta(hours=12)


# --- merge fields, the console and test backends -----------------------------------------------


def test_unknown_fields_after_a_literal_brace_are_still_found():
    """merge.unknown_fields 15 (the scan stopped at the first ``{{``)."""
    assert merge.unknown_fields("{{ {frist_name} }}", channel="email") == ["frist_name"]


def test_render_leaves_a_field_it_has_no_value_for_as_written():
    """merge.render 14, 16 (an unknown field replaced by ``None``: a crash)."""
    assert merge.render("Hi {first_name} from {nowhere}", {"first_name": "Maya"}) == (
        "Hi Maya from {nowhere}"
    )


def test_the_console_backend_prints_each_sms(capsys):
    """ConsoleSmsBackend.send 1-4 (no test ran it): development's SMS on standard output."""
    sid = providers.ConsoleSmsBackend().send(to="+15125550101", body="Hi Maya", key="k-1")
    assert sid == "console-k-1"
    assert capsys.readouterr().out == "SMS to +15125550101 [k-1]\nHi Maya\n" + "-" * 40 + "\n"


def test_an_email_sent_without_a_provider_id_records_none():
    """send_email 56 (a missing id from an ESP written as "XXXX"), 57 (the same from a
    backend that is not anymail's)."""
    from anymail.message import AnymailRecipientStatus

    message = EmailMessage("Hi", "Hello", "a@umbrella.test", ["maya@fans.example"])
    message.anymail_test_response = {
        "recipient_status": {
            "maya@fans.example": AnymailRecipientStatus(message_id=None, status="queued")
        }
    }
    anymail = get_connection("anymail.backends.test.EmailBackend")
    assert providers.send_email(message, connection=anymail) == ""
    plain = EmailMessage("Hi", "Hello", "a@umbrella.test", ["maya@fans.example"])
    locmem = get_connection("django.core.mail.backends.locmem.EmailBackend")
    assert providers.send_email(plain, connection=locmem) == ""


# --- services: the beat's view of sending campaigns -----------------------------------------------


def test_a_sending_campaign_with_nothing_left_is_due_whatever_other_campaigns_wait_for(
    profile, fan_list
):
    """services.sending_with_due_work 21 (pending deliveries of any campaign counted), 22 (sent
    deliveries counted as pending): a campaign whose finish was lost is picked up by the beat
    to be finished, even while another campaign waits for quiet hours to end."""
    add_fans(profile, fan_list)
    done, waiting = (
        send_now(profile, make_campaign(profile, fan_list, name=name)) for name in ("A", "B")
    )
    Campaign.objects.filter(pk__in=[done.pk, waiting.pk]).update(status="sending")
    Delivery.objects.filter(campaign=waiting).update(
        status="queued", next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert campaigns.sending_with_due_work() == [done.pk]


# --- services: recording a batch's sends ---------------------------------------------------------


class _WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs (not an Exception: no handler catches it)."""


def _fanned_out_email(profile, fan_list):
    """An email campaign to the three email fans, fanned out, its send task not run."""
    add_fans(profile, fan_list)
    return fanned_out(profile, make_campaign(profile, fan_list))


@pytest.mark.parametrize(
    ("killed_at", "statuses"), [(2, ["sending", "sending", "sent"]), (None, ["sent"] * 3)]
)
def test_with_record_every_one_each_send_is_written_before_the_next(
    profile, fan_list, settings, killed_at, statuses
):
    """_Recorder.__init__ 7 (at least two sends a write), add 8 (a write after n + 1 sends):
    a worker killed at its second send loses nothing already sent; flush 7 (the rows not
    emptied after a write: the next send's result crashes the batch)."""
    settings.CAMPAIGNS_RECORD_EVERY = 1
    campaign = _fanned_out_email(profile, fan_list)
    real_send = campaigns.send_email
    calls = []

    def send(message, *, connection):
        calls.append(message.to)
        if len(calls) == killed_at:
            raise _WorkerKilled
        return real_send(message, connection=connection)

    with mock.patch.object(campaigns, "send_email", send):
        if killed_at:
            with pytest.raises(_WorkerKilled):
                campaigns.send_batch(campaign_id=campaign.pk)
        else:
            campaigns.send_batch(campaign_id=campaign.pk)
    assert sorted(Delivery.objects.values_list("status", flat=True)) == statuses


_busy_once: set[str] = set()


class _BusyOnceSms(providers.LocmemSmsBackend):
    """Busy the first time a delivery is tried; then accepted, with a 150-character id."""

    def send(self, *, to, body, key):
        if key not in _busy_once:
            _busy_once.add(key)
            raise providers.ProviderError("busy", permanent=False)
        super().send(to=to, body=body, key=key)
        return "SM" + "9" * 148


def test_a_retried_send_is_recorded_sent_then_with_no_error_and_a_cut_id(
    profile, fan_list, settings
):
    """send_batch 173, 179 (no sent_at), 175, 181, 183 (the first attempt's error kept, or
    another written), 182 (the provider's id cut at 101, past the column), 201 (the batch's
    answer without the time the waiting delivery is due)."""
    settings.SMS_BACKEND = f"{__name__}._BusyOnceSms"
    campaign = _scheduled_sms_campaign(profile, fan_list)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        first = campaigns.send_batch(campaign_id=campaign.pk)
    retry_at = NOON_IN_AUSTIN + timedelta(seconds=settings.CAMPAIGNS_RETRY_BASE_SECONDS)
    assert (first.retrying, first.more_due, first.next_at) == (1, False, retry_at)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.error, delivery.sent_at) == ("queued", "busy", None)
    later = NOON_IN_AUSTIN + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        assert campaigns.send_batch(campaign_id=campaign.pk).finished is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error, delivery.sent_at) == ("sent", "", later)
    assert delivery.provider_message_id == "SM" + "9" * 98


def test_a_batch_that_sends_a_campaigns_last_finishes_it_whatever_others_wait_for(
    profile, fan_list
):
    """send_batch 190 (pending deliveries of every campaign counted): another campaign's
    queued deliveries do not keep this one sending."""
    waiting = _fanned_out_email(profile, fan_list)
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))
    campaign = make_campaign(profile, fan_list, name="Last")
    with (
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    assert campaigns.send_batch(campaign_id=campaign.pk).finished is True
    assert dict(Campaign.objects.values_list("pk", "status")) == {
        waiting.pk: "sending",
        campaign.pk: "sent",
    }
