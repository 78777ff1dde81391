"""The 自评报告 draft in Word (needs the ``docx`` extra: pip install 'kpiscore[docx]').

Without a template: the seed report's outline, kpiscore's sentences, 【待填写】
where a person must write, and the 自评表 as the appendix table. With a
template: the unit's own .docx, its Jinja placeholders filled by docxtpl from
``_report.context`` — the same variables, so the draft and a template agree.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from .._messages import Lang, hint, message
from ..errors import KpiscoreError
from ..result import Result
from ._form import Form, build, spans, word
from ._report import context

_NEEDS = (
    "写 .docx 需要 python-docx 和 docxtpl：pip install 'kpiscore[docx]' / "
    "writing .docx needs python-docx and docxtpl: pip install 'kpiscore[docx]'"
)

_OUTLINE = {
    "zh": {
        "basic": "一、基本情况",
        "overview_project": "（一）项目概况",
        "overview_department": "（一）部门概况",
        "tasks": "（二）年度总体工作和重点工作任务",
        "money": "（三）收支情况",
        "management": "（四）绩效管理情况",
        "analysis": "二、综合评价分析",
        "conclusion": "（一）自评结论综述",
        "goals": "（二）绩效目标完成情况分析",
        "key_spending": "（三）重点任务项目支出完成情况",
        "effects": "（四）主要工作成效",
        "problems": "三、存在的主要问题",
        "measures": "四、下一步改进措施",
        "appendix": "附件：",
        "failed": "一致性检查未通过：",
        "claimed": "与自报得分不一致：",
    },
    "en": {
        "basic": "1. Basic information",
        "overview_project": "1.1 The project",
        "overview_department": "1.1 The department",
        "tasks": "1.2 Work and key tasks of the year",
        "money": "1.3 Income and spending",
        "management": "1.4 Performance management",
        "analysis": "2. Evaluation",
        "conclusion": "2.1 Conclusion",
        "goals": "2.2 Targets and what was achieved",
        "key_spending": "2.3 Spending on key tasks",
        "effects": "2.4 Main results",
        "problems": "3. Main problems",
        "measures": "4. Next steps",
        "appendix": "Appendix: ",
        "failed": "Failed checks:",
        "claimed": "Differs from the claimed scores:",
    },
}


def report_bytes(result: Result, lang: Lang = "zh", template: str | Path | None = None) -> bytes:
    if template is not None:
        return _from_template(result, Path(template))
    try:
        import docx
    except ImportError:
        raise KpiscoreError(_NEEDS) from None
    doc = docx.Document()
    _fonts(doc)
    _Draft(doc, result).write()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _from_template(result: Result, path: Path) -> bytes:
    try:
        import jinja2
        from docxtpl import DocxTemplate
    except ImportError:
        raise KpiscoreError(_NEEDS) from None
    ctx = context(result)
    lang = result.lang
    # An unknown variable is named, never filled in as silently empty text.
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    try:
        tpl = DocxTemplate(str(path))
        tpl.render(ctx, jinja_env=env)
    except FileNotFoundError:
        raise KpiscoreError(message("template_not_found", lang, file=str(path))) from None
    except jinja2.exceptions.UndefinedError as exc:
        name = _undefined_name(str(exc.message or ""))
        raise KpiscoreError(
            message(
                "template_unknown_variable",
                lang,
                file=path.name,
                name=name,
                hint=hint(name, sorted(ctx), lang, list_all=False),
            )
        ) from None
    except jinja2.exceptions.TemplateSyntaxError as exc:
        raise KpiscoreError(
            message("template_syntax", lang, file=path.name, detail=str(exc.message or "")[:160])
        ) from None
    except Exception:  # not a Word file, or a damaged one
        raise KpiscoreError(message("template_unreadable", lang, file=path.name)) from None
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def _undefined_name(text: str) -> str:
    """The variable jinja could not find: 'totl' is undefined; … has no attribute 'nam'."""
    found = re.findall(r"'([^']+)'", text)
    return found[-1] if found else text[:40]


def _fonts(doc: Any) -> None:
    """宋体 for Chinese text in every style a Chinese Word user expects."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), "SimSun")
    doc.styles["Normal"].font.size = Pt(12)


