"""Reads of the artists app: discovery, public pages, the artist's own dashboard."""

import hashlib
import json
import time as clock
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from artists import steps
from artists.filters import ArtistFilter, list_sql
from artists.integrations.s3_urls import QuerySigner, signer_for
from artists.models import (
    ArtistProfile,
    MediaFile,
    MediaQuota,
    MediaStatus,
    ProfileView,
    Track,
)
from umbrella.api import iso_timestamp
from umbrella.errors import ApplicationError, NotFoundError

CARD_FIELDS = (
    "id",
    "slug",
    "stage_name",
    "tagline",
    "primary_genre",
    "location_city",
    "location_state",
    "location_country",
    "avatar",
    "verified",
    "avg_rating",
    "total_reviews",
    "total_gigs",
    "base_rate_flat",
    "base_rate_hourly",
    "rates_negotiable",
    "available_weekdays",
    "available_weekends",
    "performance_types",
    "created_at",
)


# What list_sql selects for CARD_FIELDS: the same columns, except ``created_at`` written as
# the API writes timestamps (umbrella.api.iso_timestamp) by PostgreSQL, which spares loading
# ~20 timestamps a page into datetimes and formatting them again (the gig lists do the same).
# No alias: an output column named created_at would be what ``ORDER BY created_at`` sorts.
_ISO = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
CARD_COLUMNS = tuple(
    f"to_char(created_at AT TIME ZONE 'UTC', '{_ISO}')" if field == "created_at" else field
    for field in CARD_FIELDS
)


class ListedRows:
    """The rows of a discovery list, sliced like a queryset (``rows[20:41]``), read with one
    hand-written statement (``artists.filters.list_sql``) into plain dicts: what
    ``ArtistFilter.qs.values(*CARD_FIELDS)`` gives, without building or compiling a queryset.
    Only sliced after the filters were found valid.

    A view that reads the cache anyway (its rate limits, see
    ``umbrella.throttling.CountWithCacheRead``) asks :meth:`cache_reads` for the keys of a
    page and hands the keys it read and what it found to :meth:`read_for_us`: the page then
    costs no cache read of its own."""

    def __init__(self, filterset: ArtistFilter) -> None:
        self.filterset = filterset
        self._read: tuple[list[str], dict[str, Any]] | None = None  # keys read for us, found
        # Built once per window: the view asks for the page's cache key, then the page.
        self._statements: dict[tuple[int, int], tuple[str, list[Any]]] = {}

    def read_for_us(self, keys: list[str], found: dict[str, Any]) -> None:
        self._read = (keys, found)

    def _statement(self, start: int, stop: int) -> tuple[str, list[Any]]:
        statement = self._statements.get((start, stop))
        if statement is None:
            statement = self._statements[start, stop] = list_sql(
                self.filterset.form.cleaned_data,
                columns=CARD_COLUMNS,
                offset=start,
                limit=stop - start,
            )
        return statement

    def cache_reads(self, start: int, stop: int) -> list[str]:
        """The cache keys :meth:`__getitem__` reads for ``rows[start:stop]`` ([] if none)."""
        if settings.ARTISTS_LIST_CACHE_SECONDS <= 0:
            return []
        return [_page_key(*self._statement(start, stop)), LIST_VERSION_KEY]

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        start = window.start or 0
        sql, params = self._statement(start, window.stop)
        return [_row(values) for values in _cached_rows(sql, params, self._read)]


# Discovery pages are the same for every visitor (rows before signing avatar URLs), so a page
# is kept for LIST_CACHE_SECONDS under a key made from its statement and parameters (the
# validated, normalised filters). The services that change what a card shows or whether it is
# listed bump LIST_VERSION_KEY after commit (discovery_changed); a page cached under an older
# version is not used. One cache round trip reads both (the API's: the same one that counts the
# rate limits); a miss adds a write. The TTL bounds staleness from writes that bypass the
# services.
LIST_VERSION_KEY = "artists:list:version"


def _page_key(sql: str, params: list[Any]) -> str:
    return "artists:list:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def _cached_rows(
    sql: str, params: list[Any], read: tuple[list[str], dict[str, Any]] | None = None
) -> list[tuple[Any, ...]]:
    seconds = settings.ARTISTS_LIST_CACHE_SECONDS
    if seconds <= 0:
        return _fetch(sql, params)
    key = _page_key(sql, params)
    if read is not None and key in read[0]:
        found = read[1]  # read in the caller's cache round trip
    else:
        found = cache.get_many([key, LIST_VERSION_KEY])
    version = found.get(LIST_VERSION_KEY, 0)
    hit = found.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    rows = _fetch(sql, params)
    cache.set(key, (version, rows), seconds)
    return rows


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def discovery_changed() -> None:
    """Cached discovery pages are out of date: call after commit of a change to a listed card."""
    try:
        cache.incr(LIST_VERSION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from the pages'
        cache.set(LIST_VERSION_KEY, clock.time_ns(), None)


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(CARD_FIELDS, values, strict=True))
    types = row["performance_types"]
    if isinstance(types, str):  # Django loads jsonb as text and parses it in the field
        row["performance_types"] = json.loads(types)
    return row


