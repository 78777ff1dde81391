"""Decimal helpers: one rounding rule (四舍五入, half-up) and one arithmetic context."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

# Every score is computed under this context: enough digits that nothing is
# lost before the single rounding, and traps so that nothing silently becomes
# NaN or Infinity.
CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_UP,
    Emax=999,
    Emin=-999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round the way a Chinese form does (2.675 → 2.68, 8.5 → 9), never half-even."""
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP, context=CONTEXT)


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))
