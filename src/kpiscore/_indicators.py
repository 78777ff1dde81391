"""One indicator of one subject: applicability, the actual value, the rule, the result.

A value that is missing or cannot be read scores that indicator 0 (missing_data or
invalid_data) and is named in the warnings; every other indicator still scores.
What the rule did is recorded as steps; the words come later (``_wording``).
``_evaluate`` adds what the whole subject needs on top: totals, checks, penalties,
the grade and the unit's own scores compared.
"""

from __future__ import annotations

import functools
import string
from decimal import Decimal
from typing import Any

from ._data import (
    NA,
    LevelValue,
    SubjectData,
    plain_float,
    plain_number,
    plain_unit,
    read_value,
)
from ._dates import year_of
from ._formula import CompiledFormula, EvalFailure, Evaluator
from ._lanes import Lane, lanes_for
from ._memo import IndicatorMemo
from ._messages import Lang, message
from ._messages import zh_en as _t
from ._numbers import fmt_number, fmt_percent, round_half_up
from ._rules import NEEDS_ACTUAL, Outcome, RuleInput, RuleProblem
from ._steps import FormulaUse, Step, step
from ._steps import made as made_step
from ._wording import words_for
from .compiled import CompiledIndicator, IndicatorSet, ReasonPolicy, shown_name
from .result import IndicatorResult, Status

ZERO = Decimal(0)
# Problems that mean no value was given; every other problem is a value given but
# unreadable as written (invalid_data).
MISSING_CODES = frozenset({"missing_value", "manual_missing", "deadline_needs_year"})
# Above this a fraction compared with a % target (1000%) is taken for a percent × 100.
PERCENT_SANE = Decimal(10)
ACTUAL_NAMES = frozenset({"actual", "completion"})
_REASON_OWED = step("reason_owed")
_OVER_ACHIEVEMENT = ("over_achievement",)
_NOT_GIVEN = step("reason_not_given")
_REASON_NOT_GIVEN = (_REASON_OWED, _NOT_GIVEN)


def reason_steps(reason: str | None) -> tuple[Step, ...]:
    """The steps that close an indicator owing a 偏差原因: owed, and given or not."""
    if not reason:
        return _REASON_NOT_GIVEN
    return _REASON_OWED, step("reason_given", reason=reason[:100])


@functools.lru_cache(maxsize=4096)
def _rule_names(ind: CompiledIndicator) -> frozenset[str]:
    """The names an indicator's rule formulas read, once per indicator, not per row."""
    return ind.rule_names()


@functools.lru_cache(maxsize=4096)
def _sorted_names(formula: CompiledFormula) -> tuple[str, ...]:
    """A formula's names in order, once per formula source rather than twice per row."""
    return tuple(sorted(formula.names))


def claimed_number(raw: Any) -> Decimal | None:
    """A unit's own score as a rule may use it: a number read as any cell is, else None
    (the discrepancies name a claim that is not one)."""
    if raw is None:
        return None
    if type(raw) is str:  # a table's cell, "12.50" or "12.50分": as read_value reads it
        return _claimed_text(raw) if len(raw) <= _KEPT_CLAIM else _claimed_text.__wrapped__(raw)
    if isinstance(raw, float):  # a frame's float64, as read_value reads it
        number = plain_float(raw)
        if number is not None:
            return number
    return _read_claim(raw)


def _read_claim(raw: Any) -> Decimal | None:
    """A claim the short ways do not read, as read_value reads any cell."""
    rv = read_value(raw)
    return rv.value if rv.problem is None and isinstance(rv.value, Decimal) else None


# A column of claimed scores repeats a few texts ("10.00分" on every level indicator
# that met its target): each distinct text is read once. Only short texts are kept.
_KEPT_CLAIM = 64


@functools.lru_cache(maxsize=4096)
def _claimed_text(raw: str) -> Decimal | None:
    found = plain_number(raw)
    if found is not None and (found[1] in (None, "%") or plain_unit(found[1])):
        return found[0]
    return _read_claim(raw)


