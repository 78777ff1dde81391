"""The fast path: a plain row scored to its total in one pass, its detail built later.

Most rows of a batch are plain: every value a number, a level word or a
deadline's date as written, or n/a in a cell no formula reads; nothing missing or
unreadable; the unit's own scores (claimed:) as plain cells, a level indicator's
used inside its level's band as its rule uses it. For those, a plan made once per
set computes each indicator's score with the same arithmetic as ``_rules`` (no
steps, no words) and returns a ``Result`` holding the total, grade and
completeness; its indicators, subtotals and warnings are built by the general
path (``_evaluate``) when first read. Any row outside the plain case — or any
doubt — returns None and the general path scores it whole.

``tests/test_fast.py`` generates sets and rows and holds the two paths to the
same total, grade, completeness and rescaling (and the Result checks it again
whenever its detail is built).
"""

from __future__ import annotations

import datetime
import functools
import math
import numbers
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, Rounded, setcontext
from typing import Any, NamedTuple

from ._data import (
    MAX_DIGITS,
    MAX_LIST,
    MAX_TEXT,
    check_unit,
    expectations,
    plain_na,
    plain_number,
    plain_unit,
    read_value,
)
from ._dates import When, months_late, read_actual, year_of
from ._evaluate import deducted, grade_of, judged_penalties, score_plain, total_of
from ._fast_code import Hooks, generated
from ._formula import CompiledFormula, EvalFailure, evaluate
from ._indicators import ACTUAL_NAMES, PERCENT_SANE, claimed_number
from ._lanes import FORMULA_RULES
from ._messages import Lang, has_unsafe_chars
from ._numbers import clamp, entered
from ._plain_json import writer_for
from ._prepare import (
    DATA_KEYS,
    MAX_VALUES,
    KeyedById,
    claim_ids,
    label_ids,
    plain_value,
    used_names,
)
from ._rules import NEEDS_ACTUAL
from .compiled import CompiledIndicator, IndicatorSet, LevelSpec, level_key
from .result import Result

ZERO, ONE = Decimal(0), Decimal(1)
_LIMIT = Decimal(10) ** 15  # read_value refuses a number of 16 digits before the point
_SCALARS = (str, int, float, Decimal, type(None))
# The rules with a fast form: all but manual (a score and its justification, which a
# plain row never holds).
SUPPORTED = NEEDS_ACTUAL | FORMULA_RULES
_MAX_DATED = 4096  # deadline cells read and kept per set (a column repeats a few dates)
_UNREAD = object()
_new = object.__new__
_NO_GRADES: list[str] = []  # no penalty forced a grade (read, never changed)
_MAX_DATE_TEXT = 30  # read_value quotes a cell up to 30 characters; a date is shorter


class _Off(Exception):
    """The row is not plain: the general path scores it."""


def _run(f: CompiledFormula, names: Mapping[str, Any]) -> Any:
    try:
        return evaluate(f, names)
    except EvalFailure:
        raise _Off from None


def _number(v: Any) -> Decimal:
    if isinstance(v, bool):
        return Decimal(int(v))
    if not isinstance(v, Decimal):
        raise _Off
    return v


def _checked(d: Decimal) -> Decimal:
    """As ``read_value`` takes a number: finite, in range, -0 as 0; else not plain."""
    if not -_LIMIT < d < _LIMIT:  # NaN raises InvalidOperation: not plain either
        raise _Off
    if d.is_zero():
        return d.copy_abs()
    _DIGITS.plus(d)  # more than MAX_DIGITS digits: Rounded (an ArithmeticError), not plain
    return d


# Signals Rounded exactly when a number has more significant digits than read_value
# takes (trailing zeros count, as they do there); cheaper than d.as_tuple().
_DIGITS = Context(prec=MAX_DIGITS, Emax=999_999, Emin=-999_999, traps=[Rounded])


