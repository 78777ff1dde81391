"""Reading the values real tables contain: what is read, with which unit, and what is assumed."""

import datetime
import hashlib
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import ROOT

import kpiscore
from kpiscore._data import (
    _CANONICAL_JSON,
    NA,
    ReadValue,
    _canonical,
    _canonical_text,
    canonical_general,
    digest_of,
    read_value,
)


@pytest.mark.parametrize(
    ("raw", "value", "unit", "assumed"),
    [
        ("97.79%", Decimal("0.9779"), "%", False),
        ("９７．７９％", Decimal("0.9779"), "%", False),
        ("1,104.87万元", Decimal("1104.87"), "万元", False),
        ("18个", Decimal("18"), "个", False),
        ("１８", Decimal("18"), None, False),
        ("≥266米", Decimal("266"), "米", True),
        ("266米以上", Decimal("266"), "米", True),
        ("约18个", Decimal("18"), "个", True),
        ("20余份", Decimal("20"), "份", True),
        ("50多家", Decimal("50"), "家", True),
        ("100%以上", Decimal("1"), "%", True),
        ("不少于90%", Decimal("0.9"), "%", True),
        ("1.6天左右", Decimal("1.6"), "天", True),
    ],
)
def test_numbers_are_read_with_their_unit_and_any_assumption_flagged(raw, value, unit, assumed):
    rv = read_value(raw)
    assert (rv.value, rv.unit, rv.restated) == (value, unit, assumed)
    assert (rv.raw == raw) is assumed


@pytest.mark.parametrize("raw", ["97.79%元", "约", "五", "1_000", "0x10", "95%-100%", "(5)"])
def test_what_cannot_be_read_safely_stays_text(raw):
    rv = read_value(raw)
    assert isinstance(rv.value, str) and rv.problem is None


@pytest.mark.parametrize("raw", ["n/a", "N/A", "不适用", "不涉及"])
def test_not_applicable_words(raw):
    assert read_value(raw).value is NA


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity"])
def test_non_finite_numbers_are_problems(raw):
    assert read_value(raw).problem.code == "value_not_finite"


def test_an_estimate_is_scored_as_its_number_and_the_assumption_is_said_twice():
    iset = kpiscore.load(ROOT / "indicator_sets" / "mof-project-2020.yaml")
    r = kpiscore.score(
        iset, {"values": {"budget": "约1130万元", "spent": 1104.87, "output_quantity": "12个以上"}}
    )
    ind = r.indicator("output_quantity")
    assert ind.score == Decimal("20.00")
    assert "原文“12个以上”" in ind.explanation
    assert any("'12个以上' 不是确切的完成值" in w for w in r.warnings)
    assert any(w.startswith("budget：'约1130万元'") for w in r.warnings)


@pytest.mark.parametrize(
    ("text", "words", "line"),
    [
        ('{"values": {"a": 1,}}', "最后一项后面不能有逗号", 1),
        ('{"values":\n  {"a": 1 "b": 2}}', "缺少逗号", 2),
        ('{"values": {"a": NaN}}', "NaN 不是有限的数字", None),
        ('{"values": {"a": 1, "a": 2}}', "键 'a' 重复", None),
    ],
)
def test_broken_json_is_explained_in_chinese_with_its_line(tmp_path, text, words, line):
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(ROOT / "indicator_sets" / "mof-project-2020.yaml", path)
    [issue] = info.value.issues
    assert issue.code == "bad_json" and words in issue.message and issue.line == line


