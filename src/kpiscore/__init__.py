"""kpiscore: score and explain Chinese public-budget performance self-evaluations."""

from ._compile import load
from .errors import ConfigError, DataError, FormulaError, Issue, KpiscoreError

__all__ = ["ConfigError", "DataError", "FormulaError", "Issue", "KpiscoreError", "load"]
