"""Hand-written SQL for the marketplace's hot reads (PostgreSQL), as docs/conventions.md "Fast
reads" describes: one statement per page, every value a parameter, rows as dicts.

The ORM querysets in :mod:`marketplace.selectors` stay the readable reference (and what other
databases run); ``tests/marketplace/test_fast_reads.py`` runs random filter sets and artists
through both and requires the same rows in the same order.

* ``umbrella.keyset.KeysetRows`` — a page source DRF's ``CursorPagination`` can slice like a
  queryset (``order_by``, one ``filter(<field>__gt|__lt=position)``, ``[start:stop]``), running
  one statement per slice (shared with messaging).
* :func:`board_rows` — the gig board (``selectors.gig_search``).
* :func:`applicant_rows` — a gig's applicants, checked against the venue's user in the same
  statement (``selectors.applicants``).
* :func:`match_json_sql` — gigs for you, ranked in bounded work and written as JSON
  (``selectors.gigs_for_you``).
"""

import datetime as dt
import json
import re
from collections.abc import Callable
from itertools import islice
from typing import Any

from marketplace.models import URGENT_DAYS, GigStatus
from umbrella.db.prepared import fetchall_prepared, fetchone_prepared
from umbrella.keyset import KeysetRows, Walk
from umbrella.keyset import iso_sql as _iso

# The columns of selectors.GIG_FIELDS, in that order, for a gig ``g`` joined to its venue ``v``;
# dates, times and timestamps as the API writes them (``selectors.gig_card`` takes these texts
# as they are), except ``starts_at``: a cursor's position, and what ``urgent`` is computed from.
GIG_COLUMNS = (
    ("id", "g.id"),
    ("title", "g.title"),
    ("description", "g.description"),
    ("venue_id", "g.venue_id"),
    ("venue__slug", "v.slug"),
    ("venue_name", "g.venue_name"),
    ("location_address", "g.location_address"),
    ("location_city", "g.location_city"),
    ("location_state", "g.location_state"),
    ("location_country", "g.location_country"),
    ("date", "to_char(g.date, 'YYYY-MM-DD')"),
    ("start_time", "to_char(g.start_time, 'HH24:MI')"),
    ("end_time", "to_char(g.end_time, 'HH24:MI')"),
    ("timezone", "g.timezone"),
    ("starts_at", "g.starts_at"),
    ("ends_at", _iso("g.ends_at")),
    ("genre", "g.genre"),
    ("payment_amount", "g.payment_amount"),
    ("payment_type", "g.payment_type"),
    ("status", "g.status"),
    ("created_at", _iso("g.created_at")),
    ("updated_at", _iso("g.updated_at")),
)
GIG_SELECT = ", ".join(sql for _, sql in GIG_COLUMNS)

# --- the gig board ----------------------------------------------------------------------------


