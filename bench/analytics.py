"""Analytics in the bench (issue 13): the daily figures API over a year, and the nightly rollup
of one day at 10 000 artists.

**The API** (an ``Endpoint`` of ``bench/endpoints.py``, ``--only analytics``): ``GET
/api/v1/analytics/daily/?from=&to=`` over 365 days, signed in as one of the artists that sign
in (every tenth bench artist, tokens from ``bench.gigs``), with a last day 0-30 days before
yesterday. Data (``seed_analytics``, from ``python -m bench.seed``): :data:`STORED_DAYS` days of
figures for each of those artists, a row on about two days in three (the rollup writes rows
only for days with activity), varied by artist and day. Re-seeded when the newest day is not
yesterday (the rows' days are relative to the seed's day). Checks: 365 days in order, from and
to as asked, every figure of the catalog on every day.

**The rollup** (``python -m bench.analytics rollup``): a database of its own
(``<DATABASE_URL>_<artists>``, as ``python -m bench --artists N`` uses), with the bench's
artists, venues, gigs, applications, bookings and messages (``python -m bench.seed``), and then
a day of realistic activity on top, for yesterday (``seed_activity``): profile views for every
artist (skewed: most get a few, a few get hundreds; :data:`HISTORY_DAYS` days of them, so the
table has the size a month gives it), messages, answers to applications, reviews, fans who join
and leave, campaign sends. Then it rolls yesterday up ``--runs`` times (the first writes the
rows, the others rerun, as the nightly task's catch-up would) and prints the time, the queries
and the rows of each run, and the time of each registered figure function on its own.

Like ``bench/seed.py``, importing this module does not load Django (the load generator imports
the request maker).
"""

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bench import bodies, seed

STORED_DAYS = 400  # the API bench's days of figures per artist
API_DAYS = 365
ROLLUP_ARTISTS = 10_000
HISTORY_DAYS = 30  # days of profile views (and fans, campaign sends) before the rolled-up day
ARTIST_FIGURES = [
    "profile_views",
    "unique_viewers",
    "gigs_completed",
    "earnings",
    "reviews",
    "avg_rating",
    "applications_sent",
    "applications_accepted",
    "messages_received",
    "fan_growth",
    "campaign_sends",
]  # analytics.metrics.ARTIST_METRICS, copied (tests/bench checks it)


def _yesterday() -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def _popularity(n: int) -> float:
    """Artist ``n``'s mean profile views a day: most a few, a few over a hundred (``u**4``;
    8 on average)."""
    u = (n * 0.6180339887) % 1.0
    return 0.3 + 40 * u**4


# --- the API's data and requests ----------------------------------------------------------------


def seed_analytics(*, artists: int) -> str:
    """Figures of :data:`STORED_DAYS` days up to yesterday for every artist that signs in."""
    from django.db import connection, transaction

    from analytics import cache as answers
    from analytics.models import DailyMetric
    from artists.models import ArtistProfile
    from bench.gigs import ARTIST_IDENTITY_EVERY

    numbers = range(0, artists, ARTIST_IDENTITY_EVERY)
    slugs = {seed.ARTIST_SLUG.format(i): i for i in numbers}
    profiles = ArtistProfile.objects.filter(slug__in=list(slugs)).values_list(
        "pk", "slug", "stage_name"
    )
    ids = [pk for pk, _, _ in profiles]
    last = _yesterday()
    mine = DailyMetric.objects.filter(artist_id__in=ids)
    if mine.filter(day=last).count() == len(ids) and mine.count() > len(ids) * STORED_DAYS // 2:
        return f"bench analytics: {mine.count()} days of {len(ids)} artists there"
    columns = ", ".join(["artist_id", "stage_name", "day", *ARTIST_FIGURES])
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        mine.delete()
        with cursor.cursor.copy(
            f"COPY analytics_dailymetric ({columns}, created_at, updated_at) FROM STDIN"
        ) as copy:
            now = dt.datetime.now(dt.UTC)
            for pk, slug, name in profiles:
                n = slugs[slug]
                for back in range(STORED_DAYS):
                    day = last - dt.timedelta(days=back)
                    rng = random.Random(f"bench-analytics-{n}-{back}")
                    if back and rng.random() < 0.35:
                        continue  # a quiet day: no row (yesterday always has one)
                    copy.write_row((pk, name, day, *day_figures(rng, n), now, now))
                    written += 1
    answers.figures_changed_on_commit()  # written with COPY: no signal tells the API's cache
    with connection.cursor() as cursor:
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(f"{command} analytics_dailymetric")
    return f"bench analytics: {written} days of figures for {len(ids)} artists"


