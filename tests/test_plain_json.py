"""A plain row's JSON written from its cells (``_plain_json``) against the general path.

score_many's results write their JSON without their detail when the row is plain
and the set is one the writer takes; these tests generate sets and rows and hold
every text to the general path's, byte for byte, and hold the writer to the rows
it can take (a writer that always stood down would pass the first test alone).
"""

import datetime
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import RULES, specs, to_yaml
from tests.test_fast import EXAMPLES, PHASES, _general, plain_rows, plain_value

import kpiscore
from kpiscore._batch import batch_row
from kpiscore._fused import FRESH
from kpiscore._plain_json import PlainJson, _Cells, writer_for
from kpiscore._result_json import to_json
from kpiscore._wording import Words

D = Decimal
WRITTEN = tuple(r for r in RULES if r != "manual")  # a manual score: the general way


@st.composite
def written_rows(draw, spec):
    """(values, a plain row, True): every cell in a form the fast path takes."""
    values = {i.id: draw(plain_value(i).filter(lambda v: v[1] is True))[0] for i in spec.indicators}
    if spec.penalty is not None and draw(st.integers(0, 3)):  # else not judged: warned
        values["violation"] = draw(st.sampled_from([D(0), D(1), 1, "1"]))
    data = {
        "subject": draw(
            st.sampled_from(
                [
                    "项目",
                    {"name": "项目", "year": 2022},
                    {"name": "项目", "year": D("2023.0"), "org": "乙"},
                    "",  # a blank subject is none at all (prepare), not a blank name
                    {},
                    {"name": ""},
                    "项\u202e目",  # cleaned and warned by the general path
                ]
            )
        ),
        "values": values,
    }
    if draw(st.booleans()):
        data["notes"] = "备注"
    if draw(st.booleans()):
        data["reasons"] = draw(reasons(spec))
    return values, data, True


REASON_TEXTS = st.one_of(
    st.sampled_from(["年底集中支付", "  受疫情影响，项目延期  ", "", "   ", "原因\x07", "x" * 130]),
    st.text(max_size=8),
    st.decimals(allow_nan=False, allow_infinity=False, places=1, max_value=999, min_value=-9),
    st.integers(-5, 10**6),
    st.sampled_from([None, True, 1.5]),
)


@st.composite
def reasons(draw, spec):
    """偏差原因 for some indicators, under the id or the name, and now and then under a
    name the set does not know: text, blanks, numbers, what is not text."""
    out = {}
    for ind in draw(st.lists(st.sampled_from(spec.indicators), max_size=4, unique_by=id)):
        key = draw(st.sampled_from([ind.id, f"指标{ind.id}", ind.id + "x"]))  # to_yaml names it so
        out[key] = draw(REASON_TEXTS)
    return out


# What the general path notes about a row that the writer leaves to it.
_NOTED = {
    "reason_not_text",
    "unknown_reason",
    "data_unsafe_text",
    "more_strays",
    "claimed_not_a_number",
    "claimed_unknown",
}


def with_claims(draw, iset, row, lang):
    """The row, now and then with the unit's own scores: kpiscore's own (every claim
    agrees: the writer takes it), or a few others (a discrepancy, a claim that is no
    number or names no indicator: the general path reports them)."""
    how = draw(st.sampled_from([None, None, "agree", "other"]))
    if how is None:
        return row
    general = _general(iset, row, lang, None)
    if how == "agree":
        claimed = {
            draw(st.sampled_from([i.id, f"指标{i.id}"])): draw(
                st.sampled_from([i.score, format(i.score, "f"), f"{i.score}分"])
            )
            for i in general.indicators
            if draw(st.booleans())
        }
        if general.total is not None and draw(st.booleans()):
            claimed[draw(st.sampled_from(["total", "总分"]))] = general.total
    else:
        ids = [i.id for i in iset.indicators]
        claimed = {
            draw(st.sampled_from([*ids, "无此指标"])): draw(
                st.sampled_from([D(0), D(3), "8分", "abc", None])
            )
            for _ in range(draw(st.integers(1, 3)))
        }
    return {**row, "claimed": claimed}


