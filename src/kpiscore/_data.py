"""Project data read as it is written in real tables.

Cells like ``"97.79%"``, ``"18个"``, ``"≥266米"``, ``"1,104.87"`` and ``n/a``
are common in self-evaluation tables; we read what can be read exactly, say
what we assumed, and refuse what would give a wrong score.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import math
import numbers
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _encode_text  # the encoder's own
from pathlib import Path
from typing import Any

from . import _yaml
from ._messages import Lang, kind_of, message
from ._messages import zh_en as _t
from ._numbers import fmt_value
from .compiled import WORD_PREFIXES, WORD_SUFFIXES, IndicatorSet, Target
from .errors import DataError, Issue

MAX_TEXT = 2_000
MAX_ABS = Decimal("1e15")
MAX_DIGITS = 30
MAX_LIST = 500
NA_WORDS = frozenset({"n/a", "na", "不适用", "无此项", "不涉及"})

_NUM = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\Z")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\Z")
_WITH_UNIT = re.compile(
    r"\s*(>=|<=|>|<|=|≥|≤)?\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)\s*(%?)\s*(\D{0,10}?)\s*\Z"
)


class Uncomputed(str):
    """A spreadsheet formula cell that Excel never computed: the text is the formula.

    It has no value to read, and is not a blank either: it is named as such.
    """

    __slots__ = ()


class NotApplicable:
    """The data marks a value n/a."""

    _instance: NotApplicable | None = None

    def __new__(cls) -> NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "n/a"


NA = NotApplicable()


@dataclass(frozen=True)
class LevelValue:
    """A 定性 word as written, with the completion rate it came with, if any."""

    level: str
    rate: Decimal | None = None


@dataclass(frozen=True)
class ValueProblem:
    """Why a cell could not be read: an issue code and what its message needs."""

    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ReadValue:
    """One parsed value: what it is, its unit if written, and notes on how it was read."""

    value: Any
    unit: str | None = None
    restated: bool = False  # written as a bound or an estimate ("≥266米", "20余份"), not a count
    problem: ValueProblem | None = None
    raw: str | None = None  # the cell as written, kept when it was read with an assumption
    # Read in the expected unit from another order of magnitude (亿元 → 万元).
    converted: bool = False
    written: str | None = None  # the cell as written, for messages that must quote it

    @classmethod
    def plain(cls, value: Any, written: str | None = None) -> ReadValue:
        """A value read as it is, with nothing to note: made without the frozen
        dataclass's seven setattr calls (a plain row makes one per cell)."""
        self = object.__new__(cls)
        fields = _PLAIN_FIELDS.copy()
        fields["value"] = value
        fields["written"] = written
        object.__setattr__(self, "__dict__", fields)
        return self


_PLAIN_FIELDS: dict[str, Any] = dict(ReadValue(None).__dict__)


@dataclass
class SubjectData:
    """One subject's data, parsed: values, manual scores, reasons, claimed scores."""

    subject: dict[str, Any]
    values: dict[str, ReadValue]
    manual: dict[str, Any]
    reasons: dict[str, str]
    claimed: dict[str, Any]
    indicator_set: str | None
    source: Any  # the data as given (containers copied), digested when a result is asked for it
    warnings: list[str] = field(default_factory=list)  # what was read but could not be used
    file: str | None = None
    doc: _yaml.Document | None = None  # the parsed file, so a problem can name its line


def _fail(code: str, **params: Any) -> ReadValue:
    return ReadValue(None, problem=ValueProblem(code, params))


# A number cell as the fast path takes it: ASCII digits ("１２" is NFKC'd by read_value),
# within the 15 + 15 digits read_value accepts, nothing to normalise or strip.
_NUMBER = r"(-?[0-9]{1,15}(?:\.[0-9]{1,15})?)"
# The same number with a % or a unit straight after it ("95%", "18个", "1104.87万元"):
# plain too, where the set expects exactly that (``plain_unit``).
PLAIN_WITH_UNIT = re.compile(_NUMBER + r"(%|[^\d\s%]{1,10})\Z")
# Either, in one match: a bare number leaves the unit out (its digits are taken first).
_PLAIN = re.compile(_NUMBER + r"(%|[^\d\s%]{1,10})?\Z")