class IndicatorScorer:
    """Scores a subject's indicators one at a time, sharing its names, its evaluator
    and its warnings; plain rows share results across rows through ``memo``."""

    def __init__(
        self,
        iset: IndicatorSet,
        sd: SubjectData,
        lang: Lang,
        memo: IndicatorMemo | None = None,
        plain: bool = False,
    ):
        self.iset = iset
        self.memo = memo
        self.plain = plain  # a row the fast path took: read by prepare_plain
        self.sd = sd
        self.lang = lang
        self.warnings: list[str] = list(sd.warnings)
        self.env: dict[str, Any] = {}
        for name, rv in sd.values.items():
            v = rv.value
            if rv.problem is None and v is not None and v is not NA:
                self.env[name] = v.level if isinstance(v, LevelValue) else v
        self.evaluator = Evaluator(self.env)
        self.current: dict[str, Any] = self.env
        self.words = words_for(iset, lang)
        self.year = year_of(sd.subject)
        self.lanes = lanes_for(iset)
        self.precision = iset.precision

    def claimed_score(self, indicator_id: str) -> Decimal | None:
        return claimed_number(self.sd.claimed.get(indicator_id))

    def use(self, names: dict[str, Any]) -> None:
        """Point the evaluator (and the formulas an explanation shows) at these names."""
        self.current = names
        self.evaluator.set_names(names)

    def run_formula(self, formula: CompiledFormula) -> Any:
        try:
            return self.evaluator.run(formula)
        except EvalFailure as exc:
            raise RuleProblem.of(exc.code, exc.params) from None

    def label(self, name: str) -> str:
        return self.words.labelled(self.current)(name)

    def problem_text(self, code: str, params: dict[str, Any]) -> str:
        params = dict(params)
        where = params.pop("where", None)
        text = self._problem_text(code, params)
        if where:
            text += _t(self.lang, f"（{where}）", f" ({where})")
        return text

    def _problem_text(self, code: str, params: dict[str, Any]) -> str:
        if code == "missing_value":
            name = params.get("name", "?")
            lab = self.iset.label_of(name, self.lang)
            params["label"] = (
                f"（{lab}）" if lab and self.lang != "en" else (f" ({lab})" if lab else "")
            )
        params.setdefault("hint", "")
        try:
            return message(code, self.lang, **params)
        except (KeyError, IndexError):
            return code

    # --- one indicator -----------------------------------------------------------
    def indicator(self, ind: CompiledIndicator) -> IndicatorResult:
        """The indicator's result, shared with earlier plain rows that gave it the same
        inputs (``_memo``); the warnings it adds to a row are replayed with it."""
        memo = self.memo
        key = None if memo is None else memo.key(ind, self.sd, self.year)
        if memo is None or key is None:
            return self.scored_indicator(ind)
        found = memo.get(ind, key)
        if found is not None:
            self.warnings.extend(found[1])
            return found[0]
        before = len(self.warnings)
        made = self.scored_indicator(ind)
        memo.put(ind, key, (made, tuple(self.warnings[before:])))
        return made

    def scored_indicator(self, ind: CompiledIndicator) -> IndicatorResult:
        """Applicability, the actual value, the rule; a problem anywhere scores 0, named."""
        lane = self.lanes[ind.id]
        if self.plain and lane.own_cell:
            rv = self.sd.values.get(ind.id)
            if rv is not None and type(rv.value) is Decimal:
                # A plain row's own number: never n/a, unreadable or restated, so what
                # inapplicable() and actual_of() would find, without asking.
                actual = rv.value
                shown = [made_step("actual_value", {"actual": actual})] if lane.shows_actual else []
                try:
                    return self.scored(ind, actual, shown, lane)
                except RuleProblem as exc:
                    return self.missing(ind, exc.code, exc.params)
        try:
            na = self.inapplicable(ind)
            if na is not None:
                return self.result(ind, "not_applicable", ZERO, [na])
            actual, steps = self.actual_of(ind)
            return self.scored(ind, actual, steps, lane)
        except RuleProblem as exc:
            return self.missing(ind, exc.code, exc.params)

    def result(
        self,
        ind: CompiledIndicator,
        status: Status,
        raw: Decimal,
        steps: list[Step],
        *,
        actual: Any = None,
        completion: Decimal | None = None,
        flags: tuple[str, ...] = (),
        needs: bool = False,
        problem: str | None = None,
        score: Decimal | None = None,
    ) -> IndicatorResult:
        reason = self.sd.reasons.get(ind.id)
        if needs:
            steps += reason_steps(reason)
            if not reason:
                self.warnings.append(self.words.reason_missing(ind))
        if isinstance(actual, Decimal):
            shown = self.words.show_for(ind)(actual)
        elif isinstance(actual, (tuple, list)):
            shown = "、".join(str(a) for a in actual)
        else:
            shown = "" if actual is None else str(actual)
        # The set's fields copied, the row's set one by one: ≈ 0.6 µs against ≈ 1.0 for
        # a literal that unpacks the set's into a new dict grown as it goes.
        fields = self.words.fixed(ind).copy()
        fields["actual"] = actual
        fields["shown"] = shown
        fields["completion"] = completion
        fields["score"] = round_half_up(raw, self.precision) if score is None else score
        fields["raw_score"] = raw
        fields["status"] = status
        fields["flags"] = flags
        fields["needs_reason"] = needs
        fields["reason"] = reason
        fields["problem"] = problem
        fields["steps"] = tuple(steps)
        return IndicatorResult._made(fields)

    def missing(self, ind: CompiledIndicator, code: str, params: dict[str, Any]) -> IndicatorResult:
        # No value at all is missing_data (a 偏差原因 may be owed); a value that was
        # given but cannot be read as written is invalid_data (the fix is the cell).
        absent = code in MISSING_CODES
        why = self.problem_text(code, params)
        self.warnings.append(
            message(
                "indicator_problem",
                self.lang,
                id=ind.id,
                name=shown_name(ind, self.lang),
                problem=why,
            ).about(ind.id)
        )
        return self.result(
            ind,
            "missing_data" if absent else "invalid_data",
            ZERO,
            [step("problem", code=code, why=why, weight=ind.weight)],
            needs=absent and ind.weight > 0 and self.iset.reasons.below_weight,
            problem=why,
        )

    def inapplicable(self, ind: CompiledIndicator) -> Step | None:
        """Why the indicator does not apply (n/a in the data, a false ``applies``), or None."""
        w, values = ind.weight, self.sd.values
        own = values.get(ind.id)
        if own is not None and own.value is NA:
            return step("na_data", weight=w)
        if ind.actual is not None:
            ordered = _sorted_names(ind.actual)
            for name in ordered:
                rv = values.get(name)
                if rv is not None and rv.value is NA:
                    return step("na_name", name=name, weight=w)
            for name in ordered:
                rv = values.get(name)
                if rv is not None and rv.problem is not None:
                    raise RuleProblem.of(rv.problem.code, rv.problem.params)
        if (
            ind.rule == "manual"
            and isinstance(self.sd.manual.get(ind.id), str)
            and read_value(self.sd.manual[ind.id]).value is NA
        ):
            return step("na_manual", weight=w)
        if ind.applies is not None:
            self.use(self.env)
            if not self.run_formula(ind.applies):
                return step(
                    "na_condition", condition=FormulaUse.of(ind.applies, self.env), weight=w
                )
        return None

    def actual_of(self, ind: CompiledIndicator) -> tuple[Any, list[Step]]:
        """The value the rule compares, from a formula or the indicator's own cell."""
        if ind.actual is not None:
            self.use(self.env)
            actual = self.run_formula(ind.actual)
            use = FormulaUse.of(ind.actual, self.env)
            return actual, [step("actual_formula", formula=use, value=actual)]
        if ind.rule == "manual":
            return None, []
        rv = self.sd.values.get(ind.id)
        if rv is not None and rv.problem is not None:
            raise RuleProblem.of(rv.problem.code, rv.problem.params)
        if rv is None or rv.value is None:
            if ind.rule in NEEDS_ACTUAL or _rule_names(ind) & ACTUAL_NAMES:
                # A band or formula over a missing actual is not run at all.
                raise RuleProblem("missing_value", name=ind.id)
            return None, []
        actual = rv.value
        if rv.restated:
            self.warnings.append(
                message(
                    "restates_target",
                    self.lang,
                    id=ind.id,
                    raw=raw_text(self.sd, ind.id),
                    value=self.words.show_for(ind)(actual)
                    if isinstance(actual, Decimal)
                    else str(actual),
                ).about(ind.id)
            )
        steps: list[Step] = []
        if isinstance(actual, Decimal) and self.lanes[ind.id].shows_actual:
            steps.append(step("actual_value", actual=actual))
            if rv.restated:
                steps.append(step("restated", raw=raw_text(self.sd, ind.id)))
        return actual, steps

    def scored(
        self, ind: CompiledIndicator, actual: Any, steps: list[Step], lane: Lane
    ) -> IndicatorResult:
        rv = self.sd.values.get(ind.id)
        written = rv.written if rv is not None and ind.actual is None else None
        if lane.percent_guard and isinstance(actual, Decimal) and abs(actual) > PERCENT_SANE:
            # 5000% against a % target is a percent computed × 100 (or typed as 50), not
            # an achievement: full marks here would be the silent error.
            raise RuleProblem("percent_absurd", value=written or fmt_percent(actual))
        # Only formulas (the rule's, reason_required) read the row's names with the
        # indicator's own: weight, actual, target, completion.
        extras = self.own_names(ind, actual, lane.target) if lane.own_names else {}
        if lane.formulas:
            self.use({**self.env, **extras})
        sd = self.sd
        outcome = lane.rule(
            RuleInput(
                ind,
                actual,
                self.evaluator,
                self.lang,
                self.current if lane.formulas else self.env,
                sd.manual.get(ind.id) if sd.manual else None,
                written,
                self.year,
                self.claimed_score(ind.id) if sd.claimed else None,
            )
        )
        steps += outcome.steps
        score, flags = concluded(ind, outcome, self.precision, steps)
        needs = self.needs_reason(ind, outcome.completion, score, bool(flags), extras)
        if ind.explain is not None:
            steps = [step("custom", text=self.template(ind, actual, score, outcome.completion))]
        shown_actual = (
            outcome.shown_actual
            if outcome.shown_actual is not None
            else (actual if isinstance(actual, (Decimal, str)) else None)
        )
        return self.result(
            ind,
            "scored",
            outcome.raw,
            steps,
            actual=shown_actual,
            completion=outcome.completion,
            flags=flags,
            needs=needs,
            score=score,
        )

    @staticmethod
    def own_names(ind: CompiledIndicator, actual: Any, target: Decimal | None) -> dict[str, Any]:
        """What formulas read of the indicator itself: weight, actual, target, completion."""
        names: dict[str, Any] = {"weight": ind.weight}
        if actual is not None and not isinstance(actual, LevelValue):
            names["actual"] = actual
        if target is not None:
            names["target"] = target
            if isinstance(actual, Decimal) and target != 0:
                names["completion"] = actual / target
        return names

    def needs_reason(
        self,
        ind: CompiledIndicator,
        completion: Decimal | None,
        score: Decimal,
        flagged: bool,
        extras: dict[str, Any],
    ) -> bool:
        if ind.reason_required is not None:
            self.use({**self.env, **extras, "score": score})
            try:
                return bool(self.evaluator.run(ind.reason_required))
            except EvalFailure:
                return True
        return owes_reason(self.iset.reasons, ind, completion, score, flagged)

    def template(
        self, ind: CompiledIndicator, actual: Any, score: Decimal, completion: Decimal | None
    ) -> str:
        fields: dict[str, str] = {
            "actual": self.words.show_for(ind)(actual)
            if isinstance(actual, Decimal)
            else str(actual if actual is not None else "—"),
            "target": ind.target.show() if ind.target else "—",
            "score": fmt_number(score),
            "weight": fmt_number(ind.weight),
            "completion": fmt_percent(completion) if completion is not None else "—",
            "name": ind.name,
            "id": ind.id,
            "unit": (ind.target.unit or "") if ind.target else "",
        }
        out = []
        assert ind.explain is not None
        for literal, field_name, _spec, _conv in string.Formatter().parse(ind.explain):
            out.append(literal)
            if field_name is None:
                continue
            if field_name in fields:
                out.append(fields[field_name])
            else:
                v = self.env.get(field_name)
                out.append(
                    self.words.show_name(field_name)(v)
                    if isinstance(v, Decimal)
                    else ("—" if v is None else str(v))
                )
        return "".join(out)

    def not_evaluated(self, code: str, name: str, exc: EvalFailure) -> None:
        """A check or penalty whose formula could not run: named, with why, never silent."""
        self.warnings.append(
            message(code, self.lang, name=name, problem=self.problem_text(exc.code, exc.params))
        )