def _listed_profiles() -> QuerySet[ArtistProfile]:
    return ArtistProfile.objects.filter(listed=True)


def artist_search(*, params: Any) -> tuple[ArtistFilter, Any]:
    """Listed artists matching the discovery filters, ordered; rows (sliced like a queryset,
    after ``filterset.is_valid()``) are plain dicts for :func:`card`. One statement on
    PostgreSQL (:class:`ListedRows`); elsewhere ``ArtistFilter.qs``."""
    filterset = ArtistFilter(params, queryset=_listed_profiles)
    if connection.vendor == "postgresql":
        return filterset, ListedRows(filterset)
    return filterset, filterset.qs.values(*CARD_FIELDS)


# Public image URLs (avatars, banners) by file name, with the time.monotonic() until which each
# may be handed out. Presigning an S3 URL through botocore costs ~0.3 ms of CPU (it builds a
# whole request, then signs it); artists.integrations.s3_urls signs the same URL in ~0.03 ms,
# and a page of 20 cards has several avatars, often the same ones for every visitor. A
# signed URL is reused for half its validity, so one handed out is always good for at least
# half of AWS_QUERYSTRING_EXPIRE (30 of 60 minutes by default); unsigned URLs for a day. Only
# for images anyone may see: a URL reused across visitors must not be one person's secret.
_PUBLIC_URLS: dict[str, tuple[str, float]] = {}
PUBLIC_URL_CACHE_SIZE = 50_000  # ~300 bytes each; cleared whole when full
UNSIGNED_URL_REUSE = 24 * 3600.0


def public_file_url(name: str | None) -> str | None:
    """``default_storage.url(name)`` for a public image, reused while it stays valid."""
    if not name:
        return None
    now = clock.monotonic()
    hit = _PUBLIC_URLS.get(name)
    if hit is not None and hit[1] > now:
        return hit[0]
    signer = _signer()
    url = signer.url(name) if signer is not None else default_storage.url(name)
    if getattr(default_storage, "querystring_auth", False):
        reuse = float(getattr(default_storage, "querystring_expire", 3600)) / 2
    else:
        reuse = UNSIGNED_URL_REUSE
    if len(_PUBLIC_URLS) >= PUBLIC_URL_CACHE_SIZE:
        _PUBLIC_URLS.clear()
    _PUBLIC_URLS[name] = (url, now + reuse)
    return url


_SIGNER: list[QuerySigner | None] = []  # built on first use: [] not yet, [None] not possible


def _signer() -> QuerySigner | None:
    if not _SIGNER:
        _SIGNER.append(signer_for(default_storage))
    return _SIGNER[0]


def _forget_public_urls(*, setting: str, **kwargs: Any) -> None:
    # Tests swap storages and URL settings: never hand out a URL of the storage before.
    if setting.startswith(("STORAGES", "AWS_", "MEDIA_")):
        _PUBLIC_URLS.clear()
        _SIGNER.clear()


setting_changed.connect(_forget_public_urls)


def card(row: dict[str, Any]) -> dict[str, Any]:
    """A search result as the API and the search page show it (no extra queries)."""
    row["avatar_url"] = public_file_url(row.pop("avatar", ""))
    row["avg_rating"] = float(row["avg_rating"])
    if not isinstance(row["created_at"], str):  # already written by list_sql's statement
        row["created_at"] = iso_timestamp(row["created_at"])
    return row


def artist_public(*, slug: str) -> ArtistProfile | None:
    # get(): a slug is unique, so no ORDER BY (first() sorts by -created_at); no user columns,
    # which nobody reads from a public profile. ~0.3 ms less per profile request.
    try:
        return ArtistProfile.objects.public().get(slug=slug)
    except ArtistProfile.DoesNotExist:
        return None


# The public profile read as one row: the queryset is compiled to SQL once per process and
# run with each slug through a plain cursor (~0.15 ms of CPU against ~1 ms for building,
# compiling and instantiating a 45-column model with the ORM on every request).
_SLUG_MARK = "\x00slug\x00"
_PUBLIC_ROW_SQL: dict[tuple[str, tuple[str, ...]], tuple[str, list, int, Any, Any]] = {}


