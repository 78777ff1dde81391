"""The result objects: steps as data, explanations worded late, digests of the data as scored."""

import json
import pickle
from decimal import Decimal

import pytest
from tests.conftest import ROOT

import kpiscore

PANYU = ROOT / "examples" / "panyu-2022"


def _project():
    iset = kpiscore.load("mof-project-2020")
    data = {
        "values": {
            "budget": Decimal(100),
            "spent": Decimal("87.5"),
            "output_quantity": "8个",
            "output_quality": "部分达成",
            "completion_time": Decimal(36),
            "cost_control": Decimal("1.12"),
            "economic_benefit": "达成",
            "social_benefit": "达成",
            "ecological_benefit": "未达成",
            "sustainability": "达成",
            "satisfaction": Decimal("0.95"),
        }
    }
    return iset, data


def test_steps_hold_the_numbers_the_explanation_states():
    iset, data = _project()
    r = kpiscore.score(iset, data).indicator("output_quantity")
    kinds = [s.kind for s in r.steps]
    assert kinds[:3] == ["actual_value", "ratio_head", "scaled"]
    scaled = r.steps[2].values
    assert (scaled["num"], scaled["den"], scaled["weight"]) == (8, 10, r.weight)
    assert scaled["exact"] == r.raw_score == Decimal(16)
    assert "8个 ÷ 10个 × 20 = 16" in r.explanation


def test_to_dict_with_steps_is_plain_json_and_without_them_unchanged():
    iset, data = _project()
    result = kpiscore.score(iset, data)
    plain = result.to_dict()
    assert all("steps" not in ind for ind in plain["indicators"])
    rich = json.loads(result.to_json(steps=True))
    quantity = next(i for i in rich["indicators"] if i["id"] == "output_quantity")
    assert quantity["steps"][2] == {
        "step": "scaled",
        "state": "not_met",
        "rule": "actual/target",
        "num": "8",
        "den": "10",
        "weight": "20",
        "exact": "16",
    }
    cost = next(i for i in rich["indicators"] if i["id"] == "cost_control")
    band = next(s for s in cost["steps"] if s["step"].startswith("band"))
    assert band["k"] == 2 and band["score"] == "6"  # |1.12 − 1| is in the second band
    del rich["indicators"]
    assert {k: v for k, v in plain.items() if k != "indicators"} == rich


def test_english_and_chinese_explanations_come_from_the_same_steps():
    iset, data = _project()
    zh = kpiscore.score(iset, data)
    en = kpiscore.score(iset, data, lang="en")
    for a, b in zip(zh.indicators, en.indicators, strict=True):
        assert a.steps == b.steps
        assert a.explanation != b.explanation


def test_a_pickled_result_keeps_its_words_and_digest_without_its_set():
    iset, data = _project()
    result = kpiscore.score(iset, data)
    blob = pickle.dumps(result)
    assert b"IndicatorSet" not in blob  # the set is not sent along with every result
    assert b"CompiledIndicator" not in blob
    # Its steps travel, not its text: every explanation is worded again when read.
    for ind in result.indicators:
        assert ind.explanation.encode("utf-8") not in blob, ind.id
    assert b"Step" in blob
    again = pickle.loads(blob)
    assert all("explanation" not in i.__dict__ for i in again.indicators)
    assert again == result
    assert [i.explanation for i in again.indicators] == [i.explanation for i in result.indicators]
    assert again.data_digest == result.data_digest
    assert again.to_json() == result.to_json()


def test_the_data_digest_is_of_the_data_as_scored_even_if_the_caller_changes_it_after():
    iset, data = _project()
    before = kpiscore.score(iset, data)
    fresh = kpiscore.score(iset, json.loads(json.dumps(data, default=str)))
    data["values"]["spent"] = Decimal(1)
    data["values"]["output_quantity"] = "9个"
    assert before.data_digest == kpiscore.score(iset, _project()[1]).data_digest
    assert before.data_digest != kpiscore.score(iset, data).data_digest
    assert fresh.data_digest != before.data_digest  # strings are not the Decimals they spell