def test_duplicate_csv_columns_are_named_in_chinese(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("subject,a,a\n甲,1,2\n", encoding="utf-8")
    with pytest.raises(kpiscore.DataError) as info:
        list(kpiscore.score_many(ROOT / "indicator_sets" / "mof-project-2020.yaml", path))
    assert "表头中有重复的列：a" in info.value.issues[0].message


@pytest.mark.parametrize(
    ("text", "op", "value", "unit"),
    [
        ("不低于90%", ">=", Decimal("0.9"), None),
        ("90%以上", ">=", Decimal("0.9"), None),
        ("3个及以上", ">=", Decimal("3"), "个"),
        ("至少12次", ">=", Decimal("12"), "次"),
        ("不超过5%", "<=", Decimal("0.05"), None),
        ("控制在2天以内", "<=", Decimal("2"), "天"),
        ("≦2天", "<=", Decimal("2"), "天"),
        ("≤10天（含）", "<=", Decimal("10"), "天"),
        ("≤10天（不含）", "<", Decimal("10"), "天"),
        ("高于80分", ">", Decimal("80"), "分"),
        ("≥ 1,000 万元", ">=", Decimal("1000"), "万元"),
    ],
)
def test_targets_written_in_words_as_real_tables_do(text, op, value, unit):
    from kpiscore.compiled import parse_target

    t = parse_target(text)
    assert (t.op, t.value, t.unit, t.text) == (op, value, unit, text)


def test_a_target_without_a_comparison_asks_which_one_was_meant():
    from tests.conftest import make_set

    from kpiscore import check

    [issue] = check(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '100%'}\n")
    )
    assert issue.code == "target_needs_operator"
    assert '">= 100%"' in issue.message and '"= 100%"' in issue.message


# --- values kpiscore cannot read as written are named, never scored ----------


@pytest.mark.parametrize(
    ("raw", "unit"),
    [("1O", "O"), ("12-", "-"), ("12?", "?"), ("3l", "l"), ("7 pcs!", "pcs!")],
)
def test_trailing_text_that_is_no_unit_is_refused(raw, unit):
    rv = read_value(raw)
    assert rv.value is None
    assert rv.problem is not None and rv.problem.code == "value_bad_unit"
    assert rv.problem.params["unit"] == unit


@pytest.mark.parametrize("raw", ["18个", "3 km", "12人次", "5元/人", "2.5万元"])
def test_real_unit_words_are_read(raw):
    rv = read_value(raw)
    assert rv.problem is None and isinstance(rv.value, Decimal)


def test_negative_zero_is_read_as_zero():
    assert str(read_value("-0.0个").value) == "0.0"
    assert str(read_value("-0").value) == "0"


def _score(set_text: str, values: dict):
    return kpiscore.score(kpiscore.loads(set_text), {"values": values})


def _one_set(target: str, extra: str = "", actual: str = "") -> str:
    a = f", actual: '{actual}'" if actual else ""
    return (
        "kpiscore: 1\nid: t\nname: 测试\n" + extra + "categories:\n"
        "  - {id: main, name: 主要指标, weight: 10}\nfull_score: 10\nindicators:\n"
        f"  - {{id: a, category: main, name: 甲, weight: 10, target: '{target}'{a}}}\n"
    )


@pytest.mark.parametrize("cell", ["12万", "1.2亿", "3千"])
def test_an_order_of_magnitude_nobody_declared_is_refused(cell):
    r = _score(_one_set(">= 10"), {"a": cell}).indicators[0]
    assert r.status == "invalid_data" and r.score == 0
    assert cell in r.problem and "万元" in r.problem  # names the cell and the fix


def test_an_order_of_magnitude_is_converted_exactly_to_the_declared_unit():
    r = _score(_one_set(">= 10000 万元"), {"a": "1.2亿元"})
    ind = r.indicators[0]
    assert ind.status == "scored" and ind.actual == Decimal(12000) and ind.score == 10
    assert any("'1.2亿元' 按 12000万元 读取" in w for w in r.warnings)
    # and the other way: 5000 元 against a target in 万元 is 0.5 万元
    half = _score(_one_set(">= 1 万元"), {"a": "5000元"}).indicators[0]
    assert half.actual == Decimal("0.5") and half.score == 5


def test_a_percent_value_against_a_target_without_percent_is_invalid():
    r = _score(_one_set(">= 90"), {"a": "95%"}).indicators[0]
    assert r.status == "invalid_data" and r.score == 0
    assert "'95%'" in r.problem and "'>= 90'" in r.problem and "—" not in r.problem


def test_a_percent_value_for_an_input_declared_without_percent_names_the_input():
    inputs = "inputs:\n  rate: {name: 满意率, unit: 分}\n  n: {name: 人数}\n"
    r = _score(_one_set(">= 90", extra=inputs, actual="n"), {"n": "95%"}).indicators[0]
    assert r.status == "invalid_data" and "—" not in r.problem and "'n'" in r.problem


def test_a_percent_value_read_through_a_bare_name_formula_is_checked_against_the_target():
    r = _score(_one_set(">= 90", actual="rate"), {"rate": "95%"}).indicators[0]
    assert r.status == "invalid_data" and "'>= 90'" in r.problem