Scorer = Callable[[Any, dict[str, Any]], Decimal]
"""(actual, the names formulas read) → the unrounded score; raises _Off."""


def _ratio(ind: CompiledIndicator) -> Scorer:
    assert ind.target is not None
    assert ind.target.value is not None
    t, w, zb = ind.target.value, ind.weight, ind.zero_below

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        a = _number(actual)
        c = a / t
        if zb is not None and c < zb:
            return ZERO
        return w if c >= 1 else clamp(w * a / t, ZERO, w)

    return score


def _reverse(ind: CompiledIndicator) -> Scorer:
    assert ind.target is not None
    assert ind.target.value is not None
    t, w, za = ind.target.value, ind.weight, ind.zero_above

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        a = _number(actual)
        if za is not None and t > 0 and a / t > za:
            return ZERO
        return w if a == 0 or a <= t else clamp(w * t / a, ZERO, w)

    return score


def _exact(ind: CompiledIndicator) -> Scorer:
    assert ind.target is not None
    assert ind.target.value is not None
    t, w, tol = ind.target.value, ind.weight, ind.tolerance or ZERO

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        a = _number(actual)
        if t == 0:
            return w if abs(a) <= tol else ZERO
        if abs(a - t) <= tol:
            return w
        return clamp(w * a / t if a < t else w * t / a, ZERO, w)

    return score


def _met(ind: CompiledIndicator) -> Scorer:
    target, w = ind.target, ind.weight
    assert target is not None

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        return w if target.holds(_number(actual)) else ZERO

    return score


def levels_by_word(ind: CompiledIndicator, words: frozenset[str]) -> dict[str, LevelSpec]:
    """The level each plain word names for a level indicator (its label or an alias)."""
    out: dict[str, LevelSpec] = {}
    for word in words:
        key = level_key(word)
        found = next((lv for lv in ind.levels if key == lv.label or key in lv.aliases), None)
        if found is not None:
            out[word] = found
    return out


def _top_of_band(ind: CompiledIndicator, words: frozenset[str]) -> dict[str, Decimal]:
    """Each plain word's score: the top of its level's band (a claimed score inside the
    band is used instead by Plan.judged_score, as the rule's _judged does)."""
    return {word: ind.weight * level.high for word, level in levels_by_word(ind, words).items()}


def _qualitative(ind: CompiledIndicator, words: frozenset[str]) -> Scorer:
    w = ind.weight
    by_word = _top_of_band(ind, words)

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        if isinstance(actual, str):
            raw = by_word.get(actual)
            if raw is None:
                raise _Off
            return raw
        if isinstance(actual, Decimal) and ZERO <= actual <= ONE:
            return w * actual  # a rate: the level it falls in holds it
        raise _Off

    return score


def _bands(ind: CompiledIndicator) -> Scorer:
    w, bands = ind.weight, ind.bands

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        for band in bands:
            if band.when is not None and not _run(band.when, names):
                continue
            s = band.score if isinstance(band.score, Decimal) else _number(_run(band.score, names))
            return clamp(s, ZERO, w)
        return ZERO

    return score


def _deduct(ind: CompiledIndicator) -> Scorer:
    w, per, count = ind.weight, ind.per, ind.count
    assert per is not None
    assert count is not None

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        n = _number(_run(count, names))
        return clamp(w - per * max(n, ZERO), ZERO, w)

    return score


def _formula(ind: CompiledIndicator) -> Scorer:
    w, f = ind.weight, ind.score
    assert f is not None

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        return clamp(_number(_run(f, names)), ZERO, w)

    return score


def _checklist(ind: CompiledIndicator) -> Scorer:
    w = ind.weight
    items = {n: it for it in ind.items for n in ((it.label, it.id) if it.id else (it.label,))}

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        if not isinstance(actual, tuple):
            raise _Off  # "真实、完整" as one cell: the general path splits it
        chosen = []
        for given in actual:
            it = items.get(given)
            if it is None:
                raise _Off
            if it not in chosen:
                chosen.append(it)
        return min(sum((it.points for it in chosen), ZERO), w)

    return score


