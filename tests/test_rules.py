"""Each rule at its edges, against values computed by hand."""

import re
from decimal import Decimal as D

import pytest
from tests.conftest import make_set

import kpiscore
from kpiscore import DataError


def single(ind: str, extra: str = ""):
    """A set with one indicator; the category and full score take its weight."""
    w = re.search(r"weight: (\d+)", ind).group(1)
    cats = f"  - {{id: main, name: 主要指标, weight: {w}}}\n"
    return kpiscore.loads(make_set(ind, categories=cats, extra=f"full_score: {w}\n" + extra))


def one(ind: str, values: dict, extra: str = "", **kw):
    iset = single(ind, extra)
    return kpiscore.score(iset, {"values": values, **kw}).indicators[0]


RATIO = "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 15 个'}\n"
REVERSE = "  - {id: a, category: main, name: 甲, weight: 100, target: '<= 2 天'}\n"


@pytest.mark.parametrize(
    ("actual", "score"),
    [(15, "100.00"), (18, "100.00"), (12, "80.00"), (0, "0.00"), (D("14.99"), "99.93")],
)
def test_ratio_is_capped_at_the_weight(actual, score):
    assert str(one(RATIO, {"a": actual}).score) == score


def test_ratio_zero_below():
    ind = (
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', zero_below: 0.6}\n"
    )
    assert one(ind, {"a": 5}).score == 0
    assert one(ind, {"a": 6}).score == D("60.00")


@pytest.mark.parametrize(
    ("actual", "score"),
    [(0, "100.00"), (2, "100.00"), (D("1.6"), "100.00"), (4, "50.00"), (3, "66.67")],
)
def test_reverse_scores_target_over_actual_and_zero_is_met(actual, score):
    assert str(one(REVERSE, {"a": actual}).score) == score


def test_exact_with_tolerance_below_and_above():
    ind = "  - {id: a, category: main, name: 甲, weight: 100, target: '= 10 个', tolerance: 0.5}\n"
    assert one(ind, {"a": D("10.5")}).score == 100
    assert one(ind, {"a": 8}).score == D("80.00")
    assert one(ind, {"a": 20}).score == D("50.00")


def test_met_is_all_or_nothing():
    ind = "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 95%', rule: met}\n"
    assert one(ind, {"a": "95%"}).score == 100
    assert one(ind, {"a": "94.99%"}).score == 0


QUAL = "  - {id: a, category: main, name: 甲, weight: 10, target: 达成, rule: qualitative}\n"


@pytest.mark.parametrize(
    ("value", "score"),
    [
        ("达成", "10.00"),
        ("完成", "10.00"),
        ("达成预期指标", "10.00"),
        ("部分达成", "8.00"),
        ("未达成", "6.00"),
        ({"level": "部分达成", "rate": D("0.7")}, "7.00"),
        ({"level": "达成", "rate": D("0.8")}, "8.00"),
        (D("0.8"), "8.00"),
        (D("0.79"), "7.90"),
    ],
)
def test_qualitative_levels_rates_and_aliases(value, score):
    assert str(one(QUAL, {"a": value}).score) == score


def test_exactly_80_percent_belongs_to_the_top_level():
    assert one(QUAL, {"a": D("0.8")}).actual == "达成"


def test_rate_outside_its_level_is_a_data_error():
    r = one(QUAL, {"a": {"level": "达成", "rate": D("0.7")}})
    assert r.status == "invalid_data"
    assert r.problem == "等级“达成”的得分比例应在 [0.8, 1] 之内，实际给了 0.7"


BANDS = (
    "  - id: a\n    category: main\n    name: 甲\n    weight: 10\n    rule: bands\n    bands:\n"
    "      - {when: 'abs(actual - 1) <= 0.1', score: 10}\n"
    "      - {when: 'abs(actual - 1) <= 0.15', score: 6}\n"
    "      - {when: 'abs(actual - 1) <= 0.2', score: 'weight / 5'}\n"
    "      - {score: 0}\n"
)


@pytest.mark.parametrize(
    ("value", "score"),
    [
        ("110%", "10.00"),
        ("90%", "10.00"),
        ("111%", "6.00"),
        ("115%", "6.00"),
        ("120%", "2.00"),
        ("121%", "0.00"),
    ],
)
def test_bands_first_match_on_the_edges(value, score):
    assert str(one(BANDS, {"a": value}).score) == score


