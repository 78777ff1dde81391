"""The 自评表 as one self-contained HTML page: for a phone, a screen and A4 paper.

The form is laid out as filed (header, funds, goals, the indicator table
with 一级/二级 merged down, the 总分 row, signatures), followed by an inline
SVG chart of the points lost and the category subtotals (grey, patterned and
labelled, so it prints in black and white, with a text alternative), then
how each score was reached. Every text from a set or data file is escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from .._messages import Lang
from ..result import Result
from ._form import Form, build, spans, word
from ._svg import chart

_CSS = """
:root{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"WenQuanYi Zen Hei",sans-serif;color:#111;line-height:1.5}
body{margin:0 auto;max-width:1100px;padding:16px}
h1{font-size:1.4rem;text-align:center;margin:8px 0 12px}
h2{font-size:1.1rem;margin:24px 0 8px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:760px;font-size:.9rem}
td,th{border:1px solid #444;padding:4px 6px;vertical-align:middle}
th{background:#eee;font-weight:600;white-space:nowrap}
td.n{text-align:right;white-space:nowrap}
td.c{text-align:center}
tr.total td{font-weight:700;background:#f4f4f4}
.sign{display:flex;flex-wrap:wrap;gap:8px 48px;margin:16px 0}
.notes li{margin:4px 0}
figure{margin:16px 0}
figcaption{font-size:.85rem;color:#333}
svg{max-width:100%;height:auto}
@media (max-width:600px){body{padding:8px}h1{font-size:1.15rem}}
@page{size:A4 landscape;margin:12mm}
@media print{body{max-width:none;padding:0}.scroll{overflow:visible}
table{min-width:0}tr,td,th,li,figure{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}th,tr.total td{background:none}}
"""


def _num(d: Decimal | None, places: int | None = None) -> str:
    if d is None:
        return "—"
    if places is not None:
        return format(d, f".{places}f")
    return format(d, "f")


def render(result: Result, lang: Lang = "zh") -> str:
    form = build(result, result.kind)
    en = lang == "en"
    parts = [
        f'<!doctype html><html lang="{"en" if en else "zh-CN"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(form.title)} — {escape(str(result.subject.get('name') or ''))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(form.title)}</h1>",
        _header(form),
        _table(form),
        _signature(form),
        chart(result, lang),
        _explanations(result, lang),
        "</body></html>\n",
    ]
    return "".join(parts)


def _header(form: Form) -> str:
    lang = form.lang
    rows = []
    for label, value in form.header:
        rows.append(f'<tr><th>{escape(label)}</th><td colspan="7">{escape(value)}</td></tr>')
    heads = ["initial", "budget", "spent", "weight", "rate", "score"]
    rows.append(
        f'<tr><th rowspan="{len(form.funds) + 1}">{escape(form.funds_label)}</th><th></th>'
        + "".join(f"<th>{escape(word(h, lang))}</th>" for h in heads)
        + "</tr>"
    )
    ex = form.execution
    for k, f in enumerate(form.funds):
        cells = "".join(
            f'<td class="n">{_num(v, 2) if v is not None else ""}</td>'
            for v in (f.initial, f.budget, f.spent)
        )
        if k == 0:
            n = len(form.funds)
            weight = _num(ex.weight) if ex is not None else ""
            rate = escape(ex.shown) if ex is not None and ex.status == "scored" else ""
            score = _num(ex.score) if ex is not None and ex.status != "not_applicable" else ""
            cells += (
                f'<td class="c" rowspan="{n}">{weight}</td><td class="c" rowspan="{n}">{rate}</td>'
                f'<td class="c" rowspan="{n}">{score}</td>'
            )
        rows.append(f"<tr><th>{escape(f.label)}</th>{cells}</tr>")
    planned, achieved = form.goals
    rows.append(
        f'<tr><th rowspan="2">{escape(form.goals_label)}</th>'
        f'<th colspan="3">{escape(word("planned", lang))}</th>'
        f'<th colspan="4">{escape(word("achieved", lang))}</th></tr>'
        f'<tr><td colspan="3">{escape(planned)}</td><td colspan="4">{escape(achieved)}</td></tr>'
    )
    return '<div class="scroll"><table class="head">' + "".join(rows) + "</table></div>"


def _table(form: Form) -> str:
    lang = form.lang
    head = "".join(f"<th>{escape(c)}</th>" for c in form.columns())
    cats = [r.category for r in form.rows]
    groups = [f"{r.category}\x00{r.group}" if r.group else "" for r in form.rows]
    cat_spans = {a: b - a + 1 for a, b in spans(cats)}
    group_spans = {a: b - a + 1 for a, b in spans(groups)}
    covered = {i for a, b in spans(cats) for i in range(a + 1, b + 1)}
    g_covered = {i for a, b in spans(groups) for i in range(a + 1, b + 1)}
    body = []
    for i, r in enumerate(form.rows):
        cells = ""
        if i not in covered:
            cells += f'<td class="c" rowspan="{cat_spans.get(i, 1)}">{escape(r.category)}</td>'
        if i not in g_covered:
            cells += f'<td class="c" rowspan="{group_spans.get(i, 1)}">{escape(r.group)}</td>'
        score = _num(r.score) if r.score is not None else "—"
        cells += (
            f"<td>{escape(r.name)}</td><td>{escape(r.target)}</td><td>{escape(r.actual)}</td>"
            f'<td class="n">{_num(r.weight)}</td><td class="n">{score}</td>'
            f"<td>{escape(r.reason)}</td>"
        )
        body.append(f"<tr>{cells}</tr>")
    notes = "；".join(form.notes) if lang != "en" else "; ".join(form.notes)
    grade = f"{word('grade', lang)}：{form.grade}" if lang != "en" else f"Grade: {form.grade}"
    if notes:
        grade += f"（{notes}）" if lang != "en" else f" ({notes})"
    body.append(
        f'<tr class="total"><td colspan="5" class="c">{escape(word("sum", lang))}</td>'
        f'<td class="n">{_num(form.full_score)}</td><td class="n">{_num(form.total)}</td>'
        f"<td>{escape(grade)}</td></tr>"
    )
    return (
        f'<div class="scroll"><table class="form"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _signature(form: Form) -> str:
    return (
        '<div class="sign">'
        + "".join(f"<span>{escape(s)}</span>" for s in form.signature)
        + "</div>"
    )


def _explanations(result: Result, lang: Lang) -> str:
    en = lang == "en"
    subtotal_rows = "".join(
        f'<tr><td>{escape(c.name)}</td><td class="n">{_num(c.weight)}</td>'
        f'<td class="n">{_num(c.score)}</td></tr>'
        for c in result.categories
    )
    heads = ("Category", "Weight", "Score") if en else ("一级指标", "分值", "得分")
    out = [
        f"<h2>{escape(word('subtotals', lang))}</h2>",
        '<div class="scroll"><table style="min-width:0;max-width:480px"><tr>'
        + "".join(f"<th>{h}</th>" for h in heads)
        + f"</tr>{subtotal_rows}</table></div>",
        f'<h2>{escape(word("explanations", lang))}</h2><ul class="notes">',
    ]
    out += [f"<li><b>{escape(i.name)}</b>：{escape(i.explanation)}</li>" for i in result.indicators]
    out.append("</ul>")
    failed = [c.message for c in result.checks if not c.passed]
    names = {i.id: i.name for i in result.indicators}
    others = [
        (names.get(getattr(w, "indicator", None) or ""), w)
        for w in result.warnings
        if w not in failed
    ]
    sections: list[tuple[str, list[tuple[str | None, str]]]] = [
        ("failed_checks", [(None, m) for m in failed]),
        ("differences", [(None, d.explanation) for d in result.discrepancies]),
        ("warnings", others),
    ]
    for key, items in sections:
        if items:
            out.append(f'<h2>{escape(word(key, lang))}</h2><ul class="notes">')
            out += [
                f"<li>{f'<b>{escape(n)}</b>：' if n else ''}{escape(text)}</li>"
                for n, text in items
            ]
            out.append("</ul>")
    return "".join(out)
