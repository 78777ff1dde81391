"""A set's fast-path points as one generated function.

The fast path (``_fast``) scores a plain row by one closure per indicator; for the
commonest indicators the calls around the arithmetic cost more than the
arithmetic. Here the whole row's points are one function: ratio, reverse, level,
bands, deduct and formula indicators written out inline — over their own cell or
an ``actual:`` formula — with their target, weight, level scores and formulas
bound; an indicator with ``applies:`` or another rule is a call to its closure.
Formulas still run through the fast path's runner (``_fast._run``: kpiscore's
checked operators, any failure leaves the row to the general path). It computes
what the closures compute, in the same order with the same operations
(tests/test_fast.py holds the fast path to the general one on generated sets and
rows).

As with formulas (``_formula_code``), the source is kpiscore's own: each
indicator's id, target and weight reaches it as a bound value under a made-up
name, and it runs with no builtins but the six it reads (``min``, ``max``, ``type``,
``isinstance``, ``abs``, ``str``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from ._codegen import code_of
from ._indicators import ACTUAL_NAMES, PERCENT_SANE
from ._lanes import FORMULA_RULES
from ._rules import NEEDS_ACTUAL
from .compiled import CompiledIndicator

# compile() takes ≈ 0.1 ms an indicator (200 ms for 2000) and a row saves ≈ 1 µs an
# inlined indicator: past this many, a set is written out only once it has scored
# WARM_ROWS rows (a batch), and scores its first rows by calling the closures in a loop.
MAX_WRITTEN_OUT = 256
WARM_ROWS = 64

Points = Callable[[dict[str, Any]], Decimal]
"""A plain row's values → the sum of its indicators' scores (each rounded first, or
raw when the set rounds the total only); raises what the closures raise."""


class Hooks(NamedTuple):
    """What the generated function calls: the fast path's own pieces."""

    raws: Sequence[Callable[[dict[str, Any]], Decimal]]  # each indicator's closure
    levels: Sequence[Mapping[str, Decimal] | None]  # a level indicator's word → top of band
    number: Callable[[Any], Decimal]  # a rule's number, or Off
    run: Callable[[Any, Mapping[str, Any]], Any]  # a formula on names, or Off
    off: type[Exception]


def generated(
    indicators: Sequence[CompiledIndicator], hooks: Hooks, quantum: Decimal | None
) -> Points:
    """``quantum``: each score rounded half-up to it before the sum; None: summed raw."""
    if len(indicators) > MAX_WRITTEN_OUT:
        return Warming(_looped(hooks.raws, quantum), lambda: _written(indicators, hooks, quantum))
    return _written(indicators, hooks, quantum)


class Warming:
    """A large set's points: the closures in a loop for its first WARM_ROWS rows, then
    the written-out function (a set scored once never pays for compiling it)."""

    def __init__(self, looped: Points, write: Callable[[], Points]):
        self.fn = looped
        self.write = write
        self.rows = 0

    def __call__(self, values: dict[str, Any]) -> Decimal:
        if self.rows <= WARM_ROWS:  # a race only counts a row twice or writes it twice
            self.rows += 1
            if self.rows > WARM_ROWS:
                self.fn = self.write()
        return self.fn(values)


def _written(
    indicators: Sequence[CompiledIndicator], hooks: Hooks, quantum: Decimal | None
) -> Points:
    bound: dict[str, Any] = {
        "__builtins__": {},
        "min": min,
        "max": max,
        "type": type,
        "isinstance": isinstance,
        "abs": abs,
        "str": str,
        "Decimal": Decimal,
        "ZERO": Decimal(0),
        "ONE": Decimal(1),
        "PERCENT_SANE": PERCENT_SANE,  # the general path refuses a % actual past it
        "Q": quantum,
        "HALF_UP": ROUND_HALF_UP,
        "number": hooks.number,
        "run": hooks.run,
        "Off": hooks.off,
    }
    lines = ["def points(values):", "    total = ZERO"]
    for i, ind in enumerate(indicators):
        lines.extend(_indicator(i, ind, hooks, bound))
        rounded = "s.quantize(Q, HALF_UP)" if quantum is not None else "s"
        lines.append(f"    total += {rounded}")
    lines.append("    return total")
    exec(code_of("\n".join(lines), "<kpiscore fast path>"), bound)
    made: Points = bound["points"]
    return made


def _looped(raws: Sequence[Callable[[dict[str, Any]], Decimal]], quantum: Decimal | None) -> Points:
    """The same points by calling each closure in turn (a very large set)."""
    zero = Decimal(0)

    def points(values: dict[str, Any]) -> Decimal:
        total = zero
        if quantum is None:
            for raw in raws:
                total += raw(values)
        else:
            for raw in raws:
                total += raw(values).quantize(quantum, ROUND_HALF_UP)
        return total

    return points


