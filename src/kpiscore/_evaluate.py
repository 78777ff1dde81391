"""Compiled set × one subject's data → Result, Decimal throughout.

Each indicator is scored on its own: a value that is missing or broken
scores that indicator 0 (status ``missing_data``) and is named in the
warnings, while every other indicator still scores.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from ._data import (
    MAX_DEPTH,
    NA,
    LevelValue,
    ReadValue,
    SubjectData,
    check_unit,
    plain_number,
    read_value,
    snapshot,
    too_deep,
)
from ._dates import year_of
from ._formula import CompiledFormula, EvalFailure, Evaluator, evaluate, render
from ._lanes import Lane, lanes_for
from ._memo import IndicatorMemo, memo_for
from ._messages import Lang, has_unsafe_chars, hint, message, printable
from ._messages import zh_en as _t
from ._numbers import CONTEXT, fmt_number, fmt_percent, fmt_value, round_half_up
from ._rules import NEEDS_ACTUAL, RuleInput, RuleProblem
from ._steps import FormulaUse, Step, step
from ._subject import read_subject
from ._wording import words_for
from ._yaml import Document, Path_
from .compiled import CompiledIndicator, IndicatorSet, PenaltySpec, shown_name
from .errors import DataError, Issue
from .result import (
    PROBLEM_STATUSES,
    CategoryResult,
    CheckResult,
    Discrepancy,
    IndicatorResult,
    PointsLost,
    Result,
    Status,
)

ZERO = Decimal(0)
# Problems that mean no value was given; every other problem is a value given but
# unreadable as written (invalid_data).
MISSING_CODES = frozenset({"missing_value", "manual_missing", "deadline_needs_year"})
# Above this a fraction compared with a % target (1000%) is taken for a percent × 100.
PERCENT_SANE = Decimal(10)
DATA_KEYS = ("indicator_set", "subject", "values", "manual", "reasons", "claimed", "notes")
MAX_VALUES = 10_000


@functools.lru_cache(maxsize=64)
def used_names(iset: IndicatorSet) -> frozenset[str]:
    """Every data value name the set can read, for 'unused value' hints."""
    ids = {ind.id for ind in iset.indicators}
    return iset.formula_names() | ids | frozenset(iset.inputs or ())


ACTUAL_NAMES = frozenset({"actual", "completion"})
_REASON_OWED = step("reason_owed")
_OVER_ACHIEVEMENT = ("over_achievement",)
_NOT_GIVEN = step("reason_not_given")


@functools.lru_cache(maxsize=4096)
def _rule_names(ind: CompiledIndicator) -> frozenset[str]:
    """The names an indicator's rule formulas read, once per indicator, not per row."""
    return ind.rule_names()


@functools.lru_cache(maxsize=4096)
def _sorted_names(formula: CompiledFormula) -> tuple[str, ...]:
    """A formula's names in order, once per formula source rather than twice per row."""
    return tuple(sorted(formula.names))


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


@functools.lru_cache(maxsize=64)
def label_ids(iset: IndicatorSet) -> tuple[dict[str, str], dict[str, str]]:
    """Chinese names that stand for ids: (values by input or indicator name, indicators by name).

    A name shared by two ids stands for neither, so nothing is guessed.
    """

    def unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
        seen: dict[str, set[str]] = {}
        for label, ident in pairs:
            seen.setdefault(label.strip(), set()).add(ident)
        return {label: next(iter(ids)) for label, ids in seen.items() if len(ids) == 1}

    value_pairs = [(spec.name, k) for k, spec in (iset.inputs or {}).items()]
    value_pairs += [
        (ind.name, ind.id)
        for ind in iset.indicators
        if ind.actual is None
        and ind.rule != "manual"
        and not (iset.inputs and ind.id in iset.inputs)
    ]
    return unique(value_pairs), unique([(ind.name, ind.id) for ind in iset.indicators])


