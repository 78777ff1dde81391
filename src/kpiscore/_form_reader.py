"""Read a filed 自评表 (.xlsx) as the officer sees it: the inverse of ``_render/_form``.

A sheet becomes a grid of the texts its cells show (numbers as formatted,
percent cells as percents, dates as dates, formulas by their cached value,
merged cells filled), and the grid is searched for the form's blocks by
their words — the ones kpiscore writes (``FORM_WORDS``) and the spellings
real tables use — wherever they start.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._messages import Lang
from ._render._form import FORM_WORDS
from ._shown import shown_number

# Header words of the indicator table, by the column's role; kpiscore's own first.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "level1": (FORM_WORDS["col_category"][0], "一级"),
    "level2": (FORM_WORDS["col_group"][0], "二级"),
    "name": (FORM_WORDS["col_name"][0], "三级", "指标名称", "绩效指标", "指标内容", "具体指标"),
    "target": (
        FORM_WORDS["col_target"][0],
        "指标值",
        "目标值",
        "年初目标值",
        "年度目标值",
        "年度目标",
        "预期指标值",
        "全年指标值",
        "预期目标值",
    ),
    "actual": (
        FORM_WORDS["col_actual"][0],
        "实际值",
        "全年实际值",
        "全年实际完成值",
        "实际完成",
        "完成值",
        "实际完成情况值",
    ),
    "weight": (FORM_WORDS["col_weight"][0], "权重", "权重分值", "标准分值", "分数"),
    "score": (FORM_WORDS["col_score"][0], "自评得分", "评分", "实际得分"),
    "reason": (
        FORM_WORDS["col_reason"][0],
        "偏差原因",
        "偏差原因分析",
        "偏差原因及改进措施",
        "未完成原因分析",
        "未完成原因",
        "备注",
    ),
}
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("项目名称", "部门名称", "部门(单位)名称", "单位名称", "部门(单位)"),
    "department": ("主管部门", "主管单位"),
    "org": ("实施单位", "项目实施单位"),
    "contact": ("联系人及电话", "联系人", "联系电话"),
}
FUND_COLUMNS: dict[str, tuple[str, ...]] = {
    "initial": ("年初预算数", "年初预算"),
    "budget": ("全年预算数", "全年预算", "调整后预算数"),
    "spent": ("全年执行数", "全年执行", "执行数"),
    "weight": ("分值",),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分",),
}
FUND_ROWS: dict[str, tuple[str, ...]] = {
    "total": ("年度资金总额", "资金总额", "合计"),
    "fiscal": ("其中:财政拨款", "其中:当年财政拨款", "财政拨款", "当年财政拨款", "其中:财政资金"),
    "carryover": ("上年结转资金", "上年结转", "其中:上年结转资金"),
    "other": ("其他资金", "其中:其他资金"),
}
TOTAL_WORDS = ("总分", "合计", "总计", "综合得分", "总得分")
# kpiscore's own markers in a form it wrote: what they stand for, not values.
MISSING_MARKS = ("缺数据", "数据无效", "missing", "invalid")
OWED_MARKS = ("(需说明,未填写)", "(owed,notgiven)")


def key(text: str) -> str:
    """A cell as header words are compared: NFKC, no spaces, ASCII brackets and colons."""
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", t).replace("：", ":")


def _bare(text: str) -> str:
    """A header without a trailing unit in brackets: 得分(分) → 得分."""
    return re.sub(r"\([^)]*\)$", "", key(text))


def role_of(text: str) -> str | None:
    found = ranked_role(text)
    return None if found is None else found[0]


def ranked_role(text: str) -> tuple[str, int] | None:
    """(the column's role, how specific its header word is: 0 the most). A header can
    name two columns for one role — 绩效指标 over the merged label column, 三级指标 over
    the names — and the more specific word wins."""
    k = _bare(text)
    for role, words in ROLE_WORDS.items():
        for rank, word in enumerate(words):
            if k == key(word):
                return role, rank
    return None


# --- cells as shown ---------------------------------------------------------------


def shown(cell: Any) -> str:
    """The text an officer sees in a cell (openpyxl cell with value and number format)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return shown_number(value, str(cell.number_format or "General"))
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]  # the guard kpiscore's own forms put before a formula-like text
    return text


