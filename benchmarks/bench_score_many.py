"""How much does kpiscore cost over plain Python, scoring many projects?

Scores N generated projects with the shipped mof-project-2020 set through
``kpiscore.score_many`` and through a hand-written plain-Python scorer of the
same rules (Decimal, half-up, same grades), in the same run, and prints the
ratio. The baseline's totals are checked against kpiscore's first, so the
ratio compares two computations of the same numbers.

score_many scores a plain row's total by the set's fast path and builds the
indicators on first read; "every indicator read" and "to_json" measure that
detail too (the general path, with every explanation's steps).

    python benchmarks/bench_score_many.py [--rows 2000] [--repeat 3] [--json]

The numbers are for reading, not for asserting: tests never time anything.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import median_of, paired  # noqa: E402

import kpiscore  # noqa: E402

SET = ROOT / "indicator_sets" / "mof-project-2020.yaml"
LEVELS = ["达成", "部分达成", "未达成"]
LEVEL_TOP = {"达成": Decimal(1), "部分达成": Decimal("0.8"), "未达成": Decimal("0.6")}
CENT = Decimal("0.01")


def make_rows(n: int, seed: int = 2022) -> list[dict[str, Any]]:
    rnd = random.Random(seed)

    def money(lo: int, hi: int) -> Decimal:
        return Decimal(rnd.randint(lo * 100, hi * 100)) / 100

    rows = []
    for i in range(n):
        budget = money(50, 5000)
        rows.append(
            {
                "subject": f"项目{i + 1:05d}",
                "values": {
                    "budget": budget,
                    "spent": min(budget, budget * Decimal(rnd.randint(60, 100)) / 100),
                    "output_quantity": Decimal(rnd.randint(5, 15)),
                    "output_quality": rnd.choice(LEVELS),
                    "completion_time": Decimal(rnd.randint(20, 45)),
                    "cost_control": Decimal(rnd.randint(70, 130)) / 100,
                    "economic_benefit": rnd.choice(LEVELS),
                    "social_benefit": rnd.choice(LEVELS),
                    "ecological_benefit": rnd.choice(LEVELS),
                    "sustainability": rnd.choice(LEVELS),
                    "satisfaction": Decimal(rnd.randint(80, 100)) / 100,
                },
            }
        )
    return rows


def baseline(values: dict[str, Any]) -> tuple[Decimal, str]:
    """The mof-project-2020 rules written out by hand: the cheapest honest scorer."""

    def r(x: Decimal) -> Decimal:
        return x.quantize(CENT, rounding=ROUND_HALF_UP)

    def ratio(w: int, actual: Decimal, target: Decimal) -> Decimal:
        return r(w * min(actual / target, Decimal(1)))

    def reverse(w: int, actual: Decimal, target: Decimal) -> Decimal:
        return r(Decimal(w) if actual <= target else w * target / actual)

    v = values
    dev = abs(v["cost_control"] - 1)
    cost = (
        10
        if dev <= Decimal("0.1")
        else 6
        if dev <= Decimal("0.15")
        else 2
        if dev <= Decimal("0.2")
        else 0
    )
    scores = [
        ratio(10, v["spent"] / v["budget"], Decimal(1)),
        ratio(20, v["output_quantity"], Decimal(10)),
        r(10 * LEVEL_TOP[v["output_quality"]]),
        reverse(10, v["completion_time"], Decimal(30)),
        r(Decimal(cost)),
        r(10 * LEVEL_TOP[v["economic_benefit"]]),
        r(10 * LEVEL_TOP[v["social_benefit"]]),
        r(5 * LEVEL_TOP[v["ecological_benefit"]]),
        r(5 * LEVEL_TOP[v["sustainability"]]),
        ratio(10, v["satisfaction"], Decimal("0.9")),
    ]
    total = sum(scores, Decimal(0))
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    return total, grade


CLAIMED_LEVELS = {"output_quality": 10, "economic_benefit": 10, "social_benefit": 10}


def claimed(row: dict[str, Any], total: Decimal) -> dict[str, Any]:
    """The row with the unit's own scores, as a self-evaluation table gives them: its
    total and three level indicators' (what the baseline computes, so every claim
    agrees), by name and as text."""
    v = row["values"]
    own = {"总分": format(total, "f")}
    for key, weight in CLAIMED_LEVELS.items():
        own[key] = format((weight * LEVEL_TOP[v[key]]).quantize(CENT, ROUND_HALF_UP), "f") + "分"
    return {**row, "claimed": own}


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    names = list(rows[0]["values"])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subject", *names])
        for row in rows:
            w.writerow([row["subject"], *(str(row["values"][k]) for k in names)])


def run(n: int = 2000, repeat: int = 3) -> dict[str, Any]:
    rows = make_rows(n)
    load_s, iset = median_of(repeat, lambda: kpiscore.load(SET))

    def base() -> list[tuple[Decimal, str]]:
        return [baseline(row["values"]) for row in rows]

    expected = base()
    lib = paired(repeat, base, lambda: list(kpiscore.score_many(iset, rows)))
    results = lib.out
    # score() called once per row, as a loop in an integrator's code would.
    each = paired(repeat, base, lambda: [kpiscore.score(iset, row) for row in rows])
    mismatched = [
        row["subject"]
        for row, (total, grade), res in zip(rows, expected, results, strict=True)
        if not isinstance(res, kpiscore.RowError) and (res.total, res.grade) != (total, grade)
    ]
    if [(r.total, r.grade) for r in each.out] != expected:
        mismatched.append("score()")
    if mismatched or any(isinstance(res, kpiscore.RowError) for res in results):
        raise SystemExit(
            f"baseline and kpiscore disagree on {mismatched[:5]}: fix the baseline first"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        write_csv(rows, path)
        from_csv = paired(repeat, base, lambda: list(kpiscore.score_many(iset, path)))
        json_s, _ = median_of(repeat, lambda: [r.to_json(indent=None) for r in results])  # type: ignore[union-attr]
        # Every indicator's score read: the detail built by the general path, per row.
        detail = paired(
            repeat,
            base,
            lambda: [
                [i.score for i in r.indicators]  # type: ignore[union-attr]
                for r in kpiscore.score_many(iset, rows)
            ],
        )
        both = paired(
            repeat,
            base,
            lambda: [r.to_json(indent=None) for r in kpiscore.score_many(iset, rows)],  # type: ignore[union-attr]
        )
        # A self-evaluation table's rows carry the unit's own scores (all agreeing here).
        owned = [claimed(row, total) for row, (total, _) in zip(rows, expected, strict=True)]
        with_claims = paired(
            repeat,
            base,
            lambda: [r.to_json(indent=None) for r in kpiscore.score_many(iset, owned)],  # type: ignore[union-attr]
        )
        if any(json.loads(text)["discrepancies"] for text in with_claims.out):
            raise SystemExit("baseline and kpiscore disagree on a claimed score")
        # to_json() as called without arguments: the indented form.
        pretty = paired(
            repeat,
            base,
            lambda: [r.to_json() for r in kpiscore.score_many(iset, rows)],  # type: ignore[union-attr]
        )
    base_s, _ = median_of(repeat, base)
    return {
        "rows": n,
        "load_ms": round(load_s * 1000, 2),
        "baseline_ms": round(base_s * 1000, 2),
        "score_many_ms": round(lib.seconds * 1000, 2),
        "score_many_csv_ms": round(from_csv.seconds * 1000, 2),
        "to_json_ms": round(json_s * 1000, 2),
        "per_row_us": round(lib.seconds / n * 1e6, 1),
        "ratio": round(lib.ratio, 1),
        "ratio_csv": round(from_csv.ratio, 1),
        "score_each_ms": round(each.seconds * 1000, 2),
        "ratio_score_each": round(each.ratio, 1),
        "score_and_detail_ms": round(detail.seconds * 1000, 2),
        "ratio_score_and_detail": round(detail.ratio, 1),
        "score_and_json_ms": round(both.seconds * 1000, 2),
        "ratio_score_and_json": round(both.ratio, 1),
        "score_and_pretty_json_ms": round(pretty.seconds * 1000, 2),
        "ratio_score_and_pretty_json": round(pretty.ratio, 1),
        "ratio_claimed_and_json": round(with_claims.ratio, 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    out = run(args.rows, args.repeat)
    if args.json:
        print(json.dumps(out))
        return
    print(f"{out['rows']} projects, mof-project-2020, median of {args.repeat} pairs")
    print(f"  load the set            {out['load_ms']:>9} ms (once)")
    print(f"  plain-Python baseline   {out['baseline_ms']:>9} ms")
    print(
        f"  kpiscore.score_many     {out['score_many_ms']:>9} ms  = {out['ratio']}× baseline, {out['per_row_us']} µs/row"
    )
    print(
        f"  score_many from CSV     {out['score_many_csv_ms']:>9} ms  = {out['ratio_csv']}× baseline"
    )
    print(
        f"  + every indicator read  {out['score_and_detail_ms']:>9} ms  = {out['ratio_score_and_detail']}× baseline"
    )
    print(
        f"  score() per row         {out['score_each_ms']:>9} ms  = {out['ratio_score_each']}× baseline"
    )
    print(f"  to_json(indent=None)    {out['to_json_ms']:>9} ms")
    print(
        f"  score_many + to_json    {out['score_and_json_ms']:>9} ms  = {out['ratio_score_and_json']}× baseline (indent=None)"
    )
    print(
        f"  score_many + to_json()  {out['score_and_pretty_json_ms']:>9} ms  = {out['ratio_score_and_pretty_json']}× baseline (indented)"
    )
    print(f"  … with claimed scores   {out['ratio_claimed_and_json']:>12}× baseline (indent=None)")


if __name__ == "__main__":
    main()
