"""The compiled indicator set: immutable, checked, with formulas already parsed.

Scoring reads only these objects, never the YAML or the set's records, so
nothing is re-parsed or re-checked per project.
"""

from __future__ import annotations

import copy
import functools
import operator
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._dates import When, month_like_number, parse_deadline
from ._formula import CompiledFormula
from ._messages import Lang
from ._numbers import fmt_number, fmt_percent

if TYPE_CHECKING:
    from ._records import IndicatorSetModel

_TARGET = re.compile(
    r"\s*(>=|<=|==|=|>|<|≥|≤|⩾|⩽|≧|≦)\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[-+]?\.\d+)"
    r"\s*(%?)\s*(.*?)\s*\Z"
)
_OP_NORMAL = {"==": "=", "≥": ">=", "≤": "<=", "⩾": ">=", "⩽": "<=", "≧": ">=", "≦": "<="}
# Real tables write the comparison in words: 不低于90%, 90%以上, 控制在2天以内.
WORD_PREFIXES = (
    ("大于等于", ">="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("至少", ">="),
    ("达到", ">="),
    ("小于等于", "<="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    ("至多", "<="),
    ("控制在", "<="),
    ("高于", ">"),
    ("超过", ">"),
    ("大于", ">"),
    ("多于", ">"),
    ("低于", "<"),
    ("少于", "<"),
    ("小于", "<"),
    ("等于", "="),
)
WORD_SUFFIXES = (
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
)
BARE_NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*%?\s*\D{0,10}\Z")


def _word_operator(text: str) -> str:
    """'不低于90%' → '>= 90%'; text without a word operator comes back as it was."""
    body, op = text.strip(), None
    for word, symbol in WORD_PREFIXES:
        if body.startswith(word):
            body, op = body[len(word) :], symbol
            break
    if op == "<=" and body.endswith("以内"):  # 控制在2天以内
        body = body[: -len("以内")]
    if op is None:
        for word, symbol in WORD_SUFFIXES:
            if body.endswith(word):
                body, op = body[: -len(word)], symbol
                break
    return f"{op} {body}" if op is not None else text


# Names a formula gets from kpiscore itself, not from the data.
ROW_NAMES = frozenset({"actual", "target", "weight", "completion", "score", "total"})

_OP_SHOW = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}


@dataclass(frozen=True)
class Target:
    """A parsed target: a comparison with a number, or a qualitative level."""

    text: str
    op: str | None = None
    value: Decimal | None = None
    percent: bool = False
    unit: str | None = None
    level: str | None = None
    deadline: When | None = None  # a 时效 target: done by this day or month

    @property
    def unit_key(self) -> str | None:
        return "%" if self.percent else self.unit

    def show(self, lang: str = "zh") -> str:
        """As a form prints it: ≥10个, ≤100%, 达成, ≤2022年9月30日 (the same on every row,
        so made once per language and kept on the target, outside its fields)."""
        key = "_shown_en" if lang == "en" else "_shown_zh"
        found: str | None = self.__dict__.get(key)
        if found is None:
            found = self.__dict__[key] = self._show(lang)
        return found

    def _show(self, lang: str) -> str:
        if self.level is not None:
            return self.level
        if self.deadline is not None:
            return f"{_OP_SHOW[self.op or '<=']}{self.deadline.show(lang)}"
        assert self.op is not None
        assert self.value is not None
        shown = fmt_percent(self.value) if self.percent else fmt_number(self.value)
        unit = "" if self.percent or not self.unit else self.unit
        return f"{_OP_SHOW[self.op]}{shown}{unit}"

    def holds(self, actual: Decimal) -> bool:
        assert self.value is not None
        return bool(_COMPARE[self.op or "="](actual, self.value))


_COMPARE = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
}


def parse_target(text: str) -> Target | None:
    """``OP NUMBER [%] [UNIT]`` with full-width forms, or a deadline; None when neither."""
    deadline = parse_deadline(text)
    if deadline is not None:
        return Target(text=text, op=deadline[0], deadline=deadline[1])
    normal = _word_operator(unicodedata.normalize("NFKC", text))
    m = _TARGET.match(normal)
    if not m:
        return None
    op, number, pct, unit = m.groups()
    op = _OP_NORMAL.get(op, op)
    value = Decimal(number.replace(",", ""))
    unit = unit or None
    # "≤10天（含）": inclusive is what ≤ already says; "（不含）" makes it strict.
    if unit is not None and unit.endswith(("(含)", "(不含)")):
        if unit.endswith("(不含)"):
            op = {">=": ">", "<=": "<"}.get(op, op)
        unit = unit.rsplit("(", 1)[0].strip() or None
    if unit == "%":
        pct, unit = "%", None
    if unit is not None and (len(unit) > 10 or any(ch.isdigit() for ch in unit) or " " in unit):
        return None
    if pct:
        value = value / 100
    month = month_like_number(value) if op in ("<=", "<") and not pct and unit is None else None
    if month is not None:  # "≤2022.12" is December 2022, not a count of 2022.12
        return Target(text=text, op=op, deadline=month)
    return Target(text=text, op=op, value=value, percent=bool(pct), unit=unit)


