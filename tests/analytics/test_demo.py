"""The demo's 90 days of figures: every demo artist and venue has them, the profile views behind
them agree with them, Nova Reyes shows some on her page, and seeding twice adds nothing."""

import pytest
from django.db.models import Sum

from analytics import demo, selectors
from analytics.models import DailyMetric, PublicStats, VenueDailyMetric
from analytics.selectors import Subject
from artists.demo import ARTISTS
from artists.models import ArtistProfile, ProfileView
from marketplace.demo import VENUES
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import VenueProfileFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_90_days_of_figures_and_seeding_twice_adds_nothing():
    nova = ArtistProfileFactory(user__email=ARTISTS[0]["email"], stage_name="Nova Reyes")
    other = ArtistProfileFactory(user__email=ARTISTS[1]["email"])
    venue = VenueProfileFactory(user__email=VENUES[0]["email"])
    said: list[str] = []
    demo.seed(said.append)
    for artist in (nova, other):
        days = DailyMetric.objects.filter(artist_id=artist.pk)
        assert days.count() == demo.DAYS
        views = days.aggregate(n=Sum("profile_views"))["n"]
        assert views > 0
        assert ProfileView.objects.filter(artist=artist).count() == views
        assert ArtistProfile.objects.get(pk=artist.pk).profile_views == views
    assert VenueDailyMetric.objects.filter(venue_id=venue.pk).count() == demo.DAYS
    assert PublicStats.objects.get(artist=nova).metrics == demo.SHOWN_BY_NOVA
    subject = Subject("artist", nova.pk, nova.stage_name, nova.slug)
    figures = {f["name"]: f["value"] for f in selectors.summary(subject, days=30)["figures"]}
    assert 0 < figures["unique_viewers"] < figures["profile_views"]  # members come back
    assert "90 days of figures (made up) for 2 artists and 1 venues" in said[0]

    rows, views = DailyMetric.objects.count(), ProfileView.objects.count()
    demo.seed(said.append)
    assert (DailyMetric.objects.count(), ProfileView.objects.count()) == (rows, views)
    nova_views = ProfileView.objects.filter(artist=nova).count()
    assert ArtistProfile.objects.get(pk=nova.pk).profile_views == nova_views
