"""A subject's data as the scorer reads it: sections checked, every value read.

``prepare`` checks the shape of the data (its keys, its sections, how deep it
goes) and reads each value with ``read_value`` and the set's units; what it
cannot read becomes a problem on that value, never an exception, so that one
broken cell costs one indicator. ``prepare_plain`` is the same reading for a
row the fast path has already taken as plain.
"""

from __future__ import annotations

import datetime
import functools
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._data import (
    MAX_DEPTH,
    NA,
    ReadValue,
    SubjectData,
    check_unit,
    plain_na,
    plain_number,
    read_value,
    snapshot,
    too_deep,
)
from ._messages import Lang, describe, has_unsafe_chars, hint, message, printable
from ._messages import zh_en as _t
from ._numbers import fmt_value
from ._subject import read_subject
from ._yaml import Document, Path_
from .compiled import IndicatorSet
from .errors import DataError, Issue

DATA_KEYS = ("indicator_set", "subject", "values", "manual", "reasons", "claimed", "notes")
MAX_VALUES = 10_000


@functools.lru_cache(maxsize=64)
def used_names(iset: IndicatorSet) -> frozenset[str]:
    """Every data value name the set can read, for 'unused value' hints."""
    ids = {ind.id for ind in iset.indicators}
    return iset.formula_names() | ids | frozenset(iset.inputs or ())


@functools.lru_cache(maxsize=64)
def label_ids(iset: IndicatorSet) -> tuple[dict[str, str], dict[str, str]]:
    """Chinese names that stand for ids: (values by input or indicator name, indicators by name).

    A name shared by two ids stands for neither, so nothing is guessed. Each name also
    stands in its NFKC form, as a table's header is read (全年预算数（调整后） is
    全年预算数(调整后) once its full-width brackets are normalised).
    """

    def unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
        seen: dict[str, set[str]] = {}
        for label, ident in pairs:
            for form in {label.strip(), unicodedata.normalize("NFKC", label).strip()}:
                seen.setdefault(form, set()).add(ident)
        return {label: next(iter(ids)) for label, ids in seen.items() if len(ids) == 1}

    value_pairs = [(spec.name, k) for k, spec in (iset.inputs or {}).items()]
    value_pairs += [
        (ind.name, ind.id)
        for ind in iset.indicators
        if ind.actual is None
        and ind.rule != "manual"
        and not (iset.inputs and ind.id in iset.inputs)
    ]
    return unique(value_pairs), unique([(ind.name, ind.id) for ind in iset.indicators])


def claim_ids(iset: IndicatorSet) -> dict[str, str]:
    """The names a claimed score may stand under for its indicator id, 总分 for the total."""
    return {**label_ids(iset)[1], "总分": "total"}


def by_id(section: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in section.items():
        ident = ids.get(key.strip())
        out[ident if ident is not None and ident not in section else key] = value
    return out


class KeyedById:
    """``by_id`` with one ``ids`` for sections whose keys repeat row after row (a
    table's claimed columns): each set of keys mapped once, its cells then moved."""

    _KEPT = 256  # key sets remembered; a key set of more than 64 keys is never kept

    def __init__(self, ids: dict[str, str]):
        self.ids = ids
        self.known: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}

    def __call__(self, section: dict[str, Any]) -> dict[str, Any]:
        keys = tuple(section)
        pairs = self.known.get(keys)
        if pairs is None:
            present, ids = set(keys), self.ids
            pairs = tuple(
                (
                    key,
                    ident
                    if (ident := ids.get(key.strip())) is not None and ident not in present
                    else key,
                )
                for key in keys
            )
            if len(keys) <= 64 and len(self.known) < self._KEPT:
                self.known[keys] = pairs
        return {ident: section[key] for key, ident in pairs}


