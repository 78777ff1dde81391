"""The scored result: frozen, typed, and its JSON form. No I/O here.

Numbers stay ``Decimal`` inside and become decimal strings in JSON, so a
finance tool can store the result and re-read it without a float ever
touching a score. The same inputs give the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, final, overload

from ._data import digest_of
from ._messages import Lang, as_message
from ._numbers import fmt_plain, fmt_value
from ._result_schema import SCHEMA_VERSION
from ._steps import Step
from ._wording import IndicatorKey

if TYPE_CHECKING:
    from ._wording import Words
    from .compiled import CompiledIndicator

Status = Literal["scored", "not_applicable", "missing_data", "invalid_data"]
"""missing_data: no value was given; invalid_data: a value was given but cannot be read
as written (a word that is no level, a unit or scale that does not fit the target)."""
PROBLEM_STATUSES: frozenset[str] = frozenset({"missing_data", "invalid_data"})


_T = TypeVar("_T")
_V = TypeVar("_V")


class _Lazy(Generic[_V]):
    """functools.cached_property without its lock: on Python 3.11 every first read
    takes one lock shared by all instances of the class (a thread's result waits on
    another's), and a batch reads twenty explanations a row. The value is the same
    whoever computes it, so a race only computes it twice."""

    def __init__(self, fn: Callable[[Any], _V]):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Lazy[_V]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _V: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


def _frozen(cls: type[_T], fields: dict[str, Any]) -> _T:
    """A frozen dataclass made from all its fields at once: the scorer makes several a
    row, and the generated __init__ sets each field through object.__setattr__."""
    self = object.__new__(cls)
    object.__setattr__(self, "__dict__", fields)
    return self


@final
@dataclass(frozen=True)
class IndicatorResult:
    """One row of the self-evaluation table as scored: the numbers, the status, the
    explanation in the result's language and the steps behind it."""

    id: str
    name: str
    category: str
    group: str | None
    weight: Decimal
    target: str | None
    actual: Decimal | str | None
    completion: Decimal | None
    score: Decimal
    raw_score: Decimal
    rule: str
    status: Status
    flags: tuple[str, ...]
    needs_reason: bool
    reason: str | None
    core: bool = False
    problem: str | None = None
    shown: str = ""
    """The actual as a person reads it: "97.79%", "18个", "达成"."""
    target_shown: str = ""
    """The target as a form prints it: "≥10个", "≤100%", "达成", "≤2022年9月30日"."""
    steps: tuple[Step, ...] = ()
    """What the rule did, as data: each step's ``kind`` and the numbers it used. The
    explanation is worded from these (``to_dict(steps=True)`` puts them in the JSON)."""
    words: tuple[Words, CompiledIndicator | IndicatorKey] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def _made(cls, fields: dict[str, Any]) -> IndicatorResult:
        """The scorer's constructor: every field given in one dict (the set's fixed ones
        made once per indicator), without the frozen dataclass's per-field setattr."""
        return _frozen(cls, fields)

    @_Lazy
    def explanation(self) -> str:
        """How the score was reached, in the result's language; worded on first read."""
        if self.words is None:
            return ""
        words, ind = self.words
        return words.explain(self.steps, ind)

    def __getstate__(self) -> dict[str, Any]:
        # Across a process boundary the result travels as its steps and the few labels
        # and units that word them (a vocabulary), not as text and not with its set.
        state = dict(self.__dict__)
        for cached in ("explanation", "_fixed", "_shared", "_json", "_lost"):
            state.pop(cached, None)
        if self.words is not None and self.words[0].iset is not None:
            words, ind = self.words
            inds = [] if isinstance(ind, IndicatorKey) else [ind]
            state["words"] = (words.vocabulary(inds, self.steps), IndicatorKey(ind.id))
        return state

    def to_dict(self, steps: bool = False) -> dict[str, Any]:
        return self._mapping(steps, explained=True)

    def _mapping(self, steps: bool, explained: bool) -> dict[str, Any]:
        """to_dict, and without the explanation when not ``explained`` (never worded
        then: a batch's .jsonl line without --explain)."""
        actual: str | None
        actual = fmt_value(self.actual) if isinstance(self.actual, Decimal) else self.actual
        more = {"steps": [s.to_dict() for s in self.steps]} if steps else {}
        words = {"explanation": self.explanation} if explained else {}
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "group": self.group,
            "weight": fmt_plain(self.weight),
            "target": self.target,
            "actual": actual,
            "actual_shown": self.shown,
            "target_shown": self.target_shown,
            "completion": fmt_value(self.completion),
            "score": fmt_plain(self.score),
            "raw_score": fmt_plain(self.raw_score),
            "rule": self.rule,
            "status": self.status,
            **words,
            "flags": list(self.flags),
            "needs_reason": self.needs_reason,
            "reason": self.reason,
            "problem": self.problem,
            "core": self.core,
            **more,
        }


