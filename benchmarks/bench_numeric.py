"""Twenty numeric indicators whose values never repeat: the case sharing cannot help.

bench_score_many's portfolio gives most indicators a level word or a small count,
so plain rows share most indicator results (``src/kpiscore/_memo.py``). Here
every value is a random amount to two places — ratio, reverse, bands and formula
rules, five of each — so every row's detail is built, worded and written anew.
The hand-written baseline computes the same totals (checked first); a sample of
rows is read back in full and compared with the general path's (``score_data``, which
``kpiscore.score`` takes for a row that is not plain).

    python benchmarks/bench_numeric.py [--rows 2000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import median_of, paired  # noqa: E402

import kpiscore  # noqa: E402
from kpiscore._evaluate import score_data  # noqa: E402  (the general path)

N = 20
KINDS = ("ratio", "reverse", "bands", "formula")
CENT = Decimal("0.01")


def set_text() -> str:
    lines = []
    for i in range(N):
        kind = KINDS[i % 4]
        head = f"  - {{id: v{i:02d}, category: c, name: 指标{i}, weight: 5, rule: {kind}"
        if kind == "ratio":
            lines.append(head + ", target: '>= 100'}")
        elif kind == "reverse":
            lines.append(head + ", target: '<= 50'}")
        elif kind == "bands":
            lines.append(
                head + ", bands: [{when: 'actual >= 90', score: 5}, "
                "{when: 'actual >= 60', score: 3}, {score: 0}]}"
            )
        else:
            lines.append(head + f", score: 'min(weight, v{i:02d} / 20)'}}")
    return (
        "kpiscore: 1\nid: numeric\nname: 数值指标\n"
        "categories: [{id: c, name: 产出, weight: 100}]\nindicators:\n" + "\n".join(lines) + "\n"
    )


def make_rows(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [
        {
            "subject": f"项目{k + 1:05d}",
            "values": {f"v{i:02d}": Decimal(rnd.randint(1000, 15000)) / 100 for i in range(N)},
        }
        for k in range(n)
    ]


def baseline(values: dict[str, Decimal]) -> Decimal:
    """The set's rules written out by hand."""

    def r(x: Decimal) -> Decimal:
        return x.quantize(CENT, rounding=ROUND_HALF_UP)

    total = Decimal(0)
    for i in range(N):
        a = values[f"v{i:02d}"]
        kind = i % 4
        if kind == 0:
            s = r(5 * min(a / 100, Decimal(1)))
        elif kind == 1:
            s = r(Decimal(5) if a <= 50 else 5 * Decimal(50) / a)
        elif kind == 2:
            s = r(Decimal(5 if a >= 90 else 3 if a >= 60 else 0))
        else:
            s = r(min(Decimal(5), a / 20))
        total += s
    return total


def run(n: int = 2000, repeat: int = 3) -> dict[str, Any]:
    iset = kpiscore.loads(set_text())
    rows = make_rows(n)

    def base() -> list[Decimal]:
        return [baseline(r["values"]) for r in rows]

    totals = base()
    fast = paired(repeat, base, lambda: list(kpiscore.score_many(iset, rows)))
    results = fast.out
    got = [r.total if isinstance(r, kpiscore.Result) else r for r in results]
    if got != totals:
        raise SystemExit("baseline and kpiscore disagree: fix the baseline first")
    for at in range(0, n, max(1, n // 20)):  # the detail read back equals the general path's
        general = score_data(iset, rows[at])
        mine = results[at]
        assert isinstance(mine, kpiscore.Result)
        if [i.explanation for i in mine.indicators] != [i.explanation for i in general.indicators]:
            raise SystemExit(
                f"row {at + 1}: score_many's explanations differ from the general path's"
            )
    written = list(kpiscore.score_many(iset, rows))  # their JSON written without the detail
    for at in range(0, n, max(1, n // 20)):
        mine_json = json.loads(written[at].to_json())  # type: ignore[union-attr]
        general_json = json.loads(score_data(iset, rows[at]).to_json())
        if mine_json.pop("row") != at + 1 or mine_json != general_json:
            raise SystemExit(f"row {at + 1}: score_many's JSON differs from the general path's")
    detail = paired(
        repeat,
        base,
        lambda: [[i.score for i in r.indicators] for r in kpiscore.score_many(iset, rows)],  # type: ignore[union-attr]
    )
    both = paired(
        repeat,
        base,
        lambda: [r.to_json(indent=None) for r in kpiscore.score_many(iset, rows)],  # type: ignore[union-attr]
    )
    indented = paired(
        repeat,
        base,
        lambda: [r.to_json() for r in kpiscore.score_many(iset, rows)],  # type: ignore[union-attr]
    )
    base_s, _ = median_of(repeat, base)
    return {
        "rows": n,
        "indicators": N,
        "baseline_ms": round(base_s * 1000, 2),
        "score_many_ms": round(fast.seconds * 1000, 2),
        "ratio": round(fast.ratio, 1),
        "ratio_score_and_detail": round(detail.ratio, 1),
        "ratio_score_and_json": round(both.ratio, 1),
        "score_and_json_us_per_row": round(both.seconds / n * 1e6),
        "ratio_score_and_indented_json": round(indented.ratio, 1),
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
    print(f"{out['rows']} projects × {N} numeric indicators, median of {args.repeat} pairs")
    print(f"  plain-Python baseline   {out['baseline_ms']:>9} ms")
    print(f"  kpiscore.score_many     {out['score_many_ms']:>9} ms  = {out['ratio']}× baseline")
    print(f"  + every indicator read  {out['ratio_score_and_detail']:>9}× baseline")
    print(
        f"  + to_json(indent=None)  {out['ratio_score_and_json']:>9}× baseline"
        f" ({out['score_and_json_us_per_row']} µs/row)"
    )
    print(f"  + to_json() (indented)  {out['ratio_score_and_indented_json']:>9}× baseline")


if __name__ == "__main__":
    main()
