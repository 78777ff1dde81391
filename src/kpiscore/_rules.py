"""The built-in scoring rules, computed directly in Python.

Each rule turns (actual, target, weight) into an exact, unrounded score in
[0, weight] and records the steps it took as data (``_steps``); the words
come later, from ``_wording``, only when an explanation is read. Rounding
happens once, in ``_evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._data import LevelValue, read_value
from ._dates import When, months_late, read_actual
from ._formula import CompiledFormula, EvalFailure, Evaluator
from ._messages import Lang, hint
from ._numbers import clamp, fmt_number
from ._steps import FormulaUse, Step, step
from .compiled import CompiledIndicator, LevelSpec, is_negated, level_key, shown_name

ZERO = Decimal(0)
ONE = Decimal(1)


class RuleProblem(Exception):
    """The row's data cannot be scored by this rule; ``code`` keys the message catalogue."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code)

    @classmethod
    def of(cls, code: str, params: Mapping[str, Any]) -> RuleProblem:
        """From a code and params that may hold any key (a reading problem's own)."""
        problem = cls(code)
        problem.params = dict(params)
        return problem


@dataclass(slots=True)
class Outcome:
    raw: Decimal
    steps: list[Step] = field(default_factory=list)
    completion: Decimal | None = None
    performance: Decimal | None = None  # how far beyond the target, for the over-achievement flag
    shown_actual: Decimal | str | None = None


@dataclass(slots=True)
class RuleInput:
    ind: CompiledIndicator
    actual: Any
    evaluator: Evaluator
    lang: Lang  # for the close matches a problem offers
    names: Mapping[str, Any]  # what formulas read on this row, kept with each formula shown
    manual: Any = None
    written: str | None = None  # the cell as written ("2022.11" stays a month, not a number)
    year: int | None = None  # the data's subject.year, for targets like 9月前
    claimed: Decimal | None = None  # the unit's own score for this indicator, if given


def _num(x: RuleInput) -> Decimal:
    if isinstance(x.actual, Decimal):
        return x.actual
    if isinstance(x.actual, bool):
        return Decimal(int(x.actual))
    raise RuleProblem("not_a_number", value=str(x.actual)[:30])


def _scaled(
    x: RuleInput, num: Decimal, den: Decimal, state: str, rule: str, steps: list[Step]
) -> Decimal:
    """weight × num/den, capped at the weight.

    ratio, reverse and both sides of exact share this one computation, so the
    three can never drift apart in either the score or its explanation.
    """
    w = x.ind.weight
    exact = w * num / den
    raw = clamp(exact, ZERO, w)
    steps.append(step("scaled", state=state, rule=rule, num=num, den=den, weight=w, exact=exact))
    if raw != exact:  # a negative actual: say so rather than show a false equation
        steps.append(step("below_zero", score=raw))
    return raw


def _target(ind: CompiledIndicator) -> tuple[Decimal, str]:
    assert ind.target is not None
    assert ind.target.value is not None
    return ind.target.value, ind.target.show()


def ratio(x: RuleInput) -> Outcome:
    ind = x.ind
    (t, shown), a, w = _target(ind), _num(x), ind.weight
    completion = a / t
    out = Outcome(ZERO, [step("ratio_head", target=shown, completion=completion)])
    out.completion = out.performance = completion
    if ind.zero_below is not None and completion < ind.zero_below:
        out.steps.append(step("zero_below", limit=ind.zero_below))
    elif completion >= 1:
        out.raw = w
        out.steps.append(step("full_capped", weight=w))
    else:
        out.raw = _scaled(x, a, t, "not_met", "actual/target", out.steps)
    return out


def reverse(x: RuleInput) -> Outcome:
    ind = x.ind
    (t, shown), a, w = _target(ind), _num(x), ind.weight
    out = Outcome(ZERO, [step("reverse_head", target=shown, actual=a)])
    out.completion = a / t if t != 0 else None
    out.performance = t / a if a > 0 else None
    if ind.zero_above is not None and t > 0 and a / t > ind.zero_above:
        out.steps.append(step("zero_above", limit=ind.zero_above))
    elif a == 0 or a <= t:
        out.raw = w
        out.steps.append(step("full_zero_actual" if a == 0 else "full", weight=w))
    else:
        out.raw = _scaled(x, t, a, "not_met", "target/actual", out.steps)
    return out