def plain_number(v: str) -> tuple[Decimal, str | None] | None:
    """A number cell as the fast path takes it — "12.5", "95%", "18个" — read as
    ``read_value`` reads it (−0 as 0, a percent as its fraction) with the % or unit it
    was written with; None for any other text. Whether that unit is the one the set
    expects is the caller's question."""
    if len(v) > _LONGEST_PLAIN:  # never a plain number, and never kept in the cache
        return None
    found = _number_of(v)
    if found is None or found[1] != "%":
        return found
    return found[0] / 100, "%"


_LONGEST_PLAIN = 1 + 15 + 1 + 15 + 10  # a sign, 15 + 15 digits and the point, a unit


@functools.lru_cache(maxsize=4096)  # a column repeats its counts, rates and words
def _number_of(v: str) -> tuple[Decimal, str | None] | None:
    """The number and unit as written (exact, whatever the context): cached by text."""
    m = _PLAIN.match(v)
    if m is None:
        return None
    d = Decimal(m[1])  # ≤ 15 + 15 digits: in range by the pattern
    return (d.copy_abs() if d.is_zero() else d), m[2]


def plain_na(v: str) -> bool:
    """Whether ``read_value`` reads this text as n/a with nothing trimmed or normalised
    ("n/a", "N/A", "不适用"): such a cell can take the fast path as n/a."""
    return v.lower() in NA_WORDS and v == v.strip() and unicodedata.is_normalized("NFKC", v)


@functools.lru_cache(maxsize=256)  # a claimed score's 分 is asked about on every row
def plain_unit(unit: str) -> bool:
    """Whether ``read_value`` reads "<plain number><unit>" as the number with this unit and
    nothing to note: a unit word (no digit, no bound or estimate word to strip, already
    in NFKC form), so that a cell written with it can take the fast path."""
    return (
        PLAIN_WITH_UNIT.match("1" + unit) is not None
        and unit != "%"
        and is_unit_word(unit)
        and unicodedata.normalize("NFKC", unit) == unit
        and not unit.endswith(_BOUND_SUFFIXES)
        and unit[:1] not in _ESTIMATE_UNIT_PREFIXES
    )


def _short(s: str) -> str:
    return s if len(s) <= 30 else s[:27] + "…"


def check_magnitude(d: Decimal, raw: str) -> ReadValue | None:
    if not d.is_finite():
        return _fail("value_not_finite", value=_short(raw))
    if d != 0 and (d.adjusted() >= 15 or len(d.as_tuple().digits) > MAX_DIGITS):
        return _fail("value_too_large", value=_short(raw))
    return None


def _number(d: Decimal, raw: str) -> ReadValue:
    """A Decimal as a value: magnitude checked, and -0 shown as 0 ("-0.0个" is no count)."""
    bad = check_magnitude(d, raw)
    if bad is not None:
        return bad
    return ReadValue(d.copy_abs() if d.is_zero() else d)


# pandas' blanks, recognised by their type's name so that pandas is never imported.
BLANK_TYPES = frozenset({"NAType", "NaTType"})


def _read_number(raw: numbers.Real | Decimal) -> ReadValue:
    """Any real number type, exactly: int and numpy integers as integers, floats by their
    shortest repr (1104.87, not 1104.869999…), Decimal as it is.

    A float NaN is how pandas and numpy hold an empty cell, so it is a blank.
    """
    if isinstance(raw, numbers.Integral):
        n = int(raw)
        return (
            _number(Decimal(n), str(n))
            if abs(n) < 10**30
            else _fail("value_too_large", value=_short(str(n)))
        )
    if isinstance(raw, float):  # numpy's float64 is a float; its repr is "np.float64(…)"
        if math.isnan(raw):
            return ReadValue(None)
        if math.isinf(raw):
            return _fail("value_not_finite", value=repr(float(raw)))
        return _number(Decimal(repr(float(raw))), repr(float(raw)))
    if isinstance(raw, Decimal):  # a written .nan stays a named problem, not a blank
        return _number(raw, str(raw))
    try:  # numpy float32/float16 print their own shortest form; Fraction does not
        d = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return _fail("value_wrong_type", found=kind_of(raw))
    if d.is_nan():
        return ReadValue(None)
    return _number(d, str(raw))


