"""Reading the values real tables contain: what is read, with which unit, and what is assumed."""

from decimal import Decimal

import pytest
from tests.conftest import ROOT

import kpiscore
from kpiscore._data import NA, read_value


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