class Dated(NamedTuple):
    """A deadline's own cell as its rule reads it — a day or month, or the word "met" or
    "late" — with the row's year (``subject.year``), which a month without one needs."""

    done: When | str
    year: int | None


def _deadline(ind: CompiledIndicator) -> Scorer:
    assert ind.target is not None
    assert ind.target.deadline is not None
    target, w, per = ind.target.deadline, ind.weight, ind.late_per_month
    before = ind.target.op == "<"

    def score(actual: Any, names: dict[str, Any]) -> Decimal:
        if type(actual) is not Dated:
            raise _Off
        done, year = actual
        due = target.on(year)
        if due is None:  # a target with no year and a row with none: named by the rule
            raise _Off
        if done == "met":
            return w
        if not isinstance(done, When):  # "late": by an unknown time
            return ZERO
        day = done.on(year if year is not None else (target.year or None))
        if day is None:
            raise _Off
        if day < due if before else day <= due:
            return w
        if per is None:
            return ZERO
        return clamp(w - per * max(months_late(day, due), 1), ZERO, w)

    return score


_BUILDERS: dict[str, Callable[[CompiledIndicator], Scorer]] = {
    "ratio": _ratio,
    "reverse": _reverse,
    "exact": _exact,
    "met": _met,
    "bands": _bands,
    "deduct": _deduct,
    "formula": _formula,
    "checklist": _checklist,
    "deadline": _deadline,
}


Raw = Callable[[dict[str, Any]], Decimal]
"""The row's values → one indicator's unrounded score; raises _Off."""
Claims = dict[str, "Decimal | None"] | None
"""A row's claimed scores for its level indicators, by id (None: none claimed)."""


def _raw(ind: CompiledIndicator, words: frozenset[str]) -> Raw:
    """One indicator as a closure: where its actual comes from, the rule, the checks the
    general path makes before the rule (applies, missing, absurd percent)."""
    score = _qualitative(ind, words) if ind.rule == "qualitative" else _BUILDERS[ind.rule](ind)
    own = ind.id
    percent = bool(ind.target is not None and ind.target.percent)
    if ind.rule not in FORMULA_RULES and ind.applies is None and ind.actual is None:
        # The common row: the indicator's own cell, straight into its rule (values()
        # has already refused an own cell over 2 against a % target).
        def plain(values: dict[str, Any]) -> Decimal:
            actual = values.get(own)
            if actual is None:
                raise _Off
            return score(actual, values)

        return plain
    return functools.partial(_general_raw, ind, score, percent)


def _general_raw(
    ind: CompiledIndicator, score: Scorer, percent: bool, values: dict[str, Any]
) -> Decimal:
    if ind.applies is not None and not _run(ind.applies, values):
        raise _Off  # not applicable: the general path says so and rescales
    if ind.actual is not None:
        actual = _run(ind.actual, values)
    else:
        actual = values.get(ind.id)
        if actual is None and (ind.rule in NEEDS_ACTUAL or bool(ind.rule_names() & ACTUAL_NAMES)):
            raise _Off
    if percent and isinstance(actual, Decimal) and abs(actual) > PERCENT_SANE:
        raise _Off
    if ind.rule not in FORMULA_RULES:
        return score(actual, values)
    # A formula rule reads the row's names with this indicator's own.
    names = dict(values)
    names["weight"] = ind.weight
    if actual is not None:
        names["actual"] = actual
    t = ind.target.value if ind.target is not None else None
    if t is not None:
        names["target"] = t
        if isinstance(actual, Decimal) and t != 0:
            names["completion"] = actual / t
    return score(actual, names)


