"""Shared set-up of the campaign tests: an artist's list with fans, a campaign, sending."""

from typing import Any

import pytest
from django.test import TestCase

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
