"""Races on PostgreSQL: saved searches at once never pass the per-artist limit, and digest runs
at once tell each artist once."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from marketplace import services
from marketplace.models import SavedSearch
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.marketplace.factories import GigFactory
from tests.marketplace.test_concurrency import codes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_saves_at_once_stop_at_the_limit(settings):
    settings.SAVED_SEARCHES_MAX_PER_USER = 3
    artist = ArtistProfileFactory()
    names = iter(f"Search {n}" for n in range(12))

    results = run_together(
        lambda: services.saved_search_create(user=artist.user, name=next(names), filters={}),
        12,
    )

    assert codes(results) == ["ok"] * 3 + ["saved_search_limit"] * 9
    assert SavedSearch.objects.filter(artist=artist).count() == 3


def test_one_name_saved_at_once_is_kept_once():
    artist = ArtistProfileFactory()
    results = run_together(
        lambda: services.saved_search_create(user=artist.user, name="Jazz", filters={}), 8
    )
    assert codes(results) == ["ok"] + ["saved_search_name_taken"] * 7
    assert SavedSearch.objects.filter(artist=artist).count() == 1


def test_digest_runs_at_once_tell_each_artist_once():
    artists = [ArtistProfileFactory() for _ in range(3)]
    for artist in artists:
        services.saved_search_create(user=artist.user, name="Indie", filters={"genre": "indie"})
    GigFactory(genre="indie", title="Indie night")
    tomorrow = timezone.now() + dt.timedelta(days=1)

    results = run_together(lambda: services.saved_search_digests_send(now=tomorrow), 4)

    assert sum(results) == 3 and not any(isinstance(r, Exception) for r in results)
    assert sorted(
        Notification.objects.filter(verb="saved_search.digest").values_list("user_id", flat=True)
    ) == sorted(a.user_id for a in artists)
