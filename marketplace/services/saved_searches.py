"""Saved gig searches and their daily digest.

An artist keeps the gig board's filters under a name (at most
``settings.SAVED_SEARCHES_MAX_PER_USER``); once a day :func:`saved_search_digests_send` tells
each artist, in one notification (in-app, and by email unless they switched the kind off), of the
open gigs posted since their last digest that match any of their searches.

Idempotent: each search keeps ``last_digest_at``, the time up to which it has been told; a run
moves it on (sent or not) in the same transaction as the notification, under the artist's row
lock, and a search is due again only :data:`DIGEST_INTERVAL` later. So a second run the same
day, or two runs at once, send nothing twice, and a gig is told once per search.
"""

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from artists import selectors as artist_selectors
from artists.models import ArtistProfile
from artists.services import require_staff
from marketplace import notifications, saved_filters, selectors
from marketplace.models import SAVED_SEARCH_NAME_MAX_LENGTH, SavedSearch
from marketplace.services.common import apply
from umbrella import text
from umbrella.errors import ApplicationError, NotFoundError

DIGEST_INTERVAL = timedelta(hours=20)  # "daily", with room for a late or early beat
DIGEST_GIGS_PER_SEARCH = 20  # the soonest this many per search are named (the text is cut anyway)
DIGEST_BATCH = 500  # artists listed per query


def saved_search_limit() -> int:
    return int(settings.SAVED_SEARCHES_MAX_PER_USER)


def _cut(name: str) -> str:
    if len(name) <= SAVED_SEARCH_NAME_MAX_LENGTH:
        return name
    return name[: SAVED_SEARCH_NAME_MAX_LENGTH - 1].rstrip() + "…"


@transaction.atomic
def saved_search_create(*, user: User, filters: Mapping[str, Any], name: str = "") -> SavedSearch:
    """Keep the gig board's ``filters`` (as ``GET /api/v1/gigs/`` takes them, without
    ``status``) under ``name`` (default: the filters described). Its first digest tells of
    gigs posted from now on. Refused: an unknown or invalid filter (400), a name the artist
    already uses, any case (409 ``saved_search_name_taken``), more than the limit (409
    ``saved_search_limit``)."""
    # The artist's row lock makes the count and the insert one step: two saves at once can't
    # both pass the limit.
    artist = artist_selectors.artist_own(user=user, lock=True)
    stored = saved_filters.clean(filters)
    name = text.single_line(name or "") or _cut(saved_filters.describe(stored))
    limit = saved_search_limit()
    if SavedSearch.objects.filter(artist=artist).count() >= limit:
        raise ApplicationError(
            "saved_search_limit",
            f"You can keep at most {limit} saved searches: delete one you no longer need.",
            status=409,
        )
    search = SavedSearch(artist=artist, last_digest_at=timezone.now())
    apply(search, {"name": name}, fields=("name",), required=("name",))
    search.filters = stored
    try:
        with transaction.atomic():
            search.save()
    except IntegrityError as error:  # the unique (artist, lower(name)) constraint decides
        raise ApplicationError(
            "saved_search_name_taken",
            "You already have a saved search with that name: choose another.",
            status=409,
            field="name",
        ) from error
    return search


@transaction.atomic
def saved_search_delete(*, user: User, saved_search_id: int) -> None:
    """Delete one of the artist's own saved searches: anyone else's, or none, is 404."""
    artist = artist_selectors.artist_own(user=user)
    deleted, _ = SavedSearch.objects.filter(pk=saved_search_id, artist=artist).delete()
    if not deleted:
        raise NotFoundError("not_found", "No such saved search.")


@transaction.atomic
def saved_search_delete_by_staff(*, saved_search_id: int, by: User) -> None:
    """Staff delete a saved search (admin)."""
    require_staff(by)
    deleted, _ = SavedSearch.objects.filter(pk=saved_search_id).delete()
    if not deleted:
        raise NotFoundError("not_found", "No such saved search.")


# --- the daily digest ---------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return SavedSearch.objects.filter(
        last_digest_at__lte=now - DIGEST_INTERVAL, artist__user__is_active=True
    )


def saved_search_digests_send(
    *, now: datetime | None = None, budget_seconds: float | None = None
) -> int:
    """Send every artist with a search due its digest (one transaction per artist), or as
    many as ``budget_seconds`` allows (:func:`saved_search_digests_pending` then says more
    are due). Returns how many digests were sent. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    sent = 0
    after = 0
    while True:
        artist_ids = list(
            _due(now)
            .filter(artist_id__gt=after)
            .order_by("artist_id")
            .values_list("artist_id", flat=True)
            .distinct()[:DIGEST_BATCH]
        )
        for artist_id in artist_ids:
            if deadline is not None and time.monotonic() > deadline:
                return sent
            sent += saved_search_digest_send(artist_id=artist_id, now=now)
        if len(artist_ids) < DIGEST_BATCH:
            return sent
        after = artist_ids[-1]


def saved_search_digests_pending(*, now: datetime | None = None) -> bool:
    """Whether any artist is still due a digest (after a run: only when its budget ran out)."""
    return _due(now or timezone.now()).exists()


@transaction.atomic
def saved_search_digest_send(*, artist_id: int, now: datetime | None = None) -> bool:
    """One artist's digest: the open gigs posted since each due search's ``last_digest_at``
    that match it, in one notification; nothing when none is new. Every due search moves on
    to ``now`` either way. Returns whether a digest was sent."""
    now = now or timezone.now()
    # Lock the artist first, then read which searches are due: a run that waited here sees
    # what the run before it moved on, and finds nothing left to tell.
    artist = (
        ArtistProfile.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .filter(pk=artist_id)
        .first()
    )
    if artist is None:
        return False
    searches = list(_due(now).filter(artist=artist).order_by("created_at", "id"))
    if not searches:
        return False
    found: list[tuple[str, list[tuple[str, str]]]] = []
    new_ids: set[int] = set()
    board_link = ""
    for search in searches:
        filters = saved_filters.parse(search.filters)
        if filters is None:
            continue  # no longer valid (a genre taken off the list): it matches nothing
        # The board's reference queryset (the board's own statement on PostgreSQL is tested to
        # give the same rows), narrowed to the gigs posted since the last digest.
        rows = list(
            selectors.gig_search_queryset(filters=filters)
            .filter(created_at__gt=search.last_digest_at, created_at__lte=now)
            .values_list("id", "title", "date")[:DIGEST_GIGS_PER_SEARCH]
        )
        if rows:
            found.append(
                (search.name, [(title, f"{day:%a} {day.day} {day:%b}") for _, title, day in rows])
            )
            new_ids.update(gig_id for gig_id, _, _ in rows)
            query = saved_filters.board_query(search.filters)
            board_link = reverse("gig-board") + (f"?{query}" if query else "")
    SavedSearch.objects.filter(pk__in=[s.pk for s in searches]).update(
        last_digest_at=now, updated_at=now
    )
    if not found:
        return False
    link = board_link if len(found) == 1 else reverse("saved-searches")
    notifications.saved_search_digest(artist.user, found=found, total=len(new_ids), link=link)
    return True
