"""Does the cost of an indicator stay flat as a set grows, and how long does a set take to load?

Builds sets of 20, 200, 1000 and 2000 ratio indicators, loads each (median of
``--repeat``) and scores 200,000 indicator-rows through each (100 rows of the
largest: a set past 256 indicators is written out after 64 rows), in the same run,
and prints microseconds per indicator and the ratio to the 20-indicator set; then
the same without a row's own cost (a 1-indicator set's row, taken off): what each
further indicator costs, which is what a scan over the set would make grow.
Then the same with ``to_json()`` of every result, on 100,000 cells of amounts that
never repeat (every indicator worded and written anew): the steady state, paired
as above, and a first batch on a set just loaded (one run: the first row written
both ways, each indicator written out after its first rows).

    python benchmarks/bench_scale.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import gc
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
JSON_CELLS = 100_000  # score + to_json: 50 rows at 2000 indicators


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


def amounts(n: int, cells: int) -> list[dict[str, Any]]:
    """Rows of numbers that do not repeat down a column (none is written once for all)."""
    return [
        {
            "values": {
                f"i{i:05d}": Decimal(800 + (r * 7919 + i * 104729) % 500) / 100 for i in range(n)
            }
        }
        for r in range(max(1, cells // n))
    ]


def written(iset: Any, rows: list[dict[str, Any]]) -> list[str]:
    return [r.to_json(indent=None) for r in kpiscore.score_many(iset, rows)]


def run(
    sizes: tuple[int, ...] = SIZES,
    repeat: int = 3,
    cells: int = INDICATOR_ROWS,
    json_cells: int = JSON_CELLS,
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
    # over the run moves both sides of a ratio, not one size's figure. Every set and row
    # is built first and then frozen out of the garbage collector's sight: otherwise each
    # collection while the 20-indicator set runs would also walk the 2000-indicator set
    # this script holds, and that set's size would show as the small set's cost.
    gc.collect()
    gc.freeze()
    smallest, small_cells = scorers[sizes[0]]
    own_us = _own_row_us(repeat, min(cells, 20_000))
    out["row_own_us"] = round(own_us, 2)
    for n in sizes:
        score, n_cells = scorers[n]
        timed = paired(repeat, smallest, score)
        assert all(r.complete for r in timed.out), "every generated row must score"
        out["sizes"][n]["per_indicator_us"] = round(timed.seconds / n_cells * 1e6, 1)
        out["sizes"][n]["vs_smallest"] = (
            1.0 if n == sizes[0] else round(timed.ratio * small_cells / n_cells, 2)
        )
        row_us = timed.seconds / (n_cells / n) * 1e6
        out["sizes"][n]["marginal_us"] = round((row_us - own_us) / max(n - 1, 1), 3)
    first = out["sizes"][sizes[0]]["marginal_us"]
    for n in sizes:
        marginal = out["sizes"][n]["marginal_us"]
        out["sizes"][n]["marginal_vs_smallest"] = round(marginal / first, 2) if first > 0 else None
    gc.unfreeze()
    _json(out, sizes, repeat, json_cells)
    return out


def _own_row_us(repeat: int, rows: int) -> float:
    """A row of a 1-indicator set: what every row costs whatever its set's size (reading
    it, its Result, the total and grade) plus one indicator. Taking it from a row of n
    indicators leaves what each further indicator costs: the part that must not grow."""
    iset = kpiscore.loads(set_text(1))
    data = [{"values": {"i00000": f"{8 + r % 5}个"}} for r in range(rows)]
    seconds, _ = median_of(repeat, lambda: list(kpiscore.score_many(iset, data)))
    return float(seconds / rows * 1e6)


def _json(out: dict[str, Any], sizes: tuple[int, ...], repeat: int, cells: int) -> None:
    """score + to_json per indicator: steady (paired with the smallest) and a first batch."""
    jobs = {}
    for n in sizes:
        rows = amounts(n, cells)
        iset = kpiscore.loads(set_text(n))
        jobs[n] = (lambda iset=iset, rows=rows: written(iset, rows)), len(rows) * n
        cold = kpiscore.loads(set_text(n) + "# a set just loaded\n")
        first_s, _ = median_of(1, lambda cold=cold, rows=rows: written(cold, rows))
        out["sizes"][n]["json_first_us"] = round(first_s / (len(rows) * n) * 1e6, 1)
    gc.collect()
    gc.freeze()  # as in run(): the other sizes' sets are the script's, not this size's cost
    smallest, small_cells = jobs[sizes[0]]
    for n in sizes:
        job, n_cells = jobs[n]
        timed = paired(repeat, smallest, job)
        assert all(text.startswith('{"schema_version"') for text in timed.out), "JSON for every row"
        out["sizes"][n]["json_us"] = round(timed.seconds / n_cells * 1e6, 1)
        out["sizes"][n]["json_vs_smallest"] = (
            1.0 if n == sizes[0] else round(timed.ratio * small_cells / n_cells, 2)
        )
    gc.unfreeze()
    first = out["sizes"][sizes[0]]["json_first_us"]
    for n in sizes:
        out["sizes"][n]["json_first_vs_smallest"] = round(
            out["sizes"][n]["json_first_us"] / first, 2
        )


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
    print(
        f"each indicator past the first (a row's own cost, {out['row_own_us']} µs with one "
        "indicator, taken off)"
    )
    for n, row in out["sizes"].items():
        print(
            f"  {n:>5} indicators  {row['marginal_us']:>7} µs/indicator  = "
            f"{row['marginal_vs_smallest']}× the {SIZES[0]}-indicator set"
        )
    print("score + to_json() of every result, numbers that never repeat: steady / first batch")
    for n, row in out["sizes"].items():
        print(
            f"  {n:>5} indicators  {row['json_us']:>6} µs/indicator = {row['json_vs_smallest']}×   "
            f"first batch {row['json_first_us']:>6} µs/indicator = {row['json_first_vs_smallest']}×"
        )


if __name__ == "__main__":
    main()
