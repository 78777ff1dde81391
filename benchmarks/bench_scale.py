"""Does the cost of an indicator stay flat as a set grows, and how long does a set take to load?

Builds sets of 20, 200, 1000 and 2000 ratio indicators, loads each (median of
``--repeat``) and scores 200,000 indicator-rows through each (100 rows of the
largest: a set past 256 indicators is written out after 64 rows), in the same run,
and prints microseconds per indicator and the ratio to the 20-indicator set.

    python benchmarks/bench_scale.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import median_of, paired  # noqa: E402

import kpiscore  # noqa: E402

SIZES = (20, 200, 1000, 2000)
INDICATOR_ROWS = 200_000  # ≥ 100 rows at 2000 indicators: a batch, as score_many is used


def set_text(n: int) -> str:
    weight = Decimal(100) / n
    rows = "".join(
        f"  - {{id: i{i:05d}, category: main, name: 指标{i}, weight: {weight}, target: '>= 10个'}}\n"
        for i in range(n)
    )
    return (
        "kpiscore: 1\nid: scale\nname: 规模\ncategories:\n"
        "  - {id: main, name: 产出, weight: 100}\nindicators:\n" + rows
    )


def run(
    sizes: tuple[int, ...] = SIZES, repeat: int = 3, cells: int = INDICATOR_ROWS
) -> dict[str, Any]:
    kpiscore.loads(set_text(2))  # imports and first-use caches are not a set's cost
    out: dict[str, Any] = {"sizes": {}}
    scorers = {}
    for n in sizes:
        text = set_text(n)
        load_s, iset = median_of(repeat, lambda text=text: kpiscore.loads(text))
        rows = [
            {"values": {f"i{i:05d}": f"{8 + (r + i) % 5}个" for i in range(n)}}
            for r in range(max(1, cells // n))
        ]
        scorers[n] = (
            lambda iset=iset, rows=rows: list(kpiscore.score_many(iset, rows)),
            len(rows) * n,
        )
        out["sizes"][n] = {"load_ms": round(load_s * 1000, 1)}
    # Each size is timed back to back with the smallest (``paired``), so that a VM's drift
    # over the run moves both sides of a ratio, not one size's figure.
    smallest, small_cells = scorers[sizes[0]]
    for n in sizes:
        score, n_cells = scorers[n]
        timed = paired(repeat, smallest, score)
        assert all(r.complete for r in timed.out), "every generated row must score"
        out["sizes"][n]["per_indicator_us"] = round(timed.seconds / n_cells * 1e6, 1)
        out["sizes"][n]["vs_smallest"] = (
            1.0 if n == sizes[0] else round(timed.ratio * small_cells / n_cells, 2)
        )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    out = run(repeat=args.repeat)
    if args.json:
        print(json.dumps(out))
        return
    print(
        f"set size: load, cost per indicator (median of {args.repeat}, each paired with the smallest)"
    )
    for n, row in out["sizes"].items():
        print(
            f"  {n:>5} indicators  load {row['load_ms']:>7} ms   "
            f"{row['per_indicator_us']:>6} µs/indicator  = {row['vs_smallest']}× the {SIZES[0]}-indicator set"
        )


if __name__ == "__main__":
    main()
