"""Indicator results shared between plain rows (``_memo``).

A shared result must be exactly the one the general path makes for that row: same
score, steps, explanation, warnings and JSON. Rows here repeat their values (a few
per indicator) so that most indicator results are found rather than made.
"""

import json
import os
import pickle
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import specs, to_yaml
from tests.test_fast import FAST_RULES, plain_rows

import kpiscore
from kpiscore import _memo
from kpiscore._evaluate import score_data
from kpiscore._memo import memo_for

D = Decimal
EXAMPLES = 200 if os.environ.get("CI") else 40

SET = """
kpiscore: 1
id: memo
name: 共享结果
precision: 2
inputs:
  budget: {name: 预算, unit: 万元}
  spent: {name: 支出, unit: 万元}
categories: [{id: out, name: 产出指标, weight: 100}]
indicators:
  - {id: share, category: out, name: 占比, weight: 40, rule: ratio, target: '>= 90%'}
  - {id: spend, category: out, name: 执行率, weight: 30, rule: ratio, target: '>= 100%',
     actual: 'spent / budget'}
  - {id: count, category: out, name: 数量, weight: 30, rule: ratio, target: '>= 10 个'}
"""


def _general(iset, row, lang="zh", at=1):
    return score_data(iset, row, lang=lang, row=at)


def _many(iset, rows, lang="zh"):
    """Rows through score_many, where plain rows share indicator results."""
    results = list(kpiscore.score_many(iset, rows, lang=lang))
    assert not any(isinstance(r, kpiscore.RowError) for r in results)
    return results


def _both(iset, rows, lang="zh"):
    """Every row through score_many (shared results) and the general path, side by side."""
    got = list(kpiscore.score_many(iset, rows, lang=lang))
    return [
        (r, _general(iset, row, lang, i))
        for i, (r, row) in enumerate(zip(got, rows, strict=True), 1)
    ]


def _same(fast, general):
    assert fast.to_dict(steps=True) == general.to_dict(steps=True)
    assert fast.to_json() == general.to_json()
    assert fast.to_json(indent=None, steps=True) == general.to_json(indent=None, steps=True)
    assert fast.warnings == general.warnings
    assert [w.code for w in fast.warnings] == [w.code for w in general.warnings]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.data())
def test_rows_that_share_indicator_results_read_as_the_general_path_reads_them(data):
    spec = data.draw(specs(FAST_RULES))
    iset = kpiscore.loads(to_yaml(spec))
    # A few rows, then the same rows again in another order: the second time every
    # indicator result of a plain row is found, not made.
    drawn = data.draw(st.lists(plain_rows(spec), min_size=1, max_size=4))
    rows = [row for _, row, _ in drawn]
    rows = rows + data.draw(st.permutations(rows))
    lang = data.draw(st.sampled_from(["zh", "en"]))
    for fast, general in _both(iset, rows, lang):
        if isinstance(fast, kpiscore.RowError):
            continue
        _same(fast, general)
    if any(plain for _, _, plain in drawn):  # a plain row's results were found the second time
        assert sum(slot.hits for slot in memo_for(iset, lang).slots.values()) > 0


def test_an_indicator_result_is_shared_only_between_rows_with_the_same_inputs():
    iset = kpiscore.loads(SET)
    base = {"share": D("0.95"), "spent": D(90), "budget": D(100), "count": 12}
    rows = [
        base,
        dict(base),  # the same inputs: shared
        {**base, "share": D("0.950")},  # the same number written to another place
        {**base, "spent": D(80)},  # a formula's other name changes the execution rate
        {**base, "count": "12"},  # the cell as written is quoted in some messages
    ]
    results = _many(iset, [{"values": v} for v in rows])
    first, same, digits, spent, text = (r.indicator for r in results)
    assert same("share") is first("share")
    assert digits("share") is not first("share")
    assert digits("share").to_dict()["actual"] == "0.950" != first("share").to_dict()["actual"]
    assert spent("spend") is not first("spend") and spent("spend").score < first("spend").score
    assert spent("share") is first("share")  # it does not read spent
    assert text("count") is not first("count")
    for at, v in enumerate(rows, 1):
        _same(results[at - 1], _general(iset, {"values": v}, at=at))