def board_rows(filters: dict[str, Any], *, now: dt.datetime, cards: bool = False) -> KeysetRows:
    """``selectors.gig_search``'s statement: the same conditions as its queryset, plus bounds on
    ``starts_at`` implied by a date range (a local date starts at most 14 hours before and ends
    at most 12 hours after its UTC day), so a range months ahead reads its rows from an index
    instead of walking every open gig before it. The page is cut as ids (for open gigs an
    index-only walk, soonest first, that stops at the page's last match); the gigs and their
    venues (for the slug) are read for the page's rows only.

    With ``cards``, the rows only name the page's gigs for :func:`board_json` (which writes
    their cards, kept per gig version): ``id``, ``starts_at`` (the cursor's position, as the
    text ``str()`` gives a row's datetime, so cursors are the same either way), ``version``
    and ``starts_us`` (microseconds since the epoch, for ``urgent``); no venue is read."""
    status = filters.get("status") or GigStatus.OPEN
    # Open gigs (the board's default) as fixed text: a prepared statement's generic plan can
    # use the partial indexes of open gigs only when the statement itself says 'open'.
    open_only = status == GigStatus.OPEN
    where = ["g.status = 'open'"] if open_only else ["g.status = %s"]
    params: list[Any] = [] if open_only else [status]
    if filters.get("date_from"):
        where += ["g.date >= %s", "g.starts_at >= %s"]
        params += [filters["date_from"], _utc_midnight(filters["date_from"], hours=-14)]
    if status == GigStatus.OPEN or not filters.get("date_from"):
        where.append("g.starts_at >= %s")
        params.append(now)
    if filters.get("date_to"):
        where += ["g.date <= %s", "g.starts_at < %s"]
        params += [filters["date_to"], _utc_midnight(filters["date_to"], hours=24 + 12)]
    if filters.get("city"):
        where.append("UPPER(g.location_city) = %s")
        params.append(filters["city"].upper())
    if filters.get("state"):
        where.append("UPPER(g.location_state) = %s")
        params.append(filters["state"].upper())
    if filters.get("genre"):
        where.append("g.genre = %s")
        params.append(filters["genre"])
    if filters.get("min_pay") is not None:
        where.append("g.payment_amount >= %s")
        params.append(filters["min_pay"])
    if filters.get("payment_type"):
        where.append("g.payment_type = %s")
        params.append(filters["payment_type"])
    if filters.get("urgent") is not None:
        soon = now + dt.timedelta(days=URGENT_DAYS)
        if filters["urgent"]:
            where += ["g.starts_at < %s", "g.status = 'open'"]
            params.append(soon)
        else:
            where.append("NOT (g.starts_at < %s)")
            params.append(soon)
    q = " ".join((filters.get("q") or "").split())[:200]
    walk = None
    if q:
        match = "g.search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"
        # Several words are estimated as if unrelated (far too few matches): walk the open
        # gigs in order first, when nothing but dates narrows them (gig_open_board covers it).
        narrowed = any(filters.get(name) not in (None, "") for name in _NARROWING)
        if len(_WORD.findall(q)) > 1 and open_only and not narrowed:
            walk = Walk(select=BOARD_WALK, condition=match, params=[q], horizon=BOARD_WALK_ROWS)
        else:
            where.append(match)
            params.append(q)
    return KeysetRows(
        # The page's ids first (open gigs: an index-only walk of gig_open_board, migration
        # 0009, which holds every filter's column), then the page's gigs and venues.
        select="g.id FROM marketplace_gig g",
        outer=f"{BOARD_CARD_SELECT if cards else GIG_SELECT} FROM",
        alias="page",
        join="JOIN marketplace_gig g ON g.id = page.id"
        + ("" if cards else " JOIN marketplace_venueprofile v ON v.id = g.venue_id"),
        where=" AND ".join(where),
        params=params,
        names=BOARD_CARD_NAMES if cards else [name for name, _ in GIG_COLUMNS],
        keys={"starts_at": "g.starts_at", "id": "g.id"},
        walk=walk,
        # Planned once per shape and connection (a few dozen shapes), except searches: the
        # plan for words depends on how common they are, which a generic plan cannot know.
        prepared=not q,
    )


def _position(column: str) -> str:
    """A timestamp as ``str()`` writes the datetime the database driver gives for it (UTC):
    ``YYYY-MM-DD HH:MM:SS[.ffffff]+00:00``, a cursor position as DRF's pagination writes it."""
    utc = f"{column} AT TIME ZONE 'UTC'"
    return (
        f"to_char({utc}, 'YYYY-MM-DD HH24:MI:SS') || CASE WHEN"
        f" extract(microseconds FROM {column})::bigint %% 1000000 = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00'"
    )


def _microseconds(column: str) -> str:
    """A timestamp as microseconds since the epoch (a bigint); of ``updated_at``, a gig's
    version for the cards kept by :func:`gig_cards`."""
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


