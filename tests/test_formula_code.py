"""The generated form of a formula: made-up names only, no builtins, one evaluation each.

That it computes what simpleeval computes is held by the property test in
test_formula.py (values and failures alike, on generated formulas and rows).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest

from kpiscore._formula import (
    _FUNCTION_IMPLS,
    _OPERATORS,
    EvalFailure,
    _missing,
    compile_formula,
    evaluate,
)
from kpiscore._formula_code import generated

NAMES = ["budget", "actual", "target", "a", "b", "c"]


def _made_up(name: str) -> bool:
    return name in {"n", "_missing"} or (name[0] in "ckoft" and name[1:].isdigit())


@pytest.mark.parametrize(
    "text",
    [
        "budget * 100 if actual == '达成' else 0",
        "min(actual, target) / budget >= 0.5 and not a",
        "a < b <= c",
        "round(abs(a - 1), 2)",
    ],
)
def test_the_generated_code_names_nothing_of_the_formula_and_has_no_builtins(text):
    fn = compile_formula(text, allowed_names=NAMES).function()
    assert fn is not None
    code = fn.__code__
    assert all(_made_up(n) for n in (*code.co_names, *code.co_varnames)), code.co_names
    # Every constant of the formula (text, numbers) is bound, not written into the source.
    assert not [c for c in code.co_consts if isinstance(c, (str, Decimal))]
    assert fn.__globals__["__builtins__"] == {}


class _Counting(Mapping[str, Any]):
    def __init__(self, values: dict[str, Any]):
        self.values, self.reads = values, dict.fromkeys(values, 0)

    def __getitem__(self, key: str) -> Any:
        self.reads[key] += 1
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def test_a_chained_comparison_reads_its_middle_operand_once_and_stops_at_the_first_false():
    fn = compile_formula("a < b < c", allowed_names=NAMES).function()
    assert fn is not None
    names = _Counting({"a": Decimal(1), "b": Decimal(2), "c": Decimal(3)})
    assert fn(names) is True
    assert names.reads == {"a": 1, "b": 1, "c": 1}
    names = _Counting({"a": Decimal(5), "b": Decimal(2), "c": Decimal(3)})
    assert fn(names) is False
    assert names.reads == {"a": 1, "b": 1, "c": 0}


def test_and_or_return_the_deciding_value_as_simpleeval_does():
    f = compile_formula("a or b", allowed_names=NAMES)
    g = compile_formula("a and b", allowed_names=NAMES)
    zero, two = Decimal(0), Decimal(2)
    assert evaluate(f, {"a": zero, "b": two}) == evaluate(f, {"a": zero, "b": two}, general=True)
    assert evaluate(f, {"a": zero, "b": two}) == two
    assert evaluate(g, {"a": zero, "b": two}) == zero


def test_a_missing_name_fails_as_missing_value_naming_it():
    f = compile_formula("a + budget", allowed_names=NAMES)
    with pytest.raises(EvalFailure) as caught:
        evaluate(f, {"a": Decimal(1)})
    assert (caught.value.code, caught.value.params) == ("missing_value", {"name": "budget"})


def test_a_node_kind_without_a_generated_form_leaves_the_formula_to_simpleeval():
    tree = ast.parse("[a, b]", mode="eval").body
    assert generated(tree, _OPERATORS, _FUNCTION_IMPLS, _missing) is None
    unknown_call = ast.parse("sorted(a)", mode="eval").body
    assert generated(unknown_call, _OPERATORS, _FUNCTION_IMPLS, _missing) is None


@pytest.mark.parametrize(
    "text",
    ["a < b <= c < 10", "(a < b < c) == (b < c <= 10) < 2", "a < b < c and b < c < 10 and a < c"],
)
def test_long_and_nested_chains_are_generated_and_agree_with_simpleeval(text):
    f = compile_formula(text, allowed_names=NAMES)
    assert f.function() is not None  # generated, not left to simpleeval
    for a, b, c in [(1, 2, 3), (1, 3, 2), (3, 2, 1), (1, 2, 12), (2, 2, 2)]:
        names = {"a": Decimal(a), "b": Decimal(b), "c": Decimal(c)}
        assert evaluate(f, names) == evaluate(f, names, general=True), (text, a, b, c)
