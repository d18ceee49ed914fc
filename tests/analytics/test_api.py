"""The analytics API: own figures only, every day of the range, the one range rule, headline
figures against the period before, the artist's choice of public figures and what the public
sees of it, errors in the one shape, and queries that do not grow with the days asked for."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Role
from analytics import cache as answers
from analytics import metrics, selectors, services
from analytics.api.serializers import DailyQuerySerializer, json_value
from analytics.api.views import _iso_dates
from analytics.models import DailyMetric, PublicStats
from artists.models import ProfileView
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.analytics.conftest import artist_day, client_for, days_ago, venue_day
from tests.artists.factories import ArtistProfileFactory
from tests.redis_trips import commands

pytestmark = pytest.mark.django_db

API = "/api/v1/analytics"


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


# --- GET /analytics/daily/ ---------------------------------------------------------------------


def test_an_artist_gets_every_day_of_the_last_30_with_their_own_figures(artist):
    artist_day(artist, 0, profile_views=7, unique_viewers=7, reviews=2, avg_rating=Decimal("4.5"))
    artist_day(artist, 29, earnings=12_345, gigs_completed=1)
    artist_day(artist, 30, profile_views=99)  # before the 30 days
    other = ArtistProfileFactory()
    artist_day(other, 0, profile_views=1000)  # someone else's
    body = client_for(artist.user).get(f"{API}/daily/").json()
    assert (body["subject"], body["id"]) == ("artist", artist.pk)
    assert (body["from"], body["to"]) == (days_ago(29).isoformat(), days_ago(0).isoformat())
    days = body["days"]
    assert [d["day"] for d in days] == [days_ago(n).isoformat() for n in range(29, -1, -1)]
    assert set(days[0]) == {"day", *metrics.names("artist")}
    assert (days[0]["earnings"], days[0]["gigs_completed"]) == (12_345, 1)
    assert days[-1]["profile_views"] == 7 and days[-1]["avg_rating"] == 4.5
    zeros = {m.name: None if m.nullable else 0 for m in metrics.ARTIST_METRICS}
    assert days[10] == {"day": days_ago(19).isoformat(), **zeros}
    assert sum(d["profile_views"] for d in days) == 7  # never the other artist's


def test_a_venue_gets_its_own_figures(venue):
    venue_day(venue, 1, gigs_posted=2, applications_answered=3, median_answer_seconds=5400)
    body = client_for(venue.user).get(f"{API}/daily/", {"from": days_ago(2), "to": days_ago(0)})
    body = body.json()
    assert (body["subject"], body["id"]) == ("venue", venue.pk)
    assert [d["gigs_posted"] for d in body["days"]] == [0, 2, 0]
    assert [d["median_answer_seconds"] for d in body["days"]] == [None, 5400, None]
    assert set(body["days"][0]) == {"day", *metrics.names("venue")}


@pytest.mark.parametrize("path", ["daily/", "summary"])
def test_only_artists_and_venues_have_figures(path):
    fan = UserFactory(role=Role.FAN)
    error_of(client_for(fan).get(f"{API}/{path}"), 403, "not_artist_or_venue")
    error_of(client_for(NewUserFactory()).get(f"{API}/{path}"), 403, "not_artist_or_venue")
    error_of(client_for(None).get(f"{API}/{path}"), 401, "not_authenticated")


def test_an_artist_without_a_profile_yet_is_told_so():
    newcomer = NewUserFactory(role=Role.ARTIST)
    error_of(client_for(newcomer).get(f"{API}/daily/"), 404, "not_found")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "TODAY"}, "to"),  # today is not rolled up yet
        ({"from": "D0", "to": "D1"}, "from"),  # first after last
        ({"from": "D366", "to": "D0"}, "from"),  # 367 days
        ({"from": "2024-02-30"}, "from"),  # no such day
        ({"to": "yesterday"}, "to"),
    ],
)
def test_a_range_the_rule_refuses_is_a_400_naming_the_field(artist, query, field):
    named = {"TODAY": days_ago(-1), "D0": days_ago(0), "D1": days_ago(1), "D366": days_ago(366)}
    params = {k: str(named.get(v, v)) for k, v in query.items()}
    error = error_of(client_for(artist.user).get(f"{API}/daily/", params), 400, "validation_error")
    assert field in error["details"], error


def test_a_whole_year_is_one_entry_per_day_in_a_fixed_number_of_queries(
    artist, django_assert_max_num_queries
):
    for n in range(0, 366, 3):
        artist_day(artist, n, profile_views=n + 1)
    client = client_for(artist.user)
    with django_assert_max_num_queries(3):  # the profile, its days (and the session's user)
        body = client.get(f"{API}/daily/", {"from": days_ago(365), "to": days_ago(0)}).json()
    assert len(body["days"]) == 366
    assert sum(d["profile_views"] for d in body["days"]) == sum(n + 1 for n in range(0, 366, 3))


# --- GET /analytics/summary -----------------------------------------------------------------


def test_the_summary_compares_the_period_with_the_one_before(artist):
    sale = {"earnings": 30_000, "gigs_completed": 1, "reviews": 1, "avg_rating": Decimal("4")}
    for n in range(7):
        artist_day(artist, n, profile_views=10, unique_viewers=10, **(sale if n == 2 else {}))
    artist_day(artist, 7, profile_views=50, unique_viewers=50)  # the week before
    body = client_for(artist.user).get(f"{API}/summary", {"days": 7}).json()
    assert (body["days"], body["first"], body["last"]) == (7, str(days_ago(6)), str(days_ago(0)))
    assert (body["previous_first"], body["previous_last"]) == (str(days_ago(13)), str(days_ago(7)))
    figures = {f["name"]: f for f in body["figures"]}
    assert list(figures) == list(metrics.names("artist"))
    views = figures["profile_views"]
    assert (views["value"], views["previous"], views["delta"], views["percent"]) == (70, 50, 20, 40)
    assert (views["direction"], views["good"], views["display"]) == ("up", True, "70")
    assert views["change_text"] == "Up 40% from 50."
    earnings = figures["earnings"]
    assert (earnings["value"], earnings["percent"], earnings["display"]) == (30_000, None, "$300")
    assert figures["avg_rating"]["value"] == 4.0 and figures["avg_rating"]["previous"] is None


def test_the_summary_takes_only_the_offered_periods(artist):
    response = client_for(artist.user).get(f"{API}/summary", {"days": 13})
    error = error_of(response, 400, "validation_error")
    assert "days" in error["details"]


# --- the artist's public figures --------------------------------------------------------------


def test_an_artist_chooses_the_public_figures(artist):
    client = client_for(artist.user)
    assert client.get(f"{API}/public-stats").json() == {
        "metrics": [],
        "available": list(metrics.SHAREABLE),
    }
    chosen = ["avg_rating", "profile_views"]
    response = client.put(f"{API}/public-stats", {"metrics": chosen}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["metrics"] == ["profile_views", "avg_rating"]  # the catalog's order
    assert PublicStats.objects.get(artist=artist).updated_by == artist.user


@pytest.mark.parametrize(
    "body",
    [{"metrics": ["earnings"]}, {"metrics": ["nope"]}, {"metrics": "profile_views"}, {}],
)
def test_private_or_unknown_figures_are_refused_and_nothing_changes(artist, body):
    PublicStats.objects.create(artist=artist, metrics=["profile_views"])
    response = client_for(artist.user).put(f"{API}/public-stats", body, format="json")
    error_of(response, 400, "validation_error")
    assert PublicStats.objects.get(artist=artist).metrics == ["profile_views"]


def test_a_stray_field_is_refused(artist):
    response = client_for(artist.user).put(
        f"{API}/public-stats", {"metrics": [], "public": True}, format="json"
    )
    assert "public" in error_of(response, 400, "validation_error")["details"]


def test_only_artists_choose_public_figures(venue):
    client = client_for(venue.user)
    error_of(client.get(f"{API}/public-stats"), 403, "not_an_artist")
    response = client.put(f"{API}/public-stats", {"metrics": []}, format="json")
    error_of(response, 403, "not_an_artist")
    assert not PublicStats.objects.exists()


def test_the_public_sees_only_the_chosen_figures(artist):
    artist_day(artist, 0, profile_views=12, unique_viewers=12, earnings=99_999, gigs_completed=1)
    artist_day(artist, 40, profile_views=3, unique_viewers=3)
    PublicStats.objects.create(artist=artist, metrics=["profile_views", "gigs_completed"])
    body = client_for(None).get(f"{API}/artists/{artist.slug}/public-stats").json()
    assert (body["slug"], body["stage_name"], body["days"]) == (artist.slug, "Nova Reyes", 30)
    assert [f["name"] for f in body["figures"]] == ["profile_views", "gigs_completed"]
    assert body["figures"][0]["value"] == 12
    assert len(body["trend"]) == 90
    last = {"day": str(days_ago(0)), "values": {"profile_views": 12, "gigs_completed": 1}}
    assert body["trend"][-1] == last
    assert "99999" not in str(body) and "earnings" not in str(body)


def test_an_artist_who_shows_nothing_has_no_public_figures(artist):
    artist_day(artist, 0, profile_views=12, unique_viewers=12)
    body = client_for(None).get(f"{API}/artists/{artist.slug}/public-stats").json()
    assert (body["figures"], body["trend"], body["first"]) == ([], [], None)


def test_a_hidden_artist_has_no_public_figures():
    hidden = ArtistProfileFactory(user__is_active=False)
    PublicStats.objects.create(artist=hidden, metrics=["profile_views"])
    response = client_for(None).get(f"{API}/artists/{hidden.slug}/public-stats")
    error_of(response, 404, "not_found")
    error_of(client_for(None).get(f"{API}/artists/nobody/public-stats"), 404, "not_found")


def test_days_are_iso_dates_and_ratings_numbers(artist):
    artist_day(artist, 0, reviews=3, avg_rating=Decimal("4.67"))
    body = client_for(artist.user).get(f"{API}/daily/", {"from": days_ago(0)}).json()
    zeros = {m.name: None if m.nullable else 0 for m in metrics.ARTIST_METRICS}
    expected = {**zeros, "day": str(days_ago(0)), "reviews": 3, "avg_rating": 4.67}
    assert body["days"] == [expected]
    assert dt.date.fromisoformat(body["from"]) == days_ago(0)


# --- the kept answer (analytics.cache) ---------------------------------------------------------


def _expected(subject, first: dt.date, last: dt.date) -> dict:
    """The answer as built from the rows, day by day (``selectors.daily``)."""
    days = selectors.daily(subject, first=first, last=last)
    return {
        "subject": subject.kind,
        "id": subject.id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": [{k: json_value(v) for k, v in day.items()} for day in days],
    }


def test_the_next_answer_is_kept_and_costs_no_query(artist, django_assert_max_num_queries):
    artist_day(artist, 0, profile_views=3, unique_viewers=3, reviews=2, avg_rating=Decimal("4.5"))
    artist_day(artist, 40, earnings=9_900, gigs_completed=1, fan_growth=-2)
    client = client_for(artist.user)
    subject = selectors.subject_of(user=artist.user)
    year = {"from": days_ago(364), "to": days_ago(0)}
    with django_assert_max_num_queries(2):  # the profile and its days
        first = client.get(f"{API}/daily/", year)
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert first.json() == _expected(subject, days_ago(364), days_ago(0))
    with django_assert_max_num_queries(0):
        again = client.get(f"{API}/daily/", year)
        month = client.get(f"{API}/daily/", {"from": days_ago(60), "to": days_ago(31)})
        default = client.get(f"{API}/daily/")
    assert again.content == first.content
    assert month.json() == _expected(subject, days_ago(60), days_ago(31))
    assert default.json() == _expected(subject, days_ago(29), days_ago(0))


def test_a_range_older_than_the_kept_days_is_read_as_asked(artist, django_assert_max_num_queries):
    old = answers.SERIES_DAYS + 10
    artist_day(artist, old, profile_views=5, unique_viewers=5)
    client = client_for(artist.user)
    subject = selectors.subject_of(user=artist.user)
    query = {"from": days_ago(old + 3), "to": days_ago(old - 3)}
    for _ in range(2):
        with django_assert_max_num_queries(2):
            body = client.get(f"{API}/daily/", query).json()
        assert body == _expected(subject, days_ago(old + 3), days_ago(old - 3))
        assert [d["profile_views"] for d in body["days"]] == [0, 0, 0, 5, 0, 0, 0]


def test_a_venue_answer_is_kept_with_its_own_figures(venue):
    venue_day(venue, 1, applications_answered=2, median_answer_seconds=3_600, avg_rating=None)
    client = client_for(venue.user)
    subject = selectors.subject_of(user=venue.user)
    first = client.get(f"{API}/daily/").json()
    assert first == _expected(subject, days_ago(29), days_ago(0))
    assert client.get(f"{API}/daily/").json() == first


@pytest.mark.django_db(transaction=True)
def test_a_rollup_that_writes_makes_the_kept_answer_unusable():
    """The rollup commits, then the next read has its figures (a real commit: the generation
    changes inside the transaction and again after it)."""
    artist = ArtistProfileFactory()
    client = client_for(artist.user)
    day = days_ago(0)
    views = lambda: client.get(f"{API}/daily/").json()["days"][-1]["profile_views"]  # noqa: E731
    assert views() == 0
    ProfileView.objects.create(artist=artist, viewer_key="u:1", day=day)
    assert views() == 0  # kept: the rollup has not run
    services.rollup_day(day=day)
    assert views() == 1
    ProfileView.objects.create(artist=artist, viewer_key="u:2", day=day)
    services.rollup_day(day=day)
    assert views() == 2


def test_a_rerun_that_changes_nothing_keeps_the_answers(artist):
    ProfileView.objects.create(artist=artist, viewer_key="u:1", day=days_ago(0))
    services.rollup_day(day=days_ago(0))
    generation = cache.get(answers.GENERATION_KEY)
    assert generation
    result = services.rollup_day(day=days_ago(0))
    if result.changed == 0:  # PostgreSQL: the unchanged row is not written
        assert cache.get(answers.GENERATION_KEY) == generation
    ProfileView.objects.filter(artist=artist).delete()
    assert services.rollup_day(day=days_ago(0)).cleared == 1
    assert cache.get(answers.GENERATION_KEY) != generation


def test_an_answer_kept_under_another_generation_is_not_used(artist):
    """A reader that read the rows just before a rollup committed kept them under the old
    generation; the new one makes them unusable, and a lost generation key too."""
    client = client_for(artist.user)
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 0
    DailyMetric.objects.bulk_create(  # a bulk write: no signal
        [DailyMetric(artist_id=artist.pk, stage_name="x", day=days_ago(0), profile_views=4)]
    )
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 0  # still kept
    answers.figures_changed()
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 4
    DailyMetric.objects.filter(artist_id=artist.pk).update(profile_views=6)
    cache.delete(answers.GENERATION_KEY)  # evicted
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 6


def test_a_row_saved_one_by_one_makes_the_kept_answer_unusable(artist):
    client = client_for(artist.user)
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 0
    row = artist_day(artist, 0, profile_views=2, unique_viewers=2)
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 2
    row.delete()
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 0


def test_each_user_has_their_own_kept_answer(artist):
    other = ArtistProfileFactory()
    artist_day(artist, 0, profile_views=9, unique_viewers=9)
    mine = client_for(artist.user).get(f"{API}/daily/").json()
    theirs = client_for(other.user).get(f"{API}/daily/").json()
    assert (mine["id"], theirs["id"]) == (artist.pk, other.pk)
    assert theirs["days"][-1]["profile_views"] == 0 and mine["days"][-1]["profile_views"] == 9


def test_a_fan_is_refused_before_the_range_is_read():
    fan = UserFactory(role=Role.FAN)
    error_of(client_for(fan).get(f"{API}/daily/", {"to": "2999-01-01"}), 403, "not_artist_or_venue")


@pytest.mark.parametrize(
    "raw", ["2026-03-07", "2026-3-7", "2026-W10-1", "", "2026-02-30", "07/03/2026", "2026-03-07x"]
)
def test_the_quick_date_reading_agrees_with_the_serializer(raw):
    quick = _iso_dates({"from": raw})
    query = DailyQuerySerializer(data={"from": raw})
    if quick is not None:
        assert query.is_valid() and quick == (query.validated_data["from"], None)
    else:  # the serializer decides (and says what is wrong)
        assert raw in ("2026-3-7", "", "2026-02-30", "07/03/2026", "2026-03-07x")
    assert _iso_dates({}) == (None, None)


# --- the days' text written by PostgreSQL ------------------------------------------------------


def test_postgresql_writes_each_day_exactly_as_python_does(artist, venue):
    """``selectors._day_texts`` (one statement on PostgreSQL) against ``answers.day_texts``
    (Python, from the rows): the same text, byte for byte, for every kind of value."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL writes the days' text only there")
    ratings = ["1.00", "4.00", "4.50", "4.67", "3.33", "1.05", "2.10", "5.00", None]
    for n, rating in enumerate(ratings):
        artist_day(
            artist,
            2 * n,
            profile_views=n * 1000 + 7,
            unique_viewers=n,
            earnings=2**40 + n,
            reviews=1 if rating else 0,
            avg_rating=Decimal(rating) if rating else None,
            fan_growth=-n,
        )
    venue_day(
        venue,
        0,
        gigs_posted=2,
        applications_answered=3,
        median_answer_seconds=5400,
        reviews=2,
        avg_rating=Decimal("4.20"),
    )
    venue_day(venue, 3, bookings=1)  # no median, no rating
    for subject_user in (artist.user, venue.user):
        subject = selectors.subject_of(user=subject_user)
        first, count = days_ago(25), 27  # a day without a row at each end
        last = first + dt.timedelta(days=count - 1)
        in_python = answers.day_texts(
            subject.kind, first, count, selectors._rows(subject, first, last)
        )
        assert selectors._day_texts(subject, first, count) == in_python


