"""Public counters: profile views and track plays, honest under replays and rotation tricks.

* **Who**: a signed-in viewer is their user id. An anonymous one is their network address only
  (the whole IPv4 address; the /64 of an IPv6 one, which a single client holds entirely),
  hashed with the secret key and the UTC day, so no raw IP is stored and keys cannot be linked
  across days. The User-Agent is not part of it: rotating it made 100 views out of one.
* **How often**: a view once per viewer per artist per UTC day (SPEC §5); a play once per
  listener per track per ``PLAY_REPEAT_SECONDS`` (30 minutes: longer than a song, so replaying
  it at once does not count again, while coming back later does).
* **Budget**: each network address may add at most ``COUNTER_BUDGET_PER_HOUR`` counts an hour
  across all artists and tracks, whichever door (page or API) it comes through; past that,
  pages still render but nothing is counted. The play endpoint is also rate limited (429).
"""

import hashlib
import ipaddress
import logging
import time as clock
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import NoScriptError, ResponseError

from artists.models import ArtistProfile, ProfileView, Track, public_owner
from umbrella.cache import redis_client
from umbrella.errors import NotFoundError
from umbrella.throttling import window_count

logger = logging.getLogger(__name__)


def _network(ip: str | None) -> str:
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def visitor_key(*, ip: str | None, day: str) -> str:
    """An anonymous visitor's key for one UTC day: a salted hash of their network address."""
    raw = f"{settings.SECRET_KEY}|counter|{day}|{_network(ip)}".encode()
    return f"a:{hashlib.sha256(raw).hexdigest()[:40]}"


def _budget_key(ip: str | None) -> str | None:
    """This address's hourly counting budget (shared by views and plays), or ``None``."""
    network = _network(ip)
    if not network:
        return None
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|budget|{network}".encode()).hexdigest()[:32]
    return f"counter-budget:{digest}"


def _within_budget(ip: str | None) -> bool:
    """Spend one count of this address's hourly budget (shared by views and plays)."""
    key = _budget_key(ip)
    if key is None:
        return True
    return window_count(key, 3600) <= settings.COUNTER_BUDGET_PER_HOUR


# --- profile views --------------------------------------------------------------------------
#
# With Redis (production), a view costs the request one Redis round trip and no SQL: a script
# sets the per-day marker, spends the address's budget and appends the view to a pending list;
# ``profile_views_flush`` (Celery beat, every ``PROFILE_VIEWS_FLUSH_SECONDS``) writes the
# pending views in batches. The unique (artist, viewer, day) row still decides what counts: the
# flush inserts with ``ON CONFLICT DO NOTHING`` and adds to each counter only the rows it
# inserted, in the same transaction, so a flush that dies halfway or runs twice counts nothing
# twice. Without Redis (the embedded default) a view is written at once, as before.

PENDING_VIEWS = "artists:views:pending"
FLUSHING_VIEWS = "artists:views:flushing"  # a batch being written (left over if a flush died)
FLUSH_LOCK = "artists:views:flush-lock"

# KEYS: marker, pending list[, budget window], then rate windows to count. ARGV: marker TTL,
# budget TTL, budget, entry, 1 if a budget key is given else 0, then per rate window its TTL and
# limit. Returns {result, count of each rate window}; result -3: a rate window is over its limit
# (nothing recorded); -1: seen today; -2: over the address's budget; else the pending list's
# new length.
_RECORD_VIEW_LUA = """
local first = 3 + tonumber(ARGV[5])
local out = {0}
local over = false
for i = first, #KEYS do
  local arg = 6 + (i - first) * 2
  local n = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[arg], 'NX')
  out[#out + 1] = n
  if n > tonumber(ARGV[arg + 1]) then over = true end
end
if over then out[1] = -3; return out end
if not redis.call('SET', KEYS[1], '1', 'EX', ARGV[1], 'NX') then out[1] = -1; return out end
if first == 4 then
  local spent = redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[2], 'NX')
  if spent > tonumber(ARGV[3]) then out[1] = -2; return out end
end
out[1] = redis.call('RPUSH', KEYS[2], ARGV[4])
return out
"""
_SCRIPT: list[Any] = []


def _viewer_key(*, viewer: Any, owner_id: int, ip: str | None, day: str) -> str | None:
    if getattr(viewer, "is_authenticated", False):
        return None if viewer.pk == owner_id else f"u:{viewer.pk}"
    return visitor_key(ip=ip, day=day)


