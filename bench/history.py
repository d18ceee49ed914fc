"""``python -m bench.history``: does an artist's history of applications weigh on gigs for you?

Gigs for you rules out the gigs an artist applied to by comparing every candidate with the
array of their applied gigs (``marketplace.filters``, ``mine``): linear in that array. Since
migration 0013 the array holds only the applications to gigs still to come (each application
carries its gig's start). This measures the ranking statement's PostgreSQL CPU per request over
``--artists`` bench artists as seeded, then again after giving each ``--extra`` more
applications to gigs already past (inserted in a transaction that is rolled back: the bench
database is left as it was). The two figures should be alike; before migration 0013, 300 more
took 0.45 → 0.88 ms and 1 000 more 0.45 → 2.0 ms on the bench machine.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/umbrella_bench \\
        SECRET_KEY=any-long-value .venv/bin/python -m bench.history --extra 1000

PostgreSQL CPU is the backend's own (``/proc/<pid>/stat``, user + system), so it needs the
database on this machine. Run it against a seeded bench database (``python -m bench`` once).
"""

import argparse
import os
import random
from collections.abc import Sequence
from pathlib import Path

import django

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def statement_cpu(user_ids: list[int], *, rounds: int) -> list[float]:
    """Milliseconds of PostgreSQL CPU per gigs-for-you statement, each round over every user
    (after one unmeasured pass over a few: the plan and the caches)."""
    from django.utils import timezone

    from marketplace.filters import match_json

    now = timezone.now()
    for user_id in user_ids[:20]:
        match_json(user_id=user_id, now=now, limit=20)
    figures = []
    for _ in range(rounds):
        before = backend_cpu()
        for user_id in user_ids:
            match_json(user_id=user_id, now=now, limit=20)
        figures.append((backend_cpu() - before) / len(user_ids) * 1000)
    return figures


def add_past_applications(artist_ids: list[int], extra: int) -> int:
    """Give each artist up to ``extra`` rejected applications to gigs already past (fewer when
    there are fewer past gigs); returns the rows added."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM marketplace_gig WHERE starts_at < now() ORDER BY id LIMIT %s",
            [max(extra * 4, 1000)],
        )
        past = [row[0] for row in cursor.fetchall()]
        added = 0
        for artist_id in artist_ids:
            gigs = random.Random(artist_id).sample(past, min(extra, len(past)))
            cursor.execute(
                "INSERT INTO marketplace_application (gig_id, artist_id, pitch, status,"
                " gig_starts_at, created_at, updated_at)"
                " SELECT g.id, %s, '', 'rejected', g.starts_at, g.starts_at, g.starts_at"
                " FROM marketplace_gig g WHERE g.id = ANY(%s) ON CONFLICT DO NOTHING",
                [artist_id, gigs],
            )
            added += cursor.rowcount
        cursor.execute("ANALYZE marketplace_application")
    return added


def run(args: argparse.Namespace) -> str:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.user_id, p.id FROM artists_artistprofile p"
            " WHERE p.slug LIKE 'bench-artist-%%' ORDER BY p.id LIMIT %s",
            [args.artists],
        )
        users, artists = zip(*cursor.fetchall(), strict=True)
    lines = []
    seeded = statement_cpu(list(users), rounds=args.rounds)
    lines.append(f"as seeded: {_figures(seeded)} ms of PostgreSQL CPU a statement")
    with transaction.atomic():
        added = add_past_applications(list(artists), args.extra)
        more = statement_cpu(list(users), rounds=args.rounds)
        lines.append(
            f"+{added // len(artists)} applications to past gigs each: {_figures(more)} ms"
        )
        transaction.set_rollback(True)
    return "\n".join(lines)


def _figures(values: list[float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--artists", type=int, default=200, help="bench artists measured")
    parser.add_argument("--extra", type=int, default=300, help="applications added to each")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    print(run(args), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