def test_deduct_floors_at_zero():
    ind = "  - {id: a, category: main, name: 甲, weight: 5, rule: deduct, per: 0.5, count: 'max(0, ceil((actual - 1) * 100))'}\n"
    assert one(ind, {"a": "100%"}).score == 5
    assert one(ind, {"a": "102.5%"}).score == D("3.50")
    assert one(ind, {"a": "150%"}).score == 0


def test_checklist_sums_items_by_label_or_id():
    ind = "  - {id: a, category: main, name: 甲, weight: 3, rule: checklist, items: [{id: t, label: 真实, points: 1}, {label: 完整, points: 1}, {label: 准确, points: 1}]}\n"
    assert one(ind, {"a": ["t", "完整"]}).score == 2
    assert one(ind, {"a": "真实、完整、准确"}).score == 3
    bad = one(ind, {"a": ["真是"]})
    assert bad.status == "invalid_data" and "是不是 '真实'" in bad.problem


def test_manual_needs_justification_and_range():
    ind = "  - {id: a, category: main, name: 甲, weight: 10, rule: manual}\n"
    iset = single(ind)
    ok = kpiscore.score(
        iset, {"manual": {"a": {"score": D(8), "justification": "专家评审"}}}
    ).indicators[0]
    assert ok.score == 8 and "专家评审" in ok.explanation
    assert (
        kpiscore.score(iset, {"manual": {"a": {"score": D(8)}}}).indicators[0].problem
        == "人工评分必须填写评分理由 justification"
    )
    assert (
        kpiscore.score(iset, {"manual": {"a": {"score": D(11), "justification": "x"}}})
        .indicators[0]
        .status
        == "invalid_data"
    )


def test_formula_is_clamped_and_says_so():
    ind = "  - {id: a, category: main, name: 甲, weight: 10, rule: formula, score: 'actual * 2'}\n"
    r = one(ind, {"a": 7})
    assert r.score == 10 and "按 10 计" in r.explanation


@pytest.mark.parametrize(
    ("precision", "actual", "score"),
    [(0, D("8.5"), "9"), (0, D("8.49"), "8"), (2, D("2.675"), "2.68"), (2, D("2.665"), "2.67")],
)
def test_rounding_is_half_up_once(precision, actual, score):
    ind = "  - {id: a, category: main, name: 甲, weight: 10, rule: formula, score: actual}\n"
    r = one(ind, {"a": actual}, extra=f"precision: {precision}\n")
    assert str(r.score) == score


def test_missing_value_scores_zero_and_strict_raises():
    iset = kpiscore.loads(make_set(RATIO))
    r = kpiscore.score(iset, {"values": {}})
    assert r.indicators[0].status == "missing_data" and r.complete is False and r.total == 0
    assert r.warnings[0] == "甲（a）：缺少数据 'a'（甲），按 0 分计"  # the indicator, then its cell
    with pytest.raises(DataError):
        kpiscore.score(iset, {"values": {}}, strict=True)


def test_values_are_read_as_written():
    assert one(RATIO, {"a": "18个"}).score == 100
    assert one(RATIO, {"a": "18 次"}).status == "invalid_data"
    pct = "  - {id: a, category: main, name: 甲, weight: 10, target: '>= 100%'}\n"
    assert one(pct, {"a": "97.79%"}).score == D("9.78")
    bare = one(pct, {"a": 95})
    assert bare.problem == "'95' 是百分比指标的值，但没有写 %：请写成 95% 或 0.95"


def test_restated_target_is_read_with_a_warning():
    iset = single("  - {id: a, category: main, name: 甲, weight: 10, target: '>= 266 米'}\n")
    r = kpiscore.score(iset, {"values": {"a": "≥266米"}})
    assert r.indicators[0].score == 10
    assert any("'≥266米' 不是确切的完成值" in w for w in r.warnings)


def test_not_applicable_is_dropped_and_the_total_rescaled():
    sets = make_set(
        "  - {id: a, category: main, name: 甲, weight: 60, target: '>= 10 个'}\n  - {id: b, category: main, name: 乙, weight: 40, target: '>= 10 个'}\n"
    )
    r = kpiscore.score(kpiscore.loads(sets), {"values": {"a": 5, "b": "n/a"}})
    assert r.indicators[1].status == "not_applicable"
    assert r.total == D("50.00") and r.rescaled


