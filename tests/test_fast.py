"""The fast path (``_fast``) against the general path and the reference scorer.

score_many scores a plain row (numbers and level words, nothing missing, n/a or
claimed) to its total in one pass and builds the rest on first read. These
tests generate sets and rows — plain ones, and ones just outside the plain case
— and hold the fast path to the general one on total, grade, completeness and
rescaling before anything else is read, then on the whole JSON.
"""

import os
import pickle
from decimal import Decimal

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from tests import reference
from tests.strategies import LEVELS, _edges, specs, to_yaml

import kpiscore
from kpiscore._evaluate import score_data
from kpiscore._fast import SUPPORTED, plan_for

D = Decimal
FAST_RULES = tuple(sorted(SUPPORTED))
# CI 600; a mutation run (mutmut sets MUTANT_UNDER_TEST) 120, found but not shrunk; locally 150.
EXAMPLES = 600 if os.environ.get("CI") else 120 if os.environ.get("MUTANT_UNDER_TEST") else 150
PHASES = (
    (Phase.explicit, Phase.reuse, Phase.generate)
    if os.environ.get("MUTANT_UNDER_TEST")
    else tuple(Phase)
)
LIGHT = ("total", "grade", "complete", "rescaled", "row", "lang", "indicator_set", "precision")


@st.composite
def plain_value(draw, ind):
    """A value as a plain row holds it — mostly; some are just outside the plain case."""
    if ind.rule == "qualitative":
        v = draw(
            st.one_of(
                st.sampled_from([lv[0] for lv in LEVELS]),
                st.sampled_from([D("0.8"), D("0.6"), D("0.59"), D(1), D(0), D("1.5")]),
            )
        )
    else:
        v = draw(st.sampled_from(_edges(ind)))
    form = draw(st.sampled_from(["decimal", "decimal", "text", "int", "float", "odd"]))
    if not isinstance(v, Decimal) or form == "decimal":
        return v
    if form == "text":
        return format(v, "f")
    if form == "int":
        return int(v) if v == int(v) else v
    if form == "float":
        return float(v)
    return draw(st.sampled_from(["n/a", "", None, "95%", " 12 ", "约12", True, D("NaN")]))


@st.composite
def plain_rows(draw, spec):
    values = {i.id: draw(plain_value(i)) for i in spec.indicators}
    values = {k: v for k, v in values.items() if v is not None}
    if draw(st.booleans()):
        values["violation"] = draw(st.sampled_from([D(0), D(1), 1, "1"]))
    data = {"subject": {"name": "项目", "year": 2022}, "values": values}
    extra = draw(st.sampled_from(["none", "none", "reasons", "claimed", "notes"]))
    if extra == "reasons":
        data["reasons"] = {spec.indicators[0].id: "原因"}
    elif extra == "claimed":
        data["claimed"] = {"total": D(90)}
    elif extra == "notes":
        data["notes"] = "备注"
    return values, data


def _general(iset, data, lang, row):
    return score_data(iset, data, lang=lang, row=row)


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(st.data())
def test_the_fast_path_gives_the_general_paths_result(data):
    spec = data.draw(specs(FAST_RULES))
    iset = kpiscore.loads(to_yaml(spec))
    plan = plan_for(iset)
    assert plan is not None
    values, row = data.draw(plain_rows(spec))
    lang = data.draw(st.sampled_from(["zh", "en"]))
    fast = plan.score(row, 7, lang)
    general = _general(iset, row, lang, 7)
    if fast is None:
        return
    for name in LIGHT:  # read before the detail is built: the fast path's own numbers
        assert getattr(fast, name) == getattr(general, name), (name, values)
    assert fast.to_dict(steps=True) == general.to_dict(steps=True)
    # the fast total is the reference scorer's total for a plain row, too
    want = reference.score(spec, {k: _as_reference(v) for k, v in values.items()}, {})
    if want.total is not None:
        assert fast.total == want.total


def _as_reference(v):
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
    rows = [data.draw(plain_rows(spec))[1] for _ in range(3)]
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
        {"q": "n/a"},
        {"q": "8个"},
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
