"""Indicator results shared between plain rows of one set.

An indicator's result is a function of the few cells it reads: its own value, the
names its formulas read, its 偏差原因, a claimed or manual score, the subject's
year. In a portfolio most indicators see few distinct inputs (level words,
percentages to two places, small counts), so the general scorer would build — and a
reader would word and write — the same IndicatorResult again and again. Here it is
built once per distinct input and the frozen object is shared; the warnings it
added to its row are replayed. Only rows the fast path took as plain come here
(``score_plain``): their values carry nothing but the value and the cell as written.

An indicator whose inputs rarely repeat (money, ratios of money) stops being keyed
once it has missed ``CAP`` times with fewer hits than misses; the stored results
are bounded per indicator (its share of ``TOTAL_CAP``) and per set, and the last
four (set, language) pairs are kept, so memory stays flat in rows.
"""

from __future__ import annotations

import functools
import string
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._data import ReadValue, SubjectData
    from ._messages import Lang
    from .compiled import CompiledIndicator, IndicatorSet
    from .result import IndicatorResult

CAP = 256  # misses before an indicator whose inputs do not repeat stops being keyed
TOTAL_CAP = 4096  # results kept per (set, language): ≈4 KB each with their text

Entry = tuple["IndicatorResult", tuple[str, ...]]


def _explain_fields(ind: CompiledIndicator) -> frozenset[str]:
    """The names an ``explain:`` template shows (any row value may appear there)."""
    if ind.explain is None:
        return frozenset()
    return frozenset(
        field for _, field, _, _ in string.Formatter().parse(ind.explain) if field is not None
    )


def reads(ind: CompiledIndicator) -> tuple[str, ...]:
    """Every row value the indicator's result can depend on, in a fixed order."""
    return tuple(sorted({ind.id} | ind.formula_names() | _explain_fields(ind)))


def _cell(rv: ReadValue | None) -> Any:
    """A value as a key: a Decimal by its digits (1.0 and 1.00 show differently); a
    plain row's other values are level words and checklist tuples, equal only to
    themselves."""
    if rv is None:
        return None
    v = rv.value
    if type(v) is Decimal:
        return (str(v), rv.written)
    return (v, rv.written)


class _Slot:
    __slots__ = ("cap", "hits", "misses", "names", "off", "results")

    def __init__(self, names: tuple[str, ...], cap: int):
        self.names = names
        self.cap = cap
        self.results: dict[tuple[Any, ...], Entry] = {}
        self.hits = 0
        self.misses = 0
        self.off = False


class IndicatorMemo:
    """The shared results of one (set, language); safe to use from several threads
    (a race only builds a result twice)."""

    def __init__(self, iset: IndicatorSet):
        # Each indicator's share of the set's results, so that the first indicators of
        # a large set cannot take them all (a level word has three to five inputs).
        cap = max(8, min(CAP, TOTAL_CAP // max(1, len(iset.indicators))))
        self.slots = {ind.id: _Slot(reads(ind), cap) for ind in iset.indicators}
        self.size = 0

    def key(
        self, ind: CompiledIndicator, sd: SubjectData, year: int | None
    ) -> tuple[Any, ...] | None:
        """The indicator's inputs on this row, or None when it is not memoised."""
        slot = self.slots.get(ind.id)
        if slot is None or slot.off:
            return None
        get = sd.values.get
        names = slot.names
        cells = (
            _cell(get(names[0])) if len(names) == 1 else tuple([_cell(get(name)) for name in names])
        )
        if sd.reasons or sd.claimed or sd.manual:
            i = ind.id
            return (cells, year, sd.reasons.get(i), sd.claimed.get(i), sd.manual.get(i))
        return (cells, year)

    def get(self, ind: CompiledIndicator, key: tuple[Any, ...]) -> Entry | None:
        """The shared result for these inputs; a key that cannot be hashed (a list or
        a mapping in a cell) finds nothing and is never stored."""
        slot = self.slots[ind.id]
        try:
            found = slot.results.get(key)
        except TypeError:
            return None
        if found is not None:
            slot.hits += 1
        else:
            slot.misses += 1
            if slot.misses >= CAP and slot.hits < slot.misses:
                slot.off = True  # its inputs do not repeat: keying costs more than it saves
        return found

    def put(self, ind: CompiledIndicator, key: tuple[Any, ...], entry: Entry) -> None:
        slot = self.slots[ind.id]
        if len(slot.results) >= slot.cap or self.size >= TOTAL_CAP:
            return
        try:
            hash(key)
        except TypeError:
            return
        entry[0].__dict__["_shared"] = True
        slot.results[key] = entry
        self.size += 1


@functools.lru_cache(maxsize=4)
def memo_for(iset: IndicatorSet, lang: Lang) -> IndicatorMemo:
    return IndicatorMemo(iset)
