"""A plain row's JSON, written from its cells without building its Result's detail.

``score_many`` then ``to_json()`` of every result built each row's whole detail —
a SubjectData, a memo lookup and an IndicatorResult per indicator, subtotals,
points lost — and then walked it again to write the text. For a row the fast path
took as plain, this writer runs each indicator through the general scorer's own
pieces — its rule (``_rules``), the closing steps and reason policy
(``_indicators.concluded``, ``owes_reason``), the compiled sentence (``_wording``)
— and puts the values straight into the JSON template ``_result_json`` made from
the set's general result; the subtotals and points lost are summed as
``_Scorer.totals`` sums them, and checks run through ``_Scorer.checks`` itself.
An indicator whose cells repeat down the table is written once per distinct cells
(and year) and its values reused; one of the common rules is written out as one
generated function after its first rows (``_fused``, ``WRITE_OUT_AFTER``), which
does in one call what the pieces do for it, or hands the row back to them.

It writes rows with the unit's own scores (a level indicator's claim given to its
rule as the general path gives it; a claim that differs worded as ``_Scorer`` words
it, with the explanation of kpiscore's score, worded here even for a row written
without explanations), each read as the general path reads it (one that is no
number or names no indicator: the general path warns), with their 偏差原因
read as ``prepare`` reads them (a row whose reasons it would note left to the
general path; an indicator
whose own cell is n/a written as not applicable, the weights it drops left out), of
sets without a manual indicator; anything else (a row whose rule refuses a cell)
returns None and the general path writes it. ``explain:`` and ``reason_required:``
run as ``IndicatorScorer`` runs them (its own ``template`` and ``needs_reason``);
every ``applies:`` holds on a row the fast path took (it leaves the others to the
general path), so it is not judged again here.
Each kind of row (language, indent, numbered or not, explained or not — a batch's
.jsonl line without --explain has no explanations, and they are never worded) is
first written both ways, and this writer stands down for that kind unless the two
texts are the same; tests/test_plain_json.py holds them to the same bytes on
generated sets and rows.
The same pieces give a batch table its cells (``cells``: each indicator's score and
the row's warnings, never worded), checked against the detail on the first row of
each language as the JSON is. One writer serves every thread of a set: a race
writes an entry or a template twice, never half of one.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, setcontext
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from ._data import digest_of
from ._dates import year_of
from ._evaluate import (
    _category_positions,
    _Scorer,
    indicator_discrepancy,
    total_discrepancy,
    total_name,
    total_of,
)
from ._formula import Evaluator
from ._fused import FRESH, MEASURED, Written, written_out
from ._fused import RULES as WRITTEN_OUT_RULES
from ._indicators import PERCENT_SANE, claimed_number, concluded, owes_reason, reason_steps
from ._lanes import Lane, lanes_for
from ._memo import CAP, TOTAL_CAP, reads
from ._messages import Lang, has_unsafe_chars
from ._numbers import entered, fmt_plain, fmt_value, round_half_up
from ._prepare import KeyedById, _Cleaner, claim_ids, plain_value, read_reasons
from ._result_json import (
    _CHECK,
    _DISCREPANCY,
    _LITERALS,
    _check,
    _discrepancy,
    _number,
    _Template,
    _text,
    to_json,
)
from ._rules import RuleInput, RuleProblem
from ._steps import FormulaUse, Step
from ._steps import made as made_step
from ._subject import read_subject
from ._wording import _KIND, Words, words_for
from .compiled import CompiledIndicator, IndicatorSet, ReasonPolicy

if TYPE_CHECKING:
    from .result import CheckResult, Discrepancy, Result

ZERO = Decimal(0)
_TRIAL = 64  # rows an indicator is keyed for before its hits must outnumber its misses
_NO_REPEAT = 16  # rows without one repeat that turn keying off sooner (money never repeats)
_MAX_TEMPLATES = 16  # (language, indent, numbered) kinds a set is written in
# Rows an indicator is scored through the general pieces before it is written out as
# one function (``_fused``): writing one out takes ≈ 35 µs (its shape's compile()
# once, ``_codegen``), a row then saves ≈ 4–7 µs.
WRITE_OUT_AFTER = 4
_Key = tuple[Lang, "int | None", bool, bool]  # language, indent, numbered, explained
_NO_REASONS: dict[str, str] = {}  # never written to
_NO_CLAIMS: dict[str, Decimal] = {}  # never written to
_NONE: frozenset[str] = frozenset()
_EMPTY: dict[str, Any] = {}  # never written to
_NOT_SHOWN = object()  # no step holds it: an indicator without an actual shown


class PlainJson:
    """One set's writer; ``text(result, indent)`` is the JSON or None."""

    def __init__(self, iset: IndicatorSet):
        self.iset = iset
        self.lanes = lanes_for(iset)
        self.positions = _category_positions(iset)
        self.by_category = iset.rounding != "total"
        self.quantum = Decimal(1).scaleb(-iset.precision)  # a subtotal's rounding
        self.weights = []  # each category's applicable weight, summed as _Scorer.totals does
        for positions in self.positions:
            weight = ZERO
            for i in positions:
                weight += iset.indicators[i].weight
            self.weights.append(_number(fmt_plain(weight)))
        self.subtotals = [""] * (2 * len(self.positions))  # placeholders, filled per row
        self.picks = tuple(map(_picker, self.positions))  # each category's points, in order
        # Each kind of row's template (language, indent, numbered), as made from the
        # general result; kept once a row written here gave the general text.
        self.made: dict[_Key, _Template | None] = {}
        self.agreed: dict[_Key, _Template] = {}
        self.refused: set[_Key] = set()
        self.written = 0  # rows written here (tests hold it to the rows that can be)
        # An indicator's values written for the cells it reads, per template: level words
        # and small counts repeat down a table (money does not: its slot turns off).
        self.reads = {ind.id: reads(ind) for ind in iset.indicators}
        self.shared: dict[int, list[_Shared]] = {}  # by template, in the set's order
        self.ids = frozenset(ind.id for ind in iset.indicators)
        self.claimed_by_id = KeyedById(claim_ids(iset))  # as prepare maps claims
        self.at = {ind.id: i for i, ind in enumerate(iset.indicators)}
        self.ids_in_order = tuple(ind.id for ind in iset.indicators)
        # A batch table's cells (``cells``): checked against the detail once per language.
        self.table = _CELLS
        self.cells_agreed: set[Lang] = set()
        self.cells_refused: set[Lang] = set()
        self.tabled = 0
        self.size = 0
        self.write_out_after = WRITE_OUT_AFTER  # tests write indicators out sooner
        self.eaches: dict[Lang, tuple[_Each, ...]] = {}

    def each_for(self, lang: Lang) -> tuple[_Each, ...]:
        """What a row asks of each indicator in this language, looked up once."""
        found = self.eaches.get(lang)
        if found is None:
            words, policy = words_for(self.iset, lang), self.iset.reasons
            found = self.eaches[lang] = tuple(
                _Each(
                    self.lanes[ind.id],
                    (show := words.show_for(ind)),
                    show is fmt_value,
                    words.fixed(ind)["name"],
                    policy if ind.reason_required is None else None,
                    ind.actual is None and ind.rule != "deadline",
                    self.lanes[ind.id].shows_actual,
                )
                for ind in self.iset.indicators
            )
        return found

    def shared_for(self, template: _Sink) -> list[_Shared]:
        key = id(template)  # a template lives as long as its writer
        found = self.shared.get(key)
        if found is None:
            after = self.write_out_after if isinstance(template, _Template) else 0
            found = self.shared[key] = [
                _Shared(after if ind.rule in WRITTEN_OUT_RULES else 0)
                for ind in self.iset.indicators
            ]
        return found

    def written_out(
        self, ind: CompiledIndicator, each: _Each, template: _Template, words: Words
    ) -> Written | None:
        """The indicator as one function (``_fused``), or None where it reads more than
        its own number or ``actual:`` formula (a deadline's cell as written) or words
        itself otherwise (a reason formula, its own sentence)."""
        if each.policy is None or ind.explain is not None:
            return None
        if not each.own and ind.actual is None:
            return None
        target = ind.target
        if ind.rule in MEASURED and (
            target is None or target.value is None or target.level is not None
        ):
            return None
        shown = (each.show, each.plain, each.shows, each.name, each.policy)
        return written_out(ind, words, template, shown, self.iset.precision, self.by_category)

    def keep(self, shared: _Shared, key: tuple[Any, ...], entry: _Entry) -> None:
        if len(shared.entries) < CAP and self.size < TOTAL_CAP:
            shared.entries[key] = entry
            self.size += 1

    @staticmethod
    def writes(iset: IndicatorSet) -> bool:
        """Whether a plain row of this set is written here: one without a manual score
        (whose justification only the general path reads)."""
        return iset.full_score > 0 and all(ind.rule != "manual" for ind in iset.indicators)

    def text(self, result: Result, indent: int | None, explained: bool = True) -> str | None:
        if indent is not None and (type(indent) is not int or indent < 0):
            return None
        if result.total is None:
            return None
        key = (result.lang, indent, result.row is not None, explained)
        template = self.agreed.get(key)
        if template is None:
            if key in self.refused or len(self.made) >= _MAX_TEMPLATES:
                return None
            return self.compared(result, indent, explained, key)
        values = self.values(result, template)
        if values is None:
            return None
        self.written += 1
        return template.joined(values)

    def compared(self, result: Result, indent: int | None, explained: bool, key: _Key) -> str:
        """A row of a kind not yet written here: written the general way, and the
        template kept for the kind once this writer gives the same text for a row."""
        full = result._full
        general = to_json(full, indent, False, explained)
        if key not in self.made:
            words = words_for(self.iset, full.lang)
            self.made[key] = _Template.made(full, words, indent, False, explained)
        template = self.made[key]
        values = None if template is None else self.values(result, template)
        if template is None or (values is not None and template.joined(values) != general):
            self.refused.add(key)  # never expected: tests/test_plain_json.py would fail
        elif values is not None:
            self.agreed[key] = template
        return general

    def values(self, result: Result, template: _Template) -> list[str] | None:
        """The row's values in the template's order, or None when the row holds what
        only the general path writes (a problem, a note on the subject, a claimed score
        that cannot be read)."""
        row = self.row_for(result)
        if row is None:
            return None
        out: list[str] = []
        add = out.append
        if result.row is not None:
            add(str(result.row))
        add(template.subject(row.subject, len(out)))
        add(_number(fmt_plain(result.total)))
        add(_text(result.grade))
        add(_LITERALS[result.complete])
        add(_LITERALS[result.rescaled])
        at = len(out)
        out += self.subtotals  # the categories' subtotals and weights, filled in below
        saved = entered()
        try:
            found = self.scored(row, template, out)
            if found is None:
                return None
            differences = row.differences(result)
            penalties, checks = found
            self.categories(row, out, at)
            discrepancies = row.worded(differences) if differences else ()
        finally:
            setcontext(saved)
        if discrepancies:
            result.__dict__.setdefault("discrepancies", discrepancies)  # the detail's own
        add(template.records(_CHECK, [_check(c) for c in checks], len(out)))
        add(template.records(_DISCREPANCY, [_discrepancy(d) for d in discrepancies], len(out)))
        # Largest first, ties by id (as _evaluate._points_lost orders them): two stable
        # sorts by C key functions, not one by a Python one.
        row.lost.sort(key=_BY_ID)
        row.lost.sort(key=_BY_AMOUNT, reverse=True)
        add(template.points_lost(row.lost, len(out), kept=True))
        add(template.strings(tuple(penalties), len(out)))
        add(template.warnings(row.warnings, len(out)))
        digest = result.__dict__.get("data_digest")
        if digest is None:
            digest = result.__dict__["data_digest"] = digest_of(result.data)
        add(_text(digest))
        return out

    def row_for(self, result: Result) -> _Row | None:
        """The row to write, or None when its subject or reasons hold what only the
        general path writes (a note, a reason that is not text)."""
        subject = _subject(result.data.get("subject"), result.lang)
        if subject is None:
            return None
        reasons = self.reasons(result.data.get("reasons"), result.lang)
        if reasons is None:
            return None
        claims = self.claims(result.data.get("claimed"))
        if claims is None:
            return None
        return _Row(self, result, subject, reasons, claims)

    def claims(self, raw: dict[str, Any] | None) -> dict[str, Decimal] | None:
        """The unit's own scores by indicator id (or "total"), as the general path reads
        them (``by_id``, ``claimed_number``); None when one names no indicator or is no
        number (the general path warns)."""
        if not raw:
            return _NO_CLAIMS
        out: dict[str, Decimal] = {}
        for key, cell in self.claimed_by_id(raw).items():
            claim = claimed_number(cell)
            if claim is None or (key != "total" and key not in self.ids):
                return None
            out[key] = claim
        return out

    def scored(
        self, row: _Row, sink: _Sink, out: list[str]
    ) -> tuple[list[str], list[CheckResult]] | None:
        """Every indicator written into ``out`` by ``sink``, then the penalties (judged
        on the total before deduction) and the checks, warned in ``run()``'s order;
        None when an indicator needs the general path. Run in kpiscore's context
        (``entered``)."""
        inds, slots = self.iset.indicators, self.shared_for(sink)
        for ind, each, slot in zip(inds, row.each, slots, strict=True):
            if not row.write(ind, each, slot, sink, out):
                return None
        penalties = row.penalties(row.unpenalised())[0] if self.iset.penalties else []
        checks = row.checks() if self.iset.checks else []
        return penalties, checks

    def cells(self, result: Result) -> Cells | None:
        """(the subject, each indicator's score as a batch table writes it — "n/a" where
        it does not apply —, the row's warnings, the claimed scores that differ) of a
        row the fast path took, without its detail; None where only the general path
        knows them. The first row of each language is also read from its detail, and
        this stands down for the language unless the two agree."""
        lang = result.lang
        if result.total is None or lang in self.cells_refused:
            return None
        row = self.row_for(result)
        if row is None:
            return None
        out: list[str] = []
        saved = entered()
        try:
            scored = self.scored(row, self.table, out)
        finally:
            setcontext(saved)
        if scored is None:
            return None
        found = (row.subject, out, list(row.warnings), row.differences(result))
        if lang not in self.cells_agreed:
            full = result._full
            scores = [table_cell(i.status, i.score) for i in full.indicators]
            differ = [(d.id, d.name, d.claimed, d.computed) for d in full.discrepancies]
            if (full.subject, scores, list(full.warnings), differ) != found:
                self.cells_refused.add(lang)  # never expected: tests/test_plain_json.py
                return None
            self.cells_agreed.add(lang)
        self.tabled += 1
        return found

    def reasons(self, raw: dict[str, Any] | None, lang: Lang) -> dict[str, str] | None:
        """The row's 偏差原因 by indicator id as ``prepare`` reads them, or None when
        reading them notes something or one names no indicator (the general path warns)."""
        if not raw:
            return _NO_REASONS
        notes: list[str] = []
        clean = _Cleaner()
        reasons = read_reasons(self.iset, raw, clean, notes, lang)
        if notes or clean.unsafe or not self.ids.issuperset(reasons):
            return None
        return reasons

    def categories(self, row: _Row, out: list[str], at: int) -> None:
        """Each category's subtotal and applicable weight, summed as ``_Scorer.totals``
        sums them (the indicators an n/a cell drops left out of both)."""
        quantum, points, skipped = self.quantum, row.points, row.skipped
        k = at
        for positions, pick, weight in zip(self.positions, self.picks, self.weights, strict=True):
            if skipped:
                s = applicable = ZERO
                for i in positions:
                    if i not in skipped:
                        s += points[i]
                        applicable += self.iset.indicators[i].weight
                weight = _number(fmt_plain(applicable))
            else:
                s = sum(pick(points), ZERO)
            # round_half_up, in the context the caller entered
            out[k] = _number(fmt_plain(s.quantize(quantum, ROUND_HALF_UP)))
            out[k + 1] = weight
            k += 2


