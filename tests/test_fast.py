"""The fast path (``_fast``) against the general path and the reference scorer.

score_many scores a plain row (numbers and level words, nothing missing, n/a or
claimed) to its total in one pass and builds the rest on first read. These
tests generate sets and rows — plain ones, and ones just outside the plain case
— and hold the fast path to the general one on total, grade, completeness and
rescaling before anything else is read, then on the whole JSON.
"""

import datetime
import os
import pickle
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from tests import reference
from tests.conftest import ROOT
from tests.strategies import LEVELS, _edges, specs, to_yaml

import kpiscore
from kpiscore._data import PLAIN_WITH_UNIT, plain_na, read_file
from kpiscore._evaluate import score_data
from kpiscore._fast import SUPPORTED, _copy, plan_for
from kpiscore._prepare import prepare, prepare_plain
from kpiscore.result import Result

D = Decimal
FAST_RULES = tuple(sorted(SUPPORTED))
# CI 600; a mutation run (mutmut sets MUTANT_UNDER_TEST) 120, found but not shrunk; locally 150;
# KPISCORE_EXAMPLES=N for a longer hunt.
EXAMPLES = int(os.environ.get("KPISCORE_EXAMPLES", 0)) or (
    600 if os.environ.get("CI") else 120 if os.environ.get("MUTANT_UNDER_TEST") else 150
)
PHASES = (
    (Phase.explicit, Phase.reuse, Phase.generate)
    if os.environ.get("MUTANT_UNDER_TEST")
    else tuple(Phase)
)
LIGHT = ("total", "grade", "complete", "rescaled", "row", "lang", "indicator_set", "precision")


@st.composite
def plain_value(draw, ind):
    """(a value as a plain row holds it, whether it is plain): mostly plain; some just
    outside the plain case, which the general path must score instead."""
    if ind.rule == "checklist":
        labels = [lab for lab, _ in ind.items]
        v = draw(st.lists(st.sampled_from([*labels, "其他", " 真实"]), max_size=4))
        return v, all(x in labels for x in v)
    if ind.rule == "deadline":
        # As tests/reference.py reads them: ISO days around the due day and the words; a
        # day written with a stray space or a half-year the general path names instead.
        days = [0, 1, -1, 30, 31, 32, 60, 61, 365, -200]
        dates = [(ind.due + datetime.timedelta(days=d)).isoformat() for d in days]
        odd = [" 2022-09-30", "下半年", D(12)]
        v = draw(st.sampled_from([*dates, "按时完成", "提前完成", "延期", *odd]))
        return v, v not in odd
    if ind.rule == "qualitative":
        v = draw(
            st.one_of(
                st.sampled_from([lv[0] for lv in LEVELS]),
                st.sampled_from([D("0.8"), D("0.6"), D("0.59"), D(1), D(0), D("1.5")]),
            )
        )
        plain = isinstance(v, str) or D(0) <= v <= D(1)
    else:
        v = draw(st.sampled_from(_edges(ind)))
        plain = not (ind.percent and abs(v) > 2)  # 95 for 95%: named by the general path
    form = draw(
        st.sampled_from(
            ["decimal", "decimal", "text", "int", "float", "odd", "written", "unit", "numpy"]
        )
    )
    if not isinstance(v, Decimal) or form == "decimal":
        return v, plain
    if form == "text":
        return format(v, "f"), plain
    if form == "written":  # as a table writes it: "95%" for 0.95, "18个" where 个 is expected
        if ind.percent:
            return format(v * 100, "f") + "%", plain
        return format(v, "f") + (ind.unit or ""), plain
    if form == "unit":  # a % or a unit the set does not expect there: the general path names it
        unit = draw(st.sampled_from(["%", "次", "个", "万元", " 个", "个以上"]))
        written = format(v * 100 if unit == "%" else v, "f") + unit
        expected = "%" if ind.percent else ind.unit
        return written, plain and unit == expected
    if form == "int":
        return (int(v) if v == int(v) else v), plain
    if form == "float":
        return float(v), plain
    if form == "numpy":  # a pandas frame's cell: float64, an integer type, or float32
        kind = draw(st.sampled_from(["float64", "int64", "float32"]))
        if kind == "int64" and v == int(v):
            return np.int64(int(v)), plain
        if kind == "float32":  # read by its own shortest form: the general path's
            return np.float32(v), False
        return np.float64(float(v)), plain
    odd = ["", " 12 ", "约12", True, D("NaN"), D("1E+20"), "1e3", "１２", " n/a", "ｎ/ａ"]
    if draw(st.booleans()):  # n/a as written: plain where no formula reads the cell
        return draw(st.sampled_from(["n/a", "N/A", "不适用"])), NA_CELL
    return draw(st.sampled_from(odd)), False


NA_CELL = "n/a"  # plain_value's answer for an n/a cell: plain unless a formula reads it


@st.composite
def plain_rows(draw, spec, read=frozenset()):
    """(values, the row, whether the fast path must take it); ``read``: the names the
    set's formulas read."""
    drawn = {i.id: draw(plain_value(i)) for i in spec.indicators}
    values = {k: v for k, (v, _) in drawn.items()}
    plain = all(ok is True or (ok == NA_CELL and k not in read) for k, (_, ok) in drawn.items())
    if draw(st.booleans()):
        values["violation"] = draw(st.sampled_from([D(0), D(1), 1, "1"]))
        plain = plain and spec.penalty is not None  # a name the set does not read
    # subject.year as rows give it: each form is 2022 to the general path
    year = draw(st.sampled_from([2022, "2022", "2022年", D(2022), 2022.0]))
    data = {"subject": {"name": "项目", "year": year}, "values": values}
    extra = draw(st.sampled_from(["none", "none", "reasons", "claimed", "notes"]))
    if extra == "reasons":
        data["reasons"] = {spec.indicators[0].id: "原因"}
    elif extra == "claimed":  # the unit's own scores: only a level indicator's is used
        ind = draw(st.sampled_from(spec.indicators))
        key = draw(st.sampled_from([ind.id, f"指标{ind.id}"]))  # by id or by its name
        score = draw(st.sampled_from([D(90), D(5), "8分", "abc", None]))
        data["claimed"] = {"总分": D(90), key: score}  # a level indicator's: used in its band
    elif extra == "notes":
        data["notes"] = "备注"
    return values, data, plain


