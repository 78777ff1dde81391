"""A spreadsheet number as the officer sees it: rounded by its cell's number format.

Excel stores 9.778649060077175 and shows 9.78 under the format ``0.00``; a filed
score is what the unit saw and printed, so a claim is read as shown. Excel rounds
its display half away from zero (2.665 shows as 2.67), as a form does.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_PLACES = re.compile(r"0\.(0+)")


def shown_number(value: float | int | Decimal, fmt: str) -> str:
    """The number's text under ``fmt`` (places from ``0.00``, × 100 and % for a percent
    format, whole for ``0`` and ``#,##0``, as written under General)."""
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return str(value)
    percent = "%" in fmt
    if percent:
        d *= 100
    m = _PLACES.search(fmt)
    try:
        if m is not None:
            d = d.quantize(Decimal(1).scaleb(-len(m.group(1))), ROUND_HALF_UP)
        elif percent or fmt.strip() in ("0", "#,##0"):
            d = d.quantize(Decimal(1), ROUND_HALF_UP) if not percent else d.normalize()
    except ArithmeticError:  # more places than a number holds (1e300, a 40-place format)
        m = None  # shown as stored: no display rounds it
    text = format(d, "f")
    if "." in text and m is None:
        text = text.rstrip("0").rstrip(".")
    return text + ("%" if percent else "")
