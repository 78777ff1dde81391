"""A set's validated form: plain records, read without pydantic when the file is well formed.

The compiler reads these records, never the pydantic models. A set file that
is well formed - every key known, every value of the type its field takes -
is read into them here, in plain Python, so that loading it never imports
pydantic (which costs most of a cold command line's start). Anything this
reader does not accept as written goes to the pydantic models (``model``),
which either accept it - then ``from_model`` copies the result into records -
or say in the officer's language what is wrong. The reader never decides that
a set is wrong: it only ever answers "read" or "ask pydantic". A property test
holds both readers to the same records, and one test holds these fields to the
models' fields.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._format import (
    band_score_is_number,
    check_bool,
    check_formula,
    check_id,
    check_input_type,
    check_int,
    check_kind,
    check_number,
    check_operator,
    check_optional_formula,
    check_rounding,
    check_rule,
    check_text,
    check_version,
    target_is_mapping,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

Shape = Callable[[Any], Any]


class Unread(Exception):
    """This reader does not accept the value as written: the models will look at it."""


class _Field:
    """One key of a record: how its value is read, and what it is when not written."""

    __slots__ = ("default", "factory", "key", "name", "required", "shape")

    def __init__(
        self,
        shape: Shape,
        *,
        required: bool = False,
        default: Any = None,
        factory: Callable[[], Any] | None = None,
        key: str | None = None,
    ) -> None:
        self.shape = shape
        self.required = required
        self.default = default
        self.factory = factory
        self.key = key
        self.name = ""

    def missing(self) -> Any:
        return self.factory() if self.factory is not None else self.default


def need(shape: Shape, *, key: str | None = None) -> Any:
    return _Field(shape, required=True, key=key)


def opt(shape: Shape, default: Any = None, *, factory: Callable[[], Any] | None = None) -> Any:
    return _Field(shape, default=default, factory=factory)


_R = TypeVar("_R", bound="Record")


class Record:
    """A validated part of a set: its values, and which keys the file wrote.

    Each kind of record bears its pydantic model's name (``Indicator``,
    ``IndicatorSetModel``…): ``from_model`` pairs them by it, and a test holds each
    pair to the same keys, defaults and aliases."""

    FIELDS: ClassVar[tuple[_Field, ...]] = ()
    BY_KEY: ClassVar[dict[str, _Field]] = {}
    written: frozenset[str]

    def __init_subclass__(cls) -> None:
        fields = [v for v in vars(cls).values() if isinstance(v, _Field)]
        for name, f in list(vars(cls).items()):
            if isinstance(f, _Field):
                f.name = name
                delattr(cls, name)
        cls.FIELDS = tuple(fields)
        cls.BY_KEY = {f.key or f.name: f for f in fields}

    def __init__(self, values: dict[str, Any], written: frozenset[str]) -> None:
        self.__dict__.update(values)
        self.__dict__["written"] = written

    @classmethod
    def made(cls: type[_R], **written: Any) -> _R:
        """A record from values already checked, as code (not a file) writes one."""
        values = {f.name: written[f.name] if f.name in written else f.missing() for f in cls.FIELDS}
        return cls(values, frozenset(written))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in cls.FIELDS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self), self.written))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.FIELDS)
        return f"{type(self).__name__}({shown})"

    def dump(self) -> dict[str, Any]:
        """The mapping the file wrote (keys as written, numbers as Decimal)."""
        return {
            f.key or f.name: _dumped(getattr(self, f.name))
            for f in self.FIELDS
            if f.name in self.written
        }


def _dumped(value: Any) -> Any:
    if isinstance(value, Record):
        return value.dump()
    if isinstance(value, list):
        return [_dumped(v) for v in value]
    if isinstance(value, dict):
        return {k: _dumped(v) for k, v in value.items()}
    return value


# --- shapes: each reads one value or raises Unread ---------------------------------


def _plain(check: Shape) -> Shape:
    def read(v: Any) -> Any:
        try:
            return check(v)
        except Exception:  # a check's refusal, or anything a check did not foresee
            raise Unread from None

    return read


def _nullable(shape: Shape) -> Shape:
    return lambda v: None if v is None else shape(v)


def _list_of(shape: Shape) -> Shape:
    def read(v: Any) -> list[Any]:
        if type(v) is not list:
            raise Unread
        return [shape(x) for x in v]

    return read


def _dict_of(key: Shape, shape: Shape) -> Shape:
    def read(v: Any) -> dict[Any, Any]:
        if type(v) is not dict:
            raise Unread
        return {key(k): shape(x) for k, x in v.items()}

    return read


def _either(test: Callable[[Any], bool], yes: Shape, no: Shape) -> Shape:
    return lambda v: yes(v) if test(v) else no(v)


def _record(cls: type[Record]) -> Shape:
    def read(v: Any) -> Record:
        if type(v) is not dict:
            raise Unread
        by_key = cls.BY_KEY
        values: dict[str, Any] = {}
        for k, x in v.items():
            f = by_key.get(k) if type(k) is str else None
            if f is None:
                raise Unread
            values[f.name] = f.shape(x)
        written = frozenset(values)
        if len(written) < len(cls.FIELDS):
            for f in cls.FIELDS:
                if f.name not in written:
                    if f.required:
                        raise Unread
                    values[f.name] = f.missing()
        return cls(values, written)

    return read


def _str_key(k: Any) -> str:
    if not isinstance(k, str):
        raise Unread
    return k


NUM = _plain(check_number)
TEXT = _plain(check_text)
ID = _plain(check_id)
FORMULA = _plain(check_formula)
OPTIONAL_FORMULA = _plain(check_optional_formula)
BOOL = _plain(check_bool)
MAYBE_NUM = _nullable(NUM)
MAYBE_TEXT = _nullable(TEXT)


# --- the records ---------------------------------------------------------------------


class TargetSpec(Record):
    op: str = need(_plain(check_operator))
    value: Decimal = need(NUM)
    unit: str | None = opt(MAYBE_TEXT)


class Category(Record):
    id: str = need(ID)
    name: str = need(TEXT)
    name_en: str | None = opt(MAYBE_TEXT)
    weight: Decimal = need(NUM)
    description: str | None = opt(MAYBE_TEXT)


class Level(Record):
    label: str = need(TEXT)
    name_en: str | None = opt(MAYBE_TEXT)
    range: list[Decimal] = need(_list_of(NUM))
    aliases: list[str] = opt(_list_of(TEXT), factory=list)


class Band(Record):
    when: str | None = opt(OPTIONAL_FORMULA)
    score: Decimal | str = need(_either(band_score_is_number, NUM, FORMULA))
    label: str | None = opt(MAYBE_TEXT)


class ChecklistItem(Record):
    id: str | None = opt(_nullable(ID))
    label: str = need(TEXT)
    points: Decimal = need(NUM)


class Indicator(Record):
    id: str = need(ID)
    category: str = need(TEXT)
    group: str | None = opt(MAYBE_TEXT)
    group_en: str | None = opt(MAYBE_TEXT)
    name: str = need(TEXT)
    name_en: str | None = opt(MAYBE_TEXT)
    weight: Decimal = need(NUM)
    target: TargetSpec | str | None = opt(
        _nullable(_either(target_is_mapping, _record(TargetSpec), TEXT))
    )
    rule: str | None = opt(_nullable(_plain(check_rule)))
    actual: str | None = opt(OPTIONAL_FORMULA)
    applies: str | None = opt(OPTIONAL_FORMULA)
    explain: str | None = opt(MAYBE_TEXT)
    over_achievement: Decimal | None = opt(MAYBE_NUM)
    reason_required: str | None = opt(OPTIONAL_FORMULA)
    core: bool = opt(BOOL, False)
    description: str | None = opt(MAYBE_TEXT)
    zero_below: Decimal | None = opt(MAYBE_NUM)
    zero_above: Decimal | None = opt(MAYBE_NUM)
    tolerance: Decimal | None = opt(MAYBE_NUM)
    levels: list[Level] | None = opt(_nullable(_list_of(_record(Level))))
    aliases: dict[str, list[str]] | None = opt(_nullable(_dict_of(TEXT, _list_of(TEXT))))
    late_per_month: Decimal | None = opt(MAYBE_NUM)
    bands: list[Band] | None = opt(_nullable(_list_of(_record(Band))))
    per: Decimal | None = opt(MAYBE_NUM)
    count: str | None = opt(OPTIONAL_FORMULA)
    items: list[ChecklistItem] | None = opt(_nullable(_list_of(_record(ChecklistItem))))
    score: str | None = opt(OPTIONAL_FORMULA)


class Input(Record):
    name: str = need(TEXT)
    name_en: str | None = opt(MAYBE_TEXT)
    unit: str | None = opt(MAYBE_TEXT)
    type: str = opt(_plain(check_input_type), "number")
    description: str | None = opt(MAYBE_TEXT)


class Check(Record):
    name: str = need(TEXT)
    assert_: str = need(FORMULA, key="assert")
    tolerance: Decimal | None = opt(MAYBE_NUM)


class Penalty(Record):
    name: str = need(TEXT)
    when: str = need(FORMULA)
    deduct: Decimal | None = opt(MAYBE_NUM)
    grade: str | None = opt(MAYBE_TEXT)


class Reasons(Record):
    below_weight: bool = opt(BOOL, True)
    over_achievement: bool = opt(BOOL, True)
    deviation_above: Decimal | None = opt(MAYBE_NUM)


class Grade(Record):
    label: str = need(TEXT)
    name_en: str | None = opt(MAYBE_TEXT)
    min: Decimal = need(NUM)


DEFAULT_GRADES: tuple[Grade, ...] = tuple(
    Grade.made(label=label, min=Decimal(low))
    for label, low in (("优", 90), ("良", 80), ("中", 60), ("差", 0))
)


class IndicatorSetModel(Record):
    kpiscore: int = need(_plain(check_version))
    id: str = need(ID)
    name: str = need(TEXT)
    kind: str = opt(_plain(check_kind), "project")
    description: str | None = opt(MAYBE_TEXT)
    source: str | None = opt(MAYBE_TEXT)
    full_score: Decimal = opt(NUM, Decimal(100))
    precision: int = opt(_plain(check_int), 2)
    rounding: str = opt(_plain(check_rounding), "indicator")
    grades: list[Grade] = opt(_list_of(_record(Grade)), factory=lambda: list(DEFAULT_GRADES))
    over_achievement: Decimal = opt(NUM, Decimal("1.2"))
    reasons: Reasons = opt(_record(Reasons), factory=lambda: Reasons.made())
    inputs: dict[str, Input] | None = opt(_nullable(_dict_of(_str_key, _record(Input))))
    categories: list[Category] = need(_list_of(_record(Category)))
    indicators: list[Indicator] = need(_list_of(_record(Indicator)))
    checks: list[Check] = opt(_list_of(_record(Check)), factory=list)
    penalties: list[Penalty] = opt(_list_of(_record(Penalty)), factory=list)


_read_set = _record(IndicatorSetModel)


def read(data: Any) -> IndicatorSetModel | None:
    """The set's records, or None when the pydantic models must look at it."""
    try:
        found = _read_set(data)
    except Unread:
        return None
    assert isinstance(found, IndicatorSetModel)
    return found


RECORDS: dict[str, type[Record]] = {
    cls.__name__: cls
    for cls in (
        TargetSpec,
        Category,
        Level,
        Band,
        ChecklistItem,
        Indicator,
        Input,
        Check,
        Penalty,
        Reasons,
        Grade,
        IndicatorSetModel,
    )
}


def from_model(model: BaseModel) -> Any:  # the record of the model's kind
    """The records of a set the pydantic models accepted: the compiler's one input type."""
    from pydantic import BaseModel

    def copied(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return from_model(value)
        if isinstance(value, list):
            return [copied(v) for v in value]
        if isinstance(value, dict):
            return {k: copied(v) for k, v in value.items()}
        return value

    cls = RECORDS[type(model).__name__]
    values = {f.name: copied(getattr(model, f.name)) for f in cls.FIELDS}
    return cls(values, frozenset(model.model_fields_set))
