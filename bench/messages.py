"""Messaging's bench data and requests: a conversation's messages with 1 000 000 in the table.

Data (``seed_messages``, run by ``python -m bench.seed`` after the gigs): one conversation per
bench venue (2 000), with bench artist ``10·v``, holding 100-900 messages each (generated
from the venue's number), **1 000 000 messages in all**, written with ``COPY`` in the order they
were sent across all conversations (a conversation's rows are scattered over the table, as in
production, not packed together). The last few messages of each conversation are unread by
the artist. Idempotent: a second run finds the million and does nothing.

Requests (``messages_call``, signed in as one of the venues, tokens from ``bench.gigs``):
the first page of the venue's conversation (75 %), an older page by cursor (15 %, a ``cursor``
as DRF writes ``next``), or what came ``after`` a message near the end, as a reconnecting client
asks (10 %). Each body is checked: newest first, that conversation only, the right ids.

Like ``bench/seed.py``, importing this module does not load Django.
"""

import base64
import datetime as dt
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bench import bodies, seed

MESSAGES = 1_000_000
FIRST, SPREAD = 100, 801  # messages in conversation v: FIRST + (v·37 mod SPREAD), then adjusted
UNREAD_TAIL = 3
PAGE = 20  # REST_FRAMEWORK PAGE_SIZE
ARTIST_OF_VENUE = 10  # venue v talks with bench artist 10·v (one of those that sign in)

WORDS = seed._words("""
    hi thanks great sounds good load in at six soundcheck parking backline the stage is small
    can we bring our own drum kit what time do doors open set length two sets of forty five
    minutes merch table guest list three names the fee is fine invoice after the show see you
    friday lights monitors we need two vocal mics and a DI box for the keys happy to adjust
""")


def counts(venues: int, total: int = MESSAGES) -> list[int]:
    """Messages per conversation: varied, adding up to ``total`` exactly."""
    sizes = [FIRST + (v * 37) % SPREAD for v in range(venues)]
    excess = sum(sizes) - total
    v = 0
    while excess:  # even the sizes out one message at a time, round robin
        step = 1 if excess > 0 else -1
        if FIRST < sizes[v] - step < FIRST + SPREAD:
            sizes[v] -= step
            excess -= step
        v = (v + 1) % venues
    return sizes


def artist_number(v: int, artists: int) -> int:
    return (ARTIST_OF_VENUE * v) % artists


def seed_messages(*, artists: int, venues: int, total: int = MESSAGES) -> str:
    """Create the bench conversations and their messages unless they are all there."""
    from django.db import connection, transaction
    from django.db.models import Q

    from artists.models import ArtistProfile
    from marketplace.models import VenueProfile
    from messaging.models import Conversation, Message

    venue_users = dict(
        VenueProfile.objects.filter(slug__startswith="bench-venue-").values_list("slug", "user_id")
    )
    artist_users = dict(
        ArtistProfile.objects.filter(slug__startswith="bench-artist-").values_list(
            "slug", "user_id"
        )
    )
    pairs = []
    for v in range(venues):
        venue_user = venue_users[f"bench-venue-{v:04d}"]
        artist_user = artist_users[seed.ARTIST_SLUG.format(artist_number(v, min(artists, 20_000)))]
        pairs.append((venue_user, artist_user))
    lows = [min(p) for p in pairs]
    mine = Conversation.objects.filter(user_low__in=lows)
    if (
        mine.count() == venues
        and Message.objects.filter(conversation__in=mine).count() == total
        and Message.objects.count() >= total
    ):
        return f"bench messages: {total} there"
    sizes = counts(venues, total)
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=60)
    with transaction.atomic(), connection.cursor() as cursor:
        # Any earlier bench conversation (another size, another pairing) goes, with its
        # memberships and messages (cascade): the table must hold this seed's million.
        venue_side = list(venue_users.values())
        Conversation.objects.filter(
            Q(user_low__in=venue_side) | Q(user_high__in=venue_side)
        ).delete()
        raw = cursor.cursor
        with raw.copy(
            "COPY messaging_conversation (user_low_id, user_high_id, created_at, "
            "last_message_preview) FROM STDIN"
        ) as copy:
            for pair in pairs:
                copy.write_row((min(pair), max(pair), start, ""))
        cursor.execute(
            "SELECT user_low_id, id FROM messaging_conversation WHERE user_low_id = ANY(%s)",
            [lows],
        )
        conversation_of = dict(cursor.fetchall())
        ids = [conversation_of[min(pair)] for pair in pairs]
        # Sent across all conversations in time order: message t of every conversation that
        # has one, then t + 1 …; a conversation's n messages span the 60 days evenly.
        longest = max(sizes)
        with raw.copy(
            "COPY messaging_message (conversation_id, sender_id, content, created_at, read_at) "
            "FROM STDIN"
        ) as copy:
            for t in range(longest):
                for v, size in enumerate(sizes):
                    if t >= size:
                        continue
                    rng = random.Random(f"bench-message-{v}-{t}")
                    venue_user, artist_user = pairs[v]
                    sender = venue_user if rng.random() < 0.5 else artist_user
                    if t >= size - UNREAD_TAIL:
                        sender = venue_user  # the artist has not read the venue's last ones
                    words = rng.randint(3, 30)
                    content = " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()
                    at = start + dt.timedelta(seconds=(60 * 86_400) * (t + 1) / (longest + 1))
                    unread = t >= size - UNREAD_TAIL
                    copy.write_row((ids[v], sender, content, at, None if unread else at))
        # What the services keep per conversation and per side, from the rows.
        cursor.execute(
            "UPDATE messaging_conversation c SET last_message_at = m.created_at, "
            "last_message_id = m.id, last_message_sender_id = m.sender_id, "
            "last_message_preview = left(m.content, 140) "
            "FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, sender_id, "
            "content, created_at FROM messaging_message WHERE conversation_id = ANY(%s) "
            "ORDER BY conversation_id, id DESC) m WHERE m.conversation_id = c.id",
            [ids],
        )
        cursor.execute(
            "INSERT INTO messaging_membership (conversation_id, user_id, other_id, "
            "last_message_at, unread_count, unread_since, last_read_id, digest_through_id) "
            "SELECT c.id, side.user_id, side.other_id, c.last_message_at, "
            "CASE WHEN side.venue THEN 0 ELSE %s END, "
            "CASE WHEN side.venue THEN NULL ELSE c.last_message_at END, "
            "CASE WHEN side.venue THEN c.last_message_id ELSE ("
            "  SELECT max(m.id) FROM messaging_message m WHERE m.conversation_id = c.id "
            "  AND m.read_at IS NOT NULL) END, 0 "
            "FROM messaging_conversation c CROSS JOIN LATERAL (VALUES "
            "  (c.user_low_id, c.user_high_id, c.user_low_id = ANY(%s)), "
            "  (c.user_high_id, c.user_low_id, c.user_high_id = ANY(%s))) "
            "  AS side(user_id, other_id, venue) "
            "WHERE c.id = ANY(%s)",
            [UNREAD_TAIL, [p[0] for p in pairs], [p[0] for p in pairs], ids],
        )
    with connection.cursor() as cursor:
        # VACUUM (visibility map: index-only scans) cannot run in a transaction; a test's can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(f"{command} messaging_conversation, messaging_membership, messaging_message")
    return f"bench messages: created {total} in {venues} conversations"


