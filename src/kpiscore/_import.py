"""A filed 自评表 turned into an indicator set and its data, with every decision said.

What the table says is kept as it is written: a target's wording decides the
rule (≥ ratio, ≤ reverse, = 0, a date, a level word); a bare ``100%`` is read
as ``≥ 100%`` and says so in the YAML; the 得分 column becomes the unit's
``claimed`` scores, never the weights; an empty cell stays missing; weights
that do not add up to the printed 总分 are kept as written, with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._data import read_value
from ._form_reader import (
    MISSING_MARKS,
    OWED_MARKS,
    Row,
    Table,
    grid_of,
    key,
    open_workbook,
    read_table,
)
from ._messages import Lang, Message, message
from ._numbers import decimal_places
from .compiled import DEFAULT_LEVELS, level_key, parse_target
from .errors import DataError, Issue

_LEVEL_WORDS = {level_key(n): lv.label for lv in DEFAULT_LEVELS for n in (lv.label, *lv.aliases)}
_YEAR = re.compile(r"(20\d{2})\s*年")
# A 得分 cell that says "no score here" (a row not applicable), not a claimed 0.
_NO_SCORE = frozenset({"—", "-", "--", "/", "n/a", "不适用", "无"})


@dataclass
class ImportedTable:
    """One table read from a workbook: the set and the data as mappings (``kpiscore.load``
    and ``kpiscore.score`` take them), and what was read and assumed, in words."""

    file: str
    sheet: str
    set: dict[str, Any]
    data: dict[str, Any]
    decisions: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # indicator id -> a note for its YAML

    def set_yaml(self) -> str:
        return _set_yaml(self.set, self.notes)

    def data_yaml(self) -> str:
        return _yaml_block(self.data, 0) + "\n"


def import_table(path: str | Path, *, lang: Lang = "zh") -> list[ImportedTable]:
    """Every 自评表 in a workbook's visible sheets; a hidden sheet is skipped and named."""
    p = Path(path)
    values, formulas = open_workbook(p, lang)
    out: list[ImportedTable] = []
    skipped: list[Message] = []
    try:
        for ws, shadow in zip(values.worksheets, formulas.worksheets, strict=True):
            if getattr(ws, "sheet_state", "visible") != "visible":
                skipped.append(message("import_hidden_sheet", lang, sheet=ws.title[:30]))
                continue
            grid, uncomputed = grid_of(ws, shadow)
            table = read_table(grid, ws.title, lang)
            if table is None:
                skipped.append(message("import_sheet_skipped", lang, sheet=ws.title[:30]))
                continue
            imported = _Importer(table, p, lang).build()
            if uncomputed:
                imported.decisions.append(
                    message("import_uncomputed", lang, cells="、".join(uncomputed[:10]))
                )
            out.append(imported)
    finally:
        values.close()
        formulas.close()
    if not out:
        sheets = "、".join(ws.title[:30] for ws in values.worksheets) or "—"
        notes = [Issue(m.code, m, file=str(p)) for m in skipped if m.code == "import_hidden_sheet"]
        raise DataError(
            [
                Issue(
                    "import_no_table", message("import_no_table", lang, sheet=sheets), file=str(p)
                ),
                *notes,
            ]
        )
    out[0].decisions[:0] = skipped
    return out