def _writable(iset, row, plain, general):
    """Whether the writer must write this row (after the first of its kind): a plain
    row of a set it takes, every indicator scored, nothing only the general path says
    (a claimed score that differs included: the writer words it, explanation and all)."""
    return (
        plain
        and PlainJson.writes(iset)
        and general.total is not None
        and all(i.status in ("scored", "not_applicable") for i in general.indicators)
        and not any(w["code"] in _NOTED for w in general.to_dict()["warnings"])
    )


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(st.data())
def test_a_plain_rows_json_written_from_its_cells_is_the_general_paths_json(data):
    writable = data.draw(st.integers(0, 3)) > 0
    spec = data.draw(specs(WRITTEN if writable else RULES))  # mostly a set it takes
    iset = kpiscore.loads(to_yaml(spec))
    drawn = [data.draw(plain_rows(spec, iset.formula_names()))]  # some outside the plain case
    drawn += [data.draw(written_rows(spec)) for _ in range(3)]
    lang = data.draw(st.sampled_from(["zh", "en"]))
    drawn = [(v, with_claims(data.draw, iset, row, lang), ok) for v, row, ok in drawn]
    indent = data.draw(st.sampled_from([None, 2, 0]))
    explained = data.draw(st.sampled_from([True, True, False]))  # False: a batch's .jsonl
    rows = [row for _, row, _ in drawn]
    writer = writer_for(iset)
    if writer is not None and data.draw(st.booleans()):
        writer.write_out_after = 1  # ratio and reverse written out from the second row
    before = writer.written if writer is not None else 0
    expected = 0
    seen = False  # the first writable row of a kind is written the general way
    for result, (_, row, plain) in zip(
        kpiscore.score_many(iset, rows, lang=lang), drawn, strict=True
    ):
        general = _general(iset, row, lang, result.row)
        if explained:
            assert result.to_json(indent=indent) == general.to_json(indent=indent), row
        else:
            want = json.dumps(general._mapping(False, False), ensure_ascii=False, indent=indent)
            assert to_json(result, indent, False, explained=False) == want, row
        if _writable(iset, row, plain, general):
            expected += seen
            seen = True
    if writer is not None:
        assert writer.written - before == expected
        assert not writer.refused
    else:
        assert expected == 0


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(st.data())
def test_a_plain_rows_batch_cells_are_the_general_paths_cells(data):
    writable = data.draw(st.integers(0, 3)) > 0
    spec = data.draw(specs(WRITTEN if writable else RULES))
    iset = kpiscore.loads(to_yaml(spec))
    drawn = [data.draw(plain_rows(spec, iset.formula_names()))]
    drawn += [data.draw(written_rows(spec)) for _ in range(3)]
    lang = data.draw(st.sampled_from(["zh", "en"]))
    drawn = [(v, with_claims(data.draw, iset, row, lang), ok) for v, row, ok in drawn]
    writer = writer_for(iset)
    before = writer.tabled if writer is not None else 0
    first = writer is None or lang not in writer.cells_agreed
    tabled = 0
    rows = [row for _, row, _ in drawn]
    for result, (_, row, plain) in zip(
        kpiscore.score_many(iset, rows, lang=lang), drawn, strict=True
    ):
        general = _general(iset, row, lang, result.row)
        assert batch_row(result) == batch_row(general), row
        tabled += _writable(iset, row, plain, general)
    if writer is not None:
        assert writer.tabled - before == tabled  # the first is checked, and counted too
        assert not writer.cells_refused
    else:
        assert tabled == 0
    assert first or tabled == 0 or lang in writer.cells_agreed


def test_batch_cells_that_disagree_with_the_detail_are_not_used(monkeypatch):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    monkeypatch.setattr(writer, "cells_agreed", set())
    monkeypatch.setattr(writer, "cells_refused", set())
    monkeypatch.setattr(_Cells, "indicator_values", lambda self, values, *rest: values.append("9"))
    results = list(kpiscore.score_many(iset, _rows()))
    rows = [batch_row(r) for r in results]
    assert writer.cells_refused == {"zh"}
    assert [row["a"] for row in rows] == [format(r.indicator("a").score, "f") for r in results]


SET = """
kpiscore: 1
id: w
name: 写出
categories:
  - {id: b, name: 预算执行, weight: 10}
  - {id: c, name: 产出, weight: 90}
indicators:
  - {id: e, category: b, name: 预算执行率, weight: 10, rule: ratio, target: '>= 100%',
     actual: spent / budget}
  - {id: a, category: c, name: 完成率, weight: 30, rule: ratio, target: '>= 95%'}
  - {id: k, category: c, name: 成本, weight: 20, rule: reverse, target: '<= 50 万元'}
  - {id: f, category: c, name: 公式, name_en: Formula, weight: 5, rule: formula,
     score: 'min(weight, f / 4)'}
  - {id: g, category: c, name: 档次, weight: 5, rule: bands, target: '>= 10',
     bands: [{when: 'completion >= 1', score: 5}, {when: 'completion >= 0.5', score: 2.5},
             {score: 0}]}
  - {id: q, category: c, name: 质量, name_en: Quality, weight: 15, rule: qualitative,
     target: 达成}
  - {id: t, category: c, name: 时效, weight: 15, rule: deadline, target: '≤2023年10月'}
checks:
  - {name: 执行数不超过预算数, assert: 'spent <= budget'}
reasons: {below_weight: false, deviation_above: 0.1}
"""
LEVELS = ("达成", "基本达成", "部分达成", "未达成")