class _Row(_Scorer):
    """One row scored as ``_Scorer`` scores a plain row, each indicator written as it
    is scored instead of kept: the same reading of its actual, the same rule and
    closing steps (``IndicatorScorer.scored``), the same checks. Made without a
    SubjectData: its names are the fast path's values, the numbers and words the
    general path reads from a plain row's cells (a deadline's cell is read again,
    ``actual``)."""

    def __init__(
        self,
        writer: PlainJson,
        result: Result,
        subject: dict[str, Any],
        reasons: dict[str, str],
        claims: dict[str, Decimal],
    ):
        iset, lang, values = writer.iset, result.lang, result.__dict__["_values"]
        self.writer = writer
        self.iset = iset
        self.lang = lang
        self.cells = result.data["values"]
        self.env = self.current = values  # a plain row's names are its values as read
        self.evaluator = Evaluator(values)
        self.words = words_for(iset, lang)
        self.each = writer.each_for(lang)
        self.year = year_of(subject)
        self.subject = subject
        self.reasons = reasons
        self.claims = claims
        self.plain = not reasons and not claims  # no reason or claim to key an indicator by
        self.dropped: frozenset[str] = result.__dict__.get("_dropped", _NONE)
        self.skipped: set[int] = set()  # positions of the indicators dropped
        self.lanes = writer.lanes
        self.precision = iset.precision
        self.warnings: list[str] = []
        self.points: list[Decimal] = []
        self.scores: list[Decimal] = []  # each indicator's score, for the claims
        self.explanations: list[str] = []  # and its words, for a claim that differs
        self.lost: list[tuple[str, str, str, Decimal]] = []
        self.x = RuleInput(iset.indicators[0], None, self.evaluator, lang, values, year=self.year)

    def write(
        self, ind: CompiledIndicator, each: _Each, shared: _Shared, template: _Sink, out: list[str]
    ) -> bool:
        """Write one indicator's values into ``out`` — as written for an earlier row
        whose cells it reads were the same, or anew; False when the row needs the
        general path for it (a formula that cannot run, a number its rule refuses)."""
        if self.dropped and ind.id in self.dropped:
            self.not_applicable(ind, template, out)
            return True
        key: tuple[Any, ...] | None = None
        if not shared.off:
            # Each cell it reads by its type and text (1.0 and 1.00 are equal and show
            # apart; 1, 1.0 and True are equal and read apart), the year, its reason.
            get, reads = self.cells.get, self.writer.reads[ind.id]
            if len(reads) == 1:  # its own cell: most indicators
                v = get(reads[0])
                cells: tuple[tuple[type, str], ...] = ((type(v), str(v)),)
            else:
                cells = tuple([(type(v := get(n)), str(v)) for n in reads])
            if self.plain:
                key = (cells, self.year, None, None)
            else:
                key = (cells, self.year, self.reasons.get(ind.id), self.claims.get(ind.id))
            found = shared.entries.get(key)
            if found is not None:  # replayed
                shared.hits += 1
                out += found[0]
                self.counted(ind, found[1])
                return True
            shared.missed()
        at = len(out)
        made = None if shared.fused is None else shared.fused(self.env, self.reasons, out)
        if made is None or made is FRESH:
            made = self.fresh(ind, each, template, out)
            if made is None:
                return False
            if shared.until:  # counted down to the rows it is written out after
                shared.until -= 1
                if not shared.until:
                    assert isinstance(template, _Template)  # only a template's count down
                    shared.fused = self.writer.written_out(ind, each, template, self.words)
        self.counted(ind, made)
        if key is not None:
            self.writer.keep(shared, key, (tuple(out[at:]), made))
        return True

    def unpenalised(self) -> Decimal | None:
        """The total before any penalty, summed as ``_Scorer.totals`` sums it."""
        points = weight = ZERO
        for i, (ind, point) in enumerate(zip(self.iset.indicators, self.points, strict=True)):
            if i not in self.skipped:
                points += point
                weight += ind.weight
        return total_of(points, weight, self.iset)

    def not_applicable(self, ind: CompiledIndicator, template: _Sink, out: list[str]) -> None:
        """An indicator whose own cell is n/a, as ``IndicatorScorer`` writes it."""
        self.skipped.add(len(self.points))
        steps = _na_steps(ind)
        score = round_half_up(ZERO, self.precision)
        explanation = self.words.explain(steps, ind) if template.explained else ""
        reason = self.reasons.get(ind.id)
        values = (None, "", None, score, ZERO, "not_applicable", explanation, (), False, reason)
        template.indicator_values(out, *values, None)
        self.counted(ind, (ZERO, score, explanation, None, False))

    def counted(self, ind: CompiledIndicator, made: _Made) -> None:
        """What one indicator adds to its row: its points, score and explanation, what
        it lost, a 偏差原因 owed and not given."""
        point, score, explanation, lost, unexplained = made
        self.points.append(point)
        self.scores.append(score)
        self.explanations.append(explanation)
        if lost is not None:
            self.lost.append(lost)
        if unexplained:
            self.warnings.append(self.words.reason_missing(ind))

    def fresh(
        self, ind: CompiledIndicator, each: _Each, template: _Sink, out: list[str]
    ) -> _Made | None:
        """Score one indicator and write its values into ``out``: (its points, its score,
        its explanation when the sink words it, what it lost, whether a reason is owed
        and not given), or None for the general path."""
        x, lane = self.x, each.lane
        try:
            if each.own:  # its own number or word, as read: what nearly every indicator reads
                actual = self.env.get(ind.id)
                if actual is None:
                    return None
                written = None
                steps = [_actual_step(actual)] if each.shows and type(actual) is Decimal else []
            else:
                read = self.actual(ind)
                if read is None:
                    return None
                actual, written, steps = read
            if lane.percent_guard and isinstance(actual, Decimal) and abs(actual) > PERCENT_SANE:
                return None
            extras = self.own_names(ind, actual, lane.target) if lane.own_names else _EMPTY
            names = self.env
            if lane.formulas:
                names = {**names, **extras}
                self.use(names)
            # One RuleInput a row, its indicator's fields set in turn (no rule keeps it).
            x.ind, x.actual, x.names, x.written = ind, actual, names, written
            x.claimed = self.claims.get(ind.id)  # a level indicator's rule uses it in its band
            outcome = lane.rule(x)
        except RuleProblem:
            return None
        steps += outcome.steps
        score, flags = concluded(ind, outcome, self.precision, steps)
        if each.policy is not None:  # needs_reason, without the call for the common case
            needs = owes_reason(each.policy, ind, outcome.completion, score, bool(flags))
        else:
            needs = self.needs_reason(ind, outcome.completion, score, bool(flags), extras)
        if ind.explain is not None:  # the set's own sentence in place of the steps
            text = self.template(ind, actual, score, outcome.completion)
            steps = [made_step("custom", {"text": text})]
        reason = self.reasons.get(ind.id)
        if needs:
            steps += reason_steps(reason)
        shown = outcome.shown_actual
        if shown is None and isinstance(actual, (Decimal, str)):
            shown = actual
        # As IndicatorScorer.result shows it: a number with its unit or %, a word as it
        # is (a checklist's items come as the rule's own text, never as a tuple).
        if type(shown) is Decimal:
            text = each.show(shown)
            written = text if each.plain else None  # no unit, no %: the JSON's actual
        else:
            text, written = str(shown or ""), None
        explanation = self.explain(steps, ind, shown, text) if template.explained else ""
        template.indicator_values(
            out,
            shown,
            text,
            outcome.completion,
            score,
            outcome.raw,
            "scored",
            explanation,
            flags,
            needs,
            reason,
            None,
            written,
        )
        point = score if self.writer.by_category else outcome.raw
        lost = None
        if ind.weight - score > 0:
            lost = (ind.id, each.name, "scored", ind.weight - score)
        return point, score, explanation, lost, needs and not reason

    def explain(self, steps: list[Step], ind: CompiledIndicator, shown: Any, text: str) -> str:
        """``Words.explain``, through the indicator's own sentence: the actual it shows
        is the ``shown`` the JSON writes, already written as ``text``."""
        sentence = self.words.own_sentence(ind, tuple(map(_KIND, steps)))
        if sentence is None:
            return self.words.explain(steps, ind)
        return sentence(steps, _NOT_SHOWN if shown is None else shown, text)

    def worded(self, differences: list[Difference]) -> tuple[Discrepancy, ...]:
        """The claims that differ as the general path words them, each with the
        explanation of kpiscore's score (the sink worded it)."""
        lang, at, out = self.lang, self.writer.at, []
        for key, name, claimed, computed in differences:
            assert computed is not None  # the writer takes a row with a total only
            if key == "total":
                out.append(total_discrepancy(claimed, computed, lang))
            else:
                explanation = self.explanations[at[key]] or self.explanation_of(at[key])
                out.append(indicator_discrepancy(key, name, claimed, computed, explanation, lang))
        return tuple(out)

    def explanation_of(self, at: int) -> str:
        """An indicator's explanation, worded now: a row written without them (a batch's
        .jsonl line) still says how a score its unit disputes was reached."""
        ind = self.iset.indicators[at]
        if at in self.skipped:
            return self.words.explain(_na_steps(ind), ind)
        scratch: list[str] = []
        made = self.fresh(ind, self.each[at], _WORDING, scratch)
        assert made is not None  # it was scored so a moment ago
        return scratch[-1]

    def differences(self, result: Result) -> list[Difference]:
        """Each claimed score that differs from kpiscore's (the total's from the final
        total), in the claims' order, as ``_Scorer.discrepancies`` finds them but not
        worded. None differing: the result holds that (no discrepancies), so a batch
        never builds its detail to find out."""
        at, scores, out = self.writer.at, self.scores, []
        for key, claim in self.claims.items():
            if key == "total":
                if claim != result.total:
                    out.append((key, total_name(self.lang), claim, result.total))
            elif claim != scores[at[key]]:
                name = self.words.fixed(self.iset.indicators[at[key]])["name"]
                out.append((key, name, claim, scores[at[key]]))
        if self.claims and not out:
            result.__dict__.setdefault("discrepancies", ())  # what the detail would say
        result.__dict__.setdefault("subject", self.subject)  # and its subject, as read
        return out

    def actual(self, ind: CompiledIndicator) -> tuple[Any, str | None, list[Step]] | None:
        """(the actual, the cell as written, the steps that read it) of an indicator that
        does not simply read its own cell (``_Each.own``: ``fresh`` reads those), as
        ``IndicatorScorer.actual_of`` reads them on a plain row; None when absent."""
        if ind.actual is not None:
            self.use(self.env)
            actual = self.run_formula(ind.actual)
            use = FormulaUse.of(ind.actual, self.env)
            return actual, None, [made_step("actual_formula", {"formula": use, "value": actual})]
        if self.env.get(ind.id) is None:
            return None
        # A deadline's cell as the general path reads it (the fast path keeps the day),
        # and as written: no other rule reads a cell as written.
        read = plain_value(self.cells[ind.id])
        return read.value, read.written, []