def exact(x: RuleInput) -> Outcome:
    ind = x.ind
    (t, shown), a, w = _target(ind), _num(x), ind.weight
    tol = ind.tolerance or ZERO
    out = Outcome(ZERO, [step("target_actual", target=shown, actual=a)])
    if t == 0:
        return _exactly_zero(out, a, w, tol)
    out.completion = out.performance = a / t
    diff = abs(a - t)
    if diff <= tol:
        out.raw = w
        if tol:
            out.steps.append(step("within", diff=diff, tolerance=tol, weight=w))
        else:
            out.steps.append(step("equal", weight=w))
    elif a < t:
        out.raw = _scaled(x, a, t, "below_target", "actual/target", out.steps)
    else:
        out.raw = _scaled(x, t, a, "above_target", "target/actual", out.steps)
    return out


def _exactly_zero(out: Outcome, a: Decimal, w: Decimal, tol: Decimal) -> Outcome:
    """``= 0`` (no incidents): full when the actual is 0 within the tolerance, else 0."""
    if abs(a) <= tol:
        out.raw = w
        if a:
            out.steps.append(step("within_tolerance", tolerance=tol))
        out.steps.append(step("met", weight=w))
    else:
        out.steps.append(step("zero_not_zero"))
    return out


def met(x: RuleInput) -> Outcome:
    ind = x.ind
    assert ind.target is not None
    a, w = _num(x), ind.weight
    completion = a / ind.target.value if ind.target.value else None
    out = Outcome(ZERO, [step("target_actual", target=ind.target.show(), actual=a)])
    out.completion = out.performance = completion
    if ind.target.holds(a):
        out.raw = w
        out.steps.append(step("met", weight=w))
    else:
        out.steps.append(step("not_met"))
    return out


def _find_level(ind: CompiledIndicator, name: str, lang: Lang) -> LevelSpec:
    key = level_key(name)
    for lv in ind.levels:
        if key == lv.label or key in lv.aliases:
            return lv
    # "没有完成" must never be offered "完成": a negated word is matched only with negated ones.
    negated = is_negated(key)
    names = [n for lv in ind.levels for n in (lv.label, *lv.aliases) if is_negated(n) == negated]
    raise RuleProblem("unknown_level_value", value=name.strip()[:30], hint=hint(key, names, lang))


def _level_of(x: RuleInput) -> tuple[LevelSpec, Decimal | None]:
    """The level a value names, and the rate it gives (None: a bare level)."""
    ind, value = x.ind, x.actual
    if isinstance(value, LevelValue):
        return _find_level(ind, value.level, x.lang), value.rate
    if isinstance(value, str):
        return _find_level(ind, value, x.lang), None
    if isinstance(value, Decimal) and not isinstance(value, bool):
        if not ZERO <= value <= ONE:
            raise RuleProblem(
                "rate_out_of_range", level="?", low="0", high="1", rate=fmt_number(value)
            )
        return next(lv for lv in ind.levels if lv.low <= value <= lv.high), value
    raise RuleProblem("unknown_level_value", value=str(value)[:30], hint="")


def qualitative(x: RuleInput) -> Outcome:
    ind, w, value = x.ind, x.ind.weight, x.actual
    level, given_rate = _level_of(x)
    if given_rate is not None and not level.low <= given_rate <= level.high:
        raise RuleProblem(
            "rate_out_of_range",
            level=level.label,
            low=fmt_number(level.low),
            high=fmt_number(level.high),
            rate=fmt_number(given_rate),
        )
    steps = [_level_step(ind, level)]
    if (
        given_rate is None
        and x.claimed is not None
        and level.low * w <= x.claimed <= level.high * w
    ):
        return _judged(x, level, x.claimed, steps)
    rate = given_rate if given_rate is not None else level.high
    raw = w * rate
    written = value.level if isinstance(value, LevelValue) else value
    if isinstance(written, str) and written.strip() != level.label:
        steps.append(step("level_written", written=written.strip()[:30]))
    steps.append(step("level_range", low=level.low, high=level.high))
    how = "given_rate" if given_rate is not None else "top_of_range"
    steps.append(step("level_rate", how=how, rate=rate, weight=w, score=raw))
    return Outcome(raw, steps, rate, None, level.label)


