"""What a rule did, as data: the trace an explanation is worded from.

Rules compute numbers and record steps; ``_wording`` turns steps into a
sentence in either language, only when someone reads it. Tools read the
same steps (``IndicatorResult.steps``, ``to_dict(steps=True)``) without
parsing prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from ._formula import CompiledFormula
from ._numbers import fmt_plain


class Step(NamedTuple):
    """One step of the arithmetic: ``kind`` names it (its wording key), ``values``
    holds the numbers and names it used."""

    kind: str
    values: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.kind, **{k: jsonable(v) for k, v in self.values.items()}}


class FormulaUse(NamedTuple):
    """A formula as it ran on this row: its values are kept so that it can be shown
    later with each name's label and value, exactly as it was computed."""

    formula: CompiledFormula
    names: Mapping[str, Any]

    @classmethod
    def of(cls, formula: CompiledFormula, env: Mapping[str, Any]) -> FormulaUse:
        return cls(formula, {n: env.get(n) for n in formula.names})


_new = tuple.__new__  # a NamedTuple's own __new__ is a Python function: a step a call less


def step(kind: str, **values: Any) -> Step:
    return _new(Step, (kind, values))


def made(kind: str, values: Mapping[str, Any]) -> Step:
    """``Step(kind, values)`` at the cost of the tuple alone (a row makes five an indicator)."""
    return _new(Step, (kind, values))


def jsonable(v: Any) -> Any:
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, Decimal):
        return fmt_plain(v)
    if isinstance(v, FormulaUse):
        return {
            "formula": v.formula.source,
            "values": {k: jsonable(x) for k, x in sorted(v.names.items())},
        }
    if isinstance(v, (tuple, list)):
        return [jsonable(x) for x in v]
    return str(v)
