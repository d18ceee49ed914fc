"""``python -m bench.draws``: a verifiable (fallback) draw among 100 000 entrants — wall time and
SQL statements (issue 12's benchmark; targets < 1 s and <= 5 queries).

The run makes (once, then reuses) an active room with ``--entrants`` participants, then times
``--repeat`` calls of :func:`events.services.draws.room_draw` for a fresh prize of
``--winners`` units each, in two modes:

* ``platform``: the room's app does not declare ``winner_selection``; the platform's draw is
  the method (no webhook, no read before the transaction);
* ``breaker``: the app declares it but its breaker is open, so the draw falls back at once
  (``fallback_used: true``): nothing is read before the transaction (the breaker's state is in
  Redis), the locks also read the room's organizers, and the organizer is notified.

Each draw, as stored, is checked with ``events.draws.check`` (chain, entrants hash, winners).
Printed per mode: wall time p50 / max, this process's CPU, statements per draw (counted with a
``connection.execute_wrapper``; ``BEGIN``/``COMMIT`` are not statements the ORM logs), the
targets met or not, with ``--verbose`` the last draw's statements and their times, and where
the time goes (each part alone: wall and this process's CPU).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/umbrella_bench_draws \\
    REDIS_URL=redis://127.0.0.1:6379/14 \\
      .venv/bin/python -m bench.draws [--entrants 100000 --repeat 5 --winners 10]

The database is created and migrated if missing. Exit status 0 when every draw verified, 1
otherwise, 2 when setup fails.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/umbrella_bench_draws"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
OWNER_EMAIL = "bench-draws@bench.umbrella.local"
TARGET_SECONDS = 1.0  # issue 12: a fallback draw among 100 000 entrants in < 1 s
TARGET_STATEMENTS = 5  # … in at most 5 queries


def _ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _manifest(*, winner_selection: bool) -> dict[str, Any]:
    capabilities = ["notifications"] + (["winner_selection"] if winner_selection else [])
    webhooks: dict[str, Any] = {"notifications": {"path": "/hooks/notify", "async": True}}
    if winner_selection:
        webhooks["winner_selection"] = "/hooks/winners"
    return {
        "meta": {"name": "Bench draws", "version": "1.0.0"},
        "base_url": "http://127.0.0.1:9",
        "capabilities": capabilities,
        "permissions": ["winners:write"],
        "webhooks": webhooks,
        "settings": {"type": "object"},
    }


def _room(mode: str, entrants: int) -> Any:
    """The mode's bench room with ``entrants`` participants (made once, then reused)."""
    from django.db import connection, transaction

    from accounts.models import User
    from events.models import App, AppManifestVersion, Participant, Role, Room, RoomStatus
    from events.services.draws import commitment_create

    owner, _ = User.objects.get_or_create(email=OWNER_EMAIL, defaults={"display_name": "Bench"})
    app_id = f"app_bench_draws_{mode}"
    manifest = _manifest(winner_selection=mode == "breaker")
    app, _ = App.objects.get_or_create(
        app_id=app_id,
        defaults={
            "owner": owner,
            "name": "Bench draws",
            "manifest": manifest,
            "manifest_version": "1.0.0",
        },
    )
    version, _ = AppManifestVersion.objects.get_or_create(
        app=app, version="1.0.0", defaults={"manifest": manifest}
    )
    name = f"bench draws {mode} {entrants}"
    # with its app and locked manifest version, as the API's room read loads it
    rooms = Room.objects.select_related("app", "app_manifest_version")
    room = rooms.filter(name=name, app=app).first()
    if room is not None:
        return room
    print(f"  making {name}: {entrants} users and participants…", flush=True)
    with transaction.atomic():
        room = Room.objects.create(
            name=name,
            app=app,
            app_manifest_version=version,
            status=RoomStatus.ACTIVE,
            created_by=owner,
        )
        Participant.objects.create(room=room, user=owner, role=Role.ORGANIZER)
        commitment_create(room=room)
    prefix = f"bench-draws-{mode}-{room.pk}-"
    for start in range(0, entrants, 10_000):
        users = User.objects.bulk_create(
            User(email=f"{prefix}{i}@bench.umbrella.local", display_name=f"Entrant {i}")
            for i in range(start, min(entrants, start + 10_000))
        )
        Participant.objects.bulk_create(Participant(room=room, user=u) for u in users)
    with connection.cursor() as cursor:  # fresh statistics for the planner
        cursor.execute("ANALYZE events_participant")
        cursor.execute("ANALYZE events_winner")
    return rooms.get(pk=room.pk)