def _public_row_query(fields: tuple[str, ...]) -> tuple[str, list, int, Any, Any]:
    cache_key = (connection.alias, fields)
    hit = _PUBLIC_ROW_SQL.get(cache_key)
    if hit is None:
        # No ORDER BY: a slug is unique (the model's default ordering would sort the one row).
        profiles = ArtistProfile.objects.public().filter(slug=_SLUG_MARK).order_by()
        query = profiles.values(*fields).query
        compiler = query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        expressions = [column for column, _sql, _alias in compiler.select]
        converters = compiler.get_converters(expressions)
        hit = (sql, list(params), list(params).index(_SLUG_MARK), converters, compiler)
        _PUBLIC_ROW_SQL[cache_key] = hit
    return hit


def artist_public_row(*, slug: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """``fields`` of the public artist with this slug (as ``values()`` gives them), or ``None``.

    Same rows and values as ``ArtistProfile.objects.public().values(*fields).get(slug=slug)``
    (a test checks that), without building the query each time: for the hottest single-object
    read, the public profile.
    """
    sql, params, at, converters, compiler = _public_row_query(fields)
    params = [*params[:at], slug, *params[at + 1 :]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    return dict(zip(fields, rows[0], strict=True))


def artist_of(*, user: User, lock: bool = False) -> ArtistProfile | None:
    """The user's own artist profile, or ``None`` if they are not an artist or have not started
    onboarding: the one home of "the artist's own profile" for services, API and pages.
    ``lock=True`` locks the row (inside a transaction)."""
    if user.role != Role.ARTIST:
        return None
    profiles = ArtistProfile.objects.select_for_update() if lock else ArtistProfile.objects
    return profiles.filter(user=user).first()


def artist_require(*, user: User) -> None:
    """Only artist accounts have an artist profile: anyone else gets 403 ``not_an_artist``."""
    if user.role != Role.ARTIST:
        raise ApplicationError(
            "not_an_artist", "Only artist accounts have an artist profile.", status=403
        )


def artist_own(*, user: User, lock: bool = False) -> ArtistProfile:
    """The user's own artist profile, for acting on it: 403 ``not_an_artist`` for other roles,
    404 if the artist has not started onboarding. ``lock=True`` locks the row."""
    artist_require(user=user)
    profile = artist_of(user=user, lock=lock)
    if profile is None:
        raise NotFoundError("not_found", "You have no artist profile yet: start onboarding.")
    return profile


def tracks_of(*, artist: ArtistProfile) -> QuerySet[Track]:
    return Track.objects.filter(artist=artist).order_by("display_order", "id")


def media_of(*, artist: ArtistProfile, category: str | None = None) -> QuerySet[MediaFile]:
    files = MediaFile.objects.filter(artist=artist)
    if category:
        files = files.filter(category=category)
    return files.order_by("-created_at", "-id")


def public_media_of(*, artist: ArtistProfile) -> QuerySet[MediaFile]:
    """What visitors see on the Media tab: press photos and videos that finished uploading."""
    return media_of(artist=artist).filter(
        status=MediaStatus.READY, category__in=["press_photo", "video"]
    )


def quota_of(*, artist: ArtistProfile) -> MediaQuota:
    quota, _ = MediaQuota.objects.get_or_create(artist=artist)
    return quota


def completeness_of(*, artist: ArtistProfile) -> dict[str, Any]:
    counts = {"tracks": Track.objects.filter(artist=artist).count()}
    return steps.completeness(artist, counts)


def onboarding_state(*, user: User) -> dict[str, Any]:
    """Where an artist is in the five steps, and what each step holds so far."""
    profile = artist_of(user=user)
    return steps.wizard_state(steps.STEPS, profile, user=user)


def stats_of(*, artist: ArtistProfile) -> dict[str, Any]:
    """The public Stats tab: totals plus views over the last 30 days."""
    since = timezone.now().date() - timedelta(days=29)
    views_30d = ProfileView.objects.filter(artist=artist, day__gte=since).count()
    plays = Track.objects.filter(artist=artist).aggregate(total=Sum("plays"), n=Count("id"))
    return {
        "profile_views": artist.profile_views,
        "profile_views_30d": views_30d,
        "track_plays": plays["total"] or 0,
        "tracks": plays["n"],
        "total_gigs": artist.total_gigs,
        "avg_rating": float(artist.avg_rating),
        "total_reviews": artist.total_reviews,
    }