def test_penalty_applies_after_the_sum():
    text = (
        make_set(RATIO)
        + "penalties:\n  - {name: 重大违规, when: major_violation, deduct: 10}\n  - {name: 否决, when: veto, grade: 差}\n"
    )
    iset = kpiscore.loads(text)
    r = kpiscore.score(iset, {"values": {"a": 15, "major_violation": True, "veto": False}})
    assert r.total == D("90.00") and r.grade == "优"
    r = kpiscore.score(iset, {"values": {"a": 15, "major_violation": False, "veto": True}})
    assert r.total == D("100.00") and r.grade == "差"


def test_grade_lower_bounds_are_inclusive():
    ind = "  - {id: a, category: main, name: 甲, weight: 100, rule: formula, score: actual}\n"
    iset = single(ind)
    assert kpiscore.score(iset, {"values": {"a": 90}}).grade == "优"
    assert kpiscore.score(iset, {"values": {"a": D("89.99")}}).grade == "良"
    assert kpiscore.score(iset, {"values": {"a": 60}}).grade == "中"


def test_a_negative_actual_scores_zero_and_the_explanation_says_why():
    iset = single("  - {id: a, category: main, name: 甲, weight: 10, target: '>= 10 个'}\n")
    ind = kpiscore.score(iset, {"values": {"a": -5}}).indicators[0]
    assert ind.score == 0
    assert "-5个 ÷ 10个 × 10 = -5，低于 0，按 0 计" in ind.explanation


@pytest.mark.parametrize("given", [8, 8.0, "8", "8分", D("8")])
def test_a_manual_score_is_read_like_any_value(given):
    iset = single("  - {id: a, category: main, name: 创新, weight: 10, rule: manual}\n")
    r = kpiscore.score(
        iset, {"values": {}, "manual": {"a": {"score": given, "justification": "有"}}}
    )
    assert r.indicators[0].status == "scored" and r.indicators[0].score == 8


def test_a_level_written_another_way_is_quoted_in_the_explanation():
    iset = single("  - {id: a, category: main, name: 效益, weight: 10, target: 达成}\n")
    ind = kpiscore.score(iset, {"values": {"a": "达成预期指标"}}).indicators[0]
    assert "实际等级“达成”（原文“达成预期指标”）" in ind.explanation


def test_a_word_that_is_no_level_is_invalid_data_and_owes_no_reason():
    r = one(QUAL, {"a": "正在推进"})
    assert r.status == "invalid_data" and r.score == 0 and not r.needs_reason
    assert "'正在推进'" in r.problem


@pytest.mark.parametrize(
    ("word", "level"),
    [
        ("按时完成", "达成"),
        ("有效改善", "达成"),
        ("显著提升", "达成"),
        ("是", "达成"),
        ("基本达成", "部分达成"),
        ("有所提升", "部分达成"),
        ("没有完成", "未达成"),
        ("不达成", "未达成"),
        ("否", "未达成"),
        (" 已完成。", "达成"),
        ("（基本完成）", "部分达成"),
    ],
)
def test_default_level_words_are_recognised_trimmed(word, level):
    r = one(QUAL, {"a": word})
    assert r.status == "scored" and r.actual == level


@pytest.mark.parametrize("word", ["没完成", "未完善", "不达标"])
def test_did_you_mean_never_offers_the_positive_of_a_negated_word(word):
    r = one(QUAL, {"a": word})
    assert r.status == "invalid_data"
    suggested = re.findall(r"是不是 '([^']*)'", r.problem)
    assert all(s.startswith(("未", "没有", "不", "否")) for s in suggested), r.problem
    assert "'完成'" not in r.problem and "'达成'" not in r.problem


def test_a_qualitative_target_may_name_any_default_word():
    ind = "  - {id: a, category: main, name: 甲, weight: 10, target: 有效改善}\n"
    assert one(ind, {"a": "基本完成"}).score == 8


@pytest.mark.parametrize("target", ["= 0 件", "=0起", "＝0"])
def test_a_zero_target_is_full_at_zero_else_nothing(target):
    ind = f"  - {{id: a, category: main, name: 安全事故, weight: 10, target: '{target}'}}\n"
    assert one(ind, {"a": 0}).score == 10
    assert one(ind, {"a": 1}).score == 0
    tol = (
        f"  - {{id: a, category: main, name: 甲, weight: 10, target: '{target}', tolerance: 0.5}}\n"
    )
    assert one(tol, {"a": D("0.5")}).score == 10 and one(tol, {"a": D("0.6")}).score == 0


