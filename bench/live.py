"""``python -m bench.live``: how long a message takes from send to the other side's socket.

Issue 10's live fan-out figure: with ``--sockets`` (200) WebSockets open — both sides of
``sockets / 2`` bench conversations (venue ``v`` and artist ``10·v``, ``bench/messages.py``),
each subscribed to its conversation — messages are sent through the API (``POST
/api/v1/conversations/<id>/messages`` on gunicorn, as production's ``web``) by both sides in
turn, ``--concurrency`` at a time, and the other side's socket (Daphne running
``umbrella.asgi:websocket_application``, as production's ``ws``) waits for its ``message.new``
event. Reported: p50/p95/max of send → receipt (from the moment the request is sent) and of
the part after the API answered, and a check that every message reached its recipient
exactly once. Target: p95 < 200 ms.

Same database, seed and environment as ``python -m bench`` (the 20 000-artist database).
"""

import argparse
import asyncio
import http.client
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import database, gigs, messages, seed
from bench.environment import (
    BENCH_EMAIL,
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    PROJECT_DIR,
    redacted,
    server_env,
)
from bench.server import HOST, free_port, running_server

TARGET_P95_MS = 200.0
DAPHNE = [sys.executable, "-m", "daphne"]
SUBPROTOCOL = "umbrella.v1"  # accounts/websocket.py
TOKEN_PREFIX = "bearer."  # noqa: S105 (a prefix, not a secret)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__)
    parser.add_argument("--sockets", type=int, default=200, help="open WebSockets (even)")
    parser.add_argument("--messages", type=int, default=1000, help="messages sent in all")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="sends in flight (default: one per worker)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args(argv)
    if args.sockets < 2 or args.sockets % 2 or args.sockets > 2 * gigs.VENUES:
        parser.error(f"--sockets: an even number from 2 to {2 * gigs.VENUES}")
    return args