# The rows of board_rows(cards=True): what board_json needs of each gig on the page.
BOARD_CARD_NAMES = ["id", "starts_at", "version", "starts_us"]
BOARD_CARD_SELECT = (
    f"g.id, {_position('g.starts_at')}, {_microseconds('g.updated_at')},"
    f" {_microseconds('g.starts_at')}"
)


def board_json(rows: list[dict[str, Any]], *, now: dt.datetime, status: str) -> str:
    """The cards of a page of :func:`board_rows` ``(cards=True)`` rows, as the JSON array the
    API sends (``selectors.gig_card``'s keys and values): the gigs' fixed parts kept per gig
    version (:func:`gig_cards`), and ``urgent`` as of ``now``. ``status`` is the one status
    the board was filtered by: only open gigs can be urgent."""
    kept = gig_cards([(row["id"], row["version"]) for row in rows])
    start = _epoch_microseconds(now)
    end = _epoch_microseconds(now + dt.timedelta(days=URGENT_DAYS))
    may_be_urgent = status == GigStatus.OPEN
    written = []
    for row in rows:
        card = kept.get(row["id"])
        if card is None:
            continue  # deleted since the page was read
        urgent = may_be_urgent and start <= row["starts_us"] < end
        written.append(
            f'{card[1]},"venue_slug":{card[2]},"urgent":{"true" if urgent else "false"}}}'
        )
    return f"[{','.join(written)}]"


