"""Excel output (needs the ``excel`` extra: pip install 'kpiscore[excel]')."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._messages import Lang
from ..errors import KpiscoreError
from ..result import Result
from ._form import Form, build, spans, word
from ._rows import other_warnings, spreadsheet_cell
from ._table import width


def new_workbook() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise KpiscoreError(
            "写 .xlsx 需要 openpyxl：pip install 'kpiscore[excel]' / writing .xlsx needs openpyxl: pip install 'kpiscore[excel]'"
        ) from None
    return openpyxl.Workbook()


def report(result: Result, path: str, lang: Lang = "zh") -> None:
    Path(path).write_bytes(report_bytes(result, lang))


def report_bytes(result: Result, lang: Lang = "zh") -> bytes:
    """The 自评表 workbook: the form on the first sheet, explanations on the second."""
    wb = new_workbook()
    wb.active.title = "自评表" if lang != "en" else "Form"
    _FormSheet(wb.active, build(result, result.kind)).write()
    _explanations(wb.create_sheet("计分说明" if lang != "en" else "Explanations"), result, lang)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# Column widths (characters) of the form's eight columns, A–H.
_WIDTHS = (10, 12, 24, 14, 14, 8, 9, 40)


class _FormSheet:
    """The official 自评表 on one sheet, laid out top to bottom, printable as filed."""

    def __init__(self, ws: Any, form: Form):
        from openpyxl.styles import Alignment, Border, Font, Side

        self.ws, self.form, self.lang = ws, form, form.lang
        self.row = 1
        side = Side(style="thin")
        self.border = Border(left=side, right=side, top=side, bottom=side)
        self.wrap = Alignment(wrap_text=True, vertical="center")
        self.centre = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.bold = Font(bold=True)
        self.places = "0." + "0" * form.precision if form.precision else "0"

    def write(self) -> None:
        self.title()
        self.header()
        self.funds()
        self.goals()
        self.table()
        self.total()
        self.signature()
        self.page()

    # --- cells ------------------------------------------------------------------
    def put(
        self,
        col: int,
        value: Any,
        *,
        to: int | None = None,
        down: int = 0,
        bold: bool = False,
        centre: bool = False,
        score: bool = False,
        money: bool = False,
    ) -> None:
        """A value at (row, col), merged right to column ``to`` and ``down`` rows; a number
        shows as a score (the set's places), an amount (2 places) or as it is (weights)."""
        ws = self.ws
        if isinstance(value, str):
            value = spreadsheet_cell(value)
        cell = ws.cell(row=self.row, column=col, value=value)
        last_col, last_row = to or col, self.row + down
        if last_col > col or down:
            ws.merge_cells(
                start_row=self.row, start_column=col, end_row=last_row, end_column=last_col
            )
        for r in range(self.row, last_row + 1):
            for c in range(col, last_col + 1):
                ws.cell(row=r, column=c).border = self.border
        cell.alignment = self.centre if centre else self.wrap
        if bold:
            cell.font = self.bold
        if isinstance(value, Decimal):
            cell.number_format = self.places if score else "0.00" if money else "General"

    def fit(self, *texts: tuple[str, int, int]) -> None:
        """Row height that shows the whole of each (text, first column, last column)."""
        lines = 1
        for text, first, last in texts:
            room = sum(_WIDTHS[first - 1 : last]) - 1
            for part in text.split("\n"):
                lines = max(lines, -(-width(part) // max(room, 1)) if part else 1)
        self.ws.row_dimensions[self.row].height = max(18, 15 * lines + 3)

    # --- blocks -----------------------------------------------------------------
    def title(self) -> None:
        from openpyxl.styles import Font

        self.put(1, self.form.title, to=8, centre=True)
        self.ws.cell(row=1, column=1).font = Font(bold=True, size=16)
        self.ws.row_dimensions[1].height = 30
        self.row += 1

    def header(self) -> None:
        (name_label, name), (dep_label, dep), (org_label, org), *more = self.form.header
        self.put(1, name_label, bold=True, centre=True)
        self.put(2, name, to=8)
        self.fit((name_label, 1, 1), (name, 2, 8))
        self.row += 1
        self.put(1, dep_label, bold=True, centre=True)
        self.put(2, dep, to=4)
        self.put(5, org_label, bold=True, centre=True)
        self.put(6, org, to=8)
        self.fit((dep, 2, 4), (org, 6, 8))
        self.row += 1
        for label, value in more:
            self.put(1, label, bold=True, centre=True)
            self.put(2, value, to=8)
            self.row += 1

    def funds(self) -> None:
        f, lang = self.form, self.lang
        self.put(1, f.funds_label, down=len(f.funds), bold=True, centre=True)
        heads = ["", word("initial", lang), word("budget", lang), word("spent", lang)]
        heads += [word("weight", lang), word("rate", lang), word("score", lang)]
        for i, head in enumerate(heads, start=2):
            self.put(i, head, bold=True, centre=True)
        self.row += 1
        ex = f.execution
        for k, fund in enumerate(f.funds):
            self.put(2, fund.label)
            for col, value in ((3, fund.initial), (4, fund.budget), (5, fund.spent)):
                self.put(col, value if value is not None else "", money=True)
            if k == 0:
                down = len(f.funds) - 1
                self.put(6, ex.weight if ex is not None else "", down=down, centre=True)
                rate = ex.shown if ex is not None and ex.status == "scored" else ""
                self.put(7, rate, down=down, centre=True)
                score: Any = ex.score if ex is not None and ex.status != "not_applicable" else ""
                self.put(8, score, down=down, centre=True, score=True)
            self.row += 1

    def goals(self) -> None:
        f, lang = self.form, self.lang
        self.put(1, f.goals_label, down=1, bold=True, centre=True)
        self.put(2, word("planned", lang), to=5, bold=True, centre=True)
        self.put(6, word("achieved", lang), to=8, bold=True, centre=True)
        self.row += 1
        planned, achieved = f.goals
        self.put(2, planned, to=5)
        self.put(6, achieved, to=8)
        self.fit((planned, 2, 5), (achieved, 6, 8))
        self.row += 1

    def table(self) -> None:
        f = self.form
        for col, head in enumerate(f.columns(), start=1):
            self.put(col, head, bold=True, centre=True)
        self.header_row = self.row
        self.row += 1
        first = self.row
        for r in f.rows:
            values: list[Any] = [r.category, r.group, r.name, r.target, r.actual, r.weight]
            values += [r.score if r.score is not None else "—", r.reason]
            for col, value in enumerate(values, start=1):
                self.put(col, value, centre=col in (1, 2, 6, 7), score=col == 7)
            self.fit((r.name, 3, 3), (r.target, 4, 4), (r.actual, 5, 5), (r.reason, 8, 8))
            self.row += 1
        cats = [r.category for r in f.rows]
        groups = [f"{r.category}\x00{r.group}" if r.group else "" for r in f.rows]
        for col, column in ((1, cats), (2, groups)):
            for a, b in spans(column):
                self.ws.merge_cells(
                    start_row=first + a, start_column=col, end_row=first + b, end_column=col
                )

    def total(self) -> None:
        f, lang = self.form, self.lang
        self.put(1, word("sum", lang), to=5, bold=True, centre=True)
        self.put(6, f.full_score, centre=True)
        self.put(7, f.total if f.total is not None else "—", bold=True, centre=True, score=True)
        grade = f"{word('grade', lang)}：{f.grade}" if lang != "en" else f"Grade: {f.grade}"
        notes = "；".join(f.notes)
        self.put(
            8,
            grade + (f"（{notes}）" if notes and lang != "en" else f" ({notes})" if notes else ""),
            bold=True,
        )
        self.row += 1

    def signature(self) -> None:
        self.row += 1
        gap = "　" * 8
        self.put(1, gap.join(self.form.signature), to=8)
        self.ws.row_dimensions[self.row].height = 24
        self.row += 1

    def page(self) -> None:
        ws = self.ws
        for i, w in enumerate(_WIDTHS, start=1):
            ws.column_dimensions[chr(64 + i)].width = w
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        ws.print_area = f"A1:H{self.row - 1}"


def _explanations(ws: Any, result: Result, lang: Lang) -> None:
    """The second sheet: how each score was reached, then checks, differences, warnings."""
    en = lang == "en"
    ws.append(
        ["Indicator" if en else "指标", "Score" if en else "得分", "How" if en else "计分说明"]
    )
    places = "0." + "0" * result.precision if result.precision else "0"
    for ind in result.indicators:
        score: Any = ind.score if ind.status != "not_applicable" else "—"
        ws.append([spreadsheet_cell(ind.name), score, spreadsheet_cell(ind.explanation)])
        ws.cell(row=ws.max_row, column=2).number_format = places
    ws.append([])
    for c in result.categories:  # the subtotals the form itself has no row for
        ws.append([spreadsheet_cell(c.name), c.score, f"{c.score} / {c.weight}"])
        ws.cell(row=ws.max_row, column=2).number_format = places
    notes = _notes(result, lang)
    if notes:
        ws.append([])
        for kind, text in notes:
            ws.append([kind, None, spreadsheet_cell(text)])
    tidy(ws, wrap_last=True)


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
    # A warning about an indicator is filed under its name.
    out += [(n or ("Warning" if en else "提示"), w) for n, w in other_warnings(result)]
    return out


def tidy(ws: Any, *, wrap_last: bool) -> None:
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


def batch(
    results: Sequence[dict[str, str]],
    columns: Sequence[str],
    headers: Sequence[str],
    path: str,
    sheet: str = "",
) -> None:
    """The batch sheet, named after the set: scores and totals as numbers, the row as
    an integer, 数据完整 as TRUE/FALSE, everything else as text."""
    wb = new_workbook()
    ws = wb.active
    title = re.sub(r"[\[\]:*?/\\]", " ", sheet).strip()[:31]
    ws.title = title or "batch"
    ws.append(list(headers))
    for row in results:
        ws.append([_typed(c, row.get(c, "")) for c in columns])
    tidy(ws, wrap_last=False)
    wb.save(path)


_TEXT_COLUMNS = frozenset({"subject", "grade", "warnings", "discrepancies", "error"})


def _typed(column: str, text: str) -> Any:
    if column == "complete":
        return {"true": True, "false": False}.get(text, spreadsheet_cell(text))
    if column == "row":
        return int(text) if text.isdigit() else spreadsheet_cell(text)
    if column not in _TEXT_COLUMNS:  # scores, totals, the claimed total: numbers
        try:
            value = Decimal(text)
        except ArithmeticError:
            return spreadsheet_cell(text)
        if value.is_finite():
            return value
    return spreadsheet_cell(text)