def grid_of(ws: Any, formulas: Any | None = None) -> tuple[list[list[str]], list[str]]:
    """The sheet's shown texts, merged cells filled; and the cells whose formula Excel
    never computed (no cached value), by reference."""
    rows = [[shown(c) for c in row] for row in ws.iter_rows()]
    for rng in ws.merged_cells.ranges:
        top = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(rows) else ""
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            for c in range(rng.min_col - 1, min(rng.max_col, len(rows[r]))):
                rows[r][c] = top
    uncomputed: list[str] = []
    if formulas is not None:
        for row in formulas.iter_rows():
            for c in row:
                formula = isinstance(c.value, str) and c.value.startswith("=")
                if formula and rows[c.row - 1][c.column - 1] == "":
                    uncomputed.append(c.coordinate)
    return rows, uncomputed


# --- the blocks of the form ---------------------------------------------------------
@dataclass
class Row:
    line: int  # the sheet's row number
    category: str
    group: str
    name: str
    target: str
    actual: str
    weight: str
    score: str
    reason: str


@dataclass
class Table:
    sheet: str
    title: str = ""
    header: dict[str, str] = field(default_factory=dict)
    funds: dict[str, dict[str, str]] = field(default_factory=dict)
    execution: dict[str, str] = field(default_factory=dict)  # 分值/执行率/得分 of the funds block
    goals: dict[str, str] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    header_line: int = 0
    rows: list[Row] = field(default_factory=list)
    printed_full: str = ""  # the 总分 row's 分值
    printed_total: str = ""  # the 总分 row's 得分
    total_line: int = 0


