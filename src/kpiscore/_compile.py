"""Model → compiled set: every whole-set check runs here, once, at load.

Each check adds issues instead of raising, so an officer sees every problem
in one pass. The compiled set is built only when no error was found.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _yaml
from ._compile_checks import MAX_ISSUES, TooManyIssues
from ._compile_indicator import IndicatorCompiler
from ._data import digest_of
from ._formula import CompiledFormula
from ._messages import Lang, hint, message
from ._numbers import decimal_places, fmt_number
from ._records import IndicatorSetModel, from_model, read
from ._yaml import Path_
from .compiled import (
    CheckSpec,
    CompiledCategory,
    CompiledIndicator,
    Grade,
    IndicatorSet,
    PenaltySpec,
    ReasonPolicy,
    build_set,
    freeze,
)
from .errors import ConfigError, Issue

if TYPE_CHECKING:
    from pydantic import ValidationError


class _Compiler(IndicatorCompiler):
    """The whole set: grades, categories, indicators, weights, checks and penalties."""

    # --- the checks ----------------------------------------------------------
    def run(self) -> IndicatorSet | None:
        try:
            return self._run()
        except TooManyIssues:
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
        self.weight_places()
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
        if "grades" not in self.m.written:
            scale = self.m.full_score / 100  # the official bands are shares of a 100-point total
        for i, g in enumerate(self.m.grades):
            low = g.min * scale
            path: Path_ = ("grades", i, "min")
            if prev is not None and low >= prev:
                self.add(
                    "grades_not_ordered",
                    path,
                    label=g.label,
                    value=fmt_number(low),
                    prev=fmt_number(prev),
                )
            if low > self.m.full_score:
                self.add(
                    "grade_above_full_score",
                    path,
                    label=g.label,
                    value=fmt_number(low),
                    full=fmt_number(self.m.full_score),
                )
            if low < 0:
                self.range_check(low, Decimal(0), self.m.full_score, path, "min")
            prev = low
            out.append(Grade(g.label, low, g.name_en))
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
            path: Path_ = ("full_score",) if "full_score" in self.m.written else ("categories",)
            self.add(
                "categories_do_not_add_up",
                path,
                found=fmt_number(total),
                expected=fmt_number(self.m.full_score),
                detail=_detail([(c.id, c.weight) for c in self.m.categories]),
                diff=fmt_number(total - self.m.full_score),
            )

    def weight_places(self) -> None:
        """A weight with more decimal places than the set keeps would let a full score
        round above it (weight 0.5 at precision 0 scores 1) and the total above the
        full score: refused, not silently over-counted."""
        for i, ind in enumerate(self.m.indicators):
            path = ("indicators", self.ind_at[i], "weight")
            self.places_kept(
                ind.weight,
                "weight_finer_than_precision",
                path,
                id=ind.id,
                name=ind.name,
                weight=fmt_number(ind.weight),
            )

    def places_kept(self, amount: Decimal | None, code: str, path: Path_, **params: Any) -> None:
        """An amount the set's precision cannot hold (a weight, a deduction): named
        with the places it has and the precision it would need."""
        precision = self.m.precision
        places = decimal_places(amount)
        if places > precision and 0 <= precision <= 6:  # else precision is named already
            self.add(code, path, places=places, precision=precision, **params)

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
            self.places_kept(
                p.deduct,
                "deduct_finer_than_precision",
                (*path, "deduct"),
                name=p.name,
                deduct=fmt_number(p.deduct or Decimal(0)),
            )
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
        data = _plain(mapping, ())
    except _Unplain as bad:
        if not bad.found:  # nested deeper than any set file may be
            return None, [
                Issue("too_deep", message("too_deep", lang, limit=_yaml.MAX_DEPTH), path=bad.path)
            ]
        said = message("not_a_mapping_value", lang, found=bad.found)
        return None, [Issue("not_a_mapping_value", said, path=bad.path)]
    except RecursionError:
        return None, [Issue("too_deep", message("too_deep", lang, limit=_yaml.MAX_DEPTH))]
    return compile_document(_yaml.Document(data=data, file=None, text=""), [], lang)


class _Unplain(Exception):
    """A value in a set built in code that no YAML file could hold, and where it is."""

    def __init__(self, path: Path_, found: str) -> None:
        super().__init__(found)
        self.path, self.found = path, found


def _plain(x: Any, path: Path_) -> Any:
    """Python values as the YAML reader would give them: exact Decimals, str keys.
    A numpy scalar (a DataFrame's cell) is taken as the Python value it holds."""
    if len(path) > _yaml.MAX_DEPTH:
        raise _Unplain(path, "")
    if isinstance(x, Mapping):
        return {str(k): _plain(v, (*path, str(k))) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v, (*path, i)) for i, v in enumerate(x)]
    if type(x).__module__ == "numpy" and callable(getattr(x, "item", None)):
        try:
            held = x.item()  # an array of more than one value has no single one
        except (TypeError, ValueError):
            held = x
        if type(held).__module__ != "numpy":
            return _plain(held, path)
    if isinstance(x, bool) or x is None or isinstance(x, (str, Decimal)):
        return x
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(float(x)))  # 0.1 is 0.1, as written, not its binary neighbour
    raise _Unplain(path, type(x).__name__)


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
        from ._messages import describe

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
    model = read(doc.data)
    if model is None:
        model, kept, reported = _validated(doc, lang)
        issues += reported
        if model is None:
            return None, issues
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


def _validated(
    doc: _yaml.Document, lang: Lang
) -> tuple[IndicatorSetModel | None, dict[str, list[int]] | None, list[Issue]]:
    """A set the plain reader would not read, through the pydantic models: their
    records, or what is wrong and the records of what can still be checked."""
    from pydantic import ValidationError

    from ._issues import from_validation_error
    from .model import IndicatorSetModel as Model

    try:
        model = Model.model_validate(doc.data)
    except ValidationError as exc:
        reported = from_validation_error(exc, doc, Model, lang)
        partial = _partial(doc.data, exc)
        if partial is None:
            return None, None, reported
        return partial[0], partial[1], reported
    return from_model(model), None, []


_PLACEHOLDERS: dict[str, Any] = {"kpiscore": Decimal(1), "id": "x", "name": "x"}
_ITEM_LISTS = ("indicators", "categories")


def _partial(
    data: dict[str, Any], exc: ValidationError
) -> tuple[IndicatorSetModel, dict[str, list[int]]] | None:
    """Drop what failed validation so the whole-set checks can still report on the rest."""
    from pydantic import ValidationError

    from .model import IndicatorSetModel as Model

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
        return from_model(Model.model_validate(repaired)), kept
    except ValidationError:
        return None