def day_figures(rng: random.Random, n: int) -> tuple[Any, ...]:
    """One day's figures of artist ``n``, in :data:`ARTIST_FIGURES` order."""
    views = max(1, int(rng.expovariate(1 / max(_popularity(n), 1))))
    gigs = 1 if rng.random() < 0.08 else 0
    reviews = 1 if gigs and rng.random() < 0.6 else 0
    sent = int(rng.random() < 0.3) + int(rng.random() < 0.1)
    return (
        views,
        views,
        gigs,
        gigs * rng.choice([20_000, 45_000, 90_000]),
        reviews,
        rng.choice(["4.00", "5.00", "3.00"]) if reviews else None,
        sent,
        int(sent > 0 and rng.random() < 0.25),
        int(rng.expovariate(1 / 2)),
        int(rng.expovariate(1 / 3)) - int(rng.random() < 0.2),
        rng.choice([0, 0, 0, 0, 0, 0, 0, 0, 0, 250]),
    )


def analytics_call(artists: int, rng: random.Random, ids: dict[str, Any]) -> Any:
    from bench.endpoints import Call

    number = rng.choice(sorted(ids["tokens"], key=int))
    last = _yesterday() - dt.timedelta(days=rng.randint(0, 30))
    first = last - dt.timedelta(days=API_DAYS - 1)
    query = urlencode({"from": first.isoformat(), "to": last.isoformat()})
    return Call(
        f"/api/v1/analytics/daily/?{query}",
        {"Authorization": f"Bearer {ids['tokens'][number]}"},
        check_daily(first, last),
    )


def check_daily(first: dt.date, last: dt.date) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        data = bodies.parse(body)
        if not isinstance(data, dict) or data.get("subject") != "artist":
            return "not an artist's figures"
        if (data.get("from"), data.get("to")) != (first.isoformat(), last.isoformat()):
            return "not the range asked"
        days = data.get("days")
        if not isinstance(days, list) or len(days) != API_DAYS:
            return f"{len(days) if isinstance(days, list) else 'no'} days, not {API_DAYS}"
        if days[0].get("day") != first.isoformat() or days[-1].get("day") != last.isoformat():
            return "days out of order"
        if any(set(day) != {"day", *ARTIST_FIGURES} for day in days):
            return "a day without every figure"
        if not any(day["profile_views"] for day in days):
            return "no figures at all"
        return None

    return check


# --- the rollup: a day of activity --------------------------------------------------------------

MARKER = "bench_analytics_activity"


