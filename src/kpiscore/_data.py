"""Project data read as it is written in real tables.

Cells like ``"97.79%"``, ``"18个"``, ``"≥266米"``, ``"1,104.87"`` and ``n/a``
are common in self-evaluation tables; we read what can be read exactly, say
what we assumed, and refuse what would give a wrong score.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import _yaml
from ._messages import Lang, message
from ._messages import zh_en as _t
from .compiled import WORD_PREFIXES, WORD_SUFFIXES, IndicatorSet, InputSpec, Target
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
    level: str
    rate: Decimal | None = None


@dataclass(frozen=True)
class ValueProblem:
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


@dataclass
class SubjectData:
    """One subject's data, parsed: values, manual scores, reasons, claimed scores."""

    subject: dict[str, Any]
    values: dict[str, ReadValue]
    manual: dict[str, Any]
    reasons: dict[str, str]
    claimed: dict[str, Any]
    indicator_set: str | None
    digest: str
    warnings: list[str] = field(default_factory=list)  # what was read but could not be used


def _fail(code: str, **params: Any) -> ReadValue:
    return ReadValue(None, problem=ValueProblem(code, params))


def _short(s: str) -> str:
    return s if len(s) <= 30 else s[:27] + "…"


def check_magnitude(d: Decimal, raw: str) -> ReadValue | None:
    if not d.is_finite():
        return _fail("value_not_finite", value=_short(raw))
    if d != 0 and (d.adjusted() >= 15 or len(d.as_tuple().digits) > MAX_DIGITS):
        return _fail("value_too_large", value=_short(raw))
    return None


def read_value(raw: Any) -> ReadValue:
    """Turn one raw cell into a value kpiscore can score; never raises."""
    if raw is None:
        return ReadValue(None)
    if isinstance(raw, bool):
        return ReadValue(raw)
    if isinstance(raw, int):
        raw = Decimal(raw) if abs(raw) < 10**30 else Decimal("Infinity")
    if isinstance(raw, float):
        try:
            raw = Decimal(repr(raw))
        except InvalidOperation:
            return _fail("value_not_finite", value=repr(raw))
    if isinstance(raw, Decimal):
        bad = check_magnitude(raw, str(raw))
        return bad or ReadValue(raw)
    if isinstance(raw, str):
        return _read_text(raw)
    if isinstance(raw, (list, tuple)):
        if len(raw) > MAX_LIST:
            return _fail("value_too_long", length=len(raw), limit=MAX_LIST)
        items: list[str] = []
        for item in raw:
            if isinstance(item, str) and len(item) <= MAX_TEXT:
                items.append(item.strip())
            else:
                return _fail("value_wrong_type", found="list")
        return ReadValue(tuple(items))
    if isinstance(raw, Mapping):
        if set(raw) <= {"level", "rate"} and "level" in raw:
            level, rate = raw.get("level"), raw.get("rate")
            if not isinstance(level, str):
                return _fail("value_wrong_type", found="mapping")
            if rate is None:
                return ReadValue(LevelValue(level.strip()))
            r = read_value(rate)
            if r.problem or not isinstance(r.value, Decimal):
                return _fail("value_wrong_type", found="mapping")
            return ReadValue(LevelValue(level.strip(), r.value))
        return _fail("value_wrong_type", found="mapping")
    return _fail("value_wrong_type", found=type(raw).__name__)


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
        return check_magnitude(d, text) or ReadValue(d)
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
        d = Decimal(text.replace(",", ""))
        return check_magnitude(d, text) or ReadValue(d)
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
    for word in _ESTIMATE_PREFIXES:
        if text.startswith(word):
            text, hedged = text[len(word) :].strip(), True
            break
    m = _WITH_UNIT.match(text)
    if not m:
        return ReadValue(whole)
    op, number, pct, unit = m.groups()
    unit = unit.strip()
    for word in _BOUND_SUFFIXES:
        if unit.endswith(word):
            unit, hedged = unit[: -len(word)].strip(), True
            break
    if unit[:1] in _ESTIMATE_UNIT_PREFIXES:
        unit, hedged = unit[1:].strip(), True
    if pct and unit:
        return ReadValue(whole)  # "97.79%元": not a value kpiscore can read safely
    d = Decimal(number.replace(",", ""))
    bad = check_magnitude(d, text)
    if bad:
        return bad
    restated = bool(op) or hedged
    kept = _short(raw.strip()) if restated else None
    if pct:
        return ReadValue(d / 100, unit="%", restated=restated, raw=kept)
    return ReadValue(d, unit=unit or None, restated=restated, raw=kept)


def expected_unit(name: str, iset: IndicatorSet) -> tuple[str | None, bool]:
    """(unit key, whether it is a percent) for a value, from inputs or the reading indicator's target."""
    if iset.inputs is not None:
        spec: InputSpec | None = iset.inputs.get(name)
        if spec is None:
            return None, False
        return spec.unit_key, spec.type == "percent"
    for ind in iset.indicators:
        if ind.id == name and ind.actual is None and ind.target is not None:
            t: Target = ind.target
            if t.level is None:
                return t.unit_key, t.percent
    return None, False


def check_unit(name: str, rv: ReadValue, iset: IndicatorSet) -> ReadValue:
    """Reject a value whose written unit contradicts the declared one."""
    if rv.problem or not isinstance(rv.value, Decimal):
        return rv
    unit, is_percent = expected_unit(name, iset)
    if rv.unit is None:
        if is_percent and abs(rv.value) > 2:
            return _fail("percent_needs_sign", value=str(rv.value))
        return rv
    if unit is not None and rv.unit != unit:
        return _fail("value_unit_mismatch", unit=rv.unit, expected=unit)
    if unit is None and rv.unit == "%" and iset.inputs is not None and name in iset.inputs:
        return _fail("value_unit_mismatch", unit="%", expected="—")
    return rv


def digest_of(data: Any) -> str:
    canon = json.dumps(_canonical(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _canonical(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _canonical(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_canonical(v) for v in x]
    if isinstance(x, Decimal):
        return {"$d": str(x)}
    if isinstance(x, float):
        return {"$d": repr(x)}
    if isinstance(x, (str, bool, int)) or x is None:
        return x
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
            parse_float=Decimal,
            parse_int=Decimal,
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
