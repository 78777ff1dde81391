"""The plain reader (``_records``) and the pydantic models read every set alike.

Documents are drawn from the pydantic models' own fields - the format's source
of truth - with each value usually of the kind its check accepts and
sometimes anything at all, so that both well-formed and broken sets come up.
"""

from __future__ import annotations

import subprocess
import sys
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticUndefined
from tests.conftest import ROOT

import kpiscore
from kpiscore import _format, _records, model

D = Decimal
PAIRS = [(getattr(model, name), cls) for name, cls in _records.RECORDS.items()]

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.sampled_from([D("NaN"), D("Infinity"), D("1e16"), D("-0.5"), D("1.50"), 1.5]),
    st.sampled_from(["", "  ", "a\x00b", "x" * 501, "A-1", "达成", "<= 3", ">= 95%"]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "op", "id"]), st.integers(0, 2), max_size=2),
)
_VALID: dict[Any, st.SearchStrategy[Any]] = {
    _format.check_number: st.one_of(
        st.decimals(-(10**6), 10**6, places=3, allow_nan=False, allow_infinity=False),
        st.integers(-100, 100),
        st.sampled_from([D("1.0"), D("0.10"), D("100")]),
    ),
    _format.check_int: st.integers(0, 6),
    _format.check_text: st.sampled_from(["产出指标", "数量指标", "x", "Outputs", "完成"]),
    _format.check_id: st.sampled_from(["output", "a_1", "b-2", "c"]),
    _format.check_formula: st.sampled_from(["actual >= 1", "x + 1", True, D("2")]),
    _format.check_optional_formula: st.sampled_from(["actual > 0", False, D("0.5")]),
    _format.check_bool: st.booleans(),
    _format.check_version: st.sampled_from([1, D(1), D("1.0")]),
    _format.check_rule: st.sampled_from(_format.RULES),
    _format.check_operator: st.sampled_from(_format.WRITTEN_OPERATORS),
    _format.check_input_type: st.sampled_from(_format.INPUT_TYPES),
    _format.check_kind: st.sampled_from(_format.KINDS),
    _format.check_rounding: st.sampled_from(_format.ROUNDINGS),
}


def _leaf(check: Any) -> st.SearchStrategy[Any]:
    return _VALID[check]