class _Importer:
    def __init__(self, table: Table, path: Path, lang: Lang):
        self.t, self.path, self.lang = table, path, lang
        self.decisions: list[str] = []
        self.notes: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.claimed: dict[str, Any] = {}
        self.reasons: dict[str, str] = {}
        self.manual: dict[str, Any] = {}
        self.blank = (
            "blank" if lang == "en" else "空"
        )  # an empty cell, named in the user's language

    def say(self, code: str, **params: Any) -> None:
        self.decisions.append(message(code, self.lang, **params))

    def build(self) -> ImportedTable:
        t = self.t
        kind = "department" if "部门整体" in t.title else "project"
        if "weight" not in t.columns:
            self.say("import_no_weight_column")
        categories: dict[str, dict[str, Any]] = {}
        indicators: list[dict[str, Any]] = []
        inputs: dict[str, Any] = {}
        in_table = any("预算执行率" in r.name for r in t.rows)
        execution = self.execution(in_table, inputs)
        if execution is not None:
            categories["预算执行率"] = {"id": "budget", "name": "预算执行率", "weight": Decimal(0)}
            indicators.append(execution)
        for n, row in enumerate(t.rows, start=1):
            cat = row.category or ("指标" if self.lang != "en" else "Indicators")
            if cat not in categories:
                categories[cat] = {
                    "id": f"c{len(categories) + 1}",
                    "name": cat,
                    "weight": Decimal(0),
                }
            indicators.append(self.indicator(f"i{n:02d}", row, categories[cat]["id"]))
        for c in categories.values():
            c["weight"] = sum(
                (i["weight"] for i in indicators if i["category"] == c["id"] and "weight" in i),
                Decimal(0),
            )
        full = sum((c["weight"] for c in categories.values()), Decimal(0))
        self.full_score(full)
        name = t.header.get("name") or t.sheet
        the_set: dict[str, Any] = {
            "kpiscore": 1,
            "id": "imported",
            "name": (t.title or name)[:100],
            "kind": kind,
            "full_score": full,
            "categories": list(categories.values()),
            "indicators": indicators,
        }
        if inputs:
            the_set["inputs"] = inputs
        places = max((decimal_places(i["weight"]) for i in indicators if "weight" in i), default=0)
        if places > 2:  # a table's 6.667: the set keeps as many places as its weights
            the_set["precision"] = min(places, 6)
        return ImportedTable(
            file=str(self.path),
            sheet=t.sheet,
            set=the_set,
            data=self.data(),
            decisions=[
                message(
                    "import_read",
                    self.lang,
                    sheet=t.sheet[:30],
                    rows=len(t.rows),
                    line=t.header_line,
                ),
                *self.decisions,
            ],
            notes=self.notes,
        )

    # --- the pieces -------------------------------------------------------------
    def execution(self, in_table: bool, inputs: dict[str, Any]) -> dict[str, Any] | None:
        """The funds block's 分值/执行率/得分 as the execution-rate indicator."""
        t = self.t
        weight = _number(t.execution.get("weight", ""))
        if not t.execution or weight is None:
            return None
        if in_table:
            self.say("import_execution_in_table")
            return None
        ind: dict[str, Any] = {
            "id": "execution_rate",
            "category": "budget",
            "name": "预算执行率",
            "weight": weight,
            "target": ">= 100%",
        }
        total = t.funds.get("total", {})
        if total.get("budget") and total.get("spent"):
            inputs["budget"] = {"name": "全年预算数", "unit": "万元"}
            inputs["spent"] = {"name": "全年执行数", "unit": "万元"}
            ind["actual"] = "spent / budget"
            self.values["budget"], self.values["spent"] = total["budget"], total["spent"]
        elif t.execution.get("rate"):
            self.values["execution_rate"] = t.execution["rate"]
        self.notes["execution_rate"] = message("import_execution_note", self.lang)
        if t.execution.get("score"):
            self.claimed["execution_rate"] = t.execution["score"]
        return ind

    def indicator(self, ident: str, row: Row, category: str) -> dict[str, Any]:
        ind: dict[str, Any] = {"id": ident, "category": category}
        if row.group:
            ind["group"] = row.group
        ind["name"] = row.name or f"第 {row.line} 行"
        weight = _number(row.weight)
        if weight is not None:
            ind["weight"] = weight
        elif "weight" in self.t.columns:
            self.say(
                "import_no_weight", line=row.line, name=ind["name"], value=row.weight or self.blank
            )
        ind.update(self.rule(ident, row, ind["name"]))
        self.cells(ident, row, ind)
        return ind

    def rule(self, ident: str, row: Row, name: str) -> dict[str, Any]:
        """The rule a target's wording names; a note where the table left it implicit."""
        text = row.target.strip()
        target = parse_target(text) if text else None
        if target is not None:
            if target.deadline is not None:
                return {"target": text, "rule": "deadline"}
            rule = {">=": "ratio", ">": "ratio", "<=": "reverse", "<": "reverse"}.get(
                target.op or "=", "exact"
            )
            return {"target": text, "rule": rule}
        bare = parse_target(f">= {text}") if text else None
        if bare is not None and bare.deadline is None:
            self.notes[ident] = message("import_bare_target", self.lang, target=text)
            self.say("import_bare_target_said", line=row.line, target=text)
            return {"target": f">= {text}", "rule": "ratio"}
        level = _LEVEL_WORDS.get(level_key(text)) if text else None
        if level is not None:
            if level != text:
                self.notes[ident] = message(
                    "import_level_target", self.lang, target=text, level=level
                )
            return {"target": level, "rule": "qualitative"}
        if text:
            self.notes[ident] = message("import_manual", self.lang, target=text)
            self.say("import_manual_said", line=row.line, name=name, target=text)
        else:
            self.notes[ident] = message("import_manual_blank", self.lang)
            self.say("import_manual_blank_said", line=row.line, name=name)
        return {"rule": "manual"}

    def cells(self, ident: str, row: Row, ind: dict[str, Any]) -> None:
        actual = row.actual.strip()
        if actual and key(actual) in MISSING_MARKS:
            self.say("import_marked_missing", line=row.line, value=actual)
        elif actual and ind.get("rule") != "manual":
            self.values[ident] = actual
        score = row.score.strip()
        if score and key(score) not in _NO_SCORE:
            self.claimed[ident] = score
        reason = row.reason.strip()
        if reason and key(reason) not in OWED_MARKS:
            self.reasons[ident] = reason

    def full_score(self, full: Decimal) -> None:
        printed = _number(self.t.printed_full)
        if printed is not None and printed != full:
            self.say("import_weights_differ", found=_plain(full), printed=_plain(printed))
        if self.t.printed_total.strip():
            self.claimed["total"] = self.t.printed_total.strip()

    def data(self) -> dict[str, Any]:
        t = self.t
        subject: dict[str, Any] = {k: v for k, v in t.header.items() if v}
        year = _YEAR.search(t.title)
        if year:
            subject["year"] = int(year.group(1))
        funds = {
            row: {col: v for col, v in cells.items() if v.strip()}
            for row, cells in t.funds.items()
            if any(v.strip() for v in cells.values())
        }
        if funds:
            subject["funds"] = funds
        if t.goals:
            subject["goals"] = dict(t.goals)
        data: dict[str, Any] = {"subject": subject, "values": self.values}
        for section, content in (("claimed", self.claimed), ("reasons", self.reasons)):
            if content:
                data[section] = content
        return data