def _general(iset, data, lang, row):
    return score_data(iset, data, lang=lang, row=row)


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(st.data())
def test_the_fast_path_gives_the_general_paths_result(data):
    spec = data.draw(specs(FAST_RULES))
    iset = kpiscore.loads(to_yaml(spec))
    plan = plan_for(iset)
    assert plan is not None
    values, row, plain = data.draw(plain_rows(spec, iset.formula_names()))
    lang = data.draw(st.sampled_from(["zh", "en"]))
    fast = plan.score(row, 7, lang)
    general = _general(iset, row, lang, 7)
    # A plain row is never sent to the general path (that would only be slow, and
    # no other test would notice); a row outside the plain case always is.
    assert (fast is not None) == plain, values
    if fast is None:
        return
    # What the detail is built from: the general reading of the row, without its checks.
    assert prepare_plain(iset, _copy(row), lang) == prepare(iset, row, lang), values
    for name in LIGHT:  # read before the detail is built: the fast path's own numbers
        assert getattr(fast, name) == getattr(general, name), (name, values)
    assert fast.to_dict(steps=True) == general.to_dict(steps=True)
    # the fast total is the reference scorer's total for a plain row, too
    claims = _claims_by_id(row.get("claimed"), spec)  # a level indicator's is used in its band
    want = reference.score(spec, {k: _as_reference(v) for k, v in values.items()}, claims)
    if want.total is not None:
        assert fast.total == want.total


def _claims_by_id(claimed, spec):
    """The unit's own scores of a plain row by indicator id, as the reference takes them
    (90, 5 or "8分", keyed by id or by name; one that is no number is not used)."""
    ids = {i.id for i in spec.indicators}
    out = {}
    for key, value in (claimed or {}).items():
        key = key.removeprefix("指标")
        text = str(value).removesuffix("分")
        if key in ids and text.isdigit():
            out[key] = D(text)
    return out


def _as_reference(v):
    if isinstance(v, np.generic):  # the reference reads Python numbers only
        v = v.item()
    if isinstance(v, str) and plain_na(v):  # it knows n/a by one spelling
        return "n/a"
    written = PLAIN_WITH_UNIT.match(v) if isinstance(v, str) else None
    if written:  # "95%" is 0.95; "18个" is 18
        return Decimal(written[1]) / (100 if written[2] == "%" else 1)
    if isinstance(v, (int, float, str)) and not isinstance(v, bool):
        try:
            return Decimal(str(v)) if not isinstance(v, float) else Decimal(repr(v))
        except ArithmeticError:
            return v
    return v


