"""The filed form (自评表) as data: every renderer lays out the same Form.

The official 项目支出绩效自评表 / 部门整体支出绩效自评表: a title with the year,
the header block, the funds block (项目资金, filled by the execution-rate
indicator), 年度总体目标, the indicator table, the 总分 row with its grade
and notes, and the signature line. ``FORM_WORDS`` holds every label once, in
both languages; the xlsx reader of issue 13 reads the same words.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .._messages import Lang
from .._steps import FormulaUse
from ..result import IndicatorResult, Result
from ._rows import reason_cell, show_actual, total_words

FORM_WORDS: dict[str, tuple[str, str]] = {
    "title_project": (
        "{year}项目支出绩效自评表",
        "Project expenditure performance self-evaluation {year}",
    ),
    "title_department": (
        "{year}部门整体支出绩效自评表",
        "Department expenditure performance self-evaluation {year}",
    ),
    "year": ("（{year}年度）", "({year})"),
    "name_project": ("项目名称", "Project"),
    "name_department": ("部门（单位）名称", "Department"),
    "department": ("主管部门", "Supervising department"),
    "org": ("实施单位", "Implementing unit"),
    "contact": ("联系人及电话", "Contact"),
    "funds": ("项目资金（万元）", "Funds (10k yuan)"),
    "funds_department": ("部门资金（万元）", "Funds (10k yuan)"),
    "initial": ("年初预算数", "Initial budget"),
    "budget": ("全年预算数", "Full-year budget"),
    "spent": ("全年执行数", "Spent"),
    "weight": ("分值", "Weight"),
    "rate": ("执行率", "Execution rate"),
    "score": ("得分", "Score"),
    "total": ("年度资金总额", "Total funds"),
    "fiscal": ("其中：财政拨款", "of which: fiscal appropriation"),
    "carryover": ("上年结转资金", "Carried over"),
    "other": ("其他资金", "Other funds"),
    "goals": ("年度总体目标", "Overall goals for the year"),
    "goals_department": ("年度主要任务", "Main tasks for the year"),
    "planned": ("预期目标", "Planned"),
    "achieved": ("实际完成情况", "Achieved"),
    "col_category": ("一级指标", "Category"),
    "col_group": ("二级指标", "Group"),
    "col_name": ("三级指标", "Indicator"),
    "col_target": ("年度指标值", "Target"),
    "col_actual": ("实际完成值", "Actual"),
    "col_weight": ("分值", "Weight"),
    "col_score": ("得分", "Score"),
    "col_reason": ("偏差原因分析及改进措施", "Reasons for deviation and improvements"),
    "sum": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "signature_org": ("填报单位（盖章）：", "Unit (seal):"),
    "signature_person": ("填报人：", "Filled in by:"),
    "signature_phone": ("联系电话：", "Phone:"),
    "signature_date": ("填报日期：", "Date:"),
    "subtotals": ("分项得分", "Category subtotals"),
    "explanations": ("计分说明", "How each score was reached"),
    "failed_checks": ("一致性检查未通过", "Failed checks"),
    "differences": ("与自报得分不一致", "Differences from the claimed scores"),
    "warnings": ("提示", "Warnings"),
    "points_lost": ("失分（从多到少）", "Points lost, largest first"),
    "chart": ("各指标失分与分项得分", "Points lost per indicator and category subtotals"),
    "lost": ("失分", "lost"),
}

COLUMNS = (
    "col_category",
    "col_group",
    "col_name",
    "col_target",
    "col_actual",
    "col_weight",
    "col_score",
    "col_reason",
)
FUND_ROWS = ("total", "fiscal", "carryover", "other")


def word(key: str, lang: Lang, **params: Any) -> str:
    zh, en = FORM_WORDS[key]
    return (en if lang == "en" else zh).format(**params)


@dataclass(frozen=True)
class FormRow:
    """One indicator row of the filed table, its cells already worded."""

    category: str
    group: str
    name: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal | None  # None: not applicable
    reason: str
    status: str
    id: str


@dataclass(frozen=True)
class FundsRow:
    """One line of the funds block (年初预算数, 全年预算数, 全年执行数), by source of funds."""

    key: str
    label: str
    initial: Decimal | None
    budget: Decimal | None
    spent: Decimal | None


@dataclass(frozen=True)
class Form:
    """The filed 自评表 of one result, laid out once for every renderer (xlsx, html,
    text, markdown, docx) so that they all show the same cells."""

    lang: Lang
    kind: str
    title: str
    header: list[tuple[str, str]]
    funds_label: str
    funds: list[FundsRow]
    execution: IndicatorResult | None  # fills 分值/执行率/得分 of the funds block
    goals_label: str
    goals: tuple[str, str]
    rows: list[FormRow]
    total: Decimal | None
    full_score: Decimal
    grade: str
    notes: list[str]
    signature: list[str]
    result: Result
    precision: int = 2
    subtotals: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)

    def columns(self) -> list[str]:
        return [word(c, self.lang) for c in COLUMNS]


def execution_indicator(result: Result) -> IndicatorResult | None:
    """The 预算执行率 row: by its id in the shipped sets, else by its name."""
    for ind in result.indicators:
        if ind.id == "execution_rate":
            return ind
    return next((i for i in result.indicators if "预算执行率" in i.name), None)


def ratio_inputs(ind: IndicatorResult | None) -> tuple[Decimal, Decimal] | None:
    """(spent, budget) of an execution rate computed as ``spent / budget``, if so."""
    if ind is None:
        return None
    for st in ind.steps:
        use = st.values.get("formula") if st.kind == "actual_formula" else None
        if not isinstance(use, FormulaUse):
            continue
        tree = use.formula.tree
        if (
            isinstance(tree, ast.BinOp)
            and isinstance(tree.op, ast.Div)
            and isinstance(tree.left, ast.Name)
            and isinstance(tree.right, ast.Name)
        ):
            spent, budget = use.names.get(tree.left.id), use.names.get(tree.right.id)
            if isinstance(spent, Decimal) and isinstance(budget, Decimal):
                return spent, budget
    return None


def build(result: Result, kind: str = "project") -> Form:
    lang = result.lang
    department = kind == "department"
    subject = result.subject
    year = subject.get("year")
    title = word("title_department" if department else "title_project", lang, year="").strip()
    if year is not None:
        title = (
            word("year", lang, year=year) + title
            if lang != "en"
            else f"{title} {word('year', lang, year=year)}"
        )
    header = [
        (
            word("name_department" if department else "name_project", lang),
            _text(subject.get("name")),
        ),
        (word("department", lang), _text(subject.get("department"))),
        (word("org", lang), _text(subject.get("org"))),
    ]
    if subject.get("contact"):
        header.append((word("contact", lang), _text(subject.get("contact"))))
    execution = execution_indicator(result)
    raw_goals = subject.get("goals")
    goals: dict[str, Any] = raw_goals if isinstance(raw_goals, dict) else {}
    return Form(
        lang=lang,
        kind=kind,
        title=title.strip(),
        header=header,
        funds_label=word("funds_department" if department else "funds", lang),
        funds=_funds(subject.get("funds"), execution, lang),
        execution=execution,
        goals_label=word("goals_department" if department else "goals", lang),
        goals=(_text(goals.get("planned")), _text(goals.get("achieved"))),
        rows=_rows(result, execution if not department else None),
        total=result.total,
        full_score=result.full_score,
        grade=result.grade or "—",
        notes=total_words(result, lang),
        signature=[
            word(k, lang)
            for k in ("signature_org", "signature_person", "signature_phone", "signature_date")
        ],
        result=result,
        precision=result.precision,
        subtotals=[(c.name, c.weight, c.score) for c in result.categories],
    )


def _text(v: Any) -> str:
    if v is None:
        return ""
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def _funds(raw: Any, execution: IndicatorResult | None, lang: Lang) -> list[FundsRow]:
    rows: dict[str, dict[str, Decimal]] = raw if isinstance(raw, dict) else {}
    if not rows:
        # No funds block in the data: the total row comes from the execution rate's inputs.
        found = ratio_inputs(execution)
        if found is not None:
            rows = {"total": {"budget": found[1], "spent": found[0]}}
    return [
        FundsRow(
            key,
            word(key, lang),
            rows.get(key, {}).get("initial"),
            rows.get(key, {}).get("budget"),
            rows.get(key, {}).get("spent"),
        )
        for key in FUND_ROWS
    ]


def _rows(result: Result, leave_out: IndicatorResult | None) -> list[FormRow]:
    lang = result.lang
    names = {c.id: c.name for c in result.categories}
    out = []
    for ind in result.indicators:
        if leave_out is not None and ind.id == leave_out.id:
            continue  # a project form shows the execution rate in its funds block
        out.append(
            FormRow(
                category=names.get(ind.category, ind.category),
                group=ind.group or "",
                name=ind.name,
                target=ind.target_shown or ind.target or "",
                actual=show_actual(ind, lang),
                weight=ind.weight,
                score=None if ind.status == "not_applicable" else ind.score,
                reason=reason_cell(ind, lang),
                status=ind.status,
                id=ind.id,
            )
        )
    return out


def spans(values: list[str]) -> list[tuple[int, int]]:
    """Runs of equal, non-empty neighbours as (first, last) indexes: the cells merged down."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - 1 > start and values[start]:
                out.append((start, i - 1))
            start = i
    return out


def header_lines(form: Form) -> list[str]:
    """The form's header, funds and goals blocks as lines of text (only what is filled),
    for the formats that have no cells: text and Markdown."""
    lang = form.lang
    en = lang == "en"
    sep, colon = ("; ", ": ") if en else ("；", "：")
    out = []
    filled = [f"{label}{colon}{value}" for label, value in form.header if value]
    if filled:
        out.append(sep.join(filled))
    for f in form.funds:
        cells = [
            f"{word(k, lang)} {format(v, 'f')}"
            for k, v in (("initial", f.initial), ("budget", f.budget), ("spent", f.spent))
            if v is not None
        ]
        if cells:
            out.append(f"{form.funds_label}{colon}{f.label} " + ("; " if en else "，").join(cells))
    planned, achieved = form.goals
    goals = [f"{word(k, lang)} {v}" for k, v in (("planned", planned), ("achieved", achieved)) if v]
    if goals:
        out.append(f"{form.goals_label}{colon}" + sep.join(goals))
    return out
