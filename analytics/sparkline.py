"""A small trend line drawn on the server (SVG), for the public Stats tab: no script, readable
without one, and the same in every browser. Pure: no database."""

from typing import Any

WIDTH, HEIGHT, PAD = 120, 32, 2


def points(values: list[Any], *, span_gaps: bool = False) -> list[str]:
    """SVG ``polyline`` point lists, one per run of days that have a value: a day without one
    breaks the line, unless ``span_gaps`` (a rating, known only on days with reviews: the line
    goes from one to the next). Scaled to fill the box; a flat series sits in the middle."""
    numbers = [float(v) for v in values if v is not None]
    if len(values) < 2 or not numbers:
        return []
    low, high = min(numbers), max(numbers)
    span = high - low
    step = (WIDTH - 2 * PAD) / (len(values) - 1)
    runs: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if runs[-1] and not span_gaps:
                runs.append([])
            continue
        ratio = (float(value) - low) / span if span else 0.5
        y = HEIGHT - PAD - ratio * (HEIGHT - 2 * PAD)
        runs[-1].append(f"{PAD + i * step:.1f},{y:.1f}")
    return [" ".join(run) for run in runs if run]
