"""Timing the benchmark scripts share: medians, and ratios timed in pairs.

A ratio's two sides are timed back to back, ``repeat`` times, and the median of
the per-pair ratios is reported. A VM whose speed drifts over a minute then moves
both sides of a pair together; timing every baseline run first and kpiscore's a
minute later would put that drift into the ratio (session 8 saw the same build
measure 16× and 29× that way).

Each side runs once untimed before the pairs: a process's first runs of a batch grow
its heap (fresh pages from the system, ≈ 5 µs a row here) and fill the set's caches,
which a batch of 10⁵ rows pays once; the pairs time the steady state.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple


def median_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The median time of ``repeat`` runs (a busy moment moves one run, not the median)."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


class Paired(NamedTuple):
    ratio: float  # the median of fn's time over the baseline's, pair by pair
    seconds: float  # fn's median time
    baseline_seconds: float  # the baseline's median time over the same pairs
    out: Any  # fn's last result


def paired(repeat: int, baseline: Callable[[], Any], fn: Callable[[], Any]) -> Paired:
    """``fn`` against ``baseline``, each pair timed back to back after one untimed run
    of each."""
    ratios, times, bases = [], [], []
    baseline()
    out = fn()
    for _ in range(repeat):
        base_s, _ = median_of(1, baseline)
        start = time.perf_counter()
        out = fn()
        fn_s = time.perf_counter() - start
        ratios.append(fn_s / base_s)
        times.append(fn_s)
        bases.append(base_s)
    return Paired(
        statistics.median(ratios), statistics.median(times), statistics.median(bases), out
    )
