"""Campaigns: the edges the mutation run of messaging/campaigns/services.py found untested
(docs/testing.md, "Messaging"). Each test fails with the mutants it names there."""

from datetime import UTC, datetime
from unittest import mock

import time_machine
from django.test import TestCase

from messaging.campaigns import providers
from messaging.campaigns import services as campaigns
from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import Delivery
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    make_campaign,
)

NOON_IN_AUSTIN = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def _fanned_out(profile, campaign) -> None:
    """Schedule for now and fan out, without the send task (the test sends the batch)."""
    with (
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)


def test_a_number_that_texts_stop_after_the_fan_out_gets_no_sms(profile, fan_list):
    add_fans(
        profile,
        fan_list,
        [
            (None, "+15125550101", "Maya", "", ""),
            (None, "+15125550102", "Leo", "", ""),
            (None, "+15125550103", "Ann", "", ""),
        ],
    )
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Hi {first_name}")
        _fanned_out(profile, campaign)
        for number in ("+15125550101", "+15125550103"):
            assert fans.sms_inbound(from_number=number, body="STOP") == "stop"
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert [(m.to, m.body) for m in providers.outbox] == [
        ("+15125550102", "Hi Leo\nReply STOP to opt out.")
    ]
    assert (result.claimed, result.sent, result.skipped) == (1, 1, 2)
    for stopped in Delivery.objects.exclude(address="+15125550102"):
        assert (stopped.status, stopped.attempts, stopped.error) == (
            "skipped",
            0,
            "Opted out (or left the list) before it was sent.",
        )


def test_a_number_changed_after_the_fan_out_is_not_texted_at_the_old_one(profile, fan_list):
    [maya] = add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Hi")
        _fanned_out(profile, campaign)
        type(maya).objects.filter(pk=maya.pk).update(phone="+15125550199")
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert providers.outbox == [] and result.skipped == 1
    assert Delivery.objects.get().status == "skipped"


def test_a_retried_email_whose_address_left_meanwhile_is_skipped_at_the_claim(
    profile, fan_list, settings
):
    """A delivery waiting for its retry (queued, with the claim of its failed attempt) is a
    new claim, not a dead worker's: an address that opted out meanwhile is skipped there."""
    [maya, *_] = add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    _fanned_out(profile, campaign)
    delivery = Delivery.objects.get(address=maya.email)
    Delivery.objects.filter(pk=delivery.pk).update(
        status="queued", claimed_at=delivery.next_attempt_at, attempts=1
    )
    Delivery.objects.exclude(pk=delivery.pk).update(status="sent")
    fans.unsubscribe(token=consent.unsubscribe_token(maya))
    result = campaigns.send_batch(campaign_id=campaign.pk)
    assert (result.claimed, result.skipped) == (0, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("skipped", 1)


def test_a_dead_workers_claim_of_an_address_changed_since_is_not_sent_again(
    profile, fan_list, settings
):
    """Taken over after the lease, a claim whose member now has another address is settled
    as skipped: the old address is not mailed again (whatever the dead worker did)."""
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    [maya, leo, priya, _sam] = add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    _fanned_out(profile, campaign)
    old = timezone.now() - timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 5)
    Delivery.objects.update(status="sending", claimed_at=old, attempts=1)
    for member in (maya, leo):
        type(member).objects.filter(pk=member.pk).update(email=f"new.{member.email}")
    result = campaigns.send_batch(campaign_id=campaign.pk)
    assert [m.to for m in mail.outbox] == [[priya.email]]
    assert (result.claimed, result.sent, result.skipped) == (3, 1, 2)
    for address in (maya.email, leo.email):
        assert (
            Delivery.objects.get(address=address).status,
            Delivery.objects.get(address=address).error,
        ) == (
            "skipped",
            "Opted out (or left the list) before it was sent.",
        )


def test_every_number_in_quiet_hours_is_deferred_and_counted(profile, fan_list):
    add_fans(
        profile,
        fan_list,
        [
            (None, "+442071838750", "Ann", "London", ""),
            (None, "+442071838751", "Bea", "London", ""),
        ],
    )
    night_in_london = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    with time_machine.travel(night_in_london, tick=False):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Hi")
        _fanned_out(profile, campaign)
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert (result.claimed, result.deferred) == (0, 2) and providers.outbox == []
    morning = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert [(d.status, d.next_attempt_at, d.attempts) for d in Delivery.objects.all()] == [
        ("queued", morning, 0),
        ("queued", morning, 0),
    ]


def test_a_batch_sends_only_its_own_campaigns_deliveries(profile, fan_list):
    from django.core import mail

    add_fans(profile, fan_list)
    first = make_campaign(profile, fan_list, name="First", subject="First")
    second = make_campaign(profile, fan_list, name="Second", subject="Second")
    _fanned_out(profile, first)
    _fanned_out(profile, second)
    result = campaigns.send_batch(campaign_id=second.pk)
    assert result.sent == 3
    assert {m.subject for m in mail.outbox} == {"Second"}
    assert set(Delivery.objects.filter(campaign=first).values_list("status", flat=True)) == {
        "queued"
    }


