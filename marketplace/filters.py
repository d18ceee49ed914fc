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
* :func:`match_sql` — gigs for you, ranked in bounded work (``selectors.gigs_for_you``).
"""

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

from marketplace.models import URGENT_DAYS, GigStatus
from umbrella.keyset import KeysetRows
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
GIG_INNER = (  # the page's own columns, before the venue is joined
    "g.id, g.title, g.description, g.venue_id, g.venue_name, g.location_address,"
    " g.location_city, g.location_state, g.location_country, g.date, g.start_time, g.end_time,"
    " g.timezone, g.starts_at, g.ends_at, g.genre, g.payment_amount, g.payment_type, g.status,"
    " g.created_at, g.updated_at"
)

# --- the gig board ----------------------------------------------------------------------------


def board_rows(filters: dict[str, Any], *, now: dt.datetime) -> KeysetRows:
    """``selectors.gig_search``'s statement: the same conditions as its queryset, plus bounds on
    ``starts_at`` implied by a date range (a local date starts at most 14 hours before and ends
    at most 12 hours after its UTC day), so a range months ahead reads its rows from an index
    instead of walking every open gig before it. The venue (for its slug) is joined to the
    page's rows only, after the page is cut."""
    status = filters.get("status") or GigStatus.OPEN
    where = ["g.status = %s"]
    params: list[Any] = [status]
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
            where += ["g.starts_at < %s", "g.status = %s"]
            params += [soon, GigStatus.OPEN]
        else:
            where.append("NOT (g.starts_at < %s)")
            params.append(soon)
    q = " ".join((filters.get("q") or "").split())[:200]
    if q:
        where.append("g.search_vector @@ websearch_to_tsquery('english'::regconfig, %s)")
        params.append(q)
    return KeysetRows(
        select=f"{GIG_INNER} FROM marketplace_gig g",
        outer=f"{GIG_SELECT} FROM",
        join="JOIN marketplace_venueprofile v ON v.id = g.venue_id",
        where=" AND ".join(where),
        params=params,
        names=[name for name, _ in GIG_COLUMNS],
        keys={"starts_at": "g.starts_at", "id": "g.id"},
    )


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
    (else none), oldest first, each with the artist's card: one statement per page."""
    return KeysetRows(
        select=", ".join(sql for _, sql in APPLICANT_COLUMNS) + " FROM marketplace_application a"
        " JOIN artists_artistprofile p ON p.id = a.artist_id",
        where="a.gig_id = (SELECT g.id FROM marketplace_gig g JOIN marketplace_venueprofile v"
        " ON v.id = g.venue_id WHERE g.id = %s AND v.user_id = %s)",
        params=[gig_id, user_id],
        names=[name for name, _ in APPLICANT_COLUMNS],
        keys={"created_at": "a.created_at", "id": "a.id"},
        when_empty=when_empty,
    )


# --- gigs for you -----------------------------------------------------------------------------

MATCH_COLUMNS = (
    "m_primary",
    "m_secondary",
    "m_city",
    "m_state",
    "m_day",
    "m_pay",
    "m_negotiable",
)


MATCH_CANDIDATES = 100  # per genre and place, and for the city: the soonest this many
MATCH_ARTIST_FIELDS = (
    "id",
    "primary_genre",
    "secondary_genres",
    "location_city",
    "location_state",
    "base_rate_flat",
    "base_rate_hourly",
    "rates_negotiable",
    "available_weekends",
    "available_weekdays",
)


class MatchArtist:
    """What the ranking reads of an artist (``ArtistProfile`` has these attributes too)."""

    def __init__(self, row: Sequence[Any]) -> None:
        (
            self.pk,
            self.primary_genre,
            secondary,
            self.location_city,
            self.location_state,
            self.base_rate_flat,
            self.base_rate_hourly,
            self.rates_negotiable,
            self.available_weekends,
            self.available_weekdays,
        ) = row
        # Django has psycopg hand JSON over as text (JSONField parses it).
        self.secondary_genres = json.loads(secondary) if isinstance(secondary, str) else secondary


