"""A Result's JSON text, written straight from its parts.

The bytes are those of ``json.dumps(result.to_dict(steps), ensure_ascii=False,
indent=indent)``; only the way there differs. ``to_dict`` builds some 250 small
objects a row and json's encoder walks them again (the indented form in pure
Python), which cost more than scoring the row. What the set decides — each
indicator's id, name, weight and target, each category's, the keys, the
indentation — is rendered once per (set, language, indent, steps) into text
fragments; a row fills in only its own values.

A template is made from the first result that needs it, by ``json.dumps`` itself
with a placeholder in each varying place, and is kept only if it reproduces that
result exactly. A result whose fixed parts are not the template's (built by
hand, changed with ``dataclasses.replace``, unpickled) goes through ``to_dict``.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from json.encoder import encode_basestring  # what json.dumps uses with ensure_ascii=False
from typing import TYPE_CHECKING, Any, get_args

from ._messages import as_message
from ._numbers import fmt_plain, fmt_value
from .result import (
    CheckResult,
    Discrepancy,
    IndicatorResult,
    Result,
    Status,
    _jsonable,
)

if TYPE_CHECKING:
    from ._plain_json import PlainJson
    from ._wording import Words

# An IndicatorResult's keys a row decides, in to_dict's order.
_IND_VARYING = (
    "actual",
    "actual_shown",
    "completion",
    "score",
    "raw_score",
    "status",
    "explanation",
    "flags",
    "needs_reason",
    "reason",
    "problem",
)
_IND_VARYING_UNEXPLAINED = tuple(k for k in _IND_VARYING if k != "explanation")
_TOP_FIXED = (
    "indicator_set",
    "indicator_set_name",
    "kind",
    "full_score",
    "precision",
    "lang",
    "set_digest",
)
_SLOT = re.compile(r'"\\u0000(\d+)\\u0000"')
_LITERALS = {None: "null", True: "true", False: "false"}
_MAX_OBJECTS = 4096  # laid-out records kept per template
LostItem = tuple[str, str, str, Decimal]  # id, name, status, the points lost
_HOLE = "\x00"  # where a record's amount goes: any NUL in a text is escaped by then


def to_json(result: Result, indent: int | None, steps: bool, explained: bool = True) -> str:
    """``json.dumps(result._mapping(steps, explained))``: without the explanations when
    not ``explained`` (a batch's .jsonl line), and then never worded."""
    held = result.__dict__
    writer: PlainJson | None = held.get("_plain")
    if writer is not None and not steps and "_full" not in held:
        text = writer.text(result, indent, explained)  # a plain row, its detail never read
        if text is not None:
            return text
    found = _template_for(result, indent, steps, explained)
    if found is None:
        return _generic(result, indent, steps, explained)
    return found.render(result)


def _generic(result: Result, indent: int | None, steps: bool, explained: bool = True) -> str:
    return json.dumps(result._mapping(steps, explained), ensure_ascii=False, indent=indent)


def _words_of(result: Result) -> Words | None:
    indicators = result.indicators
    if not indicators:
        return None
    words = indicators[0].__dict__.get("words")
    # An unpickled result's vocabulary knows no set to make a template from.
    return None if words is None or words[0].iset is None else words[0]


def _template_for(
    result: Result, indent: int | None, steps: bool, explained: bool = True
) -> _Template | None:
    if indent is not None and (type(indent) is not int or indent < 0):
        return None
    words = _words_of(result)
    if words is None:
        return None
    key = (indent, steps, explained, result.row is not None, len(result.categories))
    templates = words.json_templates
    if key not in templates:  # None too: this kind of result is written by to_dict
        templates[key] = _Template.made(result, words, indent, steps, explained)
    found = templates[key]
    return found if found is not None and found.fits(result) else None


def _keys(*names: str) -> tuple[str, ...]:
    return tuple(encode_basestring(n) + ": " for n in names)


_CHECK = _keys("name", "assert", "passed", "left", "right", "difference", "tolerance", "message")
_DISCREPANCY = _keys("id", "name", "claimed", "computed", "difference", "explanation")
_POINTS_LOST = _keys("id", "name", "lost", "status")
_WARNING = _keys("code", "message", "indicator")


def _check(c: CheckResult) -> tuple[str, ...]:
    if c.passed and c.left is None:  # a shared passed check (_evaluate._passed): laid out once
        record: tuple[str, ...] | None = c.__dict__.get("_json")
        if record is None:
            record = c.__dict__["_json"] = _check_record(c)
        return record
    return _check_record(c)


def _check_record(c: CheckResult) -> tuple[str, ...]:
    return (
        _text(c.name),
        _text(c.formula),
        _LITERALS[c.passed],
        _number(fmt_plain(c.left)),
        _number(fmt_plain(c.right)),
        _number(fmt_plain(c.difference)),
        _number(fmt_plain(c.tolerance)),
        _text(c.message),
    )


def _discrepancy(d: Discrepancy) -> tuple[str, ...]:
    return (
        _text(d.id),
        _text(d.name),
        _number(fmt_plain(d.claimed)),
        _number(fmt_plain(d.computed)),
        _number(fmt_plain(d.difference)),
        _text(d.explanation),
    )


def _warning(w: str) -> tuple[str, ...]:
    m = as_message(w)
    if m is not w:
        return (_text(m.code), _text(str(m)), _text(m.indicator))
    # A Message is immutable and, replayed from a shared indicator result, seen again.
    record = m.__dict__.get("_json")
    if record is None:
        record = m.__dict__["_json"] = (_text(m.code), _text(str(m)), _text(m.indicator))
    return record


# Every status as JSON, written once (a row writes one per indicator).
_STATUSES = {status: encode_basestring(status) for status in get_args(Status)}


# How a subject's scalar cells are written, by type (bool before int: True is not 1).
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: str,
    bool: lambda v: _LITERALS[v],
    type(None): lambda v: "null",
    Decimal: lambda v: _number(fmt_plain(v)),  # a year or amount as read (2023 from a table)
}