def profile_view_record(*, artist_id: int, owner_id: int, viewer: Any, ip: str | None) -> bool:
    """Count a view once per viewer per artist per UTC day; the owner's own views don't count.

    The unique (artist, viewer, day) row is the rule; a cache marker only spares repeat views
    the work. Returns whether this view was counted (with Redis: taken for counting; the
    counter shows it after the next flush, see ``profile_views_flush``).
    """
    counted, _counts = profile_view_record_counting(
        artist_id=artist_id, owner_id=owner_id, viewer=viewer, ip=ip, rate_windows=[]
    )
    return counted


def profile_view_record_counting(
    *,
    artist_id: int,
    owner_id: int,
    viewer: Any,
    ip: str | None,
    rate_windows: list[tuple[str, int, int]],
) -> tuple[bool, dict[str, int] | None]:
    """:func:`profile_view_record`, also counting the request in the API's rate windows
    ``(cache key, ttl, limit)`` in the same Redis round trip (the public profile's one cache
    call). A view is not recorded when a window is over its limit (the request is refused).

    Returns whether the view was counted and the new count of each window, or ``None`` for the
    counts when they were not taken (no Redis, the owner's own view): the caller counts them.
    """
    now = timezone.now()
    day = now.date()
    key = _viewer_key(viewer=viewer, owner_id=owner_id, ip=ip, day=day.isoformat())
    if key is None:
        return False, None
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    marker = f"artists:viewed:{artist_id}:{key}:{day.isoformat()}"
    marker_ttl = int((midnight - now).total_seconds()) + 60
    client = redis_client(cache)
    if client is not None and settings.PROFILE_VIEWS_BUFFERED:
        return _buffer_view(client, artist_id, key, day, marker, marker_ttl, ip, rate_windows)
    if not cache.add(marker, 1, timeout=marker_ttl):
        return False, None  # seen today (the database would refuse it too)
    if not _within_budget(ip):
        return False, None
    return bool(_write_views([(artist_id, key, day, now)])), None


