"""The load generator: a fixed number of GETs from a few threads, bounded in time.

gunicorn's sync workers close the connection after every response, so each request opens a new
TCP connection (``http.client`` reconnects by itself); the baseline pays the same. Only the bench
server on 127.0.0.1 is ever called.

Every response body is checked, **after** the batch's time is taken: the threads keep the bodies
and :func:`run_load` checks them once the last thread is done. The client shares the machine's
cores with the server, so parsing during the batch took CPU from the server in proportion to the
size of the answer (a year of daily figures is ~75 kB of JSON, ~1 ms of the client's CPU to parse
and check, more than the server's whole work for bare): requests are built before the batch,
and answers checked after it, so the batch measures only sending, serving and receiving.
"""

import http.client
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from bench.endpoints import Call

REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True)
class LoadSpec:
    host: str
    port: int
    calls: Sequence[Call]  # one per request, in order
    headers: Mapping[str, str]  # sent with every call (plus the call's own)
    expected_status: int
    concurrency: int
    deadline: float  # time.monotonic() after which no new request starts


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # unexpected status -> count
    wrong: dict[str, int] = field(default_factory=dict)  # expected status, wrong body -> count
    elapsed: float = 0.0
    timed_out: bool = False
    server_cpu: float = 0.0  # seconds of CPU the server's processes used (bench.cpu)
    database_cpu: float = 0.0  # of which PostgreSQL's backends

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_per_request(self) -> float:
        done = self.completed + self.errors
        return self.server_cpu / done if done else 0.0


def run_load(spec: LoadSpec) -> LoadResult:
    """Send ``spec.calls`` from ``spec.concurrency`` threads; stop early at the deadline."""
    result = LoadResult()
    tickets = itertools.count()  # next() on a count is atomic under the GIL
    answers: list[Answer] = []
    worker = _worker(spec, answers, tickets)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec.concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A thread can outlive the deadline by one in-flight request at most.
        thread.join(timeout=max(0.0, spec.deadline - time.monotonic()) + REQUEST_TIMEOUT + 1)
    result.elapsed = time.perf_counter() - started
    for call, latency, status, body in list(answers):  # a late thread's answer is left out
        # Checked after the timing: a wrong body is an error.
        problem = call.check(body) if status == spec.expected_status else None
        _record(result, spec, latency, status, problem)
    result.timed_out = result.completed + result.errors < len(spec.calls)
    return result


Answer = tuple[Call, float, int, bytes]  # the call, its latency, status and body


def _worker(spec: LoadSpec, answers: list[Answer], tickets: Iterator[int]) -> Callable[[], None]:
    def work() -> None:
        conn = http.client.HTTPConnection(spec.host, spec.port, timeout=REQUEST_TIMEOUT)
        try:
            while (ticket := next(tickets)) < len(spec.calls) and time.monotonic() < spec.deadline:
                call = spec.calls[ticket]
                latency, status, body = _one_request(conn, spec, call)
                answers.append((call, latency, status, body))  # list.append: atomic (GIL)
        finally:
            conn.close()

    return work


def _one_request(
    conn: http.client.HTTPConnection, spec: LoadSpec, call: Call
) -> tuple[float, int, bytes]:
    """One GET; status 0 stands for a network error (the connection is reset for the next)."""
    started = time.perf_counter()
    body = b""
    try:
        conn.request("GET", call.path, headers={**spec.headers, **call.headers})
        response = conn.getresponse()
        body = response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        conn.close()
        status = 0
    return time.perf_counter() - started, status, body


def _record(
    result: LoadResult, spec: LoadSpec, latency: float, status: int, problem: str | None
) -> None:
    if status == spec.expected_status and problem is None:
        result.latencies.append(latency)
        return
    result.errors += 1
    if problem is not None:
        result.wrong[problem] = result.wrong.get(problem, 0) + 1
    else:
        result.statuses[status] = result.statuses.get(status, 0) + 1


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]