def _rows():
    return [
        {
            "subject": {"name": f"项目{k}", "year": 2023},
            "values": {
                "budget": D(100),
                "spent": D(k + 15),  # over the budget from k = 86: the check fails
                "a": f"{k + 10}%",
                "k": f"{40 + k % 20}万元",
                "f": D(k) / 5,
                "g": D(k % 13),
                "q": LEVELS[k % 4],
                "t": ["2023年10月", datetime.date(2023, 11, 15), "按时完成", "延期"][k % 4],
            },
        }
        for k in range(80, 90)
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("indent", [None, 2])
def test_rows_after_the_first_are_written_without_their_detail(lang, indent):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    before = writer.written
    results = list(kpiscore.score_many(iset, _rows(), lang=lang))
    texts = [r.to_json(indent=indent) for r in results]
    assert writer.written - before == len(results) - 1  # the first: the general way
    assert all("_full" not in r.__dict__ for r in results[1:])  # no detail built
    for r, text in zip(results, texts, strict=True):
        assert r.indicators  # the detail, built now
        assert text == r.to_json(indent=indent)  # written from it: the same text


def test_a_row_the_writer_cannot_take_goes_the_general_way():
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    rows = _rows()
    rows[3]["reasons"] = {"a": "原因", "完成律": "别的"}  # a name the set lacks: warned
    rows[5]["subject"] = {"name": "项目", "owner": "某"}  # a key the contract lacks: noted
    rows[7]["claimed"] = {"总分": "九十"}  # no number: warned by the general path
    rows[8]["values"]["k"] = " 45"  # read after trimming: not plain at all
    rows[9]["notes"] = "备注"  # plain, and written here
    before = writer.written
    got = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json() for r in got]
    assert writer.written - before == len(rows) - 1 - 4
    for k in (3, 5, 7, 8):
        general = _general(iset, rows[k], "zh", got[k].row).to_json()
        assert texts[k] == general
    assert "unknown_reason" in texts[3] and "subject_unknown_key" in texts[5]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_row_with_claimed_scores_is_written_without_its_detail(lang):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    rows = _rows()
    for row in rows:  # the unit's own scores, kpiscore's: by id, by name, as text with 分
        general = _general(iset, row, lang, None)
        row["claimed"] = {
            "总分": general.total,
            "a": general.indicator("a").score,
            "质量": f"{general.indicator('q').score}分",  # a level's own: used in its band
        }
    rows[5]["claimed"]["k"] = D(1)  # not kpiscore's: a discrepancy, worded here
    rows[4]["claimed"]["质量"] = D(14)  # 达成's band is [12, 15]: the unit's 14 is used
    rows[4]["claimed"]["总分"] -= 1  # and the total with it
    rows[6]["claimed"]["总分"] += 1  # the unit's total, a point above kpiscore's
    before, tabled = writer.written, writer.tabled
    first = lang not in writer.cells_agreed
    results = list(kpiscore.score_many(iset, rows, lang=lang))
    texts = [r.to_json() for r in results]
    for r in results[1:]:  # what the writer found is the result's own: no detail to read it
        assert r.subject["name"] == r.data["subject"]["name"] and r.discrepancies is not None
        assert "_full" not in r.__dict__
    tabled_results = list(kpiscore.score_many(iset, rows, lang=lang))
    table = [batch_row(r) for r in tabled_results]
    assert writer.written - before == len(rows) - 1  # the first of its kind: both ways
    assert writer.tabled - tabled == len(rows)  # a table's cells need no words
    for k, (row, result) in enumerate(zip(rows, results, strict=True)):
        general = _general(iset, row, lang, result.row)
        assert texts[k] == general.to_json()
        assert table[k] == batch_row(general)
        assert ("_full" in result.__dict__) == (k == 0)
        assert ("_full" in tabled_results[k].__dict__) == (k == 0 and first)
    assert json.loads(texts[5])["discrepancies"][0]["id"] == "k"
    assert results[6].discrepancies[0].name == ("total" if lang == "en" else "总分")
    assert results[5].discrepancies[0].explanation.endswith(results[5].indicator("k").explanation)
    assert table[5]["discrepancies"] and not table[4]["discrepancies"]
    assert table[4]["claimed_total"] == format(results[4].total, "f")
    assert results[4].indicator("q").score == 14 and "14" in results[4].indicator("q").explanation


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_rows_reasons_are_written_as_the_general_path_writes_them(lang):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    rows = _rows()  # 质量 (q) owes a reason below 达成, 成本 (k) never does
    for k, row in enumerate(rows):
        row["reasons"] = [
            {"q": " 受天气影响 "},  # by id, trimmed
            {"质量": "原因" * 60},  # by name, cut to 100 characters in the sentence
            {"k": D(5), "q": ""},  # a number is text too; a blank is no reason
            {"q": "原因", "k": "不欠也写"},  # one not owed: kept, not explained
            {},  # none: a level's values written for a row with a reason are not reused
        ][(k + 1) % 5]
    before = writer.written
    got = list(kpiscore.score_many(iset, rows, lang=lang))
    texts = [r.to_json() for r in got]
    assert writer.written - before == len(rows) - 1
    explained = 0
    for row, result, text in zip(rows, got, texts, strict=True):
        general = _general(iset, row, lang, result.row)
        assert text == general.to_json()
        q = json.loads(text)["indicators"][5]
        given = (row["reasons"].get("q") or row["reasons"].get("质量") or "").strip()
        assert q["reason"] == (given or None)
        warned = any(w["indicator"] == "q" for w in json.loads(text)["warnings"])
        assert warned == (q["needs_reason"] and not given)
        if q["needs_reason"] and given:
            assert given[:100] in q["explanation"]
            explained += 1
    assert explained >= 2


@pytest.mark.parametrize("rounding", ["indicator", "total"])
def test_an_n_a_cell_is_written_not_applicable_with_its_weight_dropped(rounding):
    iset = kpiscore.loads(SET.replace("reasons:", f"rounding: {rounding}\nreasons:"))
    writer = writer_for(iset)
    rows = _rows()
    for k, row in enumerate(rows):
        if k % 3 == 1:
            row["values"]["q"] = ["n/a", "不适用", "N/A"][k % 2]
        if k % 4 == 2:
            row["values"]["t"] = "n/a"  # a deadline's cell too
            row["reasons"] = {"t": "本年无此工作"}  # kept with it, never owed
    before = writer.written
    got = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json(indent=None) for r in got]
    assert writer.written - before == len(rows) - 1
    for row, result, text in zip(rows, got, texts, strict=True):
        assert text == _general(iset, row, "zh", result.row).to_json(indent=None)
        written = json.loads(text)
        dropped = [i for i in written["indicators"] if i["status"] == "not_applicable"]
        assert written["rescaled"] == bool(dropped)
        weights = {c["id"]: Decimal(c["applicable_weight"]) for c in written["categories"]}
        assert weights["c"] == 90 - sum(Decimal(i["weight"]) for i in dropped)
        assert all("n/a" in i["explanation"] and i["score"] in ("0", "0.00") for i in dropped)
    assert json.loads(texts[2])["indicators"][6]["reason"] == "本年无此工作"


TINY = """
kpiscore: 1
id: tiny
name: 小
categories: [{id: c, name: 产出, weight: 100}]
indicators:
  - {id: a, category: c, name: 甲, weight: 60, rule: ratio, target: '>= 10'}
  - {id: b, category: c, name: 乙, weight: 40, rule: ratio, target: '>= 5'}
"""


