"""What changes when the rules change: two sets scored on the same rows.

Before a unit adopts a new indicator set it wants to know whose score moves,
by how much, and which indicator moved it, without scoring twice by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import _api
from ._columns import known_columns
from ._messages import Lang
from ._messages import zh_en as _t
from ._numbers import fmt_number
from ._sources import Reading
from .compiled import IndicatorSet
from .result import Result


@dataclass(frozen=True)
class IndicatorChange:
    id: str
    name: str
    before: Decimal | None  # None: the indicator is not in that set
    after: Decimal | None
    before_status: str | None = None
    after_status: str | None = None


@dataclass(frozen=True)
class SubjectChange:
    row: int
    subject: str
    before_total: Decimal | None
    after_total: Decimal | None
    before_grade: str | None
    after_grade: str | None
    indicators: tuple[IndicatorChange, ...]
    error_before: str | None = None
    error_after: str | None = None

    @property
    def changed(self) -> bool:
        return (
            self.before_total != self.after_total
            or self.before_grade != self.after_grade
            or bool(self.indicators)
            or (self.error_before is None) != (self.error_after is None)
        )


def set_changes(old: IndicatorSet, new: IndicatorSet, lang: Lang = "zh") -> list[str]:
    """The differences between the sets themselves: indicators added, dropped, reweighted."""
    before = {i.id: i for i in old.indicators}
    after = {i.id: i for i in new.indicators}
    out = []
    for ind_id, ind in after.items():
        if ind_id not in before:
            out.append(
                _t(
                    lang,
                    f"新增 {ind.name}（{ind_id}），分值 {fmt_number(ind.weight)}",
                    f"added {ind.name} ({ind_id}), weight {fmt_number(ind.weight)}",
                )
            )
    for ind_id, ind in before.items():
        if ind_id not in after:
            out.append(
                _t(
                    lang,
                    f"删除 {ind.name}（{ind_id}），原分值 {fmt_number(ind.weight)}",
                    f"removed {ind.name} ({ind_id}), weight was {fmt_number(ind.weight)}",
                )
            )
            continue
        other = after[ind_id]
        if other.weight != ind.weight:
            out.append(
                _t(
                    lang,
                    f"{ind.name}（{ind_id}）分值 {fmt_number(ind.weight)} → {fmt_number(other.weight)}",
                    f"{ind.name} ({ind_id}) weight {fmt_number(ind.weight)} → {fmt_number(other.weight)}",
                )
            )
        old_target = ind.target.text if ind.target else None
        new_target = other.target.text if other.target else None
        if old_target != new_target or ind.rule != other.rule:
            out.append(
                _t(
                    lang,
                    f"{ind.name}（{ind_id}）目标/规则 {old_target or '—'} {ind.rule} → {new_target or '—'} {other.rule}",
                    f"{ind.name} ({ind_id}) target/rule {old_target or '—'} {ind.rule} → {new_target or '—'} {other.rule}",
                )
            )
    return out


def compare_sets(
    old: IndicatorSet,
    new: IndicatorSet,
    rows: Iterable[Mapping[str, Any]] | str | Path,
    *,
    lang: Lang = "zh",
) -> Iterator[SubjectChange]:
    """One SubjectChange per row, in order, changed or not."""
    if not isinstance(rows, (str, Path)):
        rows = list(rows)  # read twice, once per set
    # The rows were written for one of the sets, so neither side holds their
    # indicator_set line or their columns against them: a column only the new
    # set reads is no misspelling of the old set's.
    known = known_columns(old) | known_columns(new)
    pairs = zip(
        _api.score_rows(old, rows, lang=lang, check_set=False, reading=Reading(known=known)),
        _api.score_rows(new, rows, lang=lang, check_set=False, reading=Reading(known=known)),
        strict=True,
    )
    for number, (a, b) in enumerate(pairs, start=1):
        yield _change(a, b, number)


def _change(a: Result | _api.RowError, b: Result | _api.RowError, number: int) -> SubjectChange:
    row = a.row if a.row is not None else number  # both kinds carry their source row
    if isinstance(a, _api.RowError) or isinstance(b, _api.RowError):
        subject = a.subject if isinstance(a, _api.RowError) else str(a.subject.get("name", ""))
        if not isinstance(b, _api.RowError):
            subject = subject or str(b.subject.get("name", ""))
        return SubjectChange(
            row=row,
            subject=subject,
            before_total=None if isinstance(a, _api.RowError) else a.total,
            after_total=None if isinstance(b, _api.RowError) else b.total,
            before_grade=None if isinstance(a, _api.RowError) else a.grade,
            after_grade=None if isinstance(b, _api.RowError) else b.grade,
            indicators=(),
            error_before=a.message if isinstance(a, _api.RowError) else None,
            error_after=b.message if isinstance(b, _api.RowError) else None,
        )
    before = {i.id: i for i in a.indicators}
    after = {i.id: i for i in b.indicators}
    moved = []
    for ind_id in [*before, *(k for k in after if k not in before)]:
        x, y = before.get(ind_id), after.get(ind_id)
        sx = x.score if x is not None else None
        sy = y.score if y is not None else None
        tx = x.status if x is not None else None
        ty = y.status if y is not None else None
        if sx != sy or tx != ty:
            name = (y or x).name  # type: ignore[union-attr]  # one of them exists
            moved.append(IndicatorChange(ind_id, name, sx, sy, tx, ty))
    return SubjectChange(
        row=row,
        subject=str(a.subject.get("name", "")),
        before_total=a.total,
        after_total=b.total,
        before_grade=a.grade,
        after_grade=b.grade,
        indicators=tuple(moved),
    )


def _num(d: Decimal | None) -> str | None:
    return None if d is None else format(d, "f")


def change_to_dict(c: SubjectChange) -> dict[str, Any]:
    return {
        "row": c.row,
        "subject": c.subject,
        "changed": c.changed,
        "before": {"total": _num(c.before_total), "grade": c.before_grade, "error": c.error_before},
        "after": {"total": _num(c.after_total), "grade": c.after_grade, "error": c.error_after},
        "indicators": [
            {
                "id": i.id,
                "name": i.name,
                "before": _num(i.before),
                "after": _num(i.after),
                "before_status": i.before_status,
                "after_status": i.after_status,
            }
            for i in c.indicators
        ],
    }


_STATUS_WORDS = {
    "not_applicable": ("不适用", "n/a"),
    "missing_data": ("缺数据", "missing data"),
    "invalid_data": ("数据无效", "invalid data"),
}


def _shown(score: Decimal | None, status: str | None, lang: Lang) -> str:
    if score is None:
        return _t(lang, "（无此指标）", "(absent)")
    if status in _STATUS_WORDS:
        zh, en = _STATUS_WORDS[status]
        return f"{score:f}" + _t(lang, f"（{zh}）", f" ({en})")
    return f"{score:f}"


def describe(c: SubjectChange, lang: Lang = "zh") -> list[str]:
    """A changed subject as lines a person reads: the total, then each indicator that moved."""
    who = _t(lang, f"第 {c.row} 行 {c.subject}", f"row {c.row} {c.subject}").rstrip()
    if c.error_before is not None or c.error_after is not None:
        if c.error_before is not None and c.error_after is not None:
            return [
                _t(
                    lang,
                    f"{who}：两个体系都无法计分：{c.error_after}",
                    f"{who}: neither set can score it: {c.error_after}",
                )
            ]
        if c.error_after is not None:
            return [
                _t(
                    lang,
                    f"{who}：旧体系得 {_num(c.before_total)}，新体系无法计分：{c.error_after}",
                    f"{who}: scored {_num(c.before_total)} before, cannot be scored now: {c.error_after}",
                )
            ]
        return [
            _t(
                lang,
                f"{who}：旧体系无法计分（{c.error_before}），新体系得 {_num(c.after_total)}",
                f"{who}: could not be scored before ({c.error_before}), scores {_num(c.after_total)} now",
            )
        ]
    lines = []
    delta = ""
    if c.before_total is not None and c.after_total is not None:
        delta = f"{c.after_total - c.before_total:+f}".replace("-", "−")
    lines.append(
        _t(
            lang,
            f"{who}：{_num(c.before_total)}（{c.before_grade or '—'}）→ {_num(c.after_total)}（{c.after_grade or '—'}），变化 {delta}",
            f"{who}: {_num(c.before_total)} ({c.before_grade or '—'}) → {_num(c.after_total)} ({c.after_grade or '—'}), change {delta}",
        )
    )
    for i in c.indicators:
        before = _shown(i.before, i.before_status, lang)
        after = _shown(i.after, i.after_status, lang)
        lines.append(
            f"    {i.name}（{i.id}）：{before} → {after}"
            if lang != "en"
            else f"    {i.name} ({i.id}): {before} → {after}"
        )
    return lines


def summarize(changes: list[SubjectChange], lang: Lang = "zh") -> str:
    """One line: how many subjects moved, changed grade, could not be scored, and the largest move."""
    en = lang == "en"
    failed = [c for c in changes if c.error_before is not None or c.error_after is not None]
    scored = [c for c in changes if c not in failed]
    moved = [c for c in scored if c.before_total != c.after_total]
    regraded = [c for c in scored if c.before_grade != c.after_grade]
    line = (
        f"{len(changes)} subjects: {len(moved)} totals changed, {len(regraded)} grades changed"
        if en
        else f"共 {len(changes)} 个：总分变化 {len(moved)} 个，等级变化 {len(regraded)} 个"
    )
    if failed:
        line += f", {len(failed)} could not be scored" if en else f"，无法计分 {len(failed)} 个"
    deltas = [
        (c.after_total - c.before_total, c)
        for c in moved
        if c.after_total is not None and c.before_total is not None
    ]
    if deltas:
        d, c = max(deltas, key=lambda pair: abs(pair[0]))
        biggest = f"{d:+f}".replace("-", "−")
        who = c.subject or str(c.row)
        line += f"; largest change {biggest} ({who})" if en else f"；最大变化 {biggest}（{who}）"
    return line