def test_steps_json_keeps_formulas_lists_and_blanks_as_data():
    r = kpiscore.score(kpiscore.load(PANYU / "department-set.yaml"), PANYU / "department.yaml")
    rate = r.indicator("execution_rate").to_dict(steps=True)["steps"][0]
    assert rate["step"] == "actual_formula"
    assert rate["formula"] == {
        "formula": "spent / budget",
        "values": {"budget": "1129.88", "spent": "1104.87"},
    }
    listed = r.indicator("basic_info").to_dict(steps=True)["steps"]
    chosen = next(s for s in listed if s["step"] == "checklist")["chosen"]
    assert chosen == [["真实", "4"], ["完整", "3"], ["准确", "3"]]
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, rule: bands, bands: ["
            "{when: 'actual > 5', score: 100}, {score: 50}]}\n"
        )
    )
    other = kpiscore.score(iset, {"values": {"a": 1}}).indicator("a").to_dict(steps=True)
    band = next(s for s in other["steps"] if s["step"] == "band")
    assert band["when"] is None and band["k"] == 2 and band["score"] == "50"


def test_a_pickled_result_words_formulas_with_the_sets_labels_in_both_languages():
    iset = kpiscore.load(PANYU / "department-set.yaml")
    for lang in ("zh", "en"):
        result = kpiscore.score(iset, PANYU / "department.yaml", lang=lang)
        again = pickle.loads(pickle.dumps(result))
        assert [i.explanation for i in again.indicators] == [
            i.explanation for i in result.indicators
        ]
        assert any("÷" in i.explanation or "/" in i.explanation for i in again.indicators)
        # One indicator alone pickles with its own vocabulary, too.
        first = result.indicators[0]
        assert pickle.loads(pickle.dumps(first)).explanation == first.explanation
        # And a result pickled twice (a pool forwarding it) is still worded the same.
        twice = pickle.loads(pickle.dumps(again))
        assert twice.to_json(steps=True) == result.to_json(steps=True)


def test_a_sets_own_words_refuse_to_be_pickled_whole():
    import pytest

    from kpiscore._wording import words_for

    iset, _ = _project()
    with pytest.raises(TypeError):
        pickle.dumps(words_for(iset, "zh"))


def test_a_mapping_without_explanations_never_words_them():
    iset, data = _project()
    result = kpiscore.score(iset, data)
    doc = result._mapping(steps=False, explained=False)
    assert all("explanation" not in i.__dict__ for i in result.indicators)  # not worded
    full = result.to_dict()
    for ind in full["indicators"]:
        del ind["explanation"]
    assert doc == full


def test_a_category_result_the_scorer_makes_is_the_dataclasss_own():
    from kpiscore.result import CategoryResult

    args = ("out", "产出", Decimal(50), Decimal("46.00"), Decimal(50))
    made = CategoryResult._made(*args)
    assert made == CategoryResult(*args) and made.to_dict() == CategoryResult(*args).to_dict()
    assert pickle.loads(pickle.dumps(made)) == made
    with pytest.raises(AttributeError):
        made.score = Decimal(0)  # type: ignore[misc]


def test_an_explanation_is_worded_on_first_read_once_and_then_kept(monkeypatch):
    iset, data = _project()
    ir = kpiscore.score(iset, data).indicators[0]
    words = ir.words[0]
    real, calls = type(words).explain, []

    def counted(self, steps, ind):
        calls.append(ind.id)
        return real(self, steps, ind)

    monkeypatch.setattr(type(words), "explain", counted)
    assert "explanation" not in ir.__dict__
    first = ir.explanation
    assert ir.explanation is first and ir.__dict__["explanation"] is first
    assert calls == [ir.id]
    assert "How the score was reached" in type(ir).explanation.__doc__  # for help()
