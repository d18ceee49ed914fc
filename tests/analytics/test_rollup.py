"""The nightly rollup: every figure on the right UTC day (events a microsecond either side of
midnight), idempotent reruns, a backfill, rows that outlive their artist, and a number of
queries that does not grow with the number of artists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import user_hard_delete
from analytics import metrics, services
from analytics.models import DailyMetric, RollupRun, VenueDailyMetric
from artists.models import ProfileView
from marketplace.models import ApplicationStatus, Side
from messaging.models import ConsentEvent, ContactMember
from tests.accounts.factories import UserFactory
from tests.analytics import activity as act
from tests.analytics.activity import D1, D2, D3, at, last_instant, midnight
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.marketplace.factories import VenueProfileFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

ARTIST_ZERO = {m.name: (None if m.nullable else 0) for m in metrics.ARTIST_METRICS}
VENUE_ZERO = {m.name: (None if m.nullable else 0) for m in metrics.VENUE_METRICS}


def artist_row(artist_id: int, day: dt.date) -> dict | None:
    return DailyMetric.objects.filter(artist_id=artist_id, day=day).values(*ARTIST_ZERO).first()


def venue_row(venue_id: int, day: dt.date) -> dict | None:
    return VenueDailyMetric.objects.filter(venue_id=venue_id, day=day).values(*VENUE_ZERO).first()


def rollup(*days: dt.date) -> None:
    for day in days:
        services.rollup_day(day=day)


# --- every figure on its own UTC day ---------------------------------------------------------


@pytest.fixture
def story():
    """Activity of an artist and two venues around the midnights between D1, D2 and D3."""
    artist, other_artist = ArtistProfileFactory(), ArtistProfileFactory()
    venue, venue2 = VenueProfileFactory(), VenueProfileFactory()
    stranger = UserFactory()

    act.view(artist, D1)
    act.view(artist, D2)
    act.view(artist, D2)
    # Applications at D1 18:59:59.999999 and D1 19:00; bookings made either side of midnight;
    # completed either side of the next.
    b1 = act.booking(artist, venue, made=last_instant(D1), completed=last_instant(D2), fee=40_000)
    b2 = act.booking(artist, venue, made=midnight(D2), completed=midnight(D3), fee=25_000)
    b3 = act.booking(artist, venue2, made=at(D3))  # applied D3 07:00, not completed
    # Reviews of the artist by the venue: published either side of midnight; a hidden one and
    # one not published yet do not count. The artist's review of the venue counts for it.
    act.review_of_artist(b1, 5, last_instant(D1))
    act.review_of_artist(b2, 2, midnight(D2))
    act.review(b3, side=Side.VENUE, rating=1, published=at(D2), hidden=True)
    act.review(b1, side=Side.ARTIST, rating=3, published=None)
    act.review(b2, side=Side.ARTIST, rating=4, published=at(D2, 9))
    # Messages to the artist either side of midnight; the artist's own to the venue.
    act.message(venue.user, artist.user, last_instant(D1))
    act.message(stranger, artist.user, midnight(D2))
    act.message(artist.user, venue.user, midnight(D2))
    # Fans: 1 joins on D1; 3 join and 2 leave on D2; a sign-up not confirmed, and a platform-wide
    # SMS STOP (no artist), count for nobody.
    fans = act.fan_list(artist)
    act.fan_joins(fans, last_instant(D1))
    for _ in range(3):
        act.fan_joins(fans, midnight(D2))
    act.fan_leaves(artist, midnight(D2))
    act.fan_leaves(artist, last_instant(D2), kind="removed")
    ContactMember.objects.create(contact_list=fans, email="wait@example.com", source="signup")
    ConsentEvent.objects.create(artist=None, phone="+15125550100", kind="sms_stop", at=at(D2))
    # Campaign sends: 3 at the last instant of D1, 2 at midnight.
    act.campaign_send(artist, last_instant(D1), 3)
    act.campaign_send(artist, midnight(D2), 2)
    # The venue: gigs posted either side of midnight; three applications of another artist on
    # D1, answered after 14 h (D1), 2 h and 2.5 h (D2).
    act.gig(venue, last_instant(D1))
    act.gig(venue, midnight(D2))
    waits = [(at(D1, 10), last_instant(D1)), (at(D1, 23), at(D2, 1)), (at(D1, 22), at(D2, 0, 30))]
    for applied, answered in waits:
        app = act.application(other_artist, act.gig(venue), applied)
        act.answer(app, answered, to=ApplicationStatus.REJECTED)
    return {"artist": artist, "venue": venue, "venue2": venue2, "other": other_artist}


def test_each_artist_figure_lands_on_its_utc_day(story):
    rollup(D1, D2, D3)
    artist = story["artist"]
    assert artist_row(artist.pk, D1) == {
        **ARTIST_ZERO,
        "profile_views": 1,
        "unique_viewers": 1,
        "reviews": 1,
        "avg_rating": Decimal("5.00"),
        "applications_sent": 2,
        "applications_accepted": 1,
        "messages_received": 1,
        "fan_growth": 1,
        "campaign_sends": 3,
    }
    assert artist_row(artist.pk, D2) == {
        **ARTIST_ZERO,
        "profile_views": 2,
        "unique_viewers": 2,
        "gigs_completed": 1,
        "earnings": 40_000,
        "reviews": 1,
        "avg_rating": Decimal("2.00"),
        "applications_accepted": 1,
        "messages_received": 1,
        "fan_growth": 1,
        "campaign_sends": 2,
    }
    assert artist_row(artist.pk, D3) == {
        **ARTIST_ZERO,
        "gigs_completed": 1,
        "earnings": 25_000,
        "applications_sent": 1,
        "applications_accepted": 1,
    }
    assert DailyMetric.objects.get(artist_id=artist.pk, day=D1).stage_name == artist.stage_name


def test_each_venue_figure_lands_on_its_utc_day(story):
    rollup(D1, D2, D3)
    venue = story["venue"]
    assert venue_row(venue.pk, D1) == {
        **VENUE_ZERO,
        "gigs_posted": 1,
        "applications_received": 5,
        "applications_answered": 1,
        "median_answer_seconds": 50_400,  # 10:00 to 23:59:59.999999
        "bookings": 1,
    }
    assert venue_row(venue.pk, D2) == {
        **VENUE_ZERO,
        "gigs_posted": 1,
        "applications_answered": 2,
        "median_answer_seconds": 8_100,  # the median of 2 h and 2.5 h
        "bookings": 1,
        "reviews": 1,
        "avg_rating": Decimal("4.00"),
        "messages_received": 1,
    }
    assert venue_row(story["venue2"].pk, D3) == {
        **VENUE_ZERO,
        "applications_received": 1,
        "bookings": 1,
    }
    assert venue_row(story["venue2"].pk, D1) is None  # nothing happened: no row


def test_a_day_without_activity_has_no_rows_but_a_run():
    ArtistProfileFactory()
    VenueProfileFactory()
    result = services.rollup_day(day=D1)
    assert (result.artists, result.venues, result.cleared) == (0, 0, 0)
    assert not DailyMetric.objects.exists() and not VenueDailyMetric.objects.exists()
    assert RollupRun.objects.get(day=D1).queries == result.queries


def test_an_average_of_several_reviews_and_the_median_of_an_even_count():
    artist, venue = ArtistProfileFactory(), VenueProfileFactory()
    for rating in (5, 4, 4):
        b = act.booking(artist, venue, made=at(D1, 1))
        act.review_of_artist(b, rating, at(D2, 10))
    rollup(D2)
    row = artist_row(artist.pk, D2)
    assert (row["reviews"], row["avg_rating"]) == (3, Decimal("4.33"))


# --- reruns, backfill, deletion --------------------------------------------------------------


def test_a_rerun_gives_the_same_rows(story):
    rollup(D1, D2)
    first = sorted(DailyMetric.objects.values_list("artist_id", "day", *ARTIST_ZERO))
    venues = sorted(VenueDailyMetric.objects.values_list("venue_id", "day", *VENUE_ZERO))
    updated = DailyMetric.objects.get(artist_id=story["artist"].pk, day=D2).updated_at
    rollup(D2, D1, D2)
    assert sorted(DailyMetric.objects.values_list("artist_id", "day", *ARTIST_ZERO)) == first
    assert sorted(VenueDailyMetric.objects.values_list("venue_id", "day", *VENUE_ZERO)) == venues
    if connection.vendor == "postgresql":  # an unchanged row is not written again
        assert DailyMetric.objects.get(artist_id=story["artist"].pk, day=D2).updated_at == updated
    assert RollupRun.objects.count() == 2


@pytest.mark.postgres
def test_a_rerun_over_unchanged_sources_writes_nothing_and_a_change_writes_its_row():
    artist, other = ArtistProfileFactory(), ArtistProfileFactory()
    act.view(artist, D1)
    act.view(other, D1)
    first = services.rollup_day(day=D1)
    assert (first.artists, first.changed) == (2, 2)
    before = dict(DailyMetric.objects.filter(day=D1).values_list("artist_id", "updated_at"))
    again = services.rollup_day(day=D1)
    assert (again.artists, again.changed, again.cleared) == (2, 0, 0)
    assert dict(DailyMetric.objects.filter(day=D1).values_list("artist_id", "updated_at")) == (
        before
    )
    act.view(artist, D1)
    changed = services.rollup_day(day=D1)
    assert (changed.artists, changed.changed) == (2, 1)
    after = dict(DailyMetric.objects.filter(day=D1).values_list("artist_id", "updated_at"))
    assert after[other.pk] == before[other.pk] and after[artist.pk] > before[artist.pk]
    assert artist_row(artist.pk, D1)["profile_views"] == 2


def test_a_rerun_follows_the_source_and_empties_a_row_whose_activity_is_gone():
    artist, quiet = ArtistProfileFactory(), ArtistProfileFactory()
    act.view(artist, D1)
    gone = act.view(quiet, D1)
    rollup(D1)
    assert artist_row(quiet.pk, D1)["profile_views"] == 1
    gone.delete()
    act.view(artist, D1)
    result = services.rollup_day(day=D1)
    assert artist_row(quiet.pk, D1) is None
    assert artist_row(artist.pk, D1)["profile_views"] == 2
    assert result.cleared == 1


def test_rows_outlive_the_deleted_artist_and_a_rerun_leaves_them(story):
    artist = story["artist"]
    rollup(D1, D2)
    before = {day: artist_row(artist.pk, day) for day in (D1, D2)}
    user_hard_delete(user=artist.user)
    assert not ProfileView.objects.filter(artist_id=artist.pk).exists()  # the raw rows went
    rollup(D1, D2)
    assert {day: artist_row(artist.pk, day) for day in (D1, D2)} == before
    assert DailyMetric.objects.get(artist_id=artist.pk, day=D1).stage_name == artist.stage_name


def test_a_backfill_rolls_up_each_day_oldest_first(story):
    seen = []
    results = services.rollup_days(
        first=D1, last=D3, progress=lambda n, total, r: seen.append((n, total, r.day))
    )
    assert [r.day for r in results] == [D1, D2, D3]
    assert seen == [(1, 3, D1), (2, 3, D2), (3, 3, D3)]
    assert set(RollupRun.objects.values_list("day", flat=True)) == {D1, D2, D3}
    assert artist_row(story["artist"].pk, D3)["earnings"] == 25_000


def test_the_backfill_command_shows_its_progress_and_is_safe_to_repeat(story, capsys):
    call_command("rollup_metrics", "--from", D1.isoformat(), "--to", D3.isoformat())
    out = capsys.readouterr().out
    assert "Rolling up 3 days: 2024-02-28 to 2024-03-01" in out
    assert "[##########....................] 1/3 2024-02-28" in out
    assert "[##############################] 3/3 2024-03-01" in out
    assert "Done: 3 days" in out
    rows = sorted(DailyMetric.objects.values_list("artist_id", "day", *ARTIST_ZERO))
    call_command("rollup_metrics", "--from", D1.isoformat(), "--to", D3.isoformat())
    assert sorted(DailyMetric.objects.values_list("artist_id", "day", *ARTIST_ZERO)) == rows


def test_the_backfill_command_refuses_what_it_cannot_do():
    from django.core.management.base import CommandError

    today = dt.datetime.now(dt.UTC).date()
    with pytest.raises(CommandError, match="not over yet"):
        call_command("rollup_metrics", "--to", today.isoformat())
    with pytest.raises(CommandError, match="after the last"):
        call_command("rollup_metrics", "--from", D2.isoformat(), "--to", D1.isoformat())
    with pytest.raises(CommandError, match="Not a day"):
        call_command("rollup_metrics", "--from", "yesterday")
    assert not RollupRun.objects.exists()


def test_a_day_not_over_is_refused():
    today = dt.datetime.now(dt.UTC).date()
    with pytest.raises(ApplicationError) as refused:
        services.rollup_day(day=today)
    assert refused.value.code == "day_not_over"
    assert not RollupRun.objects.exists()


def test_the_nightly_job_rolls_up_yesterday_and_catches_up_missed_days():
    now = at(D3 + dt.timedelta(days=8), 0, 7)  # 00:07 on D3 + 8
    yesterday = D3 + dt.timedelta(days=7)
    missed = yesterday - dt.timedelta(days=2)
    RollupRun.objects.create(day=missed, artists=0, venues=0, queries=0, seconds=0, finished_at=now)
    done = [r.day for r in services.rollup_due(now=now)]
    week = [yesterday - dt.timedelta(days=n) for n in range(6, -1, -1)]
    assert done == [day for day in week if day != missed]
    again = [r.day for r in services.rollup_due(now=now)]
    assert again == [yesterday]  # every day has its run; yesterday is always redone


def test_the_task_runs_the_nightly_job():
    from analytics.tasks import rollup_daily_task
    from umbrella.beat import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["analytics-rollup-daily"]
    assert entry["task"] == rollup_daily_task.name == "analytics.rollup_daily"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {7})
    days = rollup_daily_task.delay().get()
    yesterday = services.last_complete_day()
    assert days[-1] == yesterday.isoformat()
    assert RollupRun.objects.filter(day=yesterday).exists()


# --- a bounded number of queries ---------------------------------------------------------------


def _busy(n: int, day: dt.date) -> None:
    """``n`` artists and ``n`` venues, each with some of every kind of activity on ``day``."""
    for i in range(n):
        artist, venue = ArtistProfileFactory(), VenueProfileFactory()
        act.view(artist, day)
        b = act.booking(artist, venue, made=at(day, 8), completed=at(day, 20))  # applied 03:00
        act.review_of_artist(b, 4, at(day, 21))
        act.review(b, side=Side.ARTIST, rating=5, published=at(day, 21))
        act.message(venue.user, artist.user, at(day, 9))
        act.message(artist.user, venue.user, at(day, 10))
        act.fan_joins(act.fan_list(artist), at(day, 11))
        act.campaign_send(artist, at(day, 12))
        act.gig(venue, at(day, 8))
        app = act.application(artist, act.gig(venue), at(day, 1))
        act.answer(app, at(day, 2 + i % 20))


def _queries(day: dt.date) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = services.rollup_day(day=day)
    assert result.artists > 0 and result.venues > 0
    return len(captured)


# The statements of one busy day's rollup, whatever the number of artists: the day's lock; per
# kind the subjects, one per registered figure function (15: fan growth takes two), the upsert
# and the day's existing rows; the run's record (two) and the savepoints.
ROLLUP_QUERIES = 30


@pytest.mark.postgres
def test_the_rollup_runs_as_many_queries_for_200_artists_as_for_10(
    django_assert_max_num_queries,
):
    _busy(10, D1)
    _busy(200, D2)
    few = _queries(D1)
    with django_assert_max_num_queries(ROLLUP_QUERIES):
        many = _queries(D2)
    assert DailyMetric.objects.filter(day=D1).count() == 10
    assert DailyMetric.objects.filter(day=D2).count() == 200
    assert VenueDailyMetric.objects.filter(day=D2).count() == 200
    assert few == many == ROLLUP_QUERIES


# --- two at once --------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_rollups_of_a_day_at_once_give_the_rows_of_one():
    artists = [ArtistProfileFactory() for _ in range(20)]
    for artist in artists:
        act.view(artist, D1)
        act.view(artist, D1)
    results = run_together(lambda: services.rollup_day(day=D1), 4)
    assert [r.artists for r in results] == [20, 20, 20, 20], results
    assert DailyMetric.objects.filter(day=D1).count() == 20
    assert set(DailyMetric.objects.values_list("profile_views", flat=True)) == {2}
