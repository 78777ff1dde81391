"""What every compile step shares: the issues it collects and the formulas it checks.

An officer sees every problem of a set in one pass, so a check adds an issue (with
the file, line and YAML path) instead of raising; past MAX_ISSUES a file stops
being checked. Formulas are parsed once here, by kpiscore's allowlist.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from . import _yaml
from ._formula import CompiledFormula, FormulaRejected, compile_formula, syntax_words
from ._messages import Lang, hint, message
from ._numbers import fmt_number
from ._records import IndicatorSetModel
from ._yaml import Document, Path_
from .compiled import (
    InputSpec,
)
from .errors import Issue

MAX_ISSUES = 100  # per file: past this, more messages help nobody and only cost time


class TooManyIssues(Exception):
    """More issues than MAX_ISSUES: the rest of the file goes unchecked."""


_WHAT_ZH = {
    "category": "一级指标",
    "indicator": "指标",
    "grade": "等级",
    "check": "检查",
    "item": "清单条目",
}


class Checker:
    """The set being compiled, its document and the issues found so far."""

    def __init__(
        self,
        model: IndicatorSetModel,
        doc: Document,
        lang: Lang,
        kept: dict[str, list[int]] | None = None,
    ):
        self.m = model
        self.doc = doc
        self.lang = lang
        self.issues: list[Issue] = []
        # After a partial validation, the original positions of the items that survived.
        self.partial = kept is not None
        kept = kept or {}
        self.ind_at = kept.get("indicators") or list(range(len(model.indicators)))
        self.cat_at = kept.get("categories") or list(range(len(model.categories)))
        self.inputs: dict[str, InputSpec] | None = None
        if model.inputs is not None:
            self.inputs = {
                k: InputSpec(id=k, name=v.name, unit=v.unit, type=v.type, name_en=v.name_en)
                for k, v in model.inputs.items()
            }

    # --- helpers -----------------------------------------------------------
    def add(
        self,
        code: str,
        path: Path_,
        *,
        at_key: bool = False,
        severity: str = "error",
        **params: Any,
    ) -> None:
        self._room()
        msg = message(code, self.lang, **params)
        self.issues.append(self.doc.issue(code, msg, path, key=at_key, severity=severity))  # type: ignore[arg-type]

    def _room(self) -> None:
        # Checked before a message is built, because building one (did-you-mean
        # over every declared name) is the expensive part.
        if len(self.issues) >= MAX_ISSUES:
            raise TooManyIssues

    def formula(
        self, source: str | None, path: Path_, extra: Iterable[str] = ()
    ) -> CompiledFormula | None:
        if source is None:
            return None
        allowed = None if self.inputs is None else set(self.inputs)
        try:
            return compile_formula(source, allowed_names=allowed, extra_names=extra)
        except FormulaRejected as rejected:
            for p in rejected.problems:
                self._formula_issue(source, path, p.code, p.params, p.offset, p.length)
            return None

    def _formula_issue(
        self, source: str, path: Path_, code: str, params: dict[str, Any], offset: int, length: int
    ) -> None:
        self._room()
        lang = self.lang
        params = dict(params)
        if "what" in params:
            params["what"] = params["what"][1 if lang == "en" else 0]
        if "problem_key" in params:
            params["problem"] = syntax_words(params.pop("problem_key"), lang)
        if code in ("unknown_name", "unknown_function"):
            choices = params.pop("choices", [])
            params["hint"] = hint(params["name"], choices, lang)
        msg = message(code, lang, **params)
        pos = self.doc.locate(path)
        if pos is not None:
            line_text = self.doc.lines[pos.line] if pos.line < len(self.doc.lines) else ""
            first = source.strip().split("\n")[0]
            at = line_text.find(first, pos.column) if first else -1
            if at >= 0:
                pos = _yaml.Pos(pos.line, at + offset, pos.line, at + offset + length)
        self.issues.append(self.doc.issue(code, msg, path, pos=pos))

    def range_check(
        self, value: Decimal | None, low: Decimal, high: Decimal | None, path: Path_, key: str
    ) -> None:
        if value is None:
            return
        if value < low or (high is not None and value > high):
            self.add(
                "out_of_range",
                path,
                key=key,
                low=fmt_number(low),
                high=fmt_number(high) if high is not None else "∞",
                value=fmt_number(value),
            )

    def _unique(self, ids: Iterable[str], path_of: Any, what: str) -> None:
        seen: dict[str, int] = {}
        for i, ident in enumerate(ids):
            if ident in seen:
                first = self.doc.locate(path_of(seen[ident]))
                where = (
                    f"第 {first.line + 1} 行"
                    if first and self.lang != "en"
                    else (f"line {first.line + 1}" if first else "?")
                )
                word = what if self.lang == "en" else _WHAT_ZH.get(what, what)
                self.add("duplicate_id", path_of(i), id=ident, first=where, what=word)
            else:
                seen[ident] = i