@contextmanager
def running_daphne(env: dict[str, str]) -> Iterator[int]:
    """Daphne serving the ``ws`` application on a free port, stopped however we leave."""
    port = free_port()
    with tempfile.NamedTemporaryFile("w+", prefix="bench-daphne-", suffix=".log") as log:
        process = subprocess.Popen(
            [*DAPHNE, "-b", HOST, "-p", str(port), "umbrella.asgi:websocket_application"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not _health_ok(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = Path(log.name).read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"daphne did not start:\n{tail}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _health_ok(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/ws/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Side:
    """One open socket: a person in one conversation, and what it received."""

    def __init__(self, user: str, token: str, conversation: int) -> None:
        self.user, self.token, self.conversation = user, token, conversation
        self.received: dict[str, list[float]] = {}  # message content -> receipt times

    async def open(self, port: int) -> Any:
        from websockets.asyncio.client import connect

        socket = await connect(
            f"ws://{HOST}:{port}/ws/messaging/",
            subprotocols=[SUBPROTOCOL, TOKEN_PREFIX + self.token],  # type: ignore[list-item]
            open_timeout=30,
            max_queue=None,
        )
        hello = json.loads(await socket.recv())
        if hello.get("type") != "hello":
            raise RuntimeError(f"no hello: {hello}")
        await socket.send(json.dumps({"type": "subscribe", "conversation_id": self.conversation}))
        while (event := json.loads(await socket.recv())).get("type") != "subscribed":
            if event.get("type") == "error":
                raise RuntimeError(f"subscribe refused: {event}")
        return socket

    async def listen(self, socket: Any) -> None:
        async for text in socket:
            now = time.perf_counter()
            event = json.loads(text)
            if event.get("type") == "message.new":
                self.received.setdefault(event["message"]["content"], []).append(now)


def _post(port: int, conversation: int, token: str, content: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(
            "POST",
            f"/api/v1/conversations/{conversation}/messages",
            body=json.dumps({"content": content}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


async def measure(
    args: argparse.Namespace, ids: dict[str, Any], http_port: int, ws_port: int
) -> dict[str, Any]:
    pairs = args.sockets // 2
    venues, artists = ids["venue"], ids["artist"]
    sides: list[tuple[Side, Side]] = []
    for v in range(pairs):
        conversation = venues["conversations"][str(v)][0]
        venue = Side(f"venue {v}", venues["tokens"][str(v)], conversation)
        artist_token = artists["tokens"][str(messages.artist_number(v, seed.ARTISTS))]
        sides.append((venue, Side(f"artist {v}", artist_token, conversation)))
    every = [side for pair in sides for side in pair]
    sockets = []
    for start in range(0, len(every), 50):  # connect in batches, as browsers would trickle in
        sockets += await asyncio.gather(*(side.open(ws_port) for side in every[start : start + 50]))
    listeners = [asyncio.create_task(s.listen(w)) for s, w in zip(every, sockets, strict=True)]
    run = secrets.token_hex(4)
    sent: dict[str, tuple[Side, float, float]] = {}  # content -> recipient, sent at, answered at
    failures: list[int] = []
    gate = asyncio.Semaphore(args.concurrency)

    async def send(i: int) -> None:
        venue, artist = sides[i % pairs]
        sender, recipient = (venue, artist) if (i // pairs) % 2 == 0 else (artist, venue)
        content = f"bench live {run} #{i}: see you at soundcheck"
        async with gate:
            began = time.perf_counter()
            status = await asyncio.to_thread(
                _post, http_port, sender.conversation, sender.token, content
            )
            answered = time.perf_counter()
        if status != 201:
            failures.append(status)
            return
        sent[content] = (recipient, began, answered)

    started = time.perf_counter()
    await asyncio.gather(*(send(i) for i in range(args.messages)))
    # Whatever is still on its way: wait up to 5 s for the last receipts.
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline and any(
        c not in r.received for c, (r, _, _) in sent.items()
    ):
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(w.close() for w in sockets), return_exceptions=True)

    total, after_answer, api, missing, doubled = [], [], [], 0, 0
    for content, (recipient, began, answered) in sent.items():
        times = recipient.received.get(content, [])
        if not times:
            missing += 1
            continue
        doubled += len(times) > 1
        total.append((times[0] - began) * 1000)
        api.append((answered - began) * 1000)
        after_answer.append(max(0.0, times[0] - answered) * 1000)
    return {
        "sent": len(sent),
        "failed": len(failures),
        "missing": missing,
        "doubled": doubled,
        "elapsed": elapsed,
        "total": total,
        "after_answer": after_answer,
        "api": api,
    }


def p95_of(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = p95_of(ordered)
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = server_env(database_url=args.database_url, redis_url=args.redis_url)
    print(f"preparing {redacted(args.database_url)} …", flush=True)
    database.ensure_database(args.database_url)
    database.migrate(env)
    database.seed_user(
        env, email=BENCH_EMAIL, password=secrets.token_urlsafe(24), artists=seed.ARTISTS
    )
    ids = {
        "venue": gigs.identities(env, "venue", artists=seed.ARTISTS),
        "artist": gigs.identities(env, "artist", artists=seed.ARTISTS),
    }
    with (
        running_server(env, workers=args.workers, ready_path="/bench/bare") as server,
        running_daphne(env) as ws_port,
    ):
        print(
            f"gunicorn ({args.workers} workers) on {server.port}, daphne on {ws_port}; "
            f"{args.sockets} sockets, {args.messages} messages, {args.concurrency} in flight",
            flush=True,
        )
        result = asyncio.run(measure(args, ids, server.port, ws_port))
    p95 = p95_of(result["total"]) if result["total"] else None
    print(
        f"\nsent {result['sent']} (failed {result['failed']}) in {result['elapsed']:.1f} s, "
        f"{result['sent'] / result['elapsed']:.0f} messages/s; received by the other side: "
        f"{result['sent'] - result['missing']}, missing {result['missing']}, "
        f"more than once {result['doubled']}"
    )
    print(f"send → receipt:            {_percentiles(result['total'])}")
    print(f"  of which the API's answer: {_percentiles(result['api'])}")
    print(f"API answered → receipt:    {_percentiles(result['after_answer'])}")
    ok = (
        p95 is not None
        and p95 < TARGET_P95_MS
        and not result["missing"]
        and not result["doubled"]
        and not result["failed"]
    )
    print(
        f"target: p95 < {TARGET_P95_MS:.0f} ms, none missing or doubled: {'PASS' if ok else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