def test_a_reason_or_a_language_is_part_of_what_an_indicator_result_shares():
    iset = kpiscore.loads(SET)
    values = {"share": D("0.5"), "spent": D(90), "budget": D(100), "count": 5}
    rows = [{"values": values}, {"values": values, "reasons": {"share": "资金到位晚"}}]
    without, given_, again = _many(iset, [*rows, rows[0]])
    (english,) = _many(iset, rows[:1], "en")
    assert without.indicator("share").reason is None
    assert given_.indicator("share").reason == "资金到位晚"
    assert again.indicator("share") is without.indicator("share")
    assert english.indicator("share") is not without.indicator("share")
    # the warning a shared result owes its row is given again on every row
    codes = [w.code for w in again.warnings]
    assert codes.count("reason_missing") == 3
    assert [w.code for w in given_.warnings].count("reason_missing") == 2
    for at, (r, row) in enumerate(zip((without, given_, again), [*rows, rows[0]], strict=True), 1):
        _same(r, _general(iset, row, at=at))
    _same(english, _general(iset, rows[0], "en"))


def test_an_indicator_whose_inputs_never_repeat_stops_being_keyed_and_memory_stays_bounded():
    iset = kpiscore.loads(SET)
    rows = [
        {"values": {"share": D("0.9"), "spent": D(n), "budget": D(100_000), "count": n % 7}}
        for n in range(1, 1200)
    ]
    results = list(kpiscore.score_many(iset, rows))
    for r in results[::97]:
        r.indicators  # noqa: B018  build the detail
    for r in results:
        r.indicators  # noqa: B018
    memo = memo_for(iset, "zh")
    spend, count, share = memo.slots["spend"], memo.slots["count"], memo.slots["share"]
    assert spend.off and len(spend.results) <= _memo.CAP
    assert not count.off and len(count.results) == 7
    assert len(share.results) == 1 and share.hits == len(rows) - 1
    assert memo.size <= _memo.TOTAL_CAP
    for at in range(0, len(rows), 113):
        _same(results[at], _general(iset, rows[at], at=at + 1))


def test_the_whole_memo_holds_at_most_its_cap(monkeypatch):
    monkeypatch.setattr(_memo, "TOTAL_CAP", 5)
    iset = kpiscore.loads(SET)
    rows = [
        {"values": {"share": D(n) / 100, "spent": 1, "budget": 1, "count": 1}} for n in range(20)
    ]
    for r in kpiscore.score_many(iset, rows):
        r.indicators  # noqa: B018
    memo = memo_for(iset, "zh")
    assert memo.size == sum(len(slot.results) for slot in memo.slots.values()) == 5


def test_an_indicator_keeps_at_least_eight_results_however_large_the_set(monkeypatch):
    monkeypatch.setattr(_memo, "TOTAL_CAP", 12)  # three indicators: four each, but eight
    iset = kpiscore.loads(SET)
    rows = [
        {"values": {"share": D(n) / 100, "spent": 1, "budget": 1, "count": 1}} for n in range(20)
    ]
    for r in kpiscore.score_many(iset, rows):
        r.indicators  # noqa: B018
    assert len(memo_for(iset, "zh").slots["share"].results) == 8


def test_a_shared_result_pickles_without_what_rows_cached_on_it():
    iset = kpiscore.loads(SET)
    values = {"share": D("0.5"), "spent": D(90), "budget": D(100), "count": 5}
    first, second = _many(iset, [{"values": values}] * 2)
    first.to_json()
    second.to_json()
    shared = second.indicator("share")
    assert shared is first.indicator("share")
    assert {"_shared", "_json", "_lost"} <= set(shared.__dict__)
    copy = pickle.loads(pickle.dumps(second))
    ind = copy.indicator("share")
    assert not {"_shared", "_json", "_lost"} & set(ind.__dict__)
    assert not any("_" in k[:1] for k in copy.points_lost[0].__dict__)
    assert copy.to_json() == second.to_json()
    assert copy == second


@pytest.mark.parametrize("indent", [None, 0, 2, 4])
def test_a_shared_result_written_at_two_indents_is_written_right_at_both(indent):
    iset = kpiscore.loads(SET)
    values = {"share": D("0.5"), "spent": D(90), "budget": D(100), "count": 5}
    results = _many(iset, [{"values": values}] * 3)
    for r in results:
        for i in (indent, 2):
            want = json.dumps(r.to_dict(), ensure_ascii=False, indent=i)
            assert r.to_json(indent=i) == want


