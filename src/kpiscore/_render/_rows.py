"""The self-evaluation table (自评表) as rows of strings, shared by every renderer."""

from __future__ import annotations

from .._messages import Lang
from ..result import IndicatorResult, Result

HEADERS = {
    "zh": [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因",
    ],
    "en": ["Category", "Group", "Indicator", "Target", "Actual", "Weight", "Score", "Reason"],
}


def spreadsheet_cell(text: str) -> str:
    """Keep a cell from being run as a formula when a spreadsheet opens the file.

    Subject names and messages come from data files; a leading = + - @ (or a
    tab or carriage return before one) would make Excel or WPS evaluate it.
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def total_notes(result: Result, lang: Lang) -> str:
    """What stands beside the total in every format: 数据不完整, 按百分制折算.

    An incomplete total carries its grade only with these words beside it, so a
    total that is missing points is never filed as if it were whole.
    """
    if lang == "en":
        return "".join(f" ({w})" for w in total_words(result, lang))
    return "".join(f"（{w}）" for w in total_words(result, lang))


def total_words(result: Result, lang: Lang) -> list[str]:
    en = lang == "en"
    out = [] if result.complete else ["incomplete data" if en else "数据不完整"]
    if result.rescaled:
        out.append("rescaled for n/a indicators" if en else "已剔除不适用指标并按百分制折算")
    return out


def show_actual(ind: IndicatorResult, lang: Lang) -> str:
    if ind.status == "not_applicable":
        return "n/a" if lang == "en" else "不适用"
    if ind.status == "missing_data":
        return "missing" if lang == "en" else "缺数据"
    if ind.status == "invalid_data":
        return "invalid" if lang == "en" else "数据无效"
    return ind.shown


def reason_cell(ind: IndicatorResult, lang: Lang) -> str:
    if ind.reason:
        return ind.reason
    if ind.needs_reason:
        return "(owed, not given)" if lang == "en" else "（需说明，未填写）"
    return ""


def rows(result: Result, lang: Lang) -> list[list[str]]:
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
                ind.target_shown or ind.target or "",
                show_actual(ind, lang),
                format(ind.weight, "f"),
                "—" if ind.status == "not_applicable" else format(ind.score, "f"),
                reason_cell(ind, lang),
            ]
        )
    return out


def other_warnings(result: Result) -> list[tuple[str | None, str]]:
    """The warnings not already shown as a failed check, each with the name of the
    indicator it is about (None when it is about the whole subject)."""
    failed = {c.message for c in result.checks if not c.passed}
    names = {i.id: i.name for i in result.indicators}
    return [
        (names.get(getattr(w, "indicator", None) or ""), w)
        for w in result.warnings
        if w not in failed
    ]


def named(name: str | None, text: str, lang: Lang) -> str:
    """A warning led by the name of its indicator, unless it already starts with it."""
    if not name or text.startswith(name):
        return text
    return f"{name}: {text}" if lang == "en" else f"{name}：{text}"
