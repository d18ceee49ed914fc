"""The rollup's services, its rows and the API's kept answers, pinned where the mutation run of
analytics.services, analytics.rollup and analytics.cache found them loose
(docs/mutation/analytics-violet.md): the refusals' codes, messages and details, the clock a
caller passes, what a run records, which rows a rerun empties, and when a kept answer is used."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from analytics import cache as answers
from analytics import metrics, rollup, services
from analytics.models import DailyMetric, PublicStats, RollupRun, VenueDailyMetric
from tests.analytics import activity as act
from tests.analytics.activity import D1, D2, D3, at
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import VenueProfileFactory
from umbrella import daily_metrics
from umbrella.daily_metrics import ARTIST, VENUE, Day, Figures, Subjects
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def error_shape(error: ApplicationError) -> tuple:
    return error.code, error.message, error.details, error.status_code, error.field


def real_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# --- the day that is over -------------------------------------------------------------------


def test_the_last_complete_day_is_yesterday_in_utc_whatever_the_zone_of_now():
    new_york = dt.timezone(dt.timedelta(hours=-5))
    late_evening = dt.datetime(2024, 3, 1, 23, 30, tzinfo=new_york)  # 04:30 UTC on 2 March
    assert services.last_complete_day(late_evening) == dt.date(2024, 3, 1)
    assert services.last_complete_day(at(D3, 0, 0)) == D2
    assert services.last_complete_day() == real_today() - dt.timedelta(days=1)


def test_a_day_not_over_is_refused_with_its_message_against_the_clock_given():
    now = at(D3, 0, 7)  # D2 has just ended, D3 has not
    error = refused(services.rollup_day, day=D3, now=now)
    assert error_shape(error) == (
        "day_not_over",
        f"{D3} is not over yet (UTC): it can be rolled up tomorrow.",
        {},
        400,
        None,
    )
    assert services.rollup_day(day=D2, now=now).day == D2  # yesterday is over
    assert list(RollupRun.objects.values_list("day", flat=True)) == [D2]


def test_a_day_over_by_the_clock_given_is_rolled_up_even_if_the_server_clock_disagrees():
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    day = real_today() + dt.timedelta(days=3)
    assert services.rollup_day(day=day, now=later).day == day
    results = services.rollup_days(first=day, last=day + dt.timedelta(days=1), now=later)
    assert [r.day for r in results] == [day, day + dt.timedelta(days=1)]
    nightly = services.rollup_due(now=later)
    assert nightly[-1].day == (later - dt.timedelta(days=1)).date()


# --- what a run records ------------------------------------------------------------------------


def _statements_of_the_run(captured) -> int:
    """The statements of the rollup itself: not its savepoints, not its own record."""
    return len(
        [
            q
            for q in captured
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
            and "analytics_rolluprun" not in q["sql"]
        ]
    )


def test_a_run_records_its_rows_its_statements_and_its_time():
    artists = [ArtistProfileFactory() for _ in range(3)]
    venue = VenueProfileFactory()
    for artist in artists:
        act.view(artist, D1)
    act.gig(venue, at(D1, 9))
    with CaptureQueriesContext(connection) as captured:
        result = services.rollup_day(day=D1)
    assert (result.day, result.artists, result.venues, result.cleared) == (D1, 3, 1, 0)
    assert result.changed == 4  # new rows: written on any database
    assert result.queries == _statements_of_the_run(captured.captured_queries)
    assert isinstance(result.seconds, float) and 0 < result.seconds < 60  # ~20 statements
    assert result.seconds == round(result.seconds, 3)  # to the millisecond
    run = RollupRun.objects.get(day=D1)
    assert (run.artists, run.venues, run.cleared, run.queries, run.seconds) == (
        3,
        1,
        0,
        result.queries,
        result.seconds,
    )
    assert abs(run.finished_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_a_rerun_that_empties_rows_records_how_many():
    artist, quiet, venue = ArtistProfileFactory(), ArtistProfileFactory(), VenueProfileFactory()
    act.view(artist, D1)
    gone = act.view(quiet, D1)
    gig = act.gig(venue, at(D1, 9))
    services.rollup_day(day=D1)
    gone.delete()
    gig.delete()
    result = services.rollup_day(day=D1)
    assert (result.artists, result.venues, result.cleared) == (1, 0, 2)
    assert RollupRun.objects.get(day=D1).cleared == 2
    assert list(DailyMetric.objects.values_list("artist_id", flat=True)) == [artist.pk]
    assert not VenueDailyMetric.objects.exists()


def test_a_run_that_writes_takes_a_new_generation_for_the_kept_answers():
    artist = ArtistProfileFactory()
    act.view(artist, D1)
    answers.figures_changed()
    before = cache.get(answers.GENERATION_KEY)
    services.rollup_day(day=D1)  # writes a row, empties none
    assert cache.get(answers.GENERATION_KEY) not in (None, before)


def test_a_run_that_writes_nothing_keeps_the_generation():
    ArtistProfileFactory()
    answers.figures_changed()
    before = cache.get(answers.GENERATION_KEY)
    result = services.rollup_day(day=D1)
    assert (result.changed, result.cleared) == (0, 0)
    assert cache.get(answers.GENERATION_KEY) == before


# --- backfills ---------------------------------------------------------------------------------


def test_a_backfill_whose_first_day_is_after_its_last_is_refused_by_name():
    error = refused(services.rollup_days, first=D2, last=D1)
    assert error_shape(error) == (
        "validation_error",
        "The first day comes after the last.",
        {"from": ["Must not be after the last day."]},
        400,
        None,
    )
    assert not RollupRun.objects.exists()


def test_a_backfill_up_to_a_day_not_over_is_refused_before_any_day_is_rolled_up():
    now = at(D3, 0, 7)
    error = refused(services.rollup_days, first=D1, last=D3, now=now)
    assert error_shape(error) == (
        "day_not_over",
        f"{D3} is not over yet (UTC): the last day must be before today.",
        {},
        400,
        None,
    )
    assert not RollupRun.objects.exists()  # not even D1 and D2


def test_a_backfill_of_one_day_up_to_yesterday():
    now = at(D3, 0, 7)
    seen = []
    results = services.rollup_days(
        first=D2, last=D2, now=now, progress=lambda n, total, r: seen.append((n, total, r.day))
    )
    assert [r.day for r in results] == [D2]
    assert seen == [(1, 1, D2)]
    assert [r.day for r in services.rollup_days(first=D1, last=D2, now=now)] == [D1, D2]


def test_the_days_between_two_days_include_both():
    assert services.days_between(D1, D3) == [D1, D2, D3]
    assert services.days_between(D2, D2) == [D2]
    assert services.days_between(D3, D1) == []


def test_the_nightly_job_covers_the_seven_days_up_to_yesterday_and_skips_those_with_a_run():
    now = at(D3 + dt.timedelta(days=8), 0, 7)
    yesterday = D3 + dt.timedelta(days=7)
    week = [yesterday - dt.timedelta(days=n) for n in range(6, -1, -1)]
    assert [r.day for r in services.rollup_due(now=now)] == week  # no run yet: every day
    RollupRun.objects.filter(day__in=[week[1], week[3]]).delete()
    assert [r.day for r in services.rollup_due(now=now)] == [week[1], week[3], yesterday]


def test_the_last_rollup_is_the_latest_day_rolled_up():
    assert services.last_rollup() is None
    services.rollup_day(day=D2)
    services.rollup_day(day=D1)
    assert services.last_rollup() == D2


# --- public figures -----------------------------------------------------------------------------


def test_figures_that_cannot_be_public_are_named_in_order():
    error = refused(
        services.public_stats_check, metric_names=["profile_views", "nope", "earnings", "nope"]
    )
    assert error_shape(error) == (
        "validation_error",
        "These figures can't be made public: earnings, nope.",
        {"metrics": ["Not a public figure: earnings.", "Not a public figure: nope."]},
        400,
        "metrics",
    )


def test_the_public_figures_are_kept_in_the_catalogs_order_once_each():
    shareable = list(metrics.SHAREABLE)
    chosen = services.public_stats_check(metric_names=iter(reversed(shareable + shareable[:1])))
    assert chosen == shareable


def test_choosing_public_figures_records_who_chose_and_a_new_choice_replaces_it():
    artist = ArtistProfileFactory()
    first = services.public_stats_set(user=artist.user, metric_names=["avg_rating"])
    assert (first.artist_id, first.metrics, first.updated_by_id) == (
        artist.pk,
        ["avg_rating"],
        artist.user.pk,
    )
    services.public_stats_set(user=artist.user, metric_names=[])
    assert list(PublicStats.objects.values_list("artist_id", "metrics")) == [(artist.pk, [])]


# --- the rows of a day (analytics.rollup) ---------------------------------------------------


def test_collect_gives_every_subject_and_the_figures_of_the_active_ones_with_defaults():
    busy, quiet = ArtistProfileFactory(), ArtistProfileFactory()
    act.view(busy, D1)
    subjects, rows = rollup.collect(ARTIST, Day(D1))
    assert subjects == {busy.pk: busy.stage_name, quiet.pk: quiet.stage_name}
    zeros = {m.name: None if m.nullable else 0 for m in metrics.ARTIST_METRICS}
    assert rows == {busy.pk: {**zeros, "profile_views": 1, "unique_viewers": 1}}


def test_a_row_is_empty_only_when_every_figure_is_zero_or_none():
    assert rollup._empty({"a": 0, "b": None})
    assert not rollup._empty({"a": 0, "b": 1})
    assert not rollup._empty({"a": -1, "b": None})  # a fan list that shrank is activity
    assert not rollup._empty({"a": Decimal("4.5")})


def test_write_stores_the_rows_with_their_names_and_clear_emptied_only_existing_subjects():
    day = D1
    rows = {7: {**rollup._defaults(ARTIST), "profile_views": 2}, 3: rollup._defaults(ARTIST)}
    rows[3]["earnings"] = 500
    written = rollup.write(ARTIST, day, {7: "Seven", 3: "Three"}, rows)
    assert written == 2
    stored = dict(DailyMetric.objects.filter(day=day).values_list("artist_id", "stage_name"))
    assert stored == {3: "Three", 7: "Seven"}
    assert DailyMetric.objects.get(artist_id=3, day=day).earnings == 500
    assert rollup.write(ARTIST, day, {}, {}) == 0
    # 7 exists and has nothing now; 3 is gone (not a subject): only 7's row goes
    assert rollup.clear_emptied(ARTIST, day, {7: "Seven"}, {}) == 1
    assert list(DailyMetric.objects.values_list("artist_id", flat=True)) == [3]
    assert rollup.clear_emptied(ARTIST, day, {3: "Three"}, {3: rows[3]}) == 0
    assert rollup.clear_emptied(VENUE, day, {3: "Three"}, {}) == 0


# --- the kept answers (analytics.cache) -----------------------------------------------------


_DEFAULT = object()  # a timeout not given


class _Recording:
    """The cache, with what was set and for how long."""

    def __init__(self, real):
        self.real = real
        self.timeouts: dict[str, object] = {}

    def __getattr__(self, name):
        return getattr(self.real, name)

    def set(self, key, value, timeout=_DEFAULT):
        self.timeouts[key] = timeout
        if timeout is _DEFAULT:
            return self.real.set(key, value)
        return self.real.set(key, value, timeout=timeout)

    def add(self, key, value, timeout=_DEFAULT):
        self.timeouts[key] = timeout
        if timeout is _DEFAULT:
            return self.real.add(key, value)
        return self.real.add(key, value, timeout=timeout)


@pytest.fixture
def recording(monkeypatch):
    spy = _Recording(cache)
    monkeypatch.setattr(answers, "cache", spy)
    return spy


def _series(count: int = 5) -> answers.Series:
    texts = answers.day_texts(ARTIST, D1, count, {})
    return answers.Series(ARTIST, 9, D1, texts)


def test_a_series_answers_a_range_inside_its_days_only():
    series = _series(5)  # D1 .. D1 + 4
    days = [D1 + dt.timedelta(days=n) for n in range(5)]
    whole = series.answer(days[0], days[-1])
    assert whole == answers.body(ARTIST, 9, days[0], days[-1], answers.day_texts(ARTIST, D1, 5, {}))
    assert series.answer(days[0], days[0]) == answers.body(
        ARTIST, 9, D1, D1, answers.day_texts(ARTIST, D1, 1, {})
    )
    assert series.answer(D1 - dt.timedelta(days=1), days[2]) is None  # starts before
    assert series.answer(days[1], days[-1] + dt.timedelta(days=1)) is None  # ends after


def test_a_kept_answer_lasts_a_day_and_the_rollups_margin_and_a_generation_forever(recording):
    kept = answers.daily_get(user_id=1, role="artist", first=D1, last=D1)
    assert kept.answer is None and recording.timeouts[answers.GENERATION_KEY] is None
    answers.daily_put(kept, _series(1))
    assert recording.timeouts[kept.key] == answers.KEEP_SECONDS == 26 * 3600
    answers.figures_changed()
    assert recording.timeouts[answers.GENERATION_KEY] is None


def test_a_missing_generation_is_made_once_and_a_racing_one_wins():
    cache.delete(answers.GENERATION_KEY)
    made = answers._generation(None)
    assert isinstance(made, str) and len(made) == 16
    assert cache.get(answers.GENERATION_KEY) == made
    assert answers._generation(made) == made
    assert answers._generation(None) == made  # someone made it first: theirs is used


def test_a_generation_lost_again_between_two_reads_is_replaced_by_a_new_token(monkeypatch):
    class Evicting:
        """Someone else made the generation, and it was evicted before it could be read."""

        def add(self, key, value, timeout=None):
            return False

        def get(self, key):
            return None

    monkeypatch.setattr(answers, "cache", Evicting())
    token = answers._generation(None)
    assert isinstance(token, str) and len(token) == 16


def test_a_kept_series_answers_its_user_and_role_under_the_generation_it_was_kept_under():
    first, last = D1, D1 + dt.timedelta(days=4)
    kept = answers.daily_get(user_id=9, role="artist", first=first, last=last)
    assert (kept.key, kept.answer) == (answers.series_key(9, "artist"), None)
    assert kept.generation == cache.get(answers.GENERATION_KEY)
    answers.daily_put(kept, _series(5))
    again = answers.daily_get(user_id=9, role="artist", first=first, last=last)
    assert again.answer == _series(5).answer(first, last) is not None
    assert answers.daily_get(user_id=9, role="venue", first=first, last=last).answer is None
    assert answers.daily_get(user_id=8, role="artist", first=first, last=last).answer is None
    answers.figures_changed()
    assert answers.daily_get(user_id=9, role="artist", first=first, last=last).answer is None


def test_a_kept_value_that_is_not_a_series_is_no_answer():
    kept = answers.daily_get(user_id=9, role="artist", first=D1, last=D1)
    cache.set(kept.key, (kept.generation, "not a series"))
    assert answers.daily_get(user_id=9, role="artist", first=D1, last=D1).answer is None
    cache.set(kept.key, (kept.generation,))
    assert answers.daily_get(user_id=9, role="artist", first=D1, last=D1).answer is None


def test_reading_a_kept_answer_is_one_cache_round_trip(recording, monkeypatch):
    kept = answers.daily_get(user_id=9, role="artist", first=D1, last=D1)
    answers.daily_put(kept, _series(1))
    calls = []
    for name in ("get", "add", "get_many"):
        real = getattr(cache, name)
        monkeypatch.setattr(
            recording, name, lambda *a, _n=name, _r=real, **k: calls.append(_n) or _r(*a, **k)
        )
    assert answers.daily_get(user_id=9, role="artist", first=D1, last=D1).answer is not None
    assert calls == ["get_many"]


def test_collect_asks_for_the_day_skips_subjects_gone_meanwhile_and_takes_only_its_names(
    monkeypatch,
):
    def subjects_of_day(day):
        return {1: "One", 2: "Two"} if day == Day(D1) else {}

    views = Figures(
        ARTIST,
        ("profile_views",),
        # 99 is gone since (first, so the others are still read); "earnings" is not its figure
        lambda day: {99: {"profile_views": 5}, 1: {"profile_views": 3, "earnings": 7}},
    )
    fans = Figures(ARTIST, ("fan_growth",), lambda day: {2: {"fan_growth": -1}, 99: {}})
    monkeypatch.setattr(daily_metrics, "subjects_of", lambda kind: Subjects(kind, subjects_of_day))
    monkeypatch.setattr(daily_metrics, "figures_of", lambda kind: [views, fans])
    subjects, rows = rollup.collect(ARTIST, Day(D1))
    zeros = rollup._defaults(ARTIST)
    assert subjects == {1: "One", 2: "Two"}
    assert rows == {1: {**zeros, "profile_views": 3}, 2: {**zeros, "fan_growth": -1}}
    monkeypatch.setattr(daily_metrics, "subjects_of", lambda kind: None)
    assert rollup.collect(ARTIST, Day(D1)) == ({}, {})


def test_clear_emptied_deletes_every_emptied_row_of_the_day_in_one_go():
    zeros = rollup._defaults(ARTIST)
    rows = {pk: {**zeros, "profile_views": 1} for pk in (1, 2, 3)}
    subjects = {1: "One", 2: "Two", 3: "Three"}
    rollup.write(ARTIST, D1, subjects, rows)
    rollup.write(ARTIST, D2, subjects, rows)
    assert rollup.clear_emptied(ARTIST, D1, subjects, {2: rows[2]}) == 2
    assert list(DailyMetric.objects.filter(day=D1).values_list("artist_id", flat=True)) == [2]
    assert DailyMetric.objects.filter(day=D2).count() == 3  # another day's rows stay


def test_a_range_outside_the_kept_days_keeps_the_new_series_under_the_same_key():
    kept = answers.daily_get(user_id=9, role="artist", first=D1, last=D1)
    answers.daily_put(kept, _series(5))
    later = D1 + dt.timedelta(days=10)
    outside = answers.daily_get(user_id=9, role="artist", first=later, last=later)
    assert (outside.key, outside.generation, outside.answer) == (kept.key, kept.generation, None)
    answers.daily_put(
        outside, answers.Series(ARTIST, 9, later, answers.day_texts(ARTIST, later, 1, {}))
    )
    assert answers.daily_get(user_id=9, role="artist", first=later, last=later).answer is not None


# --- the days' JSON text, and a new generation (the second mutation run) ----------------------
# ``FORMATTERS`` and ``ZEROS`` are built when analytics.cache is imported, before mutmut forks
# the process that runs a mutant's tests: only a call made by a test reaches a mutant of
# ``_formatter``, ``_int_text``, ``_rating_text`` or ``_zeros``, so these tests build them again.


def rendered(figures: dict) -> str:
    """The JSON text DRF's renderer writes for a day's figures, after ``{"day":"…",``."""
    return JSONRenderer().render(figures).decode()[1:]


def test_a_days_figures_are_written_as_drf_writes_them_in_the_catalogs_order():
    values = {
        "profile_views": 1204,
        "unique_viewers": 7.0,  # a count read as a float is still written as a whole number
        "gigs_completed": 0,
        "earnings": 125_050,
        "reviews": 3,
        "avg_rating": Decimal("4.50"),
        "applications_sent": 2,
        "applications_accepted": 1,
        "messages_received": 9,
        "fan_growth": -4,
        "campaign_sends": 11,
    }
    assert [m.name for m in metrics.METRICS[ARTIST]] == list(values)
    text = answers._formatter(ARTIST)(list(values.values()))
    expected = {**values, "unique_viewers": 7, "avg_rating": 4.5}
    assert text == rendered(expected)
    assert answers.FORMATTERS[ARTIST](list(values.values())) == text
    venue = [m.name for m in metrics.METRICS[VENUE]]
    none = dict.fromkeys(venue, 5) | {"median_answer_seconds": None, "avg_rating": None}
    assert answers._formatter(VENUE)(list(none.values())) == rendered(none)
    with pytest.raises(ValueError):  # a row that does not match the catalog is not shifted
        answers._formatter(VENUE)(list(none.values())[:-1])


def test_a_quiet_days_figures_are_zeros_and_its_ratings_and_medians_none():
    for kind in (ARTIST, VENUE):
        quiet = {m.name: (None if m.nullable else 0) for m in metrics.METRICS[kind]}
        assert answers._zeros(kind) == answers.ZEROS[kind] == rendered(quiet)
    assert '"avg_rating":null' in answers._zeros(ARTIST)
    assert '"median_answer_seconds":null' in answers._zeros(VENUE)


def test_a_write_takes_a_new_generation_now_and_another_once_it_commits(
    django_capture_on_commit_callbacks,
):
    before = answers._generation(None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answers.figures_changed_on_commit()
        during = cache.get(answers.GENERATION_KEY)
        assert isinstance(during, str) and during != before
    after = cache.get(answers.GENERATION_KEY)
    assert len(callbacks) == 1 and isinstance(after, str) and after not in (before, during)
    assert len(after) == 16 and int(after, 16) >= 0  # a random 8-byte token, in hex


def test_token_authentication_reads_the_generation_and_both_roles_kept_days():
    assert answers.reads_for(9) == (
        "analytics:generation",
        "analytics:daily:9:artist",
        "analytics:daily:9:venue",
    )


def _counting(monkeypatch, recording) -> list[str]:
    calls: list[str] = []
    for name in ("get", "add", "get_many"):
        real = getattr(cache, name)
        monkeypatch.setattr(
            recording, name, lambda *a, _n=name, _r=real, **k: calls.append(_n) or _r(*a, **k)
        )
    return calls


def test_what_authentication_read_is_used_as_found_without_reading_again(recording, monkeypatch):
    kept = answers.daily_get(user_id=9, role="artist", first=D1, last=D1)
    series = _series(1)
    keys = answers.reads_for(9)
    cache.clear()  # what was read is all there is
    calls = _counting(monkeypatch, recording)
    found = {answers.GENERATION_KEY: kept.generation, kept.key: (kept.generation, series)}
    again = answers.daily_get(user_id=9, role="artist", first=D1, last=D1, read=(keys, found))
    assert again.answer == series.answer(D1, D1) and calls == []
    nothing = {answers.GENERATION_KEY: kept.generation}  # no kept days were found
    again = answers.daily_get(user_id=9, role="artist", first=D1, last=D1, read=(keys, nothing))
    assert (again.generation, again.answer, calls) == (kept.generation, None, [])
    answers.daily_get(user_id=9, role="artist", first=D1, last=D1, read=(keys, {}))
    assert calls == ["add"]  # no generation found: made once, nothing read again
    other = answers.reads_for(8)  # read for someone else: read again
    answers.daily_get(user_id=9, role="artist", first=D1, last=D1, read=(other, found))
    assert calls == ["add", "get_many"]