@settings(max_examples=EXAMPLES // 3, deadline=None, phases=PHASES)
@given(st.data())
def test_a_row_the_fast_path_takes_is_scored_as_the_general_path_scores_it(data):
    """Through the public API: score_many of plain rows equals score of each row."""
    spec = data.draw(specs(FAST_RULES))
    iset = kpiscore.loads(to_yaml(spec))
    rows = [data.draw(plain_rows(spec, iset.formula_names()))[1] for _ in range(3)]
    many = list(kpiscore.score_many(iset, rows))
    for i, (got, row) in enumerate(zip(many, rows, strict=True), start=1):
        if isinstance(got, kpiscore.RowError):
            with pytest.raises(kpiscore.DataError):
                kpiscore.score(iset, row)
            continue
        want = _general(iset, row, "zh", i)
        assert got.to_json(steps=True) == want.to_json(steps=True)


PLAIN_SET = """
kpiscore: 1
id: plain
name: 平常的集
categories:
  - {id: out, name: 产出, weight: 60}
  - {id: eff, name: 效益, weight: 40}
indicators:
  - {id: q, category: out, name: 数量, weight: 30, rule: ratio, target: '>= 10 个'}
  - {id: t, category: out, name: 时效, weight: 30, rule: reverse, target: '<= 30 天'}
  - {id: s, category: eff, name: 效果, weight: 20, rule: qualitative, target: 达成}
  - id: c
    category: eff
    name: 成本
    weight: 20
    rule: bands
    bands:
      - {when: 'actual <= 100', score: 20}
      - {score: 'weight / 2'}
"""


def test_a_plain_row_takes_the_fast_path_and_builds_its_detail_once():
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": "45", "s": "部分达成", "c": 120}}
    fast = plan_for(iset).score(row, 1, "zh")
    assert fast is not None
    assert "indicators" not in fast.__dict__  # nothing built yet
    assert fast.total == D(24) + D(20) + D(16) + D(10)
    assert fast.grade == "中"
    assert [i.score for i in fast.indicators] == [D(24), D(20), D(16), D(10)]
    assert fast.indicators is fast.indicators  # built once
    assert (
        fast.indicator("c").explanation == _general(iset, row, "zh", 1).indicator("c").explanation
    )


@pytest.mark.parametrize(
    "change",
    [
        {"q": " n/a"},  # n/a, trimmed: the general path's reading
        {"q": "8次"},  # a unit the target does not name
        {"q": "8 个"},
        {"q": "8个以上"},  # a bound: read, and said so
        {"q": "8万个"},
        {"t": "45%"},  # a % where the target has none
        {"q": ""},
        {"q": "abc"},
        {"s": "达成 0.9"},
        {"s": {"level": "达成", "rate": D("0.9")}},
        {"q": True},
        {"t": D("Infinity")},
        {"t": D("1e20")},
        {"nonsense": 1},
        {"数量": 8},  # a column named by the indicator's name
    ],
)
def test_a_row_outside_the_plain_case_goes_to_the_general_path(change):
    iset = kpiscore.loads(PLAIN_SET)
    values = {"q": D(8), "t": D(45), "s": "部分达成", "c": D(120)}
    values.update(change)
    if "数量" in change:
        del values["q"]
    assert plan_for(iset).score({"values": values}, 1, "zh") is None
    # and score_many still gives the general path's result
    (got,) = kpiscore.score_many(iset, [{"values": values}])
    assert got.to_json() == _general(iset, {"values": values}, "zh", 1).to_json()


def test_data_changed_after_scoring_does_not_change_the_result():
    iset = kpiscore.loads(PLAIN_SET)
    values = {"q": D(8), "t": D(45), "s": "部分达成", "c": D(120)}
    row = {"subject": {"name": "甲"}, "values": values}
    (got,) = kpiscore.score_many(iset, [row])
    values["q"] = D(1)
    row["subject"]["name"] = "乙"
    assert got.indicator("q").score == D(24)
    assert got.subject["name"] == "甲"
    assert (
        got.data_digest
        == _general(
            iset, {"subject": {"name": "甲"}, "values": {**values, "q": D(8)}}, "zh", 1
        ).data_digest
    )


def test_a_lazy_result_pickles_whole_and_equals_the_general_one():
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": D(45), "s": "部分达成", "c": D(120)}}
    (got,) = kpiscore.score_many(iset, [row])
    again = pickle.loads(pickle.dumps(got))
    assert again == got == _general(iset, row, "zh", 1)
    assert again.to_json() == got.to_json()


def test_a_result_is_immutable():
    iset = kpiscore.loads(PLAIN_SET)
    (got,) = kpiscore.score_many(iset, [{"values": {"q": 1, "t": 1, "s": "达成", "c": 1}}])
    with pytest.raises(AttributeError):
        got.total = D(100)
    with pytest.raises(AttributeError):
        del got.grade


def test_strict_rows_never_take_the_fast_path():
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": D(45), "s": "部分达成", "c": D(120)}}
    (got,) = kpiscore.score_many(iset, [row], strict=True)
    assert "indicators" in got.__dict__


def test_sets_with_rules_the_fast_path_lacks_have_no_plan():
    iset = kpiscore.load("mof-project-2020")
    assert plan_for(iset) is not None
    text = PLAIN_SET.replace("rule: qualitative, target: 达成", "rule: manual")
    assert plan_for(kpiscore.loads(text)) is None


# --- every rule on every edge, every shape of row: a grid, not a sample ------------
# The fuzz above finds what nobody thought of; this grid makes sure each boundary the
# fast path shares with the general one is crossed on every run (mutation testing
# showed 120 generated sets miss some).

ONE_RULE = {
    "ratio": "rule: ratio, target: '>= 10 个'",
    "ratio_pct": "rule: ratio, target: '>= 90%', zero_below: 0.6",
    "reverse": "rule: reverse, target: '<= 30 天'",
    "reverse_pct": "rule: reverse, target: '<= 80%', zero_above: 1.5",
    "reverse_small": "rule: reverse, target: '<= 0.5', zero_above: 1.5",
    "reverse_zero": "rule: reverse, target: '<= 0', zero_above: 1.5",
    "exact": "rule: exact, target: '= 50', tolerance: 2",
    "exact_zero": "rule: exact, target: '= 0', tolerance: 1",
    "met": "rule: met, target: '> 5'",
    "qualitative": "rule: qualitative, target: 达成",
    "formula_bool": "rule: formula, score: 'actual > 5'",
    "bands": (
        "rule: bands, target: '>= 10', bands: [{when: 'completion >= 1', score: 'weight'},"
        " {when: 'actual >= target / 2', score: 'weight * actual / target / 2'}]"
    ),
    "bands_pct": (
        "rule: bands, target: '>= 100%', bands: [{when: 'completion >= 0.9', score: 'weight'},"
        " {score: 0}]"
    ),
    "deduct": "rule: deduct, per: 7, count: 'max(actual - 3, 0)'",
    "checklist": "rule: checklist, items: [{label: 真实, points: 40}, {label: 完整, points: 60, id: full}]",
}
EDGES = [
    D(-1),
    D(0),
    D("0.25"),
    D("0.5"),
    D("0.54"),
    D("0.6"),
    D("0.72"),
    D("0.75"),
    D("0.8"),
    D("0.9"),
    D(1),
    D("1.2"),
    D("1.5"),
    D("1.6"),
    D(2),
    D(3),
    D(4),
    D(5),
    D(6),
    D(10),
    D(14),
    D(30),
    D(45),
    D(48),
    D(49),
    D(50),
    D(51),
    D(52),
    D(53),
    D(60),
    D(100),
]


def _one(rule):
    return kpiscore.loads(
        "kpiscore: 1\nid: one\nname: 一\ncategories: [{id: c, name: 类, weight: 100}]\n"
        f"indicators:\n  - {{id: x, category: c, name: 指标, weight: 100, {ONE_RULE[rule]}}}\n"
    )


@pytest.mark.parametrize("rule", sorted(ONE_RULE))
def test_every_rule_gives_the_general_score_on_every_edge_and_takes_every_plain_value(rule):
    iset = _one(rule)
    plan = plan_for(iset)
    percent = "%" in ONE_RULE[rule]
    words = ["达成", "部分达成", "未达成", "完成"] if rule == "qualitative" else []
    lists = [
        [],
        ["真实"],
        ["完整"],
        ["真实", "full"],
        ["真实", "真实", "完整"],
        ["其他"],
        [" 真实"],
        ["真实"] * 500,  # read_value takes 500 items, not 501
        ["真实"] * 501,
    ]
    for v in [*EDGES, *words, *(lists if rule == "checklist" else [])]:
        if isinstance(v, list):
            plain = len(v) <= 500 and all(x in ("真实", "完整", "full") for x in v)
        elif rule == "checklist":
            plain = False  # a number is no list of items
        elif isinstance(v, str):
            plain = True
        elif rule == "qualitative":
            plain = D(0) <= v <= D(1)
        else:
            plain = not (percent and abs(v) > 2)
        forms = (
            [v, tuple(v)]
            if isinstance(v, list)
            else [v]
            if isinstance(v, str)
            else [v, format(v, "f"), float(v)]
        )
        if isinstance(v, Decimal):
            forms.append(np.float64(float(v)))
        if isinstance(v, Decimal) and v == int(v):
            forms += [int(v), np.int64(int(v)), np.uint8(int(v)) if v >= 0 else int(v)]
        for form in forms:
            row = {"values": {"x": form}}
            fast = plan.score(row, 1, "zh")
            general = _general(iset, row, "zh", 1)
            assert (fast is not None) == plain, (rule, form)
            if fast is not None:
                assert (fast.total, fast.grade) == (general.total, general.grade), (rule, form)
                assert fast.complete is True


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (D("1E+15"), False),  # read_value refuses 16 digits before the point
        (D("-1E+15"), False),
        (D("999999999999999.9"), True),
        (D("-999999999999999.9"), True),
        (D("12345678901234.5678901234567890"), True),  # 30 digits
        (D("123456789012345.6789012345678901"), False),  # 31 digits
        (D("0.000000000000000000000000000001"), True),
        (D("1.00000000000000000000000000000"), True),  # 30 digits, trailing zeros counted
        (D("1.000000000000000000000000000000"), False),  # 31: read_value refuses it too
        (D("1E-900"), True),
        (D("-0"), True),
        (D("-0.00"), True),
        (10**15 - 1, True),
        (10**15, False),
        (-(10**15), False),
        ("-0", True),
        ("-0.0", True),
        ("1e3", False),  # read as written by the general path, not by the fast one
        ("１２", False),
        (" 12", False),
        (D("NaN"), False),
        (D("Infinity"), False),
        (float("nan"), False),
        (float("inf"), False),
        (True, False),
        (np.bool_(True), False),  # numpy's bool is read as a bool, as Python's is
        (np.float64(12.5), True),
        (np.float64("nan"), False),  # pandas' blank cell: missing, named by the general path
        (np.float64("inf"), False),
        (np.int64(10**15 - 1), True),
        (np.int64(10**15), False),
        (np.float32(1.1), False),  # read by its own shortest form ("1.1"), not as float64
        ([1], False),
    ],
)
def test_a_number_is_plain_exactly_when_read_value_takes_it_as_it_is(value, plain):
    iset = _one("met")
    fast = plan_for(iset).score({"values": {"x": value}}, 1, "zh")
    assert (fast is not None) == plain
    if fast is not None:
        assert fast.to_dict() == _general(iset, {"values": {"x": value}}, "zh", 1).to_dict()


