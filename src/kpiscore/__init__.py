"""kpiscore: score and explain Chinese public-budget performance self-evaluations (绩效自评).

The whole public API is listed in ``__all__``; everything else is private.
"""

from ._api import RowError, check, load, loads, score, score_many
from ._compile import shipped_sets
from ._messages import Lang
from ._result_schema import result_schema
from .compiled import IndicatorSet
from .errors import ConfigError, DataError, FormulaError, Issue, KpiscoreError
from .result import CategoryResult, CheckResult, Discrepancy, IndicatorResult, PointsLost, Result

__version__ = "0.1.0"

__all__ = [
    "CategoryResult",
    "CheckResult",
    "ConfigError",
    "DataError",
    "Discrepancy",
    "FormulaError",
    "IndicatorResult",
    "IndicatorSet",
    "Issue",
    "KpiscoreError",
    "Lang",
    "PointsLost",
    "Result",
    "RowError",
    "__version__",
    "check",
    "load",
    "loads",
    "result_schema",
    "score",
    "score_many",
    "shipped_sets",
]