class Plan:
    """One set's fast path: ``score(data, row, lang)`` is a Result or None."""

    def __init__(self, iset: IndicatorSet):
        self.iset = iset
        self._forms(iset)
        self._own_cells(iset)
        self.raws = tuple(_raw(ind, self.words) for ind in iset.indicators)
        self.quantum = Decimal(1).scaleb(-iset.precision)
        self.by_category = iset.rounding != "total"
        levels = [
            _top_of_band(ind, self.words) if ind.rule == "qualitative" else None
            for ind in iset.indicators
        ]
        hooks = Hooks(self.raws, levels, _number, _run, _Off)
        self.points = generated(iset.indicators, hooks, self.quantum if self.by_category else None)
        self.applicable = sum((ind.weight for ind in iset.indicators), ZERO)
        self.penalised_sets = bool(iset.penalties)
        # grade_of with nothing forced: the first grade whose minimum the total reaches.
        self.grades_zh = tuple((g.min, g.shown("zh")) for g in iset.grades)
        self.grades_en = tuple((g.min, g.shown("en")) for g in iset.grades)
        self.writer = writer_for(iset)
        # A Result's parts that are the same on every row, per language.
        self.light_zh, self.light_en = self._light("zh"), self._light("en")

    def _forms(self, iset: IndicatorSet) -> None:
        """The cells a plain row may hold: names under their own ids, the % and units
        the set expects, the level words that read back as themselves."""
        value_ids, _ = label_ids(iset)
        # A name read under its own id (a column named by label is renamed: not plain).
        self.names = frozenset(n for n in used_names(iset) if value_ids.get(n, n) == n)
        self.percent = frozenset(n for n, e in expectations(iset).items() if e.percent)
        # A cell "18个" is plain where the set expects 个 there (read as 18, nothing noted).
        self.units = {
            n: e.unit
            for n, e in expectations(iset).items()
            if e.unit is not None and not e.percent and plain_unit(e.unit)
        }
        words: set[str] = set()
        for ind in iset.indicators:
            if ind.rule == "qualitative":
                for lv in ind.levels:
                    words.update((lv.label, *lv.aliases))
        # Only words a cell reads back as themselves (no unit, bound or number in them).
        self.words = frozenset(
            w
            for w in words
            if (rv := read_value(w)).value == w and rv.problem is None and not rv.restated
        )

    def _own_cells(self, iset: IndicatorSet) -> None:
        """What an indicator's own cell may say beyond a number: n/a, a deadline's day,
        and which claimed scores leave every score to the rules."""
        read = iset.formula_names()
        # An indicator's own cell no formula reads: n/a there drops its weight and
        # nothing else (a formula reading an n/a name makes its indicator n/a too).
        self.na_ok = frozenset(
            ind.id
            for ind in iset.indicators
            if ind.actual is None and ind.rule != "manual" and ind.id not in read
        )
        # Such a cell of a deadline goes to its rule as a Dated.
        self.deadlines = frozenset(
            ind.id for ind in iset.indicators if ind.rule == "deadline" and ind.id in self.na_ok
        )
        self.dated: dict[tuple[str, str | datetime.date], When | str | None] = {}
        # A unit's own score is used in place of the rule's only by a level indicator
        # (within its level's band); any other claim is compared in the detail.
        self.claimed_by_id = KeyedById(claim_ids(iset))
        self.judged = frozenset(ind.id for ind in iset.indicators if ind.rule == "qualitative")
        # A level indicator scored from its own cell alone takes a claim here: its words'
        # levels, to see whether the claim lies inside the band the word names.
        self.at = {ind.id: i for i, ind in enumerate(iset.indicators)}
        self.bands = {
            ind.id: levels_by_word(ind, self.words)
            for ind in iset.indicators
            if ind.rule == "qualitative" and ind.applies is None and ind.actual is None
        }

    def _light(self, lang: Lang) -> dict[str, Any]:
        iset = self.iset
        return {
            "indicator_set": iset.id,
            "indicator_set_name": iset.name,
            "full_score": iset.full_score,
            "set_digest": iset.digest,
            "precision": iset.precision,
            "rescaled": False,  # every weight applies (load made them add up) but n/a ones
            "lang": lang,
            "kind": iset.kind,
            # Shared, not one per row: a row's detail is built from its data and row.
            "_rebuild": functools.partial(_detailed, iset, lang),
        }

    def score(
        self, data: Any, row: int | None, lang: Lang, check_set: bool = True, owned: bool = False
    ) -> Result | None:
        iset = self.iset
        try:
            if type(data) is dict and len(data) == 1:  # values: and nothing else, most rows
                raw = data.get("values")
                if type(raw) is not dict or len(raw) > MAX_VALUES:
                    return None
                values, dropped, listed = self.cells(raw, None)
                claims = None
            else:
                values, dropped, claims, listed = self.values(data, check_set)
            saved = entered()
            try:
                if dropped or claims or self.penalised_sets:
                    total, forced, applicable = self.total(values, dropped, claims)
                else:  # most rows: every weight applies, nothing claimed, no penalty
                    total = self.points(values).quantize(self.quantum, ROUND_HALF_UP)
                    forced, applicable = _NO_GRADES, self.applicable
            finally:
                setcontext(saved)
        except (_Off, ArithmeticError):
            return None
        # Result.deferred, without the call: the row's own parts set once on a Result
        # not yet shared, over the parts every row of the set shares.
        result = _new(Result)
        light = result.__dict__
        light.update(self.light_en if lang == "en" else self.light_zh)
        light["total"] = total
        if forced:
            light["grade"] = grade_of(iset, total, forced, lang)
        else:
            light["grade"] = None  # as grade(), without the call
            if total is not None:
                for low, name in self.grades_en if lang == "en" else self.grades_zh:
                    if total >= low:
                        light["grade"] = name
                        break
        light["complete"] = total is not None
        if applicable != iset.full_score:  # an n/a weight dropped
            light["rescaled"] = total is not None
        light["row"] = row
        if len(data) == 1:  # {"values": ...}: Result.data is made of their copy when read
            light["_cells"] = data["values"] if owned else _copied(data["values"], listed, values)
        else:
            light["data"] = data if owned else _copy(data, listed, values)
        if self.writer is not None:
            light["_plain"] = self.writer  # to_json() writes it without its detail
            light["_values"] = values
            if dropped:
                light["_dropped"] = frozenset(dropped)
        return result

    def total(
        self, values: dict[str, Any], dropped: list[str], claims: Claims = None
    ) -> tuple[Decimal | None, list[str], Decimal]:
        """(total, the grades penalties force, the applicable weight)."""
        if not dropped:
            points, applicable = self.points(values), self.applicable
            if claims:
                points += self.claimed_difference(values, claims)
        else:
            points, applicable = self.applicable_points(values, frozenset(dropped), claims)
        total = total_of(points, applicable, self.iset)
        if not self.iset.penalties:
            return total, [], applicable
        return (*self.penalised(total, values), applicable)

    def applicable_points(
        self, values: dict[str, Any], dropped: frozenset[str], claims: Claims = None
    ) -> tuple[Decimal, Decimal]:
        """The points and weight of the indicators that apply: n/a ones left out, each
        score rounded first unless the set rounds the total only (as ``points``), a
        level indicator's claimed score used where its rule uses it."""
        points = weight = ZERO
        quantum = self.quantum if self.by_category else None
        for ind, raw in zip(self.iset.indicators, self.raws, strict=True):
            if ind.id in dropped:
                continue
            claim = claims.get(ind.id) if claims else None
            s = raw(values) if claim is None else self.judged_score(ind, values, raw, claim)
            points += s if quantum is None else s.quantize(quantum, ROUND_HALF_UP)
            weight += ind.weight
        return points, weight

    def claimed_difference(
        self, values: dict[str, Any], claims: dict[str, Decimal | None]
    ) -> Decimal:
        """What the claims a level indicator uses change in ``points``' sum: each its
        judged score in place of its band's top, rounded as ``points`` rounds each. Only
        a bare level word's claim inside its band changes anything (``judged_score``);
        its top is the score ``points`` gave it."""
        out = ZERO
        quantum = self.quantum if self.by_category else None
        for ind_id, claim in claims.items():
            actual = values.get(ind_id)
            if claim is None or type(actual) is not str:
                continue  # no claim, or a rate in the cell: the rule's own score stands
            level = self.bands[ind_id].get(actual)
            if level is None:
                raise _Off
            w = self.iset.indicators[self.at[ind_id]].weight
            top = w * level.high
            if claim == top or not level.low * w <= claim <= level.high * w:
                continue  # the band's top either way
            if quantum is not None:
                out += claim.quantize(quantum, ROUND_HALF_UP) - top.quantize(quantum, ROUND_HALF_UP)
            else:
                out += claim - top
        return out

    def judged_score(
        self, ind: CompiledIndicator, values: dict[str, Any], raw: Raw, claim: Decimal
    ) -> Decimal:
        """A level indicator's score with the unit's own: the claim where its cell is a
        bare level word and the claim lies inside that level's band (``_rules._judged``),
        else the band's top; a rate in the cell scores as the rate, the claim unused."""
        actual = values.get(ind.id)
        if type(actual) is not str:
            return raw(values)
        level = self.bands[ind.id].get(actual)
        if level is None:
            raise _Off
        w = ind.weight
        return claim if level.low * w <= claim <= level.high * w else w * level.high

    def penalised(
        self, total: Decimal | None, values: dict[str, Any]
    ) -> tuple[Decimal | None, list[str]]:
        if not self.iset.penalties:
            return total, []
        # An unjudged penalty is warned by the general path, when the detail is read.
        hits = [pen for pen, hit in judged_penalties(self.iset, values, total) if hit is True]
        forced = [pen.grade for pen in hits if pen.grade]
        return deducted(self.iset, total, [pen.name for pen in hits]), forced

    def values(
        self, data: Any, check_set: bool
    ) -> tuple[dict[str, Any], list[str], Claims, bool | None]:
        """The row's values as the general path would read them, the indicators whose
        own cell is n/a, the claimed scores a level indicator may use and how its cells
        are kept (``cells``); or _Off."""
        subject, raw, claims = self.sections(data, check_set)
        out, dropped, listed = self.cells(raw, _year(subject) if self.deadlines else None)
        return out, dropped, claims, listed

    def cells(
        self, raw: dict[str, Any], year: int | None
    ) -> tuple[dict[str, Any], list[str], bool | None]:
        """``values`` for the values section itself (``year``: the subject's, which a
        deadline's cell is read in): the values, the n/a cells, and how the cells are to
        be kept — None: the values read are the cells as given (the same objects under
        the same keys, so one dict serves as both), else whether one is a list."""
        names, words, percent = self.names, self.words, self.percent
        out: dict[str, Any] = {}
        dropped: list[str] = []
        listed = False
        same = True  # every value read is its cell's own object
        for name, v in raw.items():
            if name not in names:
                raise _Off
            if name in self.deadlines:
                same = False
                if type(v) is str and plain_na(v):
                    dropped.append(name)  # no formula reads it: nothing to keep
                else:
                    out[name] = Dated(self.when(name, v), year)
                continue
            t = type(v)
            if t is Decimal:
                d = _checked(v)
                if d is not v:
                    same = False  # -0 read as 0
            elif t is str:
                if v in words:
                    out[name] = v
                    continue
                same = False
                found = self.number(name, v)
                if found is None:
                    if name not in self.na_ok or not plain_na(v):
                        raise _Off
                    dropped.append(name)  # its weight is dropped, the total rescaled
                    continue
                d = found
            elif t is int:
                if abs(v) >= 10**15:
                    raise _Off
                same = False
                d = Decimal(v)
            elif t is float and math.isfinite(v):
                same = False
                d = _checked(Decimal(repr(v)))
            elif (t is list or t is tuple) and _plain_items(v):
                same = False
                out[name] = tuple(v)  # checklist items, as read_value gives them
                listed = listed or t is list
                continue
            elif t.__module__ == "numpy":  # a pandas frame's cells
                same = False
                d = _numpy_number(v)
            else:
                raise _Off
            if name in percent and abs(d) > 2:
                raise _Off  # 95 for 95%: the general path names it
            out[name] = d
        return out, dropped, None if same else listed

    def sections(self, data: Any, check_set: bool) -> tuple[Any, dict[str, Any], Claims]:
        """(subject, values, the claims a level indicator may use) of a row whose every
        section is plain, or _Off."""
        if type(data) is not dict:
            raise _Off
        if not data.keys() <= _KEYS:
            raise _Off
        get = data.get  # the absent sections first: most rows have none of them
        named = get("indicator_set")
        if named is not None and (check_set and named != self.iset.id):
            raise _Off
        subject = get("subject")
        if subject is not None and type(subject) is not str and not _flat(subject):
            raise _Off
        # A section longer than the general path takes is refused there, as values are.
        reasons = get("reasons")
        if reasons is not None and (not _flat(reasons) or len(reasons) > MAX_VALUES):
            raise _Off
        notes = get("notes")
        if get("manual") or (notes is not None and not _scalar(notes)):
            raise _Off
        claimed = get("claimed")
        claims = None
        if claimed:
            if not _flat(claimed) or len(claimed) > MAX_VALUES:
                raise _Off
            claims = self.claims(claimed)
        raw = get("values")
        if type(raw) is not dict or len(raw) > MAX_VALUES:
            raise _Off
        return subject, raw, claims

    def number(self, name: str, v: str) -> Decimal | None:
        """A number cell, bare or with the % or unit the set expects for ``name``, as
        ``read_value`` reads it ("95%" is 0.95); None for text that is no number, _Off
        for a number with a unit the set does not expect there."""
        found = plain_number(v)
        if found is None:
            return None
        d, unit = found
        if unit is not None and unit != ("%" if name in self.percent else self.units.get(name)):
            raise _Off
        return d

    def claims(self, claimed: dict[str, Any]) -> Claims:
        """The claimed scores a level indicator's rule reads, by its id, read as the
        general path reads them (``claimed_number``: None for one it cannot read); None
        when no claim is a level indicator's (the detail compares the others). _Off for a
        claim on a level indicator with an ``applies:`` or ``actual:`` formula."""
        judged, out = self.judged, None
        for key, cell in self.claimed_by_id(claimed).items():
            if key in judged:
                if key not in self.bands:
                    raise _Off
                if out is None:
                    out = {}
                out[key] = claimed_number(cell)
        return out

    def when(self, name: str, v: Any) -> When | str:
        """A deadline's cell as its rule reads it, when the general reading keeps the
        text as written (read once per distinct cell: a column repeats a few dates)."""
        if type(v) is str:
            if len(v) > _MAX_DATE_TEXT:  # no date or word is this long: never kept
                raise _Off
        elif not isinstance(v, datetime.date):
            raise _Off  # a date cell from a sheet or a YAML file is read as its day
        key = (name, v)
        found = self.dated.get(key, _UNREAD)
        if found is _UNREAD:
            if len(self.dated) >= _MAX_DATED:
                self.dated.clear()
            found = self.dated[key] = self.read_when(name, v)
        if found is None:
            raise _Off
        return found  # type: ignore[return-value]

    def read_when(self, name: str, v: str | datetime.date) -> When | str | None:
        if isinstance(v, str) and has_unsafe_chars(v):
            return None  # the general path cleans it and says so
        rv = check_unit(name, read_value(v), self.iset)
        if rv != plain_value(v):  # n/a, a problem, a note, a trimmed or converted cell
            return None
        return read_actual(rv.value, rv.written)  # None: neither a date nor a word