class _Cells:
    """A batch table's cell for each indicator (``_batch.batch_row``): its score as
    ``format(score, "f")`` writes it, "n/a" where it does not apply; never worded.
    Given what ``_Template.indicator_values`` is given, in its order."""

    explained = False

    def indicator_values(self, values: list[str], *fields: Any, written: Any = None) -> None:
        values.append(table_cell(fields[5], fields[3]))  # status, score


def _actual_step(actual: Decimal) -> Step:
    return made_step("actual_value", {"actual": actual})


def _na_steps(ind: CompiledIndicator) -> list[Step]:
    """The steps of an indicator whose own cell is n/a, as ``IndicatorScorer`` takes them."""
    return [made_step("na_data", {"weight": ind.weight})]


class _Wording:
    """A sink that keeps only an indicator's explanation (``_Row.explanation_of``)."""

    explained = True

    def indicator_values(self, values: list[str], *fields: Any, written: Any = None) -> None:
        values.append(fields[6])  # the explanation


_WORDING = _Wording()


def table_cell(status: str, score: Decimal) -> str:
    """An indicator's cell in a batch table: its score, or n/a where it does not apply."""
    return "n/a" if status == "not_applicable" else format(score, "f")


_CELLS = _Cells()
Difference = tuple[str, str, Decimal, "Decimal | None"]  # id, name, claimed, computed
Cells = tuple[dict[str, Any], list[str], list[str], list[Difference]]
_Sink: TypeAlias = "_Template | _Cells | _Wording"  # where _Row writes an indicator's values
_Made = tuple[Decimal, Decimal, str, "tuple[str, str, str, Decimal] | None", bool]
"""What an indicator adds to its row (``_Row.counted``)."""
_Entry = tuple[tuple[str, ...], _Made]  # its values as written, and what it adds


