from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connections
from rest_framework.test import APIClient

from accounts.models import Role
from messaging import services
from tests.accounts.factories import UserFactory
from tests.messaging.campaign_helpers import FakeResend


@pytest.fixture(autouse=True)
def _in_memory_channel_layer(settings):
    """Each test's own channel layer: in memory, so xdist workers sharing one Redis never hear
    each other's conversations (their ids overlap)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _lift_the_send_rate(settings):
    """Tests send many messages; the rate's own tests set it low again."""
    settings.MESSAGING_SEND_RATE = "100000/min"


@pytest.fixture(autouse=True)
def _fresh_time_zones_of_numbers():
    """SMS quiet hours cache each number's time zones; the answer for a number without one
    depends on a setting, and a cached answer would hide a mutant of the lookup."""
    from messaging.campaigns import quiet

    quiet.zones_of.cache_clear()


@pytest.fixture
def artist(db):
    return UserFactory(role=Role.ARTIST, display_name="Nova Reyes")


@pytest.fixture
def venue(db):
    return UserFactory(role=Role.VENUE, display_name="The Blue Lantern")


@pytest.fixture
def fan(db):
    return UserFactory(role=Role.FAN, display_name="Sam Fan")


@pytest.fixture
def conversation(fan, artist):
    conversation, _ = services.conversation_open(user=fan, other_id=artist.pk)
    return conversation


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def run_async(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async test scenario to its end from a plain test, in a thread of its own: a
    browser test earlier in the same worker leaves Playwright's event loop running in the main
    thread, where ``async_to_sync`` refuses to run. The thread's database connection is closed
    after (use with ``transactional_db``: the rows must be committed to be seen)."""

    def in_thread() -> Any:
        try:
            return async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


# --- fan lists ---------------------------------------------------------------------------------


@pytest.fixture
def profile(db):
    from tests.artists.factories import ArtistProfileFactory

    return ArtistProfileFactory(stage_name="Nova Reyes", location_country="US")


@pytest.fixture
def fan_list(profile):
    from messaging.fans import services as fans

    return fans.contact_list_create(user=profile.user, name="Austin fans", description="News")


# --- the campaign providers' HTTP APIs, served by pytest-httpserver ----------------------------


@pytest.fixture
def resend(httpserver, settings):
    settings.CAMPAIGNS_EMAIL_BACKEND = "messaging.campaigns.providers.ResendEmailBackend"
    settings.ANYMAIL = {"RESEND_API_KEY": "re_test_key", "RESEND_API_URL": httpserver.url_for("/")}
    fake = FakeResend()
    httpserver.expect_request("/emails", method="POST").respond_with_handler(fake)
    return fake


@pytest.fixture
def twilio(httpserver, settings):
    settings.SMS_BACKEND = "messaging.campaigns.providers.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    settings.TWILIO_FROM_NUMBER = "+15125550000"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("").rstrip("/")
    return httpserver