class _Counter:
    """Every statement the draw sends, with its wall time (sent → answered)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            self.statements.append(f"{ms:6.0f} ms  {' '.join(sql.split())}")


def _one(room: Any, winners: int) -> tuple[float, float, int, list[str], Any]:
    from django.db import connection

    from events.models import Prize
    from events.services.draws import room_draw

    prize = Prize.objects.create(room=room, name="Bench prize", quantity=winners,
                                 quantity_remaining=winners)  # fmt: skip
    counter = _Counter()
    with connection.execute_wrapper(counter):
        started, cpu = time.perf_counter(), time.process_time()
        made = room_draw(room=room, by=None, prize_ids=[prize.pk])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, len(counter.statements), counter.statements, made


def _parts(room: Any, entrants: int) -> dict[str, tuple[float, float]]:
    """Where the time goes, each part alone, as the draw does it: the entrants read (the
    database sorts and joins the ids), hashing that text, parsing it, the selection. Each
    part's (wall, this process's CPU) seconds."""
    import hashlib
    import json

    from django.db import transaction

    from events import draws
    from events.models import Prize
    from events.services.draws import SEP, _entrants_text

    prize = Prize.objects.filter(room=room).first()
    assert prize is not None  # the bench drew at least once
    found: dict[str, Any] = {}
    timed: dict[str, tuple[float, float]] = {}

    def part(name: str, run: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        value = run()
        timed[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return value

    def read() -> str:
        with transaction.atomic():
            return _entrants_text(room, prize.pk, multiple=True, exclude=())

    text = part("entrants read (one statement)", read)
    digest = part("entrants hash", lambda: hashlib.sha256(text.encode("ascii")).hexdigest())
    found["ids"] = part("entrants parsed", lambda: json.loads(f"[{text.replace(SEP, ',')}]"))
    part(
        "select (10 winners)",
        lambda: draws.select_sorted(
            revealed_hex="ab" * 32,
            pool=found["ids"],
            prize_id=1,
            number=1,
            count=10,
            entrants_hash_hex=digest,
        ),
    )
    assert len(digest) == 64 and len(found["ids"]) <= entrants
    return timed


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from events import draws
    from events.models import Draw, DrawCommitment
    from events.webhooks import breaker

    call_command("migrate", verbosity=0)
    failures = 0
    for mode in args.modes:
        room = _room(mode, args.entrants)
        if mode == "breaker":
            for _ in range(5):
                breaker.record_failure(room.app.app_id, "winner_selection")
        times, cpus, counts = [], [], []
        statements: list[str] = []
        for _ in range(args.repeat):
            commitment = DrawCommitment.objects.get(room=room)
            if commitment.draws_made + 1 > commitment.chain_length:
                print(
                    f"{mode}: the room's chain is used up; drop the bench database", file=sys.stderr
                )
                return 2
            elapsed, cpu, count, statements, made = _one(room, args.winners)
            [draw] = made.draws
            draw = Draw.objects.get(pk=draw.pk)  # what was stored
            verdict = draws.check(
                commitment_hex=commitment.commitment,
                number=draw.number,
                revealed_hex=draw.revealed,
                entrant_ids=draw.entrants,
                entrants_hash_hex=draw.entrants_hash,
                prize_id=draw.prize_id,
                result=draw.result,
            )
            if not all(verdict.values()) or made.fallback_used != (mode == "breaker"):
                failures += 1
            times.append(elapsed)
            cpus.append(cpu)
            counts.append(count)
        p50 = statistics.median(times)
        print(
            f"{mode}: {args.entrants} entrants, {args.winners} winners, {args.repeat} draws: "
            f"wall p50 {p50 * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
            f"this process's CPU p50 {statistics.median(cpus) * 1000:.0f} ms; "
            f"statements per draw {min(counts)}-{max(counts)}"
        )
        met = p50 < TARGET_SECONDS and max(counts) <= TARGET_STATEMENTS
        print(
            f"    target: < {TARGET_SECONDS:.0f} s (p50) and <= {TARGET_STATEMENTS} statements: "
            f"{'PASS' if met else 'FAIL'}"
            + (
                " (the statements past the draw's are the organizer's notification)"
                if mode == "breaker"
                else ""
            )
        )
        if args.verbose:
            for sql in statements:
                print("    " + sql[:110])
        for part, (wall, cpu) in _parts(room, args.entrants).items():
            print(f"    {part}: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU here")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.draws", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--entrants", type=int, default=100_000)
    parser.add_argument("--winners", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--modes", nargs="+", default=["platform", "breaker"],
                        choices=["platform", "breaker"])  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="print the last draw's statements")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS))
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        print("bench.draws runs on PostgreSQL (set DATABASE_URL)", file=sys.stderr)
        return 2
    try:
        _ensure_database(args.database_url)
    except Exception as error:
        print(f"setup: {error}", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umbrella.settings")
    import django

    django.setup()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
