"""One indicator of the model → a CompiledIndicator: its target, rule, parameters,
formulas, levels, bands, checklist items and explanation template, each checked.

A rule that does not fit its target (a ≤ target under ratio, a date under ratio)
is named with the rule that does; nothing is guessed but the rule a target's form
implies when none is written.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ._compile_checks import Checker
from ._format import ALL_RULE_PARAMETERS, REQUIRED_PARAMETERS, RULE_PARAMETERS
from ._formula import CompiledFormula
from ._messages import hint
from ._numbers import fmt_number
from ._records import Indicator
from ._yaml import Path_
from .compiled import (
    BARE_NUMBER,
    DEFAULT_LEVELS,
    BandSpec,
    CompiledIndicator,
    InputSpec,
    ItemSpec,
    LevelSpec,
    Target,
    level_key,
    parse_target,
)

SCORE_NAMES = ("actual", "target", "weight", "completion")
TEMPLATE_NAMES = frozenset(
    {"actual", "target", "score", "weight", "completion", "name", "id", "unit"}
)


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


# Each numeric parameter of an indicator: (its key, the least and most it can be).
_RANGES: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    ("over_achievement", Decimal(1), Decimal(100)),
    ("zero_below", Decimal(0), Decimal(1)),
    ("zero_above", Decimal(1), None),
    ("tolerance", Decimal(0), None),
    ("per", Decimal(0), None),
    ("late_per_month", Decimal(0), None),
)


class IndicatorCompiler(Checker):
    """Compiles and checks the set's indicators one at a time."""

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
        actual = self.actual(ind, base, target)
        applies = self.formula(ind.applies, (*base, "applies"))
        reason = self.formula(
            ind.reason_required, (*base, "reason_required"), [*row_names, "score"]
        )
        self.ranges(ind, base)
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

    def actual(self, ind: Indicator, base: Path_, target: Target | None) -> CompiledFormula | None:
        """The ``actual:`` formula, held to the target's scale and the inputs' units."""
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
        return actual

    def ranges(self, ind: Indicator, base: Path_) -> None:
        """Each numeric parameter within what it can mean."""
        for key, low, high in _RANGES:
            self.range_check(getattr(ind, key), low, high, (*base, key), key)

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
        given = ind.written & ALL_RULE_PARAMETERS
        allowed = RULE_PARAMETERS[rule]
        for param in sorted(given - allowed, key=Indicator.names().index):
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


def _simple_comparison(f: CompiledFormula) -> tuple[str, str, Decimal] | None:
    t = f.tree
    if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.left, ast.Name):
        right = t.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(right.value, Decimal):
            op = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<"}.get(type(t.ops[0]))
            if op:
                return t.left.id, op, right.value
    return None
