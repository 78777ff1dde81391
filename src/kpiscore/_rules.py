"""The built-in scoring rules, computed directly in Python.

Each rule turns (actual, target, weight) into an exact, unrounded score in
[0, weight] and records the steps it took as data (``_steps``); the words
come later, from ``_wording``, only when an explanation is read. Rounding
happens once, in ``_evaluate``. A rule is made once per indicator when the
set's lanes are laid (``RULES[ind.rule](ind)``), its target, weight and limits
bound then, so a row pays for its own arithmetic only.
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
from ._steps import FormulaUse, Step, made, step
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
    """What a rule computed: its raw score and the steps that explain it."""

    raw: Decimal
    steps: list[Step] = field(default_factory=list)
    completion: Decimal | None = None
    performance: Decimal | None = None  # how far beyond the target, for the over-achievement flag
    shown_actual: Decimal | str | None = None


@dataclass(slots=True)
class RuleInput:
    """Everything a rule reads for one indicator on one row."""

    ind: CompiledIndicator
    actual: Any
    evaluator: Evaluator
    lang: Lang  # for the close matches a problem offers
    names: Mapping[str, Any]  # what formulas read on this row, kept with each formula shown
    manual: Any = None
    written: str | None = None  # the cell as written ("2022.11" stays a month, not a number)
    year: int | None = None  # the data's subject.year, for targets like 9月前
    claimed: Decimal | None = None  # the unit's own score for this indicator, if given


Rule = Callable[[RuleInput], Outcome]
"""One indicator's rule, its constants bound when the set's lanes are laid."""


def _num(actual: Any) -> Decimal:
    if isinstance(actual, Decimal):
        return actual
    if isinstance(actual, bool):
        return Decimal(int(actual))
    raise RuleProblem("not_a_number", value=str(actual)[:30])


def _scaled(
    w: Decimal, num: Decimal, den: Decimal, state: str, rule: str, steps: list[Step]
) -> Decimal:
    """w × num/den, capped at the weight.

    ratio, reverse and both sides of exact share this one computation, so the
    three can never drift apart in either the score or its explanation.
    """
    exact = w * num / den
    raw = max(ZERO, min(w, exact))  # clamp(), without a call: a row scales several
    steps.append(
        made(
            "scaled",
            {"state": state, "rule": rule, "num": num, "den": den, "weight": w, "exact": exact},
        )
    )
    if raw != exact:  # a negative actual: say so rather than show a false equation
        steps.append(made("below_zero", {"score": raw}))
    return raw


def _target(ind: CompiledIndicator) -> tuple[Decimal, str]:
    assert ind.target is not None
    assert ind.target.value is not None
    return ind.target.value, ind.target.show()


def ratio(ind: CompiledIndicator) -> Rule:
    (t, shown), w, floor = _target(ind), ind.weight, ind.zero_below

    def rule(x: RuleInput) -> Outcome:
        a = _num(x.actual)
        completion = a / t
        steps = [made("ratio_head", {"target": shown, "completion": completion})]
        if floor is not None and completion < floor:
            steps.append(made("zero_below", {"limit": floor}))
            raw = ZERO
        elif completion >= 1:
            raw = w
            steps.append(made("full_capped", {"weight": w}))
        else:
            raw = _scaled(w, a, t, "not_met", "actual/target", steps)
        return Outcome(raw, steps, completion, completion)

    return rule


def reverse(ind: CompiledIndicator) -> Rule:
    (t, shown), w, ceiling = _target(ind), ind.weight, ind.zero_above

    def rule(x: RuleInput) -> Outcome:
        a = _num(x.actual)
        steps = [made("reverse_head", {"target": shown, "actual": a})]
        completion = a / t if t != 0 else None
        performance = t / a if a > 0 else None
        if ceiling is not None and t > 0 and a / t > ceiling:
            steps.append(made("zero_above", {"limit": ceiling}))
            raw = ZERO
        elif a == 0 or a <= t:
            raw = w
            steps.append(made("full_zero_actual" if a == 0 else "full", {"weight": w}))
        else:
            raw = _scaled(w, t, a, "not_met", "target/actual", steps)
        return Outcome(raw, steps, completion, performance)

    return rule


def exact(ind: CompiledIndicator) -> Rule:
    (t, shown), w, tol = _target(ind), ind.weight, ind.tolerance or ZERO

    def rule(x: RuleInput) -> Outcome:
        a = _num(x.actual)
        out = Outcome(ZERO, [made("target_actual", {"target": shown, "actual": a})])
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
            out.raw = _scaled(w, a, t, "below_target", "actual/target", out.steps)
        else:
            out.raw = _scaled(w, t, a, "above_target", "target/actual", out.steps)
        return out

    return rule


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


def met(ind: CompiledIndicator) -> Rule:
    target, w = ind.target, ind.weight
    assert target is not None
    shown = target.show()

    def rule(x: RuleInput) -> Outcome:
        a = _num(x.actual)
        completion = a / target.value if target.value else None
        out = Outcome(ZERO, [made("target_actual", {"target": shown, "actual": a})])
        out.completion = out.performance = completion
        if target.holds(a):
            out.raw = w
            out.steps.append(step("met", weight=w))
        else:
            out.steps.append(step("not_met"))
        return out

    return rule


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


def _qualitative(x: RuleInput) -> Outcome:
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


def _deadline(x: RuleInput) -> Outcome:
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


def _clamped(w: Decimal, value: Decimal, steps: list[Step]) -> Decimal:
    c = max(ZERO, min(w, value))  # clamp(), without a call
    if c != value:
        steps.append(made("clamped", {"weight": w, "score": c}))
    return c


def bands(ind: CompiledIndicator) -> Rule:
    w, numbered = ind.weight, tuple(enumerate(ind.bands, start=1))

    def rule(x: RuleInput) -> Outcome:
        for k, band in numbered:
            if band.when is not None and not _holds(x, band.when):
                continue
            when: str | FormulaUse | None = band.label or (
                FormulaUse.of(band.when, x.names) if band.when else None
            )
            steps: list[Step] = []
            if isinstance(band.score, Decimal):
                steps.append(made("band", {"k": k, "when": when, "score": band.score}))
                score = _clamped(w, band.score, steps)
            else:
                value = _formula_value(x, band.score)
                use = FormulaUse.of(band.score, x.names)
                steps.append(
                    made("band_formula", {"k": k, "when": when, "formula": use, "value": value})
                )
                score = _clamped(w, value, steps)
            return Outcome(score, steps)
        return Outcome(ZERO, [made("no_band", {})])

    return rule


def deduct(ind: CompiledIndicator) -> Rule:
    w, per, count = ind.weight, ind.per, ind.count
    assert per is not None
    assert count is not None

    def rule(x: RuleInput) -> Outcome:
        n = _formula_value(x, count)
        units = max(n, ZERO)
        lost = per * units
        raw = clamp(w - lost, ZERO, w)
        steps = [
            step(
                "deduct",
                count=FormulaUse.of(count, x.names),
                units=n,
                per=per,
                counted=units,
                lost=lost,
                weight=w,
                score=raw,
            )
        ]
        if w - lost < 0:
            steps.append(step("floored"))
        return Outcome(raw, steps)

    return rule


def _checklist(x: RuleInput) -> Outcome:
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


def _manual(x: RuleInput) -> Outcome:
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


def formula(ind: CompiledIndicator) -> Rule:
    w, score = ind.weight, ind.score
    assert score is not None

    def rule(x: RuleInput) -> Outcome:
        value = _formula_value(x, score)
        steps = [made("formula", {"formula": FormulaUse.of(score, x.names), "value": value})]
        return Outcome(_clamped(w, value, steps), steps)

    return rule


def _as_is(rule: Rule) -> Callable[[CompiledIndicator], Rule]:
    """A rule with nothing of its indicator worth binding: the same function for all."""
    return lambda ind: rule


RULES: dict[str, Callable[[CompiledIndicator], Rule]] = {
    "ratio": ratio,
    "reverse": reverse,
    "exact": exact,
    "met": met,
    "qualitative": _as_is(_qualitative),
    "bands": bands,
    "deduct": deduct,
    "checklist": _as_is(_checklist),
    "manual": _as_is(_manual),
    "formula": formula,
    "deadline": _as_is(_deadline),
}
"""Each rule by name, made for one indicator: ``RULES[ind.rule](ind)(x)``."""
NEEDS_ACTUAL = frozenset(
    {"ratio", "reverse", "exact", "met", "qualitative", "checklist", "deadline"}
)
