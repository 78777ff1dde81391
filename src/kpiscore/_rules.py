"""The built-in scoring rules, computed directly in Python.

Each rule turns (actual, target, weight) into an exact, unrounded score in
[0, weight] and says, in words, how it got there. Rounding happens once,
later, in ``_evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._data import LevelValue, read_value
from ._dates import When, months_late, read_actual
from ._formula import CompiledFormula, EvalFailure, Evaluator, render
from ._messages import Lang, hint
from ._messages import zh_en as _t
from ._numbers import clamp, fmt_number, fmt_percent
from .compiled import CompiledIndicator, LevelSpec, is_negated, level_key, shown_name

ZERO = Decimal(0)
ONE = Decimal(1)


class RuleProblem(Exception):
    """The row's data cannot be scored by this rule; ``code`` keys the message catalogue."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code)


@dataclass
class Outcome:
    raw: Decimal
    text: str
    completion: Decimal | None = None
    performance: Decimal | None = None  # how far beyond the target, for the over-achievement flag
    shown_actual: Decimal | str | None = None


@dataclass
class RuleInput:
    ind: CompiledIndicator
    actual: Any
    evaluator: Evaluator
    lang: Lang
    show: Callable[[Decimal], str]  # a number with its unit or as a percent
    label: Callable[[str], str]  # a name as "label value" for rendered formulas
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


def _n(d: Decimal) -> str:
    """An intermediate result: exact if short, else to 4 places."""
    exp = d.as_tuple().exponent
    if isinstance(exp, int) and exp < -4:
        return "≈" + fmt_number(d, 4)
    return fmt_number(d)


def _scaled(
    x: RuleInput, num: Decimal, den: Decimal, state: tuple[str, str], rule: tuple[str, str]
) -> tuple[Decimal, str]:
    """weight × num/den, capped at the weight, with the arithmetic spelled out.

    ratio, reverse and both sides of exact share this one computation, so the
    three can never drift apart in either the score or its explanation.
    """
    w = x.ind.weight
    exact = w * num / den
    raw = clamp(exact, ZERO, w)
    arithmetic = f"{x.show(num)} ÷ {x.show(den)} × {fmt_number(w)} = {_n(exact)}"
    if raw != exact:  # a negative actual: say so rather than show a false equation
        arithmetic += _t(x.lang, f"，低于 0，按 {_n(raw)} 计", f", below 0: counts as {_n(raw)}")
    zh = f"{state[0]}，按 {rule[0]} × 分值 = {arithmetic}"
    en = f"{state[1]}: {rule[1]} × weight = {arithmetic}"
    return raw, _t(x.lang, zh, en)


_RATIO = ("实际/目标", "actual/target")
_REVERSE = ("目标/实际", "target/actual")


