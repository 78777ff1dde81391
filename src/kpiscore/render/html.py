"""A self-contained HTML page: the table and the explanations, escaped."""

from __future__ import annotations

from html import escape

from .._messages import Lang
from ..result import Result
from ._rows import HEADERS, rows, total_notes


def render(result: Result, lang: Lang = "zh") -> str:
    en = lang == "en"
    title = escape(
        result.indicator_set_name
        + (" — " + str(result.subject.get("name")) if result.subject.get("name") else "")
    )
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS["en" if en else "zh"])
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows(result, lang)
    )
    total = format(result.total, "f") if result.total is not None else "—"
    expl = "".join(
        f"<li><b>{escape(i.name)}</b>（{escape(i.id)}）：{escape(i.explanation)}</li>"
        for i in result.indicators
    )
    warns = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
    cats = "".join(
        f"<tr><td>{escape(c.name)}</td><td>{format(c.weight, 'f')}</td><td>{format(c.score, 'f')}</td></tr>"
        for c in result.categories
    )
    cat_head = (
        "<tr><th>Category</th><th>Weight</th><th>Score</th></tr>"
        if en
        else "<tr><th>一级指标</th><th>分值</th><th>得分</th></tr>"
    )
    diffs = "".join(f"<li>{escape(d.explanation)}</li>" for d in result.discrepancies)
    sep = ", " if en else "，"
    incomplete = total_notes(result, lang)
    return (
        f'<!doctype html><html lang="{"en" if en else "zh"}"><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px}</style>"
        f"<h1>{title}</h1><table><tr>{head}</tr>{body}</table>"
        f"<p><b>{'Total' if en else '总分'} {escape(total)} / {result.full_score}</b>{sep}{'grade' if en else '等级'} {escape(result.grade or '—')}{incomplete}</p>"
        f"<table>{cat_head}{cats}</table>"
        f"<h2>{'Explanations' if en else '计分说明'}</h2><ul>{expl}</ul>"
        + (
            f"<h2>{'Differences from the claimed scores' if en else '与自报得分不一致'}</h2><ul>{diffs}</ul>"
            if diffs
            else ""
        )
        + (f"<h2>{'Warnings' if en else '提示'}</h2><ul>{warns}</ul>" if warns else "")
        + "</html>\n"
    )