def test_a_percent_target_with_an_absurd_actual_is_invalid_not_full_marks():
    r = _score(_one_set(">= 100%", actual="x / y"), {"x": 50, "y": 1}).indicators[0]
    assert r.status == "invalid_data" and r.score == 0 and "5000%" in r.problem
    fine = _score(_one_set(">= 100%", actual="x / y"), {"x": 9, "y": 1}).indicators[0]
    assert fine.status == "scored" and fine.score == 10  # 900% is odd, but possible


def test_a_formula_times_100_against_a_percent_target_is_a_load_error():
    for formula in ("spent / budget * 100", "100 * spent / budget", "spent * 100 / budget"):
        issues = kpiscore.check(_one_set(">= 100%", actual=formula))
        assert [i.code for i in issues] == ["percent_times_100"], formula
        assert "* 100" in issues[0].message and issues[0].path == ("indicators", 0, "actual")
    assert kpiscore.check(_one_set(">= 100", actual="spent / budget * 100")) == []


# --- numbers from numpy and pandas are read exactly ----------------------------


def test_numpy_numbers_read_exactly():
    np = pytest.importorskip("numpy")
    for raw, expected in [
        (np.int64(18), Decimal(18)),
        (np.int32(7), Decimal(7)),
        (np.float64(1104.87), Decimal("1104.87")),
        (np.float32(0.1), Decimal("0.1")),
        (np.True_, True),
    ]:
        assert read_value(raw).value == expected, raw
    assert read_value(np.float64("nan")).value is None


def test_pandas_blanks_are_missing_not_invalid():
    pd = pytest.importorskip("pandas")
    for blank in (pd.NA, pd.NaT, float("nan"), None):
        assert read_value(blank).value is None and read_value(blank).problem is None


def test_a_dataframe_row_of_numpy_values_scores_like_python_numbers():
    np = pytest.importorskip("numpy")
    iset = kpiscore.loads(_one_set(">= 15 个"))
    for v in (np.int64(12), np.int32(12), np.float64(12.0)):
        r = kpiscore.score(iset, {"values": {"a": v}})
        assert r.indicators[0].status == "scored" and r.total == 8, type(v)
    assert (
        kpiscore.score(iset, {"values": {"a": np.int64(12)}}).data_digest
        != kpiscore.score(iset, {"values": {"a": np.int64(13)}}).data_digest
    )


