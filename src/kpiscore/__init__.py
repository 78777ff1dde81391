"""kpiscore: score and explain Chinese public-budget performance self-evaluations (绩效自评).

The whole public API is listed in ``__all__``; everything else is private.
"""

from ._api import RowError, check, load, loads, score, score_many
from ._compile import shipped_sets
from ._messages import Lang
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
    "load",
    "loads",
    "result_schema",
    "score",
    "score_many",
    "shipped_sets",
]