def test_each_indicator_keeps_only_its_share_so_the_first_cannot_take_all(monkeypatch):
    monkeypatch.setattr(_memo, "TOTAL_CAP", 32)  # three indicators: ten results each
    iset = kpiscore.loads(SET)
    rows = [
        {"values": {"share": D(n) / 100, "spent": 1, "budget": 1, "count": n % 4}}
        for n in range(40)
    ]
    results = list(kpiscore.score_many(iset, rows))
    for r in results:
        r.indicators  # noqa: B018
    memo = memo_for(iset, "zh")
    assert len(memo.slots["share"].results) == 10
    assert len(memo.slots["count"].results) == 4
    assert len(memo.slots["spend"].results) == 1
    for at in (0, 15, 39):
        _same(results[at], _general(iset, rows[at], at=at + 1))


def test_an_explain_template_that_shows_another_value_is_shared_only_when_that_value_is_the_same():
    text = SET.replace(
        "target: '>= 10 个'}",
        "target: '>= 10 个', explain: '实际{actual}，预算{budget}'}",
    )
    iset = kpiscore.loads(text)
    rows = [
        {"values": {"share": D("0.9"), "spent": 1, "budget": b, "count": 12}}
        for b in (D(100), D(200), D(100))
    ]
    first, other, again = _many(iset, rows)
    assert other.indicator("count") is not first.indicator("count")
    assert again.indicator("count") is first.indicator("count")
    assert "预算200" in other.indicator("count").explanation
    for at, r in enumerate((first, other, again), 1):
        _same(r, _general(iset, rows[at - 1], at=at))


def _memo_and_data(**data):
    from kpiscore._prepare import prepare_plain

    iset = kpiscore.loads(SET)
    values = {"share": D("0.5"), "spent": D(90), "budget": D(100), "count": 5}
    return iset, _memo.IndicatorMemo(iset), prepare_plain(iset, {"values": values, **data}, "zh")


def test_an_indicator_stops_being_keyed_after_cap_misses_unless_half_of_them_hit():
    iset, memo, sd = _memo_and_data()
    ind = iset.indicators[0]
    slot = memo.slots[ind.id]
    for n in range(_memo.CAP - 1):
        assert memo.get(ind, ("miss", n)) is None
    assert not slot.off and memo.key(ind, sd, None) is not None
    memo.get(ind, ("miss", "last"))
    assert slot.off and slot.misses == _memo.CAP
    assert memo.key(ind, sd, None) is None  # no longer keyed: scored straight away
    # as many hits as misses: it still pays, and stays on
    iset, memo, sd = _memo_and_data()
    slot = memo.slots[ind.id]
    memo.put(ind, ("hit",), (_many(iset, [{"values": {"share": 1}}])[0].indicators[0], ()))
    for _ in range(_memo.CAP):
        assert memo.get(ind, ("hit",)) is not None
    for n in range(_memo.CAP):
        memo.get(ind, ("miss", n))
    assert slot.hits == slot.misses == _memo.CAP and not slot.off


def test_a_key_holds_reasons_claims_and_manual_scores_by_indicator():
    iset, memo, plain = _memo_and_data()
    ind = iset.indicators[0]
    keys = {
        memo.key(ind, sd, None)
        for sd in (
            plain,
            _memo_and_data(reasons={"share": "甲"})[2],
            _memo_and_data(reasons={"share": "乙"})[2],
            _memo_and_data(reasons={"count": "甲"})[2],
        )
    }
    assert len(keys) == 4
    for section in ("claimed", "manual"):
        mine, other = _memo_and_data()[2], _memo_and_data()[2]
        getattr(mine, section)["share"] = D(3)
        getattr(other, section)["count"] = D(3)  # another indicator's: not this one's key
        assert memo.key(ind, mine, None) != memo.key(ind, other, None)
        getattr(other, section)["share"] = D(3)
        assert memo.key(ind, mine, None) == memo.key(ind, other, None)
    assert memo.key(ind, plain, 2022) != memo.key(ind, plain, None)


def test_a_key_that_cannot_be_hashed_is_neither_found_nor_stored():
    iset, memo, _ = _memo_and_data()
    ind = iset.indicators[0]
    result = _many(iset, [{"values": {"share": 1}}])[0].indicators[0]
    assert memo.get(ind, ([1],)) is None
    memo.put(ind, ([1],), (result, ()))
    assert memo.size == 0 and not memo.slots[ind.id].results