def test_batch_cells_say_n_a_and_leave_a_row_with_nothing_applicable_to_the_detail(
    monkeypatch,
):
    iset = kpiscore.loads(TINY)
    writer = writer_for(iset)
    monkeypatch.setattr(writer, "cells_agreed", set())
    monkeypatch.setattr(writer, "cells_refused", set())
    rows = [{"values": {"a": D(8), "b": "n/a"}}, {"values": {"a": "n/a", "b": "不适用"}}]
    rows += [{"values": {"a": D(k), "b": D(k % 7)}} for k in range(5)]
    got = list(kpiscore.score_many(iset, rows))
    assert got[1].total is None and "_plain" in got[1].__dict__  # the fast path's, still
    before = writer.tabled
    cells = [batch_row(r) for r in got]
    general = [_general(iset, row, "zh", r.row) for row, r in zip(rows, got, strict=True)]
    assert cells == [batch_row(g) for g in general]
    assert cells[0]["b"] == "n/a" and cells[1]["warnings"]  # nothing applies: warned
    assert writer.tabled - before == len(rows) - 1 and not writer.cells_refused


def test_steps_or_a_detail_already_read_use_the_results_own_parts():
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    results = list(kpiscore.score_many(iset, _rows()))
    results[0].to_json()
    before = writer.written
    with_steps = results[1].to_json(steps=True)
    assert '"steps"' in with_steps and writer.written == before
    assert results[2].indicators  # the detail, read first
    assert results[2].to_json() == _general(iset, _rows()[2], "zh", results[2].row).to_json()
    assert writer.written == before