def read_value(raw: Any) -> ReadValue:
    """Turn one raw cell into a value kpiscore can score; never raises."""
    if raw is None or type(raw).__name__ in BLANK_TYPES:
        return ReadValue(None)
    if isinstance(raw, Uncomputed):
        return _fail("formula_not_computed", formula=_short(str(raw)))
    if isinstance(raw, (datetime.date, datetime.datetime)):  # a date cell, for a 时效 row
        text = raw.date().isoformat() if isinstance(raw, datetime.datetime) else raw.isoformat()
        return ReadValue(text, written=text)
    if isinstance(raw, bool) or (
        type(raw).__module__ == "numpy" and type(raw).__name__ in ("bool", "bool_")
    ):
        return ReadValue(bool(raw))
    if isinstance(raw, (numbers.Real, Decimal)):
        return _read_number(raw)
    if isinstance(raw, str):
        rv = _read_text(str(raw))
        if rv.written is None and rv.problem is None and rv.value is not None:
            # messages quote the cell as written
            rv = ReadValue(
                rv.value, rv.unit, rv.restated, None, rv.raw, rv.converted, _short(raw.strip())
            )
        return rv
    if isinstance(raw, (list, tuple)):
        if len(raw) > MAX_LIST:
            return _fail("value_too_long", length=len(raw), limit=MAX_LIST)
        items: list[str] = []
        for item in raw:
            if isinstance(item, str) and len(item) <= MAX_TEXT:
                items.append(item.strip())
            else:
                return _fail("value_wrong_type", found=kind_of(raw))
        return ReadValue(tuple(items))
    if isinstance(raw, Mapping):
        if set(raw) <= {"level", "rate"} and "level" in raw:
            level, rate = raw.get("level"), raw.get("rate")
            if not isinstance(level, str):
                return _fail("value_wrong_type", found=kind_of(raw))
            if rate is None:
                return ReadValue(LevelValue(level.strip()))
            r = read_value(rate)
            if r.problem or not isinstance(r.value, Decimal) or r.unit not in (None, "%"):
                return _fail("value_wrong_type", found=kind_of(raw))
            return ReadValue(LevelValue(level.strip(), r.value))
        return _fail("value_wrong_type", found=kind_of(raw))
    return _fail("value_wrong_type", found=kind_of(raw))


def _read_text(raw: str) -> ReadValue:
    if len(raw) > MAX_TEXT:
        return _fail("value_too_long", length=len(raw), limit=MAX_TEXT)
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return ReadValue(None)
    if text.lower() in NA_WORDS:
        return ReadValue(NA)
    if _NUM.match(text):
        try:
            d = Decimal(text)
        except InvalidOperation:  # pragma: no cover
            return ReadValue(text)
        return _number(d, text)
    if text.lower() in (
        "nan",
        "inf",
        "-inf",
        "+inf",
        "infinity",
        "-infinity",
        ".nan",
        ".inf",
        "-.inf",
    ):
        return _fail("value_not_finite", value=text)
    if _THOUSANDS.match(text):
        return _number(Decimal(text.replace(",", "")), text)
    return _read_with_unit(text, raw)


# Real tables write bounds and estimates where a count belongs: "约18个",
# "20余份", "50家以上", "100%以上". The number is read, and the reading is
# flagged so the explanation and a warning say what was assumed.
# The comparison words targets use, and the words of an estimate; longest first,
# so "不少于" is taken whole before "少于" could match.
_ESTIMATE_PREFIXES = tuple(
    sorted({w for w, _ in WORD_PREFIXES} | {"约", "近", "超", "逾", "达"}, key=len, reverse=True)
)
_ESTIMATE_UNIT_PREFIXES = ("余", "多")
_BOUND_SUFFIXES = tuple(sorted({w for w, _ in WORD_SUFFIXES} | {"左右"}, key=len, reverse=True))