QUAL15 = "  - {id: a, category: main, name: 甲, weight: 15, target: 达成}\n"


def test_a_claimed_score_inside_the_levels_band_is_the_units_judgement():
    iset = single(QUAL15)
    r = kpiscore.score(iset, {"values": {"a": "达成"}, "claimed": {"a": 13}})
    ind = r.indicators[0]
    assert ind.score == 13 and "单位自评 13 分，在 达成 档 [12, 15] 内，采用" in ind.explanation
    assert r.discrepancies == ()


def test_a_claimed_score_outside_the_band_is_a_discrepancy():
    iset = single(QUAL15)
    r = kpiscore.score(iset, {"values": {"a": "达成"}, "claimed": {"a": 10}})
    assert r.indicators[0].score == 15
    [d] = r.discrepancies
    assert d.claimed == 10 and d.computed == 15 and "取区间上限" in d.explanation


def test_aliases_alone_add_words_to_the_default_levels():
    ind = "  - {id: a, category: main, name: 甲, weight: 10, target: 达成, aliases: {达成: [顺利推进], 未达成: [尚未启动]}}\n"
    assert one(ind, {"a": "顺利推进"}).score == 10
    assert one(ind, {"a": "尚未启动"}).score == 6
    assert one(ind, {"a": "基本完成"}).score == 8  # the defaults are still there


def test_aliases_for_a_level_that_does_not_exist_are_named():
    ind = "  - {id: a, category: main, name: 甲, weight: 10, target: 达成, aliases: {达标: [好]}}\n"
    issues = kpiscore.check(
        make_set(ind, categories="  - {id: main, name: 主, weight: 10}\n", extra="full_score: 10\n")
    )
    assert [i.code for i in issues] == ["unknown_level"] and "'达成'" in issues[0].message


def test_with_inputs_declared_a_plain_indicator_still_reads_its_own_value():
    ind = "  - {id: a, category: main, name: 受益人数, weight: 10, target: '>= 100 人'}\n"
    iset = single(ind, extra="inputs:\n  spent: {name: 执行数, unit: 万元}\n")
    r = kpiscore.score(iset, {"values": {"a": "120人"}}).indicators[0]
    assert r.status == "scored" and r.score == 10
    bad = kpiscore.score(iset, {"values": {"a": "120次"}}).indicators[0]
    assert bad.status == "invalid_data" and "'人'" in bad.problem and "—" not in bad.problem


ZERO_TOL = "  - {id: a, category: main, name: 事故, weight: 10, target: '= 0', tolerance: 0.5}\n"


@pytest.mark.parametrize(
    ("actual", "zh", "en", "score"),
    [
        (
            "0.3",
            "目标 =0，实际 0.3，在容差 0.5 以内，达成，得满分 10",
            "target =0, actual 0.3, within tolerance 0.5, met: full weight 10",
            10,
        ),
        ("0", "目标 =0，实际 0，达成，得满分 10", "target =0, actual 0, met: full weight 10", 10),
        (
            "0.6",
            "目标 =0，实际 0.6，目标为 0 而实际不为 0，得 0 分",
            "target =0, actual 0.6, the target is 0 and the actual is not: 0",
            0,
        ),
    ],
)
def test_a_zero_target_with_a_tolerance_says_which_side_the_actual_fell(actual, zh, en, score):
    r = one(ZERO_TOL, {"a": actual})
    assert r.score == score and r.explanation.startswith(zh)
    iset = single(ZERO_TOL)
    assert (
        kpiscore.score(iset, {"values": {"a": actual}}, lang="en")
        .indicators[0]
        .explanation.startswith(en)
    )


LEVELS_EN = (
    "  - {id: a, category: main, name: 质量, weight: 15, target: 达成, levels: ["
    "{label: 达成, name_en: Achieved, range: [0.8, 1], aliases: [完成]}, "
    "{label: 未达成, name_en: Missed, range: [0, 0.6]}]}\n"
)