def _float64(x: float) -> object:
    """A pandas frame's float cell (numpy's float64, a float subclass), else the float."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a test dependency
        return x
    return np.float64(x)


@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.integers(-(10**40), 10**40),
        st.sampled_from([Decimal("-0"), Decimal("-0.00"), Decimal("1E+20"), Decimal("sNaN")]),
        st.text(max_size=5),
        st.booleans(),
        st.none(),
        st.floats(),
        st.floats().map(_float64),
        st.sampled_from([1e15, -1e15, 999999999999999.9, -0.0, 5e-324]),
    )
)
def test_the_digests_short_way_for_common_cells_gives_the_general_canonical_form(x):
    assert _canonical(x) == canonical_general(x)
    row = {"values": {"a": x}, "subject": {"name": "甲"}}
    assert _canonical(row) == canonical_general(row)


_CELLS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("-0"), Decimal("-0.00"), Decimal("1E+20"), Decimal("sNaN")]),
    st.integers(-(10**30), 10**30),
    st.text(max_size=4),  # lone surrogates, quotes, control characters
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.floats().map(_float64),  # a DataFrame's cells
    st.dates(),
)
_TREES = st.recursive(
    _CELLS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=3), inner, max_size=4)
        | st.dictionaries(st.integers(0, 3) | st.text(max_size=1), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_TREES)
def test_the_digests_direct_text_is_the_canonical_encoders_text_or_nothing(x):
    text = _canonical_text(x)
    if text is not None:
        assert text == _CANONICAL_JSON.encode(_canonical(x))
    want = (
        "sha256:"
        + hashlib.sha256(
            _CANONICAL_JSON.encode(_canonical(x)).encode("utf-8", "surrogatepass")
        ).hexdigest()
    )
    assert digest_of(x) == want


def test_a_plain_rows_digest_is_written_directly():
    row = {"subject": "甲", "values": {"b": Decimal("1.50"), "a": "达成", "c": ["x", 2]}}
    assert _canonical_text(row) == (
        '{"subject":"甲","values":{"a":"达成","b":{"$d":"1.50"},"c":["x",{"$d":"2"}]}}'
    )
    assert _canonical_text({"values": {"a": 1.5}}) == '{"values":{"a":{"$d":"1.5"}}}'
    assert _canonical_text({"values": {"a": 1e20}}) is None  # past read_value's range


def test_a_rows_keys_are_ordered_once_and_a_key_of_another_type_is_still_seen():
    class Label(str):  # a str subclass equal to its text, written another way
        def __str__(self) -> str:
            return "other"

    first = _canonical_text({"b": "1", "a": "2"})
    assert first == '{"a":"2","b":"1"}'
    assert _canonical_text({"b": "3", "a": "4"}) == '{"a":"4","b":"3"}'  # the order kept
    odd = {Label("b"): "1", "a": "2"}
    assert _canonical_text(odd) is None  # the same keys by equality, not by type
    assert _CANONICAL_JSON.encode(_canonical(odd)) == '{"a":"2","other":"1"}'


def test_a_huge_key_set_is_digested_but_never_kept():
    from kpiscore._data import _KEY_ORDERS

    row = {"values": {f"k{i:05d}" + "长" * 40: i for i in range(600)}}
    before = dict(_KEY_ORDERS)
    text = _canonical_text(row)
    assert text is not None and text.startswith('{"values":{"k00000')
    assert tuple(row["values"]) not in _KEY_ORDERS and len(_KEY_ORDERS) <= len(before) + 1


def test_each_date_has_its_own_digest():
    day = datetime.date(2023, 9, 30)
    forms = [day, datetime.date(2023, 10, 1), datetime.datetime(2023, 9, 30, 8), "2023-09-30"]
    digests = {digest_of({"values": {"finish": v}}) for v in forms}
    assert len(digests) == len(forms)  # every date once digested as "a date"
    assert digest_of({"values": {"finish": day}}) == digest_of({"values": {"finish": day}})


@pytest.mark.parametrize("value", [Decimal("1.50"), "达成", ("甲", "乙"), None])
def test_a_plain_read_value_is_the_read_value_the_dataclass_makes(value):
    made = ReadValue.plain(value, written="1.50")
    want = ReadValue(value, written="1.50")
    assert made == want and hash(made) == hash(want)
    assert pickle.loads(pickle.dumps(made)) == want
    with pytest.raises(AttributeError):
        made.value = 2  # type: ignore[misc]


@pytest.mark.parametrize("target", [">= 10 万元", ">= 95%"])
@pytest.mark.parametrize("cell", [True, False])
def test_a_true_or_false_cell_where_an_amount_or_a_rate_belongs_is_named_not_read_as_1_or_0(
    target, cell
):
    r = _score(_one_set(target), {"a": cell}).indicators[0]
    assert r.status == "invalid_data" and r.score == 0
    assert ("TRUE" if cell else "FALSE") in r.problem


def test_a_true_or_false_cell_a_formula_reads_as_a_flag_still_counts_as_1_or_0():
    text = (
        "kpiscore: 1\nid: t\nname: 测试\ncategories:\n"
        "  - {id: main, name: 主要指标, weight: 10}\nfull_score: 10\nindicators:\n"
        "  - {id: a, category: main, name: 甲, weight: 10, rule: formula,"
        " score: 'weight if done else 0'}\n"
    )
    assert _score(text, {"done": True}).total == 10
    assert _score(text, {"done": False}).total == 0


def test_the_longest_plain_number_is_read_and_a_longer_cell_is_never_kept():
    from kpiscore._data import _number_of, plain_number

    unit = "个" * 10
    longest = "-" + "9" * 15 + "." + "9" * 15 + unit
    assert plain_number(longest) == (Decimal(longest[: -len(unit)]), unit)
    _number_of.cache_clear()
    assert plain_number("x" * 10_000) is None and plain_number(longest + "个") is None
    assert _number_of.cache_info().currsize == 0  # a long cell is not held by the cache


@pytest.mark.parametrize(
    ("unit", "plain"),
    [
        ("个", True),
        ("万元", True),
        ("人次", True),
        ("元/人", True),
        ("km", True),
        ("平方米", True),
        ("m2", False),  # a digit: the cell would not read as a number with a unit
        ("个以上", False),  # a bound: read, and said so
        ("余个", False),  # an estimate
        ("ｋｍ", False),  # not in NFKC form: the cell's unit would read as km
        ("%", False),
        (" 个", False),
        ("1O", False),
        ("abc", False),  # no unit word
    ],
)
def test_a_plain_unit_is_read_from_a_number_written_with_it_as_that_number(unit, plain):
    from kpiscore._data import PLAIN_WITH_UNIT, plain_unit

    assert plain_unit(unit) == plain
    if plain:
        cell = f"-12.50{unit}"
        assert PLAIN_WITH_UNIT.match(cell)
        assert read_value(cell) == ReadValue(Decimal("-12.50"), unit=unit, written=cell)


_BARE = __import__("re").compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?\Z")


@given(
    st.text(alphabet="0123456789.-%个万元 ５\n", max_size=20)
    | st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,16})?(%|个|万元|\.|)", fullmatch=True)
)
def test_plain_number_reads_a_bare_number_else_one_with_a_unit_in_one_match(cell):
    # The definition: a bare number first, else the number with its % or unit.
    from kpiscore._data import PLAIN_WITH_UNIT, plain_number

    got = plain_number(cell)
    if _BARE.match(cell):
        want = (Decimal(cell).copy_abs() if Decimal(cell).is_zero() else Decimal(cell), None)
    elif (m := PLAIN_WITH_UNIT.match(cell)) is not None:
        d = Decimal(m[1]).copy_abs() if Decimal(m[1]).is_zero() else Decimal(m[1])
        want = (d / 100 if m[2] == "%" else d, m[2])
    else:
        want = None
    assert got == want
    if got is not None:
        assert str(got[0]) == str(want[0])  # the same digits, not only an equal number


@pytest.mark.parametrize(
    ("cell", "zh", "en"),
    [
        ([1, 2], "一个列表", "a list"),
        ({"a": 1}, "一个映射", "a mapping"),
        ({"level": 3}, "一个映射", "a mapping"),
        (1 + 2j, "complex 类型的值", "a value of type complex"),
    ],
)
def test_a_cell_of_no_readable_kind_is_named_in_the_messages_language(cell, zh, en):
    iset = kpiscore.load("mof-project-2020")
    for lang, words in (("zh", zh), ("en", en)):
        r = kpiscore.score(iset, {"values": {"budget": 100, "spent": cell}}, lang=lang)
        rate = r.indicator("execution_rate")
        assert rate.status == "invalid_data" and rate.problem.endswith(words), rate.problem


@given(
    st.one_of(
        st.from_regex(
            r"\A-?[0-9]{1,17}(\.[0-9]{0,17})?(%|分|个|万元|亿元|元|天|月| 分|分以上|亿|k|\.分|\.)?\Z"
        ),
        st.sampled_from(["-0", "-0.00", "0012", "1e3", " 12", "12 ", "１２", "12.", ".5"]),
        st.text(max_size=12),
        st.floats(),  # NaN, ±inf, -0.0, 1e15 and beyond among them
        st.floats(allow_nan=False).map(_float64),
        st.sampled_from([1e15, -1e15, 999999999999999.9, -0.0, 5e-324]),
    )
)
def test_a_claimed_score_is_read_as_read_value_reads_its_cell(cell):
    from kpiscore._indicators import claimed_number

    rv = read_value(cell)
    want = rv.value if rv.problem is None and isinstance(rv.value, Decimal) else None
    got = claimed_number(cell)
    assert got == want and str(got) == str(want)


def test_a_claimed_text_is_read_once_and_a_long_one_is_never_kept():
    from kpiscore._indicators import _claimed_text, claimed_number

    _claimed_text.cache_clear()
    assert claimed_number("10.00分") == claimed_number("10.00分") == Decimal("10.00")
    assert _claimed_text.cache_info().hits == 1
    long = "12" + " " * 100 + "分"
    before = _claimed_text.cache_info().currsize
    assert claimed_number(long) == claimed_number(long.replace(" " * 100, ""))
    assert _claimed_text.cache_info().currsize == before + 1  # the short one only