def _numpy_number(v: Any) -> Decimal:
    """A numpy integer or float64 as ``read_value`` reads it; numpy's bool, float32 (read
    by its own shortest form) and the rest go to the general path."""
    if isinstance(v, numbers.Integral):
        n = int(v)
        if abs(n) >= 10**15:
            raise _Off
        return Decimal(n)
    if isinstance(v, float) and math.isfinite(v):
        return _checked(Decimal(repr(float(v))))  # numpy's own repr is "np.float64(…)"
    raise _Off


def _year(subject: Any) -> int | None:
    """``subject.year`` as the general path reads it (read_subject, then year_of), for
    the forms a row gives it; any other form is not plain."""
    if type(subject) is not dict:
        return None  # no subject, or only its name
    raw = subject.get("year")
    t = type(raw)
    if t is int or t is float or t is Decimal:
        # read_subject keeps a number as read_value reads it; year_of finds the same year
        # (or none) in those digits as in the number's own (2023.0 is 2023, nan none).
        return year_of({"year": raw})
    if isinstance(raw, str) and has_unsafe_chars(raw):
        raise _Off  # the general path cleans it first
    if raw is None or isinstance(raw, (bool, str)):
        return year_of({"year": raw})
    raise _Off


_KEYS = frozenset(DATA_KEYS)


