"""The results table and the SPEC §14 verdicts."""

import statistics
from dataclasses import dataclass, field

from bench.endpoints import Endpoint
from bench.load import LoadResult, percentile

# More failed requests than this and the figures describe errors, not the endpoint.
MAX_ERROR_RATE = 0.01


@dataclass
class Measurement:
    endpoint: Endpoint
    rounds: list[LoadResult] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        # The median round, so one disturbed round does not decide the verdict.
        return statistics.median(r.throughput for r in self.rounds) if self.rounds else 0.0

    @property
    def latencies(self) -> list[float]:
        return [latency for r in self.rounds for latency in r.latencies]

    @property
    def completed(self) -> int:
        return sum(r.completed for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    @property
    def statuses(self) -> dict[int, int]:
        merged: dict[int, int] = {}
        for r in self.rounds:
            for status, count in r.statuses.items():
                merged[status] = merged.get(status, 0) + count
        return merged

    @property
    def wrong(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for r in self.rounds:
            for problem, count in r.wrong.items():
                merged[problem] = merged.get(problem, 0) + count
        return merged

    @property
    def capped(self) -> bool:
        return any(r.timed_out for r in self.rounds)

    @property
    def healthy(self) -> bool:
        total = self.completed + self.errors
        return total > 0 and self.errors / total <= MAX_ERROR_RATE


def verdict(measurement: Measurement, baseline: Measurement) -> str:
    target = measurement.endpoint.target_ratio
    if target is None:
        return ""
    if not measurement.healthy or not baseline.healthy:
        return "FAIL (errors)"
    return "PASS" if ratio(measurement, baseline) >= target else "FAIL"


def ratio(measurement: Measurement, baseline: Measurement) -> float:
    """The median of the per-round ratios.

    Each round measures the baseline just before the endpoints, so a round's ratio compares
    figures taken under the same background load; the median then drops a disturbed round.
    """
    ratios = [
        ours.throughput / theirs.throughput
        for ours, theirs in zip(measurement.rounds, baseline.rounds, strict=False)
        if theirs.throughput
    ]
    return statistics.median(ratios) if ratios else 0.0


HEADER = (
    "endpoint",
    "path",
    "ok",
    "errors",
    "req/s",
    "p50 ms",
    "p95 ms",
    "vs bare",
    "target",
    "result",
    "cpu ms/req",
    "vs bare (CPU)",
)


def cpu_per_request(m: Measurement) -> float:
    """Median over rounds of the server's CPU seconds per request (bench.cpu)."""
    values = [r.cpu_per_request for r in m.rounds if r.cpu_per_request]
    return statistics.median(values) if values else 0.0


def cpu_ratio(m: Measurement, baseline: Measurement) -> float:
    """Median over rounds of bare's CPU per request over the endpoint's, same round."""
    ratios = [
        theirs.cpu_per_request / ours.cpu_per_request
        for ours, theirs in zip(m.rounds, baseline.rounds, strict=False)
        if ours.cpu_per_request and theirs.cpu_per_request
    ]
    return statistics.median(ratios) if ratios else 0.0


def table(measurements: list[Measurement], baseline: Measurement) -> str:
    rows = [HEADER, *(_row(m, baseline) for m in [baseline, *measurements])]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _row(m: Measurement, baseline: Measurement) -> tuple[str, ...]:
    target = m.endpoint.target_ratio
    return (
        m.endpoint.name,
        m.endpoint.path,
        str(m.completed),
        _errors(m),
        f"{m.throughput:.0f}",
        f"{percentile(m.latencies, 0.50) * 1000:.1f}",
        f"{percentile(m.latencies, 0.95) * 1000:.1f}",
        f"{ratio(m, baseline):.0%}",
        f">= {target:.0%}" if target is not None else "-",
        verdict(m, baseline),
        f"{cpu_per_request(m) * 1000:.2f}",
        f"{cpu_ratio(m, baseline):.0%}",
    )


def _errors(m: Measurement) -> str:
    if not m.errors:
        return "0"
    detail = ", ".join(
        [f"{status or 'net'}: {count}" for status, count in sorted(m.statuses.items())]
        + [f"body {problem}: {count}" for problem, count in sorted(m.wrong.items())]
    )
    return f"{m.errors} ({detail})"


def failed(measurements: list[Measurement], baseline: Measurement) -> list[str]:
    return [m.endpoint.name for m in measurements if verdict(m, baseline).startswith("FAIL")]


SCALE_ENDPOINTS = ("search", "filter", "profile", "gigs", "foryou", "applicants")


def scale_table(runs: list[tuple[int, list[Measurement], Measurement]]) -> str:
    """The list reads and the profile side by side per data size: req/s, share of bare, p95."""
    header = ["endpoint"]
    for artists, _, _ in runs:
        header += [f"{artists}: req/s", "vs bare", "p95 ms", "cpu ms/req", "vs bare (CPU)"]
    rows = [header]
    names = [n for n in SCALE_ENDPOINTS if any(m.endpoint.name == n for m in runs[0][1])]
    for name in ["bare", *names]:
        row = [name]
        for _, measurements, baseline in runs:
            m = (
                baseline
                if name == "bare"
                else next(x for x in measurements if x.endpoint.name == name)
            )
            share = "-" if m is baseline else f"{ratio(m, baseline):.0%}"
            by_cpu = "-" if m is baseline else f"{cpu_ratio(m, baseline):.0%}"
            row += [
                f"{m.throughput:.0f}",
                share,
                f"{percentile(m.latencies, 0.95) * 1000:.1f}",
                f"{cpu_per_request(m) * 1000:.2f}",
                by_cpu,
            ]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