@final
@dataclass(frozen=True)
class CategoryResult:
    """一级指标 subtotal, and the weight that applied (less than its weight when an
    indicator under it was not applicable)."""

    id: str
    name: str
    weight: Decimal
    score: Decimal
    applicable_weight: Decimal

    @classmethod
    def _made(
        cls, id: str, name: str, weight: Decimal, score: Decimal, applicable_weight: Decimal
    ) -> CategoryResult:
        """The scorer's constructor (four a row): without the frozen per-field setattr."""
        fields = {"id": id, "name": name, "weight": weight, "score": score}
        return _frozen(cls, fields | {"applicable_weight": applicable_weight})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "weight": fmt_plain(self.weight),
            "score": fmt_plain(self.score),
            "applicable_weight": fmt_plain(self.applicable_weight),
        }


@final
@dataclass(frozen=True)
class CheckResult:
    """A data check's outcome, with both sides and how far apart they are when it fails."""

    name: str
    formula: str
    passed: bool
    left: Decimal | None = None
    right: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "assert": self.formula,
            "passed": self.passed,
            "left": fmt_plain(self.left),
            "right": fmt_plain(self.right),
            "difference": fmt_plain(self.difference),
            "tolerance": fmt_plain(self.tolerance),
            "message": self.message,
        }


@final
@dataclass(frozen=True)
class Discrepancy:
    """A score the unit claimed that kpiscore computes differently, and why."""

    id: str
    name: str
    claimed: Decimal
    computed: Decimal
    difference: Decimal
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "claimed": fmt_plain(self.claimed),
            "computed": fmt_plain(self.computed),
            "difference": fmt_plain(self.difference),
            "explanation": self.explanation,
        }


@final
@dataclass(frozen=True)
class PointsLost:
    """Points an indicator fell short of its weight: what a reviewer reads first."""

    id: str
    name: str
    lost: Decimal
    status: Status

    @classmethod
    def _made(cls, id: str, name: str, lost: Decimal, status: Status) -> PointsLost:
        """The scorer's constructor (one per indicator short of its weight)."""
        return _frozen(cls, {"id": id, "name": name, "lost": lost, "status": status})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "lost": fmt_plain(self.lost),
            "status": self.status,
        }


_LIGHT = (
    "indicator_set",
    "indicator_set_name",
    "total",
    "full_score",
    "grade",
    "complete",
    "set_digest",
    "precision",
    "rescaled",
    "lang",
    "row",
    "kind",
)
_DETAIL = (
    "subject",
    "categories",
    "indicators",
    "checks",
    "discrepancies",
    "points_lost",
    "penalties",
    "warnings",
)
_FIELDS = _LIGHT + _DETAIL