MIXED = """
kpiscore: 1
id: mixed
name: 混合
precision: {precision}
rounding: {rounding}
inputs:
  budget: {{name: 预算, unit: 万元}}
  spent: {{name: 支出, unit: 万元}}
  papers: {{name: 论文}}
  violation: {{name: 违规}}
  note: {{name: 说明, type: text}}
categories: [{{id: c, name: 类, weight: 100}}]
indicators:
  - {{id: exec, category: c, name: 执行率, weight: 12.5, rule: ratio, target: '>= 100%', actual: 'spent / budget'}}
  - {{id: opt, category: c, name: 可选, weight: 12.5, rule: ratio, target: '>= 10', applies: 'budget > 50'}}
  - {{id: nq, category: c, name: 论文, weight: 12.5, rule: formula, score: 'papers * 5'}}
  - id: bt
    category: c
    name: 无实际值的分档
    weight: 12.5
    rule: bands
    target: '>= 5'
    bands: [{{when: 'papers >= 3', score: 'weight'}}, {{score: 0}}]
  - id: q
    category: c
    name: 质量
    weight: 25
    rule: qualitative
    target: 好
    levels:
      - {{label: 好, range: [0.9, 1], aliases: [优秀]}}
      - {{label: 一般, range: [0.5, 0.9], aliases: ['90分以下']}}
      - {{label: 差, range: [0, 0.5]}}
  - {{id: d, category: c, name: 定性, weight: 25, rule: qualitative, target: 达成}}
penalties:
  - {{name: 坏公式, when: 'note > 1', deduct: 50}}
  - {{name: 低分, when: 'total < 70', grade: 差}}
  - {{name: 违规, when: 'violation == 1', deduct: 5}}
"""
GOOD = {"budget": 100, "spent": 90, "opt": 8, "papers": 3, "q": "一般", "d": "部分达成"}


@pytest.mark.parametrize("rounding", ["indicator", "total"])
@pytest.mark.parametrize(
    ("change", "plain"),
    [
        ({}, True),
        ({"violation": 1}, True),  # a deduction after the penalty that cannot be judged
        ({"papers": 2, "q": "差"}, True),  # 60 to 70 is 中 by the grades: 差 forced
        ({"spent": 1000}, True),  # 1000%: the most a % target takes
        ({"q": "优秀"}, True),  # an alias of a level the set declares
        ({"q": D(1)}, True),
        ({"q": D("0.95")}, True),
        ({"q": "达成"}, False),  # a default level word, not one of this indicator's
        ({"d": "好"}, False),
        ({"q": "90分以下"}, False),  # read as a number by the general path
        ({"spent": 5000}, False),  # 5000% against a % target
        ({"spent": 1050}, False),  # 1050%: just past the most, refused as the general path does
        ({"budget": 40}, False),  # opt does not apply
        ({"papers": None}, False),  # nq's formula has no papers
        ({"budget": 0}, False),  # a division by zero
        ({"note": "文字"}, False),  # a text value: the general path reads text
    ],
)
def test_formulas_applies_penalties_and_levels_take_the_fast_path_only_when_plain(
    rounding, change, plain
):
    iset = kpiscore.loads(MIXED.format(precision=1, rounding=rounding))
    values = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    fast = plan_for(iset).score({"values": values}, 1, "zh")
    general = _general(iset, {"values": values}, "zh", 1)
    assert (fast is not None) == plain
    if fast is not None:
        assert (fast.total, fast.grade, fast.rescaled) == (
            general.total,
            general.grade,
            general.rescaled,
        )
        assert fast.to_dict() == general.to_dict()