def _by_id(section: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in section.items():
        ident = ids.get(key.strip())
        out[ident if ident is not None and ident not in section else key] = value
    return out


def prepare(
    iset: IndicatorSet,
    data: Any,
    lang: Lang,
    file: str | None = None,
    doc: Document | None = None,
    check_set: bool = True,
) -> SubjectData:
    """Check the data's shape and read every value; shape problems raise DataError."""

    def problem(code: str, path: Path_, **params: Any) -> Issue:
        # With the parsed document at hand, point at the line; a Python mapping has none.
        msg = message(code, lang, **params)
        if doc is not None:
            return doc.issue(code, msg, path, key=code == "data_unknown_key")
        return Issue(code, msg, path=path, file=file)

    sections, subject, named = _shape(iset, data, lang, problem, check_set)
    # Columns copied from a spreadsheet carry the Chinese names: accept them for the ids.
    value_ids, _ = label_ids(iset)
    clean = _Cleaner()
    values = _read_values(iset, _by_id(sections["values"], value_ids), clean, doc)
    notes: list[str] = [
        message(
            "value_converted",
            lang,
            id=name,
            raw=rv.raw or "",
            value=f"{fmt_value(rv.value)}{rv.unit or ''}",
        )
        for name, rv in values.items()
        if rv.converted and isinstance(rv.value, Decimal)
    ]
    return _subject_data(
        iset, sections, subject, named, values, clean, notes, lang, snapshot(data), file, doc
    )


def prepare_plain(iset: IndicatorSet, data: dict[str, Any], lang: Lang) -> SubjectData:
    """``prepare`` for a row the fast path has taken as plain (``_fast.Plan.values``):
    its keys known, each value a number, a level word, a deadline's text or a list of
    items under its own id, nothing manual, nothing claimed for a level indicator. The same SubjectData, without the checks and the
    general reading such a row cannot need. ``data`` is already the fast path's copy."""
    values = {name: plain_value(v) for name, v in (data.get("values") or {}).items()}
    subject = data.get("subject") or {}
    sections = {key: dict(data.get(key) or {}) for key in ("manual", "reasons", "claimed")}
    named = data.get("indicator_set")
    clean = _Cleaner()
    subject = {"name": subject} if isinstance(subject, str) else subject
    return _subject_data(iset, sections, subject, named, values, clean, [], lang, data)


def plain_value(v: Any) -> ReadValue:
    """What ``read_value`` (and ``check_unit``) make of a cell the fast path took as
    plain; tests/test_fast.py holds the two equal."""
    t = type(v)
    if t is Decimal:
        return ReadValue.plain(v.copy_abs() if v.is_zero() else v)
    if t is int:
        return ReadValue.plain(Decimal(v))
    if t is float:
        d = Decimal(repr(v))
        return ReadValue.plain(d.copy_abs() if d.is_zero() else d)
    if t is str:  # ASCII digits (the fast path's pattern), or a level word as it reads
        written = v if len(v) <= 30 else v[:27] + "…"  # as read_value quotes a cell
        number = plain_number(v)  # with the % or unit the set expects (Plan.values)
        if number is None:
            return ReadValue.plain(v, written=written)
        d, unit = number
        if unit is None:
            return ReadValue.plain(d, written=written)
        return ReadValue(d, unit=unit, written=written)
    if t.__module__ == "numpy":  # an integer or float64 (Plan.values): read as such
        return read_value(v)
    return ReadValue.plain(tuple(v))


def _subject_data(
    iset: IndicatorSet,
    sections: dict[str, dict[str, Any]],
    subject: Mapping[str, Any],
    named: Any,
    values: dict[str, ReadValue],
    clean: _Cleaner,
    notes: list[str],
    lang: Lang,
    source: Any,
    file: str | None = None,
    doc: Document | None = None,
) -> SubjectData:
    _, indicator_ids = label_ids(iset)
    for key in ("manual", "reasons"):
        sections[key] = _by_id(sections[key], indicator_ids)
    sections["claimed"] = _by_id(sections["claimed"], {**indicator_ids, "总分": "total"})
    kept_subject = read_subject(subject, clean, notes, lang)
    reasons = _read_reasons(sections["reasons"], clean, notes, lang)
    manual = {
        k: {**m, "justification": clean(f"manual.{k}", m.get("justification"))}
        if isinstance(m, Mapping)
        else m
        for k, m in sections["manual"].items()
    }
    if clean.unsafe:
        shown = "、".join(w[:40] for w in clean.unsafe[:5]) + (
            " …" if len(clean.unsafe) > 5 else ""
        )
        notes.append(message("data_unsafe_text", lang, where=shown))
    return SubjectData(
        subject=kept_subject,
        values=values,
        manual=manual,
        reasons=reasons,
        claimed=sections["claimed"],
        indicator_set=named if isinstance(named, str) else None,
        source=source,
        warnings=notes,
        file=file if file is not None else (doc.file if doc is not None else None),
        doc=doc,
    )


def _shape(
    iset: IndicatorSet,
    data: Any,
    lang: Lang,
    problem: Callable[..., Issue],
    check_set: bool,
) -> tuple[dict[str, dict[str, Any]], Mapping[str, Any], Any]:
    """(the four sections as str-keyed dicts, the subject, the named set) or DataError."""
    mapping = _t(lang, "映射（键: 值）", "a mapping")
    if not isinstance(data, Mapping):
        raise DataError([problem("data_wrong_type", (), key="$", expected=mapping)])
    if too_deep(data):
        raise DataError([problem("data_too_deep", (), limit=MAX_DEPTH)])
    if "values" not in data and ("indicators" in data or "kpiscore" in data):
        raise DataError([problem("looks_like_set", ())])
    problems: list[Issue] = [
        problem(
            "data_unknown_key", (str(key),), key=str(key)[:40], hint=hint(str(key), DATA_KEYS, lang)
        )
        for key in data
        if key not in DATA_KEYS
    ]
    sections: dict[str, dict[str, Any]] = {}
    for key in ("values", "manual", "reasons", "claimed"):
        section = data.get(key) or {}
        if not isinstance(section, Mapping):
            problems.append(problem("data_wrong_type", (key,), key=key, expected=mapping))
            section = {}
        if len(section) > MAX_VALUES:
            problems.append(
                problem("value_too_long", (key,), length=len(section), limit=MAX_VALUES)
            )
            section = {}
        sections[key] = {str(k): v for k, v in section.items()}
    subject = data.get("subject") or {}
    if isinstance(subject, str):
        subject = {"name": subject}
    if not isinstance(subject, Mapping):
        problems.append(problem("data_wrong_type", ("subject",), key="subject", expected=mapping))
        subject = {}
    named = data.get("indicator_set")
    if check_set and named is not None and named != iset.id:
        problems.append(
            problem("set_mismatch", ("indicator_set",), data=str(named)[:60], set=iset.id)
        )
    if problems:
        raise DataError(problems)
    return sections, subject, named


class _Cleaner:
    """Escape sequences or bidi overrides in a cell must not reach a terminal or report:
    replaced, and where they were is kept for one warning."""

    def __init__(self) -> None:
        self.unsafe: list[str] = []

    def __call__(self, where: str, v: Any) -> Any:
        if isinstance(v, str) and has_unsafe_chars(v):
            self.unsafe.append(where)
            return printable(v)
        return v


def _read_values(
    iset: IndicatorSet, raw_values: dict[str, Any], clean: _Cleaner, doc: Document | None
) -> dict[str, ReadValue]:
    values: dict[str, ReadValue] = {}
    for name, raw in raw_values.items():
        rv = check_unit(name, read_value(clean(f"values.{name}", raw)), iset)
        if rv.problem is not None and doc is not None:
            # The value's line, so the officer can go straight to it.
            pos = doc.locate(("values", name))
            if pos is not None:
                where = f"{Path(doc.file).name if doc.file else ''}:{pos.line + 1}".lstrip(":")
                rv = replace(
                    rv, problem=replace(rv.problem, params={**rv.problem.params, "where": where})
                )
        values[name] = rv
    return values


def _read_reasons(
    raw: dict[str, Any], clean: _Cleaner, notes: list[str], lang: Lang
) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for k, v in raw.items():
        if isinstance(v, (Decimal, int)) and not isinstance(v, bool):
            v = str(v)  # a reason typed as a bare number is still the officer's text
        if isinstance(v, str):
            if v.strip():
                reasons[k] = clean(f"reasons.{k}", v.strip())
        elif v is not None:
            notes.append(message("reason_not_text", lang, id=k[:40]))
    return reasons


MAX_STRAY_WARNINGS = 20


class _Scorer:
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
        raw = self.sd.claimed.get(indicator_id)
        if raw is None:
            return None
        rv = read_value(raw)
        return rv.value if rv.problem is None and isinstance(rv.value, Decimal) else None

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
                shown = [Step("actual_value", {"actual": actual})] if lane.shows_actual else []
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
            steps.append(_REASON_OWED)
            steps.append(step("reason_given", reason=reason[:100]) if reason else _NOT_GIVEN)
            if not reason:
                self.warnings.append(self.words.reason_missing(ind))
        if isinstance(actual, Decimal):
            shown = self.words.show_for(ind)(actual)
        elif isinstance(actual, (tuple, list)):
            shown = "、".join(str(a) for a in actual)
        else:
            shown = "" if actual is None else str(actual)
        return IndicatorResult._made(
            {
                **self.words.fixed(ind),
                "actual": actual,
                "shown": shown,
                "completion": completion,
                "score": round_half_up(raw, self.precision) if score is None else score,
                "raw_score": raw,
                "status": status,
                "flags": flags,
                "needs_reason": needs,
                "reason": reason,
                "problem": problem,
                "steps": tuple(steps),
            }
        )

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
                    raw=_raw_text(self.sd, ind.id),
                    value=self.words.show_for(ind)(actual)
                    if isinstance(actual, Decimal)
                    else str(actual),
                ).about(ind.id)
            )
        steps: list[Step] = []
        if isinstance(actual, Decimal) and self.lanes[ind.id].shows_actual:
            steps.append(step("actual_value", actual=actual))
            if rv.restated:
                steps.append(step("restated", raw=_raw_text(self.sd, ind.id)))
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
        p = self.precision
        score = round_half_up(outcome.raw, p)
        if score != outcome.raw:
            steps.append(Step("rounded", {"places": p, "score": score}))
        else:
            steps.append(Step("score", {"score": score}))
        flags: tuple[str, ...] = ()
        if outcome.performance is not None and outcome.performance > ind.over_achievement:
            flags = _OVER_ACHIEVEMENT
            steps.append(
                step(
                    "over_achievement", performance=outcome.performance, limit=ind.over_achievement
                )
            )
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
        policy = self.iset.reasons
        if policy.below_weight and score < ind.weight:
            return True
        if policy.over_achievement and flagged:
            return True
        return bool(
            policy.deviation_above is not None
            and completion is not None
            and abs(completion - 1) > policy.deviation_above
        )

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
                        raw=_raw_text(self.sd, name),
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
                    out.append(
                        Discrepancy(
                            "total",
                            _t(self.lang, "总分", "total"),
                            claimed,
                            total,
                            total - claimed,
                            message(
                                "discrepancy",
                                self.lang,
                                id=_t(self.lang, "总分", "total"),
                                claimed=fmt_number(claimed),
                                computed=fmt_number(total),
                                diff=fmt_number(total - claimed),
                            ),
                        )
                    )
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
                why = message(
                    "discrepancy",
                    self.lang,
                    id=_t(self.lang, f"{r.name}（{key}）", f"{r.name} ({key})"),
                    claimed=fmt_number(claimed),
                    computed=fmt_number(r.score),
                    diff=fmt_number(r.score - claimed),
                )
                out.append(
                    Discrepancy(
                        key,
                        r.name,
                        claimed,
                        r.score,
                        r.score - claimed,
                        f"{why}：{r.explanation}"
                        if self.lang != "en"
                        else f"{why}: {r.explanation}",
                    )
                )
        return out


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


def _raw_text(sd: SubjectData, name: str) -> str:
    rv = sd.values.get(name)
    if rv is None:
        return ""
    return rv.raw if rv.raw is not None else str(rv.value)


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
    with localcontext(CONTEXT):
        return _Scorer(iset, sd, lang).run(strict, row)


def score_plain(iset: IndicatorSet, data: dict[str, Any], lang: Lang, row: int | None) -> Result:
    """The whole Result of a row the fast path scored: its detail, built on first read."""
    sd = prepare_plain(iset, data, lang)
    with localcontext(CONTEXT):
        return _Scorer(iset, sd, lang, memo_for(iset, lang), plain=True).run(False, row)
