"""A reference scorer written straight from the contract's rule table (spec §1, §3).

It shares no code with kpiscore: plain Decimal arithmetic over a plain
description of a set (``Spec``), which ``strategies.py`` also renders as
YAML for kpiscore. The differential test holds the two to each other, so a
one-character mistake in either shows up as a disagreement.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO, ONE = Decimal(0), Decimal(1)
OVER = Decimal("1.2")  # the default over-achievement threshold
LEVELS = (
    ("达成", Decimal("0.8"), ONE),
    ("部分达成", Decimal("0.6"), Decimal("0.8")),
    ("未达成", ZERO, Decimal("0.6")),
)
GRADES = (("优", Decimal(90)), ("良", Decimal(80)), ("中", Decimal(60)), ("差", ZERO))


@dataclass(frozen=True)
class Ind:
    id: str
    category: str
    weight: Decimal
    rule: str  # ratio reverse exact met qualitative bands deduct
    op: str | None = None
    target: Decimal | None = None  # as a fraction when percent
    percent: bool = False
    unit: str | None = None
    zero_below: Decimal | None = None
    zero_above: Decimal | None = None
    tolerance: Decimal | None = None
    bands: tuple[tuple[Decimal | None, Decimal], ...] = ()  # (actual >= K or None, score)
    per: Decimal | None = None
    threshold: Decimal | None = None  # deduct: count = max(actual - threshold, 0)
    items: tuple[tuple[str, Decimal], ...] = ()  # checklist: (label, points)
    due: datetime.date | None = None  # deadline: done on or before this day
    per_month: Decimal | None = None  # deadline: late_per_month
    factor: Decimal | None = None  # formula: score = actual * factor, clamped
    band_share: bool = False  # bands: the first band scores weight × actual / 100 (a formula)
    band_labels: bool = False  # bands: each band labelled (its words, not its condition, shown)
    reason_below: Decimal | None = None  # reason_required: 'score < weight × this'


@dataclass(frozen=True)
class Spec:
    categories: tuple[tuple[str, Decimal], ...]
    indicators: tuple[Ind, ...]
    precision: int = 2
    rounding: str = "indicator"
    penalty: Decimal | None = None  # deducted from the total when the value `violation` is 1
    forced_below: Decimal | None = None  # a penalty 'total < this' that sets the grade to 中
    # The set's 偏差原因 policy: below the weight, flagged, completion off 1 by more than.
    reasons: tuple[bool, bool, Decimal | None] = (True, True, None)

    @property
    def full_score(self) -> Decimal:
        return sum((w for _, w in self.categories), ZERO)


@dataclass
class Row:
    score: Decimal
    status: str
    needs_reason: bool
    raw: Decimal = ZERO
    completion: Decimal | None = None
    flagged: bool = False


@dataclass
class Scored:
    rows: dict[str, Row]
    categories: dict[str, Decimal]
    total: Decimal | None
    grade: str | None
    complete: bool
    discrepancies: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)


class Unscorable(Exception):
    def __init__(self, status: str):
        self.status = status


def half_up(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def clamp(x: Decimal, w: Decimal) -> Decimal:
    return max(ZERO, min(w, x))


def number(ind: Ind, v: Any) -> Decimal:
    if v is None:
        raise Unscorable("missing_data")
    if not isinstance(v, Decimal):
        raise Unscorable("invalid_data")
    if ind.percent and abs(v) > 2:  # a percent written without % (95 for 95%)
        raise Unscorable("invalid_data")
    return v


# Each numeric rule gives (score, completion = actual/target or None, how far beyond the
# target for the over-achievement flag or None).
Numeric = tuple[Decimal, Decimal | None, Decimal | None]


def ratio(ind: Ind, a: Decimal) -> Numeric:
    t, w = ind.target, ind.weight
    assert t is not None
    c = a / t
    if ind.zero_below is not None and c < ind.zero_below:
        return ZERO, c, c
    return (w if c >= 1 else clamp(w * a / t, w)), c, c


def reverse(ind: Ind, a: Decimal) -> Numeric:
    t, w = ind.target, ind.weight
    assert t is not None
    c = a / t if t != 0 else None
    perf = t / a if a > 0 else None
    if ind.zero_above is not None and t > 0 and a / t > ind.zero_above:
        return ZERO, c, perf
    return (w if a == 0 or a <= t else clamp(w * t / a, w)), c, perf


def exact(ind: Ind, a: Decimal) -> Numeric:
    t, w, tol = ind.target, ind.weight, ind.tolerance or ZERO
    assert t is not None
    if t == 0:
        return (w if abs(a) <= tol else ZERO), None, None
    if abs(a - t) <= tol:
        return w, a / t, a / t
    return clamp(w * a / t if a < t else w * t / a, w), a / t, a / t


def met(ind: Ind, a: Decimal) -> Numeric:
    t = ind.target
    assert t is not None
    holds = {">=": a >= t, ">": a > t, "<=": a <= t, "<": a < t, "=": a == t}[ind.op or "="]
    c = a / t if t else None
    return (ind.weight if holds else ZERO), c, c


def qualitative(ind: Ind, v: Any, claimed: Decimal | None) -> tuple[Decimal, Decimal | None]:
    """(score, the share of the weight earned)."""
    w = ind.weight
    if isinstance(v, str):
        level = next((lv for lv in LEVELS if lv[0] == v), None)
        if level is None:
            raise Unscorable("invalid_data")
        if claimed is not None and level[1] * w <= claimed <= level[2] * w:
            return claimed, (claimed / w if w else None)  # the unit's own point in the band
        return w * level[2], level[2]
    if isinstance(v, dict):
        level = next((lv for lv in LEVELS if lv[0] == v["level"]), None)
        if level is None or not level[1] <= v["rate"] <= level[2]:
            raise Unscorable("invalid_data")
        return w * v["rate"], v["rate"]
    if isinstance(v, Decimal):
        if not ZERO <= v <= ONE:
            raise Unscorable("invalid_data")
        return w * v, v
    raise Unscorable("missing_data" if v is None else "invalid_data")


def bands(ind: Ind, a: Decimal) -> Decimal:
    for i, (k, s) in enumerate(ind.bands):
        if k is None or a >= k:
            if i == 0 and ind.band_share:
                return clamp(ind.weight * a / 100, ind.weight)
            return clamp(s, ind.weight)
    return ZERO


def deduct(ind: Ind, a: Decimal) -> Decimal:
    assert ind.per is not None
    assert ind.threshold is not None
    return clamp(ind.weight - ind.per * max(a - ind.threshold, ZERO), ind.weight)


def checklist(ind: Ind, v: Any) -> Decimal:
    if v is None:
        raise Unscorable("missing_data")
    if not isinstance(v, list):
        raise Unscorable("invalid_data")
    points = dict(ind.items)
    if any(x not in points for x in v):
        raise Unscorable("invalid_data")
    return min(sum((points[x] for x in set(v)), ZERO), ind.weight)


def manual(ind: Ind, m: Any) -> Decimal:
    if m is None:
        raise Unscorable("missing_data")
    s = m.get("score")
    if not isinstance(s, Decimal) or not m.get("justification") or not ZERO <= s <= ind.weight:
        raise Unscorable("invalid_data")
    return s


def _shifted(due: datetime.date, months: int) -> datetime.date:
    """``due`` moved on by whole months; a month's last day stays the last day."""
    y, m = divmod(due.month - 1 + months, 12)
    year, month = due.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    at_end = due.day == calendar.monthrange(due.year, due.month)[1]
    return datetime.date(year, month, last if at_end else min(due.day, last))


