"""The one place an indicator's steps become words, in Chinese or English.

Rules record ``Step``s; this module holds every sentence fragment an
explanation is made of, keyed by the step's kind. A fragment starts with
the punctuation that joins it to the one before; the first fragment of an
explanation drops it. Field specs say how a value is shown:

    num   a plain number (trailing zeros dropped)      pct   a fraction as a percent
    n     an intermediate result (≈ to 4 places)       show  with the indicator's unit / %
    f     a formula with each name's label and value   cond  a band's condition
    word  a small bilingual word by key                items checklist items with points
"""

from __future__ import annotations

import functools
import operator
import string
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple, cast

from ._codegen import code_of
from ._formula import CompiledFormula, pieces
from ._messages import Lang, Message, message
from ._numbers import fixed_text, fmt_number, fmt_percent, fmt_value
from ._steps import FormulaUse, Step
from .compiled import CompiledIndicator, IndicatorSet, shown_name

# kind: (zh, en)
TEMPLATES: dict[str, tuple[str, str]] = {
    # what was read
    "actual_formula": ("，{formula:f} = {value:show}", ", {formula:f} = {value:show}"),
    "actual_value": ("，实际值 {actual:show}", ", actual {actual:show}"),
    "restated": ("（原文“{raw}”，按数字读取）", " (written '{raw}', read as the number)"),
    # ratio / reverse / exact / met
    "ratio_head": (
        "，目标 {target}，完成率 {completion:pct}",
        ", target {target}, completion {completion:pct}",
    ),
    "reverse_head": (
        "，目标 {target}（越低越好），实际 {actual:show}",
        ", target {target} (lower is better), actual {actual:show}",
    ),
    "target_actual": (
        "，目标 {target}，实际 {actual:show}",
        ", target {target}, actual {actual:show}",
    ),
    "zero_below": (
        "，低于 {limit:pct}，按规则得 0 分",
        ", below {limit:pct}: scores 0 by rule",
    ),
    "zero_above": (
        "，超过目标的 {limit:pct}，按规则得 0 分",
        ", above {limit:pct} of the target: scores 0 by rule",
    ),
    "full_capped": (
        "，已达成，得满分 {weight:num}（不超过分值）",
        ", met: full weight {weight:num} (never above the weight)",
    ),
    "full": ("，已达成，得满分 {weight:num}", ", met: full weight {weight:num}"),
    "full_zero_actual": (
        "，实际为 0，视为达成，得满分 {weight:num}",
        ", actual 0 counts as met: full weight {weight:num}",
    ),
    "equal": ("，相等，得满分 {weight:num}", ", equal: full weight {weight:num}"),
    "within": (
        "，相差 {diff:num}，在容差 {tolerance:num} 以内，得满分 {weight:num}",
        ", off by {diff:num}, within tolerance {tolerance:num}: full weight {weight:num}",
    ),
    "scaled": (
        "，{state:word}，按 {rule:word} × 分值 = {num:show} ÷ {den:show} × {weight:num} = {exact:n}",
        ", {state:word}: {rule:word} × weight = {num:show} ÷ {den:show} × {weight:num} = {exact:n}",
    ),
    "below_zero": ("，低于 0，按 {score:n} 计", ", below 0: counts as {score:n}"),
    "within_tolerance": (
        "，在容差 {tolerance:num} 以内",
        ", within tolerance {tolerance:num}",
    ),
    "met": ("，达成，得满分 {weight:num}", ", met: full weight {weight:num}"),
    "not_met": ("，未达成，得 0 分", ", not met: 0"),
    "zero_not_zero": (
        "，目标为 0 而实际不为 0，得 0 分",
        ", the target is 0 and the actual is not: 0",
    ),
    # qualitative
    "level": (
        "，目标 {target_level}，实际等级“{level}”",
        ", target {target_level_en}, level '{level_en}'",
    ),
    "level_written": ("（原文“{written}”）", " (written '{written}')"),
    "level_range": (
        "（得分比例 [{low:pct}, {high:pct}]）",
        " (range [{low:pct}, {high:pct}])",
    ),
    "level_rate": (
        "，{how:word} {rate:pct}，{rate:pct} × {weight:num} = {score:n}",
        ", {how:word} {rate:pct}, {rate:pct} × {weight:num} = {score:n}",
    ),
    "judged": (
        "，单位自评 {claimed:num} 分，在 {level} 档 [{low:num}, {high:num}] 内，采用",
        ", the unit's own score {claimed:num} lies in the {level_en} band [{low:num}, {high:num}]: used",
    ),
    # deadline
    "deadline": ("，目标 {target}（{due}）", ", target {target_en} ({due})"),
    "done_word": (
        "，实际“{shown}”，按期完成，得满分 {weight:num}",
        ", actual '{shown}': on time, full weight {weight:num}",
    ),
    "late_word": (
        "，实际“{shown}”，未按期完成且晚了多久不明，得 0 分",
        ", actual '{shown}': late by an unknown time, 0",
    ),
    "done_on": ("，实际 {shown}（{day}）", ", actual {shown} ({day})"),
    "on_time": ("，按期完成，得满分 {weight:num}", ": on time, full weight {weight:num}"),
    "late": ("，晚 {months} 个月，未按期完成，得 0 分", ": {months} month(s) late, 0"),
    "late_per_month": (
        "，晚 {months} 个月（开始的月份即算一个月），每月扣 {per:num} 分："
        "{weight:num} − {per:num} × {months} = {score:n}",
        ": {months} month(s) late (each started month counts), {per:num} per month: "
        "{weight:num} − {per:num} × {months} = {score:n}",
    ),
    "floored": ("，扣完为止", ", not below 0"),
    # formulas, bands, deductions, checklists, manual scores
    "band": (
        "，第 {k} 档（{when:cond}）成立，得 {score:num}",
        ", band {k} ({when:cond}) holds: {score:num}",
    ),
    "band_formula": (
        "，第 {k} 档（{when:cond}）成立，得 {formula:f} = {value:n}",
        ", band {k} ({when:cond}) holds: {formula:f} = {value:n}",
    ),
    "no_band": ("，没有任何一档成立，得 0 分", ", no band holds: 0"),
    "clamped": (
        "（超出 [0, {weight:num}]，按 {score:num} 计）",
        " (outside [0, {weight:num}], taken as {score:num})",
    ),
    "deduct": (
        "，扣分单位 {count:f} = {units:n}，扣 {per:num} × {counted:n} = {lost:n}，"
        "{weight:num} − {lost:n} = {score:n}",
        ", units {count:f} = {units:n}, deduct {per:num} × {counted:n} = {lost:n}, "
        "{weight:num} − {lost:n} = {score:n}",
    ),
    "checklist": (
        "，满足：{chosen:items}；未满足：{missed:items}；合计 {score:n}",
        ", satisfied: {chosen:items}; not: {missed:items}; total {score:n}",
    ),
    "manual": ("，人工评分 {score:num}，理由：{why}", ", manual score {score:num}, because: {why}"),
    "formula": ("，按公式 {formula:f} = {value:n}", ", formula {formula:f} = {value:n}"),
    # after the rule
    "rounded": (
        "，四舍五入保留 {places} 位得 {score} 分",
        ", rounded half-up to {places} places: {score}",
    ),
    "score": ("，本项得分 {score}", "; score {score}"),
    "over_achievement": (
        "；完成程度 {performance:pct} 超过 {limit:pct}，请核实目标是否偏低（不扣分）",
        "; performance {performance:pct} is above {limit:pct}: check whether the target "
        "was set too low (no deduction)",
    ),
    "custom": ("{text}", "{text}"),
    "reason_owed": ("；需说明偏差原因", "; a reason for deviation is owed"),
    "reason_given": ("（已填写：{reason}）", " (given: {reason})"),
    "reason_not_given": ("（未填写）", " (not given)"),
    # no score
    "problem": ("{why}，按 0 分计（满分 {weight:num}）", "{why}; scored 0 (weight {weight:num})"),
    "na_data": (
        "不适用（数据标为 n/a），分值 {weight:num} 不计入，总分按百分制折算",
        "not applicable (marked n/a in the data); its weight {weight:num} is dropped and "
        "the total rescaled",
    ),
    "na_name": (
        "不适用（{name} 标为 n/a），分值 {weight:num} 不计入，总分按百分制折算",
        "not applicable ({name} is n/a); its weight {weight:num} is dropped and the total rescaled",
    ),
    "na_manual": (
        "不适用（人工评分标为 n/a），分值 {weight:num} 不计入，总分按百分制折算",
        "not applicable (manual score marked n/a); its weight {weight:num} is dropped and "
        "the total rescaled",
    ),
    "na_condition": (
        "不适用（适用条件 {condition:f} 不成立），分值 {weight:num} 不计入，总分按百分制折算",
        "not applicable (condition {condition:f} is false); its weight {weight:num} is "
        "dropped and the total rescaled",
    ),
}