def _indicator(i: int, ind: CompiledIndicator, hooks: Hooks, bound: dict[str, Any]) -> list[str]:
    """The lines that put indicator i's unrounded score in ``s``: written out for the
    common rules over their own cell or an ``actual:`` formula, else a call to its closure."""
    raw = hooks.raws[i]
    if ind.applies is not None or ind.rule not in _INLINE:
        bound[f"R{i}"] = raw
        return [f"    s = R{i}(values)"]
    k, w = f"K{i}", f"W{i}"
    bound.update({k: ind.id, w: ind.weight})
    lines = _actual(i, ind, bound)
    if ind.rule == "qualitative":
        bound[f"L{i}"] = hooks.levels[i]
        return [*lines, *_qualitative(i)]
    t = f"T{i}"
    bound[t] = ind.target.value if ind.target is not None else None
    if ind.rule in FORMULA_RULES:
        return [
            *lines,
            *_names(i, ind, checked=ind.actual is not None or needs_actual(ind)),
            *_formula_rule(i, ind, bound),
        ]
    lines += ["    if type(a) is not Decimal:", "        a = number(a)"]
    if ind.rule == "ratio":  # as _fast._ratio
        bound[f"Z{i}"] = ind.zero_below
        below = f"c < Z{i}" if ind.zero_below is not None else None
        full = f"{w} if c >= 1 else max(ZERO, min({w}, {w} * a / {t}))"
        return [*lines, f"    c = a / {t}", *_guarded(below, full)]
    bound[f"Z{i}"] = ind.zero_above  # as _fast._reverse
    above = f"{t} > 0 and a / {t} > Z{i}" if ind.zero_above is not None else None
    full = f"{w} if a == 0 or a <= {t} else max(ZERO, min({w}, {w} * {t} / a))"
    return [*lines, *_guarded(above, full)]


# Rules written out here (as _fast's closures compute them); the rest are called.
_INLINE = frozenset({"ratio", "reverse", "qualitative", "bands", "deduct", "formula"})


def _actual(i: int, ind: CompiledIndicator, bound: dict[str, Any]) -> list[str]:
    """``a``: the actual as ``_fast._raw`` and ``_general_raw`` read it — an ``actual:``
    formula run on the row (a % one far above 100% refused), else the own cell."""
    if ind.actual is not None:
        bound[f"A{i}"] = ind.actual
        lines = [f"    a = run(A{i}, values)"]
        if ind.target is not None and ind.target.percent:
            lines += [
                "    if isinstance(a, Decimal) and abs(a) > PERCENT_SANE:",
                "        raise Off",
            ]
        return lines
    lines = [f"    a = values.get(K{i})"]
    if ind.rule not in FORMULA_RULES or needs_actual(ind):
        lines += ["    if a is None:", "        raise Off"]
    return lines  # an own cell's % was checked with the row's values


def _qualitative(i: int) -> list[str]:
    """As ``_fast._qualitative``: a plain level word's top of band, or a rate in [0, 1]."""
    return [
        "    if isinstance(a, str):",
        f"        s = L{i}.get(a)",
        "        if s is None:",
        "            raise Off",
        "    elif isinstance(a, Decimal) and ZERO <= a <= ONE:",
        f"        s = W{i} * a",
        "    else:",
        "        raise Off",
    ]


def _names(i: int, ind: CompiledIndicator, checked: bool) -> list[str]:
    """``n``: what a formula rule reads — the row's names with the indicator's own, as
    ``_fast._general_raw`` adds them (``checked``: the actual is known not to be None)."""
    lines = [f"    n = {{**values, 'weight': W{i}}}"]
    lines += (
        ["    n['actual'] = a"] if checked else ["    if a is not None:", "        n['actual'] = a"]
    )
    if ind.target is not None and ind.target.value is not None:
        lines += [
            f"    n['target'] = T{i}",
            f"    if isinstance(a, Decimal) and T{i} != 0:",
            f"        n['completion'] = a / T{i}",
        ]
    return lines


def _formula_rule(i: int, ind: CompiledIndicator, bound: dict[str, Any]) -> list[str]:
    """bands, deduct and formula as ``_fast``'s closures compute them, over ``n``."""
    w = f"W{i}"
    if ind.rule == "formula":
        bound[f"F{i}"] = ind.score
        return [f"    s = max(ZERO, min({w}, number(run(F{i}, n))))"]
    if ind.rule == "deduct":
        bound.update({f"C{i}": ind.count, f"P{i}": ind.per})
        return [
            f"    c = number(run(C{i}, n))",
            f"    s = max(ZERO, min({w}, {w} - P{i} * max(c, ZERO)))",
        ]
    lines: list[str] = []
    for j, band in enumerate(ind.bands):  # the first band whose condition holds
        score = f"B{i}_{j}"
        bound[score] = band.score
        if not isinstance(band.score, Decimal):
            score = f"number(run({score}, n))"
        if band.when is None:  # holds always: the last one looked at
            body = f"s = max(ZERO, min({w}, {score}))"
            return [*lines, "    else:", "        " + body] if lines else ["    " + body]
        bound[f"C{i}_{j}"] = band.when
        lines += [
            f"    {'elif' if lines else 'if'} run(C{i}_{j}, n):",
            f"        s = max(ZERO, min({w}, {score}))",
        ]
    return [*lines, "    else:", "        s = ZERO"]


def _guarded(zero_when: str | None, score: str) -> list[str]:
    """``s = score``, or 0 when the rule's zero condition holds."""
    if zero_when is None:
        return [f"    s = {score}"]
    return [f"    if {zero_when}:", "        s = ZERO", "    else:", f"        s = {score}"]


def needs_actual(ind: CompiledIndicator) -> bool:
    """Whether the rule cannot score without an actual (as ``_fast._general_raw`` asks)."""
    return ind.rule in NEEDS_ACTUAL or bool(ind.rule_names() & ACTUAL_NAMES)