def concluded(
    ind: CompiledIndicator, outcome: Outcome, precision: int, steps: list[Step]
) -> tuple[Decimal, tuple[str, ...]]:
    """The rule's score rounded once, and the over-achievement flag: the steps that
    close every scored indicator, added to ``steps``."""
    score = round_half_up(outcome.raw, precision)
    if score != outcome.raw:
        steps.append(made_step("rounded", {"places": precision, "score": score}))
    else:
        steps.append(made_step("score", {"score": score}))
    if outcome.performance is not None and outcome.performance > ind.over_achievement:
        steps.append(
            step("over_achievement", performance=outcome.performance, limit=ind.over_achievement)
        )
        return score, _OVER_ACHIEVEMENT
    return score, ()


def owes_reason(
    policy: ReasonPolicy,
    ind: CompiledIndicator,
    completion: Decimal | None,
    score: Decimal,
    flagged: bool,
) -> bool:
    """Whether the set's policy asks a 偏差原因 of this score (no ``reason_required``)."""
    if policy.below_weight and score < ind.weight:
        return True
    if policy.over_achievement and flagged:
        return True
    return bool(
        policy.deviation_above is not None
        and completion is not None
        and abs(completion - 1) > policy.deviation_above
    )


def raw_text(sd: SubjectData, name: str) -> str:
    rv = sd.values.get(name)
    if rv is None:
        return ""
    return rv.raw if rv.raw is not None else str(rv.value)
