"""``python -m bench.profile``: where one endpoint's time goes, in-process, without a server.

Wall-clock req/s on a shared machine are noisy; this runs the bench requests through Django's
test ``Client`` (the whole middleware and DRF stack, no HTTP socket) in one process and splits
the time of each request: PostgreSQL (time inside ``cursor.execute``, through an execute
wrapper), and the rest (ORM compile, filters, rendering, middleware, auth) by cProfile.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/umbrella_bench \\
        .venv/bin/python -m bench.profile search --requests 300 [--cprofile 25]

CPU time (``time.process_time``) is reported next to wall time: it is what load on the other
cores does not inflate. Run it against a seeded bench database (``python -m bench`` once).
"""

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Callable
from typing import Any

import django


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument(
        "endpoint", help="bare, me, search, filter, profile, gigs, foryou or applicants"
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--artists", type=int, default=20_000)
    parser.add_argument("--seed", default=f"profile-{time.time_ns()}", help="new viewers each run")
    parser.add_argument("--cprofile", type=int, default=0, help="show the top N functions")
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="EXPLAIN (ANALYZE, BUFFERS) every statement of the requests (after them): median "
        "and mean buffers, and the N heaviest requests",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # The bench server's cache: without it, a local-memory cache of 300 entries forgets the
    # users minted for the signed-in endpoints, and every request loads its user (a query).
    from bench.environment import DEFAULT_REDIS_URL

    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    django.setup()

    from django.db import connection
    from django.test import Client

    from bench.endpoints import BASELINE, ENDPOINTS

    endpoint = next(e for e in [BASELINE, *ENDPOINTS] if e.name == args.endpoint)
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1")
    headers: dict[str, str] = {}
    if endpoint.auth:
        headers["Authorization"] = f"Bearer {_token(client)}"
    ids = None
    if endpoint.signs_in:  # many signed-in users (bench.gigs), tokens minted here
        from bench.gigs import mint_identities

        ids = mint_identities(endpoint.signs_in, artists=min(args.artists, 20_000))
    calls = endpoint.calls(args.artists, args.seed, args.requests, identities=ids)
    sql = {"seconds": 0.0, "queries": 0}

    def timed(execute: Callable[..., Any], sql_text: str, params: Any, many: bool, ctx: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, ctx)
        finally:
            sql["seconds"] += time.perf_counter() - started
            sql["queries"] += 1

    def send(call: Any) -> None:
        extra = {
            f"HTTP_{k.upper().replace('-', '_')}": v for k, v in {**headers, **call.headers}.items()
        }
        response = client.get(call.path, **extra)
        problem = call.check(response.content) if response.status_code == 200 else "status"
        if problem:
            raise SystemExit(f"{call.path}: {response.status_code} {problem}")

    for call in endpoint.calls(args.artists, args.seed + "-warm", 30, identities=ids):
        send(call)
    profiler = cProfile.Profile() if args.cprofile else None
    with connection.execute_wrapper(timed):
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for call in calls:
            send(call)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(calls)
    print(
        f"{endpoint.name}: {n} requests, per request: wall {wall / n * 1000:.2f} ms, "
        f"CPU of this process {cpu / n * 1000:.2f} ms, in cursor.execute "
        f"{sql['seconds'] / n * 1000:.2f} ms ({sql['queries'] / n:.1f} queries)"
    )
    if args.explain:
        print(explain(calls, send, top=args.explain))
    if profiler:
        stats = pstats.Stats(profiler)
        print(breakdown(stats, n))
        order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or tottime
        stats.sort_stats(order).print_stats(args.cprofile)


# Where a function's own time (cProfile's tottime) is counted: first matching path fragment.
AREAS = [
    ("PostgreSQL (waiting in psycopg)", ("psycopg/connection.py", "psycopg/waiting.py")),
    ("psycopg (send, adapt, load)", ("psycopg/",)),
    ("Redis (cache, throttles)", ("redis/", "django/core/cache/")),
    ("ORM: build and compile SQL", ("django/db/models/", "django/db/backends/")),
    ("filters (django-filter, forms)", ("django_filters/", "django/forms/", "artists/filters")),
    (
        "auth (JWT, token checks)",
        (
            "jwt/",
            "allauth/headless/",
            "accounts/authentication",
            "accounts/tokens",
            "cryptography/",
        ),
    ),
    ("S3 URL signing", ("botocore/", "boto3/", "storages/", "s3_urls")),
    ("DRF (request, views, render)", ("rest_framework/",)),
    (
        "middleware",
        ("middleware", "whitenoise/", "django/contrib/sessions", "django/contrib/messages"),
    ),
    (
        "Django request/response/URLs",
        ("django/core/handlers", "django/urls", "django/http", "django/test/"),
    ),
    (
        "our code (selectors, views, services)",
        ("/artists/", "/accounts/", "/umbrella/", "/marketplace/"),
    ),
]


def breakdown(stats: pstats.Stats, n: int) -> str:
    """cProfile's own-time per area, per request (cProfile inflates small calls)."""
    totals: dict[str, float] = {}
    others: dict[str, float] = {}
    for (path, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        area = next((a for a, parts in AREAS if any(p in path for p in parts)), "other")
        totals[area] = totals.get(area, 0.0) + row[2]
        if area == "other":
            others[f"{path.rsplit('site-packages/', 1)[-1]}:{name}"] = row[2]
    whole = sum(totals.values()) or 1.0
    lines = [
        f"  {area:40s} {sec / n * 1000:7.2f} ms  {sec / whole:5.1%}"
        for area, sec in sorted(totals.items(), key=lambda kv: -kv[1])
    ]
    top = sorted(others.items(), key=lambda kv: -kv[1])[:6]
    lines += [f"    other: {name[:70]:70s} {sec / n * 1000:6.2f} ms" for name, sec in top]
    return "own time per request, under cProfile:\n" + "\n".join(lines)


def explain(calls: list[Any], send: Callable[[Any], None], *, top: int) -> str:
    """Each request again, its statements captured and run under ``EXPLAIN (ANALYZE,
    BUFFERS)``: buffers (shared hits and reads of the plan and its planning) per request."""
    import statistics

    import psycopg
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql_text: str, params: Any, *rest: Any) -> Any:
        captured.append((sql_text, params))
        return execute(sql_text, params, *rest)

    rows = []
    for call in calls:
        captured.clear()
        with connection.execute_wrapper(capture):
            send(call)
        buffers, ms = 0, 0.0
        for sql_text, params in list(captured):
            if not sql_text.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            # A prepared statement (umbrella.db.prepared) is logged with PostgreSQL's own
            # placeholders ($1, …): explained through a cursor that sends them as they are.
            native = "$1" in sql_text
            opened = psycopg.RawCursor(connection.connection) if native else connection.cursor()
            with opened as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql_text}", params)
                plan = cursor.fetchone()[0][0]
            for part in (plan["Plan"], plan.get("Planning", {})):
                buffers += part.get("Shared Hit Blocks", 0) + part.get("Shared Read Blocks", 0)
            ms += plan["Planning Time"] + plan["Execution Time"]
        rows.append((buffers, ms, call.path))
    if not rows:
        return "no statements"
    buffers = [r[0] for r in rows]
    ms = [r[1] for r in rows]
    lines = [
        f"buffers per request: median {statistics.median(buffers):.0f}, mean "
        f"{statistics.mean(buffers):.0f}; planning + execution median "
        f"{statistics.median(ms):.2f} ms, mean {statistics.mean(ms):.2f} ms"
    ]
    for count, spent, path in sorted(rows, reverse=True)[:top]:
        lines.append(f"  {count:7d} buffers {spent:8.2f} ms  {path[:100]}")
    return "\n".join(lines)


def _token(client: Any) -> str:
    """Sign the bench user in like the app does (with a new password: this is the bench DB)."""
    import secrets

    from accounts.models import User
    from bench.environment import BENCH_EMAIL

    password = secrets.token_urlsafe(16)
    user = User.objects.get(email=BENCH_EMAIL)
    user.set_password(password)
    user.save(update_fields=["password"])
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": BENCH_EMAIL, "password": password},
        content_type="application/json",
    )
    return response.json()["meta"]["access_token"]


if __name__ == "__main__":
    main()