@dataclass(frozen=True)
class LevelSpec:
    """A 定性 level: the share of the weight [low, high] its word earns, and the
    other words an officer writes for it."""

    label: str
    low: Decimal
    high: Decimal
    aliases: tuple[str, ...] = ()
    name_en: str | None = None


# The words real tables write for each level (the contract's default level words,
# and a few more seen in tables); a word that is none of these is invalid_data.
DEFAULT_LEVELS = (
    LevelSpec(
        "达成",
        Decimal("0.8"),
        Decimal("1"),
        (
            "已达成", "完成", "已完成", "全部完成", "完全达成", "按时完成", "按期完成",
            "有效改善", "明显改善", "显著改善", "有效提升", "明显提升", "显著提升", "是",
            "达成预期指标", "达到", "已达到",
        ),
    ),
    LevelSpec(
        "部分达成",
        Decimal("0.6"),
        Decimal("0.8"),
        ("基本达成", "部分完成", "基本完成", "有所改善", "有所提升"),
    ),
    LevelSpec(
        "未达成",
        Decimal("0"),
        Decimal("0.6"),
        ("未完成", "没有完成", "没有达成", "不达成", "未实现", "否", "未达到"),
    ),
)  # fmt: skip

# Words that negate what follows (未完成, 没有达成, 不达成): a close match for a negated
# word is only ever another negated word, never the positive it negates.
NEGATIONS = ("未", "没有", "没", "不", "无", "非", "否")


@functools.lru_cache(maxsize=4096)
def level_key(text: str) -> str:
    """A cell as level words are matched: NFKC, spaces and punctuation trimmed around it."""
    text = unicodedata.normalize("NFKC", text)
    start, end = 0, len(text)
    while start < end and _trim(text[start]):
        start += 1
    while end > start and _trim(text[end - 1]):
        end -= 1
    return text[start:end]


