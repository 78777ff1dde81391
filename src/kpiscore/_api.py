"""The public entry points: load, check, score, score_many."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._data import read_file
from ._evaluate import score_data
from ._fast import plan_for
from ._messages import Lang, message
from .compiled import IndicatorSet
from .errors import Issue, KpiscoreError
from .result import Result

if TYPE_CHECKING:
    from ._sources import Reading, Row


def _checked_lang(lang: object) -> Lang:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return "en" if lang == "en" else "zh"


def _checked_source(source: object, what: str) -> str | Path | Mapping[str, Any]:
    """A set's source as ``load`` takes it, or a TypeError that says what it takes."""
    if isinstance(source, (str, Path, Mapping)):
        return source
    if isinstance(source, os.PathLike):
        named = os.fspath(source)
        if isinstance(named, str):
            return Path(named)
    raise TypeError(
        f"kpiscore.{what}() takes a path, a shipped set's id or a mapping, "
        f"not {type(source).__name__}"
    )


def load(source: str | Path | Mapping[str, Any], *, lang: Lang = "zh") -> IndicatorSet:
    """Read, validate and compile an indicator set; ConfigError lists every problem.

    ``source`` is a path, a shipped set's id (a name with no folder or suffix, see
    ``shipped_sets()``), or a mapping shaped like the YAML (``IndicatorSet.to_dict()``
    edited, say). A string is never read as YAML text: that is ``loads``.
    """
    from . import _compile  # the compiler: only to load a set

    lang = _checked_lang(lang)
    return _compile.load(_checked_source(source, "load"), lang)


def loads(text: str, *, lang: Lang = "zh") -> IndicatorSet:
    """An indicator set from YAML (or JSON) text; ConfigError lists every problem."""
    from . import _compile

    lang = _checked_lang(lang)
    if not isinstance(text, str):
        raise TypeError(
            f"kpiscore.loads() takes the set's text as str, not {type(text).__name__}"
            + (" (decode it first: data.decode('utf-8'))" if isinstance(text, bytes) else "")
        )
    return _compile.loads(text, lang)


def check(source: str | Path | Mapping[str, Any], *, lang: Lang = "zh") -> list[Issue]:
    """Every problem in a set, errors and warnings, in one pass; never raises for a bad set.

    ``source`` is what ``load`` takes, or YAML text (a string with a line break):
    an unreadable path, a folder or a file without permission is an issue too.
    """
    from . import _compile

    lang = _checked_lang(lang)
    source = _checked_source(source, "check")
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        _, issues = _compile.compile_text(source, lang)
    else:
        _, issues = _compile.compile_source(source, lang)
    return issues


def _as_set(
    indicator_set: IndicatorSet | str | Path | Mapping[str, Any], lang: Lang
) -> IndicatorSet:
    if isinstance(indicator_set, IndicatorSet):
        return indicator_set
    return load(indicator_set, lang=lang)


def score(
    indicator_set: IndicatorSet | str | Path,
    data: Mapping[str, Any] | str | Path,
    *,
    strict: bool = False,
    lang: Lang = "zh",
) -> Result:
    """Score one subject. ``data`` is a YAML/JSON path, a mapping with ``values:`` (and
    ``subject``, ``manual``, ``reasons``, ``claimed``), or a flat row (CSV conventions).

    A plain subject is scored as ``score_many`` scores a plain row — its total, grade
    and completeness at once, its indicators when first read — so scoring in a loop
    costs what ``score_many`` does; the Result is the same either way."""
    lang = _checked_lang(lang)
    return score_subject(_as_set(indicator_set, lang), data, strict=strict, lang=lang)


