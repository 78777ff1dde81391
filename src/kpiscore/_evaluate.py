"""Compiled set × one subject's data → Result, Decimal throughout.

Each indicator is scored on its own (``_indicators``); this module adds what the
subject as a whole needs: category subtotals and the total, rescaled when weights
are dropped as n/a, penalties, the grade, the set's checks, the unit's own scores
compared with kpiscore's, and values the set never reads named.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal, setcontext
from typing import Any

from ._data import read_value
from ._formula import EvalFailure, evaluate, render
from ._indicators import IndicatorScorer, raw_text
from ._memo import memo_for
from ._messages import Lang, hint, message
from ._messages import zh_en as _t
from ._numbers import entered, fmt_number, round_half_up
from ._prepare import prepare, prepare_plain, used_names
from ._yaml import Document, Path_
from .compiled import IndicatorSet, PenaltySpec, shown_name
from .errors import DataError, Issue
from .result import (
    PROBLEM_STATUSES,
    CategoryResult,
    CheckResult,
    Discrepancy,
    IndicatorResult,
    PointsLost,
    Result,
)

ZERO = Decimal(0)


@functools.lru_cache(maxsize=64)
def _category_positions(iset: IndicatorSet) -> tuple[tuple[int, ...], ...]:
    """Each category's indicators as positions in the set's order: per set, not per row."""
    at = {ind.id: i for i, ind in enumerate(iset.indicators)}
    return tuple(tuple(at[i] for i in cat.indicators) for cat in iset.categories)


@functools.lru_cache(maxsize=64)
def _own_and_ids(iset: IndicatorSet) -> tuple[frozenset[str], tuple[str, ...]]:
    """(ids of indicators that read their own value, every indicator id): per set, not per row."""
    own = frozenset(i.id for i in iset.indicators if i.actual is None)
    return own, tuple(i.id for i in iset.indicators)


MAX_STRAY_WARNINGS = 20


class _Scorer(IndicatorScorer):
    """The whole subject: its indicators, then what they add up to."""

    def strays(self, code: str, names: set[str], known: list[str]) -> None:
        """Warn about names the set does not know, the first few with a close match."""
        ordered = sorted(names)
        for name in ordered[:MAX_STRAY_WARNINGS]:
            self.warnings.append(
                message(
                    code,
                    self.lang,
                    name=name[:40],
                    hint=hint(name, known, self.lang, list_all=False),
                )
            )
        if len(ordered) > MAX_STRAY_WARNINGS:
            self.warnings.append(
                message("more_strays", self.lang, count=len(ordered) - MAX_STRAY_WARNINGS)
            )

    # --- the whole subject ----------------------------------------------------
    def run(self, strict: bool, row: int | None = None) -> Result:
        iset = self.iset
        indicators = [self.indicator(ind) for ind in iset.indicators]
        missing = [r for r in indicators if r.status in PROBLEM_STATUSES]
        if strict:
            self.refuse_under_strict(missing, used_names(iset))
        self.unread_values()
        categories, total, rescaled = self.totals(indicators)
        penalties, forced = self.penalties(total)
        total = deducted(iset, total, penalties)
        grade = self.grade(total, forced)
        checks = self.checks()
        discrepancies = self.discrepancies(indicators, total)
        return Result(
            indicator_set=iset.id,
            indicator_set_name=iset.name,
            subject=dict(self.sd.subject),
            total=total,
            full_score=iset.full_score,
            grade=grade,
            complete=not missing and total is not None,
            categories=tuple(categories),
            indicators=tuple(indicators),
            checks=tuple(checks),
            discrepancies=tuple(discrepancies),
            points_lost=_points_lost(indicators),
            penalties=tuple(penalties),
            warnings=tuple(self.warnings),
            set_digest=iset.digest,
            data=self.sd.source,
            precision=iset.precision,
            rescaled=rescaled and total is not None,
            lang=self.lang,
            row=row,
            kind=iset.kind,
        )

    def unread_values(self) -> None:
        """Values the set never reads (a misspelt name), reasons and manual scores under
        unknown ids, and restated values that only formulas read: each warned."""
        iset, lang = self.iset, self.lang
        used = used_names(iset)
        own, ids = _own_and_ids(iset)
        # Values an indicator reads as its own actual are flagged there; the
        # ones formulas read are flagged here, once each.
        restated = [(name, rv) for name, rv in self.sd.values.items() if rv.restated]
        for name, rv in sorted(restated):
            if name not in own and name in used and isinstance(rv.value, Decimal):
                self.warnings.append(
                    message(
                        "restates_target",
                        lang,
                        id=name,
                        raw=raw_text(self.sd, name),
                        value=self.words.show_name(name)(rv.value),
                    )
                )
        if not used.issuperset(self.sd.values):
            self.strays("unknown_value", set(self.sd.values) - used, sorted(used))
        # A 偏差原因 or a manual score under a misspelt id would otherwise vanish.
        if self.sd.reasons:
            self.strays("unknown_reason", set(self.sd.reasons) - set(ids), list(ids))
        if self.sd.manual:
            self.strays("unknown_manual", set(self.sd.manual) - set(ids), list(ids))

    def totals(
        self, indicators: list[IndicatorResult]
    ) -> tuple[list[CategoryResult], Decimal | None, bool]:
        """Category subtotals and the total: summed rounded scores (or raw ones when the set
        rounds the total only), rescaled to the full score when n/a weights are dropped."""
        iset = self.iset
        p = iset.precision
        total_mode = iset.rounding == "total"

        def summed(rows: list[IndicatorResult]) -> tuple[Decimal, Decimal]:
            weight = points = ZERO
            for r in rows:
                if r.status != "not_applicable":
                    weight += r.weight
                    points += r.raw_score if total_mode else r.score
            return weight, points

        categories = []
        for cat, at in zip(iset.categories, _category_positions(iset), strict=True):
            applicable, s = summed([indicators[i] for i in at])
            categories.append(
                CategoryResult._made(
                    cat.id, shown_name(cat, self.lang), cat.weight, round_half_up(s, p), applicable
                )
            )
        applicable_weight, points = summed(indicators)
        if applicable_weight == 0:
            self.warnings.append(message("no_applicable", self.lang))
        total = total_of(points, applicable_weight, iset)
        return categories, total, applicable_weight != iset.full_score

    def refuse_under_strict(self, missing: list[IndicatorResult], used: frozenset[str]) -> None:
        """--strict: a missing or invalid value, or a value the set does not read (a
        misspelt name), is a DataError naming each, instead of a 0."""
        strays = [
            Issue(
                "unknown_value",
                message(
                    "unknown_value",
                    self.lang,
                    name=n[:40],
                    hint=hint(n, sorted(used), self.lang, list_all=False),
                ),
                path=("values", n),
                file=self.sd.file,
            )
            for n in sorted(set(self.sd.values) - used)
        ]
        if missing or strays:
            raise DataError([*(self.strict_issue(r) for r in missing), *strays])

    def strict_issue(self, r: IndicatorResult) -> Issue:
        """--strict refuses a missing or invalid value: named by file and line where it has one."""
        text = (
            f"{r.id}（{r.name}）：{r.problem}"
            if self.lang != "en"
            else f"{r.id} ({r.name}): {r.problem}"
        )
        path: Path_ = ("values", r.id)
        doc = self.sd.doc
        if doc is not None and doc.locate(path) is not None:
            return doc.issue(r.status, text, path)
        return Issue(r.status, text, path=path, file=self.sd.file)

    def penalties(self, total: Decimal | None) -> tuple[list[str], list[str]]:
        applied: list[str] = []
        forced: list[str] = []
        for pen, hit in judged_penalties(self.iset, self.env, total):
            if isinstance(hit, EvalFailure):
                self.not_evaluated("penalty_not_evaluated", pen.name, hit)
            elif hit:
                applied.append(pen.name)
                effects: list[str] = []
                if pen.deduct is not None:
                    deduct = fmt_number(pen.deduct)
                    effects.append(_t(self.lang, f"扣 {deduct} 分", f"minus {deduct}"))
                if pen.grade:
                    grade = pen.grade
                    effects.append(_t(self.lang, f"定为“{grade}”", f"grade set to {grade}"))
                effect = _t(self.lang, "，", ", ").join(effects)
                self.warnings.append(
                    message("penalty_applied", self.lang, name=pen.name, effect=effect)
                )
                if pen.grade:
                    forced.append(pen.grade)
        return applied, forced

    def grade(self, total: Decimal | None, forced: list[str]) -> str | None:
        return grade_of(self.iset, total, forced, self.lang)

    def checks(self) -> list[CheckResult]:
        out: list[CheckResult] = []
        self.use(self.env)
        for chk in self.iset.checks:
            try:
                if chk.left is not None and chk.right is not None and chk.op == "Eq":
                    left, right = self.evaluator.run(chk.left), self.evaluator.run(chk.right)
                    if isinstance(left, Decimal) and isinstance(right, Decimal):
                        diff = left - right
                        passed = abs(diff) <= (chk.tolerance or ZERO)
                        if not passed:
                            msg: str = message(
                                "check_failed",
                                self.lang,
                                name=chk.name,
                                left_text=render(chk.left, self.label, self.lang),
                                left=fmt_number(left),
                                right_text=render(chk.right, self.label, self.lang),
                                right=fmt_number(right),
                                diff=fmt_number(diff),
                            )
                            self.warnings.append(msg)
                        else:
                            msg = ""
                        out.append(
                            CheckResult(
                                chk.name,
                                chk.formula.source,
                                passed,
                                left,
                                right,
                                diff,
                                chk.tolerance,
                                msg,
                            )
                        )
                        continue
                passed = bool(self.evaluator.run(chk.formula))
                msg = (
                    ""
                    if passed
                    else message(
                        "check_failed_plain",
                        self.lang,
                        name=chk.name,
                        formula=render(chk.formula, self.label, self.lang),
                    )
                )
                if msg:
                    self.warnings.append(msg)
                    out.append(CheckResult(chk.name, chk.formula.source, passed, message=msg))
                else:
                    out.append(_passed(chk.name, chk.formula.source))
            except EvalFailure as exc:
                self.not_evaluated("check_not_evaluated", chk.name, exc)
        return out

    def discrepancies(
        self, indicators: list[IndicatorResult], total: Decimal | None
    ) -> list[Discrepancy]:
        out: list[Discrepancy] = []
        by_id = {r.id: r for r in indicators}
        for key, raw in self.sd.claimed.items():
            rv = read_value(raw)
            if not isinstance(rv.value, Decimal):
                self.warnings.append(
                    message("claimed_not_a_number", self.lang, id=key[:40], value=str(raw)[:30])
                )
                continue
            claimed = rv.value
            if key == "total":
                if total is not None and claimed != total:
                    out.append(total_discrepancy(claimed, total, self.lang))
                continue
            r = by_id.get(key)
            if r is None:
                self.warnings.append(
                    message(
                        "claimed_unknown",
                        self.lang,
                        id=key[:40],
                        hint=hint(key, list(by_id), self.lang, list_all=False),
                    )
                )
                continue
            if claimed != r.score:
                out.append(
                    indicator_discrepancy(key, r.name, claimed, r.score, r.explanation, self.lang)
                )
        return out


def total_discrepancy(claimed: Decimal, total: Decimal, lang: Lang) -> Discrepancy:
    """The unit's own total against kpiscore's."""
    why = message(
        "discrepancy",
        lang,
        id=total_name(lang),
        claimed=fmt_number(claimed),
        computed=fmt_number(total),
        diff=fmt_number(total - claimed),
    )
    return Discrepancy("total", total_name(lang), claimed, total, total - claimed, why)


def indicator_discrepancy(
    key: str, name: str, claimed: Decimal, score: Decimal, explanation: str, lang: Lang
) -> Discrepancy:
    """The unit's own score for an indicator against kpiscore's, with how kpiscore's
    was reached."""
    why = message(
        "discrepancy",
        lang,
        id=_t(lang, f"{name}（{key}）", f"{name} ({key})"),
        claimed=fmt_number(claimed),
        computed=fmt_number(score),
        diff=fmt_number(score - claimed),
    )
    text = f"{why}：{explanation}" if lang != "en" else f"{why}: {explanation}"
    return Discrepancy(key, name, claimed, score, score - claimed, text)


@functools.lru_cache(maxsize=1024)
def _passed(name: str, formula: str) -> CheckResult:
    """A check of a formula that held: the same on every row (a CheckResult is
    immutable), so made once and its JSON record laid out once (``_result_json``)."""
    return CheckResult(name, formula, True)


def total_name(lang: Lang) -> str:
    """What a discrepancy calls the total."""
    return _t(lang, "总分", "total")


def total_of(points: Decimal, applicable: Decimal, iset: IndicatorSet) -> Decimal | None:
    """The summed points, rescaled to the full score when the applicable weight differs
    (n/a weights dropped), rounded once; None when nothing applies."""
    if applicable == 0:
        return None
    if applicable != iset.full_score:
        return round_half_up(points * iset.full_score / applicable, iset.precision)
    return round_half_up(points, iset.precision)


def judged_penalties(
    iset: IndicatorSet, env: Mapping[str, Any], total: Decimal | None
) -> list[tuple[PenaltySpec, bool | EvalFailure]]:
    """Each penalty's condition on the row's values and the total before any deduction
    (0 when there is none): whether it holds, or why it could not be judged."""
    names = {**env, "total": total if total is not None else ZERO}
    judged: list[tuple[PenaltySpec, bool | EvalFailure]] = []
    for pen in iset.penalties:
        try:
            judged.append((pen, bool(evaluate(pen.when, names))))
        except EvalFailure as exc:
            judged.append((pen, exc))
    return judged


def deducted(iset: IndicatorSet, total: Decimal | None, applied: list[str]) -> Decimal | None:
    """The total less every applied penalty's deduction, never below 0."""
    if total is not None:
        for pen in iset.penalties:
            if pen.name in applied and pen.deduct is not None:
                total = max(ZERO, total - pen.deduct)
    return total


