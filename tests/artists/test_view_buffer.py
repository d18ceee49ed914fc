"""Profile views with Redis: the request records a view in Redis (no SQL write), the flush
writes them in batches, and the count stays exact under crashes, repeats and concurrency.

Runs against the real Redis of ``REDIS_URL`` (skipped without it); the flush's database write
is checked on PostgreSQL and SQLite alike.
"""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from artists import selectors, services
from artists.api.views import PUBLIC_ROW
from artists.models import ArtistProfile, ProfileView
from artists.services import counters
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _needs_redis():
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")


@pytest.fixture
def artist():
    return ArtistProfileFactory()


def view(artist, ip: str) -> None:
    response = APIClient().get(f"/api/v1/artists/{artist.slug}", REMOTE_ADDR=ip)
    assert response.status_code == 200


def counted(artist) -> tuple[int, int]:
    """(the artist's counter, its view rows)."""
    return (
        ArtistProfile.objects.get(pk=artist.pk).profile_views,
        ProfileView.objects.filter(artist=artist).count(),
    )


def test_a_view_costs_the_request_one_select_and_no_write(artist, django_assert_num_queries):
    with django_assert_num_queries(1):  # the profile row; the view goes to Redis
        view(artist, "198.51.100.1")

    assert counted(artist) == (0, 0)
    assert services.profile_views_pending() == 1


def test_views_are_counted_exactly_once_per_viewer_per_day_after_a_flush(artist):
    for n in range(5):
        view(artist, f"198.51.100.{n}")
        view(artist, f"198.51.100.{n}")  # the same viewer again: not even recorded
    signed_in = Client()
    signed_in.force_login(UserFactory())
    signed_in.get(f"/api/v1/artists/{artist.slug}")
    signed_in.get(f"/artists/{artist.slug}/")  # the page and the API share the count
    owner = Client()
    owner.force_login(artist.user)
    owner.get(f"/api/v1/artists/{artist.slug}")  # the owner never counts

    assert services.profile_views_pending() == 6
    assert services.profile_views_flush() == 6
    assert counted(artist) == (6, 6)
    assert services.profile_views_pending() == 0
    assert services.profile_views_flush() == 0  # nothing left: a second flush adds nothing
    assert counted(artist) == (6, 6)


def test_the_profile_shows_the_count_after_the_flush(artist):
    url = f"/api/v1/artists/{artist.slug}"
    assert APIClient().get(url, REMOTE_ADDR="198.51.100.1").json()["profile_views"] == 0
    assert APIClient().get(url, REMOTE_ADDR="198.51.100.1").json()["profile_views"] == 0

    services.profile_views_flush()

    assert APIClient().get(url, REMOTE_ADDR="198.51.100.1").json()["profile_views"] == 1
    page = Client().get(f"/artists/{artist.slug}/stats/", REMOTE_ADDR="198.51.100.1")
    assert b"<h3>1</h3><p>profile view</p>" in page.content