def _text(v: str | None) -> str:
    return "null" if v is None else encode_basestring(v)


def _number(s: str | None) -> str:
    # A decimal string from fmt_plain/fmt_value: digits, "." and "-", nothing to escape.
    return "null" if s is None else f'"{s}"'


class _Template:
    """The literal text between the varying values of one kind of result."""

    def __init__(
        self,
        parts: list[str],
        fixed: dict[str, Any],
        indent: int | None,
        steps: bool,
        explained: bool = True,
    ):
        self.parts = parts
        self.blank = [""] * (2 * len(parts) - 1)  # a row's text, parts and values in turn
        # Each slot's line indentation: a container there is indented one level deeper.
        self.leads = [p[p.rfind("\n") + 1 :] for p in parts[:-1]]
        self.leads = [line[: len(line) - len(line.lstrip(" "))] for line in self.leads]
        self.tail = parts[1:]
        self.fixed = fixed
        self.indent = indent
        self.steps = steps
        self.explained = explained
        # json.dumps makes an encoder per call when ensure_ascii is off: one, kept.
        self.encode = json.JSONEncoder(ensure_ascii=False, indent=indent).encode
        self.objects: dict[tuple[tuple[str, ...], tuple[str, ...], int], str] = {}
        self.frames: dict[tuple[str, str, str, int], tuple[str, str]] = {}
        self.warned: dict[tuple[tuple[str, ...], int], tuple[tuple[str, ...], str]] = {}
        self.names: dict[int, tuple[str, str]] = {}  # a name-only subject, by slot
        # A replayed indicator's points lost, laid out: (the very tuple, its record).
        self.lost: dict[int, tuple[LostItem, int, str]] = {}

    @classmethod
    def made(
        cls, result: Result, words: Words, indent: int | None, steps: bool, explained: bool = True
    ) -> _Template | None:
        """From ``result``'s own JSON with a placeholder in each varying place; None
        when the rendering does not give back exactly ``json.dumps`` of the result."""
        fixed_inds = []
        for ir in result.indicators:
            w = ir.__dict__.get("words")
            if w is None or w[0] is not words:
                return None
            fixed_inds.append(words.fixed(w[1]))
        data = result._mapping(steps, explained)
        count = 0

        def slot() -> str:
            nonlocal count
            count += 1
            return f"\x00{count - 1}\x00"

        if "row" in data:
            data["row"] = slot()
        for key in ("subject", "total", "grade", "complete", "rescaled"):
            data[key] = slot()
        for cat in data["categories"]:
            cat["score"], cat["applicable_weight"] = slot(), slot()
        for ind in data["indicators"]:
            for key in _IND_VARYING if explained else _IND_VARYING_UNEXPLAINED:
                ind[key] = slot()
            if steps:
                ind["steps"] = slot()
        for key in ("checks", "discrepancies", "points_lost", "penalties", "warnings"):
            data[key] = slot()
        data["hashes"]["data"] = slot()
        pieces = _SLOT.split(json.dumps(data, ensure_ascii=False, indent=indent))
        if [int(n) for n in pieces[1::2]] != list(range(count)):
            return None
        fixed = {f: getattr(result, f) for f in _TOP_FIXED}
        fixed["categories"] = [(c.id, c.name, c.weight) for c in result.categories]
        fixed["indicators"] = fixed_inds
        made = cls(pieces[0::2], fixed, indent, steps, explained)
        same = made.render(result) == _generic(result, indent, steps, explained)
        return made if same else None

    def fits(self, result: Result) -> bool:
        """Whether ``result``'s fixed parts are those this template was made with."""
        fixed = self.fixed
        for f in _TOP_FIXED:
            if getattr(result, f) != fixed[f]:
                return False
        if [(c.id, c.name, c.weight) for c in result.categories] != fixed["categories"]:
            return False
        expected = fixed["indicators"]
        indicators = result.indicators
        if len(indicators) != len(expected):
            return False
        # The scorer makes each IndicatorResult from its indicator's fixed fields and marks
        # it so; dataclasses.replace() (the one way to change a field) drops the mark.
        return all(
            ir.__dict__.get("_fixed") is want for ir, want in zip(indicators, expected, strict=True)
        )

    def nested(self, value: Any, slot: int) -> str:
        """Any value at a slot, a container indented as json.dumps would there."""
        if isinstance(value, (list, tuple, dict)) and not value:
            return "{}" if isinstance(value, dict) else "[]"
        text = self.encode(value)
        return text.replace("\n", "\n" + self.leads[slot]) if self.indent is not None else text

    def render(self, result: Result) -> str:
        values: list[str] = []
        add = values.append
        if result.row is not None:
            add(str(result.row))
        add(self.subject(result.subject, len(values)))
        add(_number(fmt_plain(result.total)))
        add(_text(result.grade))
        add(_LITERALS[result.complete])
        add(_LITERALS[result.rescaled])
        for c in result.categories:
            add(_number(fmt_plain(c.score)))
            add(_number(fmt_plain(c.applicable_weight)))
        for ir in result.indicators:
            self._indicator(ir, values)
        records = self.records
        add(records(_CHECK, [_check(c) for c in result.checks], len(values)))
        add(records(_DISCREPANCY, [_discrepancy(d) for d in result.discrepancies], len(values)))
        lost = [(p.id, p.name, p.status, p.lost) for p in result.points_lost]
        add(self.points_lost(lost, len(values)))
        add(self.strings(result.penalties, len(values)))
        add(self.warnings(result.warnings, len(values)))
        add(_text(result.data_digest))
        return self.joined(values)

    def joined(self, values: list[str]) -> str:
        """The template's text with a row's values (already JSON) in its slots."""
        out = self.blank.copy()  # parts and values, interleaved by slices
        if len(values) != len(self.parts) - 1:
            raise AssertionError("a result's JSON template does not fit it")  # pragma: no cover
        out[0::2] = self.parts
        out[1::2] = values
        return "".join(out)

    def strings(self, items: tuple[str, ...], slot: int) -> str:
        """A list of texts (flags, penalties) as json.dumps lays it out at ``slot``,
        without the encoder (a flagged indicator a row costs a call to it otherwise)."""
        if not items:
            return "[]"
        if not all(type(s) is str for s in items):
            return self.nested(list(items), slot)
        return self.listed([encode_basestring(s) for s in items], slot)

    def records(self, keys: tuple[str, ...], rows: list[tuple[str, ...]], slot: int) -> str:
        """A list of flat objects (each value already JSON) as json.dumps lays it out."""
        if not rows:
            return "[]"
        made, objects = self.objects, []
        for row in rows:
            key = (keys, row, slot)
            text = made.get(key)
            if text is None:
                # Rows repeat their warnings and lost points: each object is laid out once.
                if len(made) >= _MAX_OBJECTS:
                    made.clear()
                text = made[key] = self.laid_out(keys, row, slot)
            objects.append(text)
        return self.listed(objects, slot)

    def warnings(self, warnings: Sequence[str], slot: int) -> str:
        """The warnings as json.dumps lays them out at ``slot``. Rows repeat a few lists
        of the same Message objects (a reason owed, worded once per indicator): each list
        is laid out once, and reused only for those very objects (two messages may share
        a text and differ in code)."""
        if not warnings:
            return "[]"
        key = (tuple(warnings), slot)
        found = self.warned.get(key)
        if found is not None and all(map(operator.is_, found[0], key[0])):
            return found[1]
        text = self.records(_WARNING, [_warning(w) for w in warnings], slot)
        if len(self.warned) >= _MAX_OBJECTS:
            self.warned.clear()
        self.warned[key] = (key[0], text)
        return text

    def points_lost(self, items: Sequence[LostItem], slot: int, kept: bool = False) -> str:
        """The points lost as (id, name, status, amount), each record laid out once per
        (indicator, status) with a hole for the amount: the amounts differ from row to
        row, the rest does not. ``kept``: the items are tuples a writer keeps and hands
        again (a replayed indicator's), each laid out once and known again by identity
        (1.0 and 1.00 are equal and print apart: never by value)."""
        if not items:
            return "[]"
        objects = []
        known = self.lost
        for item in items:
            if kept:
                found = known.get(id(item))
                if found is not None and found[0] is item and found[1] == slot:
                    objects.append(found[2])
                    continue
            text = self._lost_record(item, slot)
            objects.append(text)
            # Filled, never emptied: the replayed come first (a set's first rows), and an
            # amount that never repeats is only ever a miss (no clearing to pay for).
            if kept and len(known) < _MAX_OBJECTS:
                known[id(item)] = (item, slot, text)  # item held: its id stays its own
        return self.listed(objects, slot)

    def _lost_record(self, item: LostItem, slot: int) -> str:
        i, name, status, lost = item
        key = (i, name, status, slot)
        frame = self.frames.get(key)
        if frame is None:
            if len(self.frames) >= _MAX_OBJECTS:
                self.frames.clear()
            row = (_text(i), _text(name), _HOLE, _text(status))
            before, after = self.laid_out(_POINTS_LOST, row, slot).split(_HOLE)
            frame = self.frames[key] = (before, after)
        return frame[0] + _number(fmt_plain(lost)) + frame[1]

    def listed(self, items: list[str], slot: int) -> str:
        """A non-empty list of items already written as JSON, laid out as json.dumps
        lays out a list at ``slot``."""
        if self.indent is None:
            return "[" + ", ".join(items) + "]"
        lead = self.leads[slot]
        item = "\n" + lead + " " * self.indent
        return "[" + item + ("," + item).join(items) + "\n" + lead + "]"

    def laid_out(self, keys: tuple[str, ...], row: tuple[str, ...], slot: int) -> str:
        """One flat object as an item of the list at ``slot``."""
        return self.flat(keys, row, self.leads[slot] + " " * (self.indent or 0))

    def flat(self, keys: tuple[str, ...], row: tuple[str, ...], lead: str) -> str:
        """A flat object (each value already JSON) as json.dumps lays it out at ``lead``."""
        if self.indent is None:
            return "{" + ", ".join(map(str.__add__, keys, row)) + "}"
        field = "\n" + lead + " " * self.indent
        return "{" + field + ("," + field).join(map(str.__add__, keys, row)) + "\n" + lead + "}"

    def subject(self, subject: dict[str, Any], slot: int) -> str:
        """The subject: text, whole numbers and blanks under text keys (what a row gives)
        written directly; anything else through the encoder."""
        if len(subject) == 1 and type(name := subject.get("name")) is str:
            before, after = self.named(slot)  # most rows
            return before + encode_basestring(name) + after
        row = []
        for k, v in subject.items():
            write = _SCALARS.get(type(v))
            if write is None or type(k) is not str:
                return self.nested(_jsonable(subject), slot)
            row.append(write(v))
        if not row:
            return "{}"
        keys = tuple(encode_basestring(k) + ": " for k in subject)
        return self.flat(keys, tuple(row), self.leads[slot])

    def named(self, slot: int) -> tuple[str, str]:
        """A subject of a name only, before and after its name's text: ``flat`` split at
        the hole (kept as one pair: a thread never sees half of it)."""
        found = self.names.get(slot)
        if found is None:
            before, after = self.flat(('"name": ',), (_HOLE,), self.leads[slot]).split(_HOLE)
            found = self.names[slot] = (before, after)
        return found

    def _indicator(self, ir: IndicatorResult, values: list[str]) -> None:
        """An indicator's values; one shared between rows (``_memo``) writes them once
        per template and slot, and hands the same strings to every row after."""
        held = ir.__dict__
        if not held.get("_shared"):
            self._indicator_values(ir, values)
            return
        at = len(values)
        made = held.get("_json")
        if made is not None and made[0] is self and made[1] == at:
            values.extend(made[2])
            return
        self._indicator_values(ir, values)
        held["_json"] = (self, at, tuple(values[at:]))

    def _indicator_values(self, ir: IndicatorResult, values: list[str]) -> None:
        self.indicator_values(
            values,
            ir.actual,
            ir.shown,
            ir.completion,
            ir.score,
            ir.raw_score,
            ir.status,
            ir.explanation if self.explained else "",  # never worded when not written
            ir.flags,
            ir.needs_reason,
            ir.reason,
            ir.problem,
        )
        if self.steps:
            values.append(self.nested([s.to_dict() for s in ir.steps], len(values)))

    def indicator_values(
        self,
        values: list[str],
        actual: Any,
        shown: str,
        completion: Decimal | None,
        score: Decimal,
        raw: Decimal,
        status: str,
        explanation: str,
        flags: tuple[str, ...],
        needs: bool,
        reason: str | None,
        problem: str | None,
        written: str | None = None,
    ) -> None:
        """An indicator's values a row decides, from an IndicatorResult or from what
        ``_plain_json`` computes in its place (with the actual already ``written`` by
        ``fmt_value`` when it is shown without a unit); the explanation only where the
        template has a place for it."""
        at = len(values)  # the slot of the indicator's first value
        if written is not None:
            first = _number(written)
        elif isinstance(actual, Decimal):
            first = _number(fmt_value(actual))
        elif actual is None or isinstance(actual, str):
            first = _text(actual)
        else:
            first = self.nested(actual, at)
        values += (
            first,
            encode_basestring(shown),  # a str, as the explanation and a reason: no _text()
            "null" if completion is None else f'"{fmt_value(completion)}"',  # _number inline
            f'"{fmt_plain(score)}"',
            f'"{fmt_plain(raw)}"',
            _STATUSES.get(status) or _text(status),
            encode_basestring(explanation),
            self.strings(flags, at + 6 + self.explained) if flags else "[]",
            _LITERALS[needs],
            "null" if reason is None else encode_basestring(reason),
            "null" if problem is None else encode_basestring(problem),
        )
        if not self.explained:  # a batch's .jsonl line: no place for it (and never worded)
            del values[at + 6]