def ratio(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
    assert ind.target is not None
    assert ind.target.value is not None
    a, t, w = _num(x), ind.target.value, ind.weight
    completion = a / t
    head = _t(
        lang,
        f"目标 {ind.target.show()}，完成率 {fmt_percent(completion)}",
        f"target {ind.target.show()}, completion {fmt_percent(completion)}",
    )
    if ind.zero_below is not None and completion < ind.zero_below:
        text = _t(
            lang,
            f"{head}，低于 {fmt_percent(ind.zero_below)}，按规则得 0 分",
            f"{head}, below {fmt_percent(ind.zero_below)}: scores 0 by rule",
        )
        return Outcome(ZERO, text, completion, completion)
    if completion >= 1:
        text = _t(
            lang,
            f"{head}，已达成，得满分 {fmt_number(w)}（不超过分值）",
            f"{head}, met: full weight {fmt_number(w)} (never above the weight)",
        )
        return Outcome(w, text, completion, completion)
    raw, how = _scaled(x, a, t, ("未达成", "not met"), _RATIO)
    return Outcome(raw, _t(lang, f"{head}，", f"{head}, ") + how, completion, completion)


def reverse(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
    assert ind.target is not None
    assert ind.target.value is not None
    a, t, w = _num(x), ind.target.value, ind.weight
    completion = a / t if t != 0 else None
    performance = t / a if a > 0 else None
    head = _t(
        lang,
        f"目标 {ind.target.show()}（越低越好），实际 {x.show(a)}",
        f"target {ind.target.show()} (lower is better), actual {x.show(a)}",
    )
    if ind.zero_above is not None and t > 0 and a / t > ind.zero_above:
        text = _t(
            lang,
            f"{head}，超过目标的 {fmt_percent(ind.zero_above)}，按规则得 0 分",
            f"{head}, above {fmt_percent(ind.zero_above)} of the target: scores 0 by rule",
        )
        return Outcome(ZERO, text, completion, performance)
    if a == 0 or a <= t:
        why = _t(
            lang,
            "实际为 0，视为达成" if a == 0 else "已达成",
            "actual 0 counts as met" if a == 0 else "met",
        )
        text = _t(
            lang,
            f"{head}，{why}，得满分 {fmt_number(w)}",
            f"{head}, {why}: full weight {fmt_number(w)}",
        )
        return Outcome(w, text, completion, performance)
    raw, how = _scaled(x, t, a, ("未达成", "not met"), _REVERSE)
    return Outcome(raw, _t(lang, f"{head}，", f"{head}, ") + how, completion, performance)


def exact(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
    assert ind.target is not None
    assert ind.target.value is not None
    a, t, w = _num(x), ind.target.value, ind.weight
    tol = ind.tolerance or ZERO
    if t == 0:
        return _exactly_zero(x, a, tol)
    completion = a / t
    diff = abs(a - t)
    head = _t(
        lang,
        f"目标 {ind.target.show()}，实际 {x.show(a)}",
        f"target {ind.target.show()}, actual {x.show(a)}",
    )
    if diff <= tol:
        within = _t(
            lang,
            f"相差 {fmt_number(diff)}，在容差 {fmt_number(tol)} 以内" if tol else "相等",
            f"off by {fmt_number(diff)}, within tolerance {fmt_number(tol)}" if tol else "equal",
        )
        text = _t(
            lang,
            f"{head}，{within}，得满分 {fmt_number(w)}",
            f"{head}, {within}: full weight {fmt_number(w)}",
        )
        return Outcome(w, text, completion, completion)
    if a < t:
        raw, how = _scaled(x, a, t, ("低于目标", "below target"), _RATIO)
    else:
        raw, how = _scaled(x, t, a, ("高于目标", "above target"), _REVERSE)
    return Outcome(raw, _t(lang, f"{head}，", f"{head}, ") + how, completion, completion)


def _exactly_zero(x: RuleInput, a: Decimal, tol: Decimal) -> Outcome:
    """``= 0`` (no incidents): full when the actual is 0 within the tolerance, else 0."""
    ind, lang, w = x.ind, x.lang, x.ind.weight
    assert ind.target is not None
    ok = abs(a) <= tol
    head = _t(
        lang,
        f"目标 {ind.target.show()}，实际 {x.show(a)}",
        f"target {ind.target.show()}, actual {x.show(a)}",
    )
    if ok:
        within = (
            _t(lang, f"，在容差 {fmt_number(tol)} 以内", f", within tolerance {fmt_number(tol)}")
            if a
            else ""
        )
        text = _t(
            lang,
            f"{head}{within}，达成，得满分 {fmt_number(w)}",
            f"{head}{within}, met: full weight {fmt_number(w)}",
        )
        return Outcome(w, text, None, None)
    text = _t(
        lang,
        f"{head}，目标为 0 而实际不为 0，得 0 分",
        f"{head}, the target is 0 and the actual is not: 0",
    )
    return Outcome(ZERO, text, None, None)


def met(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
    assert ind.target is not None
    a, w = _num(x), ind.weight
    ok = ind.target.holds(a)
    completion = a / ind.target.value if ind.target.value else None
    head = _t(
        lang,
        f"目标 {ind.target.show()}，实际 {x.show(a)}",
        f"target {ind.target.show()}, actual {x.show(a)}",
    )
    if ok:
        return Outcome(
            w,
            _t(
                lang,
                f"{head}，达成，得满分 {fmt_number(w)}",
                f"{head}, met: full weight {fmt_number(w)}",
            ),
            completion,
            completion,
        )
    return Outcome(
        ZERO,
        _t(lang, f"{head}，未达成，得 0 分", f"{head}, not met: 0"),
        completion,
        completion,
    )


def _find_level(ind: CompiledIndicator, name: str, lang: Lang) -> LevelSpec:
    key = level_key(name)
    for lv in ind.levels:
        if key == lv.label or key in lv.aliases:
            return lv
    # "没有完成" must never be offered "完成": a negated word is matched only with negated ones.
    negated = is_negated(key)
    names = [n for lv in ind.levels for n in (lv.label, *lv.aliases) if is_negated(n) == negated]
    raise RuleProblem("unknown_level_value", value=name.strip()[:30], hint=hint(key, names, lang))


def qualitative(x: RuleInput) -> Outcome:
    ind, lang, w = x.ind, x.lang, x.ind.weight
    value = x.actual
    given_rate: Decimal | None = None
    if isinstance(value, LevelValue):
        level = _find_level(ind, value.level, lang)
        given_rate = value.rate
    elif isinstance(value, str):
        level = _find_level(ind, value, lang)
    elif isinstance(value, Decimal) and not isinstance(value, bool):
        if not ZERO <= value <= ONE:
            raise RuleProblem(
                "rate_out_of_range", level="?", low="0", high="1", rate=fmt_number(value)
            )
        level = next(lv for lv in ind.levels if lv.low <= value <= lv.high)
        given_rate = value
    else:
        raise RuleProblem("unknown_level_value", value=str(value)[:30], hint="")
    if given_rate is not None and not level.low <= given_rate <= level.high:
        raise RuleProblem(
            "rate_out_of_range",
            level=level.label,
            low=fmt_number(level.low),
            high=fmt_number(level.high),
            rate=fmt_number(given_rate),
        )
    rate = given_rate if given_rate is not None else level.high
    raw = w * rate
    rng = f"[{fmt_percent(level.low)}, {fmt_percent(level.high)}]"
    how = _t(
        lang,
        "给定比例" if given_rate is not None else "未给比例，取区间上限",
        "given rate" if given_rate is not None else "no rate given: top of the range",
    )
    if (
        given_rate is None
        and x.claimed is not None
        and level.low * w <= x.claimed <= level.high * w
    ):
        return _judged(x, level, x.claimed, value)
    written = value.level if isinstance(value, LevelValue) else value
    as_written = (
        _t(lang, f"（原文“{written.strip()[:30]}”）", f" (written '{written.strip()[:30]}')")
        if isinstance(written, str) and written.strip() != level.label
        else ""
    )
    target_level = ind.target.level if ind.target is not None else ind.levels[0].label
    text = _t(
        lang,
        f"目标 {target_level}，实际等级“{level.label}”{as_written}（得分比例 {rng}），{how} {fmt_percent(rate)}，{fmt_percent(rate)} × {fmt_number(w)} = {_n(raw)}",
        f"target {_en_level(ind, target_level)}, level '{shown_name(level, 'en')}'{as_written} (range {rng}), {how} {fmt_percent(rate)}, {fmt_percent(rate)} × {fmt_number(w)} = {_n(raw)}",
    )
    return Outcome(raw, text, rate, None, level.label)


def _en_level(ind: CompiledIndicator, label: str | None) -> str:
    found = next((lv for lv in ind.levels if lv.label == label), None)
    return shown_name(found, "en") if found is not None else str(label)


def _judged(x: RuleInput, level: LevelSpec, claimed: Decimal, value: Any) -> Outcome:
    """A bare level with the unit's own score inside its band: the unit's judgement stands.

    The contract leaves the point inside a level's band to the evaluator, so a
    claimed 13 of 15 for 达成 ([12, 15]) is used, not overruled by the band's top.
    """
    ind, lang, w = x.ind, x.lang, x.ind.weight
    lo, hi = fmt_number(level.low * w), fmt_number(level.high * w)
    target_level = ind.target.level if ind.target is not None else ind.levels[0].label
    text = _t(
        lang,
        f"目标 {target_level}，实际等级“{level.label}”，单位自评 {fmt_number(claimed)} 分，在 {level.label} 档 [{lo}, {hi}] 内，采用",
        f"target {_en_level(ind, target_level)}, level '{shown_name(level, 'en')}', the unit's own score {fmt_number(claimed)} lies in the {shown_name(level, 'en')} band [{lo}, {hi}]: used",
    )
    return Outcome(claimed, text, claimed / w if w else None, None, level.label)


def deadline(x: RuleInput) -> Outcome:
    """On or before the target day: full. Late: 0, or less ``late_per_month`` per started month."""
    ind, lang, w = x.ind, x.lang, x.ind.weight
    assert ind.target is not None
    assert ind.target.deadline is not None
    due = ind.target.deadline.on(x.year)
    if due is None:
        raise RuleProblem("deadline_needs_year", target=ind.target.text)
    done = read_actual(x.actual, x.written)
    shown = (x.written or str(x.actual))[:30]
    head = _t(
        lang,
        f"目标 {ind.target.show()}（{due.isoformat()}）",
        f"target {ind.target.show('en')} ({due.isoformat()})",
    )
    if done == "met":
        text = _t(
            lang,
            f"{head}，实际“{shown}”，按期完成，得满分 {fmt_number(w)}",
            f"{head}, actual '{shown}': on time, full weight {fmt_number(w)}",
        )
        return Outcome(w, text, None, None, shown)
    if done == "late":
        text = _t(
            lang,
            f"{head}，实际“{shown}”，未按期完成且晚了多久不明，得 0 分",
            f"{head}, actual '{shown}': late by an unknown time, 0",
        )
        return Outcome(ZERO, text, None, None, shown)
    if not isinstance(done, When):
        raise RuleProblem("not_a_date", value=shown)
    day = done.on(x.year if x.year is not None else (ind.target.deadline.year or None))
    if day is None:
        raise RuleProblem("deadline_needs_year", target=shown)
    strict = ind.target.op == "<"
    on_time = day < due if strict else day <= due
    when = _t(
        lang,
        f"实际 {shown}（{day.isoformat()}）",
        f"actual {shown} ({day.isoformat()})",
    )
    if on_time:
        text = _t(
            lang,
            f"{head}，{when}，按期完成，得满分 {fmt_number(w)}",
            f"{head}, {when}: on time, full weight {fmt_number(w)}",
        )
        return Outcome(w, text, None, None, shown)
    return _late(
        x,
        max(months_late(day, due), 1),
        f"{head}，{when}" if lang != "en" else f"{head}, {when}",
        shown,
    )


def _late(x: RuleInput, late: int, said: str, shown: str) -> Outcome:
    """A deadline missed by ``late`` started months: 0, or less ``late_per_month`` each."""
    ind, lang, w = x.ind, x.lang, x.ind.weight
    if ind.late_per_month is None:
        text = _t(
            lang, f"{said}，晚 {late} 个月，未按期完成，得 0 分", f"{said}: {late} month(s) late, 0"
        )
        return Outcome(ZERO, text, None, None, shown)
    lost = ind.late_per_month * late
    raw = clamp(w - lost, ZERO, w)
    floor = _t(lang, "，扣完为止" if w - lost < 0 else "", ", not below 0" if w - lost < 0 else "")
    text = _t(
        lang,
        f"{said}，晚 {late} 个月（开始的月份即算一个月），每月扣 {fmt_number(ind.late_per_month)} 分：{fmt_number(w)} − {fmt_number(ind.late_per_month)} × {late} = {_n(raw)}{floor}",
        f"{said}: {late} month(s) late (each started month counts), {fmt_number(ind.late_per_month)} per month: {fmt_number(w)} − {fmt_number(ind.late_per_month)} × {late} = {_n(raw)}{floor}",
    )
    return Outcome(raw, text, None, None, shown)


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


def _clamped(x: RuleInput, value: Decimal) -> tuple[Decimal, str]:
    w = x.ind.weight
    c = clamp(value, ZERO, w)
    if c != value:
        return c, _t(
            x.lang,
            f"（超出 [0, {fmt_number(w)}]，按 {fmt_number(c)} 计）",
            f" (outside [0, {fmt_number(w)}], taken as {fmt_number(c)})",
        )
    return c, ""


def bands(x: RuleInput) -> Outcome:
    lang = x.lang
    for k, band in enumerate(x.ind.bands, start=1):
        if band.when is not None and not _holds(x, band.when):
            continue
        cond = band.label or (
            render(band.when, x.label, lang) if band.when else _t(lang, "其他情况", "otherwise")
        )
        if isinstance(band.score, Decimal):
            score, note = _clamped(x, band.score)
            how = fmt_number(band.score)
        else:
            value = _formula_value(x, band.score)
            score, note = _clamped(x, value)
            how = f"{render(band.score, x.label, lang)} = {_n(value)}"
        text = _t(
            lang,
            f"第 {k} 档（{cond}）成立，得 {how}{note}",
            f"band {k} ({cond}) holds: {how}{note}",
        )
        return Outcome(score, text, None, None)
    return Outcome(ZERO, _t(lang, "没有任何一档成立，得 0 分", "no band holds: 0"), None, None)


def deduct(x: RuleInput) -> Outcome:
    ind, lang, w = x.ind, x.lang, x.ind.weight
    assert ind.per is not None
    assert ind.count is not None
    n = _formula_value(x, ind.count)
    units = max(n, ZERO)
    lost = ind.per * units
    raw = clamp(w - lost, ZERO, w)
    floor = _t(lang, "，扣完为止" if w - lost < 0 else "", ", not below 0" if w - lost < 0 else "")
    text = _t(
        lang,
        f"扣分单位 {render(ind.count, x.label, lang)} = {_n(n)}，扣 {fmt_number(ind.per)} × {_n(units)} = {_n(lost)}，{fmt_number(w)} − {_n(lost)} = {_n(raw)}{floor}",
        f"units {render(ind.count, x.label, lang)} = {_n(n)}, deduct {fmt_number(ind.per)} × {_n(units)} = {_n(lost)}, {fmt_number(w)} − {_n(lost)} = {_n(raw)}{floor}",
    )
    return Outcome(raw, text, None, None)


def checklist(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
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
            raise RuleProblem("unknown_item", value=g[:30], hint=hint(g, list(names), lang))
        if names[g] not in chosen:
            chosen.append(names[g])
    total = sum((it.points for it in chosen), ZERO)
    raw = min(total, ind.weight)
    sep = _t(lang, "、", ", ")
    yes = sep.join(f"{it.label}({fmt_number(it.points)})" for it in chosen) or "—"
    no = (
        sep.join(f"{it.label}({fmt_number(it.points)})" for it in ind.items if it not in chosen)
        or "—"
    )
    text = _t(
        lang,
        f"满足：{yes}；未满足：{no}；合计 {_n(raw)}",
        f"satisfied: {yes}; not: {no}; total {_n(raw)}",
    )
    return Outcome(
        raw,
        text,
        None,
        None,
        ", ".join(it.label for it in chosen),
    )


def manual(x: RuleInput) -> Outcome:
    ind, lang, m = x.ind, x.lang, x.manual
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
    text = _t(
        lang,
        f"人工评分 {fmt_number(score)}，理由：{justification.strip()[:200]}",
        f"manual score {fmt_number(score)}, because: {justification.strip()[:200]}",
    )
    return Outcome(score, text, None, None)


def formula(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
    assert ind.score is not None
    value = _formula_value(x, ind.score)
    score, note = _clamped(x, value)
    text = _t(
        lang,
        f"按公式 {render(ind.score, x.label, lang)} = {_n(value)}{note}",
        f"formula {render(ind.score, x.label, lang)} = {_n(value)}{note}",
    )
    return Outcome(score, text, None, None)


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
