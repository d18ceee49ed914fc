import datetime as dt

import pytest
from rest_framework.test import APIClient

from analytics.models import DailyMetric, VenueDailyMetric
from analytics.services import last_complete_day
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import VenueProfileFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def days_ago(n: int) -> dt.date:
    return last_complete_day() - dt.timedelta(days=n)


def artist_day(artist, n: int, **figures) -> DailyMetric:
    """A stored day ``n`` days before yesterday (0: yesterday) of ``artist``."""
    return DailyMetric.objects.create(
        artist_id=artist.pk, stage_name=artist.stage_name, day=days_ago(n), **figures
    )


def venue_day(venue, n: int, **figures) -> VenueDailyMetric:
    return VenueDailyMetric.objects.create(
        venue_id=venue.pk, name=venue.name, day=days_ago(n), **figures
    )


@pytest.fixture
def artist(db):
    return ArtistProfileFactory(stage_name="Nova Reyes")


@pytest.fixture
def venue(db):
    return VenueProfileFactory(name="The Blue Door")
