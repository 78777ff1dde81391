"""A set's fast-path points as one generated function.

The fast path (``_fast``) scores a plain row by one closure per indicator; for the
commonest indicators — ratio and reverse over the indicator's own cell — the
calls around the arithmetic cost more than the arithmetic. Here the whole row's
points are one function: those indicators written out inline with their target
and weight bound, every other indicator a call to its closure. It computes what
the closures compute, in the same order with the same operations (tests/test_fast.py
holds the fast path to the general one on generated sets and rows).

As with formulas (``_formula_code``), the source is kpiscore's own: each
indicator's id, target and weight reaches it as a bound value under a made-up
name, and it runs with no builtins but ``min``, ``max`` and ``type``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .compiled import CompiledIndicator

# compile() takes ≈ 0.1 ms an indicator (200 ms for 2000) and a row saves ≈ 1 µs an
# inlined indicator: past this many, a set is written out only once it has scored
# WARM_ROWS rows (a batch), and scores its first rows by calling the closures in a loop.
MAX_WRITTEN_OUT = 256
WARM_ROWS = 64

Points = Callable[[dict[str, Any]], Decimal]
"""A plain row's values → the sum of its indicators' scores (each rounded first, or
raw when the set rounds the total only); raises what the closures raise."""


def generated(
    indicators: Sequence[CompiledIndicator],
    raws: Sequence[Callable[[dict[str, Any]], Decimal]],
    quantum: Decimal | None,
    number: Callable[[Any], Decimal],
    off: type[Exception],
) -> Points:
    """``quantum``: each score rounded half-up to it before the sum; None: summed raw."""
    if len(indicators) > MAX_WRITTEN_OUT:
        return Warming(
            _looped(raws, quantum), lambda: _written(indicators, raws, quantum, number, off)
        )
    return _written(indicators, raws, quantum, number, off)


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
    indicators: Sequence[CompiledIndicator],
    raws: Sequence[Callable[[dict[str, Any]], Decimal]],
    quantum: Decimal | None,
    number: Callable[[Any], Decimal],
    off: type[Exception],
) -> Points:
    bound: dict[str, Any] = {
        "__builtins__": {},
        "min": min,
        "max": max,
        "type": type,
        "Decimal": Decimal,
        "ZERO": Decimal(0),
        "Q": quantum,
        "HALF_UP": ROUND_HALF_UP,
        "number": number,
        "Off": off,
    }
    lines = ["def points(values):", "    total = ZERO"]
    for i, (ind, raw) in enumerate(zip(indicators, raws, strict=True)):
        lines.extend(_indicator(i, ind, raw, bound))
        rounded = "s.quantize(Q, HALF_UP)" if quantum is not None else "s"
        lines.append(f"    total += {rounded}")
    lines.append("    return total")
    exec(compile("\n".join(lines), "<kpiscore fast path>", "exec"), bound)
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


def _indicator(
    i: int, ind: CompiledIndicator, raw: Callable[[dict[str, Any]], Decimal], bound: dict[str, Any]
) -> list[str]:
    """The lines that put indicator i's unrounded score in ``s``."""
    inline = _own_cell(ind) and ind.rule in ("ratio", "reverse")
    if not inline:
        bound[f"R{i}"] = raw
        return [f"    s = R{i}(values)"]
    assert ind.target is not None
    assert ind.target.value is not None
    t, w, k = f"T{i}", f"W{i}", f"K{i}"
    bound.update({t: ind.target.value, w: ind.weight, k: ind.id})
    read = [
        f"    a = values.get({k})",
        "    if a is None:",
        "        raise Off",
        "    if type(a) is not Decimal:",
        "        a = number(a)",
    ]
    if ind.rule == "ratio":  # as _fast._ratio
        bound[f"Z{i}"] = ind.zero_below
        below = f"c < Z{i}" if ind.zero_below is not None else None
        full = f"{w} if c >= 1 else max(ZERO, min({w}, {w} * a / {t}))"
        return [*read, f"    c = a / {t}", *_guarded(below, full)]
    bound[f"Z{i}"] = ind.zero_above  # as _fast._reverse
    above = f"{t} > 0 and a / {t} > Z{i}" if ind.zero_above is not None else None
    full = f"{w} if a == 0 or a <= {t} else max(ZERO, min({w}, {w} * {t} / a))"
    return [*read, *_guarded(above, full)]


def _guarded(zero_when: str | None, score: str) -> list[str]:
    """``s = score``, or 0 when the rule's zero condition holds."""
    if zero_when is None:
        return [f"    s = {score}"]
    return [f"    if {zero_when}:", "        s = ZERO", "    else:", f"        s = {score}"]


def _own_cell(ind: CompiledIndicator) -> bool:
    """Scored from its own cell alone: no applies, no actual formula (a % target's check
    on that cell is made by ``Plan.values``, as for the closures)."""
    return ind.applies is None and ind.actual is None
