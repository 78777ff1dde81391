"""Model → compiled set: every whole-set check runs here, once, at load.

Each check adds issues instead of raising, so an officer sees every problem
in one pass. The compiled set is built only when no error was found.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import _yaml
from ._data import digest_of
from ._formula import CompiledFormula, FormulaRejected, compile_formula, syntax_words
from ._issues import from_validation_error
from ._messages import Lang, hint, message
from ._numbers import fmt_number
from ._yaml import Document, Path_
from .compiled import (
    BARE_NUMBER,
    DEFAULT_LEVELS,
    BandSpec,
    CheckSpec,
    CompiledCategory,
    CompiledIndicator,
    Grade,
    IndicatorSet,
    InputSpec,
    ItemSpec,
    LevelSpec,
    PenaltySpec,
    ReasonPolicy,
    Target,
    build_set,
    freeze,
    level_key,
    parse_target,
)
from .errors import ConfigError, Issue
from .model import (
    ALL_RULE_PARAMETERS,
    REQUIRED_PARAMETERS,
    RULE_PARAMETERS,
    Indicator,
    IndicatorSetModel,
)

_WHAT_ZH = {
    "category": "一级指标",
    "indicator": "指标",
    "grade": "等级",
    "check": "检查",
    "item": "清单条目",
}
SCORE_NAMES = ("actual", "target", "weight", "completion")
TEMPLATE_NAMES = frozenset(
    {"actual", "target", "score", "weight", "completion", "name", "id", "unit"}
)


MAX_ISSUES = 100  # per file: past this, more messages help nobody and only cost time


class _TooManyIssues(Exception):
    pass


_NUMERIC_RULES = ("ratio", "reverse", "exact", "met")
_TARGET_RULES = (*_NUMERIC_RULES, "deadline")

# (rule and target do not fit, why in Chinese, why in English), first match wins.
_RULE_TARGET_MISFITS: tuple[tuple[Callable[[str, Target], bool], str, str], ...] = (
    (
        lambda rule, t: rule in _NUMERIC_RULES and t.level is not None,
        "定性目标请用 qualitative 规则",
        "use the qualitative rule for a level target",
    ),
    (
        lambda rule, t: rule != "deadline" and t.deadline is not None,
        "日期或月份目标是时效指标，请用 deadline 规则（或省略 rule）",
        "a date or month target is a deadline: use the deadline rule (or leave rule out)",
    ),
    (
        lambda rule, t: rule == "deadline" and t.deadline is None,
        "deadline 的目标应是日期或月份，如 ≤2022年12月、9月底前",
        "a deadline target is a date or month, e.g. ≤2022年12月",
    ),
    (
        lambda rule, t: rule == "ratio" and t.op in ("<=", "<"),
        "≤ 目标越小越好，请用 reverse（反向）",
        "a ≤ target is reverse (lower is better)",
    ),
    (
        lambda rule, t: rule == "reverse" and t.op in (">=", ">"),
        "≥ 目标越大越好，请用 ratio（正向）",
        "a ≥ target is ratio (higher is better)",
    ),
    (
        lambda rule, t: rule == "ratio" and t.value == 0,
        "目标为 0 时无法计算 实际/目标；请用 met 或 reverse",
        "a target of 0 has no actual/target ratio; use met or reverse",
    ),
    (
        lambda rule, t: (
            rule in ("ratio", "reverse", "exact") and t.value is not None and t.value < 0
        ),
        "目标为负数时无法按比例计分",
        "a negative target cannot be scored by ratio",
    ),
    (
        lambda rule, t: rule == "qualitative" and t.level is None,
        "qualitative 的目标应是等级名称，如 达成",
        "a qualitative target is a level name, e.g. 达成",
    ),
)


class _Compiler:
    def __init__(
        self,
        model: IndicatorSetModel,
        doc: Document,
        lang: Lang,
        kept: dict[str, list[int]] | None = None,
    ):
        self.m = model
        self.doc = doc
        self.lang = lang
        self.issues: list[Issue] = []
        # After a partial validation, the original positions of the items that survived.
        self.partial = kept is not None
        kept = kept or {}
        self.ind_at = kept.get("indicators") or list(range(len(model.indicators)))
        self.cat_at = kept.get("categories") or list(range(len(model.categories)))
        self.inputs: dict[str, InputSpec] | None = None
        if model.inputs is not None:
            self.inputs = {
                k: InputSpec(id=k, name=v.name, unit=v.unit, type=v.type, name_en=v.name_en)
                for k, v in model.inputs.items()
            }

    # --- helpers -----------------------------------------------------------
    def add(
        self,
        code: str,
        path: Path_,
        *,
        at_key: bool = False,
        severity: str = "error",
        **params: Any,
    ) -> None:
        self._room()
        msg = message(code, self.lang, **params)
        self.issues.append(self.doc.issue(code, msg, path, key=at_key, severity=severity))  # type: ignore[arg-type]

    def _room(self) -> None:
        # Checked before a message is built, because building one (did-you-mean
        # over every declared name) is the expensive part.
        if len(self.issues) >= MAX_ISSUES:
            raise _TooManyIssues

    def formula(
        self, source: str | None, path: Path_, extra: Iterable[str] = ()
    ) -> CompiledFormula | None:
        if source is None:
            return None
        allowed = None if self.inputs is None else set(self.inputs)
        try:
            return compile_formula(source, allowed_names=allowed, extra_names=extra)
        except FormulaRejected as rejected:
            for p in rejected.problems:
                self._formula_issue(source, path, p.code, p.params, p.offset, p.length)
            return None

    def _formula_issue(
        self, source: str, path: Path_, code: str, params: dict[str, Any], offset: int, length: int
    ) -> None:
        self._room()
        lang = self.lang
        params = dict(params)
        if "what" in params:
            params["what"] = params["what"][1 if lang == "en" else 0]
        if "problem_key" in params:
            params["problem"] = syntax_words(params.pop("problem_key"), lang)
        if code in ("unknown_name", "unknown_function"):
            choices = params.pop("choices", [])
            params["hint"] = hint(params["name"], choices, lang)
        msg = message(code, lang, **params)
        pos = self.doc.locate(path)
        if pos is not None:
            line_text = self.doc.lines[pos.line] if pos.line < len(self.doc.lines) else ""
            first = source.strip().split("\n")[0]
            at = line_text.find(first, pos.column) if first else -1
            if at >= 0:
                pos = _yaml.Pos(pos.line, at + offset, pos.line, at + offset + length)
        self.issues.append(self.doc.issue(code, msg, path, pos=pos))

    def range_check(
        self, value: Decimal | None, low: Decimal, high: Decimal | None, path: Path_, key: str
    ) -> None:
        if value is None:
            return
        if value < low or (high is not None and value > high):
            self.add(
                "out_of_range",
                path,
                key=key,
                low=fmt_number(low),
                high=fmt_number(high) if high is not None else "∞",
                value=fmt_number(value),
            )

    # --- the checks ----------------------------------------------------------
    def run(self) -> IndicatorSet | None:
        try:
            return self._run()
        except _TooManyIssues:
            self.issues.append(
                Issue(
                    "too_many_issues",
                    message("too_many_issues", self.lang, limit=MAX_ISSUES),
                    file=self.doc.file,
                )
            )
            return None

    def _run(self) -> IndicatorSet | None:
        m = self.m
        self.range_check(m.full_score, Decimal("0.01"), None, ("full_score",), "full_score")
        self.range_check(Decimal(m.precision), Decimal(0), Decimal(6), ("precision",), "precision")
        self.range_check(
            m.over_achievement, Decimal(1), Decimal(100), ("over_achievement",), "over_achievement"
        )
        grades = self.grades()
        categories = self.categories()
        indicators = self.indicators(categories)
        self.weights(categories, indicators)
        checks = self.checks()
        penalties = self.penalties(grades)
        if any(i.severity == "error" for i in self.issues):
            return None
        cats = tuple(
            CompiledCategory(
                c.id,
                c.name,
                c.weight,
                tuple(i.id for i in indicators if i.category == c.id),
                name_en=c.name_en,
            )
            for c in m.categories
        )
        return build_set(
            id=m.id,
            name=m.name,
            kind=m.kind,
            full_score=m.full_score,
            precision=m.precision,
            rounding=m.rounding,
            grades=grades,
            over_achievement=m.over_achievement,
            reasons=ReasonPolicy(
                m.reasons.below_weight, m.reasons.over_achievement, m.reasons.deviation_above
            ),
            categories=cats,
            indicators=tuple(indicators),
            inputs=freeze(self.inputs) if self.inputs is not None else None,
            checks=checks,
            penalties=penalties,
            # Of the content, not the text: the same set from a file or a mapping has
            # one digest, and a comment or a reindent changes nothing.
            digest=digest_of(self.doc.data),
            file=self.doc.file,
            description=m.description,
            model=m,
        )

    def grades(self) -> tuple[Grade, ...]:
        out: list[Grade] = []
        prev: Decimal | None = None
        scale = Decimal(1)
        if "grades" not in self.m.model_fields_set:
            scale = self.m.full_score / 100  # the official bands are shares of a 100-point total
        for i, g in enumerate(self.m.grades):
            g = g.model_copy(update={"min": g.min * scale})
            path: Path_ = ("grades", i, "min")
            if prev is not None and g.min >= prev:
                self.add(
                    "grades_not_ordered",
                    path,
                    label=g.label,
                    value=fmt_number(g.min),
                    prev=fmt_number(prev),
                )
            if g.min > self.m.full_score:
                self.add(
                    "grade_above_full_score",
                    path,
                    label=g.label,
                    value=fmt_number(g.min),
                    full=fmt_number(self.m.full_score),
                )
            if g.min < 0:
                self.range_check(g.min, Decimal(0), self.m.full_score, path, "min")
            prev = g.min
            out.append(Grade(g.label, g.min, g.name_en))
        if out and out[-1].min > 0:
            self.add(
                "grades_no_zero",
                ("grades", len(out) - 1, "min"),
                severity="warning",
                label=out[-1].label,
                value=fmt_number(out[-1].min),
            )
        self._unique((g.label for g in out), lambda i: ("grades", i, "label"), "grade")
        return tuple(out)

    def _unique(self, ids: Iterable[str], path_of: Any, what: str) -> None:
        seen: dict[str, int] = {}
        for i, ident in enumerate(ids):
            if ident in seen:
                first = self.doc.locate(path_of(seen[ident]))
                where = (
                    f"第 {first.line + 1} 行"
                    if first and self.lang != "en"
                    else (f"line {first.line + 1}" if first else "?")
                )
                word = what if self.lang == "en" else _WHAT_ZH.get(what, what)
                self.add("duplicate_id", path_of(i), id=ident, first=where, what=word)
            else:
                seen[ident] = i

    def categories(self) -> dict[str, Any]:
        cats: dict[str, Any] = {}
        for i, c in enumerate(self.m.categories):
            self.range_check(
                c.weight, Decimal(0), None, ("categories", self.cat_at[i], "weight"), "weight"
            )
            cats.setdefault(c.id, c)
        self._unique(
            (c.id for c in self.m.categories),
            lambda i: ("categories", self.cat_at[i], "id"),
            "category",
        )
        return cats

    def indicators(self, categories: dict[str, Any]) -> list[CompiledIndicator]:
        out: list[CompiledIndicator] = []
        self._unique(
            (ind.id for ind in self.m.indicators),
            lambda i: ("indicators", self.ind_at[i], "id"),
            "indicator",
        )
        by_name = {c.name: cid for cid, c in categories.items()}
        for i, ind in enumerate(self.m.indicators):
            compiled = self.indicator(i, ind, categories, by_name)
            if compiled is not None:
                out.append(compiled)
        return out

    def indicator(
        self, i: int, ind: Indicator, categories: dict[str, Any], by_name: dict[str, str]
    ) -> CompiledIndicator | None:
        base: Path_ = ("indicators", self.ind_at[i])
        ok = True
        if ind.category not in categories:
            ok = False
            if ind.category in by_name:
                h = hint(by_name[ind.category], [by_name[ind.category]], self.lang)
            else:
                h = hint(ind.category, list(categories), self.lang)
            self.add("unknown_category", (*base, "category"), value=ind.category, hint=h)
        self.range_check(ind.weight, Decimal(0), None, (*base, "weight"), "weight")

        levels = self.levels(ind, base)
        target = self.target(ind, base, levels)
        rule = ind.rule or self.infer_rule(ind, target)
        if rule is None:
            if ind.target is None:
                self.add("missing_target", (*base,), rule="?")
            return None
        ok &= self.parameters(ind, rule, base)
        ok &= self.rule_fits(ind, rule, target, base)

        row_names = set(SCORE_NAMES)
        actual = self.formula(ind.actual, (*base, "actual"))
        if actual is not None and target is not None and target.percent and actual.scales_by_100:
            # 97.79 against ">= 100%" (= 1) would read as 9779%: full marks for half the work.
            self.add(
                "percent_times_100", (*base, "actual"), formula=actual.source, target=target.text
            )
        # With inputs: declared, an indicator without actual: still reads the value
        # named like its id (its name and unit are the indicator's own); only
        # formulas are held to the declared names.
        if (
            ind.actual is None
            and self.inputs is not None
            and ind.id in self.inputs
            and target is not None
        ):
            self.unit_check(target, self.inputs[ind.id], (*base, "target"))
        if (
            ind.actual is not None
            and actual is not None
            and isinstance(actual.tree, ast.Name)
            and self.inputs
            and target
        ):
            spec = self.inputs.get(actual.tree.id)
            if spec is not None:
                self.unit_check(target, spec, (*base, "target"))

        applies = self.formula(ind.applies, (*base, "applies"))
        reason = self.formula(
            ind.reason_required, (*base, "reason_required"), [*row_names, "score"]
        )
        self.range_check(
            ind.over_achievement,
            Decimal(1),
            Decimal(100),
            (*base, "over_achievement"),
            "over_achievement",
        )
        self.range_check(
            ind.zero_below, Decimal(0), Decimal(1), (*base, "zero_below"), "zero_below"
        )
        self.range_check(ind.zero_above, Decimal(1), None, (*base, "zero_above"), "zero_above")
        self.range_check(ind.tolerance, Decimal(0), None, (*base, "tolerance"), "tolerance")
        self.range_check(ind.per, Decimal(0), None, (*base, "per"), "per")
        self.range_check(
            ind.late_per_month, Decimal(0), None, (*base, "late_per_month"), "late_per_month"
        )
        count = self.formula(ind.count, (*base, "count"), row_names)
        score = self.formula(ind.score, (*base, "score"), row_names)
        bands = self.bands(ind, base, row_names) if rule == "bands" else ()
        items = self.items(ind, base) if rule == "checklist" else ()
        self.template(ind, base)
        if not ok:
            return None
        return CompiledIndicator(
            id=ind.id,
            name=ind.name,
            category=ind.category,
            weight=ind.weight,
            rule=rule,
            group=ind.group,
            target=target,
            actual=actual,
            applies=applies,
            explain=ind.explain,
            over_achievement=ind.over_achievement or self.m.over_achievement,
            reason_required=reason,
            core=ind.core,
            zero_below=ind.zero_below,
            zero_above=ind.zero_above,
            tolerance=ind.tolerance,
            levels=levels,
            bands=bands,
            per=ind.per,
            count=count,
            items=items,
            score=score,
            late_per_month=ind.late_per_month,
            name_en=ind.name_en,
            group_en=ind.group_en,
        )

    def levels(self, ind: Indicator, base: Path_) -> tuple[LevelSpec, ...]:
        levels = DEFAULT_LEVELS if ind.levels is None else self.declared_levels(ind, base)
        return self.with_aliases(ind, levels, base) if ind.aliases else levels

    def with_aliases(
        self, ind: Indicator, levels: tuple[LevelSpec, ...], base: Path_
    ) -> tuple[LevelSpec, ...]:
        """``aliases: {达成: [顺利完成]}`` adds words to the levels without redeclaring them."""
        assert ind.aliases is not None
        labels = [lv.label for lv in levels]
        taken = {n for lv in levels for n in (lv.label, *lv.aliases)}
        extra: dict[str, list[str]] = {}
        for label, words in ind.aliases.items():
            path: Path_ = (*base, "aliases", label)
            if label not in labels:
                self.add("unknown_level", path, value=label, hint=hint(label, labels, self.lang))
                continue
            for word in words:
                key = level_key(word)
                if key in taken:
                    self.add("duplicate_level", path, label=word)
                taken.add(key)
                extra.setdefault(label, []).append(key)
        return tuple(
            LevelSpec(
                lv.label, lv.low, lv.high, (*lv.aliases, *extra.get(lv.label, ())), lv.name_en
            )
            for lv in levels
        )

    def declared_levels(self, ind: Indicator, base: Path_) -> tuple[LevelSpec, ...]:
        assert ind.levels is not None
        out: list[LevelSpec] = []
        for j, lv in enumerate(ind.levels):
            path: Path_ = (*base, "levels", j, "range")
            if len(lv.range) != 2:
                self.add("list_length", path, key="range", expected=2, found=len(lv.range))
                continue
            low, high = lv.range
            if not (0 <= low <= high <= 1):
                self.add(
                    "level_range_invalid",
                    path,
                    label=lv.label,
                    low=fmt_number(low),
                    high=fmt_number(high),
                )
                continue
            out.append(LevelSpec(lv.label, low, high, tuple(lv.aliases), lv.name_en))
        for a in range(len(out)):
            for b in range(a + 1, len(out)):
                x, y = out[a], out[b]
                if max(x.low, y.low) < min(x.high, y.high):
                    j = next(k for k, lv in enumerate(ind.levels) if lv.label == y.label)
                    self.add(
                        "levels_overlap",
                        (*base, "levels", j, "range"),
                        a=x.label,
                        a_low=fmt_number(x.low),
                        a_high=fmt_number(x.high),
                        b=y.label,
                        b_low=fmt_number(y.low),
                        b_high=fmt_number(y.high),
                    )
        seen: set[str] = set()
        for j, lv in enumerate(ind.levels):
            for name in (lv.label, *lv.aliases):
                if name in seen:
                    self.add("duplicate_level", (*base, "levels", j), label=name)
                seen.add(name)
        return tuple(out)

    def target(self, ind: Indicator, base: Path_, levels: tuple[LevelSpec, ...]) -> Target | None:
        raw = ind.target
        path: Path_ = (*base, "target")
        if raw is None:
            return None
        if not isinstance(raw, str):
            op = {"≥": ">=", "≤": "<=", "＝": "="}.get(raw.op, raw.op)
            pct = raw.unit == "%"
            value = raw.value / 100 if pct else raw.value
            text = f"{raw.op} {fmt_number(raw.value)}{'%' if pct else (' ' + raw.unit if raw.unit else '')}"
            return Target(
                text=text, op=op, value=value, percent=pct, unit=None if pct else raw.unit
            )
        parsed = parse_target(raw)
        if parsed is not None:
            return parsed
        declared = ind.levels if ind.levels is not None else levels
        names = {n: lv.label for lv in declared for n in (lv.label, *lv.aliases)}
        if level_key(raw) in names:
            return Target(text=raw, level=names[level_key(raw)])
        looks_numeric = any(ch.isdigit() for ch in raw) or any(ch in raw for ch in "<>=≥≤＝")
        if ind.rule == "qualitative" or (ind.levels is not None and not looks_numeric):
            labels = [lv.label for lv in declared]
            self.add("unknown_level", path, value=raw, hint=hint(raw, labels, self.lang))
        elif BARE_NUMBER.match(raw):
            self.add("target_needs_operator", path, value=raw.strip())
        else:
            self.add("bad_target", path, value=raw)
        return None

    @staticmethod
    def infer_rule(ind: Indicator, target: Target | None) -> str | None:
        if target is None:
            return "qualitative" if ind.levels is not None else None
        if target.level is not None:
            return "qualitative"
        if target.deadline is not None:
            return "deadline"
        return {">=": "ratio", ">": "ratio", "<=": "reverse", "<": "reverse", "=": "exact"}[
            target.op or "="
        ]

    def parameters(self, ind: Indicator, rule: str, base: Path_) -> bool:
        ok = True
        given = ind.model_fields_set & ALL_RULE_PARAMETERS
        allowed = RULE_PARAMETERS[rule]
        for param in sorted(given - allowed, key=lambda p: list(Indicator.model_fields).index(p)):
            self.add(
                "parameter_not_for_rule",
                (*base, param),
                at_key=True,
                param=param,
                rule=rule,
                allowed=", ".join(sorted(allowed)) or ("无" if self.lang != "en" else "none"),
            )
            ok = False
        for param in REQUIRED_PARAMETERS.get(rule, ()):
            if getattr(ind, param) is None:
                self.add("missing_parameter", base, rule=rule, param=param)
                ok = False
        return ok

    def rule_fits(self, ind: Indicator, rule: str, target: Target | None, base: Path_) -> bool:
        if rule in _TARGET_RULES and ind.target is None:
            self.add("missing_target", base, rule=rule)
            return False
        if target is None:  # unreadable: already reported where it was parsed
            return rule not in _TARGET_RULES
        for applies, zh, en in _RULE_TARGET_MISFITS:
            if applies(rule, target):
                why = en if self.lang == "en" else zh
                self.add(
                    "rule_target_mismatch",
                    (*base, "target"),
                    rule=rule,
                    target=target.text,
                    why=why,
                )
                return False
        return True

    def unit_check(self, target: Target, spec: InputSpec, path: Path_) -> None:
        t, u = target.unit_key, spec.unit_key
        if target.level is None and t is not None and u is not None and t != u:
            self.add("unit_mismatch", path, target_unit=t, input=spec.id, input_unit=u)
        elif (
            target.level is None and target.percent and spec.type == "number" and spec.unit is None
        ):
            self.add("unit_mismatch", path, target_unit="%", input=spec.id, input_unit="—")

    def bands(self, ind: Indicator, base: Path_, names: set[str]) -> tuple[BandSpec, ...]:
        out: list[BandSpec] = []
        simple: list[tuple[int, str, str, Decimal, str]] = []
        bands = ind.bands or []
        for j, band in enumerate(bands):
            path: Path_ = (*base, "bands", j)
            when = self.formula(band.when, (*path, "when"), names)
            if isinstance(band.score, Decimal):
                score: Decimal | CompiledFormula | None = band.score
                if not (0 <= band.score <= ind.weight):
                    self.add(
                        "band_score_out_of_range",
                        (*path, "score"),
                        value=fmt_number(band.score),
                        weight=fmt_number(ind.weight),
                    )
            else:
                score = self.formula(band.score, (*path, "score"), names)
            if band.when is None and j != len(bands) - 1:
                self.add("catch_all_not_last", path)
            if when is not None:
                cmp = _simple_comparison(when)
                if cmp is not None:
                    simple.append((j, *cmp, band.when or ""))
            if score is not None:
                out.append(BandSpec(score=score, when=when, label=band.label))
        # A band that an earlier band on the same name and direction already covers never applies.
        for a in range(len(simple)):
            for b in range(a + 1, len(simple)):
                ja, name_a, op_a, va, text_a = simple[a]
                jb, name_b, op_b, vb, text_b = simple[b]
                if name_a != name_b:
                    continue
                shadowed = (
                    op_a in (">=", ">")
                    and op_b in (">=", ">")
                    and (vb > va or (vb == va and op_b == op_a) or (vb == va and op_b == ">"))
                ) or (
                    op_a in ("<=", "<")
                    and op_b in ("<=", "<")
                    and (vb < va or (vb == va and op_b == op_a) or (vb == va and op_b == "<"))
                )
                if shadowed:
                    self.add(
                        "bands_not_ordered",
                        (*base, "bands", jb, "when"),
                        index=jb + 1,
                        when=text_b,
                        prev=ja + 1,
                        prev_when=text_a,
                    )
        if bands and bands[-1].when is not None and bands[-1].when.strip() not in ("True", "true"):
            self.add("bands_no_catch_all", (*base, "bands", len(bands) - 1), severity="warning")
        return tuple(out)

    def items(self, ind: Indicator, base: Path_) -> tuple[ItemSpec, ...]:
        items = tuple(ItemSpec(it.label, it.points, it.id) for it in ind.items or ())
        for j, it in enumerate(items):
            self.range_check(it.points, Decimal(0), None, (*base, "items", j, "points"), "points")
        total = sum((it.points for it in items), Decimal(0))
        if total > ind.weight:
            self.add(
                "checklist_points_exceed_weight",
                (*base, "items"),
                found=fmt_number(total),
                weight=fmt_number(ind.weight),
            )
        elif total < ind.weight:
            self.add(
                "checklist_points_below_weight",
                (*base, "items"),
                severity="warning",
                found=fmt_number(total),
                weight=fmt_number(ind.weight),
            )
        self._unique((it.id or it.label for it in items), lambda j: (*base, "items", j), "item")
        return items

    def template(self, ind: Indicator, base: Path_) -> None:
        if ind.explain is None:
            return
        path: Path_ = (*base, "explain")
        zh = self.lang != "en"
        try:
            parts = list(string.Formatter().parse(ind.explain))
        except ValueError:
            self.add(
                "bad_template",
                path,
                field="",
                why="花括号不成对；要显示 { 请写 {{"
                if zh
                else "unbalanced braces; write {{ for a literal {",
            )
            return
        for _, field_name, spec, conv in parts:
            if field_name is None:
                continue
            if spec or conv or not field_name.isidentifier() or field_name.startswith("_"):
                why = (
                    "只能写 {名称}，不能带格式、下标或属性"
                    if zh
                    else "write {name} only: no format, index or attribute"
                )
                self.add("bad_template", path, field=field_name, why=why)
            elif (
                field_name not in TEMPLATE_NAMES
                and self.inputs is not None
                and field_name not in self.inputs
            ):
                choices = sorted(TEMPLATE_NAMES | set(self.inputs))
                why = hint(field_name, choices, self.lang)
                self.add("bad_template", path, field=field_name, why=why)

    def weights(self, categories: dict[str, Any], indicators: list[CompiledIndicator]) -> None:
        if self.partial:
            return  # sums over a set with unreadable rows would only mislead
        by_cat: dict[str, list[tuple[str, Decimal]]] = {}
        for ind in self.m.indicators:
            by_cat.setdefault(ind.category, []).append((ind.id, ind.weight))
        for i, c in enumerate(self.m.categories):
            members = by_cat.get(c.id, [])
            if not members and any(i.category not in categories for i in self.m.indicators):
                continue
            if not members and not any(i.category not in categories for i in self.m.indicators):
                self.add("empty_category", ("categories", self.cat_at[i]), id=c.id, name=c.name)
                continue
            found = sum((w for _, w in members), Decimal(0))
            if found != c.weight:
                self.add(
                    "weights_do_not_add_up",
                    ("categories", self.cat_at[i], "weight"),
                    id=c.id,
                    name=c.name,
                    expected=fmt_number(c.weight),
                    found=fmt_number(found),
                    detail=_detail(members),
                    diff=fmt_number(found - c.weight),
                )
        total = sum((c.weight for c in self.m.categories), Decimal(0))
        if self.m.categories and total != self.m.full_score:
            path: Path_ = (
                ("full_score",) if "full_score" in self.m.model_fields_set else ("categories",)
            )
            self.add(
                "categories_do_not_add_up",
                path,
                found=fmt_number(total),
                expected=fmt_number(self.m.full_score),
                detail=_detail([(c.id, c.weight) for c in self.m.categories]),
                diff=fmt_number(total - self.m.full_score),
            )

    def checks(self) -> tuple[CheckSpec, ...]:
        out: list[CheckSpec] = []
        for i, chk in enumerate(self.m.checks):
            self.range_check(
                chk.tolerance, Decimal(0), None, ("checks", i, "tolerance"), "tolerance"
            )
            f = self.formula(chk.assert_, ("checks", i, "assert"))
            if f is None:
                continue
            left = right = None
            op = None
            tree = f.tree
            if isinstance(tree, ast.Compare) and len(tree.ops) == 1:
                op = type(tree.ops[0]).__name__
                left = _sub(f, tree.left)
                right = _sub(f, tree.comparators[0])
            out.append(CheckSpec(chk.name, f, chk.tolerance, left, right, op))
        self._unique((c.name for c in self.m.checks), lambda i: ("checks", i, "name"), "check")
        return tuple(out)

    def penalties(self, grades: tuple[Grade, ...]) -> tuple[PenaltySpec, ...]:
        out: list[PenaltySpec] = []
        labels = [g.label for g in grades]
        for i, p in enumerate(self.m.penalties):
            path: Path_ = ("penalties", i)
            when = self.formula(p.when, (*path, "when"), ["total"])
            if p.deduct is None and p.grade is None:
                self.add("penalty_needs_effect", path, name=p.name)
            self.range_check(p.deduct, Decimal(0), self.m.full_score, (*path, "deduct"), "deduct")
            if p.grade is not None and p.grade not in labels:
                self.add(
                    "unknown_grade",
                    (*path, "grade"),
                    value=p.grade,
                    hint=hint(p.grade, labels, self.lang),
                )
            if when is not None:
                out.append(PenaltySpec(p.name, when, p.deduct, p.grade))
        return tuple(out)


def _sub(parent: CompiledFormula, node: ast.expr) -> CompiledFormula:
    names = frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return CompiledFormula(
        source=ast.unparse(node),
        tree=node,
        names=names & parent.names | names,
        functions=parent.functions,
    )


def _simple_comparison(f: CompiledFormula) -> tuple[str, str, Decimal] | None:
    t = f.tree
    if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.left, ast.Name):
        right = t.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(right.value, Decimal):
            op = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<"}.get(type(t.ops[0]))
            if op:
                return t.left.id, op, right.value
    return None


def _detail(members: list[tuple[str, Decimal]]) -> str:
    shown = " + ".join(f"{i} {fmt_number(w)}" for i, w in members[:8])
    return shown + (" + …" if len(members) > 8 else "")


SHIPPED = Path(__file__).parent / "sets"


def shipped_sets() -> list[str]:
    """The ids of the indicator sets that come with kpiscore."""
    return sorted(p.stem for p in SHIPPED.glob("*.yaml"))


def _resolve(source: str | Path, lang: Lang) -> Path:
    """A path, or a shipped set's id (a name with no folder and no suffix) for its file.

    A string is never taken for YAML text here (that is ``loads``); a file in the
    working folder named like a shipped id is not used silently in its place.
    """
    if isinstance(source, Path) or not _yaml.SHIPPED_ID.match(source):
        if isinstance(source, str) and ("\n" in source or "\r" in source):
            raise _refused("looks_like_text", lang)
        return Path(source)
    shipped = SHIPPED / f"{source}.yaml"
    if shipped.is_file():
        if Path(source).exists():
            raise _refused("ambiguous_set", lang, file=source, name=source)
        return shipped
    if Path(source).exists():
        return Path(source)
    tip = hint(source, shipped_sets(), lang)
    sep = ". " if lang == "en" else "。"
    msg = message("file_not_found", lang, file=source) + (sep + tip if tip else "")
    raise _yaml.YamlRefused([Issue("file_not_found", msg, file=source)])


def _refused(code: str, lang: Lang, **params: str) -> _yaml.YamlRefused:
    return _yaml.YamlRefused([Issue(code, message(code, lang, **params))])


def compile_source(
    source: str | Path | Mapping[str, Any], lang: Lang = "zh"
) -> tuple[IndicatorSet | None, list[Issue]]:
    """Read, validate and compile; return the set (None on errors) and every issue.

    ``source`` is a path, the id of a shipped set (``mof-project-2020``), or a
    mapping shaped like the YAML. Text goes through ``compile_text``.
    """
    if isinstance(source, Mapping):
        return compile_mapping(source, lang)
    try:
        text, name = _yaml.read_source(_resolve(source, lang), lang)
    except _yaml.YamlRefused as refused:
        return None, list(refused.issues)
    return compile_text(text, lang, name)


def compile_mapping(
    mapping: Mapping[str, Any], lang: Lang = "zh"
) -> tuple[IndicatorSet | None, list[Issue]]:
    """A set built in code: checked exactly like a file, problems named by key path."""
    try:
        data = _plain(mapping)
    except (TypeError, ValueError, RecursionError):
        return None, [_refused("not_a_mapping_value", lang).issues[0]]
    return compile_document(_yaml.Document(data=data, file=None, text=""), [], lang)


def _plain(x: Any, depth: int = 0) -> Any:
    """Python values as the YAML reader would give them: exact Decimals, str keys."""
    if depth > _yaml.MAX_DEPTH:
        raise ValueError("too deep")
    if isinstance(x, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v, depth + 1) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (str, Decimal)):
        return x
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(x))  # 0.1 is 0.1, as written, not its binary neighbour
    raise TypeError(type(x).__name__)


def compile_text(
    text: str, lang: Lang = "zh", name: str | None = None
) -> tuple[IndicatorSet | None, list[Issue]]:
    try:
        text, _ = _yaml.read_source(text if "\n" in text else text + "\n", lang)
        doc, issues = _yaml.parse(text, name, lang)
    except _yaml.YamlRefused as refused:
        return None, list(refused.issues)
    return compile_document(doc, issues, lang)


def compile_document(
    doc: _yaml.Document, issues: list[Issue], lang: Lang
) -> tuple[IndicatorSet | None, list[Issue]]:
    name = doc.file
    if doc.data is None:
        return None, [*issues, Issue("empty_file", message("empty_file", lang), file=name)]
    if not isinstance(doc.data, dict):
        from ._issues import describe

        return None, [
            *issues,
            doc.issue(
                "not_a_mapping", message("not_a_mapping", lang, found=describe(doc.data, lang)), ()
            ),
        ]
    kind = _other_kind(doc.data)
    if kind is not None:
        return None, [*issues, doc.issue(kind, message(kind, lang), ())]
    kept: dict[str, list[int]] | None = None
    try:
        model = IndicatorSetModel.model_validate(doc.data)
    except ValidationError as exc:
        issues += from_validation_error(exc, doc, IndicatorSetModel, lang)
        partial = _partial(doc.data, exc)
        if partial is None:
            return None, issues
        model, kept = partial
    compiler = _Compiler(model, doc, lang, kept)
    compiled = compiler.run()
    all_issues = issues + compiler.issues
    if any(i.severity == "error" for i in all_issues):
        return None, all_issues
    return compiled, all_issues


def _other_kind(data: dict[str, Any]) -> str | None:
    """A data or case file given where a set belongs (arguments swapped, wrong file)."""
    if "kpiscore" in data or "indicators" in data or "categories" in data:
        return None
    if "cases" in data:
        return "looks_like_cases"
    if {"values", "claimed", "manual", "subject"} & set(data):
        return "looks_like_data"
    return None


def load(source: str | Path | Mapping[str, Any], lang: Lang = "zh") -> IndicatorSet:
    return _raise_or(compile_source(source, lang))


def loads(text: str, lang: Lang = "zh") -> IndicatorSet:
    return _raise_or(compile_text(text, lang))


def loads_named(text: str, lang: Lang, name: str | None) -> IndicatorSet:
    """A set from a file's text already read (``read_source``), named by its file."""
    return _raise_or(compile_text(text, lang, name))


