"""The indicator-set format's vocabulary and its checks of single values.

Both readers of a set use these: the pydantic models (``model``), which report
every problem in the officer's language, and the plain reader (``_records``),
which reads a well-formed set without importing pydantic. A check raises
``Refused`` with a kpiscore issue code; the models turn it into pydantic's
error, the plain reader into "let pydantic say what is wrong".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ._messages import has_unsafe_chars

MAX_ABS = Decimal("1e15")
MAX_DIGITS = 30
MAX_TEXT = 500
MAX_FORMULA_TEXT = 100_000  # the formula compiler applies the real, much smaller cap

RULES = (
    "ratio",
    "reverse",
    "exact",
    "met",
    "qualitative",
    "bands",
    "deduct",
    "checklist",
    "manual",
    "formula",
    "deadline",
)
OPERATORS = (">=", ">", "<=", "<", "=")
WRITTEN_OPERATORS = (*OPERATORS, "≥", "≤", "＝")
INPUT_TYPES = ("number", "percent", "level", "list", "text", "bool")
KINDS = ("project", "department")
ROUNDINGS = ("indicator", "total")
_ID = re.compile(r"[a-z0-9_-]+\Z")

RULE_PARAMETERS: dict[str, frozenset[str]] = {
    "ratio": frozenset({"zero_below"}),
    "reverse": frozenset({"zero_above"}),
    "exact": frozenset({"tolerance"}),
    "met": frozenset(),
    "qualitative": frozenset({"levels", "aliases"}),
    "bands": frozenset({"bands"}),
    "deduct": frozenset({"per", "count"}),
    "checklist": frozenset({"items"}),
    "manual": frozenset(),
    "formula": frozenset({"score"}),
    "deadline": frozenset({"late_per_month"}),
}
ALL_RULE_PARAMETERS = frozenset().union(*RULE_PARAMETERS.values())
REQUIRED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "bands": ("bands",),
    "deduct": ("per", "count"),
    "checklist": ("items",),
    "formula": ("score",),
}


class Refused(Exception):
    """A value a check does not accept: an issue code and what the message needs."""

    def __init__(self, code: str, **ctx: Any) -> None:
        super().__init__(code)
        self.code = code
        self.ctx = ctx


def check_number(v: Any) -> Decimal:
    """A finite Decimal of sane size; bools and quoted numbers are refused."""
    if isinstance(v, bool):
        raise Refused("wrong_type", expected="number")
    if isinstance(v, int):
        v = Decimal(v)
    elif isinstance(v, float):
        v = Decimal(repr(v))
    if not isinstance(v, Decimal):
        raise Refused("wrong_type", expected="number")
    if not v.is_finite():
        raise Refused("not_finite", value=str(v))
    if v != 0 and (v.adjusted() >= 15 or abs(v) > MAX_ABS or len(v.as_tuple().digits) > MAX_DIGITS):
        raise Refused("number_too_large", value=_short(str(v)), limit="1e15", digits=MAX_DIGITS)
    return v


def _short(s: str) -> str:
    return s if len(s) <= 40 else s[:20] + "…" + s[-8:]


def check_int(v: Any) -> int:
    d = check_number(v)
    if d != d.to_integral_value():
        raise Refused("wrong_type", expected="integer")
    return int(d)


def _sized(v: str, limit: int) -> None:
    """Text that says something, and no longer than ``limit``."""
    if not v.strip():
        raise Refused("empty_text")
    if len(v) > limit:
        raise Refused("text_too_long", length=len(v), limit=limit)


def text_check(limit: int = MAX_TEXT) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise Refused("wrong_type", expected="text")
        _sized(v, limit)
        if has_unsafe_chars(v):
            raise Refused("unsafe_text")
        return v

    return check


check_text = text_check()
_check_short_text = text_check(100)


def check_id(v: Any) -> str:
    s = _check_short_text(v)
    if not _ID.match(s):
        raise Refused("bad_id", value=_short(s))
    return s


def check_formula(v: Any) -> str:
    # A bare true/false or number is a constant formula; anything else must be text.
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, Decimal):
        return str(check_number(v))
    if not isinstance(v, str):
        raise Refused("wrong_type", expected="formula")
    _sized(v, MAX_FORMULA_TEXT)
    return v


def check_optional_formula(v: Any) -> str:
    # An omitted formula takes its default; a key written with no value is almost
    # always a formula that was cut off or forgotten, so it is an error, not a default.
    if v is None:
        raise Refused("formula_null")
    return check_formula(v)


def check_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Refused("wrong_type", expected="bool")
    return v


def choice_check(*allowed: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise Refused("wrong_type", expected="text")
        if v not in allowed:
            raise Refused("invalid_choice", value=_short(v), allowed=list(allowed))
        return v

    return check


check_rule = choice_check(*RULES)
check_operator = choice_check(*WRITTEN_OPERATORS)
check_input_type = choice_check(*INPUT_TYPES)
check_kind = choice_check(*KINDS)
check_rounding = choice_check(*ROUNDINGS)


def check_version(v: Any) -> int:
    if (
        isinstance(v, (Decimal, int))
        and not isinstance(v, bool)
        and (not isinstance(v, Decimal) or v.is_finite())
        and v == 1
    ):
        return 1
    raise Refused(
        "bad_version", value=_short(repr(v) if not isinstance(v, (str, Decimal)) else str(v))
    )


def target_is_mapping(v: Any) -> bool:
    """A target written as ``{op:, value:}`` rather than as text."""
    return isinstance(v, dict)


def band_score_is_number(v: Any) -> bool:
    """A band's score written as a number rather than as a formula."""
    return isinstance(v, (Decimal, int, float)) and not isinstance(v, bool)
