"""Generated source compiled once per text.

kpiscore writes Python for a set's hot paths (``_wording``'s sentences, ``_fused``'s
written-out indicators, ``_formula_code``'s formulas): each function's source holds
only names made up by its writer, and every id, text and number of the set reaches
it as a bound value in the function's globals. So indicators of one shape — one
rule with the same branches, one sequence of steps, one formula over other names —
write the same source, and compile(), ≈ 0.1–0.25 ms a function and most of what
writing one costs, need run once for all of them: a 1000-indicator set's sentences
and written-out indicators took ≈ 0.3 s of compiles before.
"""

from __future__ import annotations

import functools
from types import CodeType


@functools.lru_cache(maxsize=1024)
def code_of(source: str, filename: str) -> CodeType:
    """The code object of ``source`` (a module defining one function): shared, since a
    code object is immutable and each exec() makes its own function over its globals."""
    return compile(source, filename, "exec")