def deadline(ind: Ind, v: Any) -> Decimal:
    """On time: full. Late: 0, or the weight less per_month for each month begun late."""
    assert ind.due is not None
    if v in ("按时完成", "提前完成"):
        return ind.weight
    if v == "延期":
        return ZERO
    if not isinstance(v, str):
        raise Unscorable("missing_data" if v is None else "invalid_data")
    try:
        done = datetime.date.fromisoformat(v)
    except ValueError:
        raise Unscorable("invalid_data") from None
    if done <= ind.due:
        return ind.weight
    if ind.per_month is None:
        return ZERO
    begun = 1
    while done > _shifted(ind.due, begun):
        begun += 1
    return clamp(ind.weight - ind.per_month * begun, ind.weight)


NUMERIC = {"ratio": ratio, "reverse": reverse, "exact": exact, "met": met}


def score_one(
    ind: Ind,
    v: Any,
    claimed: Decimal | None,
    precision: int,
    m: Any = None,
    reasons: tuple[bool, bool, Decimal | None] = (True, True, None),
) -> Row:
    if v == "n/a":
        return Row(ZERO, "not_applicable", False)
    try:
        perf: Decimal | None = None
        completion: Decimal | None = None
        if ind.rule == "qualitative":
            raw, completion = qualitative(ind, v, claimed)
        elif ind.rule == "checklist":
            raw = checklist(ind, v)
        elif ind.rule == "manual":
            raw = manual(ind, m)
        elif ind.rule == "deadline":
            raw = deadline(ind, v)
        else:
            a = number(ind, v)
            if ind.percent and abs(a) > 10:
                raise Unscorable("invalid_data")
            if ind.rule in NUMERIC:
                raw, completion, perf = NUMERIC[ind.rule](ind, a)
            elif ind.rule == "formula":
                assert ind.factor is not None
                raw = clamp(a * ind.factor, ind.weight)
            else:
                raw = bands(ind, a) if ind.rule == "bands" else deduct(ind, a)
    except Unscorable as why:
        owed = why.status == "missing_data" and ind.weight > 0 and reasons[0]  # below_weight
        return Row(ZERO, why.status, owed)
    score = half_up(raw, precision)
    flagged = perf is not None and perf > OVER
    # reason_required replaces the set's policy
    below, over, deviation = reasons
    owed = (
        score < ind.weight * ind.reason_below
        if ind.reason_below is not None
        else (below and score < ind.weight)
        or (over and flagged)
        or (deviation is not None and completion is not None and abs(completion - 1) > deviation)
    )
    return Row(score, "scored", owed, raw, completion, flagged)


