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
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from artists.models import ArtistProfile, ProfileView, Track, public_owner
from umbrella.errors import NotFoundError
from umbrella.throttling import window_count


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


def _within_budget(ip: str | None) -> bool:
    """Spend one count of this address's hourly budget (shared by views and plays)."""
    network = _network(ip)
    if not network:
        return True
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|budget|{network}".encode()).hexdigest()[:32]
    return window_count(f"counter-budget:{digest}", 3600) <= settings.COUNTER_BUDGET_PER_HOUR


def profile_view_record(*, artist: ArtistProfile, viewer: Any, ip: str | None) -> bool:
    """Count a view once per viewer per artist per UTC day; the owner's own views don't count.

    The unique (artist, viewer, day) row is the rule; a cache marker only spares repeat views
    the insert. Returns whether this view was counted.
    """
    now = timezone.now()
    day = now.date()
    if getattr(viewer, "is_authenticated", False):
        if viewer.pk == artist.user_id:
            return False
        key = f"u:{viewer.pk}"
    else:
        key = visitor_key(ip=ip, day=day.isoformat())
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    marker = f"artists:viewed:{artist.pk}:{key}:{day.isoformat()}"
    if not cache.add(marker, 1, timeout=int((midnight - now).total_seconds()) + 60):
        return False  # seen today (the database would refuse it too)
    if not _within_budget(ip):
        return False
    try:
        with transaction.atomic():
            ProfileView.objects.create(artist=artist, viewer_key=key, day=day)
            ArtistProfile.objects.filter(pk=artist.pk).update(profile_views=F("profile_views") + 1)
    except IntegrityError:
        return False  # already counted today
    return True


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