def test_rounding_per_indicator_and_on_the_total_give_different_totals_both_right():
    # 12.5 × 0.9 = 11.25 and 12.5 × 0.7 = 8.75: 11.3 + 8.8 each rounded, 20.0 rounded once
    # (one place: a weight of 12.5 needs it, load refuses less)
    values = {**GOOD, "opt": 7}
    each = kpiscore.loads(MIXED.format(precision=1, rounding="indicator"))
    once = kpiscore.loads(MIXED.format(precision=1, rounding="total"))
    a = plan_for(each).score({"values": values}, 1, "zh")
    b = plan_for(once).score({"values": values}, 1, "zh")
    assert a.total != b.total
    assert a.total == _general(each, {"values": values}, "zh", 1).total
    assert b.total == _general(once, {"values": values}, "zh", 1).total


@pytest.mark.parametrize(
    ("row", "plain"),
    [
        ({"values": {"x": 6}}, True),
        ({"subject": "甲", "values": {"x": 6}}, True),
        ({"subject": {"name": "甲", "year": 2022}, "values": {"x": 6}}, True),
        ({"subject": {"name": {"a": 1}}, "values": {"x": 6}}, False),
        ({"subject": {1: "甲"}, "values": {"x": 6}}, False),
        ({"subject": ["甲"], "values": {"x": 6}}, False),
        ({"reasons": {"x": "原因"}, "values": {"x": 6}}, True),
        ({"reasons": {"x": ["原因"]}, "values": {"x": 6}}, False),
        ({"reasons": "原因", "values": {"x": 6}}, False),
        ({"notes": "备注", "values": {"x": 6}}, True),
        ({"notes": {"a": "b"}, "values": {"x": 6}}, False),
        ({"manual": {"x": {"score": 1}}, "values": {"x": 6}}, False),
        ({"claimed": {"x": 1, "总分": 100}, "values": {"x": 6}}, True),  # compared in the detail
        ({"claimed": {"指标": "abc"}, "values": {"x": 6}}, True),  # named in the detail
        ({"claimed": {"x": {"score": 1}}, "values": {"x": 6}}, False),
        ({"claimed": {1: 1}, "values": {"x": 6}}, False),
        ({"claimed": "100", "values": {"x": 6}}, False),
        ({"claimed": {}, "manual": {}, "reasons": {}, "values": {"x": 6}}, True),
        ({"indicator_set": "one", "values": {"x": 6}}, True),
        ({"indicator_set": "other", "values": {"x": 6}}, False),
        ({"unknown": 1, "values": {"x": 6}}, False),
        ({"values": [("x", 6)]}, False),
        ({"values": {"x": 6, "y": 1}}, False),  # a name the set does not read
        ({"values": {}}, False),
        ({}, False),
        ([("values", {"x": 6})], False),
        (
            {
                "indicator_set": "one",
                "subject": {"name": "甲"},
                "values": {"x": 6},
                "reasons": {},
                "claimed": {},
                "manual": {},
                "notes": None,
            },
            True,
        ),
    ],
)
def test_only_a_plain_row_shape_takes_the_fast_path(row, plain):
    iset = _one("met")
    fast = plan_for(iset).score(row, 1, "zh")
    assert (fast is not None) == plain
    if fast is not None:
        assert fast.to_dict() == _general(iset, row, "zh", 1).to_dict()


@pytest.mark.parametrize(
    ("claimed", "s_score"),
    [
        ({"q": D(25), "t": D(30), "c": D(20), "总分": D(90)}, D(20)),  # 达成's top
        ({"s": D(19)}, D(19)),  # within 达成's band [16, 20]: the unit's 19 is used
        ({"效果": D(19)}, D(19)),  # the same, by the indicator's name
        ({" 效果 ": "19分"}, D(19)),
        ({"s": D(15)}, D(20)),  # outside the band: the band's top
        ({"s": D(16)}, D(16)),  # the band's low edge is inside it
        ({"s": D("15.99")}, D(20)),  # just below it is not
        ({"s": "很好"}, D(20)),  # not a number: named in the detail, the rule's score
        ({"s": D(17), "效果": D(19)}, D(17)),  # its id wins; the name is an unknown key
        ({"数量": D(19)}, D(20)),
    ],
)
def test_a_claimed_score_takes_the_fast_path_and_a_level_indicator_uses_it_in_its_band(
    claimed, s_score
):
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": D(40), "s": "达成", "c": D(120)}, "claimed": claimed}
    fast = plan_for(iset).score(row, 1, "zh")
    general = _general(iset, row, "zh", 1)
    assert fast is not None and fast.total == general.total
    assert general.indicator("s").score == s_score
    assert fast.to_dict(steps=True) == general.to_dict(steps=True)
    assert fast.discrepancies == general.discrepancies  # compared in the detail


def test_a_row_with_an_n_a_cell_uses_a_level_indicators_claim_as_the_general_path_does():
    iset = kpiscore.loads(PLAIN_SET)
    values = {"q": D(8), "t": "不适用", "s": "达成", "c": D(120)}  # t's weight dropped
    claimed = {"values": values, "claimed": {"s": D(17)}}
    fast = plan_for(iset).score(claimed, 1, "zh")
    general = _general(iset, claimed, "zh", 1)
    unclaimed = _general(iset, {"values": values}, "zh", 1)
    assert fast is not None and fast.rescaled
    assert fast.total == general.total != unclaimed.total  # the unit's 17, rescaled
    assert fast.to_dict() == general.to_dict()


def test_a_claim_on_a_level_indicator_with_a_formula_leaves_the_row_to_the_general_path():
    text = PLAIN_SET.replace("target: 达成}", "target: 达成, applies: 'q > 0'}")
    iset = kpiscore.loads(text)
    row = {"values": {"q": D(8), "t": D(40), "s": "达成", "c": D(120)}, "claimed": {"s": D(19)}}
    assert plan_for(iset).score(row, 1, "zh") is None
    assert plan_for(iset).score({**row, "claimed": {"q": D(19)}}, 1, "zh") is not None
    assert _general(iset, row, "zh", 1).indicator("s").score == D(19)