def _level_step(ind: CompiledIndicator, level: LevelSpec) -> Step:
    target_level = ind.target.level if ind.target is not None else ind.levels[0].label
    return step(
        "level",
        target_level=target_level,
        target_level_en=_en_level(ind, target_level),
        level=level.label,
        level_en=shown_name(level, "en"),
    )


def _en_level(ind: CompiledIndicator, label: str | None) -> str:
    found = next((lv for lv in ind.levels if lv.label == label), None)
    return shown_name(found, "en") if found is not None else str(label)


def _judged(x: RuleInput, level: LevelSpec, claimed: Decimal, steps: list[Step]) -> Outcome:
    """A bare level with the unit's own score inside its band: the unit's judgement stands.

    The contract leaves the point inside a level's band to the evaluator, so a
    claimed 13 of 15 for 达成 ([12, 15]) is used, not overruled by the band's top.
    """
    w = x.ind.weight
    steps.append(
        step(
            "judged",
            claimed=claimed,
            level=level.label,
            level_en=shown_name(level, "en"),
            low=level.low * w,
            high=level.high * w,
        )
    )
    return Outcome(claimed, steps, claimed / w if w else None, None, level.label)


def deadline(x: RuleInput) -> Outcome:
    """On or before the target day: full. Late: 0, or less ``late_per_month`` per started month."""
    ind, w = x.ind, x.ind.weight
    assert ind.target is not None
    assert ind.target.deadline is not None
    due = ind.target.deadline.on(x.year)
    if due is None:
        raise RuleProblem("deadline_needs_year", target=ind.target.text)
    done = read_actual(x.actual, x.written)
    shown = (x.written or str(x.actual))[:30]
    out = Outcome(ZERO, shown_actual=shown)
    out.steps.append(
        step(
            "deadline",
            target=ind.target.show(),
            target_en=ind.target.show("en"),
            due=due.isoformat(),
        )
    )
    if done == "met":
        out.raw = w
        out.steps.append(step("done_word", shown=shown, weight=w))
        return out
    if done == "late":
        out.steps.append(step("late_word", shown=shown))
        return out
    if not isinstance(done, When):
        raise RuleProblem("not_a_date", value=shown)
    day = done.on(x.year if x.year is not None else (ind.target.deadline.year or None))
    if day is None:
        raise RuleProblem("deadline_needs_year", target=shown)
    out.steps.append(step("done_on", shown=shown, day=day.isoformat()))
    on_time = day < due if ind.target.op == "<" else day <= due
    if on_time:
        out.raw = w
        out.steps.append(step("on_time", weight=w))
        return out
    return _late(x, max(months_late(day, due), 1), out)


def _late(x: RuleInput, late: int, out: Outcome) -> Outcome:
    """A deadline missed by ``late`` started months: 0, or less ``late_per_month`` each."""
    ind, w = x.ind, x.ind.weight
    per = ind.late_per_month
    if per is None:
        out.steps.append(step("late", months=late))
        return out
    out.raw = clamp(w - per * late, ZERO, w)
    out.steps.append(step("late_per_month", months=late, per=per, weight=w, score=out.raw))
    if w - per * late < 0:
        out.steps.append(step("floored"))
    return out


def _formula_value(x: RuleInput, f: CompiledFormula) -> Decimal:
    try:
        v = x.evaluator.run(f)
    except EvalFailure as exc:
        raise RuleProblem(exc.code, **exc.params) from None
    if isinstance(v, bool):
        return Decimal(int(v))
    if not isinstance(v, Decimal):
        raise RuleProblem("not_a_number", value=str(v)[:30])
    return v


def _holds(x: RuleInput, f: CompiledFormula) -> bool:
    try:
        return bool(x.evaluator.run(f))
    except EvalFailure as exc:
        raise RuleProblem(exc.code, **exc.params) from None


def _clamped(x: RuleInput, value: Decimal, steps: list[Step]) -> Decimal:
    w = x.ind.weight
    c = clamp(value, ZERO, w)
    if c != value:
        steps.append(step("clamped", weight=w, score=c))
    return c


