"""The wording layer: templates as parsed once, worded as string.Formatter would."""

import json
import string
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import ROOT
from tests.strategies import data_for, specs, to_yaml
from tests.test_formula import _VALUES, _formulas

import kpiscore
from kpiscore._formula import FormulaRejected, compile_formula, render
from kpiscore._steps import FormulaUse
from kpiscore._wording import _LEADS, TEMPLATES, _Formatter, words_for
from kpiscore.testing import assert_invariants


def test_every_template_uses_named_fields_only_no_conversion_or_nested_spec():
    """explain() renders a template's parsed fields directly; that is only
    string.Formatter's meaning while no template uses {0}, {a.b}, {a!r} or {a:{b}}."""
    for kind, pair in TEMPLATES.items():
        for template in pair:
            for _lit, name, spec, conversion in string.Formatter().parse(template):
                if name is None:
                    continue
                assert name.isidentifier(), (kind, name)
                assert conversion is None, (kind, name)
                assert "{" not in (spec or ""), (kind, name)


def _by_formatter(words, steps, ind):
    """The wording as string.Formatter.vformat gives it: what explain() must equal."""
    fmt = _Formatter(words, ind)
    parts = []
    for one in steps:
        template = TEMPLATES[one.kind][1 if words.en else 0]
        if not parts and template.startswith(_LEADS):
            template = template[1 if template[0] == "，" else 2 :]
        parts.append(fmt.vformat(template, (), one.values))
    return "".join(parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("set_path", "data_path"),
    [
        ("examples/panyu-2022/department-set.yaml", "examples/panyu-2022/department.yaml"),
        ("indicator_sets/mof-project-2020.yaml", "examples/quickstart/project.yaml"),
        ("indicator_sets/mof-project-2021.yaml", "examples/quickstart/project-2021.yaml"),
        ("indicator_sets/mof-department-2013.yaml", "examples/quickstart/department.yaml"),
    ],
)
def test_explanations_are_the_formatters_words(lang, set_path, data_path):
    iset = kpiscore.load(ROOT / set_path, lang=lang)
    result = kpiscore.score(iset, ROOT / data_path, lang=lang)
    words = words_for(iset, lang)
    seen = 0
    for r in result.indicators:
        ind = iset.indicator(r.id)
        assert r.explanation == _by_formatter(words, r.steps, ind)
        seen += len(r.steps)
    assert seen > len(result.indicators)  # more than one step each: real sentences


def test_a_deadline_target_is_shown_in_the_runs_language():
    iset = kpiscore.loads(
        "kpiscore: 1\nid: d\nname: 期\ncategories: [{id: c, name: 类, weight: 100}]\n"
        "indicators:\n  - {id: t, category: c, name: 时效, weight: 100, rule: deadline,"
        " target: '2022年9月30日前完成'}\n"
    )
    data = {"subject": {"year": 2022}, "values": {"t": "2022-10-05"}}
    assert kpiscore.score(iset, data).indicator("t").target_shown == "≤2022年9月30日"
    en = kpiscore.score(iset, data, lang="en").indicator("t")
    assert en.target_shown == "≤2022-09-30"
    assert en.explanation.startswith("target ≤2022-09-30 (2022-09-30), actual 2022-10-05")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_missing_reason_is_worded_once_per_indicator_and_language(lang):
    from kpiscore._messages import message

    iset = kpiscore.load("mof-project-2020")
    row = {"values": {"budget": 100, "spent": 50}}
    first, second = (kpiscore.score(iset, row, lang=lang) for _ in range(2))
    owed = [w for w in first.warnings if w.code == "reason_missing"]
    assert owed[0].indicator == "execution_rate"
    again = [w for w in second.warnings if w.code == "reason_missing"]
    assert len(again) == len(owed) and all(a is b for a, b in zip(again, owed, strict=True))
    name = first.indicator("execution_rate").name
    want = message("reason_missing", lang, id="execution_rate", name=name)
    assert str(owed[0]) == str(want)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), data=st.data(), lang=st.sampled_from(["zh", "en"]))
def test_a_compiled_sentence_says_what_the_pieces_say(spec, data, lang):
    """explain() compiles each sequence of step kinds into one function; it must give
    the piece-by-piece wording and string.Formatter's for every rule and outcome."""
    iset = kpiscore.loads(to_yaml(spec))
    values, claimed, manual = data.draw(data_for(spec))
    row = {"values": values, "claimed": claimed, "manual": manual}
    result = kpiscore.score(iset, row, lang=lang)
    words = words_for(iset, lang)
    for r in result.indicators:
        ind = iset.indicator(r.id)
        spelled = words.spelled_out(r.steps, ind)
        assert words.explain(r.steps, ind) == spelled == _by_formatter(words, r.steps, ind)
        # An indicator's own sentence, given the actual as the JSON writer shows it (or an
        # object no step holds), its weight and target bound: the same words.
        own = words.own_sentence(ind, tuple(st.kind for st in r.steps))
        assert own is not None
        shown = r.actual
        if isinstance(shown, D):
            text = words.show_for(ind)(shown)
            assert own(r.steps, shown, text) == spelled
            assert own(r.steps, D(str(shown)), "not this text") == spelled  # equal, not it
        assert own(r.steps, object(), "not this text") == spelled