def _plain_items(v: list[Any] | tuple[Any, ...]) -> bool:
    """Items read_value keeps as they are: text, already trimmed, within its limits."""
    return len(v) <= MAX_LIST and all(
        type(x) is str and len(x) <= MAX_TEXT and x == x.strip() for x in v
    )


def _scalar(v: Any) -> bool:
    return isinstance(v, _SCALARS) and not isinstance(v, bool)


def _flat(v: Any) -> bool:
    """None, or a mapping of str keys to scalar cells (no nesting)."""
    if v is None:
        return True
    if type(v) is not dict:
        return False
    # A CSV row brings empty reasons and claims: no generator for those.
    return not v or all(type(k) is str and isinstance(x, _SCALARS) for k, x in v.items())


def _copy(
    data: dict[str, Any], listed: bool | None = True, read: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The row's containers copied (cells are immutable): the detail and the digest are
    of the data as scored, whatever the caller does with its dict or lists next.
    ``listed`` and ``read``: as ``_copied`` takes them."""
    out = {k: dict(v) if type(v) is dict else v for k, v in data.items()}
    out["values"] = _copied(data["values"], listed, read)
    return out


def _copied(
    values: dict[str, Any], listed: bool | None, read: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The values' dict copied, and each list in it when ``listed``; None: ``read``,
    the values as the fast path read them, already holds every cell as given (the same
    objects under the same keys): it is the copy (``Plan.cells``)."""
    if listed is None and read is not None:
        return read
    out = dict(values)
    if listed:
        for name, v in out.items():
            if type(v) is list:
                out[name] = list(v)
    return out


def _detailed(iset: IndicatorSet, lang: Lang, data: Any, row: int | None) -> Result:
    return score_plain(iset, data, lang, row)


@functools.lru_cache(maxsize=64)
def plan_for(iset: IndicatorSet) -> Plan | None:
    """The set's plan, or None when a rule it uses has no fast form (manual and
    deadline: they read justifications and dates)."""
    if any(ind.rule not in SUPPORTED for ind in iset.indicators):
        return None
    weights = sum((ind.weight for ind in iset.indicators), ZERO)
    if weights == 0 or weights != iset.full_score:  # load() makes them add up: defensive
        return None
    return Plan(iset)