def test_a_kept_answer_is_read_in_the_access_tokens_one_cache_round_trip(
    artist, django_assert_max_num_queries, on_redis, round_trips
):
    """Token authentication reads the view's keys (``user_cache_reads``) with the user, the
    revocation entry and the rate counts: a kept answer then costs one Redis command in all
    and no SQL."""
    from tests.events.appauth import minted_user_token

    artist_day(artist, 3, profile_views=4, unique_viewers=2)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {minted_user_token(artist.user)}")
    year = {"from": days_ago(364), "to": days_ago(0)}
    first = client.get(f"{API}/daily/", year)
    assert first.status_code == 200, first.content
    round_trips.clear()
    with django_assert_max_num_queries(0):
        again = client.get(f"{API}/daily/", year)
        month = client.get(f"{API}/daily/", {"from": days_ago(40), "to": days_ago(2)})
    assert again.content == first.content
    subject = selectors.subject_of(user=artist.user)
    assert month.json() == _expected(subject, days_ago(40), days_ago(2))
    assert commands(round_trips) == [b"EVALSHA", b"EVALSHA"]


def test_the_kept_answer_read_by_authentication_follows_a_new_generation(
    artist, on_redis, round_trips
):
    from tests.events.appauth import minted_user_token

    artist_day(artist, 0, profile_views=1, unique_viewers=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {minted_user_token(artist.user)}")
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 1
    DailyMetric.objects.filter(artist_id=artist.pk).update(profile_views=5)
    answers.figures_changed()
    assert client.get(f"{API}/daily/").json()["days"][-1]["profile_views"] == 5