def seed_activity(*, day: dt.date, artists: int, history: int = HISTORY_DAYS) -> str:
    """Activity for ``day`` (and profile views, fans and campaign sends for the ``history``
    days before it), each day once (a marker table remembers the days seeded)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (day date PRIMARY KEY)")
        cursor.execute(f"SELECT day FROM {MARKER}")  # noqa: S608
        done = {row[0] for row in cursor.fetchall()}
    days = [day - dt.timedelta(days=back) for back in range(history - 1, -1, -1)]
    todo = [d for d in days if d not in done]
    said = []
    for d in todo:
        said.append(_seed_day(d, artists=artists, full=(d == day)))
    with transaction.atomic(), connection.cursor() as cursor:
        # Apart: an earlier run's messages may have gone with a reseed of bench/messages.py.
        messages = _messages(cursor, cursor.cursor, day, artists)["messages"]
        if messages:
            said.append(f"{day}: {messages} messages")
    with connection.cursor() as cursor:
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"  # (a test's)
        cursor.execute(
            f"{command} artists_profileview, messaging_message, messaging_contactmember, "
            "messaging_consentevent, messaging_delivery, marketplace_statuschange, "
            "marketplace_review"
        )
    return f"bench activity: {len(todo)} day(s) seeded; {said[-1] if said else 'all there'}"


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return start + dt.timedelta(seconds=rng.randrange(86_400))


def _seed_day(day: dt.date, *, artists: int, full: bool) -> str:
    """One day: profile views, fans and campaign sends always; the rest (messages, answers,
    reviews) for the rolled-up day only (the bench's own gigs and messages give the others)."""
    from django.db import connection, transaction

    from artists.models import ArtistProfile

    artist_ids = list(
        ArtistProfile.objects.filter(slug__startswith="bench-artist-")
        .order_by("slug")
        .values_list("pk", flat=True)[:artists]
    )
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        # Profile views: one row per viewer per artist per day.
        with raw.copy(
            "COPY artists_profileview (artist_id, viewer_key, day, created_at) FROM STDIN"
        ) as copy:
            views = 0
            for n, pk in enumerate(artist_ids):
                rng = random.Random(f"bench-views-{n}-{day}")
                for i in range(min(int(rng.expovariate(1 / _popularity(n))), 2_000)):
                    copy.write_row((pk, f"b:{day}:{i}", day, _at(day, rng)))
                    views += 1
        counts["views"] = views
        counts.update(_fans(cursor, raw, day, artist_ids))
        counts.update(_campaigns(cursor, raw, day, artist_ids))
        if full:
            counts.update(_answers(cursor, day))
            counts.update(_reviews(cursor, day))
        cursor.execute(f"INSERT INTO {MARKER} (day) VALUES (%s)", [day])  # noqa: S608
    return f"{day}: " + ", ".join(f"{v} {k}" for k, v in counts.items())


def _fans(cursor: Any, raw: Any, day: dt.date, artist_ids: list[int]) -> dict[str, int]:
    """Every third artist has a fan list; ~3 000 fans join a day, ~300 leave."""
    rng = random.Random(f"bench-fans-{day}")
    cursor.execute(
        "INSERT INTO messaging_contactlist (artist_id, name, description, signup_token, "
        "signup_open, created_at, updated_at) SELECT a, 'Bench fans', '', 'bench-' || a, true, "
        "now(), now() FROM unnest(%s::bigint[]) a ON CONFLICT DO NOTHING",
        [artist_ids[::3]],
    )
    cursor.execute(
        "SELECT id, artist_id FROM messaging_contactlist WHERE signup_token LIKE 'bench-%%'"
    )
    lists = cursor.fetchall()
    with raw.copy(
        "COPY messaging_contactmember (contact_list_id, email, name, city, region, source, "
        "consent_at, opted_in, confirm_token_hash, created_at, updated_at) FROM STDIN"
    ) as copy:
        for i in range(3_000):
            list_id, _ = rng.choice(lists)
            at = _at(day, rng)
            copy.write_row(
                (
                    list_id,
                    f"fan-{day}-{i}@bench.example",
                    "",
                    "",
                    "",
                    "import",
                    at,
                    True,
                    "",
                    at,
                    at,
                )
            )
    with raw.copy(
        "COPY messaging_consentevent (artist_id, email, kind, at, detail) FROM STDIN"
    ) as copy:
        for i in range(300):
            _, artist_id = rng.choice(lists)
            kind = rng.choice(["unsubscribed", "removed"])
            copy.write_row((artist_id, f"gone-{day}-{i}@bench.example", kind, _at(day, rng), "{}"))
    return {"fans joined": 3_000, "fans left": 300}


def _campaigns(cursor: Any, raw: Any, day: dt.date, artist_ids: list[int]) -> dict[str, int]:
    """Twenty campaigns a day, sent to 200-4 000 fans each."""
    rng = random.Random(f"bench-campaigns-{day}")
    senders = rng.sample(artist_ids, 20)
    sent = 0
    for artist_id in senders:
        cursor.execute(
            "INSERT INTO messaging_campaign (artist_id, all_lists, audience_city, "
            "audience_region, kind, channel, name, subject, body, status, recipient_count, "
            "created_at, updated_at) VALUES (%s, true, '', '', 'manual', 'email', 'Bench news', "
            "'News', 'Hello', 'sent', 0, now(), now()) RETURNING id",
            [artist_id],
        )
        campaign_id = cursor.fetchone()[0]
        with raw.copy(
            "COPY messaging_delivery (campaign_id, address, status, idempotency_key, attempts, "
            "next_attempt_at, sent_at, provider_message_id, error, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            for i in range(rng.randint(200, 4_000)):
                at = _at(day, rng)
                key = f"bench-{campaign_id}-{i}"
                copy.write_row(
                    (campaign_id, f"r{i}@bench.example", "sent", key, 1, at, at, "", "", at, at)
                )
                sent += 1
    return {"campaign sends": sent}


ROLLUP_CONVERSATIONS = 2_000  # venue v and artist 10·v + 5: none of bench/messages.py's pairs


def _messages(cursor: Any, raw: Any, day: dt.date, artists: int) -> dict[str, int]:
    """~15 000 messages between venues and artists, in conversations of the rollup bench's own.

    Not in the API bench's conversations (``bench/messages.py``): that seed checks that those
    hold exactly its million messages, and seeds them all again (deleting every conversation of
    a bench venue, these too) when they do not. Its artists are numbers 10·v; these are 10·v + 5.
    """
    rng = random.Random(f"bench-day-messages-{day}")
    cursor.execute(
        "SELECT v.user_id, a.user_id FROM marketplace_venueprofile v "
        "JOIN artists_artistprofile a ON a.slug = 'bench-artist-' || "
        "lpad(((10 * substr(v.slug, 13)::int + 5) %% %s)::text, 5, '0') "
        "WHERE v.slug LIKE 'bench-venue-%%' ORDER BY v.slug LIMIT %s",
        [artists, ROLLUP_CONVERSATIONS],
    )
    pairs = [(min(a, b), max(a, b)) for a, b in cursor.fetchall()]
    if not pairs:
        return {"messages": 0}
    cursor.execute(
        "INSERT INTO messaging_conversation (user_low_id, user_high_id, created_at, "
        "last_message_preview) SELECT l, h, now(), '' FROM unnest(%s::bigint[], %s::bigint[]) "
        "AS p(l, h) ON CONFLICT DO NOTHING",
        [[low for low, _ in pairs], [high for _, high in pairs]],
    )
    cursor.execute(
        "SELECT id, user_low_id, user_high_id FROM messaging_conversation "
        "WHERE (user_low_id, user_high_id) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
        [[low for low, _ in pairs], [high for _, high in pairs]],
    )
    conversations = cursor.fetchall()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    cursor.execute(
        "SELECT count(*) FROM messaging_message WHERE conversation_id = ANY(%s) "
        "AND created_at >= %s AND created_at < %s",
        [[pk for pk, _, _ in conversations], start, start + dt.timedelta(days=1)],
    )
    if cursor.fetchone()[0]:
        return {"messages": 0}  # there already
    with raw.copy(
        "COPY messaging_message (conversation_id, sender_id, content, created_at) FROM STDIN"
    ) as copy:
        for _ in range(15_000):
            pk, low, high = rng.choice(conversations)
            copy.write_row((pk, rng.choice([low, high]), "See you at soundcheck", _at(day, rng)))
    return {"messages": 15_000}


def _answers(cursor: Any, day: dt.date) -> dict[str, int]:
    """~1 500 applications accepted or declined that day (audit rows)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    cursor.execute(
        "INSERT INTO marketplace_statuschange (gig_id, subject, application_id, from_status, "
        "to_status, reason, created_at) "
        "SELECT a.gig_id, 'application', a.id, 'pending', "
        "CASE WHEN random() < 0.15 THEN 'accepted' ELSE 'rejected' END, '', "
        "%s::timestamptz + random() * interval '1 day' "
        "FROM marketplace_application a WHERE a.created_at < %s "
        "ORDER BY md5(a.id::text || %s) LIMIT 1500",
        [start, start, str(day)],
    )
    return {"answers": cursor.rowcount}


def _reviews(cursor: Any, day: dt.date) -> dict[str, int]:
    """Reviews of ~300 completed bookings, both ways, published that day."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    cursor.execute(
        "INSERT INTO marketplace_review (booking_id, gig_id, artist_id, venue_id, side, rating, "
        "comment, reply, published_at, hidden, hidden_reason, created_at) "
        "SELECT b.id, b.gig_id, b.artist_id, g.venue_id, side, 3 + (b.id %% 3), '', '', "
        "%s::timestamptz + random() * interval '1 day', false, '', now() "
        "FROM (SELECT * FROM marketplace_booking WHERE status = 'completed' AND NOT EXISTS "
        "(SELECT 1 FROM marketplace_review r WHERE r.booking_id = marketplace_booking.id) "
        "LIMIT 300) b JOIN marketplace_gig g ON g.id = b.gig_id "
        "CROSS JOIN (VALUES ('venue'), ('artist')) AS s(side)",
        [start],
    )
    return {"reviews": cursor.rowcount}


# --- the rollup: measured -------------------------------------------------------------------------


def rollup_measure(*, artists: int, runs: int, history: int) -> dict[str, Any]:
    """Seed yesterday's activity, then roll yesterday up ``runs`` times; the figures."""
    from django.db import connection

    from analytics import services
    from analytics.models import DailyMetric, RollupRun, VenueDailyMetric
    from umbrella import daily_metrics
    from umbrella.daily_metrics import Day

    day = _yesterday()
    print(seed_activity(day=day, artists=artists, history=history), flush=True)
    # The first run is the night's: the day has no rows yet (an earlier bench run wrote them).
    with connection.cursor() as cursor:  # raw: no signal per row (analytics.apps)
        for model in (DailyMetric, VenueDailyMetric, RollupRun):
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE day = %s", [day])  # noqa: S608
        cursor.execute("VACUUM analytics_dailymetric, analytics_venuedailymetric")
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        result = services.rollup_day(day=day)
        results.append(
            {
                "seconds": round(time.perf_counter() - started, 3),
                "queries": result.queries,
                "changed": result.changed,
                "artists": result.artists,
                "venues": result.venues,
            }
        )
    parts = []
    for kind in daily_metrics.KINDS:
        subjects = daily_metrics.subjects_of(kind)
        assert subjects is not None
        for label, collect in [
            ("subjects", subjects.collect),
            *[(",".join(f.names), f.collect) for f in daily_metrics.figures_of(kind)],
        ]:
            started = time.perf_counter()
            found = collect(Day(day))
            elapsed = time.perf_counter() - started
            ms = round(elapsed * 1000, 1)
            parts.append({"kind": kind, "figures": label, "ms": ms, "subjects": len(found)})
    return {"day": day.isoformat(), "runs": results, "parts": parts}


def rollup_main(argv: list[str]) -> int:
    from bench import database
    from bench.cli import database_for
    from bench.environment import (
        BENCH_EMAIL,
        DEFAULT_DATABASE_URL,
        DEFAULT_REDIS_URL,
        PROJECT_DIR,
        redacted,
        server_env,
    )

    parser = argparse.ArgumentParser(prog="python -m bench.analytics rollup")
    parser.add_argument("--artists", type=int, default=ROLLUP_ARTISTS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history", type=int, default=HISTORY_DAYS)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args(argv)
    url = database_for(args.database_url, args.artists)
    env = server_env(database_url=url, redis_url=args.redis_url)
    print(f"preparing {redacted(url)} with {args.artists} artists …", flush=True)
    database.ensure_database(url)
    database.migrate(env)
    database.seed_user(
        {**env, "BENCH_SKIP_SEEDS": "rooms,analytics"},
        email=BENCH_EMAIL,
        password=secrets.token_urlsafe(24),  # the bench user's; the rollup signs nobody in
        artists=args.artists,
    )
    command = [sys.executable, "-m", "bench.analytics", "rollup-inner"]
    command += [str(args.artists), str(args.runs), str(args.history)]
    inner = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if inner.returncode != 0:
        print(inner.stdout, inner.stderr, file=sys.stderr)
        return 2
    *lines, last = inner.stdout.strip().splitlines()
    print("\n".join(lines))
    print(report(json.loads(last), artists=args.artists))
    return 0


def report(data: dict[str, Any], *, artists: int) -> str:
    runs = data["runs"]
    out = [f"\nrollup of {data['day']} at {artists} artists ({len(runs)} runs):", ""]
    out.append("run  seconds  queries  artist rows  venue rows  rows written")
    for i, run in enumerate(runs, 1):
        out.append(
            f"{i:<4} {run['seconds']:<8} {run['queries']:<8} {run['artists']:<12} "
            f"{run['venues']:<11} {run.get('changed', '-')}"
        )
    first = runs[0]["seconds"]
    out.append(f"\nfirst run (writes the day) {first:.3f} s (target < 2 s: {_verdict(first)})")
    if len(runs) > 1:
        median = statistics.median(run["seconds"] for run in runs[1:])
        out.append(f"reruns, median {median:.3f} s (target < 2 s: {_verdict(median)})")
    out.append("\neach figure function on its own (ms, subjects with figures):")
    for part in data["parts"]:
        out.append(f"  {part['kind']:<7} {part['figures']:<48} {part['ms']:>8} {part['subjects']}")
    return "\n".join(out)


def _verdict(seconds: float) -> str:
    return "PASS" if seconds < 2 else "FAIL"


def main() -> None:
    if sys.argv[1:2] == ["rollup"]:
        raise SystemExit(rollup_main(sys.argv[2:]))
    if sys.argv[1:2] == ["rollup-inner"]:
        import django

        django.setup()
        artists, runs, history = (int(x) for x in sys.argv[2:5])
        print(json.dumps(rollup_measure(artists=artists, runs=runs, history=history)))
        return
    raise SystemExit("usage: python -m bench.analytics rollup [--artists N] [--runs N]")


if __name__ == "__main__":
    main()
