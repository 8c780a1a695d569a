"""Timing figures: throughput, percentiles, peak memory."""

from __future__ import annotations

import resource
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class RunFigures:
    """What one measured run produced."""

    label: str
    updates: int
    seconds: float
    latencies_ms: list[float]
    peak_rss_mb: float

    @property
    def per_second(self) -> float:
        """Updates handled per second of wall time."""
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile of the handling time of one update, in ms."""
        return percentile(self.latencies_ms, p)

    def line(self) -> str:
        """One printable line of figures."""
        return (
            f"{self.label:<28} {self.updates:>7} updates {self.per_second:>9,.0f}/s  "
            f"p50 {self.percentile(50):6.2f} ms  p95 {self.percentile(95):6.2f} ms  "
            f"p99 {self.percentile(99):6.2f} ms  peak RSS {self.peak_rss_mb:6.1f} MB"
        )


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    """The median, 0 for no values."""
    return statistics.median(values) if values else 0.0