def _stale_sms_claims(profile, fan_list, settings, numbers):
    from datetime import timedelta

    add_fans(profile, fan_list, [(None, number, "", "", "") for number in numbers])
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Show on Friday")
        _fanned_out(profile, campaign)
    stale = NOON_IN_AUSTIN - timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 60)
    Delivery.objects.update(status="sending", claimed_at=stale, attempts=1)
    return campaign


def test_dead_workers_sms_found_in_the_providers_log_are_recorded_as_sent(
    profile, fan_list, settings
):
    numbers = ["+15125550101", "+15125550102"]
    campaign = _stale_sms_claims(profile, fan_list, settings, numbers)
    body = "Show on Friday\nReply STOP to opt out."
    for number in numbers:  # what the dead worker got through
        providers.LocmemSmsBackend().send(to=number, body=body, key="old")
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert (result.claimed, result.sent) == (2, 2)
    assert len(providers.outbox) == 2  # nothing sent again
    sids = {m.to: m.sid for m in providers.outbox}
    for delivery in Delivery.objects.all():
        assert (delivery.status, delivery.sent_at, delivery.error) == ("sent", NOON_IN_AUSTIN, "")
        assert delivery.provider_message_id == sids[delivery.address]


def test_a_dead_workers_sms_not_in_the_providers_log_is_sent_again_unless_stopped_since(
    profile, fan_list, settings
):
    numbers = ["+15125550101", "+15125550102", "+15125550103"]
    campaign = _stale_sms_claims(profile, fan_list, settings, numbers)
    for number in numbers[1:]:
        fans.sms_inbound(from_number=number, body="STOP")
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert [m.to for m in providers.outbox] == ["+15125550101"]
    assert (result.sent, result.skipped) == (1, 2)
    for stopped in Delivery.objects.exclude(address="+15125550101"):
        assert (stopped.status, stopped.error) == (
            "skipped",
            "Opted out (or left the list) before it was sent.",
        )
    assert Delivery.objects.get(address="+15125550101").status == "sent"


def test_a_dead_workers_sms_to_a_number_now_in_quiet_hours_waits_for_the_morning(
    profile, fan_list, settings
):
    from datetime import timedelta

    add_fans(
        profile,
        fan_list,
        [
            (None, "+442071838750", "Ann", "London", ""),
            (None, "+442071838751", "Bea", "London", ""),
        ],
    )
    night_in_london = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    with time_machine.travel(night_in_london - timedelta(hours=12), tick=False):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Hi")
        _fanned_out(profile, campaign)
    stale = night_in_london - timedelta(seconds=settings.CAMPAIGNS_CLAIM_LEASE_SECONDS + 60)
    Delivery.objects.update(status="sending", claimed_at=stale, attempts=1)
    with time_machine.travel(night_in_london, tick=False):
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert providers.outbox == []
    assert (result.claimed, result.deferred, result.sent) == (2, 2, 0)
    morning = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert [(d.status, d.next_attempt_at) for d in Delivery.objects.order_by("id")] == [
        ("queued", morning),
        ("queued", morning),
    ]


class _RefusingSms(providers.LocmemSmsBackend):
    """Refuses these numbers: permanently ("+1…0101", "+1…0102") or for now ("+1…0103",
    "+1…0104"), with a provider's long error text."""

    def send(self, *, to, body, key):
        if to.endswith(("0101", "0102")):
            raise providers.ProviderError("refused " + "x" * 600, permanent=True)
        if to.endswith(("0103", "0104")):
            raise providers.ProviderError("busy " + "y" * 600, permanent=False)
        return super().send(to=to, body=body, key=key)


def test_a_batchs_refusals_are_counted_and_recorded_in_a_column_sized_error(
    profile, fan_list, settings
):
    settings.SMS_BACKEND = "tests.messaging.test_campaigns_refusals._RefusingSms"
    numbers = [f"+151255501{n:02d}" for n in (1, 2, 3, 4)]
    add_fans(profile, fan_list, [(None, number, "", "", "") for number in numbers])
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = make_campaign(profile, fan_list, channel="sms", body="Hi")
        _fanned_out(profile, campaign)
        result = campaigns.send_batch(campaign_id=campaign.pk)
    assert (result.failed, result.retrying, result.sent) == (2, 2, 0)
    assert sorted(result.errors) == sorted(["refused " + "x" * 600] * 2 + ["busy " + "y" * 600] * 2)
    rows = {d.address: d for d in Delivery.objects.all()}
    for number in numbers[:2]:
        assert (rows[number].status, rows[number].error) == (
            "failed",
            ("refused " + "x" * 600)[:500],
        )
    for number in numbers[2:]:
        assert (rows[number].status, rows[number].error) == ("queued", ("busy " + "y" * 600)[:500])