@final
class Result:
    """The score of one subject under one indicator set, with every reason.

    Immutable. A batch of plain rows is scored by a per-set fast path that fills
    the total, grade and completeness at once; the indicators, subtotals and
    warnings (``detail``) are then built by the general path on first read, so a
    pipeline that only needs totals never pays for 20 explained indicators a row.
    """

    ok: ClassVar[bool] = True  # a batch yields Results and RowErrors (ok = False)
    indicator_set: str
    indicator_set_name: str
    total: Decimal | None
    full_score: Decimal
    grade: str | None
    complete: bool
    set_digest: str
    precision: int
    rescaled: bool
    lang: Lang
    row: int | None
    """In a batch, the subject's row in the source (the CSV or sheet line, the file's place)."""
    kind: str
    """The set's kind: project (项目支出) or department (部门整体支出); it picks the form."""

    def __init__(
        self,
        *,
        indicator_set: str,
        indicator_set_name: str,
        total: Decimal | None,
        full_score: Decimal,
        grade: str | None,
        complete: bool,
        set_digest: str,
        precision: int,
        subject: dict[str, Any] | None = None,
        categories: tuple[CategoryResult, ...] | None = None,
        indicators: tuple[IndicatorResult, ...] | None = None,
        checks: tuple[CheckResult, ...] | None = None,
        discrepancies: tuple[Discrepancy, ...] | None = None,
        points_lost: tuple[PointsLost, ...] | None = None,
        penalties: tuple[str, ...] | None = None,
        warnings: tuple[str, ...] | None = None,
        rescaled: bool = False,
        lang: Lang = "zh",
        row: int | None = None,
        kind: str = "project",
        data: Any = None,
        detail: Callable[[], Result] | None = None,
    ) -> None:
        given = {
            "subject": subject,
            "categories": categories,
            "indicators": indicators,
            "checks": checks,
            "discrepancies": discrepancies,
            "points_lost": points_lost,
            "penalties": penalties,
            "warnings": warnings,
        }
        absent = [k for k, v in given.items() if v is None]
        if absent and detail is None:
            raise TypeError(f"Result() needs {', '.join(absent)} (or detail)")
        self.__dict__.update(
            indicator_set=indicator_set,
            indicator_set_name=indicator_set_name,
            total=total,
            full_score=full_score,
            grade=grade,
            complete=complete,
            set_digest=set_digest,
            precision=precision,
            rescaled=rescaled,
            lang=lang,
            row=row,
            kind=kind,
            data=data,
            _detail=detail,
        )
        # Given parts sit where the cached properties below look first.
        self.__dict__.update({k: v for k, v in given.items() if v is not None})

    @classmethod
    def deferred(cls, light: dict[str, Any]) -> Result:
        """A Result holding only its light parts (``_LIGHT`` and ``data``); the rest is
        built on first read by ``light["_rebuild"](data, row)``, a function shared by
        every row of a set (one object fewer a row for the garbage collector to walk).
        The fast path's constructor: no checks."""
        self = object.__new__(cls)
        self.__dict__.update(light)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in _FIELDS)
        return f"Result({inner})"

    @_Lazy
    def _full(self) -> Result:
        """The general path's result for the same data, built once, on first read."""
        rebuild = self.__dict__.get("_rebuild")
        if rebuild is not None:
            full: Result = rebuild(self.data, self.row)
        else:
            detail = self.__dict__["_detail"]
            assert detail is not None, "an eager Result holds every part"
            full = detail()
        mine = tuple(getattr(self, f) for f in _LIGHT)
        if tuple(getattr(full, f) for f in _LIGHT) != mine:
            # Never shown silently: a total that the explanation would contradict.
            raise RuntimeError(
                f"kpiscore: fast and general scoring disagree on row {self.row}: please report"
                if self.lang == "en"
                else f"kpiscore 内部错误：第 {self.row} 行的快速计分与完整计分不一致，请报告此问题"
            )
        return full

    @_Lazy
    def subject(self) -> dict[str, Any]:
        return self._full.subject

    @_Lazy
    def categories(self) -> tuple[CategoryResult, ...]:
        return self._full.categories

    @_Lazy
    def indicators(self) -> tuple[IndicatorResult, ...]:
        return self._full.indicators

    @_Lazy
    def checks(self) -> tuple[CheckResult, ...]:
        return self._full.checks

    @_Lazy
    def discrepancies(self) -> tuple[Discrepancy, ...]:
        return self._full.discrepancies

    @_Lazy
    def points_lost(self) -> tuple[PointsLost, ...]:
        return self._full.points_lost

    @_Lazy
    def penalties(self) -> tuple[str, ...]:
        return self._full.penalties

    @_Lazy
    def warnings(self) -> tuple[str, ...]:
        return self._full.warnings

    @_Lazy
    def data(self) -> Any:
        """The data as it was scored (containers copied), for ``data_digest``. A fast-path
        row of values only keeps just their copy until this is read: one object fewer a
        kept Result for the garbage collector to walk."""
        return {"values": self.__dict__["_cells"]}

    @_Lazy
    def data_digest(self) -> str:
        """sha256 of the data in canonical form: the same data gives the same digest, from
        a YAML file, a CSV row or Python values. Taken on first read."""
        return digest_of(self.data)

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process whole (every part built) with its digest taken, not
        # the data it came from nor the set it would be built from.
        state = {f: getattr(self, f) for f in _FIELDS}
        state["data_digest"] = self.data_digest
        state["indicators"] = _portable(self.indicators)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, data=None, _detail=None, _rebuild=None)

    def indicator(self, indicator_id: str) -> IndicatorResult:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def to_dict(self, steps: bool = False) -> dict[str, Any]:
        """The JSON contract as a mapping; ``steps=True`` adds each indicator's steps."""
        return self._mapping(steps, explained=True)

    def _mapping(self, steps: bool, explained: bool) -> dict[str, Any]:
        """to_dict, with each indicator's explanation only when ``explained``."""
        row = {} if self.row is None else {"row": self.row}
        return {
            "schema_version": SCHEMA_VERSION,
            **row,
            "indicator_set": self.indicator_set,
            "indicator_set_name": self.indicator_set_name,
            "kind": self.kind,
            "subject": _jsonable(self.subject),
            "total": fmt_plain(self.total),
            "full_score": fmt_plain(self.full_score),
            "grade": self.grade,
            "complete": self.complete,
            "rescaled": self.rescaled,
            "precision": self.precision,
            "lang": self.lang,
            "categories": [c.to_dict() for c in self.categories],
            "indicators": [i._mapping(steps, explained) for i in self.indicators],
            "checks": [c.to_dict() for c in self.checks],  # passed ones too, with "passed"
            "discrepancies": [d.to_dict() for d in self.discrepancies],
            "points_lost": [p.to_dict() for p in self.points_lost],
            "penalties": list(self.penalties),
            # Objects {code, message, indicator}: tools branch on the code.
            "warnings": [as_message(w).to_dict() for w in self.warnings],
            "hashes": {"indicator_set": self.set_digest, "data": self.data_digest},
        }

    def write(self, path: str | Path, *, template: str | Path | None = None) -> Path:
        """Write this result to ``path`` in the format its suffix names (.txt .md .html
        .json .xlsx .docx); ``template``: a unit's own Word template for .docx."""
        from ._output import write

        return write(self, path, template=template)

    def to_json(self, indent: int | None = 2, steps: bool = False) -> str:
        """The result as JSON (its shape: ``kpiscore.result_schema()``); ``indent=None`` gives
        one compact line. The same text as ``json.dumps(to_dict(steps), ensure_ascii=False,
        indent=indent)``, written without building the mapping."""
        return _json_writer()(self, indent, steps)