def _read_with_unit(text: str, raw: str) -> ReadValue:
    whole, hedged = text, False
    # One C-level test for the common cell (no hedge word) before finding which word.
    if text.startswith(_ESTIMATE_PREFIXES):
        for word in _ESTIMATE_PREFIXES:
            if text.startswith(word):
                text, hedged = text[len(word) :].strip(), True
                break
    m = _WITH_UNIT.match(text)
    if not m:
        return ReadValue(whole)
    op, number, pct, unit = m.groups()
    unit = unit.strip()
    if unit.endswith(_BOUND_SUFFIXES):
        for word in _BOUND_SUFFIXES:
            if unit.endswith(word):
                unit, hedged = unit[: -len(word)].strip(), True
                break
    if unit[:1] in _ESTIMATE_UNIT_PREFIXES:
        unit, hedged = unit[1:].strip(), True
    if pct and unit:
        return ReadValue(whole)  # "97.79%元": not a value kpiscore can read safely
    if unit and not is_unit_word(unit):
        # "1O" (a letter O), "12-", "12?": the number alone would be a guess.
        return _fail("value_bad_unit", value=_short(raw.strip()), unit=unit[:10])
    d = Decimal(number.replace(",", ""))
    bad = check_magnitude(d, text)
    if bad:
        return bad
    if d.is_zero():
        d = d.copy_abs()
    restated = bool(op) or hedged
    kept = _short(raw.strip()) if restated else None
    cell = _short(raw.strip())
    if pct:
        return ReadValue(d / 100, unit="%", restated=restated, raw=kept, written=cell)
    return ReadValue(d, unit=unit or None, restated=restated, raw=kept, written=cell)


# --- units ------------------------------------------------------------------
# Chinese measure words (个, 次, 万元, 人次, 平方米) are recognised by their
# characters; Latin units only from this list, so that a letter typed for a
# digit ("1O") or a stray sign ("12-") is never taken for a unit and dropped.
# Letters that pass for digits (l, s, g, o) are not units on their own.
_LATIN_UNITS = frozenset(
    {
        "m", "km", "cm", "mm", "m2", "m²", "㎡", "km2", "km²", "m3", "m³", "kg", "g", "t",
        "h", "min", "kw", "kwh", "mw", "mwh", "gw", "ml", "gb", "tb", "mb",
        "pcs", "mu",
    }
)  # fmt: skip
# Orders of magnitude that tables put before a unit (万元, 亿元, 千米) or alone (12万).
# They multiply the number; they are never a unit to be dropped.
MULTIPLIERS: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}
_NOT_MULTIPLIED = frozenset({"千克", "千米", "千瓦", "千瓦时", "万分之", "千分之"})


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def is_unit_word(unit: str) -> bool:
    """Whether text after a number is a unit a table would write (个, 万元, 元/人, km)."""
    parts = unit.split("/")
    return all(p.lower() in _LATIN_UNITS or (p and all(_is_cjk(ch) for ch in p)) for p in parts)


def split_multiplier(unit: str) -> tuple[Decimal, str]:
    """'万元' → (10000, '元'); '亿' → (10^8, ''); '个' → (1, '个'). 千克 and 千米 are units."""
    if unit not in _NOT_MULTIPLIED:
        for word, factor in MULTIPLIERS.items():
            if unit.startswith(word):
                return factor, unit[len(word) :]
    return Decimal(1), unit


@dataclass(frozen=True)
class Expected:
    """What a value's unit should be, and what said so (for the message)."""

    unit: str | None
    percent: bool
    target: str | None = None  # the target text, when an indicator reading the value set it
    declared: bool = False  # declared under inputs:


@functools.lru_cache(maxsize=64)
def expectations(iset: IndicatorSet) -> dict[str, Expected]:
    """Per set, once: the unit each value is expected in — from ``inputs:``, else from
    the target of the indicator that reads the value as its own actual."""
    out: dict[str, Expected] = {}
    for ind in iset.indicators:
        t: Target | None = ind.target
        if t is None or t.level is not None or t.deadline is not None:
            continue
        # An indicator reads a value as its actual by its id, or by a formula that is one name.
        name = ind.id if ind.actual is None else ind.actual.bare_name
        if name is not None:
            out[name] = Expected(t.unit, t.percent, target=t.text)
    for name, spec in (iset.inputs or {}).items():
        out[name] = Expected(spec.unit, spec.type == "percent", declared=True)
    return out