PENALTIES = """penalties:
  - {name: 超支, when: 'spent > budget', deduct: 5}
  - {name: 低分, when: 'total < 60', grade: 差}
  - {name: 违规, when: 'violation == 1', deduct: 10, grade: 中}
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_penalties_are_judged_deducted_and_warned_as_the_general_path_does(lang):
    iset = kpiscore.loads(SET + PENALTIES)
    writer = writer_for(iset)
    rows = _rows()  # spent > budget from k = 86
    for k, row in enumerate(rows):
        if k % 3:  # else violation is not given: that penalty is not judged, and warned
            row["values"]["violation"] = D(k % 2)
    before = writer.written
    got = list(kpiscore.score_many(iset, rows, lang=lang))
    texts = [r.to_json() for r in got]
    assert writer.written - before == len(rows) - 1
    applied = []
    for row, result, text in zip(rows, got, texts, strict=True):
        assert text == _general(iset, row, lang, result.row).to_json()
        applied.append(json.loads(text)["penalties"])
    assert ["超支"] in applied and ["违规"] in applied and ["超支", "违规"] in applied
    assert all("penalty_not_evaluated" in t for k, t in enumerate(texts) if k % 3 == 0)


# 档次 (g) applies only where 公式 (f) is above 17; 成本 (k) has its own sentence;
# 完成率 (a) owes a reason by its own formula.
OWN = (
    SET.replace(
        "{id: g, category: c, name: 档次, weight: 5,",
        "{id: g, category: c, name: 档次, weight: 5, applies: 'f > 17',",
    )
    .replace(
        "target: '<= 50 万元'}",
        "target: '<= 50 万元', explain: '成本 {actual}（{budget}）对 {target}：{score} 分，{completion}'}",
    )
    .replace(
        "{id: a, category: c, name: 完成率, weight: 30, rule: ratio, target: '>= 95%'}",
        "{id: a, category: c, name: 完成率, weight: 30, rule: ratio, target: '>= 95%',"
        " reason_required: 'completion < 1.03 and spent > 95'}",
    )
)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_conditions_own_sentences_and_reason_formulas_are_written_as_the_general_path_does(
    lang,
):
    iset = kpiscore.loads(OWN)
    writer = writer_for(iset)
    rows = _rows()
    for k, row in enumerate(rows):
        if k % 3 == 0:
            row["reasons"] = {"a": "原因"}
    before = writer.written
    got = list(kpiscore.score_many(iset, rows, lang=lang))
    texts = [r.to_json() for r in got]
    # A row where a condition does not hold is scored by the general path (f ≤ 17: k ≤ 85).
    assert writer.written - before == sum(row["values"]["f"] > 17 for row in rows) - 1
    statuses, owed = set(), set()
    for row, result, text in zip(rows, got, texts, strict=True):
        assert text == _general(iset, row, lang, result.row).to_json()
        written = {i["id"]: i for i in json.loads(text)["indicators"]}
        statuses.add(written["g"]["status"])
        owed.add(written["a"]["needs_reason"])
        assert written["k"]["explanation"].startswith("成本 4")
    assert statuses == {"scored", "not_applicable"} and owed == {True, False}


def test_an_applies_that_cannot_be_judged_is_left_to_the_general_path():
    iset = kpiscore.loads(OWN.replace("applies: 'f > 17'", "applies: 'h > 17'"))
    writer = writer_for(iset)
    rows = _rows()
    before = writer.written
    texts = [r.to_json() for r in kpiscore.score_many(iset, rows)]
    assert writer.written == before  # h is in no row: the general path names it
    assert all("h" in json.loads(t)["indicators"][4]["problem"] for t in texts)


def test_sets_with_manual_scores_have_no_writer():
    assert writer_for(kpiscore.loads(SET)) is not None  # a check, a level, a deadline
    assert writer_for(kpiscore.loads(SET + PENALTIES)) is not None
    assert writer_for(kpiscore.loads(OWN)) is not None
    extra = "  - {id: m, category: c, name: 手工, weight: 0, rule: manual}\n"
    assert writer_for(kpiscore.loads(SET.replace("checks:\n", extra + "checks:\n"))) is None


def test_an_indicator_written_once_is_reused_only_for_the_same_cells_and_year():
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    row = _rows()[0]
    row["values"]["t"] = "10月"  # a month without its year: the subject's year says which
    rows = []
    for year in (2023, 2024, 2023, 2024, 2023):
        rows.append({**row, "subject": {"name": "项目", "year": year}})
    results = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json() for r in results]
    assert writer.written == 4
    scores = [r.indicator("t").score for r in results]
    assert scores == [D(15), D(0), D(15), D(0), D(15)]  # on time in 2023, late in 2024
    for r, text in zip(results, texts, strict=True):
        assert text == r.to_json()  # the detail (read above): the same text
    at = [i.id for i in iset.indicators].index("t")
    shared = [slots[at] for slots in writer.shared.values()]
    assert [(s.hits, s.misses) for s in shared] == [(3, 2)]  # rows 3–5 reuse rows 1–2


def test_a_writer_that_disagrees_with_the_general_path_stands_down(monkeypatch):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    real = PlainJson.values

    def off_by_one(self, result, template):
        values = real(self, result, template)
        return None if values is None else [*values[:-1], '"sha256:wrong"']

    monkeypatch.setattr(PlainJson, "values", off_by_one)
    results = list(kpiscore.score_many(iset, _rows()))
    texts = [r.to_json() for r in results]
    assert writer.written == 0 and writer.refused == {("zh", 2, True, True)}
    for r, text in zip(results, texts, strict=True):
        assert r.indicators  # the detail: the general path's text, every row
        assert text == r.to_json() and "sha256:wrong" not in text


def test_a_row_whose_deadline_needs_a_year_it_lacks_is_written_the_general_way():
    deadline = SET.replace("target: '≤2023年10月'", "target: '9月前'")
    iset = kpiscore.loads(deadline)
    writer = writer_for(iset)
    rows = _rows()
    rows[4]["subject"] = "没有年份"
    results = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json() for r in results]
    assert writer.written == len(rows) - 2  # the first row of its kind, and row 5
    assert results[4].indicator("t").status == "missing_data"
    assert texts[4] == _general(iset, rows[4], "zh", 5).to_json()


@pytest.mark.parametrize(("rounding", "subtotal"), [("total", "2.23"), ("indicator", "2.22")])
def test_a_categorys_subtotal_sums_scores_as_the_set_rounds_them(rounding, subtotal):
    iset = kpiscore.loads(
        f"kpiscore: 1\nid: t\nname: 取整\nrounding: {rounding}\nfull_score: 10\n"
        "categories: [{id: c, name: 产出, weight: 10}]\nindicators:\n"
        "  - {id: x, category: c, name: 甲, weight: 5, rule: formula, score: 'x / 1000'}\n"
        "  - {id: y, category: c, name: 乙, weight: 5, rule: formula, score: 'y / 1000'}\n"
    )
    rows = [{"values": {"x": D(1114 + k), "y": D(1114)}} for k in range(3)]
    results = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json() for r in results]
    assert writer_for(iset).written == 2
    first = [i.score for i in results[0].indicators]
    assert first == [D("1.11"), D("1.11")] and results[0].categories[0].score == D(subtotal)
    for k, (r, text) in enumerate(zip(results, texts, strict=True)):
        assert text == _general(iset, rows[k], "zh", r.row).to_json()


def test_a_rows_indicator_is_written_apart_for_each_indent():
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    rows = _rows()
    for row in rows:
        row["values"]["a"] = "130%"  # over 1.2 × the target: flagged, a list in the JSON
    for indent in (None, 2, None, 4):
        results = list(kpiscore.score_many(iset, rows))
        for k, r in enumerate(results):
            assert r.to_json(indent=indent) == _general(iset, rows[k], "zh", r.row).to_json(
                indent=indent
            )
    assert '"over_achievement"' in results[0].to_json()
    assert len(writer.agreed) == 3


def test_the_values_kept_per_indicator_are_bounded(monkeypatch):
    from kpiscore import _plain_json

    rows = [{**r, "values": {**r["values"], "g": D(n)}} for n, r in enumerate(_rows() * 2)]
    for cap, total, most, kept_in_all in ((3, 100, 3, None), (100, 5, 1, 5)):
        monkeypatch.setattr(_plain_json, "CAP", cap)
        monkeypatch.setattr(_plain_json, "TOTAL_CAP", total)
        iset = kpiscore.loads(SET)
        writer = writer_for(iset)
        [r.to_json() for r in kpiscore.score_many(iset, rows)]
        kept = [len(s.entries) for slots in writer.shared.values() for s in slots]
        assert max(kept) == most and sum(kept) == writer.size
        assert kept_in_all is None or writer.size == kept_in_all


def test_an_indicator_is_keyed_until_its_misses_reach_the_trial_without_as_many_hits():
    from kpiscore._plain_json import _TRIAL, _Shared

    shared = _Shared(0)
    shared.hits = 1  # one repeat: the whole trial to show more
    for _ in range(_TRIAL - 1):
        shared.missed()
    assert not shared.off
    shared.missed()
    assert shared.off and (shared.hits, shared.misses) == (1, _TRIAL)
    again = _Shared(0)
    again.hits = _TRIAL
    for _ in range(_TRIAL):
        again.missed()
    assert not again.off  # as many hits as misses: keying still pays


def test_an_indicator_whose_cells_never_repeat_stops_being_keyed_sooner():
    from kpiscore._plain_json import _NO_REPEAT, _TRIAL, _Shared

    assert _NO_REPEAT < _TRIAL
    shared = _Shared(0)
    for _ in range(_NO_REPEAT - 1):
        shared.missed()
    assert not shared.off
    shared.missed()
    assert shared.off and shared.misses == _NO_REPEAT


def test_an_indent_json_cannot_take_is_written_the_general_way():
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    results = list(kpiscore.score_many(iset, _rows()))
    for indent in (-1, "\t"):
        for r, row in zip(results[:3], _rows()[:3], strict=True):
            want = json.dumps(
                _general(iset, row, "zh", r.row).to_dict(), ensure_ascii=False, indent=indent
            )
            assert r.to_json(indent=indent) == want  # type: ignore[arg-type]
    assert writer.written == 0 and not writer.made


def test_rows_written_without_explanations_word_none(monkeypatch):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    results = list(kpiscore.score_many(iset, _rows()))
    general = [json.dumps(r._mapping(False, False), ensure_ascii=False) for r in results]

    def refused(*args):
        raise AssertionError("an explanation was worded")

    results = list(kpiscore.score_many(iset, _rows()))
    before = writer.written
    monkeypatch.setattr(Words, "explain", refused)
    assert [to_json(r, None, False, explained=False) for r in results] == general
    assert writer.written - before == len(results) - 1


_JUNK_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**16), 10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["95%", "45万元", "达成", "n/a", "2023年10月", "按时完成", "延期", "1e-300"]),
    st.sampled_from(["1E+40", "0", "-0", "", " 12 ", "１２", "12个", "x" * 40, "9月前"]),
    st.text(max_size=6),
    st.dates(),
)


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "values": st.dictionaries(
                    st.sampled_from(["budget", "spent", "a", "k", "f", "g", "q", "t", "zz"]),
                    _JUNK_CELLS,
                )
            },
            optional={
                "subject": st.one_of(
                    st.text(max_size=5),
                    st.dictionaries(st.sampled_from(["name", "year"]), _JUNK_CELLS),
                ),
                "reasons": st.dictionaries(
                    st.sampled_from(["a", "q", "完成率", "zz"]), _JUNK_CELLS
                ),
                "claimed": st.dictionaries(st.sampled_from(["总分", "a"]), _JUNK_CELLS),
            },
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["zh", "en"]),
)
def test_any_row_is_written_as_the_general_path_writes_it_or_refused_as_it_is(rows, lang):
    iset = kpiscore.loads(SET)
    writer_for(iset).write_out_after = 1  # junk reaches the written-out indicators too
    for result, row in zip(kpiscore.score_many(iset, rows, lang=lang), rows, strict=True):
        try:
            general = _general(iset, row, lang, result.row)
        except kpiscore.DataError:
            assert isinstance(result, kpiscore.RowError)
            continue
        assert batch_row(result) == batch_row(general)
        assert to_json(result, None, False, explained=False) == to_json(
            general, None, False, explained=False
        )
        assert result.to_json() == general.to_json()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_claim_that_differs_is_worded_in_a_line_written_without_explanations(lang):
    """A batch's .jsonl line has no explanations, but a discrepancy says how kpiscore's
    score was reached: worded for the disputed indicator alone, n/a or scored."""
    iset = kpiscore.loads(SET)
    rows = _rows()[:6]
    for k, row in enumerate(rows):
        row["values"]["t"] = "n/a" if k % 2 else row["values"]["t"]
        row["claimed"] = {"k": D(1), "时效": D(3)}  # neither kpiscore's
    results = list(kpiscore.score_many(iset, rows, lang=lang))
    for row, result in zip(rows, results, strict=True):
        general = _general(iset, row, lang, result.row)
        want = json.dumps(general._mapping(False, False), ensure_ascii=False, indent=None)
        assert to_json(result, None, False, explained=False) == want
        assert len(json.loads(want)["discrepancies"]) == 2


def test_threads_sharing_one_set_write_what_one_thread_writes():
    """The writer, its templates and entries, the wording and the digest's caches are
    shared by every thread of a set: a race may make a piece twice, never half of one."""
    from concurrent.futures import ThreadPoolExecutor

    rows = [dict(r, subject=f"项目{k}") for k, r in enumerate(_rows() * 30)]
    kinds = [("zh", None), ("en", 2), ("zh", 2), ("en", None)]

    def written(iset, lang, indent):
        return [r.to_json(indent=indent) for r in kpiscore.score_many(iset, rows, lang=lang)]

    alone = kpiscore.loads(SET)  # its own caches, one thread
    want = {kind: written(alone, *kind) for kind in kinds}
    shared = kpiscore.loads(SET)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda kind: (kind, written(shared, *kind)), kinds * 3))
    for kind, texts in got:
        assert texts == want[kind], kind
    assert writer_for(shared).written > 0 and not writer_for(shared).refused


def _numbers(n, seed=3):
    """Plain rows of SET whose numbers never repeat, with a 偏差原因 now and then."""
    import random

    rnd = random.Random(seed)
    rows = []
    for k in range(n):
        cells = {
            "budget": D(100),
            "spent": D(rnd.randint(500, 1000)) / 10,
            "a": D(rnd.randint(0, 1300)) / 1000,
            "k": D(rnd.randint(0, 9000)) / 100,
            "f": D(rnd.randint(0, 4000)) / 100,
            "g": D(rnd.randint(0, 2000)) / 100,
            "q": LEVELS[k % 4],
            "t": "2023-09-30",
        }
        row = {"subject": {"name": f"项目{k}", "year": 2023}, "values": cells}
        if k % 3 == 0:
            row["reasons"] = {"k": "成本上涨", "完成率": f"原因{k}"}
        rows.append(row)
    return rows


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("explained", [True, False])
def test_ratio_and_reverse_are_written_out_after_their_rows_and_write_the_same_text(
    lang, indent, explained
):
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    writer.write_out_after = 3
    rows = _numbers(12)
    results = list(kpiscore.score_many(iset, rows, lang=lang))
    for k, (result, row) in enumerate(zip(results, rows, strict=True)):
        general = _general(iset, row, lang, result.row)
        if explained:
            assert result.to_json(indent=indent) == general.to_json(indent=indent)
        else:
            assert to_json(result, indent, False, explained=False) == to_json(
                general, indent, False, explained=False
            )
        (slots,) = writer.shared.values()
        fused = {ind.id for ind, slot in zip(iset.indicators, slots, strict=True) if slot.fused}
        # Rows 1-3 score through the pieces (the first is also written the general way,
        # to compare), and ratio and reverse are written out from then on.
        assert fused == (set() if k < 2 else {"e", "a", "k", "f", "g"}), k
    assert writer.written == len(rows) - 1


def test_a_written_out_indicator_leaves_what_it_does_not_expect_to_the_general_pieces():
    iset = kpiscore.loads(SET)
    writer = writer_for(iset)
    writer.write_out_after = 1
    rows = _numbers(6)
    rows[3]["values"]["k"] = "很多"  # a word where a number is due
    rows[4]["values"]["a"] = D(250)  # a percent typed × 100
    rows[5]["values"]["k"] = D(0)  # the full weight, said as an actual of 0
    for result, row in zip(kpiscore.score_many(iset, rows), rows, strict=True):
        assert result.to_json() == _general(iset, row, "zh", result.row).to_json()
    # Rows 4 and 5 are the general path's (invalid_data), the first is compared.
    assert writer.written == 3
    # The fast path never hands the writer such a cell; the function still refuses it.
    (slots,) = writer.shared.values()
    for cell in (True, "很多", D(250), None):
        out = []
        assert slots[1].fused({"a": cell}, {}, out) is FRESH and out == []


WRITTEN_OUT = """
kpiscore: 1
id: bf
name: 档次与公式
categories: [{id: c, name: 产出, weight: 100}]
indicators:
  - {id: b1, category: c, name: 档一, weight: 10, rule: bands, target: '>= 80%',
     bands: [{when: 'completion >= 1', score: 10, label: 全部完成},
             {when: 'completion >= 0.5', score: 'weight * completion'},
             {when: 'actual < 0', score: 10}]}
  - {id: b2, category: c, name: 档二, weight: 10, rule: bands,
     bands: [{when: 'b2 > 50 and x > 1', score: 0}, {when: 'actual >= 20', score: 'b2 / x'},
             {score: 4, label: 其他}]}
  - {id: b3, category: c, name: 档三, weight: 10, rule: bands, target: '>= 0 个',
     bands: [{score: 'actual > 30'}]}
  - {id: f1, category: c, name: 公式一, weight: 10, rule: formula, score: 'actual > 40'}
  - {id: f2, category: c, name: 公式二, weight: 10, rule: formula, target: '>= 50 万元',
     score: 'actual / target * weight + x'}
  - {id: f3, category: c, name: 公式三, weight: 10, rule: formula, score: 'f3 / x'}
  - {id: f4, category: c, name: 公式四, weight: 10, rule: formula,
     score: 'min(weight, max(0, f4 - 10))'}
  - {id: e1, category: c, name: 等一, weight: 10, rule: exact, target: '= 50 个'}
  - {id: e2, category: c, name: 等二, weight: 5, rule: exact, target: '= 80%', tolerance: 0.05}
  - {id: e3, category: c, name: 等三, weight: 5, rule: exact, target: '= 0', tolerance: 1}
  - {id: m1, category: c, name: 达一, weight: 5, rule: met, target: '>= 90%'}
  - {id: m2, category: c, name: 达二, weight: 5, rule: met, target: '< 30 天'}
  - {id: m3, category: c, name: 达三, weight: 0, rule: met, target: '= 0 起'}
  - {id: r0, category: c, name: 逆零, weight: 0, rule: reverse, target: '<= 0 起', zero_above: 2}
