"""``python -m bench.webhooks``: the platform's own cost of a synchronous webhook call (issue 11).

A local app (a separate process: a bare HTTP/1.1 server on a raw socket, so its own parsing is
cheap and out of our process's GIL) answers every ``winner_selection`` call at once and says in
its answer how long it held the request (``app_us``: from the request's last byte read to the
answer written). This process calls it ``--calls`` times through
:func:`events.webhooks.calls.webhook_call` — breaker check, signing with the app's live secret,
the guarded HTTP call (resolve, check, connect, send, read), judging the answer, the breaker
update and the ``WebhookDelivery`` row — and reports, per call, **overhead = the call's wall
time - the app's own time**: p50, p95, p99 and max, against the target p95 < 10 ms (SPEC says
< 50 ms). Also this process's CPU time per call, which the machine's load does not inflate
(wall times on a busy machine are mostly waiting for a core). The app's first request is checked
with the independent ``standardwebhooks`` library.

Then the parts, each timed alone the same number of times: signing (one secret), the breaker's
``admit`` with the secrets stamp (one Redis Lua call; or memory with ``--redis-url ''``), the
row insert (asynchronous commit), and the bare HTTP round trip to the app.

    .venv/bin/python -m bench.webhooks [--calls 2000] [--payload-participants 50]
    .venv/bin/python -m bench.webhooks --redis-url ''        # the in-memory breaker

``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/umbrella_bench_webhooks``) is
created and migrated if missing; ``REDIS_URL`` defaults to the bench's Redis (db 14). Exit
status 1 with ``--strict`` when the target is missed.
"""

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.environment import DEFAULT_REDIS_URL, redacted

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/umbrella_bench_webhooks"
TARGET_P95_MS = 10.0
APP_ID = "app_bench_webhooks"
HOOK = "/hooks/winners"


# --- the app (its own process) ------------------------------------------------------------------


def _serve_app(listener: socket.socket, secret: str) -> None:
    """Answer each request on ``listener`` at once: ``{"winners": [], "app_us": …}``. One
    connection at a time (the caller sends one call at a time), ``Connection: close``."""
    from standardwebhooks.webhooks import Webhook

    checked = False
    while True:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            headers = {k.lower(): v for k, v in headers.items()}
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            start = time.perf_counter_ns()
            if not checked:  # once: the signature verifies with an independent library
                Webhook(secret).verify(body, headers)
                checked = True
                start = time.perf_counter_ns()
            app_us = (time.perf_counter_ns() - start) // 1000
            answer = json.dumps({"winners": [], "app_us": app_us}).encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(answer), answer)
            )


# --- the run ------------------------------------------------------------------------------------


def _ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _summary(name: str, values_ms: list[float]) -> str:
    return (
        f"  {name:<34} p50 {statistics.median(values_ms):6.2f}  p95 "
        f"{_percentile(values_ms, 0.95):6.2f}  p99 {_percentile(values_ms, 0.99):6.2f}  "
        f"max {max(values_ms):7.2f} ms"
    )


