"""Errors that carry their location.

An officer fixing a YAML file needs the file, the line, the YAML path and a
sentence they can act on; a developer needs a stable ``code`` to branch on.
Every problem kpiscore finds is an :class:`Issue`; exceptions hold them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ._messages import printable

Severity = Literal["error", "warning"]


def format_path(path: Sequence[str | int]) -> str:
    """Render a YAML path as ``$.indicators[3].weight``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def _width(ch: str) -> int:
    """Terminal columns of one character: 2 for wide (CJK, full-width), 0 for combining marks."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


@dataclass(frozen=True)
class Issue:
    """One problem, with where it is and what to do about it."""

    code: str
    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    source_line: str | None = None
    caret_width: int = 1
    severity: Severity = "error"

    @property
    def json_path(self) -> str:
        return format_path(self.path)

    def location(self) -> str:
        # Text given without a file has lines ("<text>:3"); a mapping from Python has neither.
        where = self.file or ("<text>" if self.line is not None else "")
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        """The multi-line form printed by ``kpiscore check``."""
        head = printable(f"{self.location()}  {self.json_path}  [{self.code}]".lstrip())
        if self.severity == "warning":
            head += " (warning)"
        lines = [head, f"  {printable(self.message)}"]
        if self.source_line is not None and self.line is not None:
            num = str(self.line)
            pad = " " * len(num)
            lines.append(f"  {num} | {printable(self.source_line)}")
            col = (self.column or 1) - 1
            # A terminal gives a Chinese character two columns: the caret counts columns.
            indent = "".join(
                "\t" if ch == "\t" else " " * _width(ch) for ch in self.source_line[:col]
            )
            under = self.source_line[col : col + max(1, self.caret_width)]
            lines.append(f"  {pad} | {indent}{'^' * max(1, sum(map(_width, under)))}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "path": self.json_path,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        return self.format()


class KpiscoreError(Exception):
    """Root of everything kpiscore raises on purpose."""


class ConfigError(KpiscoreError):
    """The indicator set is wrong. ``issues`` holds every problem found in one pass."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        super().__init__("\n".join(i.format() for i in errors or self.issues))

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its issues, not its text
        return (type(self), (self.issues,))


class FormulaError(KpiscoreError):
    """Deprecated: kpiscore never raises it, and it will be removed in 0.3.

    A formula that cannot be evaluated on a row's data (division by zero, text in
    arithmetic) makes that indicator ``missing_data`` or ``invalid_data`` with the
    reason, and a formula that cannot be parsed is a ``ConfigError`` issue when the
    set loads. The class stays importable so ``except FormulaError`` keeps working.
    """

    def __init__(self, message: str, *, formula: str = "", code: str = "formula_failed"):
        self.message = message
        self.formula = formula
        self.code = code
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_formula_error, (self.message, self.formula, self.code))


class DataError(KpiscoreError):
    """The data for a subject is wrong, or missing under ``strict=True``."""

    def __init__(self, issues: Sequence[Issue] | str, *, row: int | None = None):
        if isinstance(issues, str):
            issues = [Issue(code="bad_data", message=issues)]
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.row = row
        prefix = f"row {row}: " if row is not None else ""
        super().__init__(prefix + "\n".join(i.format() for i in self.issues))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_data_error, (self.issues, self.row))


def _formula_error(message: str, formula: str, code: str) -> FormulaError:
    return FormulaError(message, formula=formula, code=code)


def _data_error(issues: Sequence[Issue], row: int | None) -> DataError:
    return DataError(issues, row=row)