@pytest.mark.parametrize(
    ("values", "plain"),
    [
        ({"q": "n/a", "t": D(20), "s": "达成", "c": D(80)}, True),  # 30 of 100 dropped
        ({"q": "N/A", "t": "不适用", "s": "NA", "c": D(80)}, True),  # 80 of 100 dropped
        ({"q": D(8), "t": D(40), "s": "不涉及", "c": D(120)}, True),
        ({"q": " n/a", "t": D(20), "s": "达成", "c": D(80)}, False),  # trimmed: noted
        ({"q": "ｎ/ａ", "t": D(20), "s": "达成", "c": D(80)}, False),  # full-width: NFKC
        ({"q": D(8), "t": D(20), "s": "达成", "c": "无此项"}, False),  # a formula reads c
    ],
)
def test_an_n_a_cell_drops_its_weight_on_the_fast_path_as_on_the_general_one(values, plain):
    text = PLAIN_SET.replace("{when: 'actual <= 100', score: 20}", "{when: 'c <= 100', score: 20}")
    iset = kpiscore.loads(text)
    row = {"values": values}
    fast = plan_for(iset).score(row, 1, "zh")
    assert (fast is not None) == plain
    if fast is not None:
        general = _general(iset, row, "zh", 1)
        for name in LIGHT:  # read before the detail is built
            assert getattr(fast, name) == getattr(general, name), name
        assert fast.rescaled is (general.total is not None)
        assert fast.to_dict(steps=True) == general.to_dict(steps=True)


@pytest.mark.parametrize(("rounding", "total"), [("indicator", D(79)), ("total", D(80))])
def test_an_n_a_row_is_rounded_as_the_set_says(rounding, total):
    # q 7.83 → 23.49, t 44 → 20.4545…, s n/a (20 of 100 dropped), c → 20: rounded first,
    # 23 + 20 + 20 = 63 → 63 × 100/80 = 78.75 → 79; summed raw, 63.9445… × 1.25 → 80
    text = PLAIN_SET.replace("indicators:", f"precision: 0\nrounding: {rounding}\nindicators:")
    iset = kpiscore.loads(text)
    row = {"values": {"q": D("7.83"), "t": D(44), "s": "n/a", "c": D(80)}}
    fast = plan_for(iset).score(row, 1, "zh")
    assert fast is not None and fast.rescaled
    assert fast.total == total == _general(iset, row, "zh", 1).total
    assert fast.to_dict(steps=True) == _general(iset, row, "zh", 1).to_dict(steps=True)


def test_data_written_for_another_set_takes_the_fast_path_when_the_set_is_not_checked():
    iset = _one("met")
    row = {"indicator_set": "other", "values": {"x": 6}}
    fast = plan_for(iset).score(row, 1, "zh", check_set=False)
    assert fast is not None
    assert fast.to_dict() == score_data(iset, row, check_set=False, row=1).to_dict()
    assert plan_for(iset).score(row, 1, "zh") is None


def test_many_values_beyond_the_limit_go_to_the_general_path():
    iset = _one("met")
    assert (
        plan_for(iset).score({"values": {"x": 6, **{f"v{i}": 1 for i in range(10_000)}}}, 1, "zh")
        is None
    )


def _plainer(v):
    if v == "n/a":
        return "达成"
    if isinstance(v, str) and v.endswith("%"):
        return D(v[:-1]) / 100
    if isinstance(v, dict):
        return v["level"]
    return v


@pytest.mark.parametrize(
    ("set_name", "data_file"),
    [
        ("mof-department-2013", "examples/quickstart/department.yaml"),
        ("mof-project-2020", "examples/quickstart/project.yaml"),
        ("mof-project-2021", "examples/quickstart/project-2021.yaml"),
    ],
)
def test_the_shipped_examples_take_the_fast_path_with_the_general_result(set_name, data_file):
    iset = kpiscore.load(set_name)
    data = read_file(ROOT / data_file, "zh")[0]
    plain = {k: v for k, v in data.items() if k in ("subject", "reasons")}
    # the same numbers as a spreadsheet's plain cells: 93% as 0.93, a bare level word,
    # n/a answered
    plain["values"] = {k: _plainer(v) for k, v in data["values"].items()}
    fast = plan_for(iset).score(plain, 1, "zh")
    assert fast is not None
    assert fast.to_dict(steps=True) == _general(iset, plain, "zh", 1).to_dict(steps=True)


def test_a_fast_total_the_detail_contradicts_is_never_shown_silently():
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": D(45), "s": "部分达成", "c": D(120)}}
    good = plan_for(iset).score(row, 3, "zh")
    light = {
        f: getattr(good, f)
        for f in (
            "indicator_set",
            "indicator_set_name",
            "full_score",
            "grade",
            "complete",
            "set_digest",
            "precision",
            "rescaled",
            "lang",
            "row",
            "kind",
        )
    }
    wrong = Result.deferred(
        {
            **light,
            "total": good.total + 1,
            "data": row,
            "_rebuild": lambda data, n: _general(iset, data, "zh", n),
        }
    )
    with pytest.raises(RuntimeError, match="第 3 行的快速计分与完整计分不一致"):
        _ = wrong.indicators


def test_rows_read_from_a_file_are_kept_as_read_and_give_the_general_result(tmp_path):
    # A file's rows are kpiscore's own dicts, kept uncopied: the same detail and digest.
    from kpiscore._sources import rows_of

    iset = kpiscore.loads(PLAIN_SET)
    path = tmp_path / "rows.csv"
    path.write_text("subject,q,t,s,c\n甲,8,45,部分达成,120\n乙,3,60,达成,90.5\n", encoding="utf-8")
    fast = list(kpiscore.score_many(iset, path))
    read = [(number, data) for number, _, data, _ in rows_of(path, "zh")]
    assert [r.row for r in fast] == [2, 3]
    assert [r.to_json() for r in fast] == [_general(iset, d, "zh", n).to_json() for n, d in read]
    assert all(r.__dict__.get("_rebuild") is not None for r in fast)  # both took the fast path


def test_a_plain_rows_own_numbers_go_straight_to_their_rule(monkeypatch):
    """The detail of a plain row does not ask whether a number read from the indicator's
    own cell is n/a or unreadable (the fast path took the row: it is neither); a level
    word still goes the general way."""
    from kpiscore._evaluate import _Scorer

    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": D(45), "s": "部分达成", "c": D(120)}}
    asked = []
    real = _Scorer.inapplicable

    def inapplicable(self, ind):
        asked.append(ind.id)
        return real(self, ind)

    monkeypatch.setattr(_Scorer, "inapplicable", inapplicable)
    (got,) = kpiscore.score_many(iset, [row])
    mine = got.to_json()
    assert asked == ["s"]  # q, t and c are numbers in their own cells
    assert mine == _general(iset, row, "zh", 1).to_json()
    assert asked == ["s", "q", "t", "s", "c"]  # the general path asks for every one


