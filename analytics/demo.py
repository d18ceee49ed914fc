"""Demo analytics: 90 days of daily figures for the demo artists and venues, so the dashboards'
charts have something to show on a fresh demo, and Nova Reyes's page shows some figures.

**The history is made up**, unlike the rest of the demo (which goes through the services): the
rows the nightly rollup would write are made directly (deterministic, per subject: a weekly
rhythm, slow growth, noise, gigs at weekends), with the profile views behind them (through
``artists.demo.add_past_views``, so unique viewers and the view counter agree) but not the
gigs, messages or fans behind the other figures: the other demo pages show smaller totals than
the charts. Rows the real rollup already wrote are kept (inserted only where missing), and
``manage.py rollup_metrics`` over those days puts the real figures back. Idempotent (an artist
with a row on the first of the 90 days is left alone). Runs last (settings.DEMO_SEEDERS).
"""

import datetime as dt
import math
import random
from collections.abc import Callable
from decimal import Decimal

from accounts.models import User
from analytics import cache as answers
from analytics import services
from analytics.models import DailyMetric, VenueDailyMetric
from artists.demo import ARTISTS, add_past_views
from artists.models import ArtistProfile
from marketplace.demo import VENUES
from marketplace.models import VenueProfile

DAYS = 90
MEMBERS = 40  # signed-in viewers who come back, per artist
SHOWN_BY_NOVA = ["profile_views", "unique_viewers", "gigs_completed", "avg_rating", "fan_growth"]


def _days(last: dt.date) -> list[dt.date]:
    return [last - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]


def _poisson(rng: random.Random, mean: float) -> int:
    """A small count around ``mean`` (Knuth's method; fine for the small means here)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _rating(rng: random.Random, n: int) -> Decimal:
    ratings = [rng.choice([4, 5, 5, 5, 3]) for _ in range(n)]
    return (Decimal(sum(ratings)) / n).quantize(Decimal("0.01"))


def viewers(rng: random.Random, day: dt.date, n: int) -> list[str]:
    """``n`` distinct viewer keys for a day: a third of them from a pool of 40 members who come
    back (signed in: one key for every day), the rest visitors (a new key every day)."""
    members = rng.sample(range(MEMBERS), min(n // 3, MEMBERS))
    keys = [f"u:demo-{m}" for m in members]
    return keys + [f"a:demo-{day.isoformat()}-{i}" for i in range(n - len(keys))]


def artist_days(
    artist: ArtistProfile, last: dt.date
) -> tuple[list[DailyMetric], list[tuple[dt.date, str]]]:
    """The made-up days of an artist, and the profile views behind them (day, viewer key)."""
    rng = random.Random(f"demo-analytics-{artist.slug}")  # noqa: S311 (made-up figures)
    base = rng.uniform(8, 40)
    fee = rng.choice([25_000, 40_000, 45_000, 60_000, 90_000])
    rows = []
    seen: list[tuple[dt.date, str]] = []
    for i, day in enumerate(_days(last)):
        weekend = day.weekday() >= 4  # Friday to Sunday
        growth = 1 + i / DAYS  # twice the views at the end of the 90 days
        views = _poisson(rng, base * growth * (1.5 if weekend else 1.0))
        seen += [(day, key) for key in viewers(rng, day, views)]
        gigs = 1 if weekend and rng.random() < 0.3 else 0
        reviews = 1 if gigs and rng.random() < 0.7 else 0
        sent = _poisson(rng, 0.8)
        campaign = rng.choice([80, 120, 160]) if rng.random() < 0.07 else 0
        rows.append(
            DailyMetric(
                artist_id=artist.pk,
                stage_name=artist.stage_name,
                day=day,
                profile_views=views,
                unique_viewers=views,
                gigs_completed=gigs,
                earnings=gigs * fee,
                reviews=reviews,
                avg_rating=_rating(rng, reviews) if reviews else None,
                applications_sent=sent,
                applications_accepted=sum(rng.random() < 0.3 for _ in range(sent)),
                messages_received=_poisson(rng, 1.5 + 2 * gigs),
                fan_growth=_poisson(rng, 1 + 4 * gigs) - _poisson(rng, 0.4),
                campaign_sends=campaign,
            )
        )
    return rows, seen


def venue_days(venue: VenueProfile, last: dt.date) -> list[VenueDailyMetric]:
    rng = random.Random(f"demo-analytics-venue-{venue.slug}")  # noqa: S311
    speed = rng.uniform(3, 30) * 3600  # this venue's typical wait, in seconds
    rows = []
    for day in _days(last):
        received = _poisson(rng, 3.0)
        answered = _poisson(rng, 2.5)
        reviews = 1 if rng.random() < 0.08 else 0
        rows.append(
            VenueDailyMetric(
                venue_id=venue.pk,
                name=venue.name,
                day=day,
                gigs_posted=_poisson(rng, 0.4),
                applications_received=received,
                applications_answered=answered,
                median_answer_seconds=round(speed * rng.uniform(0.5, 1.6)) if answered else None,
                bookings=1 if day.weekday() >= 4 and rng.random() < 0.35 else 0,
                reviews=reviews,
                avg_rating=_rating(rng, reviews) if reviews else None,
                messages_received=_poisson(rng, 2.0),
            )
        )
    return rows


def seed(say: Callable[[str], None]) -> None:
    last = services.last_complete_day()
    artists = ArtistProfile.objects.filter(user__email__in=[a["email"] for a in ARTISTS])
    venues = VenueProfile.objects.filter(user__email__in=[v["email"] for v in VENUES])
    views = 0
    for artist in artists.order_by("id"):
        if DailyMetric.objects.filter(artist_id=artist.pk, day=_days(last)[0]).exists():
            continue  # seeded already: its views are there too
        rows, seen = artist_days(artist, last)
        DailyMetric.objects.bulk_create(rows, ignore_conflicts=True)
        views += add_past_views(artist, seen)
    for venue in venues.order_by("id"):
        VenueDailyMetric.objects.bulk_create(venue_days(venue, last), ignore_conflicts=True)
    answers.figures_changed_on_commit()  # the API's kept answers (analytics.cache)
    say(
        f"analytics: {DAYS} days of figures (made up) for {artists.count()} artists and "
        f"{venues.count()} venues up to {last} ({views} profile views behind them)"
    )
    nova = User.objects.filter(email=ARTISTS[0]["email"]).first()
    if nova is not None and hasattr(nova, "artist_profile"):
        services.public_stats_set(user=nova, metric_names=SHOWN_BY_NOVA)
        say(f"analytics: {nova.artist_profile.stage_name} shows {', '.join(SHOWN_BY_NOVA)}")