@functools.cache
def _json_writer() -> Callable[[Result, int | None, bool], str]:
    """``_result_json.to_json``, imported on the first call (not with this module; an
    import statement in ``to_json`` cost 0.6 µs a call)."""
    from ._result_json import to_json

    return to_json


def _portable(indicators: tuple[IndicatorResult, ...]) -> tuple[IndicatorResult, ...]:
    """The indicators with one vocabulary for all of them in place of their set's Words
    (pickled once, not once per indicator); their explanations are worded again from
    their steps when read."""
    by_words: dict[int, tuple[Words, list[IndicatorResult]]] = {}
    for ir in indicators:
        if ir.words is not None and ir.words[0].iset is not None:
            by_words.setdefault(id(ir.words[0]), (ir.words[0], []))[1].append(ir)
    if not by_words:
        return indicators
    vocabularies: dict[int, Words] = {}
    for key, (words, irs) in by_words.items():
        inds = [ir.words[1] for ir in irs if ir.words is not None]
        vocabularies[key] = words.vocabulary(
            [i for i in inds if not isinstance(i, IndicatorKey)],
            [s for ir in irs for s in ir.steps],
        )
    out = []
    for ir in indicators:
        if ir.words is None or ir.words[0].iset is None:
            out.append(ir)
            continue
        fields = {k: v for k, v in ir.__dict__.items() if k not in ("explanation", "_fixed")}
        fields["words"] = (vocabularies[id(ir.words[0])], IndicatorKey(ir.words[1].id))
        out.append(IndicatorResult._made(fields))
    return tuple(out)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, Decimal):
        return fmt_plain(x)
    if isinstance(x, (str, bool, int)) or x is None:
        return x
    return str(x)
