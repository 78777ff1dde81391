"""Plain-text report: the table in 自评表 order, then every explanation."""

from __future__ import annotations

from .._messages import Lang
from ..result import Result
from ._form import build, header_lines
from ._rows import HEADERS, named, other_warnings, rows, total_notes
from ._table import table


def render(result: Result, lang: Lang = "zh") -> str:
    en = lang == "en"
    subject = result.subject.get("name") or ""
    lines = [
        f"{result.indicator_set_name}（{result.indicator_set}）"
        + (f" — {subject}" if subject else "")
    ]
    lines.extend(header_lines(build(result, result.kind)))
    lines.append("")
    lines.append(table(HEADERS["en" if en else "zh"], rows(result, lang), {5, 6}))
    lines.append("")
    total = format(result.total, "f") if result.total is not None else "—"
    lines.append(
        (
            f"Total {total} / {result.full_score}, grade {result.grade or '—'}"
            if en
            else f"总分 {total} / {result.full_score}，等级 {result.grade or '—'}"
        )
        + total_notes(result, lang)
    )
    colon = ": " if en else "："
    for c in result.categories:
        lines.append(f"  {c.name}{colon}{c.score} / {c.weight}")
    lines.append("")
    lines.append("Explanations:" if en else "计分说明：")
    for ind in result.indicators:
        lines.append(f"- {_named(ind.name, ind.id, en)}{colon}{ind.explanation}")
    failed = [c for c in result.checks if not c.passed]
    if failed:
        lines.append("")
        lines.append("Failed checks:" if en else "一致性检查未通过：")
        lines.extend(f"- {c.message}" for c in failed)
    if result.discrepancies:
        lines.append("")
        lines.append("Differences from the claimed scores:" if en else "与自报得分不一致：")
        for d in result.discrepancies:
            who = d.name if d.id == "total" else _named(d.name, d.id, en)
            diff = f"{d.difference:+}".replace("-", "−")
            shown = f"({diff})" if en else f"（{diff}）"
            lines.append(f"- {who}{colon}{d.claimed} → {d.computed} {shown}")
    if result.points_lost:
        lines.append("")
        lines.append("Points lost, largest first:" if en else "失分（从多到少）：")
        lines.extend(f"- {_named(p.name, p.id, en)}{colon}−{p.lost}" for p in result.points_lost)
    warnings = other_warnings(result)
    if warnings:
        lines.append("")
        lines.append("Warnings:" if en else "提示：")
        lines.extend(f"- {named(n, w, lang)}" for n, w in warnings)
    return "\n".join(lines) + "\n"


def _named(name: str, ident: str, en: bool) -> str:
    """An indicator as a line names it: 名称（id） in Chinese, "name (id)" in English."""
    return f"{name} ({ident})" if en else f"{name}（{ident}）"
