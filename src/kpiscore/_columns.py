"""The columns of a batch table, held against the set before any row is scored.

A misspelt header (受益群众满意 for 受益群众满意度) would otherwise cost every
row its indicator in silence: the value lands under a name the set never
reads. Columns close to a name the set reads are refused with both names;
columns that match nothing are listed, and an id given twice (as itself and
by its Chinese name) is refused rather than one copy chosen.
"""

from __future__ import annotations

import functools

from ._messages import Lang, message, suggest
from ._prepare import label_ids, used_names
from ._sources import NAME_COLUMNS, YEAR_COLUMNS, Reading
from .compiled import IndicatorSet
from .errors import DataError, Issue

_PREFIXES = ("reason:", "claimed:")


@functools.lru_cache(maxsize=64)
def _names(iset: IndicatorSet) -> tuple[frozenset[str], frozenset[str], dict[str, str]]:
    """(value columns, indicator names and ids, Chinese name → id), once per set."""
    value_ids, indicator_ids = label_ids(iset)
    values = frozenset(used_names(iset)) | frozenset(value_ids)
    indicators = frozenset(i.id for i in iset.indicators) | frozenset(indicator_ids)
    return values, indicators, {**value_ids, **{f"@{k}": v for k, v in indicator_ids.items()}}


@functools.lru_cache(maxsize=64)
def known_columns(iset: IndicatorSet) -> frozenset[str]:
    values, indicators, _ = _names(iset)
    known = set(values)
    known |= {f"reason:{x}" for x in indicators}
    known |= {f"claimed:{x}" for x in (*indicators, "total", "总分")}
    return frozenset(known)


def reading_for(iset: IndicatorSet, lang: Lang) -> Reading:
    reading = Reading(known=known_columns(iset))
    reading.check = functools.partial(check_header, iset, lang=lang, notes=reading.notes)
    return reading


def check_header(iset: IndicatorSet, header: list[str], *, lang: Lang, notes: list[str]) -> None:
    """Raise DataError for misspelt or doubled columns; note the ones that match nothing."""
    values, indicators, by_name = _names(iset)
    known = known_columns(iset)
    problems: list[Issue] = []
    unknown: list[str] = []
    present = set(header)
    for col in header:
        if not col or col in NAME_COLUMNS or col in YEAR_COLUMNS:
            continue
        if col in known:
            twin = _twin(col, by_name)
            if twin is not None and twin in present:
                problems.append(_issue("column_twice", lang, column=col, id=twin))
            continue
        prefix = next((p for p in _PREFIXES if col.startswith(p)), "")
        rest = col[len(prefix) :].strip()
        pool = sorted(indicators | ({"total", "总分"} if prefix == "claimed:" else set()))
        close = suggest(rest, pool if prefix else sorted(values))
        if close is not None:
            problems.append(_issue("column_misspelt", lang, column=col, close=prefix + close))
        else:
            unknown.append(col)
    if problems:
        raise DataError(problems)
    if unknown:
        shown = "、".join(c[:40] for c in unknown[:20]) + (" …" if len(unknown) > 20 else "")
        notes.append(message("columns_not_read", lang, columns=shown))


def _twin(col: str, by_name: dict[str, str]) -> str | None:
    """The id column that a Chinese-name column stands for (执行数 → spent), if any."""
    for prefix in _PREFIXES:
        if col.startswith(prefix):
            ident = by_name.get("@" + col[len(prefix) :].strip())
            return prefix + ident if ident is not None else None
    return by_name.get(col)


def _issue(code: str, lang: Lang, **params: str) -> Issue:
    return Issue(code, message(code, lang, **params))