def _timed(times: int, step: Callable[[], Any]) -> list[float]:
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        step()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--calls", type=int, default=2000, help="measured calls")
    parser.add_argument("--warmup", type=int, default=100, help="calls before measuring")
    parser.add_argument(
        "--payload-participants", type=int, default=50, help="participants in each request"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        help="the breaker's Redis; '' for the in-memory breaker",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.database_url.startswith("postgres"):
        print("bench.webhooks runs on PostgreSQL (set DATABASE_URL)", file=sys.stderr)
        return 2
    _ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umbrella.settings")
    os.environ["EVENTS_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the app listens on 127.0.0.1
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Value

    from accounts.models import User
    from events.models import App, WebhookDelivery, WebhookSecret
    from events.services.credentials import webhook_secret_issue
    from events.webhooks import breaker
    from events.webhooks import secrets as signing_secrets
    from events.webhooks.calls import AsyncCommit, webhook_call
    from events.webhooks.signing import webhook_headers
    from events.webhooks.transport import request

    call_command("migrate", verbosity=0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    owner, _ = User.objects.get_or_create(
        email="bench-webhooks@bench.umbrella.local", defaults={"display_name": "Bench"}
    )
    manifest = {
        "meta": {"name": "Bench app", "version": "1.0.0"},
        "base_url": base_url,
        "capabilities": ["winner_selection"],
        "permissions": [],
        "webhooks": {"winner_selection": HOOK},
    }
    app, _ = App.objects.update_or_create(
        app_id=APP_ID,
        defaults={"owner": owner, "name": "Bench app", "manifest": manifest},
        create_defaults={
            "owner": owner,
            "name": "Bench app",
            "manifest": manifest,
            "manifest_version": "1.0.0",
        },
    )
    WebhookDelivery.objects.filter(app=app).delete()
    if not WebhookSecret.objects.live().filter(app=app).exists():
        webhook_secret_issue(app=app)
    secret = WebhookSecret.objects.live().filter(app=app).first()
    assert secret is not None
    breaker.reset(APP_ID, "winner_selection")

    # fork: the child only serves the socket (no database, no Django calls).
    server = multiprocessing.get_context("fork").Process(
        target=_serve_app, args=(listener, secret.secret), daemon=True
    )
    server.start()
    listener.close()

    payload = {
        "room_id": 1,
        "draw_id": 1,
        "participants": [
            {"id": i, "user_id": 1000 + i, "metadata": {"ticket": i}}
            for i in range(args.payload_participants)
        ],
        "prizes": [{"id": 1, "name": "Signed vinyl", "quantity_remaining": 3}],
        "app_settings": {"ticket_count": 100},
    }
    overheads: list[float] = []
    totals: list[float] = []
    app_ms: list[float] = []
    cpu_ms: list[float] = []
    failures = 0
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    print(
        f"bench.webhooks: {args.calls} calls (+{args.warmup} warm-up), "
        f"{args.payload_participants} participants per request, database "
        f"{redacted(args.database_url)}, breaker on "
        f"{redacted(args.redis_url) if args.redis_url else 'memory'}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    try:
        for i in range(args.warmup + args.calls):
            t0, c0 = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(count):
                result = webhook_call(
                    app=app, capability="winner_selection", event="bench.draw", payload=payload
                )
            total = (time.perf_counter() - t0) * 1000
            cpu = (time.process_time() - c0) * 1000
            if not result.ok:
                failures += 1
                if failures == 1:
                    print(f"  failed call: {result.outcome} {result.error}", file=sys.stderr)
                continue
            if i < args.warmup:
                statements = 0
                continue
            own = result.answer["app_us"] / 1000
            totals.append(total)
            cpu_ms.append(cpu)
            app_ms.append(own)
            overheads.append(total - own)

        # The parts, alone.
        stamp_key = signing_secrets.stamp_key(app.pk)

        def breaker_round() -> None:  # the hot path's one Redis round trip (a clean breaker)
            if stamp_key is None:
                breaker.admit(APP_ID, "winner_selection")
            else:
                breaker.admit_and_read(APP_ID, "winner_selection", stamp_key)

        body = json.dumps(payload, separators=(",", ":")).encode()
        n = args.calls
        parts = {
            "signing (1 secret, headers)": _timed(
                n,
                lambda: webhook_headers(
                    signing_secrets=[secret.secret],
                    webhook_id="msg_bench",
                    timestamp=int(time.time()),
                    body=body,
                    timeout_ms=5000,
                    attempt=1,
                ),
            ),
            "breaker admit + secrets stamp": _timed(n, breaker_round),
            "delivery row insert (async commit)": _timed(
                n,
                lambda: WebhookDelivery.objects.create(
                    app=app,
                    capability="winner_selection",
                    event=AsyncCommit(Value("bench.row")),
                    webhook_id="msg_bench",
                    request_body=body.decode(),
                    outcome="success",
                ),
            ),
            "HTTP round trip (transport only)": _timed(
                n,
                lambda: request(
                    f"{base_url}{HOOK}",
                    headers={"content-type": "application/json"},
                    body=body,
                    timeout=5,
                ),
            ),
        }
    finally:
        server.kill()
        server.join()
    WebhookDelivery.objects.filter(app=app).delete()
    connection.close()

    if not overheads:
        print("no successful call: nothing to report", file=sys.stderr)
        return 1
    p95 = _percentile(overheads, 0.95)
    print(_summary("overhead (call - app's own time)", overheads))
    print(_summary("whole call", totals))
    print(_summary("the app's own time", app_ms))
    print(_summary("this process's CPU per call", cpu_ms))
    print(f"  SQL statements per call: {statements / len(overheads):.3f}")
    print("the parts, each alone:")
    for name, values in parts.items():
        print(_summary(name, values))
    verdict = "PASS" if p95 < TARGET_P95_MS else "MISS"
    print(f"target: overhead p95 < {TARGET_P95_MS:.0f} ms: {p95:.2f} ms, {verdict}")
    if failures:
        print(f"{failures} calls failed", file=sys.stderr)
    return 1 if args.strict and (verdict == "MISS" or failures) else 0


if __name__ == "__main__":
    sys.exit(main())
