"""The benchmarks still run and their baselines still agree with kpiscore.

No timing is asserted: a ratio is only worth reading if the baseline computes
the same scores, and that is what these tests hold.
"""

import importlib.util
import sys
from decimal import Decimal

import pytest
from tests.conftest import ROOT


def _module(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_score_many_baseline_agrees_with_kpiscore_on_every_row():
    bench = _module("bench_score_many")
    out = bench.run(n=40, repeat=1)  # raises SystemExit if any total or grade differs
    assert out["rows"] == 40
    assert out["ratio"] > 0 and out["score_many_ms"] > 0


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("bench_score_many", lambda values: (0, "差")),
        ("bench_numeric", lambda values: Decimal(0)),
        ("bench_portfolio", lambda values: Decimal(0)),
    ],
)
def test_baseline_disagreement_is_caught(monkeypatch, name, wrong):
    bench = _module(name)
    monkeypatch.setattr(bench, "baseline", wrong)
    with pytest.raises(SystemExit, match="disagree"):
        bench.run(n=5, repeat=1)


def test_formula_benchmark_runs(monkeypatch, capsys):
    bench = _module("bench_formula")
    monkeypatch.setattr(sys, "argv", ["bench_formula.py", "--rows", "50"])
    bench.main()  # asserts kpiscore's values equal plain eval's
    assert "parsed once at load" in capsys.readouterr().out


def test_scale_benchmark_scores_every_size_completely():
    bench = _module("bench_scale")
    out = bench.run(sizes=(5, 40), repeat=1, cells=80, json_cells=80)
    assert set(out["sizes"]) == {5, 40}
    assert out["sizes"][5]["vs_smallest"] == 1.0 and out["sizes"][40]["per_indicator_us"] > 0
    assert out["sizes"][5]["json_vs_smallest"] == 1.0 and out["sizes"][40]["json_us"] > 0
    assert out["sizes"][40]["json_first_us"] > 0
    assert out["row_own_us"] > 0 and {"marginal_us", "marginal_vs_smallest"} <= set(
        out["sizes"][40]
    )


def test_cli_benchmark_times_three_commands(monkeypatch):
    bench = _module("bench_cli")
    out = bench.run(repeat=1)
    assert list(out) == [
        "python -c pass",
        "kpiscore --help",
        "kpiscore score (Panyu)",
        "kpiscore score (Panyu, no set cache)",
    ]
    assert out["python -c pass"]["ratio"] == 1.0 and out["kpiscore --help"]["ms"] > 0


def test_numeric_baseline_agrees_and_the_detail_reads_as_score_does():
    bench = _module("bench_numeric")
    out = bench.run(n=30, repeat=1)  # SystemExit on a differing total or explanation
    assert out["rows"] == 30 and out["indicators"] == 20
    assert out["ratio"] > 0 and out["ratio_score_and_json"] > 0


def test_an_officers_table_takes_the_fast_path_as_text_csv_and_frame_and_agrees():
    bench = _module("bench_portfolio")
    out = bench.run(n=40, repeat=1)  # SystemExit if a row leaves the fast path or disagrees
    assert out["rows"] == 40 and out["indicators"] == 9
    assert min(out["ratio"], out["ratio_csv"], out["ratio_frame"]) > 0


def test_a_row_off_the_fast_path_is_caught(monkeypatch):
    bench = _module("bench_portfolio")
    made = bench.make_rows

    def spaced(n):  # "12 个": read, with a note, by the general path
        return [
            {**r, "values": {**r["values"], "quantity": r["values"]["quantity"][:-1] + " 个"}}
            for r in made(n)
        ]

    monkeypatch.setattr(bench, "make_rows", spaced)
    with pytest.raises(SystemExit, match="left the fast path"):
        bench.run(n=5, repeat=1, frame=False)


def test_a_ratio_is_the_median_of_pairs_timed_back_to_back(monkeypatch):
    """A slow moment falls on one pair, both of whose sides it slows, not on the ratio."""
    timing = _module("_timing")
    clock, calls = [0.0], []

    def ticking(cost):
        def fn():
            calls.append(cost[0])
            clock[0] += cost.pop(0)
            return len(calls)

        return fn

    monkeypatch.setattr(timing.time, "perf_counter", lambda: clock[0])
    # Each side first runs once untimed (a slow first run: heap growth, caches filled).
    # Pair 2 runs on a machine ten times slower: both its sides are.
    base = ticking([50.0, 1.0, 10.0, 1.0])
    fn = ticking([90.0, 3.0, 30.0, 4.0])
    out = timing.paired(3, base, fn)
    assert calls == [50.0, 90.0, 1.0, 3.0, 10.0, 30.0, 1.0, 4.0]  # base, fn, base, fn …
    assert out.ratio == 3.0  # the pairs' ratios 3, 3, 4: the untimed runs count for none
    assert (out.seconds, out.baseline_seconds, out.out) == (4.0, 1.0, 8)
