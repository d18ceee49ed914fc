"""``python -m bench.live_rooms``: how long a room event takes to reach every subscribed socket.

Issue 12's live-room fan-out: one room with ``--sockets`` (200) members, each with a WebSocket
(Daphne running ``umbrella.asgi:websocket_application`` on Redis, as production's ``ws``)
subscribed to the room. A publisher process then logs ``--events`` (50) events through
``events.realtime.publish`` in a transaction each, as the room services do, one every
``--interval`` seconds, stamping the wall-clock time just before the commit. Every socket records
when each event arrives. Reported: p50/p95/max of publish → receipt over every (event, socket),
and a check that every socket got every event exactly once with consecutive sequence numbers.
Target: p95 < 200 ms.

Its own small database (``<bench database>_rooms``); the load side never imports Django (seeding
and publishing run in subprocesses with the server's environment).
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench import database
from bench.environment import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    redacted,
    run_module,
    server_env,
)
from bench.live import SUBPROTOCOL, TOKEN_PREFIX, p95_of, running_daphne
from bench.server import HOST

TARGET_P95_MS = 200.0
EVENT = "bench:tick"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.live_rooms", description=__doc__)
    parser.add_argument("--sockets", type=int, default=200, help="subscribed sockets")
    parser.add_argument("--events", type=int, default=50, help="events published")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between events")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL + "_rooms")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--layer-socket-timeout",
        type=float,
        default=None,
        help="the channel layer's Redis socket timeout (seconds; default: redis-py's, 5 s)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.sockets <= 5000:
        parser.error("--sockets: 1 to 5000")
    return args


# --- in the server's environment (subprocesses) ----------------------------------------------


def seed(sockets: int) -> dict[str, Any]:
    """A bench app, an active room and ``sockets`` members with access tokens."""
    import secrets

    from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
    from django.db import transaction

    from accounts.models import User
    from accounts.selectors import user_cache_put
    from accounts.tokens import UmbrellaTokenStrategy
    from bench.gigs import _Session
    from events.models import App, AppManifestVersion, Participant, Role, Room, RoomStatus

    def user(n: int) -> User:
        email = f"bench-room-{n}@umbrella.local"
        found = User.objects.filter(email=email).first()
        return found or User.objects.create_user(email=email, password=None)

    with transaction.atomic():
        owner = user(0)
        manifest = {
            "meta": {"name": "Bench rooms", "version": "1.0.0", "description": "Bench.",
                     "author": "Bench", "homepage": "https://bench.example"},
            "base_url": "http://127.0.0.1:9",
            "capabilities": [],
            "permissions": ["realtime:publish"],
            "webhooks": {},
            "fallbacks": {},
            "settings": {"type": "object"},
        }  # fmt: skip
        app, _ = App.objects.get_or_create(
            app_id="app_bench_rooms",
            defaults={"owner": owner, "name": "Bench rooms", "manifest": manifest,
                      "manifest_version": "1.0.0"},
        )  # fmt: skip
        version, _ = AppManifestVersion.objects.get_or_create(
            app=app, version="1.0.0", defaults={"manifest": manifest}
        )
        room = Room.objects.create(
            name="Bench room",
            app=app,
            app_manifest_version=version,
            status=RoomStatus.ACTIVE,
            created_by=owner,
        )
        members = [user(n + 1) for n in range(sockets)]
        Participant.objects.create(room=room, user=owner, role=Role.ORGANIZER)
        Participant.objects.bulk_create(
            Participant(room=room, user=m, role=Role.PARTICIPANT) for m in members
        )
    strategy = UmbrellaTokenStrategy()
    tokens = []
    for member in members:
        session = _Session(secrets.token_hex(16))
        claims = strategy.get_claims(member)
        tokens.append(jwt_internal.create_access_token(member, session, claims))  # type: ignore[arg-type]
        user_cache_put(member)
    return {"room": room.pk, "tokens": tokens}


def publish(room_id: int, events: int, interval: float) -> None:
    """Publish ``events`` events as a service does, each stamped just before its commit."""
    from django.db import transaction

    from events import realtime
    from events.models import Room

    for i in range(events):
        with transaction.atomic():
            room = Room.objects.get(pk=room_id)
            realtime.publish(room, EVENT, {"i": i, "sent_at": time.time()})
        time.sleep(interval)


def _in_server_env(env: dict[str, str], *args: str) -> str:
    return run_module(env, "bench.live_rooms", *args)


# --- the load side ------------------------------------------------------------------------------


class Member:
    def __init__(self, token: str) -> None:
        self.token = token
        self.received: list[tuple[int, float, float]] = []  # (seq, sent_at, received at)
        self.closed: int | None = None  # the close code, if the server closed the socket

    async def open(self, port: int, room_id: int) -> Any:
        from websockets.asyncio.client import connect

        socket = await connect(
            f"ws://{HOST}:{port}/ws/rooms/",
            subprotocols=[SUBPROTOCOL, TOKEN_PREFIX + self.token],  # type: ignore[list-item]
            open_timeout=30,
            max_queue=None,
        )
        await socket.send(json.dumps({"type": "room:subscribe", "data": {"room_id": room_id}}))
        answer = json.loads(await socket.recv())
        if answer.get("type") != "room:subscribed":
            raise RuntimeError(f"subscribe refused: {answer}")
        return socket

    async def listen(self, socket: Any) -> None:
        try:
            async for text in socket:
                now = time.time()
                event = json.loads(text)
                if event.get("type") == EVENT:
                    self.received.append((event["seq"], event["data"]["sent_at"], now))
        except Exception:  # closed by the server (e.g. 1011: the consumer crashed)
            self.closed = socket.close_code


async def measure(args: argparse.Namespace, env: dict[str, str], ids: dict, port: int) -> dict:
    members = [Member(token) for token in ids["tokens"]]
    sockets = []
    for start in range(0, len(members), 50):
        batch = members[start : start + 50]
        sockets += await asyncio.gather(*(m.open(port, ids["room"]) for m in batch))
    listeners = [asyncio.create_task(m.listen(s)) for m, s in zip(members, sockets, strict=True)]
    started = time.perf_counter()
    await asyncio.to_thread(
        _in_server_env, env, "publish", str(ids["room"]), str(args.events), str(args.interval)
    )
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline and any(len(m.received) < args.events for m in members):
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    latencies = [(got - sent) * 1000 for m in members for _, sent, got in m.received]
    in_order = sum(
        1
        for m in members
        if m.received
        and [seq for seq, _, _ in m.received]
        == list(range(m.received[0][0], m.received[0][0] + args.events))
    )
    return {
        "latencies": latencies,
        "expected": args.events * len(members),
        "complete_sockets": in_order,
        "closed": sorted(m.closed for m in members if m.closed is not None),
        "elapsed": elapsed,
    }


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return (
        f"p50 {statistics.median(ordered):.1f} ms, p95 {p95_of(ordered):.1f} ms, "
        f"max {ordered[-1]:.1f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = server_env(database_url=args.database_url, redis_url=args.redis_url)
    if args.layer_socket_timeout is not None:
        env["CHANNEL_LAYER_URL"] = f"{args.redis_url}?socket_timeout={args.layer_socket_timeout}"
    print(f"preparing {redacted(args.database_url)} …", flush=True)
    database.ensure_database(args.database_url)
    database.migrate(env)
    ids = json.loads(_in_server_env(env, "seed", str(args.sockets)))
    with running_daphne(env) as ws_port:
        print(
            f"daphne on {ws_port}; room {ids['room']}, {args.sockets} sockets, "
            f"{args.events} events every {args.interval} s",
            flush=True,
        )
        result = asyncio.run(measure(args, env, ids, ws_port))
    latencies = result["latencies"]
    print(
        f"\ndelivered {len(latencies)} of {result['expected']} (event, socket) pairs in "
        f"{result['elapsed']:.1f} s; sockets with every event once, in order: "
        f"{result['complete_sockets']} of {args.sockets}; closed by the server: "
        f"{len(result['closed'])} {result['closed'] or ''}"
    )
    print(f"publish → receipt: {_percentiles(latencies)}")
    ok = (
        bool(latencies)
        and p95_of(latencies) < TARGET_P95_MS
        and len(latencies) == result["expected"]
        and result["complete_sockets"] == args.sockets
    )
    print(f"target: p95 < {TARGET_P95_MS:.0f} ms, every event once: {'PASS' if ok else 'FAIL'}")
    return 0


def _subcommand() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    if sys.argv[1] == "seed":
        print(json.dumps(seed(int(sys.argv[2]))))
    elif sys.argv[1] == "publish":
        publish(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))


if __name__ == "__main__":
    if sys.argv[1:2] in (["seed"], ["publish"]):
        _subcommand()
    else:
        sys.exit(main())
