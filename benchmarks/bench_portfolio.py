"""An officer's table as it is saved: units, percents, level words and 时效 dates.

bench_score_many and bench_numeric hand kpiscore Decimals. A unit's table holds
text instead — "96.5%", "12个", "480.5万元", "达成", "2023年10月", "按时完成" —
and a pandas pipeline holds numpy numbers. Each used to send a row off the fast
path (a deadline in the set sent every row): this prints score_many against a
hand-written scorer of the same cells for the rows as dicts of text, as a CSV,
and as a DataFrame, and checks first that every row took the fast path and that
the totals agree.

    python benchmarks/bench_portfolio.py [--rows 2000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import random
import re
import sys
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import paired  # noqa: E402

import kpiscore  # noqa: E402

SET = """\
kpiscore: 1
id: portfolio
name: 项目支出绩效自评（基准）
categories:
  - {id: budget, name: 预算执行, weight: 10}
  - {id: output, name: 产出指标, weight: 50}
  - {id: effect, name: 效益指标, weight: 25}
  - {id: satisfaction, name: 满意度指标, weight: 15}
indicators:
  - {id: execution_rate, category: budget, name: 预算执行率, weight: 10, actual: spent / budget, target: '>= 100%', rule: ratio}
  - {id: quantity, category: output, name: 完成数量, weight: 15, target: '>= 12 个', rule: ratio}
  - {id: quality, category: output, name: 验收合格率, weight: 10, target: '>= 95%', rule: ratio}
  - {id: cost, category: output, name: 成本控制, weight: 10, target: '<= 500 万元', rule: reverse}
  - {id: finish, category: output, name: 完工时间, weight: 10, target: '≤2023年11月', late_per_month: 2}
  - {id: start, category: output, name: 开工时间, weight: 5, target: '≤2023年3月'}
  - {id: benefit, category: effect, name: 社会效益, weight: 15, target: 达成, rule: qualitative}
  - {id: lasting, category: effect, name: 可持续影响, weight: 10, target: 达成, rule: qualitative}
  - {id: satisfied, category: satisfaction, name: 满意度, weight: 15, target: '>= 90%', rule: ratio}
