"""JSON: exactly ``Result.to_dict()``, byte-stable for the same inputs."""

from __future__ import annotations

from .._messages import Lang
from ..result import Result


def render(result: Result, lang: Lang = "zh", steps: bool = False) -> str:
    return result.to_json(steps=steps) + "\n"
