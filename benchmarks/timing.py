"""Latency statistics shared by the benchmark scripts (nearest-rank percentiles, in ms)."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(timings_ms: list[float], digits: int = 2) -> dict[str, float]:
    """p50/p95/p99/max/mean of a list of timings in milliseconds."""
    return {
        "p50_ms": round(statistics.median(timings_ms), digits),
        "p95_ms": round(percentile(timings_ms, 95), digits),
        "p99_ms": round(percentile(timings_ms, 99), digits),
        "max_ms": round(max(timings_ms), digits),
        "mean_ms": round(statistics.fmean(timings_ms), digits),
    }
