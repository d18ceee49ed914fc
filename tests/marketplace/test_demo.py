"""The demo marketplace: made through the services, safe to seed twice, and every figure shown
(gig counts, earnings, ratings) is the sum of real rows."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count, Sum
from django.utils import timezone

from artists.demo import ARTISTS
from artists.models import ArtistProfile
from marketplace.demo import VENUES
from marketplace.models import (
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    GigStatus,
    Review,
    Side,
    StatusChange,
    VenueProfile,
)

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def snapshot() -> dict[str, int]:
    models = (Gig, Application, Booking, Review, StatusChange, VenueProfile)
    return {model.__name__: model.objects.count() for model in models}


def rating(reviews) -> Decimal:
    avg = reviews.aggregate(avg=Avg("rating"))["avg"] or 0
    return Decimal(avg).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_seed_demo_twice_makes_a_full_marketplace_once(seeded_demo):
    first = snapshot()  # after the first run (seeded_demo)
    seed()
    assert snapshot() == first  # idempotent
    from marketplace.models import SavedSearch, Unavailability

    first_artist = ArtistProfile.objects.get(user__email=ARTISTS[0]["email"])
    assert SavedSearch.objects.filter(artist=first_artist).count() == 1  # once, not twice
    assert Unavailability.objects.filter(artist=first_artist).count() == 1

    venues = VenueProfile.objects.filter(user__email__in=[v["email"] for v in VENUES])
    assert venues.count() == len(VENUES) and all(v.user.onboarding_complete for v in venues)
    assert len({v.city for v in venues}) >= 4
    gigs = Gig.objects.filter(venue__in=venues)
    assert gigs.count() >= 30
    today = timezone.now()
    urgent = gigs.filter(
        status=GigStatus.OPEN, starts_at__gt=today, starts_at__lt=today + timezone.timedelta(7)
    )
    assert urgent.count() >= 2
    assert set(gigs.values_list("status", flat=True)) == set(GigStatus.values)
    assert set(Application.objects.values_list("status", flat=True)) == set(
        ApplicationStatus.values
    )
    assert set(Booking.objects.values_list("status", flat=True)) == set(BookingStatus.values)
    completed = Booking.objects.filter(status=BookingStatus.COMPLETED)
    assert completed.count() >= 8
    for booking in completed:  # revealed both ways
        sides = set(
            booking.reviews.filter(published_at__isnull=False).values_list("side", flat=True)
        )
        assert sides == {Side.ARTIST, Side.VENUE}
        assert booking.ends_at < today


def test_every_demo_figure_is_the_sum_of_real_rows(seeded_demo):
    seed()  # the second run
    artists = ArtistProfile.objects.filter(user__email__in=[a["email"] for a in ARTISTS])
    assert artists.filter(total_gigs__gt=0).exists()
    for artist in artists:
        done = Booking.objects.filter(artist=artist, status=BookingStatus.COMPLETED)
        figures = done.aggregate(n=Count("id"), fees=Sum("fee"))
        reviews = Review.objects.filter(
            artist=artist, side=Side.VENUE, published_at__isnull=False, hidden=False
        )
        assert artist.total_gigs == figures["n"], artist
        assert artist.total_earnings == (figures["fees"] or 0), artist
        assert artist.total_reviews == reviews.count(), artist
        assert artist.avg_rating == rating(reviews), artist
    for venue in VenueProfile.objects.all():
        reviews = Review.objects.filter(
            venue=venue, side=Side.ARTIST, published_at__isnull=False, hidden=False
        )
        assert venue.total_reviews == reviews.count()
        assert venue.avg_rating == rating(reviews)


def test_hand_set_figures_of_an_old_demo_database_are_replaced(seeded_demo):
    ArtistProfile.objects.update(total_gigs=37, avg_rating="4.80", total_reviews=12)
    seed()
    nova = ArtistProfile.objects.get(user__email="artist@demo.umbrella.test")
    assert (
        nova.total_gigs
        == Booking.objects.filter(artist=nova, status=BookingStatus.COMPLETED).count()
    )
    assert nova.total_reviews != 12 or nova.avg_rating != Decimal("4.80")