def expected_unit(name: str, iset: IndicatorSet) -> tuple[str | None, bool]:
    """(unit key, whether it is a percent) for a value, from inputs or the reading indicator's target."""
    e = expectations(iset).get(name)
    if e is None:
        return None, False
    return ("%" if e.percent else e.unit), e.percent


def check_unit(name: str, rv: ReadValue, iset: IndicatorSet) -> ReadValue:
    """Hold a value's written unit against the one the set expects; convert 万/亿 exactly.

    A value is scored only as written: a % where the target has none, a unit
    that is not the expected one, or an order of magnitude (万, 亿) nobody
    declared is refused by name with the fix, never dropped.
    """
    if rv.problem:
        return rv
    if isinstance(rv.value, bool):
        return _bool_checked(name, rv, iset)
    if not isinstance(rv.value, Decimal):
        return rv
    e = expectations(iset).get(name)
    shown = rv.written or f"{fmt_value(rv.value)}{rv.unit or ''}"
    if rv.unit is None:
        if e is not None and e.percent and abs(rv.value) > 2:
            return _fail(
                "percent_needs_sign",
                value=rv.written or str(rv.value),
                fraction=fmt_value(rv.value / 100),
                number=fmt_value(rv.value),
            )
        return rv
    if rv.unit == "%":
        if e is None or e.percent:
            return rv
        if e.unit is not None:
            return _fail("value_unit_mismatch", value=shown, unit="%", expected=e.unit)
        if e.target is not None:
            return _fail("percent_not_in_target", value=shown, target=e.target)
        return _fail("percent_not_declared", value=shown, name=name)
    if e is not None and e.percent:
        return _fail("value_unit_mismatch", value=shown, unit=rv.unit, expected="%")
    expected = e.unit if e is not None else None
    if expected is not None and rv.unit != expected:
        return _converted(rv, expected) or _fail(
            "value_unit_mismatch", value=shown, unit=rv.unit, expected=expected
        )
    factor, _base = split_multiplier(rv.unit)
    if expected is None and factor != 1:
        plain = fmt_value(rv.value * factor) or ""
        return _fail("value_multiplier", value=shown, plain=plain, name=name)
    return rv


def _bool_checked(name: str, rv: ReadValue, iset: IndicatorSet) -> ReadValue:
    """TRUE/FALSE (a spreadsheet's checkbox, a Python bool) where the set expects an
    amount or a rate is not 1 or 0 of it: named, never scored. Elsewhere (达成 as
    yes/no, a formula's flag) a bool stays the 1/0 formulas read it as."""
    e = expectations(iset).get(name)
    if e is not None and (e.unit is not None or e.percent):
        return _fail("not_a_number", value=rv.written or ("TRUE" if rv.value else "FALSE"))
    return rv


def _converted(rv: ReadValue, expected: str) -> ReadValue | None:
    """'1.2亿元' where 万元 is expected is exactly 12000 万元: read it so, and say so."""
    if not isinstance(rv.value, Decimal) or rv.unit is None:
        return None
    have, base = split_multiplier(rv.unit)
    want, want_base = split_multiplier(expected)
    if base != want_base or have == want:
        return None
    value = rv.value * have / want
    bad = check_magnitude(value, str(value))
    if bad is not None:
        return bad
    written = rv.written or f"{fmt_value(rv.value)}{rv.unit}"
    exact = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return ReadValue(exact, unit=expected, restated=rv.restated, raw=written, converted=True)


