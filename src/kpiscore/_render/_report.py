"""What the 自评报告 says, as data: the sentences kpiscore can write from a result.

The Word draft (``docx``) lays these out in the seed report's outline, and a
unit's own template reads the same ``context()`` through docxtpl, so the
variables documented in the guide are exactly what both use. Where only a
person can write, the text is ``TBD`` (【待填写】).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .._messages import Lang
from .._numbers import fmt_number, fmt_percent
from ..result import IndicatorResult, Result
from ._form import build, execution_indicator, ratio_inputs
from ._rows import other_warnings, reason_cell, show_actual, total_words

TBD = {"zh": "【待填写】", "en": "[to be written]"}


def _num(d: Decimal | None) -> str:
    return "" if d is None else format(d, "f")


def context(result: Result) -> dict[str, Any]:
    """Every variable a Word template can use: ``{{ total }}``, ``{{ subject.name }}``,
    ``{% for i in indicators %}{{ i.name }}{% endfor %}`` … (listed in the guide)."""
    lang = result.lang
    form = build(result, result.kind)
    lost = {p.id: p.lost for p in result.points_lost}
    indicators = [
        {
            "id": i.id,
            "name": i.name,
            "category": next((c.name for c in result.categories if c.id == i.category), i.category),
            "group": i.group or "",
            "target": i.target_shown or i.target or "",
            "actual": show_actual(i, lang),
            "weight": _num(i.weight),
            "score": "" if i.status == "not_applicable" else _num(i.score),
            "lost": _num(lost.get(i.id)),
            "completion": fmt_percent(i.completion) if i.completion is not None else "",
            "status": i.status,
            "reason": reason_cell(i, lang),
            "needs_reason": i.needs_reason,
            "explanation": i.explanation,
            "sentence": indicator_sentence(i, lang),
        }
        for i in result.indicators
    ]
    return {
        "title": report_title(result),
        "form_title": form.title,
        "set_name": result.indicator_set_name,
        "kind": result.kind,
        "subject": dict(result.subject),
        "year": result.subject.get("year", ""),
        "total": _num(result.total) or "—",
        "full_score": _num(result.full_score),
        "grade": result.grade or "—",
        "complete": result.complete,
        "notes": total_words(result, lang),
        "summary": summary(result),
        "funds_sentence": funds_sentence(result),
        "categories": [
            {
                "name": c.name,
                "weight": _num(c.weight),
                "score": _num(c.score),
                "lost": _num(c.weight - c.score),
            }
            for c in result.categories
        ],
        "indicators": indicators,
        "points_lost": [{"name": p.name, "lost": _num(p.lost)} for p in result.points_lost],
        "lost_sentence": lost_sentence(result),
        "failed_checks": [c.message for c in result.checks if not c.passed],
        "discrepancies": [
            {
                "name": d.name,
                "claimed": _num(d.claimed),
                "computed": _num(d.computed),
                "difference": _num(d.difference),
                "explanation": d.explanation,
            }
            for d in result.discrepancies
        ],
        "warnings": [w for _, w in other_warnings(result)],
        "tbd": TBD["en" if lang == "en" else "zh"],
    }


def report_title(result: Result) -> str:
    name = str(result.subject.get("name") or result.indicator_set_name)
    year = result.subject.get("year")
    if result.lang == "en":
        return f"{name}: performance self-evaluation report" + (f" {year}" if year else "")
    kind = "部门整体支出" if result.kind == "department" else "项目支出"
    return f"{name}{f'{year}年度' if year else ''}{kind}绩效自评报告"


def summary(result: Result) -> str:
    """自评结论综述: the total, the grade, the notes beside it, each category's points."""
    en = result.lang == "en"
    total = _num(result.total) or "—"
    notes = total_words(result, result.lang)
    cats = ("; " if en else "；").join(
        f"{c.name} {_num(c.score)} of {_num(c.weight)}"
        if en
        else f"{c.name} {_num(c.score)} 分（满分 {_num(c.weight)} 分）"
        for c in result.categories
    )
    if en:
        text = (
            f"Scored under {result.indicator_set_name}, the self-evaluation totals {total} of "
            f"{_num(result.full_score)}, grade {result.grade or '—'}"
        )
        text += f" ({'; '.join(notes)})" if notes else ""
        return text + f". By category: {cats}."
    text = (
        f"按《{result.indicator_set_name}》计分，自评总分 {total} 分（满分 {_num(result.full_score)} 分），"
        f"等级为“{result.grade or '—'}”"
    )
    text += f"（{'；'.join(notes)}）" if notes else ""
    return text + f"。其中：{cats}。"


def indicator_sentence(i: IndicatorResult, lang: Lang) -> str:
    """One indicator's completion against its target, its points, and its reason."""
    en = lang == "en"
    target = i.target_shown or i.target or "—"
    if i.status == "not_applicable":
        return f"{i.name}: not applicable this year." if en else f"{i.name}：本年度不适用。"
    if i.status in ("missing_data", "invalid_data"):
        what = i.problem or ""
        return (
            f"{i.name}: target {target}; no score ({what}), 0 of {_num(i.weight)}."
            if en
            else f"{i.name}：年度指标值 {target}，{what}，按 0 分计（满分 {_num(i.weight)} 分）。"
        )
    rate = ""
    if i.completion is not None and i.rule in ("ratio", "reverse", "exact", "met"):
        rate = (
            f", completion {fmt_percent(i.completion)}"
            if en
            else f"，完成率 {fmt_percent(i.completion)}"
        )
    if en:
        text = f"{i.name}: target {target}, achieved {i.shown or '—'}{rate}; {_num(i.score)} of {_num(i.weight)}."
    else:
        text = f"{i.name}：年度指标值 {target}，实际完成值 {i.shown or '—'}{rate}，得 {_num(i.score)} 分（满分 {_num(i.weight)} 分）。"
    if i.reason:
        text += f" Reason for deviation: {i.reason}" if en else f"偏差原因：{i.reason}"
    elif i.needs_reason:
        text += f" Reason for deviation: {TBD['en']}" if en else f"偏差原因：{TBD['zh']}"
    return text


def funds_sentence(result: Result) -> str:
    """收支情况 from the funds block, else from the execution rate's inputs."""
    en = result.lang == "en"
    funds = result.subject.get("funds") if isinstance(result.subject.get("funds"), dict) else {}
    total = funds.get("total", {}) if isinstance(funds, dict) else {}
    budget, spent = total.get("budget"), total.get("spent")
    if budget is None or spent is None:
        found = ratio_inputs(execution_indicator(result))
        if found is None:
            return TBD["en" if en else "zh"]
        spent, budget = found
    rate = fmt_percent(spent / budget) if budget else "—"
    if en:
        return f"Full-year budget {fmt_number(budget)} (10k yuan), spent {fmt_number(spent)}, execution rate {rate}."
    return f"全年预算数 {fmt_number(budget)} 万元，全年执行数 {fmt_number(spent)} 万元，预算执行率 {rate}。"


def lost_sentence(result: Result) -> str:
    en = result.lang == "en"
    if not result.points_lost:
        return "No points were lost." if en else "各项指标均未失分。"
    parts = ("; " if en else "；").join(
        f"{p.name} −{_num(p.lost)}" if en else f"{p.name}失 {_num(p.lost)} 分"
        for p in result.points_lost
    )
    return f"Points lost, largest first: {parts}." if en else f"失分从多到少：{parts}。"
