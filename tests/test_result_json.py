"""Result.to_json writes from per-set templates: the same bytes as json.dumps(to_dict())."""

import dataclasses
import json
import pickle
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import ROOT
from tests.strategies import data_for, specs, to_yaml

import kpiscore
from kpiscore import _result_json
from kpiscore._wording import words_for

PANYU = ROOT / "examples" / "panyu-2022"
INDENTS = (None, 0, 1, 2, 4)


def _dumped(r: kpiscore.Result, indent, steps) -> str:
    return json.dumps(r.to_dict(steps), ensure_ascii=False, indent=indent)


def _same_for_every_layout(r: kpiscore.Result) -> None:
    for indent in INDENTS:
        for steps in (False, True):
            assert r.to_json(indent=indent, steps=steps) == _dumped(r, indent, steps), (
                indent,
                steps,
            )


@settings(max_examples=60)
@given(st.data(), st.sampled_from(["zh", "en"]), st.booleans())
def test_to_json_is_json_dumps_of_to_dict_on_generated_sets_and_rows(data, lang, in_batch):
    spec = data.draw(specs())
    iset = kpiscore.loads(to_yaml(spec))
    values, claimed, manual = data.draw(data_for(spec))
    row = {"subject": {"name": '项目"甲"\n', "year": 2022}, "values": values}
    row |= {"claimed": claimed, "manual": manual}
    if in_batch:  # a row number, and the fast path where the row is plain
        (r,) = kpiscore.score_many(iset, [row], lang=lang)
    else:
        r = kpiscore.score(iset, row, lang=lang)
    _same_for_every_layout(r)
    if r.indicators:  # a scorer's result is written from its set's template
        assert _result_json._template_for(r, 2, True) is not None
    # The template made for this set is the one used (or refused) again, still exact.
    again = kpiscore.score(iset, row, lang=lang)
    assert again.to_json(indent=2) == _dumped(again, 2, False)


def test_the_shipped_examples_use_templates_and_write_the_same_bytes():
    iset = kpiscore.load(PANYU / "department-set.yaml")
    r = kpiscore.score(iset, PANYU / "department.yaml")
    assert r.checks and r.warnings and r.points_lost  # every kind of list is written
    _same_for_every_layout(r)
    templates = words_for(iset, "zh").json_templates
    assert templates and all(t is not None for t in templates.values())


def test_a_claimed_score_that_differs_is_written_with_its_discrepancy():
    iset = kpiscore.load("mof-project-2020")
    data = kpiscore.score(iset, ROOT / "examples" / "quickstart" / "project.yaml").data
    claimed = {"claimed": {"total": "1", "execution_rate": "3"}}
    r = kpiscore.score(iset, {**data, **claimed})
    assert len(r.discrepancies) == 2
    _same_for_every_layout(r)


def test_a_result_changed_by_hand_is_written_from_its_own_values():
    iset = kpiscore.load(PANYU / "department-set.yaml")
    r = kpiscore.score(iset, PANYU / "department.yaml")
    r.to_json()  # the template exists
    first = r.indicators[0]
    renamed = dataclasses.replace(first, name="改过的名字", weight=first.weight + 1)
    fields = {f: getattr(r, f) for f in ("indicator_set", "indicator_set_name", "total")}
    fields |= {f: getattr(r, f) for f in ("full_score", "grade", "complete", "set_digest")}
    fields |= {f: getattr(r, f) for f in ("precision", "categories", "checks", "subject")}
    fields |= {f: getattr(r, f) for f in ("discrepancies", "points_lost", "penalties")}
    changed = kpiscore.Result(
        **fields,
        indicators=(renamed, *r.indicators[1:]),
        warnings=r.warnings,
        data=r.data,
    )
    text = changed.to_json()
    assert "改过的名字" in text and text == _dumped(changed, 2, False)
    assert _result_json._template_for(changed, 2, False) is None


def test_an_unpickled_result_is_written_the_same():
    iset = kpiscore.load(PANYU / "department-set.yaml")
    r = kpiscore.score(iset, PANYU / "department.yaml")
    back = pickle.loads(pickle.dumps(r))
    assert back.to_json() == r.to_json() == _dumped(r, 2, False)


@pytest.mark.parametrize("indent", ["\t", -1, True])
def test_an_indent_json_takes_but_no_template_covers_is_passed_to_json(indent):
    iset = kpiscore.load(PANYU / "department-set.yaml")
    r = kpiscore.score(iset, PANYU / "department.yaml")
    assert r.to_json(indent=indent) == _dumped(r, indent, False)


def test_laid_out_records_are_reused_and_bounded_and_still_the_same_bytes(monkeypatch):
    monkeypatch.setattr(_result_json, "_MAX_OBJECTS", 3)
    iset = kpiscore.load(PANYU / "department-set.yaml")
    r = kpiscore.score(iset, PANYU / "department.yaml")
    _same_for_every_layout(r)
    template = _result_json._template_for(r, 2, False)
    assert template is not None
    assert 0 < len(template.objects) <= 3  # cleared when full, never past the bound
    _same_for_every_layout(r)  # written again, partly from laid-out records


@pytest.mark.parametrize(
    "subject",
    [
        {"name": "项目甲"},
        {"name": '引号"与\\斜杠\n换行', "year": 2022, "done": True, "org": None},
        {"name": "x", "funds": 12.5},  # a float goes through the encoder
        {"name": "x", "year": Decimal("2023"), "org": Decimal("-0.50")},  # kept as Decimals
        {"name": "x", "contact": Decimal("1E+5"), "department": -3},
        {"name": "x", "items": ["a", "b"]},
        "只有名称",
        {},
    ],
)
@pytest.mark.parametrize("fast", [True, False])
def test_every_kind_of_subject_is_written_as_json_dumps_writes_it(subject, fast):
    iset = kpiscore.load("mof-project-2020")
    row = {"subject": subject, "values": {"budget": 100, "spent": 95}}
    r = next(iter(kpiscore.score_many(iset, [row]))) if fast else kpiscore.score(iset, row)
    _same_for_every_layout(r)


def test_flags_and_penalties_are_written_as_json_dumps_writes_them_in_every_layout():
    iset = kpiscore.loads(
        "kpiscore: 1\nid: fp\nname: 标记\ncategories:\n  - {id: c, name: 产出, weight: 100}\n"
        "indicators:\n"
        "  - {id: a, category: c, name: 甲, weight: 50, target: '>= 10'}\n"
        "  - {id: b, category: c, name: 乙, weight: 50, rule: reverse, target: '<= 10'}\n"
        "penalties:\n"
        "  - {name: 重大违规, when: 'violation', deduct: 10}\n"
        '  - {name: "审计\\"问题\\"", when: \'audit\', deduct: 5}\n'
    )
    row = {"values": {"a": 30, "b": 2, "violation": True, "audit": True}}
    for r in (kpiscore.score(iset, row), *kpiscore.score_many(iset, [row])):
        assert r.indicators[0].flags == ("over_achievement",) and len(r.penalties) == 2
        _same_for_every_layout(r)