class _Each(NamedTuple):
    """One indicator as a row's writer asks of it in one language."""

    lane: Lane
    show: Callable[[Decimal], str]  # its actual with its unit or %
    plain: bool  # shown as fmt_value shows it: the JSON's actual is the same text
    name: str  # as points lost name it
    policy: ReasonPolicy | None  # the set's 偏差原因 policy; None: its own reason_required
    own: bool  # reads its own cell (not a deadline: its cell is read again as written)
    shows: bool  # its explanation starts with that number (``Lane.shows_actual``)


class _Shared:
    """One indicator's entries in one template, whether keying still pays, and the
    indicator written out as one function once it has been scored ``until`` times."""

    __slots__ = ("entries", "fused", "hits", "misses", "off", "until")

    def __init__(self, until: int) -> None:
        self.entries: dict[tuple[Any, ...], _Entry] = {}
        self.hits = self.misses = 0
        self.off = False
        self.until = until  # 0: never written out
        self.fused: Written | None = None

    def missed(self) -> None:
        """A row's cells not seen before: keying turns off once misses outnumber hits,
        or sooner when nothing has repeated at all."""
        self.misses += 1
        misses, hits = self.misses, self.hits
        if (misses >= _TRIAL and hits < misses) or (misses >= _NO_REPEAT and not hits):
            self.off = True  # its cells do not repeat: keying costs more than it saves