def snapshot(data: Any) -> Any:
    """The data's containers copied (their cells are immutable), so that a digest taken
    later is the digest of the data as it was scored, whatever the caller does next."""
    if isinstance(data, Mapping):
        return {k: snapshot(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [snapshot(v) for v in data]
    return data


_LITERALS = {None: "null", True: "true", False: "false"}
# json.dumps makes an encoder per call when an option differs from its defaults: one, kept.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest_of(data: Any) -> str:
    canon = _canonical_text(data)
    if canon is None:
        canon = _CANONICAL_JSON.encode(_canonical(data))
    # A lone surrogate ("\\ud800" in JSON) is kept in the digest as its code point.
    return "sha256:" + hashlib.sha256(canon.encode("utf-8", "surrogatepass")).hexdigest()


def _canonical_text(x: Any) -> str | None:
    """The encoder's text of ``_canonical(x)`` for the cells a row is made of, written
    directly (the encoder took three times as long as the hashing over twenty small
    dicts); None for anything else. tests/test_data.py holds the two texts equal."""
    t = type(x)
    if t is str:
        return _encode_text(x)
    if t is Decimal:
        return '{"$d":"' + (str(x.copy_abs()) if x.is_zero() else str(x)) + '"}'
    if t is dict:
        order = _key_order(x)
        if order is None:
            return None
        parts = []
        for k, lead in order:
            v = x[k]
            tv = type(v)
            if tv is Decimal:  # a row's cells: the leaf cases above, without a call
                parts.append(
                    lead + '{"$d":"' + (str(v.copy_abs()) if v.is_zero() else str(v)) + '"}'
                )
            elif tv is str:
                parts.append(lead + _encode_text(v))
            else:
                found = _canonical_text(v)
                if found is None:
                    return None
                parts.append(lead + found)
        return "{" + ",".join(parts) + "}"
    if t is int:
        return '{"$d":"' + str(x) + '"}'
    if x is None or t is bool:
        return _LITERALS[x]
    if t is list or t is tuple:
        items = [_canonical_text(v) for v in x]
        return None if None in items else "[" + ",".join(items) + "]"  # type: ignore[arg-type]
    if t is float or (t.__module__ == "numpy" and isinstance(x, float)):
        return _float_text(x)  # a DataFrame's cells
    return None


# A table's rows share their keys: each key set's sorted order and JSON keys, once.
_KEY_ORDERS: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}
_MAX_KEY_ORDERS = 256
# A key set is kept only if small (a table's header is): a caller's rows of thousands of
# long keys never fill memory with their copies.
_MAX_KEPT_KEYS, _MAX_KEPT_TEXT = 512, 16_384
_STR = {str}


def _key_order(x: dict[Any, Any]) -> tuple[tuple[str, str], ...] | None:
    """(key, its JSON text and colon) in sorted order; None when a key is not a str."""
    keys = tuple(x)
    kinds = set(map(type, keys))  # a str subclass equals its text: checked each time
    if kinds and kinds != _STR:
        return None
    found = _KEY_ORDERS.get(keys)
    if found is None:
        found = tuple((k, _encode_text(k) + ":") for k in sorted(keys))
        if len(keys) <= _MAX_KEPT_KEYS and sum(map(len, keys)) <= _MAX_KEPT_TEXT:
            if len(_KEY_ORDERS) >= _MAX_KEY_ORDERS:
                _KEY_ORDERS.clear()
            _KEY_ORDERS[keys] = found
    return found


def _float_text(x: float) -> str | None:
    """A float's canonical text as ``canonical_general`` reads it (NaN a blank); None for
    one past read_value's range (the general way)."""
    if x != x:
        return "null"
    d = plain_float(x)
    return None if d is None else '{"$d":"' + str(d) + '"}'


def plain_float(x: float) -> Decimal | None:
    """A finite float (numpy's float64 too) as ``read_value`` reads it — its shortest
    repr, −0 as 0 — or None for NaN and one past its range, which it names or blanks."""
    if not -1e15 < x < 1e15:  # NaN compares false too
        return None
    d = Decimal(repr(float(x)))
    return d.copy_abs() if d.is_zero() else d


def _canonical(x: Any) -> Any:
    t = type(x)  # the common cells first, exactly as the general branches below take them
    if t is str or x is None or t is bool:
        return x
    if t is dict:
        return {str(k): _canonical(v) for k, v in x.items()}
    if t is Decimal:  # read_value keeps a Decimal (-0 as 0) or names it: as written
        return {"$d": str(x.copy_abs()) if x.is_zero() else str(x)}
    if t is int:
        return {"$d": str(x)}
    return canonical_general(x)


def canonical_general(x: Any) -> Any:
    """Any value in canonical form; ``_canonical`` takes the common cells a shorter way
    to the same result (tests/test_data.py holds them equal)."""
    if isinstance(x, Mapping):
        return {str(k): _canonical(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_canonical(v) for v in x]
    if isinstance(x, (str, bool)) or x is None:
        return x
    if isinstance(x, (numbers.Real, Decimal)) or type(x).__name__ in BLANK_TYPES:
        # numpy and pandas values digest like the Python numbers and blanks they read as.
        rv = read_value(x)
        if rv.problem is None:
            v = rv.value
            return v if v is None or isinstance(v, bool) else {"$d": str(v)}
        return {"$d": str(x)}
    if isinstance(x, datetime.date):  # a YAML date, an Excel date cell, a Timestamp
        return {"$date": x.isoformat()}
    return repr(type(x))


def read_file(path: str | Path, lang: Lang) -> tuple[Any, str | None, _yaml.Document | None]:
    """Read a YAML or JSON data file into plain values (numbers as Decimal).

    Returns the data, the file name, and for YAML the parsed document, so later
    problems can name their line.
    """
    try:
        text, name = _yaml.read_source(path, lang)
    except _yaml.YamlRefused as refused:
        raise DataError(refused.issues) from None
    if str(path).lower().endswith(".json"):
        return _read_json(text, name, lang), name, None
    try:
        doc, issues = _yaml.parse(text, name, lang)
    except _yaml.YamlRefused as refused:
        raise DataError(refused.issues) from None
    errors = [i for i in issues if i.severity == "error" and i.code != "ambiguous_boolean"]
    if errors:
        raise DataError(errors)
    return doc.data, name, doc


class _JsonRefused(ValueError):
    """A JSON value kpiscore will not read, with the words to say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _json_number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):  # 1e99999999999999999999: past what Decimal holds
        raise _JsonRefused(
            f"数字 '{_short(text)}' 超出范围", f"the number '{_short(text)}' is out of range"
        ) from None


MAX_DEPTH = 32


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether mappings and lists nest deeper than ``limit``; iterative, so never a RecursionError."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _reject_constant(name: str) -> Any:
    raise _JsonRefused(f"{name} 不是有限的数字", f"{name} is not a finite number")


# json's messages, by their start, in the officer's words.
_JSON_ZH = (
    ("Expecting property name", "键名要用双引号，且最后一项后面不能有逗号"),
    ("Expecting ',' delimiter", "缺少逗号"),
    ("Expecting ':' delimiter", "缺少冒号"),
    ("Expecting value", "这里缺少值（或多了逗号）"),
    ("Extra data", "JSON 结束后还有多余的内容"),
    ("Unterminated string", "引号没有闭合"),
    ("Invalid control character", "文字中有换行或控制字符，请写成 \\n"),
    ("Invalid \\escape", "反斜杠转义无效"),
)


def _read_json(text: str, name: str | None, lang: Lang = "zh") -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise _JsonRefused(f"键 '{k[:40]}' 重复", f"duplicate key '{k[:40]}'")
            out[k] = v
        return out

    try:
        return json.loads(
            text,
            parse_float=_json_number,
            parse_int=_json_number,
            parse_constant=_reject_constant,
            object_pairs_hook=pairs,
        )
    except json.JSONDecodeError as exc:
        words = next((zh for start, zh in _JSON_ZH if exc.msg.startswith(start)), "格式错误")
        problem = exc.msg if lang == "en" else words
        raise DataError(
            [
                Issue(
                    "bad_json",
                    message("bad_json", lang, problem=problem),
                    file=name,
                    line=exc.lineno,
                    column=exc.colno,
                )
            ]
        ) from None
    except _JsonRefused as exc:
        problem = exc.en if lang == "en" else exc.zh
        raise DataError(
            [Issue("bad_json", message("bad_json", lang, problem=problem), file=name)]
        ) from None
    except (ValueError, RecursionError):
        raise DataError(
            [
                Issue(
                    "bad_json",
                    message(
                        "bad_json",
                        lang,
                        problem=_t(lang, "嵌套太深或数字无效", "nested too deep, or a bad number"),
                    ),
                    file=name,
                )
            ]
        ) from None
