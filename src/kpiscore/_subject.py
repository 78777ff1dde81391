"""The form's header block from ``subject``: names, year, contact, funds and goals.

Funds are amounts in 万元 on the rows 年度资金总额 (total) / 其中：财政拨款
(fiscal) / 上年结转资金 (carryover) / 其他资金 (other), each with 年初预算数
(initial), 全年预算数 (budget) and 全年执行数 (spent). An amount is read
exactly or left empty with a warning naming it; 元 and 亿元 are converted
exactly, with a note. Keys the form has no place for are kept and warned.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ._data import read_value
from ._messages import Lang, hint, message
from ._numbers import fmt_value

SUBJECT_KEYS = ("name", "department", "org", "year", "contact", "funds", "goals")
FUND_ROWS = ("total", "fiscal", "carryover", "other")
FUND_COLUMNS = ("initial", "budget", "spent")
GOAL_KEYS = ("planned", "achieved")
# 万元 per unit written: an amount in 元 or 亿元 is converted exactly.
_TO_WAN = {
    None: Decimal(1),
    "万元": Decimal(1),
    "万": Decimal(1),
    "元": Decimal("0.0001"),
    "亿元": Decimal(10000),
}


def read_subject(
    subject: Mapping[str, Any], clean: Callable[[str, Any], Any], notes: list[str], lang: Lang
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for k, v in subject.items():
        key = str(k)
        if key not in SUBJECT_KEYS:
            notes.append(
                message(
                    "subject_unknown_key",
                    lang,
                    key=key[:40],
                    hint=_hint(key, SUBJECT_KEYS, lang),
                )
            )
        if key == "funds" and isinstance(v, Mapping):
            kept[key] = _funds(v, notes, lang)
        elif key == "goals" and isinstance(v, Mapping):
            kept[key] = _goals(v, clean, notes, lang)
        elif key == "goals" and isinstance(v, str):
            kept[key] = {"planned": clean("subject.goals", v)}
        elif isinstance(v, (numbers.Real, Decimal)) and not isinstance(v, bool):
            # 2022 from Python, 2022 from YAML and np.int64(2022) are one year in the JSON.
            read = read_value(v)
            kept[key] = read.value if read.problem is None else str(v)
        elif isinstance(v, (str, bool)) or v is None:
            kept[key] = clean(f"subject.{key}", v)
        else:
            notes.append(message("subject_not_plain", lang, key=key[:40]))
    return kept


def _hint(word: str, choices: tuple[str, ...], lang: Lang) -> str:
    tip = hint(word, list(choices), lang, list_all=False)
    return ("。" if lang != "en" else ". ") + tip if tip else ""


def _funds(raw: Mapping[Any, Any], notes: list[str], lang: Lang) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for row_key, row in raw.items():
        row_name = str(row_key)
        if row_name not in FUND_ROWS or not isinstance(row, Mapping):
            notes.append(
                message(
                    "funds_unknown", lang, key=row_name[:40], hint=_hint(row_name, FUND_ROWS, lang)
                )
            )
            continue
        cells: dict[str, Decimal] = {}
        for col_key, cell in row.items():
            col = str(col_key)
            where = f"{row_name}.{col}"
            if col not in FUND_COLUMNS:
                notes.append(
                    message(
                        "funds_unknown", lang, key=where[:40], hint=_hint(col, FUND_COLUMNS, lang)
                    )
                )
                continue
            amount = _amount(cell, where, notes, lang)
            if amount is not None:
                cells[col] = amount
        out[row_name] = cells
    return out


def _amount(cell: Any, where: str, notes: list[str], lang: Lang) -> Decimal | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    rv = read_value(cell)
    factor = _TO_WAN.get(rv.unit) if not rv.restated else None
    if (
        rv.problem is not None
        or not isinstance(rv.value, Decimal)
        or isinstance(rv.value, bool)
        or factor is None
    ):
        notes.append(message("funds_not_a_number", lang, key=where, value=str(cell)[:30]))
        return None
    value = rv.value * factor
    if factor != 1:  # 11048700元 is 1104.87 万元, not 1104.8700
        value = value.normalize()
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
        notes.append(
            message("funds_converted", lang, key=where, raw=str(cell)[:30], value=fmt_value(value))
        )
    return value


def _goals(
    raw: Mapping[Any, Any], clean: Callable[[str, Any], Any], notes: list[str], lang: Lang
) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in raw.items():
        key = str(k)
        if key in GOAL_KEYS and isinstance(v, str):
            out[key] = clean(f"subject.goals.{key}", v.strip())
        elif key in GOAL_KEYS and v is None:
            continue
        else:
            notes.append(message("goals_not_text", lang, key=key[:40]))
    return out