def grade_of(
    iset: IndicatorSet, total: Decimal | None, forced: list[str], lang: Lang
) -> str | None:
    """The grade the total reaches, or a worse one a penalty forces, in ``lang``."""
    grades = iset.grades
    order = [g.label for g in grades]
    found = None
    if total is not None:
        for g in grades:
            if total >= g.min:
                found = g.label
                break
    for label in forced:
        if found is None or order.index(label) > order.index(found):
            found = label
    # An English run shows the set's English grade names (Excellent … for 优 …).
    return next((g.shown(lang) for g in grades if g.label == found), found)


def _points_lost(indicators: list[IndicatorResult]) -> tuple[PointsLost, ...]:
    """What each indicator left on the table, largest first (n/a rows lose nothing)."""
    lost = [p for p in map(_lost_by, indicators) if p is not None]
    return tuple(sorted(lost, key=lambda x: (-x.lost, x.id)))


def _lost_by(r: IndicatorResult) -> PointsLost | None:
    """One indicator's lost points; an indicator result shared between rows keeps its own."""
    held = r.__dict__
    if "_lost" in held:
        return held["_lost"]  # type: ignore[no-any-return]
    p = None
    if r.status != "not_applicable" and r.weight - r.score > 0:
        p = PointsLost._made(r.id, r.name, r.weight - r.score, r.status)
    if held.get("_shared"):
        held["_lost"] = p
    return p


def score_data(
    iset: IndicatorSet,
    data: Any,
    *,
    strict: bool = False,
    lang: Lang = "zh",
    file: str | None = None,
    doc: Document | None = None,
    check_set: bool = True,
    row: int | None = None,
) -> Result:
    sd = prepare(iset, data, lang, file, doc, check_set)
    saved = entered()
    try:
        return _Scorer(iset, sd, lang).run(strict, row)
    finally:
        setcontext(saved)


def score_plain(iset: IndicatorSet, data: dict[str, Any], lang: Lang, row: int | None) -> Result:
    """The whole Result of a row the fast path scored: its detail, built on first read."""
    sd = prepare_plain(iset, data, lang)
    saved = entered()
    try:
        return _Scorer(iset, sd, lang, memo_for(iset, lang), plain=True).run(False, row)
    finally:
        setcontext(saved)
