"""What the scorer asks of an indicator on every row, answered once per set.

``IndicatorScorer.scored`` runs for every indicator of every row whose detail is read.
Which rule function, whether the rule runs formulas, whether the indicator's
own names (weight, actual, target, completion) must be offered to them, the
target's number, whether a % target guards against a percent typed × 100:
none of it depends on the row, so a row reads it from one record per
indicator instead of working it out from the compiled indicator again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from ._rules import RULES, Outcome, RuleInput
from .compiled import CompiledIndicator, IndicatorSet

# Rules that run formulas over the row's names with the indicator's own.
FORMULA_RULES = frozenset({"bands", "deduct", "formula"})
# Rules whose explanation starts with the actual read from the indicator's own cell.
SHOWS_ACTUAL = frozenset({"ratio", "bands", "deduct", "formula"})


class Lane(NamedTuple):
    rule: Callable[[RuleInput], Outcome]
    formulas: bool
    """The rule runs formulas: the evaluator is pointed at the row's names and the
    indicator's own before it runs."""
    own_names: bool
    """Formulas (the rule's or ``reason_required``) read weight, actual, target and
    completion."""
    target: Decimal | None
    percent_guard: bool
    """A % target: a number far above 100% is a percent typed × 100, refused."""
    shows_actual: bool
    own_cell: bool
    """Its actual is its own cell, it always applies, and it is not scored by hand:
    a plain row's number goes straight to the rule."""


def lane_of(ind: CompiledIndicator) -> Lane:
    formulas = ind.rule in FORMULA_RULES
    target = ind.target
    return Lane(
        rule=RULES[ind.rule](ind),
        formulas=formulas,
        own_names=formulas or ind.reason_required is not None,
        target=target.value if target is not None else None,
        percent_guard=target is not None and target.percent,
        shows_actual=ind.rule in SHOWS_ACTUAL,
        own_cell=ind.actual is None and ind.applies is None and ind.rule != "manual",
    )


@functools.lru_cache(maxsize=64)
def lanes_for(iset: IndicatorSet) -> dict[str, Lane]:
    return {ind.id: lane_of(ind) for ind in iset.indicators}
