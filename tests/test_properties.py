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
        assert_invariants(iset, kpiscore.score(iset, data), data)

    run()


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_claimed_score_that_differs_is_a_discrepancy_and_no_other(name):
    iset = SETS[name]

    @given(data_for(iset, allow_na=True, claimed=True))
    def run(data):
        assert_invariants(iset, kpiscore.score(iset, data), data)

    run()


def test_the_claims_invariant_catches_a_discrepancy_left_out():
    iset = SETS["mof-project-2020"]
    data = {"values": {"budget": 100, "spent": 90}, "claimed": {"execution_rate": "10分"}}
    result = kpiscore.score(iset, data)
    assert_invariants(iset, result, data)
    result.__dict__["discrepancies"] = ()  # as if the 10 claimed for 9.00 went unreported
    with pytest.raises(AssertionError, match="not reported"):
        assert_invariants(iset, result, data)


RATIO_SET = kpiscore.loads(indicator_set_yaml([40, 60], [15, 8]))


@given(amounts(0, 100), amounts(0, 100))
def test_ratio_score_never_decreases_as_the_actual_grows(a, b):
    lo, hi = sorted([a, b])
    s1 = kpiscore.score(RATIO_SET, {"values": {"i0": lo, "i1": lo}})
    s2 = kpiscore.score(RATIO_SET, {"values": {"i0": hi, "i1": hi}})
    assert s1.indicators[0].score <= s2.indicators[0].score
    assert s1.total <= s2.total


REVERSE_SET = kpiscore.loads(
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
            kpiscore.loads(indicator_set_yaml(weights, targets))
        return
    iset = kpiscore.loads(indicator_set_yaml(weights, targets))
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
            kpiscore.loads(text)
        except ConfigError as exc:
            assert exc.issues


@given(st.text(max_size=200))
def test_load_of_arbitrary_text_raises_only_config_error(text):
    with contextlib.suppress(ConfigError):
        kpiscore.loads(text + "\n")


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
        iset = kpiscore.loads(text)
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


# --- a value is scored only as it was written ----------------------------------

JUNK = ["O", "o", "-", "?", "#", "x", "l", "）", "..", "~"]
UNITS = ["个", "次", "天", "人", "元", "万元", "亿元"]
MULTIPLIERS = ["万", "亿", "千"]
TARGETS = [">= 100", ">= 90%", ">= 15 个", ">= 100 万元", "<= 2 天", ">= 1000 元"]
FACTORS = {"万元": Decimal(10) ** 4, "亿元": Decimal(10) ** 8, "元": Decimal(1)}


@st.composite
def cells(draw):
    number = draw(st.decimals(min_value=-(10**6), max_value=10**6, places=draw(st.integers(0, 4))))
    text = format(number, "f")
    if draw(st.booleans()) and abs(number) >= 1000 and number == number.to_integral_value():
        text = f"{int(number):,}"
    suffix = draw(st.sampled_from(["", "", "%", *UNITS, *JUNK, *MULTIPLIERS]))
    prefix = draw(st.sampled_from(["", "", "约", "≥", " "]))
    return prefix + text + suffix, number, suffix


def _one(target):
    return kpiscore.loads(
        "kpiscore: 1\nid: t\nname: 测试\nfull_score: 10\ncategories:\n"
        "  - {id: main, name: 主要指标, weight: 10}\nindicators:\n"
        f"  - {{id: a, category: main, name: 甲, weight: 10, target: '{target}'}}\n"
    )


ONE = {t: _one(t) for t in TARGETS}


@given(st.sampled_from(TARGETS), cells())
def test_a_cell_is_scored_only_as_written_else_named_with_the_cell(target, cell):
    text, number, suffix = cell
    result = kpiscore.score(ONE[target], {"values": {"a": text}})
    ind = result.indicators[0]
    if ind.status == "scored":
        assert suffix not in JUNK and suffix not in MULTIPLIERS, (text, ind.actual)
        assert isinstance(ind.actual, Decimal)
        if suffix == "%":
            assert ind.actual * 100 == number
        elif suffix in FACTORS and target.endswith(("万元", "元")) and suffix != target.split()[-1]:
            # converted exactly into the target's unit, and the warning says so
            assert ind.actual * FACTORS[target.split()[-1]] == number * FACTORS[suffix]
            assert any(text.strip() in w and "读取" in w for w in result.warnings)
        else:
            assert ind.actual == number
    else:
        assert ind.status == "invalid_data", (text, ind.status)
        assert ind.score == 0 and not result.complete
        quoted = [w for w in result.warnings if w.startswith("甲（a）")]
        assert quoted and text.strip() in quoted[0], (text, quoted)


def _foreign_values():
    """What a pandas pipeline or a web service may hand over, exotic types included."""
    import fractions

    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.fractions(),
        st.sampled_from(
            [
                np.int64(12),
                np.int32(-3),
                np.float64("nan"),
                np.float32(0.1),
                np.True_,
                pd.NA,
                pd.NaT,
                complex(1, 2),
                b"12",
                object(),
                fractions.Fraction(1, 3),
                "\ud800",
                "1e99999999999999999999",
            ]
        ),
    )
    return st.recursive(
        scalars,
        lambda kids: st.one_of(
            st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=5), kids, max_size=3)
        ),
        max_leaves=8,
    )


@given(st.data())
def test_score_of_any_python_value_returns_a_result_or_raises_only_data_error(data):
    iset = SETS["mof-project-2020"]
    names = ["budget", "spent", "output_quantity", "satisfaction", "output_quality", "cost_control"]
    values = data.draw(st.dictionaries(st.sampled_from(names), _foreign_values()))
    claimed = data.draw(
        st.dictionaries(st.sampled_from(["total", "execution_rate"]), _foreign_values(), max_size=2)
    )
    try:
        result = kpiscore.score(iset, {"values": values, "claimed": claimed})
    except kpiscore.DataError as exc:
        assert exc.issues
        return
    assert_invariants(iset, result)
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_data_for_reaches_the_names_formulas_read_in_a_set_without_inputs():
    from hypothesis import find

    iset = kpiscore.loads(
        "kpiscore: 1\nid: t\nname: t\ncategories:\n  - {id: m, name: 主, weight: 100}\n"
        "indicators:\n  - {id: rate, category: m, name: 执行率, weight: 100, actual: spent / budget, target: '>= 100%'}\n"
    )
    assert iset.inputs is None
    example = find(data_for(iset), lambda d: True)
    assert {"spent", "budget"} <= set(example["values"])
    # and the messy examples are there too: a blank, a cell that is no value, numpy
    find(data_for(iset), lambda d: d["values"]["spent"] is None)
    find(data_for(iset), lambda d: d["values"]["spent"] == "正在推进")
    find(data_for(iset), lambda d: type(d["values"]["budget"]).__module__ == "numpy")
    scored = find(
        data_for(iset), lambda d: kpiscore.score(iset, d).indicators[0].status == "scored"
    )
    assert_invariants(iset, kpiscore.score(iset, scored), scored)
