"""``python -m bench``: set up PostgreSQL, start gunicorn, measure, report, stop gunicorn."""

import argparse
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

from bench import auth, cpu, database, gigs
from bench.endpoints import BASELINE, ENDPOINTS, Endpoint
from bench.environment import (
    BENCH_EMAIL,
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    redacted,
    server_env,
)
from bench.load import LoadResult, LoadSpec, run_load
from bench.report import Measurement, failed, scale_table, table
from bench.seed import ARTISTS as DEFAULT_ARTISTS
from bench.server import Server, running_server

EXIT_TARGET_MISSED = 1
EXIT_SETUP_FAILED = 2


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--requests", type=positive_int, default=2000, help="measured requests per endpoint"
    )
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--concurrency", type=positive_int, default=8, help="client threads")
    parser.add_argument("--workers", type=positive_int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--time-cap",
        type=float,
        default=60.0,
        help="seconds per endpoint and round, warm-up included",
    )
    parser.add_argument(
        "--rounds", type=positive_int, default=3, help="repeat all; req/s and ratios are medians"
    )
    parser.add_argument(
        "--seed",
        default="1",
        help="varies the requests (queries, filters, slugs, viewers) deterministically",
    )
    parser.add_argument(
        "--artists",
        type=positive_int,
        default=DEFAULT_ARTISTS,
        help="artists in the database (other sizes than 20000 get their own database, "
        "<name>_<artists>)",
    )
    parser.add_argument(
        "--scales",
        type=scales,
        default=None,
        metavar="N,N",
        help="run everything once per data size, e.g. 20000,100000, and compare them",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="measure only this endpoint (name or path; repeatable)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    return parser.parse_args(argv)


def scales(text: str) -> list[int]:
    return [positive_int(part) for part in text.split(",") if part.strip()]


def database_for(url: str, artists: int) -> str:
    """The 20 000-artist database is the URL's; another size gets ``<name>_<artists>``, so each
    size keeps its own data and figures stay reproducible."""
    if artists == DEFAULT_ARTISTS:
        return url
    base, _, query = url.partition("?")
    return f"{base}_{artists}" + (f"?{query}" if query else "")


def selected_endpoints(only: list[str]) -> list[Endpoint]:
    if not only:
        return list(ENDPOINTS)
    chosen = [e for e in ENDPOINTS if e.name in only or e.path in only]
    if not chosen:
        raise SystemExit(f"no endpoint matches {only}; known: {[e.name for e in ENDPOINTS]}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    endpoints = selected_endpoints(args.only)
    # A plain `kill` should stop gunicorn too: turn SIGTERM into an exception `finally` sees.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    runs = []
    try:
        for artists in args.scales or [args.artists]:
            measurements, baseline = run(args, endpoints, artists=artists)
            print(summary(args, measurements, baseline, artists=artists), flush=True)
            runs.append((artists, measurements, baseline))
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return EXIT_SETUP_FAILED
    if len(runs) > 1:
        print(f"\nby data size (medians of {args.rounds} round(s) each):\n")
        print(scale_table(runs))
    missed = [name for _, m, b in runs for name in failed(m, b)]
    return EXIT_TARGET_MISSED if missed and args.strict else 0


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run(
    args: argparse.Namespace, endpoints: list[Endpoint], *, artists: int
) -> tuple[list[Measurement], Measurement]:
    if not args.database_url.startswith(("postgres", "pgsql")):
        raise RuntimeError(f"the bench runs on PostgreSQL, not {redacted(args.database_url)}")
    database_url = database_for(args.database_url, artists)
    env = server_env(database_url=database_url, redis_url=args.redis_url)
    password = secrets.token_urlsafe(24)
    print(f"preparing {redacted(database_url)} with {artists} artists …", flush=True)
    database.ensure_database(database_url)
    database.migrate(env)
    database.seed_user(env, email=BENCH_EMAIL, password=password, artists=artists)

    baseline = Measurement(BASELINE)
    measurements = [Measurement(endpoint) for endpoint in endpoints]
    with running_server(env, workers=args.workers, ready_path=BASELINE.path) as server:
        print(f"gunicorn: {args.workers} sync workers on {server.host}:{server.port}", flush=True)
        for round_number in range(1, args.rounds + 1):
            for measurement in [baseline, *measurements]:
                endpoint = measurement.endpoint
                print(f"round {round_number}: {endpoint.name} {endpoint.path} …", end=" ")
                result = measure(
                    server,
                    endpoint,
                    args,
                    password=password,
                    artists=artists,
                    round_number=round_number,
                    database_url=database_url,
                    env=env,
                )
                measurement.rounds.append(result)
                against = None if measurement is baseline else baseline.rounds[-1]
                print(describe_round(result, against), flush=True)
    # Profile views are written by a beat task in production; here, now, and measured.
    print(database.flush_views(env), flush=True)
    return measurements, baseline


def measure(
    server: Server,
    endpoint: Endpoint,
    args: argparse.Namespace,
    *,
    password: str,
    artists: int,
    round_number: int,
    database_url: str,
    env: dict[str, str],
) -> LoadResult:
    headers = {"Accept": "application/json"}
    # Signed in as many users (bench.gigs): tokens minted per measurement, as logins would be.
    ids = gigs.identities(env, endpoint.signs_in, artists=artists) if endpoint.signs_in else None
    if endpoint.auth:
        # A fresh token per measurement: access tokens live 10 minutes, a long run may not.
        token = auth.login(server.host, server.port, email=BENCH_EMAIL, password=password)
        headers["Authorization"] = f"Bearer {token}"
    deadline = time.monotonic() + args.time_cap

    # Each round sends other requests (the round is part of the seed); the warm-up, others again.
    seed_text = f"{args.seed}:{round_number}"

    def spec(count: int, offset: int) -> LoadSpec:
        return LoadSpec(
            host=server.host,
            port=server.port,
            calls=endpoint.calls(artists, seed_text, count, offset, identities=ids),
            headers=headers,
            expected_status=endpoint.expected_status,
            concurrency=args.concurrency,
            deadline=deadline,
        )

    # Fills caches, connection pools and lazy imports in both workers.
    run_load(spec(args.warmup, args.requests))
    database = cpu.backends(database_url)
    before = cpu.cpu_by_pid(cpu.children(server.pid) + database)
    result = run_load(spec(args.requests, 0))
    after = cpu.cpu_by_pid(cpu.children(server.pid) + database)
    result.server_cpu = cpu.used_between(before, after)
    result.database_cpu = cpu.used_between(
        {pid: before[pid] for pid in database if pid in before},
        {pid: after[pid] for pid in database if pid in after},
    )
    return result


def describe_round(result: LoadResult, baseline: LoadResult | None) -> str:
    text = f"{result.throughput:.0f} req/s, server CPU {result.cpu_per_request * 1000:.2f} ms/req"
    if result.server_cpu:
        text += f" ({result.database_cpu / result.server_cpu:.0%} PostgreSQL)"
    if baseline is not None and baseline.throughput:
        text += f", {result.throughput / baseline.throughput:.0%} of bare"
    if baseline is not None and result.cpu_per_request:
        text += f" ({baseline.cpu_per_request / result.cpu_per_request:.0%} by CPU)"
    if result.errors:
        text += f", {result.errors} errors"
        if result.wrong:
            text += f" ({sum(result.wrong.values())} wrong bodies)"
    if result.timed_out:
        text += " (time cap reached)"
    return text


def summary(
    args: argparse.Namespace,
    measurements: list[Measurement],
    baseline: Measurement,
    *,
    artists: int,
) -> str:
    settings = (
        f"{artists} artists, seed {args.seed}, {args.requests} requests/endpoint after "
        f"{args.warmup} warm-up, concurrency "
        f"{args.concurrency}, {args.workers} gunicorn sync workers, {args.rounds} round(s), "
        f"{os.cpu_count()} CPUs"
    )
    missed = failed(measurements, baseline)
    if missed:
        lines = [f"targets missed: {', '.join(missed)}"]
    elif any(m.endpoint.target_ratio is not None for m in measurements):
        lines = ["all targets met"]
    else:
        lines = ["no targets among the measured endpoints"]
    capped = [m.endpoint.name for m in [baseline, *measurements] if m.capped]
    if capped:
        lines.append(f"time cap reached (fewer requests than asked): {', '.join(capped)}")
    return f"\n{settings}\n\n{table(measurements, baseline)}\n\n" + "\n".join(lines)