def venue_conversations(venues: int) -> dict[str, list[int]]:
    """Venue number -> [conversation id, its oldest message id, its newest message id]."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.slug, c.id, min(m.id), max(m.id) FROM marketplace_venueprofile v "
            "JOIN messaging_conversation c ON v.user_id IN (c.user_low_id, c.user_high_id) "
            "JOIN messaging_message m ON m.conversation_id = c.id "
            "WHERE v.slug LIKE 'bench-venue-%%' GROUP BY v.slug, c.id"
        )
        rows = cursor.fetchall()
    return {str(int(slug.rsplit("-", 1)[1])): [c, low, high] for slug, c, low, high in rows}


# --- requests ---------------------------------------------------------------------------------


def cursor_before(message_id: int) -> str:
    """A cursor as DRF's CursorPagination (ordering ``-id``) writes ``next``."""
    return base64.b64encode(urlencode({"p": str(message_id)}).encode("ascii")).decode("ascii")


def messages_call(artists: int, rng: random.Random, ids: dict[str, Any]) -> Any:
    from bench.endpoints import Call

    number = rng.choice(sorted(ids["conversations"], key=int))
    conversation, low, high = ids["conversations"][number]
    token = ids["tokens"][number]
    path = f"/api/v1/conversations/{conversation}/messages"
    kind = rng.random()
    if kind < 0.75:
        check = check_messages(conversation, below=None, above=None, full=True)
    elif kind < 0.90:
        before = rng.randint(low + 1, high)  # at least the oldest message is before it
        path += "?" + urlencode({"cursor": cursor_before(before)})
        check = check_messages(conversation, below=before, above=None, full=False)
    else:
        after = rng.randint(max(low, high - 30), high)
        path += f"?after={after}"
        check = check_messages(conversation, below=None, above=after, full=False)
    return Call(path, {"Authorization": f"Bearer {token}"}, check)


def check_messages(
    conversation: int, *, below: int | None, above: int | None, full: bool
) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        rows = bodies.page_rows(body)
        if isinstance(rows, str):
            return rows
        if full and len(rows) != PAGE:
            return f"{len(rows)} messages, not a full page"
        if below is not None and not rows:
            return "no message before the cursor"
        got = [r.get("id") for r in rows if isinstance(r, dict)]
        if len(got) != len(rows) or any(r.get("conversation_id") != conversation for r in rows):
            return "a message of another conversation"
        if got != sorted(got, reverse=True) or len(set(got)) != len(got):
            return "not newest first"
        if below is not None and got and got[0] >= below:
            return "not before the cursor"
        if above is not None and any(i <= above for i in got):
            return "not after the id asked"
        if any(not r.get("content") or not r.get("created_at") for r in rows):
            return "a message without content or time"
        return None

    return check