reasons: {below_weight: true, over_achievement: true, deviation_above: 0.1}
"""


def _written_out_rows(n):
    """Rows that reach every branch: labelled and formula bands, none holding, a yes/no
    score, a score clamped either way, a division by zero now and then; exact from
    below, above and within a tolerance, a target of 0; met or not."""
    import random

    rnd = random.Random(5)
    rows = []
    for k in range(n):
        cells = {i: D(rnd.randint(-500, 9000)) / 100 for i in ("b2", "b3", "f1", "f2", "f3", "f4")}
        cells["b1"] = D(rnd.randint(-20, 130)) / 100
        cells["x"] = D(rnd.choice([0, 1, 2, 3, 1, 2, 3]))
        cells["e1"], cells["e2"] = D(rnd.randint(0, 100)), D(rnd.randint(60, 100)) / 100
        cells["e3"], cells["m1"] = D(rnd.randint(-20, 20)) / 10, D(rnd.randint(70, 100)) / 100
        cells["m2"] = D(rnd.randint(20, 40))
        cells["m3"], cells["r0"] = D(rnd.choice([0, 0, 1])), D(rnd.choice([0, 0, 2]))
        row = {"subject": f"项目{k}", "values": cells}
        if k % 5 == 0:
            row["reasons"] = {"f4": "原因"}
        rows.append(row)
    return rows


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("explained", [True, False])
def test_each_written_out_rule_writes_the_same_text_and_leaves_failures_to_fresh(lang, explained):
    iset = kpiscore.loads(WRITTEN_OUT)
    writer = writer_for(iset)
    writer.write_out_after = 1
    rows = _written_out_rows(120)
    results = list(kpiscore.score_many(iset, rows, lang=lang))
    for result, row in zip(results, rows, strict=True):
        general = _general(iset, row, lang, result.row)
        assert to_json(result, None, False, explained=explained) == to_json(
            general, None, False, explained=explained
        )
    (slots,) = writer.shared.values()
    assert all(slot.fused is not None for slot in slots)
    # A zero x fails f3's formula: those rows are the general path's, the others written.
    failing = sum(any(i.status != "scored" for i in r.indicators) for r in results)
    assert 0 < failing < len(rows) // 2
    assert writer.written == len(rows) - failing - 1
    out: list[str] = []
    assert slots[5].fused({"f3": D(1), "x": D(0)}, {}, out) is FRESH and out == []
    assert slots[3].fused({"f1": "很多"}, {}, out) is FRESH and out == []
    # b2's second band scores b2 / x: a zero x fails it, as a failing condition would.
    assert slots[1].fused({"b2": D(30), "x": D(0)}, {}, out) is FRESH and out == []
    assert slots[1].fused({"b2": D(60), "x": D(2)}, {}, out) is not FRESH and len(out) > 5


def test_a_written_out_indicator_never_hands_back_a_row_it_can_write():
    """A function that gave up too often would only be slower, never wrong: count."""
    iset = kpiscore.loads(WRITTEN_OUT)
    writer = writer_for(iset)
    writer.write_out_after = 1
    rows = _written_out_rows(60)
    [r.to_json() for r in kpiscore.score_many(iset, rows)]
    (slots,) = writer.shared.values()
    handed_back = []

    def counted(fused, ind_id):
        def call(env, reasons, out):
            made = fused(env, reasons, out)
            if made is FRESH:
                handed_back.append(ind_id)
            return made

        return call

    for slot, ind in zip(slots, iset.indicators, strict=True):
        slot.fused, slot.off = counted(slot.fused, ind.id), True
    results = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json() for r in results]
    plain = [r for r in results if all(i.status == "scored" for i in r.indicators)]
    assert len(plain) > 40 and handed_back == []
    assert texts[0] == _general(iset, rows[0], "zh", 1).to_json()


def test_points_lost_written_from_cells_are_largest_first_then_by_id_as_the_general_path():
    from tests.conftest import make_set

    # Set order c, a, b, d: c, a and b lose the same, d more; ids are not in set order.
    iset = kpiscore.loads(
        make_set(
            "".join(
                f"  - {{id: {i}, category: main, name: 指标{i}, weight: 25, target: '>= 10'}}\n"
                for i in "cabd"
            )
        )
    )
    rows = [{"values": {"c": D(8), "a": D(8), "b": D(8), "d": D(n)}} for n in (2, 3, 4, 5, 6)]
    results = list(kpiscore.score_many(iset, rows))
    texts = [r.to_json(indent=None) for r in results]
    assert writer_for(iset).written >= len(rows) - 1  # the writer wrote them (the first: both)
    for row, text, result in zip(rows, texts, results, strict=True):
        general = _general(iset, row, "zh", result.row)
        assert text == to_json(general, None, False)
        lost = [p["id"] for p in json.loads(text)["points_lost"]]
        assert lost == ["d", "a", "b", "c"]


def test_one_writer_shared_by_threads_writes_every_row_as_the_general_path():
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import ROOT

    text = (ROOT / "indicator_sets" / "mof-project-2020.yaml").read_text(encoding="utf-8")
    iset = kpiscore.loads(text + "\n# a set of its own: a writer no other test warmed\n")
    words = ["达成", "部分达成", "未达成"]
    rows = [
        {
            "subject": f"项目{n}",
            "values": {
                "budget": D(100),
                "spent": D(60 + n % 40),
                "output_quantity": D(5 + n % 11),
                "output_quality": words[n % 3],
                "completion_time": D(20 + n % 25),
                "cost_control": D(70 + n % 61) / 100,
                "economic_benefit": words[(n // 3) % 3],
                "social_benefit": words[(n // 9) % 3],
                "ecological_benefit": words[n % 2],
                "sustainability": words[(n + 1) % 3],
                "satisfaction": D(80 + n % 21) / 100,
            },
        }
        for n in range(240)
    ]

    def written(start):
        part = rows[start : start + 30]
        return [(r.row, r.to_json(indent=None)) for r in kpiscore.score_many(iset, part)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        texts = [t for chunk in pool.map(written, range(0, len(rows), 30)) for t in chunk]
    assert writer_for(iset).written > len(rows) // 2  # most rows were the writer's
    for start in range(0, len(rows), 30):
        for k, row in enumerate(rows[start : start + 30]):
            number, text = texts[start + k]
            assert text == to_json(_general(iset, row, "zh", number), None, False)


@pytest.mark.parametrize("name", ["甲项目", "甲\x1b[31m项目", "甲\u202e项目", "", " 甲 "])
def test_a_rows_subject_name_is_written_as_the_general_path_reads_it(name):
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10'}\n")
    )
    # A plain name first: the writer checks its first row of a kind against the general
    # path and writes the rest itself, the name under test among them.
    rows = [
        {"subject": s, "values": {"a": D(n)}}
        for s, n in [("乙", 5), *((name, 6 + n) for n in range(4))]
    ]
    written = writer_for(iset).written
    for indent in (None, 2):
        for number, (row, result) in enumerate(
            zip(rows, kpiscore.score_many(iset, rows), strict=True), 1
        ):
            general = _general(iset, row, "zh", number)
            assert result.to_json(indent=indent) == to_json(general, indent, False)
    if name and not any(c in name for c in "\x1b\u202e"):
        assert writer_for(iset).written - written == 2 * (len(rows) - 1)  # the writer's own