@pytest.mark.parametrize(
    ("cell", "value"),
    [("8个", D(8)), ("0个", D(0)), ("-0.0个", D(0)), ("12.50个", D("12.50"))],
)
def test_a_number_written_with_the_unit_its_target_names_takes_the_fast_path(cell, value):
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": cell, "t": D(45), "s": "部分达成", "c": D(120)}}
    got = plan_for(iset).score(row, 1, "zh")
    assert got is not None and got.indicator("q").actual == value
    assert got.to_json() == _general(iset, row, "zh", 1).to_json()


@pytest.mark.parametrize("cell", ["95%", "90%", "45%", "100%", "0%", "150.5%", "-5%"])
def test_a_percent_written_with_its_sign_takes_the_fast_path(cell):
    iset = kpiscore.loads(
        "kpiscore: 1\nid: pct\nname: 比率\ncategories: [{id: c, name: 产出, weight: 100}]\n"
        "indicators:\n  - {id: r, category: c, name: 完成率, weight: 100, target: '>= 90%'}\n"
    )
    row = {"values": {"r": cell}}
    got = plan_for(iset).score(row, 1, "en")
    assert got is not None
    assert got.indicator("r").actual == Decimal(cell[:-1]) / 100
    assert got.to_json() == _general(iset, row, "en", 1).to_json()


@pytest.mark.parametrize(
    "cell",
    [
        -0.0,
        "-123456789012345.123456789012345",  # 32 characters: quoted cut to 30 as read_value does
        "123456789012345.12345678901234个",
        "123456789012345.12345678901234",  # 30 characters: quoted whole
    ],
)
def test_the_detail_reads_an_edge_cell_as_the_general_path_reads_it(cell):
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": cell, "t": D(45), "s": "部分达成", "c": D(120)}}
    fast = plan_for(iset).score(row, 1, "zh")
    assert fast is not None  # the fast path takes it
    assert prepare_plain(iset, _copy(row), "zh").values == prepare(iset, row, "zh").values
    assert fast.to_json(steps=True) == _general(iset, row, "zh", 1).to_json(steps=True)
    written = {r.written for r in prepare(iset, row, "zh").values.values()}
    assert {r.written for r in prepare_plain(iset, _copy(row), "zh").values.values()} == written


DEADLINE_CELLS = [
    "2022-09-30",
    "2022-10-01",
    "2023-03-15",
    "2022年9月",
    "2022年10月",
    "2022年9月30日",
    "9月",
    "10月",
    "2022.11",
    "2022/10/5",
    "按时完成",
    "提前完成",
    "延期",
    "未按期完成",
    "下半年",  # no day: invalid_data, named by the general path
    " 2022-09-30",  # read after trimming: scored, but by the general path
    12,
    "n/a",
    "",
    datetime.date(2022, 9, 30),  # a date cell, from a sheet or an unquoted YAML date
    datetime.date(2022, 10, 1),
    datetime.datetime(2022, 11, 3, 10, 5),
]
YEARS = [2022, "2022", "2022年", D(2022), 2022.0, None, "abc", True, "20\x1b22"]


@pytest.mark.parametrize("target", ["'≤2022年9月'", "9月前", "'<2022-09-30'"])
def test_a_deadline_cell_takes_the_fast_path_exactly_when_it_reads_as_written(target):
    iset = kpiscore.loads(
        "kpiscore: 1\nid: one\nname: 一\ncategories: [{id: c, name: 类, weight: 100}]\n"
        "indicators:\n  - {id: x, category: c, name: 完工时间, weight: 100, "
        f"target: {target}, late_per_month: 20}}\n"
    )
    plan = plan_for(iset)
    assert plan is not None
    taken = 0
    for v in DEADLINE_CELLS:
        for year in YEARS:
            row = {"subject": {"name": "项目", "year": year}, "values": {"x": v}}
            fast = plan.score(row, 1, "zh")
            general = _general(iset, row, "zh", 1)
            plain = (
                general.indicators[0].status in ("scored", "not_applicable")
                and v != " 2022-09-30"
                and year != "20\x1b22"  # the general path cleans the subject first
            )
            assert (fast is not None) == plain, (v, year)
            if fast is not None:
                taken += 1
                assert fast.to_dict(steps=True) == general.to_dict(steps=True), (v, year)
    # 17 cells read as written; a target with no year of its own needs the row's (5 forms);
    # n/a needs no year
    assert taken == 17 * (5 if target == "9月前" else 8) + 8


def _deadline_set():
    return kpiscore.loads(
        "kpiscore: 1\nid: one\nname: 一\ncategories: [{id: c, name: 类, weight: 100}]\n"
        "indicators:\n  - {id: x, category: c, name: 完工时间, weight: 100, target: '≤2022年9月'}\n"
    )


def test_a_deadline_cell_is_read_once_however_many_rows_repeat_it(monkeypatch):
    plan = plan_for(_deadline_set())
    plan.dated.clear()  # the plan is the set's, kept between tests
    reads = []
    real = type(plan).read_when
    monkeypatch.setattr(
        type(plan), "read_when", lambda self, n, v: reads.append(v) or real(self, n, v)
    )
    for cell in ["2022年9月", "2022年10月", "2022年9月", "2022年10月", "2022年9月"]:
        assert plan.score({"values": {"x": cell}}, 1, "zh") is not None
    assert reads == ["2022年9月", "2022年10月"]


def test_the_deadline_cells_kept_never_pass_the_cap(monkeypatch):
    monkeypatch.setattr("kpiscore._fast._MAX_DATED", 3)
    plan = plan_for(_deadline_set())
    plan.dated.clear()
    seen = []
    for day in range(1, 11):
        assert plan.score({"values": {"x": f"2022-09-{day:02d}"}}, 1, "zh").total == 100
        seen.append(len(plan.dated))
    assert max(seen) == 3 and seen[:4] == [1, 2, 3, 1]


