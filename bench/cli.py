"""``python -m bench``: set up PostgreSQL, start gunicorn, measure, report, stop gunicorn."""

import argparse
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

from bench import auth, database
from bench.endpoints import BASELINE, ENDPOINTS, Endpoint
from bench.environment import (
    BENCH_EMAIL,
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    redacted,
    server_env,
)
from bench.load import LoadResult, LoadSpec, run_load
from bench.report import Measurement, failed, table
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
        "--rounds", type=positive_int, default=1, help="repeat all; req/s and ratios are medians"
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
    try:
        measurements, baseline = run(args, endpoints)
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return EXIT_SETUP_FAILED
    print(summary(args, measurements, baseline))
    missed = failed(measurements, baseline)
    return EXIT_TARGET_MISSED if missed and args.strict else 0


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run(
    args: argparse.Namespace, endpoints: list[Endpoint]
) -> tuple[list[Measurement], Measurement]:
    if not args.database_url.startswith(("postgres", "pgsql")):
        raise RuntimeError(f"the bench runs on PostgreSQL, not {redacted(args.database_url)}")
    env = server_env(database_url=args.database_url, redis_url=args.redis_url)
    password = secrets.token_urlsafe(24)
    print(f"preparing {redacted(args.database_url)} …", flush=True)
    database.ensure_database(args.database_url)
    database.migrate(env)
    database.seed_user(env, email=BENCH_EMAIL, password=password)

    baseline = Measurement(BASELINE)
    measurements = [Measurement(endpoint) for endpoint in endpoints]
    with running_server(env, workers=args.workers, ready_path=BASELINE.path) as server:
        print(f"gunicorn: {args.workers} sync workers on {server.host}:{server.port}", flush=True)
        for round_number in range(1, args.rounds + 1):
            for measurement in [baseline, *measurements]:
                endpoint = measurement.endpoint
                print(f"round {round_number}: {endpoint.name} {endpoint.path} …", end=" ")
                result = measure(server, endpoint, args, password=password)
                measurement.rounds.append(result)
                against = None if measurement is baseline else baseline.rounds[-1]
                print(describe_round(result, against), flush=True)
    return measurements, baseline


def measure(
    server: Server, endpoint: Endpoint, args: argparse.Namespace, *, password: str
) -> LoadResult:
    headers = {"Accept": "application/json"}
    if endpoint.auth:
        # A fresh token per measurement: access tokens live 10 minutes, a long run may not.
        token = auth.login(server.host, server.port, email=BENCH_EMAIL, password=password)
        headers["Authorization"] = f"Bearer {token}"
    deadline = time.monotonic() + args.time_cap

    def spec(requests: int) -> LoadSpec:
        return LoadSpec(
            host=server.host,
            port=server.port,
            path=endpoint.path,
            headers=headers,
            expected_status=endpoint.expected_status,
            requests=requests,
            concurrency=args.concurrency,
            deadline=deadline,
        )

    run_load(spec(args.warmup))  # fills caches, connection pools and lazy imports in both workers
    return run_load(spec(args.requests))


def describe_round(result: LoadResult, baseline: LoadResult | None) -> str:
    text = f"{result.throughput:.0f} req/s"
    if baseline is not None and baseline.throughput:
        text += f", {result.throughput / baseline.throughput:.0%} of bare"
    if result.errors:
        text += f", {result.errors} errors"
    if result.timed_out:
        text += " (time cap reached)"
    return text


def summary(
    args: argparse.Namespace, measurements: list[Measurement], baseline: Measurement
) -> str:
    settings = (
        f"{args.requests} requests/endpoint after {args.warmup} warm-up, concurrency "
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