def bands(x: RuleInput) -> Outcome:
    for k, band in enumerate(x.ind.bands, start=1):
        if band.when is not None and not _holds(x, band.when):
            continue
        when: str | FormulaUse | None = band.label or (
            FormulaUse.of(band.when, x.names) if band.when else None
        )
        steps: list[Step] = []
        if isinstance(band.score, Decimal):
            steps.append(step("band", k=k, when=when, score=band.score))
            score = _clamped(x, band.score, steps)
        else:
            value = _formula_value(x, band.score)
            use = FormulaUse.of(band.score, x.names)
            steps.append(step("band_formula", k=k, when=when, formula=use, value=value))
            score = _clamped(x, value, steps)
        return Outcome(score, steps)
    return Outcome(ZERO, [step("no_band")])


def deduct(x: RuleInput) -> Outcome:
    ind, w = x.ind, x.ind.weight
    assert ind.per is not None
    assert ind.count is not None
    n = _formula_value(x, ind.count)
    units = max(n, ZERO)
    lost = ind.per * units
    raw = clamp(w - lost, ZERO, w)
    steps = [
        step(
            "deduct",
            count=FormulaUse.of(ind.count, x.names),
            units=n,
            per=ind.per,
            counted=units,
            lost=lost,
            weight=w,
            score=raw,
        )
    ]
    if w - lost < 0:
        steps.append(step("floored"))
    return Outcome(raw, steps)


def checklist(x: RuleInput) -> Outcome:
    ind = x.ind
    given = x.actual
    if isinstance(given, str):
        given = tuple(
            p.strip() for p in given.replace("，", ",").replace("、", ",").split(",") if p.strip()
        )
    if not isinstance(given, tuple):
        raise RuleProblem("not_a_list", value=str(given)[:30])
    names = {n: it for it in ind.items for n in ((it.label, it.id) if it.id else (it.label,))}
    chosen = []
    for g in given:
        if g not in names:
            raise RuleProblem("unknown_item", value=g[:30], hint=hint(g, list(names), x.lang))
        if names[g] not in chosen:
            chosen.append(names[g])
    total = sum((it.points for it in chosen), ZERO)
    raw = min(total, ind.weight)
    yes = tuple((it.label, it.points) for it in chosen)
    no = tuple((it.label, it.points) for it in ind.items if it not in chosen)
    steps = [step("checklist", chosen=yes, missed=no, score=raw)]
    return Outcome(raw, steps, None, None, ", ".join(it.label for it in chosen))


def manual(x: RuleInput) -> Outcome:
    ind, m = x.ind, x.manual
    if not isinstance(m, Mapping) or "score" not in m:
        raise RuleProblem("manual_missing")
    # Read like any value: 8 from Python, 8 or "8" from a file, "8分" from a table.
    read = read_value(m.get("score"))
    score = read.value
    justification = m.get("justification")
    if read.problem is not None or not isinstance(score, Decimal) or read.unit not in (None, "分"):
        raise RuleProblem("not_a_number", value=str(m.get("score"))[:30])
    if not isinstance(justification, str) or not justification.strip():
        raise RuleProblem("manual_missing_justification")
    if not ZERO <= score <= ind.weight:
        raise RuleProblem(
            "manual_out_of_range", value=fmt_number(score), weight=fmt_number(ind.weight)
        )
    return Outcome(score, [step("manual", score=score, why=justification.strip()[:200])])


def formula(x: RuleInput) -> Outcome:
    ind = x.ind
    assert ind.score is not None
    value = _formula_value(x, ind.score)
    steps = [step("formula", formula=FormulaUse.of(ind.score, x.names), value=value)]
    return Outcome(_clamped(x, value, steps), steps)


RULES: dict[str, Callable[[RuleInput], Outcome]] = {
    "ratio": ratio,
    "reverse": reverse,
    "exact": exact,
    "met": met,
    "qualitative": qualitative,
    "bands": bands,
    "deduct": deduct,
    "checklist": checklist,
    "manual": manual,
    "formula": formula,
    "deadline": deadline,
}
NEEDS_ACTUAL = frozenset(
    {"ratio", "reverse", "exact", "met", "qualitative", "checklist", "deadline"}
)