def _raise_or(outcome: tuple[IndicatorSet | None, list[Issue]]) -> IndicatorSet:
    compiled, issues = outcome
    if compiled is None or any(i.severity == "error" for i in issues):
        raise ConfigError(issues)
    return compiled


_PLACEHOLDERS: dict[str, Any] = {"kpiscore": Decimal(1), "id": "x", "name": "x"}
_ITEM_LISTS = ("indicators", "categories")


def _partial(
    data: dict[str, Any], exc: ValidationError
) -> tuple[IndicatorSetModel, dict[str, list[int]]] | None:
    """Drop what failed validation so the whole-set checks can still report on the rest."""
    repaired = dict(data)
    bad: dict[str, set[int]] = {k: set() for k in _ITEM_LISTS}
    for err in exc.errors():
        loc = err["loc"]
        if not loc:
            return None
        key = loc[0]
        if key in _ITEM_LISTS and len(loc) > 1 and isinstance(loc[1], int):
            bad[str(key)].add(loc[1])
        elif key in _PLACEHOLDERS:
            repaired[str(key)] = _PLACEHOLDERS[str(key)]
        elif key in _ITEM_LISTS:
            return None
        else:
            repaired.pop(str(key), None)
    kept: dict[str, list[int]] = {}
    for key in _ITEM_LISTS:
        items = data.get(key)
        if isinstance(items, list):
            kept[key] = [i for i in range(len(items)) if i not in bad[key]]
            repaired[key] = [items[i] for i in kept[key]]
    try:
        return IndicatorSetModel.model_validate(repaired), kept
    except ValidationError:
        return None