def prepare(
    iset: IndicatorSet,
    data: Any,
    lang: Lang,
    file: str | None = None,
    doc: Document | None = None,
    check_set: bool = True,
) -> SubjectData:
    """Check the data's shape and read every value; shape problems raise DataError."""

    def problem(code: str, path: Path_, **params: Any) -> Issue:
        # With the parsed document at hand, point at the line; a Python mapping has none.
        msg = message(code, lang, **params)
        if doc is not None:
            return doc.issue(code, msg, path, key=code == "data_unknown_key")
        return Issue(code, msg, path=path, file=file)

    sections, subject, named = _shape(iset, data, lang, problem, check_set)
    # Columns copied from a spreadsheet carry the Chinese names: accept them for the ids.
    value_ids, _ = label_ids(iset)
    clean = _Cleaner()
    values = _read_values(iset, by_id(sections["values"], value_ids), clean, doc)
    notes: list[str] = [
        message(
            "value_converted",
            lang,
            id=name,
            raw=rv.raw or "",
            value=f"{fmt_value(rv.value)}{rv.unit or ''}",
        )
        for name, rv in values.items()
        if rv.converted and isinstance(rv.value, Decimal)
    ]
    return _subject_data(
        iset, sections, subject, named, values, clean, notes, lang, snapshot(data), file, doc
    )


def prepare_plain(iset: IndicatorSet, data: dict[str, Any], lang: Lang) -> SubjectData:
    """``prepare`` for a row the fast path has taken as plain (``_fast.Plan.values``):
    its keys known, each value a number, a level word, a deadline's text or a list of
    items under its own id, nothing manual, claimed scores as scalar cells. The same SubjectData, without the checks and the
    general reading such a row cannot need. ``data`` is already the fast path's copy."""
    values = {name: plain_value(v) for name, v in (data.get("values") or {}).items()}
    subject = data.get("subject") or {}
    sections = {key: dict(data.get(key) or {}) for key in ("manual", "reasons", "claimed")}
    named = data.get("indicator_set")
    clean = _Cleaner()
    subject = {"name": subject} if isinstance(subject, str) else subject
    return _subject_data(iset, sections, subject, named, values, clean, [], lang, data)


def plain_value(v: Any) -> ReadValue:
    """What ``read_value`` (and ``check_unit``) make of a cell the fast path took as
    plain; tests/test_fast.py holds the two equal."""
    t = type(v)
    if t is Decimal:
        return ReadValue.plain(v.copy_abs() if v.is_zero() else v)
    if t is int:
        return ReadValue.plain(Decimal(v))
    if t is float:
        d = Decimal(repr(v))
        return ReadValue.plain(d.copy_abs() if d.is_zero() else d)
    if t is str:  # ASCII digits (the fast path's pattern), or a level word as it reads
        written = v if len(v) <= 30 else v[:27] + "…"  # as read_value quotes a cell
        number = plain_number(v)  # with the % or unit the set expects (Plan.values)
        if number is None:
            if plain_na(v):
                return ReadValue(NA, written=written)
            return ReadValue.plain(v, written=written)
        d, unit = number
        if unit is None:
            return ReadValue.plain(d, written=written)
        return ReadValue(d, unit=unit, written=written)
    if t.__module__ == "numpy" or isinstance(v, datetime.date):
        return read_value(v)  # a numpy integer or float64, a date cell (Plan.values)
    return ReadValue.plain(tuple(v))


def _subject_data(
    iset: IndicatorSet,
    sections: dict[str, dict[str, Any]],
    subject: Mapping[str, Any],
    named: Any,
    values: dict[str, ReadValue],
    clean: _Cleaner,
    notes: list[str],
    lang: Lang,
    source: Any,
    file: str | None = None,
    doc: Document | None = None,
) -> SubjectData:
    _, indicator_ids = label_ids(iset)
    sections["manual"] = by_id(sections["manual"], indicator_ids)
    sections["claimed"] = by_id(sections["claimed"], claim_ids(iset))
    kept_subject = read_subject(subject, clean, notes, lang)
    reasons = read_reasons(iset, sections["reasons"], clean, notes, lang)
    manual = {
        k: {**m, "justification": clean(f"manual.{k}", m.get("justification"))}
        if isinstance(m, Mapping)
        else m
        for k, m in sections["manual"].items()
    }
    if clean.unsafe:
        shown = "、".join(w[:40] for w in clean.unsafe[:5]) + (
            " …" if len(clean.unsafe) > 5 else ""
        )
        notes.append(message("data_unsafe_text", lang, where=shown))
    return SubjectData(
        subject=kept_subject,
        values=values,
        manual=manual,
        reasons=reasons,
        claimed=sections["claimed"],
        indicator_set=named if isinstance(named, str) else None,
        source=source,
        warnings=notes,
        file=file if file is not None else (doc.file if doc is not None else None),
        doc=doc,
    )