def test_past_the_compiled_sentences_cap_explanations_are_spelled_out(monkeypatch):
    from kpiscore import _wording

    iset = kpiscore.load("mof-project-2020")
    row = {"values": {"budget": 100, "spent": 50}}
    want = [r.explanation for r in kpiscore.score(iset, row).indicators]
    words = words_for(iset, "zh")
    monkeypatch.setattr(words, "_sentences", {})
    monkeypatch.setattr(_wording, "_MAX_SENTENCES", 0)
    got = [
        words.explain(r.steps, iset.indicator(r.id)) for r in kpiscore.score(iset, row).indicators
    ]
    assert got == want
    assert words._sentences == {}  # nothing compiled past the cap


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12))
def test_an_intermediate_result_is_exact_up_to_four_places_else_marked_and_rounded(d):
    from kpiscore._numbers import round_half_up
    from kpiscore._wording import approx

    text = approx(d)
    exponent = d.as_tuple().exponent
    if exponent < -4:
        assert text.startswith("≈")
        assert D(text[1:]) == round_half_up(d, 4)
    else:
        assert D(text) == d
        assert "e" not in text.lower()
        assert not ("." in text and text.endswith("0"))  # trailing zeros dropped


@pytest.mark.parametrize("en", [False, True])
@pytest.mark.parametrize("first", [False, True])
def test_a_steps_pieces_give_back_its_template_less_a_leading_comma_when_first(
    en, first, monkeypatch
):
    """Made afresh (not from the per-process tables): every template's literals, names
    and formatters, with the joining comma dropped only where a sentence starts."""
    from kpiscore import _wording
    from kpiscore._wording import FIELDS, _pieces, _pieces_of

    monkeypatch.setattr(_wording, "_FIRST", {False: {}, True: {}})
    monkeypatch.setattr(_wording, "_REST", {False: {}, True: {}})

    for kind, pair in TEMPLATES.items():
        template = pair[int(en)]
        want = template
        if first and template.startswith(_LEADS):
            want = template[1 if template[0] == "，" else 2 :]
        pieces = _pieces(kind, int(en), first)
        rebuilt = ""
        for (literal, name, field), (_l, _n, spec, _c) in zip(
            pieces, string.Formatter().parse(want), strict=True
        ):
            rebuilt += literal.replace("{", "{{").replace("}", "}}")
            if field is not None:
                rebuilt += "{" + name + (":" + spec if spec else "") + "}"
                if spec in FIELDS:
                    assert field is FIELDS[spec], (kind, name)
                else:
                    assert field(D("1.5"), None, None) == format(D("1.5"), spec), (kind, name)
            else:
                assert name == ""
        assert rebuilt == want, kind
        # The table holds the same pieces (a spec without a FIELDS entry is a new lambda).
        held = _pieces_of(kind, en, first)
        assert [(lit, n) for lit, n, _ in held] == [(lit, n) for lit, n, _ in pieces]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("7", "7"),
        ("-2.50", "-2.5"),
        ("12.3450", "12.345"),
        ("1E+3", "1000"),
        ("-0", "0"),
        ("-0.000", "0"),
        ("0.0001", "0.0001"),
        ("0.00005", "≈0.0001"),
        ("123.45675", "≈123.4568"),
        ("5.00000", "≈5.0000"),
        ("-0.00004", "≈0.0000"),
    ],
)
def test_an_intermediate_result_is_shown_as_a_person_reads_it(value, shown):
    from kpiscore._wording import approx

    assert approx(D(value)) == shown


def _ratio_words():
    iset = kpiscore.loads(
        "kpiscore: 1\nid: r\nname: 率\ncategories: [{id: c, name: 类, weight: 100}]\n"
        "indicators:\n  - {id: x, category: c, name: 比率, weight: 100, target: '>= 80%'}\n"
    )
    return iset, words_for(iset, "zh")


def test_a_sequence_of_step_kinds_is_compiled_once_per_set_and_language(monkeypatch):
    from kpiscore import _wording

    iset, words = _ratio_words()
    made = []
    real = _wording._sentence
    monkeypatch.setattr(words, "_sentences", {})
    monkeypatch.setattr(_wording, "_sentence", lambda *a: made.append(a) or real(*a))
    for rate in ("0.5", "0.6", "0.9"):
        result = kpiscore.score(iset, {"values": {"x": rate}})
        ir = result.indicator("x")
        assert words.explain(ir.steps, iset.indicator("x")) == ir.explanation
    # 0.5 and 0.6 fall short the same way, 0.9 meets the target: two sequences, two sentences.
    assert len(made) == len(words._sentences) == 2


