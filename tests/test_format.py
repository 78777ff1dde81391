"""The checks of single values that both readers of a set use (``_format``).

Both readers share these checks, so the property test that holds the readers
to each other cannot see a check that is wrong: each check is held here to
what it accepts, what it makes of it, and the issue code and details of what
it refuses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kpiscore import _format as f
from kpiscore import _records

D = Decimal

ACCEPTED: list[tuple[Any, Any, Any]] = [
    (f.check_number, D("1.50"), D("1.50")),
    (f.check_number, 3, D(3)),
    (f.check_number, 0.1, D("0.1")),
    (f.check_number, D(0), D(0)),
    (f.check_number, D("-0E+20"), D("-0E+20")),  # zero, however written, is sane
    (f.check_number, D("999999999999999"), D("999999999999999")),
    (f.check_number, D("-999999999999999.5"), D("-999999999999999.5")),
    (f.check_number, D("0." + "1" * 30), D("0." + "1" * 30)),  # 30 digits: the limit
    (f.check_int, 2, 2),
    (f.check_int, D("2.0"), 2),
    (f.check_text, "产出", "产出"),
    (f.check_text, " x ", " x "),
    (f.check_text, "x" * 500, "x" * 500),
    (f.check_id, "a_1-b", "a_1-b"),
    (f.check_id, "a" * 100, "a" * 100),
    (f.check_formula, True, "True"),
    (f.check_formula, False, "False"),
    (f.check_formula, D("2.50"), "2.50"),
    (f.check_formula, "a + b", "a + b"),
    (f.check_formula, "x" * 100_000, "x" * 100_000),
    (f.check_optional_formula, "a > 1", "a > 1"),
    (f.check_optional_formula, False, "False"),
    (f.check_bool, True, True),
    (f.check_bool, False, False),
    (f.check_rule, "ratio", "ratio"),
    (f.check_operator, "≥", "≥"),
    (f.check_input_type, "percent", "percent"),
    (f.check_kind, "department", "department"),
    (f.check_rounding, "total", "total"),
    (f.check_version, 1, 1),
    (f.check_version, D(1), 1),
    (f.check_version, D("1.0"), 1),
]

REFUSED: list[tuple[Any, Any, str, dict[str, Any]]] = [
    (f.check_number, True, "wrong_type", {"expected": "number"}),
    (f.check_number, "1", "wrong_type", {"expected": "number"}),
    (f.check_number, None, "wrong_type", {"expected": "number"}),
    (f.check_number, D("NaN"), "not_finite", {"value": "NaN"}),
    (f.check_number, float("inf"), "not_finite", {"value": "Infinity"}),
    (
        f.check_number,
        D("1e15"),
        "number_too_large",
        {"value": "1E+15", "limit": "1e15", "digits": 30},
    ),
    (
        f.check_number,
        D("-1000000000000000.5"),
        "number_too_large",
        {"value": "-1000000000000000.5", "limit": "1e15", "digits": 30},
    ),
    (
        f.check_number,
        D("0." + "1" * 31),
        "number_too_large",
        {"value": "0." + "1" * 31, "limit": "1e15", "digits": 30},
    ),
    (f.check_int, D("2.5"), "wrong_type", {"expected": "integer"}),
    (f.check_int, True, "wrong_type", {"expected": "number"}),
    (f.check_text, 5, "wrong_type", {"expected": "text"}),
    (f.check_text, "", "empty_text", {}),
    (f.check_text, " \t", "empty_text", {}),
    (f.check_text, "x" * 501, "text_too_long", {"length": 501, "limit": 500}),
    (f.check_text, "a\x00b", "unsafe_text", {}),
    (f.check_id, "Output", "bad_id", {"value": "Output"}),
    (f.check_id, "a b", "bad_id", {"value": "a b"}),
    (f.check_id, "a" * 101, "text_too_long", {"length": 101, "limit": 100}),
    (f.check_formula, 5, "wrong_type", {"expected": "formula"}),
    (f.check_formula, None, "wrong_type", {"expected": "formula"}),
    (f.check_formula, D("Infinity"), "not_finite", {"value": "Infinity"}),
    (f.check_formula, "  ", "empty_text", {}),
    (f.check_formula, "x" * 100_001, "text_too_long", {"length": 100_001, "limit": 100_000}),
    (f.check_optional_formula, None, "formula_null", {}),
    (f.check_bool, 1, "wrong_type", {"expected": "bool"}),
    (f.check_bool, "true", "wrong_type", {"expected": "bool"}),
    (f.check_rule, "Ratio", "invalid_choice", {"value": "Ratio", "allowed": list(f.RULES)}),
    (f.check_rule, 5, "wrong_type", {"expected": "text"}),
    (
        f.check_operator,
        "=>",
        "invalid_choice",
        {"value": "=>", "allowed": list(f.WRITTEN_OPERATORS)},
    ),
    (
        f.check_kind,
        "projects",
        "invalid_choice",
        {"value": "projects", "allowed": ["project", "department"]},
    ),
    (
        f.check_rounding,
        "row",
        "invalid_choice",
        {"value": "row", "allowed": ["indicator", "total"]},
    ),
    (f.check_input_type, "int", "invalid_choice", {"value": "int", "allowed": list(f.INPUT_TYPES)}),
    (f.check_version, True, "bad_version", {"value": "True"}),
    (f.check_version, D(2), "bad_version", {"value": "2"}),
    (f.check_version, "1", "bad_version", {"value": "1"}),
    (f.check_version, D("NaN"), "bad_version", {"value": "NaN"}),
    (f.check_version, 2.0, "bad_version", {"value": "2.0"}),
    (f.check_version, None, "bad_version", {"value": "None"}),
]


@pytest.mark.parametrize(("check", "given", "made"), ACCEPTED)
def test_a_check_gives_back_the_value_as_the_set_means_it(check, given, made):
    got = check(given)
    assert got == made
    assert type(got) is type(made)
    assert repr(got) == repr(made)  # a Decimal keeps the places it was written with


@pytest.mark.parametrize(("check", "given", "code", "ctx"), REFUSED)
def test_a_check_refuses_with_the_issue_code_and_its_details(check, given, code, ctx):
    with pytest.raises(f.Refused) as refused:
        check(given)
    assert refused.value.code == code
    assert refused.value.ctx == ctx
    assert str(refused.value) == code


def test_a_long_value_is_shortened_in_a_message_but_never_below_forty_characters():
    forty = "x" * 40
    with pytest.raises(f.Refused) as refused:
        f.check_rule(forty)
    assert refused.value.ctx["value"] == forty
    long = "a" * 20 + "b" * 13 + "c" * 8  # 41 characters
    with pytest.raises(f.Refused) as refused:
        f.check_rule(long)
    assert refused.value.ctx["value"] == "a" * 20 + "…" + "c" * 8


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (D(1), True),
        (1, True),
        (1.5, True),
        (True, False),
        (False, False),
        ("1", False),
        (None, False),
    ],
)
def test_a_band_score_is_a_number_only_when_written_as_one(value, number):
    assert f.band_score_is_number(value) is number


@pytest.mark.parametrize(
    ("value", "mapping"), [({}, True), ({"op": ">="}, True), (">= 1", False), ([], False)]
)
def test_a_target_is_a_mapping_only_when_written_as_one(value, mapping):
    assert f.target_is_mapping(value) is mapping


def test_every_rule_s_parameters_are_known_and_the_required_ones_among_them():
    assert set(f.RULE_PARAMETERS) == set(f.RULES)
    assert set(_records.Indicator.names()) >= f.ALL_RULE_PARAMETERS  # each is a key
    for rule, needed in f.REQUIRED_PARAMETERS.items():
        assert set(needed) <= f.RULE_PARAMETERS[rule]
