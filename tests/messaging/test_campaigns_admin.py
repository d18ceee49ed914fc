"""Campaigns in admin: read-only records with their history and report, and "send again to
the failed recipients" through the service."""

from datetime import UTC, datetime

import time_machine
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from messaging.models import Campaign, CampaignStatusChange, Delivery
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    make_campaign,
    send_now,
)
from tests.messaging.test_campaigns_services import FlakySms


def test_staff_send_a_failed_campaign_again_from_admin(client, profile, fan_list, settings):
    settings.SMS_BACKEND = "tests.messaging.test_campaigns_services.FlakySms"
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    FlakySms.failures = {"+15125550101": [True]}
    noon = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        campaign = send_now(profile, make_campaign(profile, fan_list, channel="sms", body="Hi"))
    assert campaign.status == "failed"
    boss = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    client.force_login(boss)
    page = client.get(reverse("admin:messaging_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    assert "failed: 1" in page.content.decode()
    assert client.get(reverse("admin:messaging_campaign_changelist")).status_code == 200
    assert client.get(reverse("admin:messaging_delivery_changelist")).status_code == 200
    with time_machine.travel(noon, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("admin:messaging_campaign_changelist"),
            {"action": "resend_to_failed", "_selected_action": [campaign.pk]},
        )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert Delivery.objects.get().status == "sent"
    assert CampaignStatusChange.objects.filter(campaign=campaign, by=boss).exists()
    # Records: no add, no change.
    assert client.get(reverse("admin:messaging_campaign_add")).status_code == 403
    response = client.post(
        reverse("admin:messaging_campaign_change", args=[campaign.pk]), {"name": "x"}
    )
    assert response.status_code == 403
    assert Campaign.objects.get().name == "November news"


def test_the_action_on_a_draft_says_why_not(client, profile, fan_list):
    campaign = make_campaign(profile, fan_list)
    boss = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    client.force_login(boss)
    response = client.post(
        reverse("admin:messaging_campaign_changelist"),
        {"action": "resend_to_failed", "_selected_action": [campaign.pk]},
        follow=True,
    )
    assert "it can&#x27;t be sent again now" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"
