"""The fast path's generated points function: made-up names, bound values, no builtins
beyond the few it is given. That it gives the closures' totals is held by tests/test_fast.py on
generated sets and rows (ratio and reverse with and without their zero limits,
both rounding modes)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import kpiscore
from kpiscore import _fast_code
from kpiscore._fast import _Off, plan_for

SET = """kpiscore: 1
id: code
name: 生成代码
categories: [{id: c, name: 产出, weight: 100}]
indicators:
  - {id: x-1, category: c, name: 甲, weight: 40, rule: ratio,
     target: '>= 100', zero_below: 0.5}
  - {id: r, category: c, name: 乙, weight: 30, rule: reverse, target: '<= 10', zero_above: 2}
  - {id: b, category: c, name: 丙, weight: 30, rule: bands,
     bands: [{when: 'actual >= 5', score: 30}, {score: 0}]}
"""


def _plan(rounding: str = "indicator"):
    plan = plan_for(
        kpiscore.loads(SET.replace("indicators:", f"rounding: {rounding}\nindicators:"))
    )
    assert plan is not None
    return plan


def test_the_generated_function_names_nothing_of_the_set_and_has_no_builtins_of_its_own():
    points = _plan().points
    code = points.__code__
    set_text = {"x-1", "r", "b", "甲", "乙", "丙", "actual >= 5"}
    consts = {c for c in code.co_consts if isinstance(c, (str, Decimal))}
    assert consts <= {"weight", "actual", "target", "completion"}  # a formula's own names
    assert not consts & set_text and not set(code.co_names) & set_text
    assert points.__globals__["__builtins__"] == {}
    assert {"min", "max", "type", "isinstance"} <= set(points.__globals__)
    assert {"open", "eval", "exec", "getattr", "__import__"}.isdisjoint(points.__globals__)


def test_the_common_rules_are_written_out_and_an_indicator_with_applies_calls_its_closure():
    plan = _plan()
    names = set(plan.points.__code__.co_names)
    assert {"T0", "W0", "Z0", "K0", "T1", "W1", "Z1", "K1", "C2_0", "B2_0", "B2_1"} <= names
    assert not {"R0", "R1", "R2"} & names
    with_applies = SET.replace("{score: 0}]}", "{score: 0}], applies: 'r > 0'}")
    plan = plan_for(kpiscore.loads(with_applies))
    assert plan is not None
    names = set(plan.points.__code__.co_names)
    assert "R2" in names and "C2_0" not in names


@pytest.mark.parametrize(
    ("values", "points"),
    [
        ({"x-1": Decimal(80), "r": Decimal(10), "b": Decimal(5)}, "92.00"),
        ({"x-1": Decimal(40), "r": Decimal(25), "b": Decimal(4)}, "0.00"),
        ({"x-1": Decimal(150), "r": Decimal(0), "b": True}, "70.00"),
        ({"x-1": Decimal(100), "r": Decimal(15), "b": Decimal(9)}, "90.00"),
    ],
)
@pytest.mark.parametrize("rounding", ["indicator", "total"])
@pytest.mark.parametrize("limit", [256, 1])
def test_the_points_are_the_rules_own_written_out_or_looped(
    monkeypatch, values, points, limit, rounding
):
    # 80/100×40 = 32; 10 ≤ 10: 30; band 30 · below 0.5: 0; 25/10 > 2: 0; band 0
    # 150%: 40; actual 0: full 30; True is 1 for a band · 100%: 40; 10/15×30 = 20; 30
    monkeypatch.setattr("kpiscore._fast_code.MAX_WRITTEN_OUT", limit)
    plan = _plan(rounding)
    made = plan.points
    written_out = getattr(made, "fn", made).__code__.co_filename == "<kpiscore fast path>"
    assert written_out == (limit == 256)  # a set past the limit is not compiled at first
    assert plan.points(values) == Decimal(points)  # whole numbers: either rounding


def test_a_large_set_is_written_out_once_it_has_scored_a_batch(monkeypatch):
    monkeypatch.setattr("kpiscore._fast_code.MAX_WRITTEN_OUT", 1)
    monkeypatch.setattr("kpiscore._fast_code.WARM_ROWS", 3)
    points = _plan().points
    values = {"x-1": Decimal(80), "r": Decimal(10), "b": Decimal(5)}
    files = []
    for _ in range(6):
        assert points(values) == Decimal("92.00")
        files.append(points.fn.__code__.co_filename)
    assert files[:3] == [_fast_code.__file__] * 3  # the closures in a loop
    assert files[3:] == ["<kpiscore fast path>"] * 3


def test_a_cell_that_is_not_a_number_leaves_the_row_to_the_general_path():
    with pytest.raises(_Off):
        _plan().points({"x-1": "达成", "r": Decimal(1), "b": Decimal(1)})
    with pytest.raises(_Off):
        _plan().points({"r": Decimal(1), "b": Decimal(1)})  # missing: n/a or missing_data


@pytest.mark.parametrize("limit", [256, 1])
@pytest.mark.parametrize(("rounding", "points"), [("indicator", "92.05"), ("total", "92.04936")])
def test_each_score_is_rounded_before_the_sum_unless_the_set_rounds_the_total(
    monkeypatch, limit, rounding, points
):
    monkeypatch.setattr("kpiscore._fast_code.MAX_WRITTEN_OUT", limit)
    values = {"x-1": Decimal("80.1234"), "r": Decimal(10), "b": Decimal(5)}  # 32.04936 + 30 + 30
    got = _plan(rounding).points(values)
    assert str(got) == points


@pytest.mark.parametrize(("rounding", "points"), [("indicator", "92.05"), ("total", "92.04936")])
def test_a_large_set_written_out_after_its_first_rows_rounds_as_its_loop_did(
    monkeypatch, rounding, points
):
    monkeypatch.setattr("kpiscore._fast_code.MAX_WRITTEN_OUT", 1)
    monkeypatch.setattr("kpiscore._fast_code.WARM_ROWS", 2)
    made = _plan(rounding).points
    values = {"x-1": Decimal("80.1234"), "r": Decimal(10), "b": Decimal(5)}
    got = [str(made(values)) for _ in range(5)]
    assert made.fn.__code__.co_filename == "<kpiscore fast path>"  # written out by now
    assert got == [points] * 5