def _shape(
    iset: IndicatorSet,
    data: Any,
    lang: Lang,
    problem: Callable[..., Issue],
    check_set: bool,
) -> tuple[dict[str, dict[str, Any]], Mapping[str, Any], Any]:
    """(the four sections as str-keyed dicts, the subject, the named set) or DataError."""
    mapping = _t(lang, "映射（键: 值）", "a mapping")
    if not isinstance(data, Mapping):
        raise DataError([problem("data_not_mapping", (), found=describe(data, lang))])
    if too_deep(data):
        raise DataError([problem("data_too_deep", (), limit=MAX_DEPTH)])
    if "values" not in data and ("indicators" in data or "kpiscore" in data):
        raise DataError([problem("looks_like_set", ())])
    problems: list[Issue] = [
        problem(
            "data_unknown_key", (str(key),), key=str(key)[:40], hint=hint(str(key), DATA_KEYS, lang)
        )
        for key in data
        if key not in DATA_KEYS
    ]
    sections: dict[str, dict[str, Any]] = {}
    for key in ("values", "manual", "reasons", "claimed"):
        section = data.get(key) or {}
        if not isinstance(section, Mapping):
            problems.append(problem("data_wrong_type", (key,), key=key, expected=mapping))
            section = {}
        if len(section) > MAX_VALUES:
            problems.append(
                problem("value_too_long", (key,), length=len(section), limit=MAX_VALUES)
            )
            section = {}
        sections[key] = {str(k): v for k, v in section.items()}
    subject = data.get("subject") or {}
    if isinstance(subject, str):
        subject = {"name": subject}
    if not isinstance(subject, Mapping):
        problems.append(problem("data_wrong_type", ("subject",), key="subject", expected=mapping))
        subject = {}
    named = data.get("indicator_set")
    if check_set and named is not None and named != iset.id:
        problems.append(
            problem("set_mismatch", ("indicator_set",), data=str(named)[:60], set=iset.id)
        )
    if problems:
        raise DataError(problems)
    return sections, subject, named


class _Cleaner:
    """Escape sequences or bidi overrides in a cell must not reach a terminal or report:
    replaced, and where they were is kept for one warning."""

    def __init__(self) -> None:
        self.unsafe: list[str] = []

    def __call__(self, where: str, v: Any) -> Any:
        if isinstance(v, str) and has_unsafe_chars(v):
            self.unsafe.append(where)
            return printable(v)
        return v


def _read_values(
    iset: IndicatorSet, raw_values: dict[str, Any], clean: _Cleaner, doc: Document | None
) -> dict[str, ReadValue]:
    values: dict[str, ReadValue] = {}
    for name, raw in raw_values.items():
        rv = check_unit(name, read_value(clean(f"values.{name}", raw)), iset)
        if rv.problem is not None and doc is not None:
            # The value's line, so the officer can go straight to it.
            pos = doc.locate(("values", name))
            if pos is not None:
                where = f"{Path(doc.file).name if doc.file else ''}:{pos.line + 1}".lstrip(":")
                rv = replace(
                    rv, problem=replace(rv.problem, params={**rv.problem.params, "where": where})
                )
        values[name] = rv
    return values


def read_reasons(
    iset: IndicatorSet, raw: dict[str, Any], clean: _Cleaner, notes: list[str], lang: Lang
) -> dict[str, str]:
    """The row's 偏差原因 by indicator id (an indicator's name stands for its id), each
    the officer's text trimmed; what is not text is noted."""
    reasons: dict[str, str] = {}
    for k, v in by_id(raw, label_ids(iset)[1]).items():
        if isinstance(v, (Decimal, int)) and not isinstance(v, bool):
            v = str(v)  # a reason typed as a bare number is still the officer's text
        if isinstance(v, str):
            if v.strip():
                reasons[k] = clean(f"reasons.{k}", v.strip())
        elif v is not None:
            notes.append(message("reason_not_text", lang, id=k[:40]))
    return reasons