def test_a_deadline_cell_longer_than_a_quoted_cell_is_never_kept():
    """Memory stays flat: a column of long distinct texts cannot fill the cell cache."""
    plan = plan_for(_deadline_set())
    plan.dated.clear()
    padded = "2022-09-30" + " " * 20  # 30 characters: read (and trimmed: the general path's)
    for cell in [padded, padded + " ", "按时完成" * 8, "x" * 1_000_000]:
        assert plan.score({"values": {"x": cell}}, 1, "zh") is None
    assert [v for _, v in plan.dated] == [padded]


def test_a_set_with_deadlines_scores_its_rows_on_the_fast_path():
    iset = kpiscore.load(ROOT / "examples/deadlines-2023/set.yaml")
    data = read_file(ROOT / "examples/deadlines-2023/project.yaml", "zh")[0]
    del data["claimed"]  # a unit's own scores are compared by the general path
    fast = plan_for(iset).score(data, 1, "zh")
    assert fast is not None
    assert fast.to_dict(steps=True) == _general(iset, data, "zh", 1).to_dict(steps=True)


@pytest.mark.parametrize("section", ["reasons", "claimed"])
def test_a_section_longer_than_the_limit_is_refused_as_the_general_path_refuses_it(section):
    from kpiscore._prepare import MAX_VALUES

    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": "45", "s": "部分达成", "c": 120}}
    row[section] = {f"x{i}": "1" for i in range(MAX_VALUES + 1)}
    with pytest.raises(kpiscore.DataError, match="value_too_long"):
        score_data(iset, row)
    assert plan_for(iset).score(row, 1, "zh") is None
    with pytest.raises(kpiscore.DataError, match="value_too_long"):
        kpiscore.score(iset, row)
    [bad] = kpiscore.score_many(iset, [row])
    assert isinstance(bad, kpiscore.RowError) and "10000" in bad.message


@pytest.mark.parametrize(
    "extra",
    [
        {"claimed": 5},
        {"claimed": [1, 2]},
        {"claimed": "90"},
        {"reasons": 5},
        {"reasons": "x"},
        {"notes": {"a": 1}},
        {"subject": 5},
        {"subject": ["甲"]},
        {"manual": {"q": 1}},
    ],
)
def test_a_section_of_the_wrong_shape_is_named_by_the_general_path_never_a_traceback(extra):
    iset = kpiscore.loads(PLAIN_SET)
    row = {"values": {"q": D(8), "t": "45", "s": "部分达成", "c": 120}, **extra}
    assert plan_for(iset).score(row, 1, "zh") is None
    if assert_score_is_general(iset, row) is None:
        [bad] = kpiscore.score_many(iset, [row])
        assert isinstance(bad, kpiscore.RowError)


def assert_score_is_general(iset, row):
    """score() of ``row`` is the general path's Result (returned), or raises the same
    DataError (then None): whichever path it took, never another outcome."""
    try:
        want = score_data(iset, row)
    except kpiscore.DataError as exc:
        with pytest.raises(kpiscore.DataError) as got:
            kpiscore.score(iset, row)
        assert str(got.value) == str(exc)
        return None
    got = kpiscore.score(iset, row)
    assert got == want
    assert got.to_json() == want.to_json()
    return got


@pytest.mark.parametrize("extra", [{}, {"subject": "甲项目", "reasons": {"a": "原因"}}])
def test_a_fast_result_keeps_the_data_as_scored_when_the_callers_lists_and_dicts_change(extra):
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 40, target: '>= 10'}\n"
            "  - {id: c, category: main, name: 乙, weight: 60, rule: checklist, items: "
            "[{label: 真实, points: 24}, {label: 完整, points: 36}]}\n"
        )
    )
    row = {"values": {"a": Decimal(8), "c": ["真实"]}, **extra}
    untouched = kpiscore.score(iset, {**row, "values": {"a": Decimal(8), "c": ["真实"]}})
    results = [kpiscore.score(iset, row), next(kpiscore.score_many(iset, [row]))]
    assert all(r.__dict__.get("_rebuild") is not None for r in results)  # the fast path took both
    row["values"]["c"].append("完整")
    row["values"]["a"] = Decimal(20)
    for r in results:
        assert r.data["values"] == {"a": Decimal(8), "c": ["真实"]}
        assert r.data_digest == untouched.data_digest
        assert r.total == untouched.total == Decimal("56.00")


def test_a_values_only_rows_data_is_made_once_when_read_and_is_then_the_same_object():
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10'}\n")
    )
    row = {"values": {"a": Decimal(8)}}
    result = next(kpiscore.score_many(iset, [row]))
    assert "data" not in result.__dict__  # kept as the values' copy: one object fewer
    data = result.data
    assert data == row and data is not row and data["values"] is not row["values"]
    assert result.data is data
    assert result.data_digest == kpiscore.score(iset, {"values": {"a": Decimal(8)}}).data_digest


@pytest.mark.parametrize("extra", [{}, {"subject": "甲项目"}])
def test_cells_read_as_given_are_kept_once_and_never_the_callers(extra):
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 60, target: '>= 10'}\n"
            "  - {id: q, category: main, name: 乙, weight: 40, rule: qualitative, target: 达成}\n"
        )
    )
    row = {"values": {"a": Decimal("8.0"), "q": "部分达成"}, **extra}
    result = next(kpiscore.score_many(iset, [row]))
    held = result.__dict__
    kept = held["_cells"] if "_cells" in held else held["data"]["values"]
    assert kept is held["_values"]  # the values read are the cells as given: one dict
    assert kept is not row["values"]
    digest = result.data_digest
    row["values"]["a"] = Decimal(20)
    row["values"]["q"] = "达成"
    assert result.data["values"] == {"a": Decimal("8.0"), "q": "部分达成"}
    again = kpiscore.score(iset, {**extra, "values": {"a": Decimal("8.0"), "q": "部分达成"}})
    assert result.to_json().replace('\n  "row": 1,', "") == again.to_json()
    assert result.data_digest == digest