def score_subject(
    iset: IndicatorSet,
    data: Mapping[str, Any] | str | Path,
    *,
    strict: bool,
    lang: Lang,
    quick: bool = True,
) -> Result:
    """score()'s engine. A plain subject is scored as ``score_many`` scores a plain row
    (its total by the set's fast path, its detail by the general path on first read,
    the same Result: tests/test_api.py), so that a loop of ``score()`` costs what
    ``score_many`` does; ``quick=False`` builds the whole Result at once, for a caller
    that reads all of it (the command line's report)."""
    quick = quick and not strict
    if isinstance(data, (str, Path)):
        data, file, doc = read_file(data, lang)
        fast = _fast_result(iset, data, lang, owned=True) if quick else None
        if fast is not None:
            return fast
        return score_data(iset, data, strict=strict, lang=lang, file=file, doc=doc)
    row: Any = data
    if type(data) is not dict or "values" not in data:  # a dict with values: is a row as is
        from ._sources import as_row, flat_row, is_flat  # table reading: not for a file

        row = as_row(data)  # a pandas Series: its labels and cells
        if is_flat(row):  # a flat row (CSV conventions), e.g. one record of a DataFrame
            row = flat_row(1, row)[2]  # (its cells may still be the caller's lists)
    fast = _fast_result(iset, row, lang, owned=False) if quick else None
    if fast is not None:
        return fast
    return score_data(iset, row, strict=strict, lang=lang)


def _fast_result(iset: IndicatorSet, data: Any, lang: Lang, owned: bool) -> Result | None:
    plan = plan_for(iset)
    return None if plan is None else plan.score(data, None, lang, owned=owned)


@dataclass(frozen=True)
class RowError:
    """A batch row that could not be scored; the other rows still were."""

    row: int
    subject: str
    message: str
    issues: tuple[Issue, ...] = ()

    ok = False

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "subject": self.subject, "error": self.message}


def score_many(
    indicator_set: IndicatorSet | str | Path,
    rows: Iterable[Mapping[str, Any]] | str | Path,
    *,
    strict: bool = False,
    lang: Lang = "zh",
) -> Iterator[Result | RowError]:
    """Score many subjects: a CSV or .xlsx path, a folder of data files, or mappings.

    Yields a Result per good row and a RowError per bad one, in order; each carries
    its row in the source (``.row``), so a bad row never hides or shifts the others.
    """
    lang = _checked_lang(lang)
    return score_rows(_as_set(indicator_set, lang), rows, strict=strict, lang=lang)


def score_rows(
    iset: IndicatorSet,
    rows: Iterable[Mapping[str, Any]] | str | Path,
    *,
    strict: bool = False,
    lang: Lang = "zh",
    check_set: bool = True,
    reading: Reading | None = None,
) -> Iterator[Result | RowError]:
    """score_many's engine; ``check_set=False`` lets data written for one set be
    scored by another (``kpiscore diff``) without the indicator_set mismatch.

    ``reading`` collects what was noted about a table as a whole (hidden sheets
    skipped, columns not read), for the command line to print.
    """
    from ._columns import reading_for  # table reading: imported when a batch starts
    from ._sources import rows_of

    reading = reading or reading_for(iset, lang)
    # Rows read from a file are kpiscore's own dicts: nobody else can change them later.
    owned = isinstance(rows, (str, Path))
    plan = plan_for(iset) if not strict else None
    quick = plan.score if plan is not None else None
    for row in rows_of(rows, lang, reading):
        tried = False
        if quick is not None and row[3] is None:  # score_row's first try, asked once a batch
            tried = True
            result = quick(row[2], row[0], lang, check_set, owned)
            if result is not None:
                yield result
                continue
        yield score_row(
            iset, row, strict=strict, lang=lang, check_set=check_set, owned=owned, tried=tried
        )


def score_row(
    iset: IndicatorSet,
    row: Row,
    *,
    strict: bool,
    lang: Lang,
    check_set: bool = True,
    owned: bool = False,
    tried: bool = False,
) -> Result | RowError:
    """One batch row (its number, subject, data or the reason it has none) scored: a
    plain row by the set's fast path (its detail built from the row as read there, so
    cheaper than the general path even when every indicator is read), any other row,
    and every row under ``strict``, by the general path. ``tried``: the fast path
    already said no."""
    number, subject, data, error = row
    if error is not None:
        return RowError(
            number, subject, message("bad_row", lang, row=number, subject=subject, problem=error)
        )
    plan = plan_for(iset) if not strict and not tried else None
    if plan is not None:
        quick = plan.score(data, number, lang, check_set, owned)
        if quick is not None:
            return quick
    try:
        return score_data(iset, data, strict=strict, lang=lang, check_set=check_set, row=number)
    except KpiscoreError as exc:
        issues = tuple(getattr(exc, "issues", ()))
        problem = "; ".join(i.message for i in issues) or str(exc)
        return RowError(
            number,
            subject,
            message("bad_row", lang, row=number, subject=subject, problem=problem),
            issues,
        )
