"""``python -m bench.history``: past applications added for the measure, statement CPU read."""

import datetime as dt

import pytest
from django.utils import timezone

from bench.history import add_past_applications, statement_cpu
from marketplace.models import Application, Gig
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_adds_applications_to_past_gigs_with_their_start_and_measures_the_statement():
    artist = ArtistProfileFactory(primary_genre="jazz")
    past = [GigFactory(genre="jazz") for _ in range(5)]
    for n, gig in enumerate(past):  # services refuse past dates: moved back as the demo does
        Gig.objects.filter(pk=gig.pk).update(
            starts_at=timezone.now() - dt.timedelta(days=n + 1),
            ends_at=timezone.now() - dt.timedelta(days=n + 1, hours=-3),
        )
    upcoming = GigFactory(genre="jazz")

    assert add_past_applications([artist.pk], 3) == 3
    added = Application.objects.filter(artist=artist)
    assert added.count() == 3
    assert all(a.gig_starts_at == a.gig.starts_at < timezone.now() for a in added)
    assert upcoming.pk not in {a.gig_id for a in added}

    figures = statement_cpu([artist.user_id], rounds=2)
    assert len(figures) == 2
    assert all(figure >= 0 for figure in figures)