def _subject(subject: Any, lang: Lang) -> dict[str, Any] | None:
    """The subject as ``prepare_plain`` keeps it, or None when reading it notes
    something (a key the contract lacks, text with control characters)."""
    subject = subject or {}  # as prepare_plain: a blank subject ("", None) is none at all
    if type(subject) is str and not has_unsafe_chars(subject):
        return {"name": subject}  # what read_subject keeps of a plain name: most rows
    notes: list[str] = []
    clean = _Cleaner()
    subject = {"name": subject} if isinstance(subject, str) else subject
    kept = read_subject(subject, clean, notes, lang)
    return None if notes or clean.unsafe else kept


def _picker(positions: tuple[int, ...]) -> Callable[[list[Decimal]], tuple[Decimal, ...]]:
    """The points at ``positions``, in order, as a tuple (``itemgetter`` gives one item
    bare)."""
    if len(positions) > 1:
        return operator.itemgetter(*positions)
    return lambda points: tuple(points[i] for i in positions)


_BY_ID = operator.itemgetter(0)
_BY_AMOUNT = operator.itemgetter(3)


@functools.lru_cache(maxsize=64)
def writer_for(iset: IndicatorSet) -> PlainJson | None:
    return PlainJson(iset) if PlainJson.writes(iset) else None