def _buffer_view(
    client: Any,
    artist_id: int,
    key: str,
    day: date,
    marker: str,
    marker_ttl: int,
    ip: str | None,
    rate_windows: list[tuple[str, int, int]],
) -> tuple[bool, dict[str, int]]:
    keys = [cache.make_and_validate_key(marker), cache.make_and_validate_key(PENDING_VIEWS)]
    budget = _budget_key(ip)
    if budget is not None:
        window = int(clock.time() // 3600)
        keys.append(cache.make_and_validate_key(f"{budget}:{window}"))
    keys += [cache.make_and_validate_key(window_key) for window_key, _ttl, _limit in rate_windows]
    entry = f"{artist_id}|{key}|{day.isoformat()}|{clock.time():.3f}"
    args: list[Any] = [marker_ttl, 3601, settings.COUNTER_BUDGET_PER_HOUR, entry]
    args.append(1 if budget is not None else 0)
    for _window_key, ttl, limit in rate_windows:
        args += [ttl, limit]
    if not _SCRIPT:
        _SCRIPT.append(client.register_script(_RECORD_VIEW_LUA))
    try:
        reply = client.evalsha(_SCRIPT[0].sha, len(keys), *keys, *args)
    except NoScriptError:
        reply = _SCRIPT[0](keys=keys, args=args, client=client)
    pending = int(reply[0])
    windows = [window_key for window_key, _ttl, _limit in rate_windows]
    counts = {window_key: int(n) for window_key, n in zip(windows, reply[1:], strict=True)}
    if pending < 0:
        return False, counts  # over a rate limit, seen today, or over the address's budget
    if pending % settings.PROFILE_VIEWS_FLUSH_BATCH == 0:
        # A burst between two beats: write now rather than let the list grow.
        from artists.tasks import flush_profile_views_task

        try:  # never make the visitor wait for (or fail on) the broker: the beat flushes too
            flush_profile_views_task.apply_async(retry=False)
        except Exception:
            logger.warning("could not enqueue a profile view flush", exc_info=True)
    return True, counts


def _write_views(views: list[tuple[int, str, date, datetime]]) -> Counter[int]:
    """Insert the views that are new (artist, viewer, day) rows and add them to the artists'
    counters, in one transaction; returns how many were added per artist. Views of an artist
    deleted meanwhile are dropped. Safe to repeat: a row already there counts nothing."""
    added: Counter[int] = Counter()
    views = list({(a, k, d): (a, k, d, t) for a, k, d, t in views}.values())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {ProfileView._meta.db_table}
                        (artist_id, viewer_key, day, created_at)
                    SELECT v.artist_id, v.viewer_key, v.day, v.created_at
                    FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::timestamptz[])
                        AS v(artist_id, viewer_key, day, created_at)
                    WHERE EXISTS (
                        SELECT 1 FROM {ArtistProfile._meta.db_table} a WHERE a.id = v.artist_id
                    )
                    ON CONFLICT (artist_id, viewer_key, day) DO NOTHING
                    RETURNING artist_id
                    """,  # noqa: S608 (table names from the models, values as parameters)
                    [[v[i] for v in views] for i in range(4)],
                )
                added.update(row[0] for row in cursor.fetchall())
        else:
            artists = ArtistProfile.objects.filter(pk__in={v[0] for v in views})
            existing = set(artists.values_list("pk", flat=True))
            for artist_id, key, day, _at in views:
                if artist_id not in existing:
                    continue
                try:
                    with transaction.atomic():
                        ProfileView.objects.create(artist_id=artist_id, viewer_key=key, day=day)
                except IntegrityError:
                    continue  # already counted that day
                added[artist_id] += 1
        by_amount: dict[int, list[int]] = {}
        for artist_id, n in added.items():
            by_amount.setdefault(n, []).append(artist_id)
        for n, ids in sorted(by_amount.items()):
            ArtistProfile.objects.filter(pk__in=sorted(ids)).update(
                profile_views=F("profile_views") + n
            )
    return added


def _parse(entry: bytes) -> tuple[int, str, date, datetime] | None:
    try:
        artist_id, key, day, at = entry.decode().split("|")
        return (
            int(artist_id),
            key,
            date.fromisoformat(day),
            datetime.fromtimestamp(float(at), tz=UTC),
        )
    except ValueError:
        return None  # not ours: skipped rather than blocking the queue


def profile_views_flush(*, batch: int | None = None) -> int:
    """Write the pending profile views (see the section comment); returns how many counted.

    One flush at a time (a lock in the cache). It first finishes a batch list a crashed flush
    left behind, then takes the pending list whole (``RENAMENX``: views recorded meanwhile start
    a new one) and writes it ``batch`` entries per transaction, trimming each from the list only
    after it committed. A crash between the commit and the trim repeats that batch next time,
    which the unique rows make harmless.
    """
    client = redis_client(cache)
    if client is None:
        return 0
    batch = batch or settings.PROFILE_VIEWS_FLUSH_BATCH
    lock_ttl = settings.PROFILE_VIEWS_FLUSH_LOCK_SECONDS
    token = uuid.uuid4().hex
    if not cache.add(FLUSH_LOCK, token, timeout=lock_ttl):
        return 0  # another flush is running
    pending = cache.make_and_validate_key(PENDING_VIEWS)
    flushing = cache.make_and_validate_key(FLUSHING_VIEWS)
    counted = 0
    try:
        for _round in range(2):  # a batch list left by a crashed flush, then the pending views
            if not client.exists(flushing):
                try:
                    client.renamenx(pending, flushing)
                except ResponseError:
                    return counted  # nothing pending
            while entries := client.lrange(flushing, 0, batch - 1):
                views = [view for view in map(_parse, entries) if view is not None]
                counted += sum(_write_views(views).values()) if views else 0
                client.ltrim(flushing, len(entries), -1)  # only after the commit
                if cache.get(FLUSH_LOCK) != token:
                    return counted  # the lock expired: leave the rest to the next flush
                cache.touch(FLUSH_LOCK, timeout=lock_ttl)
            client.delete(flushing)
        return counted
    finally:
        if cache.get(FLUSH_LOCK) == token:
            cache.delete(FLUSH_LOCK)


def profile_views_pending() -> int:
    """How many recorded views wait for the next flush (with Redis; 0 without)."""
    client = redis_client(cache)
    if client is None:
        return 0
    keys = [cache.make_and_validate_key(k) for k in (PENDING_VIEWS, FLUSHING_VIEWS)]
    return sum(int(client.llen(key)) for key in keys)


def track_play(*, track_id: int, artist_slug: str, ip: str | None) -> bool:
    """Count a play of a public track once per listener per ``PLAY_REPEAT_SECONDS``.

    404 for a track that is not public under that artist. Returns whether the play counted;
    the increment is atomic (no lost updates under concurrent plays).
    """
    public = Track.objects.filter(
        public_owner(prefix="artist__user__"), pk=track_id, artist__slug=artist_slug
    )
    if not public.exists():
        raise NotFoundError("not_found", "No such track.")
    listener = visitor_key(ip=ip, day="plays")  # the window, not the day, bounds repeats
    marker = f"artists:played:{track_id}:{listener}"
    if not cache.add(marker, 1, timeout=settings.PLAY_REPEAT_SECONDS):
        return False
    if not _within_budget(ip):
        return False
    return bool(public.update(plays=F("plays") + 1))
