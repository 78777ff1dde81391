"""Decimal helpers: one rounding rule (四舍五入, half-up), one arithmetic context, and the text forms of numbers."""

from __future__ import annotations

import threading
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    getcontext,
    setcontext,
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


_THREAD = threading.local()


def entered() -> Context:
    """Make CONTEXT (this thread's own copy of it) the current context and return the
    caller's, which the caller gives back with ``decimal.setcontext`` in a ``finally:``.
    What ``with localcontext(CONTEXT):`` does, without copying the context each time
    (0.7 µs, paid several times a row); nothing that runs inside yields."""
    saved = getcontext()
    try:
        mine = _THREAD.context
    except AttributeError:
        mine = _THREAD.context = CONTEXT.copy()
    setcontext(mine)
    return saved


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round the way a Chinese form does (2.675 → 2.68, 8.5 → 9), never half-even."""
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    # Positional: C's quantize parses keywords at twice the cost of the rounding itself.
    return value.quantize(quantum, ROUND_HALF_UP, CONTEXT)


def decimal_places(amount: Decimal | None) -> int:
    """The decimal places an amount is written with (12.50 has one, 100 none): what a
    set's precision must keep for its weights and deductions."""
    if amount is None:
        return 0
    exponent = amount.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


# --- text forms -------------------------------------------------------------
# Three on purpose: numbers inside explanations (trailing zeros dropped),
# values in results (at most 4 places, as written when shorter), and scores
# (exactly as rounded, "9.80" stays "9.80").


def fixed_text(d: Decimal) -> str:
    """``format(d, "f")``: ``str(d)`` is the same text at less than half the cost
    whenever it has no exponent, which is every score and nearly every amount."""
    text = str(d)
    if "E" in text or "e" in text:  # the context's `capitals` picks the letter
        return format(d, "f")
    return text


# Not cached: a cache hit saves less than a miss costs (hashing a Decimal, the lru's
# bookkeeping), and a row's completions and intermediate results rarely repeat.
def fmt_number(value: Decimal, places: int | None = None) -> str:
    """A plain decimal string: no exponent, no float."""
    if places is not None:
        value = round_half_up(value, places)
        if value.is_zero():
            value = value.copy_abs()  # −0.00004 to 4 places is 0.0000, never −0.0000
    text = fixed_text(value)
    if "." in text and places is None:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# A percent with more integer digits than this has no room left for two places.
_PERCENT_DIGITS = CONTEXT.prec - 3


def fmt_percent(fraction: Decimal) -> str:
    """The fraction as a percent to two places, half-up. × 100 is an exponent shift
    (exact, whatever the caller's context); a percent too large to hold two places (a
    completion over a near-zero target) is shown as computed, never an error."""
    percent = fraction.scaleb(2, CONTEXT)
    if percent.adjusted() < _PERCENT_DIGITS:
        percent = percent.quantize(_QUANTA[2], ROUND_HALF_UP, CONTEXT)
    return fmt_number(percent) + "%"


def fmt_value(d: Decimal | None) -> str | None:
    """Values to at most 4 places, exactly as written when shorter."""
    if d is None:
        return None
    text = str(d)  # fixed_text(d) inline: the text a row formats most (≈ 100 numbers)
    if "E" in text or "e" in text:
        text = format(d, "f")
    dot = text.find(".")
    if dot >= 0 and len(text) - dot > 5:  # more than 4 places: rounded, then trimmed
        text = fixed_text(round_half_up(d, 4)).rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_plain(d: Decimal | None) -> str | None:
    """Scores and amounts exactly as computed (already rounded where the set says)."""
    if d is None:
        return None
    text = fixed_text(d)
    return "0" if text == "-0" else text
