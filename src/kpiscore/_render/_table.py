"""Column alignment that respects the double width of Chinese characters."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    sizes = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, sizes[i], i in numeric) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * s for s in sizes))
    for r in rows:
        lines.append("  ".join(pad(c, sizes[i], i in numeric) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)
