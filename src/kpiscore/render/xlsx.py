"""Excel output (needs the ``excel`` extra: pip install 'kpiscore[excel]')."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..errors import KpiscoreError
from ..result import Result
from ._rows import HEADERS, rows, spreadsheet_cell


def _workbook() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise KpiscoreError(
            "写 .xlsx 需要 openpyxl：pip install 'kpiscore[excel]' / writing .xlsx needs openpyxl: pip install 'kpiscore[excel]'"
        ) from None
    return openpyxl.Workbook()


def report(result: Result, path: str, lang: str = "zh") -> None:
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
        ]
    )
    ws.cell(row=ws.max_row, column=2).number_format = places
    wb.save(path)


def batch(results: Sequence[dict[str, str]], columns: Sequence[str], path: str) -> None:
    wb = _workbook()
    ws = wb.active
    ws.append(list(columns))
    for row in results:
        ws.append([_number_or_text(c, row.get(c, "")) for c in columns])
    wb.save(path)


def _number_or_text(column: str, text: str) -> Any:
    # Scores and totals are written as numbers; everything else stays text.
    if column not in ("row", "subject", "grade", "complete", "error"):
        try:
            value = Decimal(text)
        except ArithmeticError:
            return spreadsheet_cell(text)
        if value.is_finite():
            return value
    return spreadsheet_cell(text)