def test_a_claimed_score_inside_the_band_is_used_and_named_in_both_languages():
    r = one(LEVELS_EN, {"a": "完成"}, claimed={"a": "13"})
    assert r.score == 13 and r.actual == "达成"  # the level the cell names, as written elsewhere
    assert "实际等级“达成”，单位自评 13 分，在 达成 档 [12, 15] 内，采用" in r.explanation
    en = kpiscore.score(
        single(LEVELS_EN), {"values": {"a": "完成"}, "claimed": {"a": "13"}}, lang="en"
    )
    text = en.indicators[0].explanation
    assert (
        "target Achieved, level 'Achieved', the unit's own score 13 lies in the Achieved band [12, 15]: used"
        in text
    )


def test_a_zero_weight_level_takes_a_zero_claim_without_dividing_by_zero():
    zero = "  - {id: a, category: main, name: 质量, weight: 0, target: 达成}\n"
    iset = kpiscore.loads(
        make_set(zero + "  - {id: b, category: main, name: 乙, weight: 100, target: '>= 1'}\n")
    )
    r = kpiscore.score(iset, {"values": {"a": "达成", "b": 1}, "claimed": {"a": 0}}).indicators[0]
    assert r.status == "scored" and r.score == 0 and r.completion is None


MANUAL = "  - {id: a, category: main, name: 创新, weight: 10, rule: manual}\n"


@pytest.mark.parametrize(
    ("score", "status", "value"),
    [
        ("8分", "scored", D(8)),
        ("8", "scored", D(8)),
        ("8个", "invalid_data", "8个"),
        ("很好", "invalid_data", "很好"),
    ],
)
def test_a_manual_score_is_a_number_of_points_or_named_as_written(score, status, value):
    r = one(MANUAL, {}, manual={"a": {"score": score, "justification": "有创新做法"}})
    assert r.status == status
    if status == "scored":
        assert r.score == value and "人工评分 8，理由：有创新做法" in r.explanation
    else:
        assert f"'{value}'" in r.problem and r.score == 0


CHECKLIST = (
    "  - {id: a, category: main, name: 基础信息, weight: 10, rule: checklist, items: ["
    "{label: 真实, points: 4}, {label: 完整, points: 3}, {label: 准确, points: 3}]}\n"
)
LONG = "很" * 40


@pytest.mark.parametrize(
    ("given", "score", "problem"),
    [
        ("真实，完整", D(7), None),  # full-width commas, as typed in Chinese
        ("真实、准确", D(7), None),
        (D(3), None, "需要列表，实际是 '3'"),
        ("真实，齐全", None, "清单中没有条目 '齐全'。"),
        (LONG, None, f"清单中没有条目 '{LONG[:30]}'。"),
    ],
)
def test_a_checklist_reads_chinese_separators_and_names_what_it_cannot_read(given, score, problem):
    r = one(CHECKLIST, {"a": given})
    if problem is None:
        assert r.status == "scored" and r.score == score
    else:
        assert r.status == "invalid_data" and r.problem.startswith(problem)


@pytest.mark.parametrize(
    ("manual", "problem"),
    [
        ({"score": "12", "justification": "很好"}, "人工评分 12 超出 [0, 10]"),
        ({"score": LONG, "justification": "很好"}, f"需要数字，实际是 '{LONG[:30]}'"),
    ],
)
def test_a_manual_score_outside_its_weight_or_unreadable_is_named(manual, problem):
    r = one(MANUAL, {}, manual={"a": manual})
    assert r.status == "invalid_data" and r.problem.startswith(problem)


def test_a_long_justification_is_cut_at_200_characters():
    why = "理" * 250
    r = one(MANUAL, {}, manual={"a": {"score": 8, "justification": why}})
    assert f"理由：{'理' * 200}，" in r.explanation or r.explanation.endswith(
        "理" * 200 + "，本项得分 8.00"
    )
    assert "理" * 201 not in r.explanation


DEDUCT = "  - {id: a, category: main, name: 事故, weight: 10, rule: deduct, per: 2.5, count: n}\n"


@pytest.mark.parametrize(
    ("n", "score", "floored"),
    [("3", D("2.5"), False), ("4", D(0), False), ("5", D(0), True), ("0", D(10), False)],
)
def test_a_deduction_says_not_below_zero_only_when_it_would_go_below(n, score, floored):
    r = one(DEDUCT, {"n": n}, extra="inputs:\n  n: {name: 事故数}\n")
    assert r.score == score
    assert ("扣完为止" in r.explanation) is floored