"""
LEVELS = ["达成", "部分达成", "未达成"]
LEVEL_TOP = {"达成": Decimal(1), "部分达成": Decimal("0.8"), "未达成": Decimal("0.6")}
FINISH = [
    "2023年10月",
    "2023年11月",
    "2023年12月",
    "2024年1月",
    "2023-11-15",
    "2024-02-03",
    "按时完成",
]
START = ["2023年2月", "2023年3月", "2023年4月", "2023-03-31", "按时完成"]
CENT = Decimal("0.01")
NUMBER_COLUMNS = ("budget", "spent")


def make_rows(n: int, seed: int = 2023) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        budget = Decimal(rnd.randint(100_00, 5000_00)) / 100
        rows.append(
            {
                "subject": {"name": f"项目{i + 1:05d}", "year": 2023},
                "values": {
                    "budget": f"{budget}",
                    "spent": f"{budget * rnd.randint(60, 100) / 100:.2f}",
                    "quantity": f"{rnd.randint(6, 16)}个",
                    "quality": f"{Decimal(rnd.randint(850, 1000)) / 10}%",
                    "cost": f"{Decimal(rnd.randint(3500, 6500)) / 10}万元",
                    "finish": rnd.choice(FINISH),
                    "start": rnd.choice(START),
                    "benefit": rnd.choice(LEVELS),
                    "lasting": rnd.choice(LEVELS),
                    "satisfied": f"{Decimal(rnd.randint(800, 1000)) / 10}%",
                },
            }
        )
    return rows


_MONTH = re.compile(r"(\d{4})年(\d{1,2})月")


def _done(cell: str) -> datetime.date | None:
    """A completion cell: None when it says on time, else the day (a month's last)."""
    if cell == "按时完成":
        return None
    m = _MONTH.fullmatch(cell)
    if m is None:
        return datetime.date.fromisoformat(cell)
    y, mo = int(m[1]), int(m[2])
    return datetime.date(y + mo // 12, mo % 12 + 1, 1) - datetime.timedelta(days=1)


def _months_after(done: datetime.date | None, year: int, month: int) -> int:
    """Started months after the end of (year, month): 0 when on time."""
    if done is None:
        return 0
    return max(0, (done.year - year) * 12 + done.month - month)


def baseline(values: dict[str, Any]) -> Decimal:
    """The set's rules written out by hand over the cells as the table holds them."""

    def r(x: Decimal) -> Decimal:
        return x.quantize(CENT, rounding=ROUND_HALF_UP)

    def num(cell: Any, suffix: str = "") -> Decimal:
        if not isinstance(cell, str):  # a DataFrame's number
            return Decimal(repr(float(cell))) if isinstance(cell, float) else Decimal(int(cell))
        return Decimal(cell.removesuffix(suffix))

    def ratio(w: int, actual: Decimal, target: Decimal) -> Decimal:
        return r(w * min(actual / target, Decimal(1)))

    v = values
    pct = Decimal(100)
    cost = num(v["cost"], "万元")
    late = _months_after(_done(v["finish"]), 2023, 11)
    scores = [
        ratio(10, num(v["spent"]) / num(v["budget"]), Decimal(1)),
        ratio(15, num(v["quantity"], "个"), Decimal(12)),
        ratio(10, num(v["quality"], "%") / pct, Decimal("0.95")),
        r(Decimal(10) if cost <= 500 else 10 * Decimal(500) / cost),
        r(max(Decimal(10) - 2 * late, Decimal(0))),
        r(Decimal(5) if _months_after(_done(v["start"]), 2023, 3) == 0 else Decimal(0)),
        r(15 * LEVEL_TOP[v["benefit"]]),
        r(10 * LEVEL_TOP[v["lasting"]]),
        ratio(15, num(v["satisfied"], "%") / pct, Decimal("0.9")),
    ]
    return sum(scores, Decimal(0))


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    names = list(rows[0]["values"])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["项目名称", "year", *names])
        for row in rows:
            w.writerow([row["subject"]["name"], 2023, *(row["values"][k] for k in names)])


def as_frame(rows: list[dict[str, Any]]) -> Any:
    """The rows as a pipeline holds them: the amounts as float64, the rest as text."""
    import pandas as pd  # only for this measurement

    return pd.DataFrame(
        [
            {
                "项目名称": row["subject"]["name"],
                "year": 2023,
                **{k: float(c) if k in NUMBER_COLUMNS else c for k, c in row["values"].items()},
            }
            for row in rows
        ]
    )


def _checked(results: list[Any], totals: list[Decimal], how: str) -> None:
    slow = [
        r.row
        for r in results
        if not isinstance(r, kpiscore.Result) or r.__dict__.get("_rebuild") is None
    ]
    if slow:
        raise SystemExit(f"{how}: rows {slow[:5]} left the fast path")
    if [r.total for r in results] != totals:
        raise SystemExit(f"{how}: baseline and kpiscore disagree: fix the baseline first")


def run(n: int = 2000, repeat: int = 3, frame: bool = True) -> dict[str, Any]:
    iset = kpiscore.loads(SET)
    rows = make_rows(n)
    totals = [baseline(row["values"]) for row in rows]

    def base() -> list[Decimal]:
        return [baseline(row["values"]) for row in rows]

    out: dict[str, Any] = {"rows": n, "indicators": len(iset.indicators)}
    dicts = paired(repeat, base, lambda: list(kpiscore.score_many(iset, rows)))
    _checked(dicts.out, totals, "dicts")
    out["ratio"] = round(dicts.ratio, 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portfolio.csv"
        write_csv(rows, path)
        from_csv = paired(repeat, base, lambda: list(kpiscore.score_many(iset, path)))
    _checked(from_csv.out, totals, "CSV")
    out["ratio_csv"] = round(from_csv.ratio, 1)
    if frame:
        df = as_frame(rows)
        framed = [dict(zip(df.columns, t, strict=True)) for t in df.itertuples(index=False)]

        def frame_base() -> list[Decimal]:
            return [baseline({k: r[k] for k in rows[0]["values"]}) for r in framed]

        from_frame = paired(repeat, frame_base, lambda: list(kpiscore.score_many(iset, df)))
        _checked(from_frame.out, totals, "DataFrame")
        out["ratio_frame"] = round(from_frame.ratio, 1)
    both = paired(
        repeat,
        base,
        lambda: [r.to_json() for r in kpiscore.score_many(iset, rows)],  # type: ignore[union-attr]
    )
    out["ratio_score_and_json"] = round(both.ratio, 1)
    out["baseline_us_per_row"] = round(dicts.baseline_seconds / n * 1e6, 1)
    return out


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
    print(f"{out['rows']} projects × {out['indicators']} indicators as a table holds them,")
    print(f"median of {args.repeat} pairs (baseline {out['baseline_us_per_row']} µs/row)")
    print(f"  score_many, rows of text       {out['ratio']:>6}× baseline")
    print(f"  score_many, from a CSV         {out['ratio_csv']:>6}× baseline")
    print(f"  score_many, from a DataFrame   {out['ratio_frame']:>6}× baseline")
    print(f"  score_many + to_json()         {out['ratio_score_and_json']:>6}× baseline")


if __name__ == "__main__":
    main()