def _epoch_microseconds(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# Words of a search (several make PostgreSQL underestimate the matches; see umbrella.keyset.Walk)
# and the columns a walk of open gigs reads from gig_open_board (an index-only scan).
_WORD = re.compile(r"\w+")
_NARROWING = ("city", "state", "genre", "min_pay", "payment_type", "urgent")
BOARD_WALK = "g.id, g.starts_at, g.search_vector FROM marketplace_gig g"
BOARD_WALK_ROWS = 1000  # ~50 index pages; finds a page of words that ~2 % of open gigs match


def _utc_midnight(day: dt.date, *, hours: int) -> dt.datetime:
    """``day``'s midnight in UTC, moved by ``hours``: local time zones run from UTC-12 to
    UTC+14, so a local date lies within [midnight - 14 h, midnight + 36 h) in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(hours=hours)


# --- a gig's applicants -----------------------------------------------------------------------

APPLICANT_COLUMNS = (
    ("id", "a.id"),
    ("status", "a.status"),
    ("pitch", "a.pitch"),
    ("proposed_rate", "a.proposed_rate"),
    ("created_at", "a.created_at"),
    ("updated_at", "a.updated_at"),
    ("artist_id", "a.artist_id"),
    ("artist__slug", "p.slug"),
    ("artist__stage_name", "p.stage_name"),
    ("artist__tagline", "p.tagline"),
    ("artist__primary_genre", "p.primary_genre"),
    ("artist__location_city", "p.location_city"),
    ("artist__location_state", "p.location_state"),
    ("artist__location_country", "p.location_country"),
    ("artist__avatar", "p.avatar"),
    ("artist__verified", "p.verified"),
    ("artist__avg_rating", "p.avg_rating"),
    ("artist__total_reviews", "p.total_reviews"),
    ("artist__total_gigs", "p.total_gigs"),
    ("artist__base_rate_flat", "p.base_rate_flat"),
    ("artist__base_rate_hourly", "p.base_rate_hourly"),
)


def applicant_rows(
    *, user_id: int, gig_id: int, when_empty: Callable[[], object] | None = None
) -> KeysetRows:
    """The applications to gig ``gig_id`` if it belongs to the venue of user ``user_id``
    (else none), oldest first, each with the artist's card: one prepared statement per
    page."""
    return KeysetRows(
        select=", ".join(sql for _, sql in APPLICANT_COLUMNS) + " FROM marketplace_application a"
        " JOIN artists_artistprofile p ON p.id = a.artist_id",
        where="a.gig_id = (SELECT g.id FROM marketplace_gig g JOIN marketplace_venueprofile v"
        " ON v.id = g.venue_id WHERE g.id = %s AND v.user_id = %s)",
        params=[gig_id, user_id],
        names=[name for name, _ in APPLICANT_COLUMNS],
        keys={"created_at": "a.created_at", "id": "a.id"},
        when_empty=when_empty,
        # A few fixed shapes (first page, after or before a cursor), each planned once per
        # connection: planning was ~0.5 ms of the statement's ~0.6 ms of PostgreSQL CPU.
        prepared=True,
    )


# --- gigs for you -----------------------------------------------------------------------------

MATCH_CANDIDATES = 100  # per class of gigs that score alike: the soonest this many
# The reasons shown with a match, in this order (the genre itself comes first, capitalised).
MATCH_REASONS = {
    "city": "your city",
    "state": "your state",
    "free": "free that night",  # candidates exclude unavailable and booked nights
    "day": "a day you play",
    "pay": "pays at or above your minimum",
    "negotiable": "pay negotiable",
}
# The keys of a card of gigs for you, in the order the API writes them (``selectors.gig_card``
# of a gig row, then the match's score, reasons).
MATCH_CARD = (
    *(name for name, _ in GIG_COLUMNS if name != "venue__slug"),
    "score",
    "venue_slug",
    "urgent",
    "reasons",
)


def _match_statement() -> str:
    """The text of :func:`match_json_sql`'s statement (fixed: made once, at import)."""
    excluded = (
        "g.id <> ALL((SELECT applied FROM mine)::bigint[])"
        " AND NOT g.date <@ (SELECT away FROM mine)"
        " AND NOT tstzrange(g.starts_at, g.ends_at, '[)') && (SELECT busy FROM mine)"
    )
    # A class's candidates: its gigs the artist could apply to, soonest first, at most
    # %(candidates)s of them; then those of the class's pay (at or above the artist's rate, or
    # not), the soonest as many as the page and its predecessors need. Each kind of class
    # walks its own index (migration 0015), every key before the start an equality.
    pay = (
        "CASE WHEN c.pay THEN x.payment_amount >= c.rate"
        " WHEN NOT c.pay THEN (x.payment_amount >= c.rate) IS NOT TRUE ELSE TRUE END"
    )

    def walk(kind: str, where: str) -> str:
        return (
            "(SELECT x.id, x.starts_at FROM (SELECT g.id, g.starts_at, g.payment_amount"  # noqa: S608 (fixed text)
            f" FROM marketplace_gig g WHERE c.kind = '{kind}' AND g.status = 'open' AND {where}"
            " AND g.weekend = c.weekend AND g.payment_type = c.ptype AND g.starts_at >= %(now)s"
            f" AND {excluded} ORDER BY g.starts_at, g.id LIMIT %(candidates)s) x"
            f" WHERE {pay} ORDER BY x.starts_at, x.id LIMIT %(offset)s + %(limit)s + 1)"
        )

    city = "g.city_key = a.city"
    in_state = "g.state_key = a.state AND g.city_key <> a.city"
    walks = " UNION ALL ".join(
        [
            walk("city", f"g.genre = c.genre AND {city}"),
            walk("state", f"g.genre = c.genre AND {in_state}"),
            walk(
                "far",
                f"g.genre = c.genre AND NOT (a.city <> '' AND {city})"
                f" AND NOT (a.state <> '' AND {in_state})",
            ),
            walk("other", f"{city} AND g.genre <> ALL(a.genres)"),
        ]
    )
    # The classes: one per kind of place and genre (a genre of the artist's in their city, in
    # their state, elsewhere; another genre in their city), weekend or weekday, and payment
    # type and pay (at or above the artist's rate for it, or not: one class when no rate is
    # set), each with its score, the same for every gig in it.
    classes = (
        "SELECT k.kind, k.genre, k.points AS m_genre, k.place AS m_place, w.weekend, p.ptype,"
        " p.rate, p.pay,"
        " CASE WHEN CASE WHEN w.weekend THEN a.weekends ELSE a.weekdays END THEN 1 ELSE 0 END"
        " AS m_day, p.m_pay, p.m_negotiable"
        " FROM a CROSS JOIN LATERAL ("
        "SELECT 'city' AS kind, s.genre, s.points, 2 AS place FROM s WHERE a.city <> ''"
        " UNION ALL SELECT 'state', s.genre, s.points, 1 FROM s WHERE a.state <> ''"
        " UNION ALL SELECT 'far', s.genre, s.points, 0 FROM s"
        " UNION ALL SELECT 'other', NULL, 0, 2 WHERE a.city <> '') k"
        " CROSS JOIN (VALUES (true), (false)) w(weekend)"
        " CROSS JOIN LATERAL ("
        "SELECT 'flat' AS ptype, a.flat::numeric AS rate, true AS pay, 2 AS m_pay,"
        " 0 AS m_negotiable WHERE a.flat IS NOT NULL"
        " UNION ALL SELECT 'flat', a.flat::numeric, false, 0, 0"
        " UNION ALL SELECT 'hourly', a.hourly::numeric, true, 2, 0 WHERE a.hourly IS NOT NULL"
        " UNION ALL SELECT 'hourly', a.hourly::numeric, false, 0, 0"
        " UNION ALL SELECT 'negotiable', NULL, NULL, 0,"
        " CASE WHEN a.negotiable THEN 1 ELSE 0 END) p"
    )
    # The reasons shown, in this order (selectors.match_card): the genre, the place, free that
    # night (always: candidates exclude unavailable and booked nights), the day, the pay.
    reason = {name: _sql_text(json.dumps(text)) for name, text in MATCH_REASONS.items()}
    reasons = (
        "CASE WHEN t.m_genre > 0"
        " THEN to_json(upper(left(g.genre, 1)) || lower(substr(g.genre, 2)))::text END,"
        f" CASE t.m_place WHEN 2 THEN {reason['city']} WHEN 1 THEN {reason['state']} END,"
        f" {reason['free']},"
        f" CASE WHEN t.m_day > 0 THEN {reason['day']} END,"
        f" CASE WHEN t.m_pay > 0 THEN {reason['pay']} END,"
        f" CASE WHEN t.m_negotiable > 0 THEN {reason['negotiable']} END"
    )
    return (
        # a: the artist's ranking fields, their genres (primary, secondary; each once) as an
        # array; s: one row per genre with its points; mine: what rules gigs out.
        "WITH a AS MATERIALIZED (SELECT p.id, p.primary_genre,"  # noqa: S608 (fixed text)
        " ARRAY(SELECT DISTINCT x FROM unnest(ARRAY[p.primary_genre] || ARRAY(SELECT"
        " jsonb_array_elements_text(COALESCE(p.secondary_genres, '[]'::jsonb)))) x"
        " WHERE x <> '')::varchar[] AS genres,"
        " UPPER(p.location_city) AS city, UPPER(p.location_state) AS state,"
        " p.base_rate_flat AS flat, p.base_rate_hourly AS hourly,"
        " p.rates_negotiable AS negotiable, p.available_weekends AS weekends,"
        " p.available_weekdays AS weekdays"
        " FROM artists_artistprofile p WHERE p.user_id = %(user)s),"
        " s AS MATERIALIZED (SELECT x AS genre,"
        " CASE WHEN x = a.primary_genre THEN 4 ELSE 3 END AS points FROM a, unnest(a.genres) x),"
        " mine AS MATERIALIZED (SELECT"
        # (only applications to gigs from now on: the walks read no other gig)
        " COALESCE((SELECT array_agg(gig_id) FROM marketplace_application"
        " WHERE artist_id = (SELECT id FROM a) AND gig_starts_at >= %(now)s), '{}') AS applied,"
        " COALESCE((SELECT range_agg(daterange(start_date, end_date, '[]'))"
        " FROM marketplace_unavailability WHERE artist_id = (SELECT id FROM a)),"
        " '{}'::datemultirange) AS away,"
        " COALESCE((SELECT range_agg(tstzrange(starts_at, ends_at, '[)'))"
        " FROM marketplace_booking WHERE artist_id = (SELECT id FROM a) AND status = 'active'),"
        " '{}'::tstzmultirange) AS busy),"
        # the page and one more match (is there a next page?), then the page
        " cls AS MATERIALIZED (SELECT *, m_genre + m_place + m_day + m_pay + m_negotiable"
        f" AS score FROM ({classes}) c),"
        # the matches best first, as many as the page and its predecessors need, and one more
        # (is there a next page?): score by score, highest first, the soonest of that score's
        # classes; the LIMIT stops the loop over the scores once it has them (a nested loop
        # keeps the order of its outer rows, the scores)
        " peek AS (SELECT m.* FROM (SELECT DISTINCT score FROM cls ORDER BY score DESC) l"
        " CROSS JOIN LATERAL (SELECT w.id, w.starts_at, c.score, c.m_genre, c.m_place, c.m_day,"
        f" c.m_pay, c.m_negotiable FROM cls c CROSS JOIN a CROSS JOIN LATERAL ({walks}) w"
        " WHERE c.score = l.score ORDER BY w.starts_at, w.id"
        " LIMIT %(offset)s + %(limit)s + 1) m LIMIT %(offset)s + %(limit)s + 1),"
        " page AS (SELECT * FROM peek ORDER BY score DESC, starts_at, id OFFSET %(offset)s),"
        " top AS (SELECT * FROM page ORDER BY score DESC, starts_at, id LIMIT %(limit)s)"
        # the page, best first, as the JSON array the API sends: each gig's card as the row
        # carries it (``card``, migration 0014: its fixed part) and what the match adds
        " SELECT EXISTS (SELECT FROM a), (SELECT count(*) FROM page) > %(limit)s,"
        # (concat() writes each card once; a chain of || copies the ~1 kB card at every step)
        " concat('[', string_agg(concat(g.card, ',\"score\":', t.score,"
        " ',\"venue_slug\":', to_json(v.slug),"
        " ',\"urgent\":', CASE WHEN t.starts_at < %(soon)s THEN 'true' ELSE 'false' END,"
        f" ',\"reasons\":[', concat_ws(',', {reasons}), ']}}'),"
        " ',' ORDER BY t.score DESC, t.starts_at, t.id), ']')"
        " FROM top t JOIN marketplace_gig g ON g.id = t.id"
        " JOIN marketplace_venueprofile v ON v.id = g.venue_id"
    )


def _sql_text(text: str) -> str:
    """``text`` as an SQL string literal in a statement sent with ``%(name)s`` placeholders."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


# The cards of the gigs ``ids``: per gig, its version, the card's fixed part (the row's ``card``,
# migration 0014: every key of ``selectors.gig_card`` but the venue's slug and ``urgent``,
# without its closing brace) and the venue's slug as a JSON string.
CARDS_STATEMENT = (
    f"SELECT g.id, {_microseconds('g.updated_at')}, g.card, to_json(v.slug)::text"  # noqa: S608 (fixed text)
    " FROM marketplace_gig g JOIN marketplace_venueprofile v ON v.id = g.venue_id"
    " WHERE g.id = ANY(%(ids)s::bigint[])"
)
MATCH_STATEMENT = _match_statement()

# The board's cards kept by this process, by gig: (version, the card's fixed part without its
# closing brace, the venue's slug as JSON). A gig's version is its updated_at, which every
# change of a gig moves (its services save it with every field they change): a card is reused
# only for the version it was read at. Pages keep showing the same gigs, and a page whose cards
# are all kept is one statement. Bounded: when full, the oldest half is dropped (clearing the
# whole store would cost every worker a burst of statements at once).
_CARDS: dict[int, tuple[int, str, str]] = {}
CARDS_MAX = 20_000


def gig_cards(pairs: list[tuple[int, int]]) -> dict[int, tuple[int, str, str]]:
    """The kept cards (see ``_CARDS``) of the gigs ``(id, version)``: those kept for that
    version, the others read by one more statement (and kept). A gig changed since its
    version was read comes back as its newer card; a deleted one is left out."""
    cards: dict[int, tuple[int, str, str]] = {}
    missing = []
    for gig_id, version in pairs:
        kept = _CARDS.get(gig_id)
        if kept is not None and kept[0] == version:
            cards[gig_id] = kept
        else:
            missing.append(gig_id)
    if missing:
        excess = len(_CARDS) + len(missing) - CARDS_MAX
        if excess > 0:  # the oldest go (a dict keeps its order), half the store at least
            for old in list(islice(_CARDS, max(excess, CARDS_MAX // 2))):
                del _CARDS[old]
        for gig_id, version, card, slug in fetchall_prepared(CARDS_STATEMENT, {"ids": missing}):
            cards[gig_id] = _CARDS[gig_id] = (version, card, slug)
    return cards


def match_json_sql(
    *,
    user_id: int,
    now: dt.datetime,
    limit: int,
    offset: int = 0,
    candidates: int = MATCH_CANDIDATES,
) -> tuple[str, dict[str, Any]]:
    """One statement, fixed text, every value a parameter: the artist of user ``user_id``,
    their gigs ranked as ``selectors.gigs_for_you_queryset`` ranks them (score, then soonest)
    over a bounded candidate set. One row: whether the user has an artist profile, whether
    more matches follow, and the matches ``offset`` to ``offset + limit`` (``offset`` counts
    from the best, 0), best first, as the JSON array the API sends (``[]`` for none): each
    gig's card as its row carries it (``card``, migration 0014), then the score, the venue's
    slug, ``urgent`` and the reasons (``MATCH_REASONS``, in ``selectors.match_card``'s order).

    Gigs that score alike form a class: a genre of the artist's in their city, in their state
    or elsewhere, or another genre in their city; on a weekend or not; flat, hourly or
    negotiable; paying at or above the artist's rate for that type or not (one class when no
    rate is set). The statement lists the artist's classes with their scores, then, score by
    score from the highest, reads each class's gigs soonest first from a partial, covering
    index whose keys before the start are all equalities (migration 0015), and stops once it
    has the page and one more: the matches of a higher score all come first, those of one
    score soonest first, as the queryset orders them. A class's walk reads at most
    ``candidates`` gigs the artist could apply to (not applied, not on an unavailable date, not
    overlapping an active booking) before it keeps those of its pay: the ranking is the
    queryset's unless a class holds more than that many gigs before one that would make the
    page (at 100: page 1 as the queryset's for 98.5 % of the bench's artists, page 2 for 94 %;
    the walks by genre this replaced: 65 %). Only the page's gigs are read from the table,
    for their cards."""
    params: dict[str, Any] = {
        "user": user_id,
        "now": now,
        "soon": now + dt.timedelta(days=URGENT_DAYS),
        "limit": limit,
        "offset": offset,
        "candidates": candidates,
    }
    return MATCH_STATEMENT, params


def match_json(
    *,
    user_id: int,
    now: dt.datetime,
    limit: int,
    offset: int = 0,
    candidates: int = MATCH_CANDIDATES,
) -> tuple[bool, bool, str]:
    """Runs :func:`match_json_sql`: (whether the user has an artist profile, whether more
    matches follow, the cards as a JSON array)."""
    sql, params = match_json_sql(
        user_id=user_id, now=now, limit=limit, offset=offset, candidates=candidates
    )
    found, more, page = fetchone_prepared(sql, params)  # planned once per connection
    return found, more, page
