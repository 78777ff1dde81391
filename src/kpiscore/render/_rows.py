"""The self-evaluation table (自评表) as rows of strings, shared by every renderer."""

from __future__ import annotations

from decimal import Decimal

from ..result import IndicatorResult, Result

HEADERS = {
    "zh": ["一级指标", "二级指标", "三级指标", "指标值", "实际值", "分值", "得分", "偏差原因"],
    "en": ["Category", "Group", "Indicator", "Target", "Actual", "Weight", "Score", "Reason"],
}


def show_actual(ind: IndicatorResult, lang: str) -> str:
    if ind.status == "not_applicable":
        return "n/a" if lang == "en" else "不适用"
    if ind.status == "missing_data":
        return "missing" if lang == "en" else "缺数据"
    a = ind.actual
    if isinstance(a, Decimal):
        target = ind.target or ""
        if "%" in target or "％" in target:
            from ..compiled import fmt_percent

            return fmt_percent(a)
        return format(a.normalize(), "f") if a == a.to_integral_value() else format(a, "f")
    return str(a) if a is not None else ""


def reason_cell(ind: IndicatorResult, lang: str) -> str:
    if ind.reason:
        return ind.reason
    if ind.needs_reason:
        return "(owed, not given)" if lang == "en" else "（需说明，未填写）"
    return ""


def rows(result: Result, lang: str) -> list[list[str]]:
    names = {c.id: c.name for c in result.categories}
    out: list[list[str]] = []
    last_cat = None
    for ind in result.indicators:
        cat = names.get(ind.category, ind.category) if ind.category != last_cat else ""
        last_cat = ind.category
        out.append(
            [
                cat,
                ind.group or "",
                ind.name,
                ind.target or "",
                show_actual(ind, lang),
                format(ind.weight, "f"),
                "—" if ind.status == "not_applicable" else format(ind.score, "f"),
                reason_cell(ind, lang),
            ]
        )
    return out
