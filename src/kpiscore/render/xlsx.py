"""Excel output (needs the ``excel`` extra: pip install 'kpiscore[excel]')."""

from __future__ import annotations

from collections.abc import Sequence
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
    for r, ind in zip(rows(result, lang), result.indicators, strict=False):
        ws.append([spreadsheet_cell(c) for c in r] + [spreadsheet_cell(ind.explanation)])
    ws.append([])
    ws.append(
        [
            "Total" if lang == "en" else "总分",
            format(result.total, "f") if result.total is not None else "",
            result.grade or "",
        ]
    )
    wb.save(path)


def batch(results: Sequence[dict[str, str]], columns: Sequence[str], path: str) -> None:
    wb = _workbook()
    ws = wb.active
    ws.append(list(columns))
    for row in results:
        ws.append([spreadsheet_cell(row.get(c, "")) for c in columns])
    wb.save(path)