def _number(text: str) -> Decimal | None:
    if not text.strip():
        return None
    rv = read_value(text)
    if rv.problem is None and isinstance(rv.value, Decimal) and rv.unit in (None, "分"):
        return rv.value
    return None


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- YAML text ---------------------------------------------------------------------------
def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return _plain(v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a YAML string


def _yaml_block(value: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}"
        lines = []
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{_scalar(k) if not str(k).isidentifier() else k}:")
                lines.append(_yaml_block(v, indent + 2))
            else:
                inner = "{}" if isinstance(v, dict) else "[]" if isinstance(v, list) else _scalar(v)
                lines.append(f"{pad}{_scalar(k) if not str(k).isidentifier() else k}: {inner}")
        return "\n".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            body = _yaml_block(item, indent + 2)
            lines.append(pad + "- " + body.lstrip())
        return "\n".join(lines)
    return pad + _scalar(value)


def _set_yaml(the_set: dict[str, Any], notes: dict[str, str]) -> str:
    """The set as YAML, each indicator's note written above it as a comment."""
    head = {k: v for k, v in the_set.items() if k != "indicators"}
    out = [_yaml_block(head, 0), "indicators:"]
    for ind in the_set["indicators"]:
        note = notes.get(ind["id"])
        if note:
            out.extend(f"  # {line}" for line in note.splitlines())
        out.append(_yaml_block([ind], 2))
    return "\n".join(out) + "\n"