def _trim(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PS"


def is_negated(word: str) -> bool:
    return word.startswith(NEGATIONS)


@dataclass(frozen=True)
class BandSpec:
    """One band of a bands rule: its score (a number or a formula) when ``when`` holds;
    the band without ``when`` takes every other case."""

    score: Decimal | CompiledFormula
    when: CompiledFormula | None = None
    label: str | None = None


@dataclass(frozen=True)
class ItemSpec:
    """One checklist item and the points it earns when the data ticks it."""

    label: str
    points: Decimal
    id: str | None = None


@dataclass(frozen=True)
class InputSpec:
    """A value the data supplies, as declared: how formulas and forms name it, its unit
    and how a cell of it is read."""

    id: str
    name: str
    unit: str | None = None
    type: str = "number"
    name_en: str | None = None

    @property
    def unit_key(self) -> str | None:
        return "%" if self.type == "percent" else self.unit


@dataclass(frozen=True)
class CheckSpec:
    """A consistency check on the data; its sides are kept apart to show how far off a
    failed ``==`` is. It never changes a score."""

    name: str
    formula: CompiledFormula
    tolerance: Decimal | None = None
    left: CompiledFormula | None = None
    right: CompiledFormula | None = None
    op: str | None = None


@dataclass(frozen=True)
class PenaltySpec:
    """Applied after the sum: a deduction, or a grade the total cannot rise above."""

    name: str
    when: CompiledFormula
    deduct: Decimal | None = None
    grade: str | None = None


@dataclass(frozen=True)
class CompiledIndicator:
    """One indicator with everything its rule needs bound at load: the target parsed,
    the formulas compiled, the rule's parameters checked against the rule."""

    id: str
    name: str
    category: str
    weight: Decimal
    rule: str
    group: str | None = None
    target: Target | None = None
    actual: CompiledFormula | None = None
    applies: CompiledFormula | None = None
    explain: str | None = None
    over_achievement: Decimal = Decimal("1.2")
    reason_required: CompiledFormula | None = None
    core: bool = False
    zero_below: Decimal | None = None
    zero_above: Decimal | None = None
    tolerance: Decimal | None = None
    levels: tuple[LevelSpec, ...] = DEFAULT_LEVELS
    bands: tuple[BandSpec, ...] = ()
    per: Decimal | None = None
    count: CompiledFormula | None = None
    items: tuple[ItemSpec, ...] = ()
    score: CompiledFormula | None = None
    late_per_month: Decimal | None = None
    name_en: str | None = None
    group_en: str | None = None

    @property
    def reads(self) -> str:
        """The data value this indicator reads when it has no ``actual:`` formula."""
        return self.id

    def rule_names(self) -> frozenset[str]:
        """The names its rule's formulas read (bands, ``count:``, ``score:``)."""
        names: set[str] = set()
        for f in (self.count, self.score):
            if f is not None:
                names |= f.names
        for band in self.bands:
            if band.when is not None:
                names |= band.when.names
            if isinstance(band.score, CompiledFormula):
                names |= band.score.names
        return frozenset(names)

    def formula_names(self) -> frozenset[str]:
        """Every name any of its formulas reads."""
        names = set(self.rule_names())
        for f in (self.actual, self.applies, self.reason_required):
            if f is not None:
                names |= f.names
        return frozenset(names)


@dataclass(frozen=True)
class CompiledCategory:
    """一级指标: its weight and the ids of its indicators, in the table's order."""

    id: str
    name: str
    weight: Decimal
    indicators: tuple[str, ...]
    name_en: str | None = None


@dataclass(frozen=True)
class Grade:
    """A grade and the least total that earns it (already scaled to the full score)."""

    label: str
    min: Decimal
    name_en: str | None = None

    def shown(self, lang: Lang) -> str:
        if lang != "en":
            return self.label
        return self.name_en or DEFAULT_GRADES_EN.get(self.label, self.label)


@dataclass(frozen=True)
class ReasonPolicy:
    """When the set asks for a 偏差原因, as its ``reasons:`` says."""

    below_weight: bool = True
    over_achievement: bool = True
    deviation_above: Decimal | None = None


@dataclass(frozen=True, eq=False)
class IndicatorSet:
    """A loaded, validated indicator set. Build it with :func:`kpiscore.load`."""

    id: str
    name: str
    kind: str
    full_score: Decimal
    precision: int
    rounding: str
    grades: tuple[Grade, ...]
    over_achievement: Decimal
    reasons: ReasonPolicy
    categories: tuple[CompiledCategory, ...]
    indicators: tuple[CompiledIndicator, ...]
    inputs: MappingProxyType[str, InputSpec] | None
    checks: tuple[CheckSpec, ...]
    penalties: tuple[PenaltySpec, ...]
    digest: str
    file: str | None = None
    description: str | None = None
    model: IndicatorSetModel | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Only load() makes a set: dataclasses.replace() would skip every check.
        if not getattr(_BUILDING, "on", False):
            raise TypeError(
                "an IndicatorSet is made by kpiscore.load(); to change one, edit "
                "set.to_dict() and load() it again, which checks it again"
            )

    def to_dict(self) -> dict[str, Any]:
        """The set as the mapping its YAML holds (only what was written; numbers as
        Decimal). Edit it and ``kpiscore.load()`` it again to change the set."""
        if self.model is None:  # unpickled: the model travelled as its dump
            return copy.deepcopy(self.__dict__["_dump"])
        return self.model.dump()

    def values_read(self) -> tuple[str, ...]:
        """Every data value the set reads, sorted: declared inputs, the ids of indicators
        that read their own value, and each name a formula uses (a form lists these)."""
        own = {i.id for i in self.indicators if i.actual is None and i.rule != "manual"}
        return tuple(sorted((self.formula_names() | own | set(self.inputs or ())) - ROW_NAMES))

    def formula_names(self) -> frozenset[str]:
        """Every name a formula of the set reads (indicators, checks, penalties)."""
        names: set[str] = set()
        for ind in self.indicators:
            names |= ind.formula_names()
        for chk in self.checks:
            names |= chk.formula.names
        for pen in self.penalties:
            names |= pen.when.names
        return frozenset(names)

    def indicator(self, indicator_id: str) -> CompiledIndicator:
        return self._by_id[indicator_id]

    def label_of(self, name: str, lang: Lang = "zh") -> str | None:
        if self.inputs is not None and name in self.inputs:
            return shown_name(self.inputs[name], lang)
        ind = self._by_id.get(name)
        return shown_name(ind, lang) if ind is not None else None

    @functools.cached_property
    def _by_id(self) -> dict[str, CompiledIndicator]:
        return {ind.id: ind for ind in self.indicators}

    def unit_of(self, name: str) -> str | None:
        if self.inputs is not None and name in self.inputs:
            return self.inputs[name].unit_key
        return None

    def __repr__(self) -> str:
        return f"IndicatorSet(id={self.id!r}, indicators={len(self.indicators)})"

    # A loaded set crosses process boundaries (ProcessPoolExecutor) and sits in the
    # command line's cache: the read-only view of its inputs is sent as a plain dict
    # and made read-only again, and the set's records as the mapping they dump to (a
    # plain dict of plain values is the smallest pickle of them).
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if state.get("inputs") is not None:
            state["inputs"] = dict(state["inputs"])
        if state.get("model") is not None:
            state["_dump"] = self.to_dict()
            state["model"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("inputs") is not None:
            state["inputs"] = MappingProxyType(state["inputs"])
        for key, value in state.items():
            object.__setattr__(self, key, value)


DEFAULT_GRADES_EN = {"优": "Excellent", "良": "Good", "中": "Fair", "差": "Poor"}


def shown_name(
    thing: CompiledIndicator | CompiledCategory | InputSpec | LevelSpec, lang: Lang
) -> str:
    """The name to show in ``lang``: the set's English name in an English run, else its own."""
    if lang == "en" and thing.name_en:
        return thing.name_en
    return thing.label if isinstance(thing, LevelSpec) else thing.name


_BUILDING = threading.local()


def build_set(**fields: Any) -> IndicatorSet:
    """The one way a set is made (by the compiler, after every check)."""
    _BUILDING.on = True
    try:
        return IndicatorSet(**fields)
    finally:
        _BUILDING.on = False


def freeze(mapping: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(mapping))