def match_artist(*, user_id: int) -> MatchArtist | None:
    """The user's artist profile, only the fields the ranking reads: one small ``SELECT``, no
    model instance."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(MATCH_ARTIST_FIELDS)} FROM artists_artistprofile"  # noqa: S608
            " WHERE user_id = %s",
            [user_id],
        )
        row = cursor.fetchone()
    return MatchArtist(row) if row else None


def match_sql(
    artist: Any, *, now: dt.datetime, limit: int, candidates: int = MATCH_CANDIDATES
) -> tuple[str, dict[str, Any]]:
    """One statement ranking gigs for ``artist`` as ``selectors.gigs_for_you_queryset`` does
    (score, then soonest), over a bounded candidate set.

    Candidates are read in walks of partial, covering indexes of open gigs (migration 0007),
    soonest first, each stopping after ``candidates`` gigs the artist could apply to: per genre
    of the artist, its gigs in the artist's city and its gigs elsewhere; and the city's gigs of
    other genres. Only those are scored, and only the best ``limit`` are read from the table.
    The ranking is the queryset's whenever no walk is cut short (every genre and the city
    holding at most ``candidates`` open gigs the artist could apply to); otherwise gigs beyond
    a walk's horizon are left out, so a perfect match months away can lose its place to good
    matches sooner. ~3 x ``candidates`` index entries per genre, whatever the table's size."""
    genres = list(dict.fromkeys(g for g in [artist.primary_genre, *artist.secondary_genres] if g))
    city, state = artist.location_city.upper(), artist.location_state.upper()
    if not genres and not city:
        return "", {}
    params: dict[str, Any] = {
        "artist": artist.pk,
        "now": now,
        "limit": limit,
        "candidates": candidates,
        "genres": genres,
        "city": city,
        "state": state,
        "flat": artist.base_rate_flat,
        "hourly": artist.base_rate_hourly,
    }
    excluded = (
        "g.id <> ALL((SELECT applied FROM mine)::bigint[])"
        " AND NOT g.date <@ (SELECT away FROM mine)"
        " AND NOT tstzrange(g.starts_at, g.ends_at, '[)') && (SELECT busy FROM mine)"
    )
    # The day of the week (0 Sunday … 6 Saturday) in integer arithmetic: 2000-01-02 was a
    # Sunday (EXTRACT(dow …) is a numeric, several times slower per row).
    weekend = "((g.date - DATE '2000-01-02') %% 7 + 7) %% 7 IN (0, 6)"
    day = (
        "TRUE"
        if artist.available_weekends and artist.available_weekdays
        else weekend
        if artist.available_weekends
        else f"NOT ({weekend})"
        if artist.available_weekdays
        else "FALSE"
    )
    pays = (
        " OR ".join(
            [
                *(
                    ["(g.payment_type = 'flat' AND g.payment_amount >= %(flat)s)"]
                    if artist.base_rate_flat is not None
                    else []
                ),
                *(
                    ["(g.payment_type = 'hourly' AND g.payment_amount >= %(hourly)s)"]
                    if artist.base_rate_hourly is not None
                    else []
                ),
            ]
        )
        or "FALSE"
    )
    negotiable = "g.payment_type = 'negotiable'" if artist.rates_negotiable else "FALSE"
    # Scored in the walks: the genre's points and the place are known from the walk itself.
    per_row = (
        f"CASE WHEN {day} THEN 1 ELSE 0 END AS m_day,"
        f" CASE WHEN {pays} THEN 2 ELSE 0 END AS m_pay,"
        f" CASE WHEN {negotiable} THEN 1 ELSE 0 END AS m_negotiable"
    )
    in_state = (  # (in a walk of gigs outside the city, but the city may be blank)
        "CASE WHEN UPPER(g.location_state) = %(state)s AND UPPER(g.location_city) <> %(city)s"
        " THEN 1 ELSE 0 END"
        if state
        else "0"
    )

    def walk(points: str, place: str, where: str) -> str:
        return (
            f"SELECT g.id, g.starts_at, {points} AS m_genre, {place} AS m_place, {per_row}"  # noqa: S608
            f" FROM marketplace_gig g WHERE g.status = 'open' AND g.starts_at >= %(now)s"
            f" AND {excluded} AND {where} ORDER BY g.starts_at, g.id LIMIT %(candidates)s"
        )

    walks = []
    each_genre = (
        "SELECT c.* FROM unnest(%(genres)s::varchar[], %(points)s::int[]) AS s(genre, points)"
    )
    if genres:
        if city:
            where = "g.genre = s.genre AND UPPER(g.location_city) = %(city)s"
            walks.append(f"{each_genre} CROSS JOIN LATERAL ({walk('s.points', '2', where)}) c")
        where = "g.genre = s.genre" + (" AND UPPER(g.location_city) <> %(city)s" if city else "")
        walks.append(f"{each_genre} CROSS JOIN LATERAL ({walk('s.points', in_state, where)}) c")
    if city:
        where = "UPPER(g.location_city) = %(city)s"
        if genres:
            where += " AND NOT (g.genre = ANY(%(genres)s::varchar[]))"
        walks.append(f"SELECT * FROM ({walk('0', '2', where)}) e")  # noqa: S608
    params["points"] = [4 if g == artist.primary_genre else 3 for g in genres]
    sql = (
        "WITH mine AS MATERIALIZED (SELECT"  # noqa: S608 (fixed text; values are parameters)
        " COALESCE((SELECT array_agg(gig_id) FROM marketplace_application"
        " WHERE artist_id = %(artist)s), '{}') AS applied,"
        " COALESCE((SELECT range_agg(daterange(start_date, end_date, '[]'))"
        " FROM marketplace_unavailability WHERE artist_id = %(artist)s),"
        " '{}'::datemultirange) AS away,"
        " COALESCE((SELECT range_agg(tstzrange(starts_at, ends_at, '[)'))"
        " FROM marketplace_booking WHERE artist_id = %(artist)s AND status = 'active'),"
        " '{}'::tstzmultirange) AS busy),"
        " top AS (SELECT *, m_genre + m_place + m_day + m_pay + m_negotiable AS score"
        f" FROM ({' UNION ALL '.join(walks)}) c ORDER BY score DESC, starts_at, id"
        " LIMIT %(limit)s)"
        f" SELECT {GIG_SELECT}, top.score,"
        " CASE WHEN top.m_genre = 4 THEN 4 ELSE 0 END, CASE WHEN top.m_genre = 3 THEN 3 ELSE 0 END,"
        " CASE WHEN top.m_place = 2 THEN 2 ELSE 0 END, CASE WHEN top.m_place = 1 THEN 1 ELSE 0 END,"
        " top.m_day, top.m_pay, top.m_negotiable FROM top"
        " JOIN marketplace_gig g ON g.id = top.id JOIN marketplace_venueprofile v"
        " ON v.id = g.venue_id ORDER BY top.score DESC, top.starts_at, top.id"
    )
    return sql, params


def match_rows(
    artist: Any, *, now: dt.datetime, limit: int, candidates: int = MATCH_CANDIDATES
) -> list[dict[str, Any]]:
    """The rows of :func:`match_sql`, as dicts like the queryset's ``values()``."""
    sql, params = match_sql(artist, now=now, limit=limit, candidates=candidates)
    if not params:
        return []
    names = [name for name, _ in GIG_COLUMNS] + ["score", *MATCH_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
