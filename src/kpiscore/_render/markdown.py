"""Markdown report, for pasting into a self-evaluation report."""

from __future__ import annotations

import re

from .._messages import Lang
from ..result import Result
from ._form import build, header_lines
from ._rows import HEADERS, named, other_warnings, rows, total_notes

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _cell(text: str) -> str:
    # Names and reasons come from data files: keep them from breaking the table
    # or being taken as raw HTML by the Markdown viewer ("<= 2 天" stays as is).
    return _TAG_START.sub("&lt;", text.replace("|", "\\|").replace("\r", " ").replace("\n", " "))


def render(result: Result, lang: Lang = "zh") -> str:
    en = lang == "en"
    subject = _cell(str(result.subject.get("name") or ""))
    out = [f"# {result.indicator_set_name}" + (f" — {subject}" if subject else ""), ""]
    block = header_lines(build(result, result.kind))
    if block:
        out.extend([*(f"- {_cell(line)}" for line in block), ""])
    headers = HEADERS["en" if en else "zh"]
    out.append("| " + " | ".join(headers) + " |")
    out.append("|" + "|".join("---:" if i in (5, 6) else "---" for i in range(len(headers))) + "|")
    for r in rows(result, lang):
        out.append("| " + " | ".join(_cell(c) for c in r) + " |")
    total = format(result.total, "f") if result.total is not None else "—"
    out.append("")
    out.append(
        (
            f"**Total: {total} / {result.full_score}**, grade **{result.grade or '—'}**"
            if en
            else f"**总分：{total} / {result.full_score}**，等级 **{result.grade or '—'}**"
        )
        + total_notes(result, lang)
    )
    out.append("")
    out.append("## " + ("Category subtotals" if en else "分项得分"))
    out.append("")
    out.append(
        "| "
        + (" | ".join(["Category", "Weight", "Score"] if en else ["一级指标", "分值", "得分"]))
        + " |"
    )
    out.append("|---|---:|---:|")
    for c in result.categories:
        out.append(f"| {_cell(c.name)} | {c.weight} | {c.score} |")
    out.append("")
    out.append("## " + ("Explanations" if en else "计分说明"))
    out.append("")
    for ind in result.indicators:
        named_as = f" ({ind.id}): " if en else f"（{ind.id}）："
        out.append(f"- **{_cell(ind.name)}**{named_as}{_cell(ind.explanation)}")
    sections = [
        (
            "Failed checks" if en else "一致性检查未通过",
            [c.message for c in result.checks if not c.passed],
        ),
        (
            "Differences from the claimed scores" if en else "与自报得分不一致",
            [d.explanation for d in result.discrepancies],
        ),
        ("Warnings" if en else "提示", [named(n, w, lang) for n, w in other_warnings(result)]),
    ]
    for title, items in sections:
        if items:
            out.extend(["", f"## {title}", ""])
            out.extend(f"- {_cell(i)}" for i in items)
    return "\n".join(out) + "\n"
