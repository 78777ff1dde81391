"""Excel output (needs the ``excel`` extra: pip install 'kpiscore[excel]')."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .._messages import Lang
from ..errors import KpiscoreError
from ..result import Result
from ._rows import HEADERS, rows, spreadsheet_cell, total_words


def _workbook() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise KpiscoreError(
            "写 .xlsx 需要 openpyxl：pip install 'kpiscore[excel]' / writing .xlsx needs openpyxl: pip install 'kpiscore[excel]'"
        ) from None
    return openpyxl.Workbook()


def report(result: Result, path: str, lang: Lang = "zh") -> None:
    wb = _workbook()
    ws = wb.active
    ws.title = "自评表" if lang != "en" else "table"
    ws.append(
        HEADERS["en" if lang == "en" else "zh"]
        + (["Explanation"] if lang == "en" else ["计分说明"])
    )
    places = "0." + "0" * result.precision if result.precision else "0"
    for r, ind in zip(rows(result, lang), result.indicators, strict=False):
        cells: list[Any] = [spreadsheet_cell(c) for c in r] + [spreadsheet_cell(ind.explanation)]
        # Weight and score as numbers, so the officer's own SUM() still works.
        cells[5] = ind.weight
        if ind.status != "not_applicable":
            cells[6] = ind.score
        ws.append(cells)
        ws.cell(row=ws.max_row, column=7).number_format = places
    ws.append([])
    ws.append(
        [
            "Total" if lang == "en" else "总分",
            result.total if result.total is not None else "",
            result.grade or "",
            "；".join(total_words(result, lang)) or None,
        ]
    )
    ws.cell(row=ws.max_row, column=2).number_format = places
    _tidy(ws, wrap_last=True)
    notes = _notes(result, lang)
    if notes:
        sheet = wb.create_sheet("提示" if lang != "en" else "notes")
        sheet.append(["类别", "内容"] if lang != "en" else ["Kind", "Text"])
        for kind, text in notes:
            sheet.append([kind, spreadsheet_cell(text)])
        _tidy(sheet, wrap_last=True)
    wb.save(path)


def _notes(result: Result, lang: Lang) -> list[tuple[str, str]]:
    en = lang == "en"
    out = [
        ("Failed check" if en else "一致性检查未通过", c.message)
        for c in result.checks
        if not c.passed
    ]
    out += [
        ("Differs from claimed" if en else "与自报得分不一致", d.explanation)
        for d in result.discrepancies
    ]
    seen = {text for _, text in out}  # a failed check is also among the warnings
    out += [("Warning" if en else "提示", w) for w in result.warnings if w not in seen]
    return out


def _tidy(ws: Any, *, wrap_last: bool) -> None:
    """Bold frozen header and columns wide enough to read, as an officer would set them."""
    from openpyxl.styles import Alignment, Font

    from ._table import width

    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    last = ws.max_column
    for col in ws.iter_cols(min_row=1, max_row=ws.max_row):
        letter = col[0].column_letter
        widest = max((width(str(c.value)) for c in col if c.value is not None), default=4)
        if wrap_last and col[0].column == last:
            ws.column_dimensions[letter].width = 80
            for c in col[1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            ws.column_dimensions[letter].width = min(max(widest + 2, 6), 40)


def batch(results: Sequence[dict[str, str]], columns: Sequence[str], path: str) -> None:
    wb = _workbook()
    ws = wb.active
    ws.append(list(columns))
    for row in results:
        ws.append([_number_or_text(c, row.get(c, "")) for c in columns])
    _tidy(ws, wrap_last=False)
    wb.save(path)


def _number_or_text(column: str, text: str) -> Any:
    # Scores and totals are written as numbers; everything else stays text.
    if column not in ("row", "subject", "grade", "complete", "warnings", "discrepancies", "error"):
        try:
            value = Decimal(text)
        except ArithmeticError:
            return spreadsheet_cell(text)
        if value.is_finite():
            return value
    return spreadsheet_cell(text)
