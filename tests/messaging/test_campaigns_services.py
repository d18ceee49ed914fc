"""Campaigns: the services (drafts, schedule, fan-out, sending, consent at send time, quiet
hours, retries, email events, resend to failed, show announcements)."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from accounts.models import Notification
from messaging.campaigns import providers, segments
from messaging.campaigns import services as campaigns
from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import (
    ArtistOptOut,
    Campaign,
    CampaignStatusChange,
    ContactMember,
    Delivery,
)
from messaging.tasks import campaign_send_task
from tests.accounts.factories import UserFactory
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    fanned_out,
    make_campaign,
    send_now,
)
from umbrella.errors import ApplicationError


def _history(campaign):
    return list(
        CampaignStatusChange.objects.filter(campaign=campaign)
        .order_by("at", "id")
        .values_list("from_status", "to_status")
    )


# --- drafts --------------------------------------------------------------------------------------


def test_a_draft_is_made_with_its_audit_row(profile, fan_list):
    campaign = make_campaign(profile, fan_list, subject="  News  from {artist} ")
    assert (campaign.status, campaign.subject, campaign.channel) == (
        "draft",
        "News from {artist}",
        "email",
    )
    change = CampaignStatusChange.objects.get(campaign=campaign)
    assert (change.by, change.from_status, change.to_status) == (profile.user, "", "draft")


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"body": "Hi {frist_name}!"}, "body", "unknown_merge_field"),
        ({"subject": "For {fan}"}, "subject", "unknown_merge_field"),
        ({"channel": "sms", "body": "Stop: {unsubscribe_url}"}, "body", "unknown_merge_field"),
        ({"channel": "fax"}, "channel", "validation_error"),
        ({"subject": ""}, "subject", "validation_error"),
        ({"body": "   "}, "body", "validation_error"),
        ({"channel": "sms", "body": "x" * 1601}, "body", "validation_error"),
        ({"name": ""}, "name", "validation_error"),
        ({"contact_list_id": 999_999}, "contact_list_id", "validation_error"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    profile, fan_list, data, field, code
):
    with pytest.raises(ApplicationError) as error:
        make_campaign(profile, fan_list, **data)
    assert (error.value.code, error.value.field, error.value.status_code) == (code, field, 400)
    assert not Campaign.objects.exists()


def test_an_unknown_merge_field_is_named_in_the_message(profile, fan_list):
    with pytest.raises(ApplicationError) as error:
        make_campaign(profile, fan_list, body="Hi {frist_name} in {town}")
    assert "{frist_name}, {town}" in error.value.message
    assert "{first_name}" in error.value.message


def test_another_artists_list_is_not_a_choice(profile, fan_list):
    from tests.artists.factories import ArtistProfileFactory

    other = ArtistProfileFactory()
    with pytest.raises(ApplicationError) as error:
        make_campaign(other, fan_list)
    assert error.value.field == "contact_list_id"


def test_only_drafts_are_edited_and_deleted(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    campaigns.campaign_update(user=profile.user, campaign_id=campaign.pk, body="New {city}")
    campaign.refresh_from_db()
    assert campaign.body == "New {city}"
    campaigns.campaign_schedule(
        user=profile.user, campaign_id=campaign.pk, scheduled_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_update(user=profile.user, campaign_id=campaign.pk, body="x")
    assert error.value.status_code == 409
    with pytest.raises(ApplicationError):
        campaigns.campaign_delete(user=profile.user, campaign_id=campaign.pk)


# --- audience ------------------------------------------------------------------------------------


def test_the_recipient_count_is_the_reachable_members_only(profile, fan_list):
    members = add_fans(profile, fan_list)
    email = make_campaign(profile, fan_list)
    sms = make_campaign(profile, fan_list, channel="sms", body="New single Friday")
    assert campaigns.recipient_count(email) == 3
    assert campaigns.recipient_count(sms) == 3
    fans.unsubscribe(token=consent.unsubscribe_token(members[0]))
    assert campaigns.recipient_count(email) == 2
    assert campaigns.recipient_count(sms) == 2  # the unsubscribe leaves the list: no SMS either


def test_an_address_on_two_lists_is_one_recipient_of_all_lists(profile, fan_list):
    add_fans(profile, fan_list)
    other = fans.contact_list_create(user=profile.user, name="Tour")
    add_fans(profile, other, [("maya@fans.example", None, "Maya", "Austin", "TX")])
    campaign = make_campaign(profile, None)
    assert campaigns.recipient_count(campaign) == 3
    send_now(profile, campaign)
    assert Delivery.objects.filter(campaign=campaign).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "leo@fans.example",
        "maya@fans.example",
        "priya@fans.example",
    ]


def test_the_audience_can_be_one_city_or_region(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list, audience_city="austin")
    assert campaigns.recipient_count(campaign) == 2
    campaign = make_campaign(profile, fan_list, audience_city="Nowhere", audience_region="tx")
    assert campaigns.recipient_count(campaign) == 3


def test_the_sms_preview_counts_segments_with_the_stop_line(profile, fan_list):
    campaign = make_campaign(profile, fan_list, channel="sms", body="a" * 140)
    _, text = campaigns.render_for(campaign, None)
    assert text.endswith("Reply STOP to opt out.")
    assert segments.count(text).segments == 2  # 140 + newline + 22 > 160


# --- schedule and send ---------------------------------------------------------------------------


def test_sending_an_email_campaign(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = send_now(profile, make_campaign(profile, fan_list))
    assert campaign.status == "sent" and campaign.recipient_count == 3
    assert _history(campaign) == [
        ("", "draft"),
        ("draft", "scheduled"),
        ("scheduled", "sending"),
        ("sending", "sent"),
    ]
    assert len(mail.outbox) == 3
    message = next(m for m in mail.outbox if m.to == ["maya@fans.example"])
    assert message.subject == "News from Nova Reyes"
    assert message.body.startswith("Hi Maya, new single out Friday!")
    assert "/fans/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    delivery = Delivery.objects.get(campaign=campaign, address="maya@fans.example")
    assert message.esp_extra == {"idempotency_key": delivery.idempotency_key}
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_sending_an_sms_campaign_in_daytime(profile, fan_list):
    add_fans(profile, fan_list)
    with time_machine.travel(datetime(2026, 12, 3, 18, 0, tzinfo=UTC), tick=False):  # noon
        campaign = send_now(
            profile, make_campaign(profile, fan_list, channel="sms", body="Hi {name}")
        )
    assert campaign.status == "sent"
    assert sorted((m.to, m.body) for m in providers.outbox) == [
        ("+15125550101", "Hi Maya Ortiz\nReply STOP to opt out."),
        ("+15125550102", "Hi Leo Park\nReply STOP to opt out."),
        ("+15125550104", "Hi Sam Doe\nReply STOP to opt out."),
    ]
    keys = set(Delivery.objects.values_list("idempotency_key", flat=True))
    assert {m.key for m in providers.outbox} == keys


def test_a_schedule_in_the_past_or_to_nobody_is_refused(profile, fan_list):
    campaign = make_campaign(profile, fan_list)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    assert error.value.code == "no_recipients"
    add_fans(profile, fan_list)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_schedule(
            user=profile.user,
            campaign_id=campaign.pk,
            scheduled_at=timezone.now() - timedelta(hours=1),
        )
    assert error.value.field == "scheduled_at"
    campaign.refresh_from_db()
    assert campaign.status == "draft" and _history(campaign) == [("", "draft")]


def test_a_scheduled_campaign_starts_when_due_and_can_be_unscheduled(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    later = timezone.now() + timedelta(hours=2)
    campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk, scheduled_at=later)
    assert campaigns.start_due() == 0 and not mail.outbox
    campaigns.campaign_unschedule(user=profile.user, campaign_id=campaign.pk)
    campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk, scheduled_at=later)
    with (
        time_machine.travel(later + timedelta(minutes=1)),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        assert campaigns.start_due() == 1
        assert campaigns.start_due() == 0  # a second start does nothing
    campaign.refresh_from_db()
    assert campaign.status == "sent" and len(mail.outbox) == 3


def test_the_send_task_run_again_sends_nothing_twice(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = send_now(profile, make_campaign(profile, fan_list))
    campaign_send_task.apply(kwargs={"campaign_id": campaign.pk})
    campaign_send_task.apply(kwargs={"campaign_id": campaign.pk})
    assert len(mail.outbox) == 3
    assert Delivery.objects.filter(campaign=campaign).count() == 3


def test_a_dead_workers_claim_is_taken_over_with_the_same_key(profile, fan_list, settings):
    """A worker claimed a delivery and died: after the lease, the delivery is sent again with
    the same idempotency key (the provider drops the repeat if the first one got through)."""
    add_fans(profile, fan_list)
    campaign = fanned_out(profile, make_campaign(profile, fan_list))
    campaign.refresh_from_db()
    assert campaign.status == "sending" and not mail.outbox
    claimed = Delivery.objects.order_by("id").first()
    old = timezone.now() - timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 5)
    Delivery.objects.filter(pk=claimed.pk).update(status="sending", claimed_at=old, attempts=1)
    fresh = Delivery.objects.order_by("id")[1]
    Delivery.objects.filter(pk=fresh.pk).update(
        status="sending", claimed_at=timezone.now(), attempts=1
    )
    result = campaigns.send_batch(campaign_id=campaign.pk)
    # The stale claim is taken over; the fresh one (a live worker's) is left alone.
    assert result.claimed == 2
    sent = {m.to[0]: m.esp_extra["idempotency_key"] for m in mail.outbox}
    assert claimed.address in sent and fresh.address not in sent
    assert sent[claimed.address] == claimed.idempotency_key
    claimed.refresh_from_db()
    assert (claimed.status, claimed.attempts) == ("sent", 2)


def test_an_address_that_opts_out_after_the_fan_out_gets_nothing(profile, fan_list):
    members = add_fans(profile, fan_list)
    campaign = fanned_out(profile, make_campaign(profile, fan_list))
    assert Delivery.objects.filter(campaign=campaign).count() == 3
    fans.unsubscribe(token=consent.unsubscribe_token(members[0]))
    campaigns.send_batch(campaign_id=campaign.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["leo@fans.example", "priya@fans.example"]
    skipped = Delivery.objects.get(campaign=campaign, address="maya@fans.example")
    assert skipped.status == "skipped"
    campaign.refresh_from_db()
    assert campaign.status == "sent"


# --- quiet hours ---------------------------------------------------------------------------------


def test_sms_waits_for_the_morning_in_the_numbers_time_zone(profile, fan_list):
    add_fans(
        profile,
        fan_list,
        [
            (None, "+15125550101", "Maya", "Austin", "TX"),  # America/Chicago
            (None, "+442071838750", "Ann", "London", ""),  # Europe/London
        ],
    )
    campaign = make_campaign(profile, fan_list, channel="sms", body="Hi {first_name}")
    # 22:30 UTC: 16:30 in Austin, 22:30 in London.
    with time_machine.travel(datetime(2026, 12, 3, 22, 30, tzinfo=UTC), tick=False):
        send_now(profile, campaign)
    assert [m.to for m in providers.outbox] == ["+15125550101"]
    waiting = Delivery.objects.get(address="+442071838750")
    assert waiting.status == "queued"
    assert waiting.next_attempt_at == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    campaign.refresh_from_db()
    assert campaign.status == "sending"
    with time_machine.travel(datetime(2026, 12, 4, 7, 59, tzinfo=UTC), tick=False):
        assert campaigns.sending_with_due_work() == []
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=UTC), tick=False):
        assert campaigns.sending_with_due_work() == [campaign.pk]
        from messaging.tasks import campaign_dispatch_task

        campaign_dispatch_task.apply()
    assert sorted(m.to for m in providers.outbox) == ["+15125550101", "+442071838750"]
    campaign.refresh_from_db()
    assert campaign.status == "sent"


# --- provider errors -----------------------------------------------------------------------------


class FlakySms(providers.LocmemSmsBackend):
    failures: dict[str, list[bool]] = {}

    def send(self, *, to, body, key):
        plan = self.failures.get(to, [])
        if plan:
            permanent = plan.pop(0)
            raise providers.ProviderError("Twilio 503", permanent=permanent)
        return super().send(to=to, body=body, key=key)


def test_provider_errors_are_retried_with_backoff_then_failed(profile, fan_list, settings):
    settings.SMS_BACKEND = "tests.messaging.test_campaigns_services.FlakySms"
    settings.CAMPAIGNS_MAX_ATTEMPTS = 3
    settings.CAMPAIGNS_RETRY_BASE_SECONDS = 60
    add_fans(
        profile,
        fan_list,
        [(None, "+15125550101", "Maya", "", ""), (None, "+15125550102", "Leo", "", "")],
    )
    FlakySms.failures = {"+15125550101": [False, False, False], "+15125550102": [False]}
    noon = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        campaign = send_now(profile, make_campaign(profile, fan_list, channel="sms", body="Hi"))
    maya = Delivery.objects.get(address="+15125550101")
    assert (maya.status, maya.attempts, maya.next_attempt_at) == (
        "queued",
        1,
        noon + timedelta(seconds=60),
    )
    with time_machine.travel(noon + timedelta(seconds=61), tick=False):
        campaigns.send_batch(campaign_id=campaign.pk)
    maya.refresh_from_db()
    assert (maya.attempts, maya.next_attempt_at) == (2, noon + timedelta(seconds=181))
    assert [m.to for m in providers.outbox] == ["+15125550102"]  # Leo's second try worked
    with time_machine.travel(noon + timedelta(seconds=200), tick=False):
        campaigns.send_batch(campaign_id=campaign.pk)
    maya.refresh_from_db()
    assert (maya.status, maya.attempts, maya.error) == ("failed", 3, "Twilio 503")
    campaign.refresh_from_db()
    assert campaign.status == "sent"  # Leo got it


def test_a_permanent_error_fails_at_once_and_all_failed_fails_the_campaign(
    profile, fan_list, settings
):
    settings.SMS_BACKEND = "tests.messaging.test_campaigns_services.FlakySms"
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    FlakySms.failures = {"+15125550101": [True]}
    with time_machine.travel(datetime(2026, 12, 3, 18, 0, tzinfo=UTC), tick=False):
        campaign = send_now(profile, make_campaign(profile, fan_list, channel="sms", body="Hi"))
    assert campaign.status == "failed"
    assert Delivery.objects.get().status == "failed"
    # Staff send again to the failed ones, through the service, with a new key.
    staff = UserFactory(is_staff=True)
    old_key = Delivery.objects.get().idempotency_key
    with (
        time_machine.travel(datetime(2026, 12, 3, 18, 5, tzinfo=UTC), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        assert campaigns.campaign_resend_failed(by=staff, campaign_id=campaign.pk) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.idempotency_key != old_key
    campaign.refresh_from_db()
    assert _history(campaign)[-2:] == [("failed", "sending"), ("sending", "sent")]
    assert CampaignStatusChange.objects.filter(campaign=campaign, by=staff).exists()


def test_only_staff_resend(profile, fan_list):
    campaign = make_campaign(profile, fan_list)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_resend_failed(by=profile.user, campaign_id=campaign.pk)
    assert error.value.status_code == 403


# --- email events --------------------------------------------------------------------------------


def _sent_email(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = send_now(profile, make_campaign(profile, fan_list))
    delivery = Delivery.objects.get(campaign=campaign, address="maya@fans.example")
    Delivery.objects.filter(pk=delivery.pk).update(provider_message_id="re_123")
    return campaign, delivery


def test_a_hard_bounce_marks_the_delivery_and_opts_the_address_out(profile, fan_list):
    _campaign, delivery = _sent_email(profile, fan_list)
    campaigns.email_event(event_type="bounced", message_id="re_123")
    delivery.refresh_from_db()
    assert delivery.status == "bounced" and delivery.bounced_at
    assert ArtistOptOut.objects.filter(artist=profile, email="maya@fans.example").exists()
    member = ContactMember.objects.get(email="maya@fans.example")
    assert member.opted_out_at is not None
    assert campaigns.recipient_count(make_campaign(profile, fan_list)) == 2
    # Again: nothing changes.
    campaigns.email_event(event_type="bounced", message_id="re_123")
    assert ArtistOptOut.objects.filter(email="maya@fans.example").count() == 1


def test_a_soft_bounce_changes_nothing_and_a_complaint_opts_out(profile, fan_list):
    _campaign, delivery = _sent_email(profile, fan_list)
    campaigns.email_event(event_type="bounced", message_id="re_123", permanent=False)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and not ArtistOptOut.objects.exists()
    campaigns.email_event(event_type="delivered", message_id="re_123")
    campaigns.email_event(event_type="complained", message_id="re_123")
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.delivered_at and delivery.complained_at
    assert ArtistOptOut.objects.filter(artist=profile, email="maya@fans.example").exists()


def test_an_event_is_found_by_the_delivery_key_and_unknown_ones_are_ignored(profile, fan_list):
    _campaign, delivery = _sent_email(profile, fan_list)
    assert campaigns.email_event(event_type="bounced", message_id="nope") is None
    found = campaigns.email_event(
        event_type="delivered", message_id="nope", delivery_key=delivery.idempotency_key
    )
    assert found.pk == delivery.pk
    assert campaigns.email_event(event_type="opened", message_id="re_123") is None


# --- show announcements --------------------------------------------------------------------------


def test_an_accepted_booking_offers_a_draft_announcement(
    profile, fan_list, django_capture_on_commit_callbacks
):
    from tests.marketplace.bookings import book
    from tests.marketplace.factories import GigFactory

    add_fans(profile, fan_list)
    gig = GigFactory(title="Winter {set}")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(gig, profile)
    campaign = Campaign.objects.get(booking=booking)
    assert (campaign.status, campaign.kind, campaign.channel) == ("draft", "announcement", "email")
    assert (campaign.audience_city, campaign.audience_region) == ("Austin", "TX")
    assert campaign.contact_list is None
    subject, body = campaigns.render_for(
        campaign, ContactMember.objects.get(email="maya@fans.example")
    )
    assert subject.startswith(f"Nova Reyes live at {gig.venue_name} on ")
    assert f"I'm playing {gig.venue_name} in Austin, TX on " in body
    assert "at 8:00 PM (CST)" in body
    assert "Winter {set}" in body
    assert f"/gigs/{gig.pk}/" in body
    assert campaigns.recipient_count(campaign) == 3  # Austin + the TX region
    note = Notification.objects.get(user=profile.user, verb=campaigns.ANNOUNCEMENT_VERB)
    assert note.target_url == f"/studio/campaigns/{campaign.pk}/"
    assert "3 fans" in note.text
    # The hook again: still one draft.
    assert campaigns.announcement_for_booking(booking_id=booking.pk).pk == campaign.pk
    assert Campaign.objects.filter(booking=booking).count() == 1


def test_no_announcement_for_an_artist_without_lists(profile, django_capture_on_commit_callbacks):
    from tests.marketplace.bookings import book
    from tests.marketplace.factories import GigFactory

    with django_capture_on_commit_callbacks(execute=True):
        book(GigFactory(), profile)
    assert not Campaign.objects.exists()


def test_the_eager_send_task_loops_over_batches_instead_of_nesting(profile, fan_list, settings):
    """Without Redis (development) Celery runs tasks inline: a campaign of many batches must
    not nest one task call per batch (a deep recursion for a big list)."""
    settings.CAMPAIGNS_BATCH_SIZE = 1
    add_fans(profile, fan_list)
    calls = []
    real = campaign_send_task.apply_async

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    with mock.patch.object(campaign_send_task, "apply_async", counted):
        campaign = send_now(profile, make_campaign(profile, fan_list))
    assert campaign.status == "sent" and len(mail.outbox) == 3
    assert len(calls) == 1  # the fan-out's; the batches looped inside it


def test_a_batch_of_only_quiet_numbers_does_not_stop_the_daytime_ones_behind_it(
    profile, fan_list, settings
):
    settings.CAMPAIGNS_BATCH_SIZE = 2
    london = [(None, f"+4420718387{n:02d}", f"Ann {n}", "", "") for n in range(50, 54)]
    austin = [(None, "+15125550101", "Maya", "", ""), (None, "+15125550102", "Leo", "", "")]
    add_fans(profile, fan_list, london + austin)  # London first: the first batches are quiet
    with time_machine.travel(datetime(2026, 12, 3, 22, 30, tzinfo=UTC), tick=False):
        campaign = send_now(profile, make_campaign(profile, fan_list, channel="sms", body="Hi"))
    assert sorted(m.to for m in providers.outbox) == ["+15125550101", "+15125550102"]
    assert Delivery.objects.filter(campaign=campaign, status="queued").count() == 4


def test_a_campaign_whose_list_is_deleted_reaches_nobody_not_all_lists(profile, fan_list):
    add_fans(profile, fan_list)
    other = fans.contact_list_create(user=profile.user, name="Everyone else")
    add_fans(profile, other, [("zoe@fans.example", None, "Zoe", "", "")])
    campaign = make_campaign(profile, fan_list)
    assert campaign.all_lists is False
    fans.contact_list_delete(user=profile.user, list_id=fan_list.pk)
    campaign.refresh_from_db()
    assert (campaign.contact_list_id, campaign.all_lists) == (None, False)
    assert campaigns.recipient_count(campaign) == 0
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    assert error.value.field == "contact_list_id"
    with pytest.raises(ApplicationError):  # an edit must choose a list again
        campaigns.campaign_update(user=profile.user, campaign_id=campaign.pk, body="Hi")
    campaigns.campaign_update(user=profile.user, campaign_id=campaign.pk, contact_list_id=None)
    campaign.refresh_from_db()
    assert campaign.all_lists and campaigns.recipient_count(campaign) == 1


def test_a_scheduled_campaign_whose_list_is_deleted_fails_without_sending(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    later = timezone.now() + timedelta(hours=1)
    campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk, scheduled_at=later)
    fans.contact_list_delete(user=profile.user, list_id=fan_list.pk)
    with time_machine.travel(later + timedelta(minutes=1)):
        assert campaigns.start_due() == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.recipient_count) == ("failed", 0)
    assert not mail.outbox
    assert _history(campaign)[-1] == ("sending", "failed")