def score(
    spec: Spec,
    values: dict[str, Any],
    claimed: dict[str, Decimal],
    manual: dict[str, Any] | None = None,
) -> Scored:
    p, manual = spec.precision, manual or {}
    rows = {
        i.id: score_one(i, values.get(i.id), claimed.get(i.id), p, manual.get(i.id), spec.reasons)
        for i in spec.indicators
    }
    part = (lambda r: r.raw) if spec.rounding == "total" else (lambda r: r.score)
    counted = {k: r for k, r in rows.items() if r.status != "not_applicable"}
    categories = {
        cid: half_up(
            sum(
                (
                    part(counted[i.id])
                    for i in spec.indicators
                    if i.category == cid and i.id in counted
                ),
                ZERO,
            ),
            p,
        )
        for cid, _ in spec.categories
    }
    applicable = sum((i.weight for i in spec.indicators if i.id in counted), ZERO)
    summed = sum((part(r) for r in counted.values()), ZERO)
    total: Decimal | None
    if applicable == 0:
        total = None
    elif applicable != spec.full_score:
        total = half_up(summed * spec.full_score / applicable, p)
    else:
        total = half_up(summed, p)
    # Penalties are judged on the total before any deduction (0 when there is none).
    forced = spec.forced_below is not None and (total or ZERO) < spec.forced_below
    if total is not None and spec.penalty is not None and values.get("violation") == 1:
        total = max(ZERO, total - spec.penalty)
    grade = next((g for g, low in GRADES if total >= low), None) if total is not None else None
    if forced and (grade is None or [g for g, _ in GRADES].index(grade) < 2):
        grade = "中"  # a forced grade only ever makes the grade worse
    complete = total is not None and all(
        r.status not in ("missing_data", "invalid_data") for r in rows.values()
    )
    differs = {
        k: (c, rows[k].score) for k, c in claimed.items() if k in rows and c != rows[k].score
    }
    if "total" in claimed and total is not None and claimed["total"] != total:
        differs["total"] = (claimed["total"], total)
    return Scored(rows, categories, total, grade, complete, differs)
