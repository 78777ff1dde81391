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
from ._formula import CompiledFormula, EvalFailure, Evaluator, render
from ._messages import hint
from ._messages import zh_en as _t
from ._numbers import clamp, fmt_number, fmt_percent
from .compiled import CompiledIndicator, LevelSpec, is_negated, level_key

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
    met: bool | None = None
    performance: Decimal | None = None  # how far beyond the target, for the over-achievement flag
    shown_actual: Decimal | str | None = None


@dataclass
class RuleInput:
    ind: CompiledIndicator
    actual: Any
    evaluator: Evaluator
    lang: str
    show: Callable[[Decimal], str]  # a number with its unit or as a percent
    label: Callable[[str], str]  # a name as "label value" for rendered formulas
    manual: Any = None


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
        return Outcome(ZERO, text, completion, False, completion)
    if completion >= 1:
        text = _t(
            lang,
            f"{head}，已达成，得满分 {fmt_number(w)}（不超过分值）",
            f"{head}, met: full weight {fmt_number(w)} (never above the weight)",
        )
        return Outcome(w, text, completion, True, completion)
    raw, how = _scaled(x, a, t, ("未达成", "not met"), _RATIO)
    return Outcome(raw, _t(lang, f"{head}，", f"{head}, ") + how, completion, False, completion)


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
        return Outcome(ZERO, text, completion, False, performance)
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
        return Outcome(w, text, completion, True, performance)
    raw, how = _scaled(x, t, a, ("未达成", "not met"), _REVERSE)
    return Outcome(raw, _t(lang, f"{head}，", f"{head}, ") + how, completion, False, performance)


def exact(x: RuleInput) -> Outcome:
    ind, lang = x.ind, x.lang
    assert ind.target is not None
    assert ind.target.value is not None
    a, t, w = _num(x), ind.target.value, ind.weight
    tol = ind.tolerance or ZERO
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
        return Outcome(w, text, completion, True, completion)
    if a < t:
        raw, how = _scaled(x, a, t, ("低于目标", "below target"), _RATIO)
    else:
        raw, how = _scaled(x, t, a, ("高于目标", "above target"), _REVERSE)
    return Outcome(raw, _t(lang, f"{head}，", f"{head}, ") + how, completion, False, completion)


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
            True,
            completion,
        )
    return Outcome(
        ZERO,
        _t(lang, f"{head}，未达成，得 0 分", f"{head}, not met: 0"),
        completion,
        False,
        completion,
    )


def _find_level(ind: CompiledIndicator, name: str, lang: str) -> LevelSpec:
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
    written = value.level if isinstance(value, LevelValue) else value
    as_written = (
        _t(lang, f"（原文“{written.strip()[:30]}”）", f" (written '{written.strip()[:30]}')")
        if isinstance(written, str) and written.strip() != level.label
        else ""
    )
    target_level = ind.target.level if ind.target is not None else ind.levels[0].label
    rank = {lv.label: i for i, lv in enumerate(sorted(ind.levels, key=lambda lv: -lv.high))}
    ok = rank.get(level.label, 99) <= rank.get(target_level or "", 0)
    text = _t(
        lang,
        f"目标 {target_level}，实际等级“{level.label}”{as_written}（得分比例 {rng}），{how} {fmt_percent(rate)}，{fmt_percent(rate)} × {fmt_number(w)} = {_n(raw)}",
        f"target {target_level}, level '{level.label}'{as_written} (range {rng}), {how} {fmt_percent(rate)}, {fmt_percent(rate)} × {fmt_number(w)} = {_n(raw)}",
    )
    return Outcome(raw, text, rate, ok, None, level.label)


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
        return Outcome(score, text, None, score >= x.ind.weight, None)
    return Outcome(
        ZERO, _t(lang, "没有任何一档成立，得 0 分", "no band holds: 0"), None, False, None
    )


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
    return Outcome(raw, text, None, lost <= 0, None)


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
        not [it for it in ind.items if it not in chosen],
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
    return Outcome(score, text, None, score >= ind.weight, None)


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
    return Outcome(score, text, None, score >= ind.weight, None)


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
}
NEEDS_ACTUAL = frozenset({"ratio", "reverse", "exact", "met", "qualitative", "checklist"})