BANDS_FORMULA = (
    "  - {id: a, category: main, name: 成本, weight: 10, target: '<= 100%', rule: bands, bands: ["
    "{when: 'actual <= 1', score: 10}, "
    "{when: 'actual <= 1.5', score: '20 - 10 * actual'}, "
    "{when: 'actual <= 3', score: '30 - 10 * actual'}]}\n"
)


@pytest.mark.parametrize(
    ("actual", "score", "text"),
    [
        ("90%", D(10), "第 1 档（实际值 0.9 ≤ 1）成立，得 10，"),
        ("120%", D(8), "第 2 档（实际值 1.2 ≤ 1.5）成立，得 20 − 10 × 实际值 1.2 = 8，"),
        ("290%", D(1), "第 3 档（实际值 2.9 ≤ 3）成立，得 30 − 10 × 实际值 2.9 = 1，"),
        ("400%", D(0), "没有任何一档成立，得 0 分"),
    ],
)
def test_a_band_with_a_formula_score_shows_its_condition_and_arithmetic(actual, score, text):
    r = one(BANDS_FORMULA, {"a": actual})
    assert r.score == score and text in r.explanation


def test_a_band_formula_outside_the_weight_is_clamped_and_says_so():
    ind = (
        "  - {id: a, category: main, name: 成本, weight: 10, target: '<= 100%', rule: bands, bands: ["
        "{score: '20 - 10 * actual'}]}\n"
    )
    r = one(ind, {"a": "50%"})
    assert r.score == 10 and "（超出 [0, 10]，按 10 计）" in r.explanation
    assert "第 1 档（其他情况）成立" in r.explanation


@pytest.mark.parametrize(
    ("score", "value", "expected", "problem"),
    [
        ("actual > 1", "2", D(1), None),  # a comparison scores 1 or 0
        ("actual > 1", "0.5", D(0), None),
        ("'十分'", "2", None, "需要数字，实际是 '十分'"),
    ],
)
def test_a_formula_score_that_is_true_false_or_text(score, value, expected, problem):
    ind = (
        f'  - {{id: a, category: main, name: 公式, weight: 10, rule: formula, score: "{score}"}}\n'
    )
    r = one(ind, {"a": value})
    if problem is None:
        assert r.status == "scored" and r.score == expected
    else:
        assert r.status == "invalid_data" and r.problem.startswith(problem)


def test_a_band_condition_over_a_missing_input_names_the_input():
    ind = (
        "  - {id: a, category: main, name: 成本, weight: 10, rule: bands, bands: ["
        "{when: 'n > 1', score: 10}, {score: 0}]}\n"
    )
    r = one(ind, {}, extra="inputs:\n  n: {name: 次数}\n")
    assert r.status == "missing_data" and "n" in r.problem and "次数" in r.problem


QUALITY = "  - {id: a, category: main, name: 质量, weight: 10, target: 达成}\n"


@pytest.mark.parametrize(
    ("ind", "value", "problem"),
    [
        (RATIO, "达成", "需要数字，实际是 '达成'"),
        (QUALITY, D("1.5"), "等级“?”的得分比例应在 [0, 1] 之内，实际给了 1.5"),
        (QUALITY, ["达成"], "'('达成',)' 不是已定义的等级。"),
        (QUALITY, "达程", "'达程' 不是已定义的等级。是不是 '达成'"),
        (QUALITY, "没有完全达成", "'没有完全达成' 不是已定义的等级。"),
    ],
)
def test_a_value_a_rule_cannot_read_is_named_as_written(ind, value, problem):
    r = one(ind, {"a": value})
    assert r.status == "invalid_data" and r.problem.startswith(problem), r.problem
    if value == "没有完全达成":
        assert "'达成'" not in r.problem  # a negated word is never offered the word it negates


def test_a_true_or_false_actual_counts_as_one_or_zero():
    assert one(RATIO.replace("'>= 15 个'", "'>= 1'"), {"a": True}).score == 100
    assert one(RATIO.replace("'>= 15 个'", "'>= 1'"), {"a": False}).score == 0