def test_a_compiled_sentence_has_no_builtins_and_shows_through_the_indicators_unit():
    from kpiscore._steps import Step
    from kpiscore._wording import _sentence

    iset, words = _ratio_words()
    ind = iset.indicator("x")
    shown = _sentence(("actual_value",), False)
    assert shown.__globals__["__builtins__"] == {}
    assert "show_for" in shown.__code__.co_names  # the unit's shower, looked up once
    assert shown([Step("actual_value", {"actual": D("0.955")})], words, ind) == "实际值 95.5%"
    assert shown([Step("actual_value", {"actual": "优"})], words, ind) == "实际值 优"
    # Two literals side by side (a step ending in one, the next starting with one) are one.
    owed = _sentence(("reason_owed", "reason_not_given"), False)
    assert [n for n in owed.__code__.co_names if n.startswith("L")] == ["L0"]
    assert owed([Step("reason_owed", {}), Step("reason_not_given", {})], words, ind) == (
        "；需说明偏差原因（未填写）"  # only a comma is dropped before a sentence's first words
    )
    assert _sentence((), False)([], words, ind) == ""


_EXTREME = st.one_of(
    st.builds(lambda n, e: D(n).scaleb(e), st.integers(-(10**15), 10**15), st.integers(-300, 300)),
    st.sampled_from(
        [D("1E-300"), D("-1E-300"), D("9.99E+299"), D(0), D("-0"), 1e-300, 1e300, 5e-324]
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), data=st.data(), lang=st.sampled_from(["zh", "en"]))
def test_every_number_a_row_may_hold_is_worded_and_written_never_a_traceback(spec, data, lang):
    """Tiny and huge amounts (a target met 10^300 times over, an actual of 10^-300)
    are scored, explained and written, or named as a problem; nothing raises."""
    iset = kpiscore.loads(to_yaml(spec))
    values = {ind.id: data.draw(_EXTREME) for ind in spec.indicators}
    result = kpiscore.score(iset, {"values": values}, lang=lang)
    assert_invariants(iset, result)  # bounds, sums, every explanation states its score
    assert json.loads(result.to_json()) == result.to_dict()
    assert all(i.explanation in kpiscore.render(result, "text") for i in result.indicators)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["zh", "en"]),
    st.data(),
)
def test_a_formula_is_shown_as_render_shows_it_with_each_names_label_and_unit(lang, data):
    text = data.draw(_formulas())
    try:
        formula = compile_formula(text, allowed_names=["a", "b", "c", "t"])
    except FormulaRejected:
        return
    names = data.draw(st.dictionaries(st.sampled_from(["a", "b", "c", "t"]), _VALUES))
    iset = kpiscore.loads(_LABELLED)
    words = words_for(iset, lang)
    use = FormulaUse(formula, names)
    for _ in range(2):  # worded anew, then from the pieces kept
        assert words.formula(use) == render(formula, words.labelled(names), lang)


_LABELLED = """kpiscore: 1
id: labelled
name: 标签
inputs:
  a: {name: 预算数, name_en: Budget, unit: 万元}
  b: {name: 完成率, type: percent}
  c: {name: 件数}
categories: [{id: c1, name: 产出, weight: 100}]
indicators:
  - {id: t, category: c1, name: 指标, weight: 100, rule: formula, score: "min(100, a + b + c)"}
"""


def test_the_json_writer_words_an_indicator_through_its_own_sentence_made_once(monkeypatch):
    """A row written to JSON without its detail words each indicator through the
    indicator's own sentence, one per step sequence; past the cap, through explain()."""
    from kpiscore import _wording

    iset, words = _ratio_words()
    made = []
    real = _wording._sentence
    monkeypatch.setattr(words, "_own", {})
    monkeypatch.setattr(_wording, "_sentence", lambda *a: made.append(a) or real(*a))

    def written(rate):
        result = kpiscore.score(iset, {"values": {"x": rate}})
        general = kpiscore.score(iset, {"subject": "甲", "values": {"x": rate}}).to_json()
        return json.loads(result.to_json()), json.loads(general)

    for rate in ("0.5", "0.6", "0.9", "0.5"):
        mine, general = written(rate)
        assert mine["indicators"] == general["indicators"]
    # 0.5 and 0.6 fall short the same way, 0.9 meets the target: two own sentences.
    own = [a[0] for a in made if len(a) == 3]  # (kinds, en, the indicator's own numbers)
    assert len(own) == len(words._own) == 2
    assert {kinds for _, kinds in words._own} == set(own)
    monkeypatch.setattr(words, "_own", {})
    monkeypatch.setattr(_wording, "_MAX_SENTENCES", 0)
    assert words.own_sentence(iset.indicator("x"), ("actual_value",)) is None
    mine, general = written("0.7")
    assert mine["indicators"] == general["indicators"]
    assert words._own == {}
