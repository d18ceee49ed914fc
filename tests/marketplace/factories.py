import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Role
from marketplace.models import Gig, VenueProfile
from marketplace.services.gigs import gig_times
from tests.accounts.factories import UserFactory


class VenueUserFactory(UserFactory):
    role = Role.VENUE


class VenueProfileFactory(factory.django.DjangoModelFactory):
    """An onboarded venue (both steps done)."""

    class Meta:
        model = VenueProfile

    user = factory.SubFactory(VenueUserFactory)
    slug = factory.Sequence(lambda n: f"venue-{n}")
    name = factory.Sequence(lambda n: f"Venue {n}")
    onboarding_step = 2
    address = "1 Main St"
    city = "Austin"
    state = "TX"
    country = "US"
    timezone = "America/Chicago"
    capacity = 200
    genres_booked = ["indie", "jazz"]


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


class GigFactory(factory.django.DjangoModelFactory):
    """An open gig 10 days from now, 20:00-23:00 at the venue."""

    class Meta:
        model = Gig

    venue = factory.SubFactory(VenueProfileFactory)
    title = factory.Sequence(lambda n: f"Gig {n}")
    venue_name = factory.LazyAttribute(lambda o: o.venue.name)
    location_city = factory.LazyAttribute(lambda o: o.venue.city)
    location_state = factory.LazyAttribute(lambda o: o.venue.state)
    location_country = factory.LazyAttribute(lambda o: o.venue.country)
    timezone = factory.LazyAttribute(lambda o: o.venue.timezone)
    date = factory.LazyFunction(lambda: in_days(10))
    start_time = dt.time(20, 0)
    end_time = dt.time(23, 0)
    genre = "indie"
    payment_amount = 50_000
    payment_type = "flat"

    @factory.lazy_attribute
    def starts_at(self):
        return gig_times(
            date=self.date, start=self.start_time, end=self.end_time, tz=self.timezone
        )[0]

    @factory.lazy_attribute
    def ends_at(self):
        return gig_times(
            date=self.date, start=self.start_time, end=self.end_time, tz=self.timezone
        )[1]