def _value(tp: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        checks = [m.func.__wrapped__ for m in args[1:] if isinstance(m, BeforeValidator)]
        return _leaf(checks[0]) if checks else _value(args[0])
    if origin is Union or origin is types.UnionType:
        return st.one_of(*(_value(a) for a in args))
    if tp is type(None):
        return st.none()
    if origin is list:
        return st.lists(_value(args[0]), max_size=3)
    if origin is dict:
        keys = _value(args[0]).filter(lambda k: isinstance(k, typing.Hashable))
        return st.dictionaries(keys, _value(args[1]), max_size=2)
    if tp is str:
        return st.sampled_from(["spent", "budget", "名称"])
    assert isinstance(tp, type) and issubclass(tp, BaseModel), tp
    return _document(tp)


def _field_type(info: Any) -> Any:
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


@st.composite
def _document(draw: st.DrawFn, cls: type[BaseModel]) -> dict[str, Any]:
    """A mapping the model accepts, as far as each value's own check goes."""
    out: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if info.is_required() or draw(st.booleans()):
            out[info.alias or name] = draw(_value(_field_type(info)))
    return out


def _places(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a document, the document's own keys included."""
    out: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in list(items):
        out.append((node, k))
        if isinstance(v, (dict, list)):
            out += _places(v)
    return out


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    """Half well formed; half with one thing wrong: a value, a key missing, a key unknown."""
    doc = draw(_document(model.IndicatorSetModel))
    if draw(st.booleans()):
        return doc
    node, k = draw(st.sampled_from(_places(doc)))
    how = draw(st.sampled_from(["value", "value", "drop", "unknown"]))
    if how == "value":
        node[k] = draw(_JUNK)
    elif how == "drop" and isinstance(node, dict):
        del node[k]
    elif how == "unknown" and isinstance(node, dict):
        node[draw(st.sampled_from(["weigth", "extra", "Name", "assert_"]))] = 1
    return doc


def _pydantic(doc: dict[str, Any]) -> tuple[_records.IndicatorSetModel | None, Any]:
    """The records pydantic's result copies into, and its own dump of what was written."""
    try:
        validated = model.IndicatorSetModel.model_validate(doc)
    except ValidationError:
        return None, None
    dumped = validated.model_dump(mode="python", by_alias=True, exclude_unset=True)
    return _records.from_model(validated), dumped


@settings(max_examples=400, deadline=None)
@given(_documents())
def test_the_plain_reader_reads_exactly_what_pydantic_accepts_into_the_same_records(doc):
    theirs, their_dump = _pydantic(doc)
    mine = _records.read(doc)
    assert (mine is None) == (theirs is None)
    if mine is not None:
        assert mine == theirs  # values and the keys written
        assert repr(mine) == repr(theirs)  # Decimal exponents too: 1.0 stays 1.0
        assert mine.dump() == their_dump  # what IndicatorSet.to_dict() gives
        assert repr(mine.dump()) == repr(their_dump)


@pytest.mark.parametrize(("theirs", "mine"), PAIRS, ids=[p[1].__name__ for p in PAIRS])
def test_each_record_has_its_model_s_fields_keys_and_defaults(theirs, mine):
    fields = theirs.model_fields
    assert mine.names() == tuple(fields)
    for f in mine.FIELDS:
        info = fields[f.name]
        assert (f.key or f.name) == (info.alias or f.name)
        assert f.required == info.is_required()
        if f.required:
            continue
        made = info.get_default(call_default_factory=True)
        if info.default is PydanticUndefined and info.default_factory is None:
            made = None
        expected = _records._dumped(made) if not isinstance(made, (BaseModel, list)) else made
        got = f.missing()
        if isinstance(made, list) and made and isinstance(made[0], BaseModel):
            assert got == [_records.from_model(m) for m in made]
        elif isinstance(made, BaseModel):
            assert got == _records.from_model(made)
        else:
            assert got == expected and repr(got) == repr(expected)


SHIPPED = sorted((ROOT / "indicator_sets").glob("*.yaml")) + sorted(
    (ROOT / "examples").rglob("*set*.yaml")
)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_set_is_read_without_pydantic(path: Path):
    from kpiscore import _yaml

    doc, _ = _yaml.parse(path.read_text(encoding="utf-8"), str(path), "zh")
    assert _records.read(doc.data) is not None


def test_loading_a_well_formed_set_never_imports_pydantic():
    code = (
        "import sys, kpiscore\n"
        f"kpiscore.load({str(ROOT / 'examples' / 'panyu-2022' / 'department-set.yaml')!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')"
        " or m == 'kpiscore.model'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_set_the_plain_reader_leaves_gets_pydantic_s_message():
    bad = (ROOT / "examples" / "panyu-2022" / "department-set.yaml").read_text(encoding="utf-8")
    bad = bad.replace("\nname:", "\nname: ''\nnmae:", 1)
    with pytest.raises(kpiscore.ConfigError) as err:
        kpiscore.loads(bad)
    text = str(err.value)
    assert "nmae" in text and "name" in text  # the unknown key and its close match


def test_a_record_cannot_be_changed():
    grade = _records.DEFAULT_GRADES[0]
    with pytest.raises(AttributeError):
        grade.min = D(1)


def test_records_are_equal_by_kind_values_and_what_the_file_wrote():
    grade = _records.Grade.made(label="优", min=D(90))
    assert grade == _records.Grade.made(label="优", min=D(90))
    assert hash(grade) == hash(_records.Grade.made(label="优", min=D(90)))
    assert grade != _records.Grade.made(label="优", min=D(80))
    assert grade.name_en is None and grade.written == {"label", "min"}
    assert repr(grade) == "Grade(label='优', name_en=None, min=Decimal('90'))"

    class Twin(_records.Record):  # the same keys and values, another part of a set
        label: str = _records.need(_records.TEXT)
        name_en: str | None = _records.opt(_records.MAYBE_TEXT)
        min: Decimal = _records.need(_records.NUM)

    assert Twin.made(label="优", min=D(90)) != grade
    # The same values, one written by the file and one its default: not the same set.
    assert _records.Reasons.made() != _records.Reasons.made(below_weight=True)
    assert _records.Reasons.made().dump() == {}
    assert _records.Reasons.made(below_weight=True).dump() == {"below_weight": True}