def header_row(grid: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """The indicator table's header: a row naming the indicator, its target and its
    actual, as (its last row, each role's column). A header printed over two rows —
    绩效指标 spanning 一级指标 | 二级指标 | 三级指标 beneath it, the other headings merged
    down both — takes each role from whichever row names it more specifically."""
    for r, row in enumerate(grid):
        roles, ranks = _roles(row)
        if {"name", "target", "actual"} <= set(roles) or (
            {"name", "target", "score"} <= set(roles) and "weight" in roles
        ):
            if r + 1 < len(grid):
                below, below_ranks = _roles(grid[r + 1])
                better = {k for k, rank in below_ranks.items() if rank < ranks.get(k, 99)}
                if better & {"level1", "level2", "name"}:  # never a data row's stray word
                    for k in better:
                        roles[k] = below[k]
                    return r + 1, roles
            return r, roles
    return None


def _roles(row: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Each role a header row names: its column and how specific the word (``ranked_role``)."""
    roles: dict[str, int] = {}
    ranks: dict[str, int] = {}
    for c, text in enumerate(row):
        found = ranked_role(text) if text else None
        if found is not None and found[1] < ranks.get(found[0], 99):
            roles[found[0]], ranks[found[0]] = c, found[1]
    return roles, ranks


def read_table(grid: list[list[str]], sheet: str, lang: Lang) -> Table | None:
    found = header_row(grid)
    if found is None:
        return None
    at, columns = found
    t = Table(sheet=sheet, columns=columns, header_line=at + 1)
    t.title = _title(grid[:at])
    t.header = _header(grid[:at])
    _funds(grid[:at], t)
    t.goals = _goals(grid[:at])
    _rows(grid, at, t)
    return t


def _title(rows: list[list[str]]) -> str:
    for row in rows[:4]:
        for text in row:
            if "自评表" in text or ("自评" in text and "表" in text):
                return text
    return ""


def _header(rows: list[list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in rows:
        for c, text in enumerate(row):
            k = key(text).rstrip(":")
            for field_name, words in HEADER_WORDS.items():
                if field_name in out or k not in (key(w) for w in words):
                    continue
                value = next((v for v in row[c + 1 :] if v and key(v) != key(text)), "")
                if value and not any(
                    key(value) in (key(w) for w in ws) for ws in HEADER_WORDS.values()
                ):
                    out[field_name] = value
    return out


def _funds(rows: list[list[str]], t: Table) -> None:
    for r, row in enumerate(rows):
        cols: dict[str, int] = {}
        for c, text in enumerate(row):
            k = _bare(text)
            for name, words in FUND_COLUMNS.items():
                if name not in cols and k in (key(w) for w in words):
                    cols[name] = c
        if not {"budget", "spent"} <= set(cols):
            continue
        for below in rows[r + 1 :]:
            which = _fund_row(below, min(cols.values()))
            if which is None:
                break
            t.funds[which] = {
                n: below[c]
                for n, c in cols.items()
                if n in ("initial", "budget", "spent") and c < len(below)
            }
            if which == "total":
                t.execution = {
                    n: below[c]
                    for n, c in cols.items()
                    if n in ("weight", "rate", "score") and c < len(below)
                }
        return


def _fund_row(row: list[str], before: int) -> str | None:
    for text in row[:before]:
        k = key(text)
        for name, words in FUND_ROWS.items():
            if k in (key(w) for w in words):
                return name
    return None


def _goals(rows: list[list[str]]) -> dict[str, str]:
    for r, row in enumerate(rows):
        keys = [key(x) for x in row]
        if "预期目标" in keys and "实际完成情况" in keys and r + 1 < len(rows):
            below = rows[r + 1]
            p, a = keys.index("预期目标"), keys.index("实际完成情况")
            out = {
                "planned": below[p] if p < len(below) else "",
                "achieved": below[a] if a < len(below) else "",
            }
            return {
                k: v for k, v in out.items() if v and key(v) not in ("预期目标", "实际完成情况")
            }
    return {}


def _rows(grid: list[list[str]], at: int, t: Table) -> None:
    cols = t.columns

    def cell(row: list[str], role: str) -> str:
        c = cols.get(role)
        return row[c].strip() if c is not None and c < len(row) else ""

    blank = 0
    header_keys = {role: key(grid[at][c]) for role, c in cols.items()}
    for r in range(at + 1, len(grid)):
        row = grid[r]
        texts = {role: cell(row, role) for role in cols}
        labels = [key(texts.get(x, "")) for x in ("level1", "level2", "name")]
        first = next((key(x) for x in row if x.strip()), "")
        if any(lab in TOTAL_WORDS for lab in labels) or first in TOTAL_WORDS:
            t.printed_full, t.printed_total, t.total_line = (
                texts.get("weight", ""),
                texts.get("score", ""),
                r + 1,
            )
            return
        if first.startswith(("填报", "填表")):
            return
        if not any(texts.values()):
            blank += 1
            if blank >= 2:
                return
            continue
        blank = 0
        if all(key(texts[role]) == header_keys[role] for role in cols):
            continue  # the header repeated (a table printed over two pages)
        if not (texts.get("name") or texts.get("target") or texts.get("weight")):
            continue  # a row that only names a category
        # A 一级/二级 cell left blank under a filled one reads as the one above, as a
        # merged cell does (tables are saved both ways).
        above = t.rows[-1] if t.rows else None
        if above is not None and not texts.get("level1"):
            texts["level1"] = above.category
            if not texts.get("level2"):
                texts["level2"] = above.group
        t.rows.append(
            Row(
                line=r + 1,
                category=texts.get("level1", ""),
                group=texts.get("level2", ""),
                name=texts.get("name", "") or texts.get("level2", ""),
                target=texts.get("target", ""),
                actual=texts.get("actual", ""),
                weight=texts.get("weight", ""),
                score=texts.get("score", ""),
                reason=texts.get("reason", ""),
            )
        )


# A filed form is tens of kilobytes; openpyxl holds a whole workbook in memory (merged
# cells need it), at some tens of times its XML, so a bigger one is refused unopened.
MAX_FORM_UNPACKED = 16 * 1024 * 1024


def open_workbook(path: Path, lang: Lang) -> tuple[Any, Any]:
    """The workbook's values (cached results of formulas) and its formulas, checked first."""
    import zipfile

    from ._sources import _check_xlsx_zip, _file_issue

    _check_xlsx_zip(path, lang)
    with zipfile.ZipFile(path) as zf:
        unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > MAX_FORM_UNPACKED:
        raise _file_issue("file_too_large", path, lang, size=unpacked, limit=MAX_FORM_UNPACKED)
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise _file_issue("needs_openpyxl", path, lang) from None
    try:
        values = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken workbook; all mean the same
        raise _file_issue("bad_xlsx", path, lang) from None
    return values, formulas
