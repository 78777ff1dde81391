"""Dates and months as 时效 (deadline) rows write them.

Targets: ``≤2022年12月``, ``≤2022-12-31``, ``2022年12月底前``,
``2022年9月30日前完成``, ``9月前`` / ``11月底前`` (the year from the data's
``subject.year``). Actuals: the same spellings without the "before"
(``2022年11月``, ``2022.11``, ``2022-11-30``, ``11月``), or a word that says
on time or late. A month means the end of that month, for a target and for
an actual alike: "done in November" is not known to be done before the 30th.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MET_WORDS = frozenset({"按时完成", "按期完成", "提前完成", "已按时完成", "已按期完成", "如期完成"})
LATE_WORDS = frozenset({"延期", "延期完成", "未按时完成", "未按期完成", "逾期", "逾期完成"})

_YMD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_ISO = re.compile(r"(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?")
_MD = re.compile(r"(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_BEFORE = ("之前完成", "以前完成", "前完成", "之前", "以前", "前", "截止")
_TAIL = ("已完成", "完成", "止")  # longest first: 已完成 before 完成
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\Z")  # a spreadsheet's 00:00:00


@dataclass(frozen=True)
class When:
    """A day or a month; ``year`` None when the text left it to the data's year."""

    month: int
    year: int | None = None
    day: int | None = None  # None: the end of the month

    def on(self, year: int | None) -> datetime.date | None:
        """The day this means, or None when it needs a year and none is given."""
        y = self.year if self.year is not None else year
        if y is None:
            return None
        last = _days_in(y, self.month)
        return datetime.date(y, self.month, self.day if self.day is not None else last)

    def show(self, lang: str = "zh") -> str:
        if lang == "en":  # 2022-09-30, 2022-12 (the month's end), 09 (the data's year)
            parts = [f"{self.year}"] if self.year is not None else []
            parts.append(f"{self.month:02d}")
            if self.day is not None:
                parts.append(f"{self.day:02d}")
            return "-".join(parts)
        y = f"{self.year}年" if self.year is not None else ""
        d = f"{self.day}日" if self.day is not None else "底"
        return f"{y}{self.month}月{d}"


def parse_when(text: str) -> When | None:
    """A date or month as a whole cell (nothing else around it), or None."""
    text = _TIME.sub("", unicodedata.normalize("NFKC", text).strip())
    if text.endswith("底"):
        text = text[:-1].rstrip()
    for pattern, has_year in ((_YMD, True), (_ISO, True), (_MD, False)):
        m = pattern.fullmatch(text)
        if m is None:
            continue
        parts = [int(g) if g else None for g in m.groups()]
        year, month, day = (parts[0], parts[1], parts[2]) if has_year else (None, *parts)
        return _checked(year, month, day)
    return None


def _checked(year: int | None, month: int | None, day: int | None) -> When | None:
    if month is None or not 1 <= month <= 12:
        return None
    if year is not None and not 1900 <= year <= 2200:
        return None
    if day is not None:
        last = _days_in(year if year is not None else 2000, month)  # 2000: leap
        if not 1 <= day <= last:
            return None
    return When(month, year, day)


def parse_deadline(text: str) -> tuple[str, When] | None:
    """(operator, when) for a deadline target: ``≤2022年12月``, ``9月底前`` …; None if not one."""
    body = unicodedata.normalize("NFKC", text).strip()
    op = None
    for sign, symbol in (("<=", "<="), ("≤", "<="), ("<", "<"), ("不晚于", "<="), ("截至", "<=")):
        if body.startswith(sign):
            body, op = body[len(sign) :].strip(), symbol
            break
    for word in _BEFORE:
        if body.endswith(word):
            body, op = body[: -len(word)].strip(), op or "<="
            break
    when = parse_when(body)
    if when is None:
        return None
    return op or "<=", when


def month_like_number(value: Decimal) -> When | None:
    """2022.11 as a table writes a month; None for any number that is not one."""
    sign, _digits, exponent = value.as_tuple()
    if sign or not isinstance(exponent, int) or exponent not in (-1, -2):
        return None
    text = format(value, "f")
    year, month = text.split(".")
    return _checked(int(year), int(month), None)


def read_actual(value: Any, written: str | None) -> When | str | None:
    """A completion date, or the word ``"met"`` / ``"late"``; None when it is neither."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return When(value.month, value.year, value.day)
    text = written if written is not None else (value if isinstance(value, str) else None)
    if text is None and isinstance(value, Decimal):
        return month_like_number(value)
    if text is None:
        return None
    key = unicodedata.normalize("NFKC", text).strip().rstrip("。.;；")
    if key in MET_WORDS:
        return "met"
    if key in LATE_WORDS:
        return "late"
    for word in _TAIL:
        if key.endswith(word) and len(key) > len(word):
            key = key[: -len(word)].strip()
            break
    return parse_when(key)


def year_of(subject: dict[str, Any]) -> int | None:
    """The data's year (``subject.year``: 2022, "2022", "2022年"), or None."""
    raw = subject.get("year")
    if isinstance(raw, bool):
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip().removesuffix("年") if raw else ""
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() and 1900 <= int(text) <= 2200 else None


def months_late(done: datetime.date, due: datetime.date) -> int:
    """Each started month after the due date counts: one day late is one month."""
    if done <= due:
        return 0
    n = (done.year - due.year) * 12 + done.month - due.month
    # The due date moved on by n months (a month's end stays a month's end).
    y, m = divmod(due.month - 1 + n, 12)
    last = _days_in(due.year + y, m + 1)
    end_of_month = due.day == _days_in(due.year, due.month)
    shifted = datetime.date(due.year + y, m + 1, last if end_of_month else min(due.day, last))
    return n + 1 if done > shifted else max(n, 1)


@functools.lru_cache(maxsize=4096)
def _days_in(year: int, month: int) -> int:
    import calendar  # here, not at the top: most runs read no date, and it imports locale

    return calendar.monthrange(year, month)[1]
