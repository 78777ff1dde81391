"""JSON: exactly ``Result.to_dict()``, byte-stable for the same inputs."""

from __future__ import annotations

from .._messages import Lang
from ..result import Result


def render(result: Result, lang: Lang = "zh") -> str:
    return result.to_json() + "\n"
