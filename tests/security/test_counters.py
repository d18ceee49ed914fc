"""Honest counters: rotating User-Agents or replaying plays does not inflate them.

Views count once per viewer per artist per UTC day (anonymous viewers by a salted hash of their
network address only); plays once per listener per track per 30 minutes; each address has an
hourly counting budget on both doors; the play endpoint is rate limited.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from artists import services
from artists.api.views import PlayRateThrottle
from artists.models import ArtistProfile, Track
from tests.artists.factories import ArtistProfileFactory, wav_upload

pytestmark = pytest.mark.django_db

IP = "203.0.113.50"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def artist():
    return ArtistProfileFactory()


@pytest.fixture
def track(artist):
    return services.track_create(user=artist.user, audio=wav_upload(), data={"title": "Hit"})


def views(artist) -> int:
    services.profile_views_flush()  # with Redis, views reach the counter at the next flush
    return ArtistProfile.objects.get(pk=artist.pk).profile_views


def test_100_anonymous_page_views_with_rotating_user_agents_count_once(artist):
    client = Client()
    for n in range(100):
        response = client.get(
            f"/artists/{artist.slug}/", REMOTE_ADDR=IP, HTTP_USER_AGENT=f"Bot/{n}"
        )
        assert response.status_code == 200

    assert views(artist) == 1


def test_page_and_api_doors_share_one_count_per_viewer(artist):
    for n in range(20):
        Client().get(f"/artists/{artist.slug}/", REMOTE_ADDR=IP, HTTP_USER_AGENT=f"A/{n}")
        APIClient().get(f"/api/v1/artists/{artist.slug}", REMOTE_ADDR=IP, HTTP_USER_AGENT=f"B/{n}")

    assert views(artist) == 1


def test_rotating_through_an_ipv6_64_counts_once_and_other_networks_count(artist):
    for n in range(30):
        Client().get(f"/artists/{artist.slug}/", REMOTE_ADDR=f"2001:db8:1:2::{n:x}")
    Client().get(f"/artists/{artist.slug}/", REMOTE_ADDR="2001:db8:1:3::1")
    Client().get(f"/artists/{artist.slug}/", REMOTE_ADDR="198.51.100.1")

    assert views(artist) == 3


def test_50_plays_from_one_listener_count_once(artist, track):
    client = APIClient()
    for _ in range(50):
        response = client.post(
            f"/api/v1/artists/{artist.slug}/tracks/{track.pk}/play", REMOTE_ADDR=IP
        )
        assert response.status_code == 204

    assert Track.objects.get(pk=track.pk).plays == 1


def test_a_play_counts_again_after_the_window(artist, track, settings):
    settings.PLAY_REPEAT_SECONDS = 1
    url = f"/api/v1/artists/{artist.slug}/tracks/{track.pk}/play"
    APIClient().post(url, REMOTE_ADDR=IP)
    from django.core.cache import cache

    cache.clear()  # what the marker's expiry does after PLAY_REPEAT_SECONDS

    APIClient().post(url, REMOTE_ADDR=IP)
    assert Track.objects.get(pk=track.pk).plays == 2


def test_one_address_has_an_hourly_budget_across_artists_and_doors(settings):
    settings.COUNTER_BUDGET_PER_HOUR = 5
    artists = ArtistProfileFactory.create_batch(8)

    for index, artist in enumerate(artists):
        if index % 2:
            response = Client().get(f"/artists/{artist.slug}/", REMOTE_ADDR=IP)
        else:
            response = APIClient().get(f"/api/v1/artists/{artist.slug}", REMOTE_ADDR=IP)
        assert response.status_code == 200  # the page still renders

    assert sum(views(artist) for artist in artists) == 5
    other = APIClient().get(f"/api/v1/artists/{artists[0].slug}", REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 200 and views(artists[0]) == 2


def test_the_play_endpoint_is_rate_limited_per_ip(artist, track, monkeypatch):
    monkeypatch.setattr(PlayRateThrottle, "rate", "5/min")
    url = f"/api/v1/artists/{artist.slug}/tracks/{track.pk}/play"

    statuses = [APIClient().post(url, REMOTE_ADDR=IP).status_code for _ in range(6)]

    assert statuses == [204] * 5 + [429]
    assert APIClient().post(url, REMOTE_ADDR="198.51.100.3").status_code == 204