# Small words a fragment picks by key.
WORDS: dict[str, tuple[str, str]] = {
    "not_met": ("未达成", "not met"),
    "below_target": ("低于目标", "below target"),
    "above_target": ("高于目标", "above target"),
    "actual/target": ("实际/目标", "actual/target"),
    "target/actual": ("目标/实际", "target/actual"),
    "given_rate": ("给定比例", "given rate"),
    "top_of_range": ("未给比例，取区间上限", "no rate given: top of the range"),
    "otherwise": ("其他情况", "otherwise"),
}

BUILTIN_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "actual": "实际值",
        "target": "目标值",
        "weight": "分值",
        "completion": "完成率",
        "score": "得分",
        "total": "总分",
    },
    "en": {
        "actual": "actual",
        "target": "target",
        "weight": "weight",
        "completion": "completion",
        "score": "score",
        "total": "total",
    },
}

_LEADS = ("，", ", ")


Spec = tuple[bool, "str | None"]
"""How a number is shown: (as a percent, its unit)."""


class IndicatorKey(NamedTuple):
    """An indicator as a vocabulary knows it: by id (an unpickled result has no set)."""

    id: str


class Words:
    """How one set's numbers and names are shown in one language: made once per
    (set, language), shared by every row's explanations."""

    def __init__(self, iset: IndicatorSet | None, lang: Lang):
        self.iset = iset  # None in a vocabulary(): everything it words is already here
        self.lang = lang
        self.en = lang == "en"
        self._show_specs: dict[str, Spec] = {}
        self._shows: dict[str, Callable[[Decimal], str]] = {}
        self._name_specs: dict[str, Spec] = {}
        self._names: dict[str, Callable[[Decimal], str]] = {}
        self._labels: dict[str, str] = {}
        self._targets: dict[str, str] = {}
        self._reason_missing: dict[str, Message] = {}
        self._sentences: dict[tuple[str, ...], Sentence] = {}
        self._own: dict[tuple[str, tuple[str, ...]], OwnSentence] = {}
        self._fixed: dict[str, dict[str, Any]] = {}
        self._formulas: dict[CompiledFormula, tuple[str | _Named, ...]] = {}
        # Results' JSON text around their values, per (indent, steps, row?, categories).
        self.json_templates: dict[tuple[Any, ...], Any] = {}
        for name, spec in ((iset.inputs if iset is not None else None) or {}).items():
            self._name(name, (spec.type == "percent", spec.unit))

    def _name(self, name: str, spec: Spec) -> None:
        self._name_specs[name] = spec
        self._names[name] = _shower(*spec)

    # --- numbers with their units -------------------------------------------
    def show_for(self, ind: CompiledIndicator | IndicatorKey) -> Callable[[Decimal], str]:
        """An indicator's actual as its target (or its declared input) shows it."""
        found = self._shows.get(ind.id)
        if found is None:
            spec = self._show_specs[ind.id] = self._show_spec(ind)
            found = self._shows[ind.id] = _shower(*spec)
        return found

    def _show_spec(self, ind: CompiledIndicator | IndicatorKey) -> Spec:
        assert isinstance(ind, CompiledIndicator), "a vocabulary holds its indicators' specs"
        percent, unit = False, None
        if ind.target is not None and ind.target.level is None:
            percent, unit = ind.target.percent, ind.target.unit
        # An indicator that reads its own input (no actual formula) shows it the
        # way the input is declared, even when it has no numeric target.
        inputs = self.iset.inputs if self.iset is not None else None
        if ind.actual is None and inputs is not None and ind.id in inputs:
            spec = inputs[ind.id]
            percent, unit = spec.type == "percent" or percent, spec.unit or unit
        return percent, unit

    # --- a pickled result carries what its explanations need, not its set ------
    def vocabulary(self, inds: Iterable[CompiledIndicator], steps: Iterable[Step]) -> Words:
        """A Words without the set that words these indicators' steps exactly as this
        one does: each indicator's unit, and the label and unit of every name its
        formulas showed. What a pickled result sends instead of its text or its set."""
        out = Words(None, self.lang)
        for ind in inds:
            self.show_for(ind)
            out._show_specs[ind.id] = spec = self._show_specs[ind.id]
            out._shows[ind.id] = _shower(*spec)
        for st in steps:
            for v in st.values.values():
                if isinstance(v, FormulaUse):
                    for name in v.names:
                        out._labels[name] = self.label(name)
                        if name in self._name_specs:
                            out._name(name, self._name_specs[name])
        return out

    def __getstate__(self) -> dict[str, Any]:
        if self.iset is not None:
            raise TypeError("a set's Words is pickled as its vocabulary()")
        return {
            "lang": self.lang,
            "shows": self._show_specs,
            "names": self._name_specs,
            "labels": self._labels,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(None, state["lang"])  # type: ignore[misc]
        for ind_id, spec in state["shows"].items():
            self._show_specs[ind_id] = spec
            self._shows[ind_id] = _shower(*spec)
        for name, spec in state["names"].items():
            self._name(name, spec)
        self._labels.update(state["labels"])

    def target(self, ind: CompiledIndicator) -> str:
        """The target as a form prints it (≥ ≤ as such), once per indicator."""
        found = self._targets.get(ind.id)
        if found is None:
            t = ind.target
            found = self._targets[ind.id] = "" if t is None else t.show("en" if self.en else "zh")
        return found

    def fixed(self, ind: CompiledIndicator) -> dict[str, Any]:
        """An IndicatorResult's fields that only the set decides, once per indicator."""
        found = self._fixed.get(ind.id)
        if found is None:
            en = self.en
            found = self._fixed[ind.id] = {
                "id": ind.id,
                "name": shown_name(ind, self.lang),
                "category": ind.category,
                "group": ind.group_en if en and ind.group_en else ind.group,
                "weight": ind.weight,
                "target": ind.target.text if ind.target else None,
                "target_shown": self.target(ind),
                "rule": ind.rule,
                "core": ind.core,
                "words": (self, ind),
            }
            found["_fixed"] = found  # what the JSON writer checks a result against
        return found

    def reason_missing(self, ind: CompiledIndicator) -> Message:
        """The warning that a 偏差原因 is owed and not given, worded once per indicator
        (a Message is immutable: every row that owes it holds the same one)."""
        found = self._reason_missing.get(ind.id)
        if found is None:
            found = self._reason_missing[ind.id] = message(
                "reason_missing",
                self.lang,
                id=ind.id,
                name=shown_name(ind, self.lang),
                about=ind.id,
            )
        return found

    def show_name(self, name: str) -> Callable[[Decimal], str]:
        """A named input's value as declared (plain when it is not declared)."""
        return self._names.get(name, _PLAIN)

    def label(self, name: str) -> str:
        found = self._labels.get(name)
        if found is None:
            found = self._labels[name] = (
                (self.iset.label_of(name, self.lang) if self.iset is not None else None)
                or BUILTIN_LABELS["en" if self.en else "zh"].get(name)
                or name
            )
        return found

    def labelled(self, values: Any) -> Callable[[str], str]:
        """Names as "label value", the way a formula is shown for a person to check."""

        def show(name: str) -> str:
            v = values.get(name)
            if isinstance(v, Decimal):
                return f"{self.label(name)} {self.show_name(name)(v)}"
            if v is None:
                return f"{self.label(name)} ?"
            return f"{self.label(name)} {v}"

        return show

    def formula(self, use: FormulaUse) -> str:
        """``render(use.formula, self.labelled(use.names))``, each name's label and
        number writer looked up once per formula (a bands indicator shows one a row)."""
        names, out = use.names, []
        for piece in self.formula_pieces(use.formula):
            if isinstance(piece, str):
                out.append(piece)
                continue
            v = names.get(piece.name)
            if isinstance(v, Decimal):
                out.append(piece.lead + piece.show(v))
            else:
                out.append(piece.lead + ("?" if v is None else format(v)))
        return "".join(out)

    def formula_pieces(self, formula: CompiledFormula) -> tuple[str | _Named, ...]:
        """A formula's text around its names, and how each name is led and written:
        what ``formula`` joins on every row, and what a written-out indicator
        (``_fused``) binds once."""
        found = self._formulas.get(formula)
        return self._formula_pieces(formula) if found is None else found

    def _formula_pieces(self, formula: CompiledFormula) -> tuple[str | _Named, ...]:
        made = tuple(
            p
            if type(p) is str
            else _Named(p.name, self.label(p.name) + " ", self.show_name(p.name))  # type: ignore[union-attr]
            for p in pieces(formula, self.lang)
        )
        if len(self._formulas) >= _MAX_SENTENCES:
            self._formulas.clear()
        self._formulas[formula] = made
        return made

    # --- sentences ------------------------------------------------------------
    def explain(self, steps: Sequence[Step], ind: CompiledIndicator | IndicatorKey) -> str:
        kinds = tuple(map(_KIND, steps))
        sentence = self._sentences.get(kinds)
        if sentence is None:
            if len(self._sentences) >= _MAX_SENTENCES:
                return self.spelled_out(steps, ind)
            sentence = self._sentences[kinds] = _sentence(kinds, self.en)
        return sentence(steps, self, ind)

    def own_sentence(self, ind: CompiledIndicator, kinds: tuple[str, ...]) -> OwnSentence | None:
        """``explain`` for one indicator and one sequence of step kinds, its unit's shower
        and its own numbers bound: the weight and the target written once, and the row's
        actual as the caller already wrote it (``(steps, actual, its text)``). None past
        the cap (a set of thousands of indicators): ``explain`` words it then."""
        key = (ind.id, kinds)
        found = self._own.get(key)
        if found is None:
            if len(self._own) >= _MAX_SENTENCES:
                return None
            made = _sentence(kinds, self.en, _Own.of(self, ind))
            found = self._own[key] = cast("OwnSentence", made)  # its own signature
        return found

    def spelled_out(self, steps: Sequence[Step], ind: CompiledIndicator | IndicatorKey) -> str:
        """explain() piece by piece: what each compiled sentence must equal, and the way
        once a set has produced more step sequences than are worth compiling."""
        parts: list[str] = []
        add = parts.append
        for st in steps:
            values = st.values
            for literal, name, field in _pieces_of(st.kind, self.en, first=not parts):
                if literal:
                    add(literal)
                if field is not None:
                    add(field(values[name], self, ind))
        return "".join(parts)

    def word(self, key: str) -> str:
        return WORDS[key][1 if self.en else 0]

    def items(self, items: Iterable[tuple[str, Decimal]]) -> str:
        sep = ", " if self.en else "、"
        return sep.join(f"{label}({fmt_number(points)})" for label, points in items) or "—"


@functools.lru_cache(maxsize=64)
def words_for(iset: IndicatorSet, lang: Lang) -> Words:
    return Words(iset, lang)


class _Named(NamedTuple):
    """A name in a formula as shown: its label and a space, and how its number is written."""

    name: str
    lead: str
    show: Callable[[Decimal], str]


def _shower(percent: bool, unit: str | None) -> Callable[[Decimal], str]:
    if percent:
        return fmt_percent
    if not unit:
        return _PLAIN  # fmt_value itself: a number is never None here

    def show(d: Decimal) -> str:
        return (fmt_value(d) or "") + unit

    return show


_PLAIN = cast("Callable[[Decimal], str]", fmt_value)  # given a Decimal, a str


def approx(d: Decimal) -> str:
    """An intermediate result: exact if short, else to 4 places."""
    text = fixed_text(d)
    dot = text.find(".")
    if dot >= 0 and len(text) - dot > 5:
        return "≈" + fmt_number(d, 4)
    if dot >= 0:
        text = text.rstrip("0").rstrip(".")  # at least "0" is left of "0.000"
    return "0" if text == "-0" else text


@functools.lru_cache(maxsize=256)
def _parsed(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template as (literal, field, spec) once: the templates are few and fixed, and
    string.Formatter's pure-Python vformat cost more than the numbers it formats.
    Only named fields with a spec occur (tests/test_wording.py holds every template
    to that)."""
    return tuple(
        (literal, name, spec or "") for literal, name, spec, _ in string.Formatter().parse(template)
    )


Field = Callable[[Any, "Words", "CompiledIndicator | IndicatorKey"], str]


def _show(value: Any, w: Words, ind: CompiledIndicator | IndicatorKey) -> str:
    return w.show_for(ind)(value) if isinstance(value, Decimal) else str(value)


def _cond(value: Any, w: Words, ind: CompiledIndicator | IndicatorKey) -> str:
    if isinstance(value, FormulaUse):
        return w.formula(value)
    return w.word("otherwise") if value is None else str(value)


# A template field's spec → how its value is written (the specs TEMPLATES use).
# The specs that need only the value: a compiled sentence calls these directly.
_DIRECT: dict[str, Callable[[Any], str]] = {"num": fmt_number, "pct": fmt_percent, "n": approx}


def _value_only(write: Callable[[Any], str]) -> Field:
    return lambda v, w, ind: write(v)


FIELDS: dict[str, Field] = {
    **{spec: _value_only(write) for spec, write in _DIRECT.items()},
    "show": _show,
    "f": lambda v, w, ind: w.formula(v),
    "cond": _cond,
    "word": lambda v, w, ind: w.word(v),
    "items": lambda v, w, ind: w.items(v),
}


# Each step kind's pieces, by language (en?), for a sentence's first step and the rest.
_FIRST: dict[bool, dict[str, tuple[tuple[str, str, Field | None], ...]]] = {False: {}, True: {}}
_REST: dict[bool, dict[str, tuple[tuple[str, str, Field | None], ...]]] = {False: {}, True: {}}


def _pieces(kind: str, pick: int, first: bool) -> tuple[tuple[str, str, Field | None], ...]:
    """A step's template as (literal, field name, how to write it), once per kind and
    language; a sentence's first step drops the template's leading comma."""
    template = TEMPLATES[kind][pick]
    if first and template.startswith(_LEADS):
        template = template[1 if template[0] == "，" else 2 :]
    return tuple(
        (literal, name or "", None if name is None else FIELDS.get(spec) or _spec(spec))
        for literal, name, spec in _parsed(template)
    )


_KIND = operator.itemgetter(0)  # a Step's kind, without a Python-level call per step
Sentence = Callable[[Sequence[Step], "Words", "CompiledIndicator | IndicatorKey"], str]
OwnSentence = Callable[[Sequence[Step], Any, str], str]
"""(steps, the row's actual, its text as the indicator's unit shows it) → the sentence."""


class _Own(NamedTuple):
    """What an indicator's own sentences bind: its Words and itself, its unit's shower,
    and its weight and target value with their texts (a step holds those very objects
    on every row, so ``is`` finds them)."""

    words: Words
    ind: CompiledIndicator
    show: Callable[[Decimal], str]
    weight: Decimal
    weight_text: str
    target: Decimal | None
    target_text: str

    @classmethod
    def of(cls, words: Words, ind: CompiledIndicator) -> _Own:
        show = words.show_for(ind)
        target = ind.target.value if ind.target is not None else None
        return cls(
            words,
            ind,
            show,
            ind.weight,
            fmt_number(ind.weight),
            target,
            show(target) if target is not None else "",
        )


# Distinct step sequences per set and language, and as many (indicator, sequence)
# pairs: real sets have dozens of the one and hundreds of the other.
_MAX_SENTENCES = 512


def _sentence(kinds: tuple[str, ...], en: bool, own: _Own | None = None) -> Sentence:
    """One explanation's pieces for this sequence of step kinds as one function, so that
    a row's sentence is a single join of its literals and formatted values. With
    ``own``, one indicator's: ``(steps, actual, actual_text)``, its Words, itself and
    its numbers bound (``Words.own_sentence``).

    The generated source holds only names this function makes up (v0, L0, F0, K0 …);
    every template's text, key and formatter reaches it as a bound constant, never as
    source, and the templates are kpiscore's own (no set or row supplies any); it runs
    with no builtins but the three it is given."""
    names: dict[str, Any] = {
        "__builtins__": {},  # the source names everything it calls below
        "isinstance": isinstance,
        "str": str,
        "Decimal": Decimal,
    }
    lines: list[str] = ["def sentence(steps, A, T):" if own else "def sentence(steps, w, ind):"]
    if own is not None:
        names.update(w=own.words, ind=own.ind, S=own.show, W=own.weight, WT=own.weight_text)
        # An indicator without a target value: no step holds a fresh object.
        names.update(TV=object() if own.target is None else own.target, TT=own.target_text)
    items: list[str] = []
    for k, kind in enumerate(kinds):
        pieces = _pieces_of(kind, en, first=not items)  # as spelled_out: the first words said
        if any(field is not None for _, _, field in pieces):
            lines.append(f"    v{k} = steps[{k}][1]")
        for literal, name, field in pieces:
            if literal and items and items[-1][0] == "L":  # adjacent literals: one constant
                names[items[-1]] += literal
            elif literal:
                items.append(f"L{len(items)}")
                names[items[-1]] = literal
            if field is not None:
                spec = _spec_of(kind, en, name)
                call = _call(f"v{k}", len(items), name, spec, field, names, en)
                items.append(_own_call(call, f"v{k}", len(items), spec, own))
    if own is None and any(item.startswith("(S(") for item in items):
        lines.insert(1, "    S = w.show_for(ind)")
    lines.append("    return ''.join((" + ", ".join(items) + ",))" if items else "    return ''")
    exec(code_of("\n".join(lines), "<kpiscore sentence>"), names)
    made: Sentence = names["sentence"]
    return made


def _own_call(call: str, values: str, n: int, spec: str, own: _Own | None) -> str:
    """In an indicator's own sentence, the numbers it already has in words: the row's
    actual (``A``, written ``T``), its target value (written ``TT``) and its weight
    (``WT``); anything else as ``call`` writes it."""
    if own is None:
        return call
    if spec == "show":
        tail = call.removeprefix(f"(S(x) if isinstance(x := {values}[K{n}], Decimal)")
        return f"(T if (x := {values}[K{n}]) is A else TT if x is TV else S(x) if isinstance(x, Decimal){tail}"
    if spec == "num":
        return f"(WT if (x := {values}[K{n}]) is W else F{n}(x))"
    return call


def _call(
    values: str, n: int, name: str, spec: str, field: Field, names: dict[str, Any], en: bool
) -> str:
    """The source that writes field ``name`` as item n, its key and formatter bound in
    ``names``: a direct call for the common specs, the unit's shower for ``show``, a
    lookup for a ``word`` in the sentence's language, else the field's own formatter."""
    names[f"K{n}"] = name
    if spec == "show":
        return f"(S(x) if isinstance(x := {values}[K{n}], Decimal) else str(x))"
    if spec in _DIRECT:
        names[f"F{n}"] = _DIRECT[spec]
        return f"F{n}({values}[K{n}])"
    if spec == "":  # what _spec("") does: format(v, "") is str(v) (Decimal's included)
        names[f"F{n}"] = str
        return f"F{n}({values}[K{n}])"
    if spec == "word":  # Words.word, the language known here
        names[f"F{n}"] = {key: pair[int(en)] for key, pair in WORDS.items()}
        return f"F{n}[{values}[K{n}]]"
    names[f"F{n}"] = field
    return f"F{n}({values}[K{n}], w, ind)"


def _pieces_of(kind: str, en: bool, first: bool) -> tuple[tuple[str, str, Field | None], ...]:
    """A step kind's pieces for a sentence's first step or a later one, made once."""
    table = (_FIRST if first else _REST)[en]
    found = table.get(kind)
    if found is None:
        found = table[kind] = _pieces(kind, int(en), first)
    return found


def _spec_of(kind: str, en: bool, name: str) -> str:
    """The spec a template gives a field (each field occurs with one spec per template)."""
    specs = {n: spec for _, n, spec in _parsed(TEMPLATES[kind][int(en)]) if n is not None}
    return specs[name]


def _spec(spec: str) -> Field:
    return lambda v, w, ind: format(v, spec)


class _Formatter(string.Formatter):
    """string.Formatter with kpiscore's field specs: what explain() must equal
    (tests/test_wording.py renders every explanation both ways)."""

    def __init__(self, words: Words, ind: CompiledIndicator):
        self.words = words
        self.ind = ind

    def format_field(self, value: Any, format_spec: str) -> str:
        field = FIELDS.get(format_spec)
        if field is None:
            return format(value, format_spec)
        return field(value, self.words, self.ind)
