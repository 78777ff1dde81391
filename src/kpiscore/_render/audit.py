"""The 复核 table: one row per filed table, and (in .xlsx) every differing row explained."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._audit import AuditRow
from .._messages import Lang
from ._rows import spreadsheet_cell

COLUMNS = {
    "zh": ["文件", "工作表", "项目名称", "自报总分", "复核总分", "差异", "不一致指标", "提示"],
    "en": [
        "file",
        "sheet",
        "subject",
        "claimed total",
        "computed total",
        "difference",
        "rows that differ",
        "notes",
    ],
}
DETAIL = {
    "zh": ["文件", "工作表", "项目名称", "指标", "自报得分", "复核得分", "差异", "说明"],
    "en": [
        "file",
        "sheet",
        "subject",
        "indicator",
        "claimed",
        "computed",
        "difference",
        "explanation",
    ],
}


def _n(d: Decimal | None) -> str:
    return "" if d is None else format(d, "f")


def differing(row: AuditRow, lang: Lang) -> str:
    sep = "; " if lang == "en" else "；"
    if lang == "en":
        return sep.join(
            f"{d.name}: claimed {_n(d.claimed)}, computed {_n(d.computed)}" for d in row.differs
        )
    return sep.join(f"{d.name}：自报 {_n(d.claimed)}，复核 {_n(d.computed)}" for d in row.differs)


def cells(row: AuditRow, lang: Lang) -> list[Any]:
    notes = ([row.error] if row.error else []) + list(row.notes)
    return [
        Path(row.file).name,
        row.sheet,
        row.name,
        row.claimed_total,
        row.computed_total,
        row.difference,
        differing(row, lang),
        ("; " if lang == "en" else "；").join(notes),
    ]


def screen_line(row: AuditRow, lang: Lang) -> str:
    where = (
        f"{Path(row.file).name}（{row.sheet}）"
        if lang != "en"
        else f"{Path(row.file).name} ({row.sheet})"
    )
    total = ""
    if row.difference:
        total = (
            f"total claimed {_n(row.claimed_total)}, computed {_n(row.computed_total)}; "
            if lang == "en"
            else f"总分自报 {_n(row.claimed_total)}，复核 {_n(row.computed_total)}；"
        )
    return (
        f"{where}: {total}{differing(row, lang)}"
        if lang == "en"
        else f"{where}：{total}{differing(row, lang)}"
    )


def write(rows: Sequence[AuditRow], path: Path, lang: Lang) -> None:
    key = "en" if lang == "en" else "zh"
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(COLUMNS[key])
            for row in rows:
                w.writerow(
                    [
                        spreadsheet_cell(_n(c) if isinstance(c, Decimal) or c is None else str(c))
                        for c in cells(row, lang)
                    ]
                )
        return
    from .xlsx import new_workbook, tidy

    wb = new_workbook()
    ws = wb.active
    ws.title = "复核" if key == "zh" else "audit"
    ws.append(COLUMNS[key])
    for row in rows:
        ws.append([spreadsheet_cell(c) if isinstance(c, str) else c for c in cells(row, lang)])
    tidy(ws, wrap_last=True)
    detail = wb.create_sheet("不一致明细" if key == "zh" else "differences")
    detail.append(DETAIL[key])
    for row in rows:
        for d in row.differs:
            detail.append(
                [
                    Path(row.file).name,
                    row.sheet,
                    spreadsheet_cell(row.name),
                    spreadsheet_cell(d.name),
                    d.claimed,
                    d.computed,
                    d.computed - d.claimed,
                    spreadsheet_cell(d.explanation),
                ]
            )
    tidy(detail, wrap_last=True)
    wb.save(path)
