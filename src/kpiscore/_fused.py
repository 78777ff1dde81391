"""An indicator's JSON values as one generated function, for the rules worth it.

The plain-row writer (``_plain_json``) scores an indicator through the general
path's pieces: its rule makes an Outcome and a trace of steps, ``concluded`` adds
the closing steps, the indicator's compiled sentence words them and the template
writes the values. On rows whose numbers never repeat that is most of a row's
cost, and most of it goes to the pieces' hand-offs (a dict a step, the trace's
kinds as a key, the Outcome) rather than to the numbers. Here an indicator of a
rule in RULES (ratio, reverse, exact, met, bands, formula) that reads its own cell
or an ``actual:`` formula is written by one function made for it: the rule's
branches written out with its target, weight, limits and bands bound, each branch
saying its steps straight into the sentence, then the closing steps, the 偏差原因
owed and the JSON values — what ``_Row.fresh`` writes, byte for byte.

The sentence is still worded from ``_wording``'s templates, step by step and in
the order the rule records its steps (``_pieces_of``, the first step without its
leading comma); a field whose value the set decides (the target, the weight, a
limit, a band's label or score, a word) is written once here through the
template's own formatter, the rest through the formatters a compiled sentence
calls, and a formula a step shows through ``Words.formula_pieces`` over the names
it ran on. The arithmetic is the rule's own (``_rules``), in the same order with
the same operations; formulas run through ``_formula.evaluate`` as the rule runs
them. A value the function does not expect (a cell that is no Decimal, a % far
above 100 %, a formula that fails or gives a word) returns FRESH and the writer
runs ``_Row.fresh``, which reports it as the general path does.
tests/test_plain_json.py holds the two to the same text on generated sets and
rows, and the writer compares its first row of each kind with the general path's.

As with the other generated code (``_fast_code``, ``_formula_code``), the source
holds only names made up here: every id, text, formula and number reaches it as a
bound value, and it runs with no builtins but the few it is given. Indicators of
one shape write the same source, compiled once (``_codegen``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from ._codegen import code_of
from ._formula import CompiledFormula, EvalFailure, evaluate
from ._indicators import PERCENT_SANE
from ._numbers import CONTEXT, fmt_plain, fmt_value
from ._wording import _DIRECT, FIELDS, Words, _pieces_of, _spec_of
from .compiled import BandSpec, CompiledIndicator, ReasonPolicy

if TYPE_CHECKING:
    from ._result_json import _Template

FRESH = object()
"""What a written-out indicator returns for a row it does not expect."""

Written = Callable[[Mapping[str, Any], Mapping[str, str], list[str]], Any]
"""(the row's names, its 偏差原因, the values so far) → what ``_Row.fresh`` returns,
the indicator's values added to the list; or FRESH, nothing added."""

MEASURED = frozenset({"ratio", "reverse", "exact", "met"})
"""The rules that measure the actual against a number target (no level, no deadline)."""


def written_out(
    ind: CompiledIndicator,
    words: Words,
    template: _Template,
    shown: tuple[Callable[[Decimal], str], bool, bool, str, ReasonPolicy],
    precision: int,
    by_category: bool,
) -> Written:
    """Indicator ``ind`` as one function; ``shown``: how the writer shows its actual
    (the unit's shower, whether that is fmt_value's text, whether its sentence starts
    with the actual), its name as points lost name it, and the set's reason policy."""
    show, plain, shows, name, policy = shown
    code = _Code(ind, words, template.explained)
    target = ind.target
    code.bound.update(
        S=show,
        T=None if target is None else target.value,
        W=ind.weight,
        Q=_quantum(precision),
        OA=ind.over_achievement,
        DEV=policy.deviation_above,
        STRINGS=template.strings,
        OVER=("over_achievement",),
        NAME=name,
        FRESH=FRESH,
        BY_CATEGORY=by_category,
    )
    _actual(code, ind, shows)
    _BODIES[ind.rule](code, ind)
    code.closing(precision, _owed(policy))
    _values(code, plain)
    made: Written = code.made()
    return made


def _actual(code: _Code, ind: CompiledIndicator, shows: bool) -> None:
    """The actual ``a`` as ``_Row.fresh`` reads it (its own cell, or the ``actual:``
    formula over the row, as ``IndicatorScorer.actual_of`` runs it), and said first."""
    lines = code.lines
    lines.append("def written(env, reasons, out):")
    if ind.actual is not None:
        code.bound["AF"] = ind.actual
        lines += ["    try:", "        a = EV(AF, env)", "    except EF:", "        return FRESH"]
    else:
        lines.append("    a = env.get(ID)")
    lines += ["    if type(a) is not Decimal:", "        return FRESH"]
    if ind.target is not None and ind.target.percent:  # a percent typed × 100: fresh's
        lines += ["    if abs(a) > PERCENT_SANE:", "        return FRESH"]
    lines.append("    at = S(a)")
    if ind.actual is not None:
        code.say("actual_formula", {"formula": _Formula(ind.actual, "env"), "value": "a"}, "    ")
    elif shows:
        code.say("actual_value", {"actual": "a"}, "    ")


def _values(code: _Code, plain: bool) -> None:
    """The 偏差原因 said, the indicator's JSON values appended, and what ``_Row.fresh``
    returns: (points, score, explanation, what it lost, a reason owed and not given)."""
    lines = code.lines
    lines += [
        "    reason = reasons.get(ID)",
        "    if needs:",
    ]
    code.say("reason_owed", {}, "        ")
    lines += ["        if not reason:"]
    code.say("reason_not_given", {}, "            ")
    lines += ["        else:"]
    code.say("reason_given", {"reason": "reason[:100]"}, "            ")
    at = "at" if plain else "fmt_value(a)"
    if code.explained:
        lines.append("    said = ''.join(P)")
    lines += [
        f"    flags = STRINGS(OVER, len(out) + {6 + code.explained}) if over else '[]'",
        f"    out += ('\"' + {at} + '\"', E(at), "
        "'null' if c is None else '\"' + fmt_value(c) + '\"', "
        "'\"' + fmt_plain(score) + '\"', '\"' + fmt_plain(raw) + '\"', '\"scored\"', "
        + ("E(said), " if code.explained else "")
        + "flags, 'true' if needs else 'false', 'null' if reason is None else E(reason), 'null')",
        "    lost = W - score",
        "    return (score if BY_CATEGORY else raw), score, "
        + ("said" if code.explained else "''")
        + ", ((ID, NAME, 'scored', lost) if lost > 0 else None), needs and not reason",
    ]


def _ratio(code: _Code, ind: CompiledIndicator) -> None:
    """As ``_rules.ratio``: the completion, zero below a floor, full at 1, else scaled."""
    code.measured = True
    code.bound["Z"] = ind.zero_below
    code.lines.append("    c = perf = a / T")
    code.say("ratio_head", {"target": _Set(code.target_shown), "completion": "c"}, "    ")
    branch = "if"
    if ind.zero_below is not None:
        code.lines += ["    if c < Z:", "        raw = ZERO"]
        code.say("zero_below", {"limit": _Set(ind.zero_below)}, "        ")
        branch = "elif"
    code.lines += [f"    {branch} c >= 1:", "        raw = W"]
    code.say("full_capped", {"weight": _Set(ind.weight)}, "        ")
    code.lines.append("    else:")
    code.scaled("not_met", "actual/target", "a", "T")


def _reverse(code: _Code, ind: CompiledIndicator) -> None:
    """As ``_rules.reverse``: full at or below the target, zero above a ceiling."""
    assert ind.target is not None
    assert ind.target.value is not None
    t, ceiling = ind.target.value, ind.zero_above
    code.measured = True
    code.bound["Z"] = ceiling
    code.lines.append("    c = a / T" if t != 0 else "    c = None")
    code.lines.append("    perf = T / a if a > 0 else None")
    code.say("reverse_head", {"target": _Set(code.target_shown), "actual": "a"}, "    ")
    branch = "if"
    if ceiling is not None and t > 0:
        code.lines += ["    if a / T > Z:", "        raw = ZERO"]
        code.say("zero_above", {"limit": _Set(ceiling)}, "        ")
        branch = "elif"
    code.lines += [f"    {branch} a == 0:", "        raw = W"]
    code.say("full_zero_actual", {"weight": _Set(ind.weight)}, "        ")
    code.lines += ["    elif a <= T:", "        raw = W"]
    code.say("full", {"weight": _Set(ind.weight)}, "        ")
    code.lines.append("    else:")
    code.scaled("not_met", "target/actual", "T", "a")


def _exact(code: _Code, ind: CompiledIndicator) -> None:
    """As ``_rules.exact``: full within the tolerance, else scaled from either side; a
    target of 0 is met within the tolerance or not at all."""
    assert ind.target is not None
    assert ind.target.value is not None
    t, tol = ind.target.value, ind.tolerance or Decimal(0)
    code.bound["TOL"] = tol
    code.say("target_actual", {"target": _Set(code.target_shown), "actual": "a"}, "    ")
    lines = code.lines
    if t == 0:
        lines += ["    c = perf = None", "    if abs(a) <= TOL:", "        raw = W"]
        if tol:
            lines.append("        if a:")
            code.say("within_tolerance", {"tolerance": _Set(tol)}, "            ")
        code.say("met", {"weight": _Set(ind.weight)}, "        ")
        lines += ["    else:", "        raw = ZERO"]
        code.say("zero_not_zero", {}, "        ")
        return
    code.measured = True
    lines += [
        "    c = perf = a / T",
        "    diff = abs(a - T)",
        "    if diff <= TOL:",
        "        raw = W",
    ]
    if tol:
        within: dict[str, str | _Set | _Formula] = {"diff": "diff", "tolerance": _Set(tol)}
        within["weight"] = _Set(ind.weight)
        code.say("within", within, "        ")
    else:
        code.say("equal", {"weight": _Set(ind.weight)}, "        ")
    lines.append("    elif a < T:")
    code.scaled("below_target", "actual/target", "a", "T")
    lines.append("    else:")
    code.scaled("above_target", "target/actual", "T", "a")


def _met(code: _Code, ind: CompiledIndicator) -> None:
    """As ``_rules.met``: full when the target holds, else 0."""
    assert ind.target is not None
    code.measured = True
    code.bound["H"] = ind.target.holds
    code.lines.append("    c = perf = a / T" if ind.target.value else "    c = perf = None")
    code.say("target_actual", {"target": _Set(code.target_shown), "actual": "a"}, "    ")
    code.lines += ["    if H(a):", "        raw = W"]
    code.say("met", {"weight": _Set(ind.weight)}, "        ")
    code.lines += ["    else:", "        raw = ZERO"]
    code.say("not_met", {}, "        ")


def _formula(code: _Code, ind: CompiledIndicator) -> None:
    """As ``_rules.formula``: the score formula's value, clamped to [0, weight]."""
    assert ind.score is not None
    code.names()
    code.bound["F"] = ind.score
    code.lines += ["    try:", "        v = EV(F, n)", "    except EF:", "        return FRESH"]
    code.number("v", "    ")
    code.say("formula", {"formula": _Formula(ind.score), "value": "v"}, "    ")
    code.clamped("v", "    ")


def _bands(code: _Code, ind: CompiledIndicator) -> None:
    """As ``_rules.bands``: the first band whose condition holds, a band without one
    holding always; none holding scores 0. A formula that fails leaves it to fresh."""
    code.names()
    lines = code.lines
    lines.append("    try:")
    assert not code.first  # the actual is said first: bands shows it (SHOWS_ACTUAL)
    opened = False
    for k, band in enumerate(ind.bands, start=1):
        if band.when is None:
            if opened:
                lines.append("        else:")
            indent = "            " if opened else "        "
        else:
            cond = code.bind(band.when)
            lines.append(f"        {'elif' if opened else 'if'} EV({cond}, n):")
            indent, opened = "            ", True
        when: _Set | _Formula = _Set(band.label)
        if not band.label:
            when = _Set(None) if band.when is None else _Formula(band.when)
        _band(code, ind, k, band, when, indent)
        if band.when is None:
            break
    else:  # every band has a condition: none may hold
        lines += ["        else:", "            raw = ZERO"]
        code.say("no_band", {}, "            ")
    lines += ["    except EF:", "        return FRESH"]


def _band(
    code: _Code, ind: CompiledIndicator, k: int, band: BandSpec, when: _Set | _Formula, indent: str
) -> None:
    """One band's score: its number, or its formula's value clamped to [0, weight]."""
    if isinstance(band.score, Decimal):
        # A number outside [0, weight] is refused at load (band_score_out_of_range), so
        # the rule's clamp never moves it.
        assert 0 <= band.score <= ind.weight
        code.lines.append(f"{indent}raw = {code.bind(band.score)}")
        code.say("band", {"k": _Set(k), "when": when, "score": _Set(band.score)}, indent)
        return
    code.lines.append(f"{indent}v = EV({code.bind(band.score)}, n)")
    code.number("v", indent)
    said: dict[str, str | _Set | _Formula] = {"k": _Set(k), "when": when, "value": "v"}
    said["formula"] = _Formula(band.score)
    code.say("band_formula", said, indent)
    code.clamped("v", indent)


_BODIES: dict[str, Callable[[_Code, CompiledIndicator], None]] = {
    "ratio": _ratio,
    "reverse": _reverse,
    "exact": _exact,
    "met": _met,
    "formula": _formula,
    "bands": _bands,
}
RULES = frozenset(_BODIES)
"""The rules an indicator can be written out for."""


class _Set:
    """A step's value the set decides: worded once, when the function is made."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class _Formula:
    """A formula a step shows, worded on the row over its names: the row's own
    (``env``) for an ``actual:`` formula, with the indicator's (``n``) for the rule's."""

    __slots__ = ("formula", "names")

    def __init__(self, formula: CompiledFormula, names: str = "n"):
        self.formula = formula
        self.names = names


def _owed(policy: ReasonPolicy) -> str:
    """``owes_reason`` for this policy, over ``score``, ``c`` and ``over``."""
    terms = []
    if policy.below_weight:
        terms.append("score < W")
    if policy.over_achievement:
        terms.append("over")
    if policy.deviation_above is not None:
        terms.append("(c is not None and abs(c - 1) > DEV)")
    return " or ".join(terms) or "False"


def _quantum(places: int) -> Decimal:
    """The quantum ``round_half_up`` rounds a score to."""
    return Decimal(1).scaleb(-places)


class _Code:
    """The function's source as it is written, and what it binds."""

    def __init__(self, ind: CompiledIndicator, words: Words, explained: bool):
        self.ind = ind
        self.words = words
        self.explained = explained
        self.first = True  # the next step said is the sentence's first
        self.measured = False  # the rule gives a completion and a performance
        self.lines: list[str] = []
        self.target_shown = ind.target.show() if ind.target is not None else ""
        self.bound: dict[str, Any] = {
            "__builtins__": {},
            "isinstance": isinstance,
            "str": str,
            "abs": abs,
            "len": len,
            "max": max,
            "min": min,
            "type": type,
            "bool": bool,
            "format": format,
            "Decimal": Decimal,
            "ZERO": Decimal(0),
            "PERCENT_SANE": PERCENT_SANE,
            "HALF_UP": ROUND_HALF_UP,
            "CONTEXT": CONTEXT,
            "E": encode_basestring,
            "fmt_value": fmt_value,
            "fmt_plain": fmt_plain,
            "EV": evaluate,
            "EF": EvalFailure,
            "ONE": Decimal(1),
            "ID": ind.id,
        }

    def say(self, kind: str, values: Mapping[str, str | _Set | _Formula], indent: str) -> None:
        """Step ``kind`` added to the sentence ``P``: each field the source expression
        ``values`` gives (``a``: the actual as shown, ``at``), or worded now (_Set)."""
        first, self.first = self.first, False
        if not self.explained:
            self.lines.append(indent + "pass")  # a branch still needs a body
            return
        en = self.words.en
        items: list[str] = []  # the source of each text and value, in order
        texts: list[str] = []
        for literal, name, field in _pieces_of(kind, en, first):
            if literal:
                texts.append(literal)
            if field is None:
                continue
            value = values[name]
            spec = _spec_of(kind, en, name)
            if isinstance(value, _Formula):  # its text here, each name's value on the row
                for piece in self.words.formula_pieces(value.formula):
                    if isinstance(piece, str):
                        texts.append(piece)
                        continue
                    items.append(self.text("".join((*texts, piece.lead))))
                    texts = []
                    items.append(self.named(piece.name, piece.show, value.names))
                continue
            if isinstance(value, _Set):
                texts.append(field(value.value, self.words, self.ind))
                continue
            if texts:
                items.append(self.text("".join(texts)))
                texts = []
            items.append(self.source(value, spec))
        if texts:
            items.append(self.text("".join(texts)))
        if first:
            self.lines.append(indent + "P = [" + ", ".join(items) + "]")
        elif items:
            self.lines.append(indent + "P += (" + ", ".join(items) + ",)")
        else:
            self.lines.append(indent + "pass")

    def text(self, text: str) -> str:
        return self.bind(text)

    def bind(self, value: Any) -> str:
        """A name for ``value`` in the function's globals: no set's text enters the source."""
        key = f"V{len(self.bound)}"
        self.bound[key] = value
        return key

    def named(self, name: str, show: Callable[[Decimal], str], names: str) -> str:
        """A formula's name as ``Words.formula`` writes its value on the row."""
        key, shower = self.bind(name), self.bind(show)
        return (
            f"({shower}(q) if isinstance(q := {names}.get({key}), Decimal) "
            "else ('?' if q is None else format(q)))"
        )

    def names(self) -> None:
        """``n``: the row's names with the indicator's own, as ``own_names`` gives them
        to its formulas (the actual is a Decimal here)."""
        target = self.bound["T"]
        own = "'weight': W, 'actual': a"
        if target is not None:
            own += ", 'target': T" if target == 0 else ", 'target': T, 'completion': a / T"
        self.lines.append("    n = {**env, " + own + "}")

    def number(self, var: str, indent: str) -> None:
        """``_formula_value``: a yes/no as 1 or 0, anything but a number left to fresh."""
        self.lines += [
            f"{indent}if type({var}) is not Decimal:",
            f"{indent}    if type({var}) is not bool:",
            f"{indent}        return FRESH",
            f"{indent}    {var} = ONE if {var} else ZERO",
        ]

    def clamped(self, var: str, indent: str) -> None:
        """``_rules._clamped``: the value held to [0, weight], said when it moved."""
        self.lines += [f"{indent}raw = max(ZERO, min(W, {var}))", f"{indent}if raw != {var}:"]
        self.say("clamped", {"weight": _Set(self.ind.weight), "score": "raw"}, indent + "    ")

    def source(self, value: str, spec: str) -> str:
        """The source that words a runtime value as the template's spec writes it."""
        if spec == "show" and value == "a":
            return "at"  # the actual as shown, written once for the JSON and the sentence
        if spec in _DIRECT:
            return f"{self.bind(_DIRECT[spec])}({value})"
        if spec == "":
            return f"str({value})"
        field = FIELDS[spec]  # no step these rules say has another at run time
        return f"{self.bind(lambda v: field(v, self.words, self.ind))}({value})"

    def scaled(self, state: str, rule: str, num: str, den: str) -> None:
        """``_rules._scaled`` in the else branch: w × num/den, capped at the weight."""
        ind = self.ind
        self.lines += [
            f"        exact = W * {num} / {den}",
            "        raw = max(ZERO, min(W, exact))",
        ]
        fields: dict[str, str | _Set | _Formula] = {
            "state": _Set(state),
            "rule": _Set(rule),
            "num": _Set(ind.target.value) if num == "T" else num,  # type: ignore[union-attr]
            "den": _Set(ind.target.value) if den == "T" else den,  # type: ignore[union-attr]
            "weight": _Set(ind.weight),
            "exact": "exact",
        }
        self.say("scaled", fields, "        ")
        self.lines.append("        if raw != exact:")
        self.say("below_zero", {"score": "raw"}, "            ")

    def closing(self, precision: int, owed: str) -> None:
        """``concluded`` and ``owes_reason``: rounded once, the over-achievement flag."""
        self.lines += [
            "    score = raw.quantize(Q, HALF_UP, CONTEXT)",
            "    if score != raw:",
        ]
        self.say("rounded", {"places": _Set(precision), "score": "score"}, "        ")
        self.lines.append("    else:")
        self.say("score", {"score": "score"}, "        ")
        if not self.measured:  # no performance: never over-achieved, no completion
            self.lines += ["    c = None", "    over = False", f"    needs = {owed}"]
            return
        over = _Set(self.ind.over_achievement)
        self.lines += ["    over = perf is not None and perf > OA", "    if over:"]
        self.say("over_achievement", {"performance": "perf", "limit": over}, "        ")
        self.lines.append(f"    needs = {owed}")

    def made(self) -> Any:
        exec(code_of("\n".join(self.lines), "<kpiscore written-out indicator>"), self.bound)
        return self.bound["written"]