@pytest.mark.parametrize(
    ("actual", "score", "text"),
    [
        ("2天", D(100), "目标 ≤2天（越低越好），实际 2天，已达成，得满分 100"),
        ("0天", D(100), "实际为 0，视为达成，得满分 100"),
        (
            "3天",
            D("66.67"),
            "未达成，按 目标/实际 × 分值 = 2天 ÷ 3天 × 100",
        ),  # 3/2 = 1.5: not above
        ("3.1天", D(0), "超过目标的 150%，按规则得 0 分"),
    ],
)
def test_reverse_at_the_target_at_zero_and_on_the_zero_above_edge(actual, score, text):
    ind = REVERSE.replace("target: '<= 2 天'", "target: '<= 2 天', zero_above: 1.5")
    r = one(ind, {"a": actual})
    assert r.score == score and text in r.explanation


def test_a_level_given_with_a_rate_and_a_level_without_a_target():
    r = one(QUALITY, {"a": {"level": "基本完成", "rate": "0.7"}})
    assert r.score == 7 and "实际等级“部分达成”（原文“基本完成”）" in r.explanation
    no_target = "  - {id: a, category: main, name: 质量, weight: 10, rule: qualitative}\n"
    r = one(no_target, {"a": "部分达成"})
    assert r.explanation.startswith("目标 达成，实际等级“部分达成”")
    loud = "达成" + "!" * 40
    r = one(QUALITY, {"a": loud})
    assert r.score == 10 and f"（原文“{loud[:30]}”）" in r.explanation


# --- what a problem quotes, and in which language ---------------------------------
WORDS_SET = """
kpiscore: 1
id: t
name: 测
inputs:
  papers: {name: 论文}
  note: {name: 说明, type: text}
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: q, category: c, name: 质量, weight: 30, rule: qualitative, target: 部分达成}
  - {id: k, category: c, name: 清单, weight: 20, rule: checklist, items: [{label: 真实, points: 10}, {label: 完整, points: 10}]}
  - {id: n, category: c, name: 数, weight: 10, rule: ratio, target: '>= 10'}
  - {id: f, category: c, name: 公式, weight: 20, rule: formula, score: 'papers * 2'}
  - {id: g, category: c, name: 文字, weight: 20, rule: formula, score: 'note'}
"""
LONG = "很" * 40


def test_a_problem_quotes_at_most_thirty_characters_of_the_cell():
    iset = kpiscore.loads(WORDS_SET)
    r = kpiscore.score(iset, {"values": {"q": LONG, "k": LONG, "n": LONG, "note": "字" * 40}})
    quoted = "'" + "很" * 30 + "'"
    assert r.indicator("q").problem.startswith(quoted + " 不是已定义的等级")
    assert r.indicator("k").problem.startswith("清单中没有条目 " + quoted)
    assert r.indicator("n").problem == "需要数字，实际是 " + quoted
    assert r.indicator("g").problem == "需要数字，实际是 '" + "字" * 30 + "'"
    listed = kpiscore.score(iset, {"values": {"q": [LONG]}})
    # a list is no level: quoted as Python shows it, cut at 30, with no close match
    assert listed.indicator("q").problem == "'" + str((LONG,))[:30] + "' 不是已定义的等级。"


def test_a_formula_rules_missing_name_is_named_with_its_label():
    r = kpiscore.score(kpiscore.loads(WORDS_SET), {"values": {"note": "x"}})
    assert r.indicator("f").problem == "缺少数据 'papers'（论文）"
    assert r.indicator("f").status == "missing_data"


def test_close_matches_are_offered_in_the_runs_language():
    iset = kpiscore.loads(WORDS_SET)
    data = {"values": {"q": "部分达成了吧", "k": ["真实", "完整了吗"]}}
    en = kpiscore.score(iset, data, lang="en")
    zh = kpiscore.score(iset, data)
    assert (
        en.indicator("q").problem
        == "'部分达成了吧' is not a defined level. Did you mean '部分达成'?"
    )
    assert (
        en.indicator("k").problem == "There is no checklist item '完整了吗'. Did you mean '完整'?"
    )
    assert zh.indicator("q").problem == "'部分达成了吧' 不是已定义的等级。是不是 '部分达成'？"
    rated = kpiscore.score(
        iset, {"values": {"q": {"level": "部分达成了吧", "rate": 0.7}}}, lang="en"
    )
    assert rated.indicator("q").problem.endswith("Did you mean '部分达成'?")


def test_a_qualitative_explanation_names_the_target_level_not_the_first_level():
    r = kpiscore.score(kpiscore.loads(WORDS_SET), {"values": {"q": "达成"}})
    assert r.indicator("q").explanation.startswith("目标 部分达成，实际等级“达成”")
