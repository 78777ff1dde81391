"""kpiscore: score and explain Chinese public-budget performance self-evaluations (绩效自评).

The whole public API is listed in ``__all__``; everything else is private.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing itself is not imported for `kpiscore --help`
if TYPE_CHECKING:
    from typing import Any

    from ._api import RowError, check, load, loads, score, score_many
    from ._compile import shipped_sets
    from ._import import ImportedTable, import_table
    from ._messages import Lang
    from ._output import render
    from ._result_schema import result_schema
    from .compiled import CompiledCategory as Category
    from .compiled import CompiledIndicator as Indicator
    from .compiled import Grade, IndicatorSet, Target
    from .compiled import InputSpec as Input
    from .compiled import LevelSpec as Level
    from .errors import ConfigError, DataError, FormulaError, Issue, KpiscoreError
    from .result import (
        CategoryResult,
        CheckResult,
        Discrepancy,
        IndicatorResult,
        PointsLost,
        Result,
        Status,
    )

# Imported on first use (PEP 562), so that `kpiscore --help` does not import the
# set compiler and what it needs: name -> (module, attribute).
_LAZY: dict[str, tuple[str, str]] = {
    **{n: ("._api", n) for n in ("RowError", "check", "load", "loads", "score", "score_many")},
    "shipped_sets": ("._compile", "shipped_sets"),
    "Lang": ("._messages", "Lang"),
    "render": ("._output", "render"),
    "import_table": ("._import", "import_table"),
    "ImportedTable": ("._import", "ImportedTable"),
    "result_schema": ("._result_schema", "result_schema"),
    "Category": (".compiled", "CompiledCategory"),
    "Indicator": (".compiled", "CompiledIndicator"),
    "Grade": (".compiled", "Grade"),
    "IndicatorSet": (".compiled", "IndicatorSet"),
    "Target": (".compiled", "Target"),
    "Input": (".compiled", "InputSpec"),
    "Level": (".compiled", "LevelSpec"),
    **{
        n: (".errors", n)
        for n in ("ConfigError", "DataError", "FormulaError", "Issue", "KpiscoreError")
    },
    **{
        n: (".result", n)
        for n in (
            "CategoryResult",
            "CheckResult",
            "Discrepancy",
            "IndicatorResult",
            "PointsLost",
            "Result",
            "Status",
        )
    },
}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'kpiscore' has no attribute {name!r}")
    value = getattr(importlib.import_module(where[0], __name__), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "Category",
    "CategoryResult",
    "CheckResult",
    "ConfigError",
    "DataError",
    "Discrepancy",
    "FormulaError",
    "Grade",
    "ImportedTable",
    "Indicator",
    "IndicatorResult",
    "IndicatorSet",
    "Input",
    "Issue",
    "KpiscoreError",
    "Lang",
    "Level",
    "PointsLost",
    "Result",
    "RowError",
    "Status",
    "Target",
    "__version__",
    "check",
    "import_table",
    "load",
    "loads",
    "render",
    "result_schema",
    "score",
    "score_many",
    "shipped_sets",
]
