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