def test_a_flush_that_crashes_halfway_loses_nothing_and_counts_nothing_twice(artist, monkeypatch):
    for n in range(5):
        view(artist, f"198.51.100.{n}")
    real = counters._write_views
    batches = []

    def dies_on_the_second_batch(views):
        batches.append(views)
        if len(batches) == 2:
            raise RuntimeError("worker killed")
        return real(views)

    monkeypatch.setattr(counters, "_write_views", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        services.profile_views_flush(batch=2)
    assert counted(artist) == (2, 2)  # the first batch committed, the second rolled back
    monkeypatch.setattr(counters, "_write_views", real)

    view(artist, "198.51.100.99")  # recorded while a batch list is left over
    assert services.profile_views_flush(batch=2) == 4  # the 3 left over, then the new one
    assert counted(artist) == (6, 6)


def test_a_batch_written_but_not_trimmed_is_not_counted_twice(artist, monkeypatch):
    """The worker dies after the commit, before the batch leaves the list: the next flush
    writes it again and the unique rows turn the repeat into nothing."""
    for n in range(3):
        view(artist, f"198.51.100.{n}")
    real = counters._write_views

    def commits_then_dies(views):
        real(views)
        raise RuntimeError("killed after the commit")

    monkeypatch.setattr(counters, "_write_views", commits_then_dies)
    with pytest.raises(RuntimeError):
        services.profile_views_flush()
    monkeypatch.setattr(counters, "_write_views", real)
    assert counted(artist) == (3, 3)
    assert services.profile_views_pending() == 3  # still listed

    assert services.profile_views_flush() == 0
    assert counted(artist) == (3, 3)
    assert services.profile_views_pending() == 0


def test_views_already_in_the_database_are_not_counted_again(artist):
    """A Redis restart forgets the markers: the same viewer is recorded again that day, and
    the unique row refuses it at the flush."""
    view(artist, "198.51.100.1")
    services.profile_views_flush()
    cache.clear()
    view(artist, "198.51.100.1")

    assert services.profile_views_flush() == 0
    assert counted(artist) == (1, 1)


def test_only_one_flush_runs_at_a_time(artist):
    view(artist, "198.51.100.1")
    cache.add(counters.FLUSH_LOCK, "another flush", timeout=60)

    assert services.profile_views_flush() == 0
    assert services.profile_views_pending() == 1
    cache.delete(counters.FLUSH_LOCK)
    assert services.profile_views_flush() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_count_each_view_once():
    artist = ArtistProfileFactory()
    for n in range(40):
        view(artist, f"198.51.100.{n}")

    results = run_together(services.profile_views_flush, times=4)

    assert sum(results) == 40
    assert counted(artist) == (40, 40)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_written_twice_at_once_count_once():
    """Two writers of the same batch at the same time (a lock that expired under a slow
    flush): PostgreSQL's ON CONFLICT makes the second wait and add nothing."""
    artist = ArtistProfileFactory()
    day = counters.timezone.now().date()
    now = counters.timezone.now()
    batch = [(artist.pk, f"u:{n}", day, now) for n in range(30)]

    results = run_together(lambda: sum(counters._write_views(batch).values()), times=3)

    assert sorted(results) == [0, 0, 30]
    assert counted(artist) == (30, 30)


def test_views_of_a_deleted_artist_are_dropped(artist):
    other = ArtistProfileFactory()
    view(artist, "198.51.100.1")
    view(other, "198.51.100.1")
    artist.user.delete()

    assert services.profile_views_flush() == 1
    assert counted(other) == (1, 1)


def test_a_burst_is_flushed_without_waiting_for_the_beat(artist, settings):
    settings.PROFILE_VIEWS_FLUSH_BATCH = 3  # the task runs eagerly in tests

    for n in range(3):
        view(artist, f"198.51.100.{n}")

    assert counted(artist) == (3, 3)
    assert services.profile_views_pending() == 0


def test_the_hourly_budget_still_holds(artist, settings):
    settings.COUNTER_BUDGET_PER_HOUR = 2
    others = ArtistProfileFactory.create_batch(3)

    for profile in [artist, *others]:
        view(profile, "198.51.100.7")
    services.profile_views_flush()

    assert sum(counted(profile)[0] for profile in [artist, *others]) == 2


def test_without_redis_a_view_is_written_at_once(artist, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    view(artist, "198.51.100.1")
    view(artist, "198.51.100.1")

    assert counted(artist) == (1, 1)


def test_with_buffering_off_a_view_is_written_at_once(artist, settings):
    settings.PROFILE_VIEWS_BUFFERED = False

    view(artist, "198.51.100.1")

    assert counted(artist) == (1, 1)


def test_the_flush_is_on_the_beat_schedule():
    from umbrella.beat import BEAT_SCHEDULE
    from umbrella.celery import app

    entry = BEAT_SCHEDULE["artists-flush-profile-views"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.PROFILE_VIEWS_FLUSH_SECONDS


def test_the_public_row_is_what_the_orm_reads(artist):
    hidden = ArtistProfileFactory(user__is_active=False)
    expected = ArtistProfile.objects.public().values(*PUBLIC_ROW).get(pk=artist.pk)

    assert selectors.artist_public_row(slug=artist.slug, fields=PUBLIC_ROW) == expected
    assert selectors.artist_public_row(slug=hidden.slug, fields=PUBLIC_ROW) is None
    assert selectors.artist_public_row(slug="no-such", fields=PUBLIC_ROW) is None
    with transaction.atomic():  # also inside a transaction (pages, tests)
        assert selectors.artist_public_row(slug=artist.slug, fields=PUBLIC_ROW) == expected


def test_a_broker_that_refuses_the_burst_flush_does_not_fail_the_request(
    artist, settings, monkeypatch
):
    from artists.tasks import flush_profile_views_task

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    settings.PROFILE_VIEWS_FLUSH_BATCH = 1
    monkeypatch.setattr(flush_profile_views_task, "apply_async", broker_down)

    view(artist, "198.51.100.1")  # answers 200

    assert services.profile_views_flush() == 1  # the beat's flush still writes it


# --- found by the mutation run over the buffered code (docs/testing.md) ----------------------


def _anonymous_view(artist, ip: str = "198.51.100.1") -> bool:
    from django.contrib.auth.models import AnonymousUser

    return services.profile_view_record(
        artist_id=artist.pk, owner_id=artist.user_id, viewer=AnonymousUser(), ip=ip
    )


def test_the_hourly_budget_starts_again_the_next_hour(artist, settings, monkeypatch):
    settings.COUNTER_BUDGET_PER_HOUR = 1
    others = ArtistProfileFactory.create_batch(2)
    start = 3601 * 500_000  # an hour later is the next hour, though not 3601 s later
    monkeypatch.setattr(counters, "clock", SimpleNamespace(time=lambda: float(start)))
    assert _anonymous_view(artist) is True
    assert _anonymous_view(others[0]) is False  # this hour's budget is spent

    monkeypatch.setattr(counters, "clock", SimpleNamespace(time=lambda: float(start + 3600)))
    assert _anonymous_view(others[1]) is True


def test_a_view_is_recorded_when_redis_has_forgotten_the_script(artist, monkeypatch):
    from umbrella.cache import redis_client

    monkeypatch.setattr(counters, "_SCRIPT", [])  # a fresh process: the script is registered
    assert _anonymous_view(artist, "198.51.100.1") is True
    redis_client(cache).script_flush()  # Redis restarted: EVALSHA fails, the script is sent
    assert _anonymous_view(artist, "198.51.100.2") is True
    assert _anonymous_view(artist, "198.51.100.2") is False  # the marker was set by it

    assert services.profile_views_flush() == 2
    assert counted(artist) == (2, 2)


def test_a_view_just_before_midnight_is_marked_until_just_after_it(artist, monkeypatch):
    from datetime import UTC, datetime

    from umbrella.cache import redis_client

    late = datetime(2026, 12, 2, 23, 59, 30, tzinfo=UTC)
    monkeypatch.setattr(counters.timezone, "now", lambda: late)
    assert _anonymous_view(artist) is True  # no negative expiry refused by Redis

    client = redis_client(cache)
    markers = client.keys(cache.make_and_validate_key(f"artists:viewed:{artist.pk}:*"))
    assert len(markers) == 1
    assert 88 <= client.ttl(markers[0]) <= 90  # 30 s to midnight, and a minute more


def test_a_repeat_in_a_batch_does_not_stop_the_views_after_it(artist):
    from datetime import UTC, datetime

    from django.utils import timezone

    day, at = timezone.now().date(), datetime.now(tz=UTC)
    assert counters._write_views([(artist.pk, "a:first", day, at)])[artist.pk] == 1

    added = counters._write_views(
        [(artist.pk, "a:first", day, at), (artist.pk, "a:second", day, at)]
    )

    assert added[artist.pk] == 1
    assert counted(artist) == (2, 2)


def test_a_flush_of_only_unreadable_entries_counts_nothing():
    from umbrella.cache import redis_client

    redis_client(cache).rpush(cache.make_and_validate_key(counters.PENDING_VIEWS), b"junk")

    assert services.profile_views_flush() == 0
    assert services.profile_views_pending() == 0


def test_without_a_redis_client_nothing_is_pending_or_flushed(monkeypatch):
    monkeypatch.setattr(counters, "redis_client", lambda _cache: None)

    assert services.profile_views_pending() == 0
    assert services.profile_views_flush() == 0


def test_the_flush_lock_always_has_an_expiry(artist, settings, monkeypatch):
    from umbrella.cache import redis_client

    settings.PROFILE_VIEWS_FLUSH_LOCK_SECONDS = 120
    for n in range(2):
        view(artist, f"198.51.100.{n}")
    client, write = redis_client(cache), counters._write_views
    lock_ttls = []

    def write_and_look(views):
        lock_ttls.append(client.ttl(cache.make_and_validate_key(counters.FLUSH_LOCK)))
        return write(views)

    monkeypatch.setattr(counters, "_write_views", write_and_look)

    assert services.profile_views_flush(batch=1) == 2
    assert len(lock_ttls) == 2  # before each batch, also after the lock was renewed
    assert all(0 < ttl <= 120 for ttl in lock_ttls)
