"""Hypothesis invariants over the shipped sets and generated sets."""

import contextlib
import copy
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import ROOT

import kpiscore
from kpiscore import ConfigError
from kpiscore.testing import (
    amounts,
    assert_invariants,
    data_for,
    indicator_set_yaml,
    indicator_sets,
)

SETS = {p.stem: kpiscore.load(p) for p in sorted((ROOT / "indicator_sets").glob("*.yaml"))}


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_score_in_bounds_and_total_is_the_sum_of_rounded_scores(name):
    iset = SETS[name]

    @given(data_for(iset, allow_na=True))
    def run(data):
        assert_invariants(iset, kpiscore.score(iset, data))

    run()


RATIO_SET = kpiscore.load(indicator_set_yaml([40, 60], [15, 8]))


@given(amounts(0, 100), amounts(0, 100))
def test_ratio_score_never_decreases_as_the_actual_grows(a, b):
    lo, hi = sorted([a, b])
    s1 = kpiscore.score(RATIO_SET, {"values": {"i0": lo, "i1": lo}})
    s2 = kpiscore.score(RATIO_SET, {"values": {"i0": hi, "i1": hi}})
    assert s1.indicators[0].score <= s2.indicators[0].score
    assert s1.total <= s2.total


REVERSE_SET = kpiscore.load(
    "kpiscore: 1\nid: r\nname: 反向\ncategories:\n  - {id: m, name: 甲, weight: 100}\nindicators:\n"
    "  - {id: d, category: m, name: 天数, weight: 100, target: '<= 2 天'}\n"
)


@given(amounts(0, 100), amounts(0, 100))
def test_reverse_score_never_increases_as_the_actual_grows(a, b):
    lo, hi = sorted([a, b])
    assert (
        kpiscore.score(REVERSE_SET, {"values": {"d": lo}}).total
        >= kpiscore.score(REVERSE_SET, {"values": {"d": hi}}).total
    )


@given(data_for(SETS["mof-project-2020"]), st.randoms())
def test_result_is_independent_of_key_order_and_deterministic(data, rnd):
    iset = SETS["mof-project-2020"]
    items = list(data["values"].items())
    rnd.shuffle(items)
    shuffled = {"manual": data["manual"], "values": dict(items)}
    assert kpiscore.score(iset, data).to_json() == kpiscore.score(iset, shuffled).to_json()


@given(st.lists(st.integers(0, 50), min_size=1, max_size=6), st.data())
def test_generated_sets_load_and_respect_bounds(weights, data):
    targets = data.draw(st.lists(st.integers(1, 100), min_size=len(weights), max_size=len(weights)))
    if sum(weights) == 0:
        with pytest.raises(ConfigError):
            kpiscore.load(indicator_set_yaml(weights, targets))
        return
    iset = kpiscore.load(indicator_set_yaml(weights, targets))
    values = data.draw(data_for(iset))
    result = kpiscore.score(iset, values)
    assert_invariants(iset, result)
    assert result.total == sum((i.score for i in result.indicators), Decimal(0))


YAMLISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.text(max_size=20),
        st.sampled_from(
            ["NO", "yes", "010", "1:30", ".nan", "1e999", "&a x", "*a", "!!python/object x", "<<"]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def _dump(x, indent=0):
    import json

    return json.dumps(x, ensure_ascii=False)


@given(YAMLISH)
def test_load_raises_only_config_error_for_arbitrary_documents(doc):
    for text in (
        _dump(doc) + "\n",
        "kpiscore: 1\nid: t\nname: x\ncategories: []\nindicators: " + _dump(doc) + "\n",
    ):
        try:
            kpiscore.load(text)
        except ConfigError as exc:
            assert exc.issues


@given(st.text(max_size=200))
def test_load_of_arbitrary_text_raises_only_config_error(text):
    with contextlib.suppress(ConfigError):
        kpiscore.load(text + "\n")


@given(
    st.dictionaries(
        st.sampled_from(
            ["budget", "spent", "output_quantity", "satisfaction", "output_quality", "x"]
        ),
        YAMLISH,
    )
)
def test_score_of_arbitrary_values_returns_a_result_or_data_error(values):
    iset = SETS["mof-project-2020"]
    try:
        result = kpiscore.score(iset, {"values": values})
    except kpiscore.DataError:
        return
    assert_invariants(iset, result)


FORMULA_TOKENS = st.sampled_from(
    [
        *("x", "y", "n", "actual", "target", "weight", "completion", "1", "0", "2.5", "1e9"),
        *("(", ")", "+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!="),
        *("and", "or", "not", "if", "else", ",", "'达成'", "True", "None"),
        *("min(", "max(", "round(", "abs(", "clamp(", "avg(", "len(", "sum(", "ceil("),
        *("__class__", ".", "[", "]", "lambda", ":", "=", ";", "f'{x}'", "9" * 40, "４"),
    ]
)
FORMULAS = st.one_of(
    st.lists(FORMULA_TOKENS, min_size=1, max_size=25).map(" ".join),
    st.text(max_size=60),
)
ROW_VALUES = st.dictionaries(
    st.sampled_from(["x", "y", "n"]),
    st.one_of(
        amounts(0, 10**4),
        st.sampled_from(["达成", "n/a", "97.79%", "18个", "", "abc", "1e400", "-0"]),
        st.lists(st.sampled_from(["真实", "完整"]), max_size=2),
        st.none(),
    ),
)


@given(FORMULAS, st.sampled_from(["actual", "score", "applies"]), ROW_VALUES)
def test_any_formula_is_refused_at_load_or_scores_within_bounds(formula, where, values):
    rule = "rule: formula, score: 'weight / 2'" if where != "score" else "rule: formula"
    target = "" if where == "score" else ", target: '>= 10'"
    text = (
        "kpiscore: 1\nid: t\nname: t\ncategories: [{id: main, name: 主, weight: 100}]\n"
        "indicators:\n"
        f"  - {{id: a, category: main, name: 甲, weight: 100{target}, {rule}, "
        f"{where}: {json.dumps(formula)}}}\n"
    )
    if where != "score":
        text = text.replace("rule: formula, score: 'weight / 2'", "rule: ratio")
    try:
        iset = kpiscore.load(text)
    except ConfigError as exc:
        assert exc.issues and all(i.code and i.message for i in exc.issues)
        return
    before = json.dumps(values, sort_keys=True, default=str)
    try:
        result = kpiscore.score(iset, {"values": values})
    except kpiscore.DataError as exc:
        assert exc.issues
        return
    assert json.dumps(values, sort_keys=True, default=str) == before
    assert_invariants(iset, result)
    ind = result.indicators[0]
    assert ind.status in ("scored", "not_applicable", "missing_data", "invalid_data")
    assert ind.explanation


def test_scoring_leaves_the_callers_data_unchanged():
    data = {
        "subject": {"name": "甲", "year": 2022},
        "values": {"budget": Decimal("100"), "spent": "97.5", "output_quality": ["达成"]},
        "reasons": {"execution_rate": "  原因  "},
        "claimed": {"total": 100},
    }
    snapshot = copy.deepcopy(data)
    kpiscore.score(SETS["mof-project-2020"], data)
    list(kpiscore.score_many(SETS["mof-project-2020"], [data, data]))
    assert data == snapshot


@given(indicator_sets(), st.data())
def test_any_generated_set_scores_any_data_within_its_promises(iset, data):
    result = kpiscore.score(iset, data.draw(data_for(iset, allow_na=True)))
    assert_invariants(iset, result)