class _Draft:
    def __init__(self, doc: Any, result: Result):
        self.doc, self.result = doc, result
        self.lang: Lang = result.lang
        self.words = _OUTLINE["en" if self.lang == "en" else "zh"]
        self.ctx = context(result)

    def write(self) -> None:
        doc, w, ctx = self.doc, self.words, self.ctx
        doc.add_heading(ctx["title"], level=0)
        department = self.result.kind == "department"
        doc.add_heading(w["basic"], level=1)
        self.section("overview_department" if department else "overview_project", ctx["tbd"])
        goals = self.result.subject.get("goals")
        planned = goals.get("planned") if isinstance(goals, dict) else None
        self.section("tasks", planned or ctx["tbd"])
        self.section("money", ctx["funds_sentence"])
        self.section("management", ctx["tbd"])
        doc.add_heading(w["analysis"], level=1)
        self.section("conclusion", ctx["summary"])
        doc.add_heading(w["goals"], level=2)
        for i in ctx["indicators"]:
            doc.add_paragraph(i["sentence"])
        if ctx["failed_checks"]:
            doc.add_paragraph(w["failed"])
            for m in ctx["failed_checks"]:
                doc.add_paragraph(m, style="List Bullet")
        if ctx["discrepancies"]:
            doc.add_paragraph(w["claimed"])
            for d in ctx["discrepancies"]:
                doc.add_paragraph(d["explanation"], style="List Bullet")
        self.section("key_spending", ctx["tbd"])
        self.section("effects", ctx["tbd"])
        doc.add_heading(w["problems"], level=1)
        doc.add_paragraph(ctx["lost_sentence"])
        doc.add_paragraph(ctx["tbd"])
        doc.add_heading(w["measures"], level=1)
        doc.add_paragraph(ctx["tbd"])
        _landscape(doc)
        form = build(self.result, self.result.kind)
        doc.add_heading(w["appendix"] + form.title, level=1)
        _form_table(doc, form)

    def section(self, key: str, text: str) -> None:
        self.doc.add_heading(self.words[key], level=2)
        self.doc.add_paragraph(text)


def _landscape(doc: Any) -> None:
    """The appendix on a new A4 landscape page, as the form is filed."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.5)


# Relative widths of the eight columns, as on the .xlsx form.
_SHARES = (10, 12, 24, 14, 14, 8, 9, 40)


def _form_table(doc: Any, form: Form) -> None:
    """The 自评表 as a Word table: header rows, the indicator table, the 总分 row."""
    lang = form.lang
    cols = form.columns()
    table = doc.add_table(rows=0, cols=len(cols))
    table.style = "Table Grid"
    for label, value in form.header:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].merge(cells[-1]).text = value
    head = table.add_row().cells
    for c, text in zip(head, cols, strict=True):
        c.text = text
    first = len(table.rows)
    for r in form.rows:
        cells = table.add_row().cells
        score = format(r.score, "f") if r.score is not None else "—"
        values = [
            r.category,
            r.group,
            r.name,
            r.target,
            r.actual,
            format(r.weight, "f"),
            score,
            r.reason,
        ]
        for c, text in zip(cells, values, strict=True):
            c.text = text
    for col, column in (
        (0, [r.category for r in form.rows]),
        (1, [f"{r.category}\x00{r.group}" if r.group else "" for r in form.rows]),
    ):
        for a, b in spans(column):
            top, bottom = table.cell(first + a, col), table.cell(first + b, col)
            text = top.text
            merged = top.merge(bottom)
            merged.text = text
    total = table.add_row().cells
    total[0].merge(total[4]).text = word("sum", lang)
    total[5].text = format(form.full_score, "f")
    total[6].text = format(form.total, "f") if form.total is not None else "—"
    notes = "；".join(form.notes)
    grade = f"{word('grade', lang)}：{form.grade}" if lang != "en" else f"Grade: {form.grade}"
    total[7].text = grade + (
        f"（{notes}）" if notes and lang != "en" else f" ({notes})" if notes else ""
    )
    from docx.shared import Cm

    usable = 29.7 - 3.0
    table.autofit = False
    for column, share in zip(table.columns, _SHARES, strict=False):
        column.width = Cm(usable * share / sum(_SHARES))
    for row in table.rows:
        for cell, share in zip(row.cells, _SHARES, strict=False):
            cell.width = Cm(usable * share / sum(_SHARES))
    doc.add_paragraph("　　".join(form.signature))
