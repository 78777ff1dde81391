"""Scoring one subject: what the result says about data the set does not use."""

from decimal import Decimal
from decimal import Decimal as D

import pytest
from tests.conftest import ROOT

import kpiscore

SET = kpiscore.load(ROOT / "indicator_sets" / "mof-project-2020.yaml")


def test_a_reason_under_a_misspelt_id_is_named_with_the_close_match():
    r = kpiscore.score(
        SET,
        {"values": {"budget": 100, "spent": 90}, "reasons": {"exection_rate": "受疫情影响"}},
    )
    assert any("'exection_rate'" in w and "是不是 'execution_rate'" in w for w in r.warnings)
    assert r.indicator("execution_rate").reason is None


def test_a_manual_score_under_an_unknown_id_is_not_silently_dropped():
    r = kpiscore.score(SET, {"values": {}, "manual": {"innovaton": {"score": 1}}})
    assert any("人工评分写在了 'innovaton' 下" in w for w in r.warnings)


def test_thousands_of_unused_values_give_twenty_warnings_and_a_count():
    values = {f"v{i:05d}": i for i in range(5000)}
    r = kpiscore.score(SET, {"values": values})
    unused = [w for w in r.warnings if "没有被任何指标或检查使用" in w]
    assert len(unused) == 20 and "'v00000'" in unused[0]
    assert "另有 4980 个同类提示未列出" in r.warnings


def test_unused_value_warnings_in_english():
    r = kpiscore.score(SET, {"values": {"budgt": 1}}, lang="en")
    assert any("'budgt' is not used" in w and "Did you mean 'budget'" in w for w in r.warnings)


def test_a_bad_value_in_a_data_file_names_its_line(tmp_path):
    data = tmp_path / "d.yaml"
    data.write_text(
        "values:\n  budget: 100\n  spent: 90\n  output_quantity: 18次\n  satisfaction: 95\n",
        encoding="utf-8",
    )
    r = kpiscore.score(SET, data)
    assert "（d.yaml:4）" in r.indicator("output_quantity").explanation
    assert "（d.yaml:5）" in r.indicator("satisfaction").explanation
    assert r.indicator("output_quantity").status == "invalid_data"


def test_a_reason_that_is_not_text_is_named_not_silently_dropped():
    r = kpiscore.score(
        SET,
        {
            "values": {"budget": 100, "spent": 90},
            "reasons": {"execution_rate": ["a", "b"], "output_quantity": 12},
        },
    )
    assert "reasons.execution_rate：偏差原因应是一段文字，这里不是，已忽略" in r.warnings
    assert r.indicator("output_quantity").reason == "12"


def test_subject_details_that_are_not_plain_are_named():
    r = kpiscore.score(SET, {"subject": {"name": "甲", "tags": ["a"]}, "values": {}})
    assert r.subject == {"name": "甲"}
    assert any(w.startswith("subject.tags：") for w in r.warnings)


def test_chinese_column_names_stand_for_their_ids():
    r = kpiscore.score(
        SET,
        {
            "values": {"全年预算数（调整后）": 100, "执行数": 90, "主要产出数量": "12个"},
            "reasons": {"预算执行率": "年底支付"},
            "claimed": {"预算执行率": 10, "总分": 100},
        },
    )
    assert r.indicator("execution_rate").score == Decimal("9.00")
    assert r.indicator("execution_rate").reason == "年底支付"
    assert r.indicator("output_quantity").score == Decimal("20.00")
    assert [d.id for d in r.discrepancies] == ["execution_rate", "total"]
    assert not any("没有被任何指标或检查使用" in w for w in r.warnings)


def test_an_id_given_directly_wins_over_a_name_for_the_same_value():
    r = kpiscore.score(SET, {"values": {"budget": 100, "全年预算数（调整后）": 50, "spent": 100}})
    assert r.indicator("execution_rate").score == Decimal("10.00")
    assert any("'全年预算数（调整后）'" in w for w in r.warnings)


def test_a_band_rule_over_a_missing_actual_names_the_value_and_runs_no_formula(monkeypatch):
    import kpiscore._formula as formula

    calls = []
    real = formula._FUNCTION_IMPLS["abs"]
    monkeypatch.setitem(formula._FUNCTION_IMPLS, "abs", lambda x: calls.append(x) or real(x))
    iset = kpiscore.load("mof-project-2020")
    r = kpiscore.score(iset, {"values": {"budget": 100, "spent": 90}}).indicator("cost_control")
    assert r.status == "missing_data" and "'cost_control'" in r.problem
    assert calls == []


def test_english_names_are_used_in_an_english_run_and_chinese_otherwise():
    iset = kpiscore.loads(
        "kpiscore: 1\nid: t\nname: 测试\n"
        "grades: [{label: 优, min: 90, name_en: Outstanding}, {label: 良, min: 80}, {label: 差, min: 0}]\n"
        "inputs:\n  spent: {name: 执行数, name_en: spent, unit: 万元}\n  budget: {name: 预算数, unit: 万元}\n"
        "categories:\n  - {id: main, name: 产出指标, name_en: Outputs, weight: 100}\n"
        "indicators:\n"
        "  - {id: rate, category: main, group: 数量指标, group_en: Quantity, name: 执行率, name_en: Execution rate, weight: 50, actual: spent / budget, target: '>= 100%'}\n"
        "  - {id: q, category: main, name: 质量, weight: 50, target: 达成, levels: [{label: 达成, name_en: Achieved, range: [0.8, 1]}, {label: 未达成, range: [0, 0.8]}]}\n"
    )
    data = {"values": {"spent": 95, "budget": 100, "q": "达成"}}
    en = kpiscore.score(iset, data, lang="en")
    assert en.indicators[0].name == "Execution rate" and en.indicators[0].group == "Quantity"
    assert en.indicators[1].name == "质量"  # no English name given: the Chinese one
    assert en.categories[0].name == "Outputs" and en.grade == "Outstanding"
    assert "spent 95万元 ÷ 预算数 100万元" in en.indicators[0].explanation
    assert "level 'Achieved'" in en.indicators[1].explanation
    zh = kpiscore.score(iset, data)
    assert (
        zh.indicators[0].name == "执行率"
        and zh.grade == "优"
        and zh.categories[0].name == "产出指标"
    )
    low = kpiscore.score(iset, {"values": {"spent": 70, "budget": 100, "q": "达成"}}, lang="en")
    assert low.grade == "Good"  # the default English name of 良


def test_strict_refuses_a_value_name_the_set_does_not_read():
    data = {"values": {"budget": 100, "spent": 90, "spnet": 1}}
    lenient = kpiscore.score(SET, data)
    assert any("spnet" in w for w in lenient.warnings)
    full = {
        "values": {
            "budget": 100,
            "spent": 100,
            "output_quantity": 10,
            "output_quality": "达成",
            "completion_time": 1,
            "cost_control": "100%",
            "economic_benefit": "达成",
            "social_benefit": "达成",
            "ecological_benefit": "达成",
            "sustainability": "达成",
            "satisfaction": "95%",
            "spnet": 1,
        }
    }
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(SET, full, strict=True)
    [issue] = info.value.issues
    assert issue.code == "unknown_value" and "'spent'" in issue.message


def test_strict_names_each_missing_and_invalid_value_by_id_name_file_and_line(tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text(
        "values:\n  budget: 100\n  spent: 90\n  output_quantity: 1O个\n  spnet: 2\n",
        encoding="utf-8",
    )
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(SET, path, strict=True)
    issues = {i.path[-1]: i for i in info.value.issues}
    bad = issues["output_quantity"]
    assert bad.code == "invalid_data" and bad.line == 4 and bad.file.endswith("data.yaml")
    assert bad.message.startswith("output_quantity（主要产出数量）：值 '1O个'")
    assert bad.message.endswith("（data.yaml:4）")
    missing = issues["output_quality"]
    assert missing.code == "missing_data" and missing.path == ("values", "output_quality")
    quality = SET.indicator("output_quality").name
    assert missing.message.startswith(f"output_quality（{quality}）：")
    stray = issues["spnet"]
    assert stray.code == "unknown_value" and stray.path == ("values", "spnet")
    assert "'spnet'" in stray.message and "'spent'" in stray.message
    assert list(issues)[-1] == "spnet"  # the value problems first, then the strays
    with pytest.raises(kpiscore.DataError) as en:
        kpiscore.score(SET, {"values": {"budget": 100}}, strict=True, lang="en")
    first = en.value.issues[0]
    assert first.message.startswith("execution_rate (") and "): " in first.message


def test_an_explain_template_fills_every_field_from_the_result():
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set(
            "  - {id: q, category: main, name: 数量, weight: 40, target: '>= 10个',\n"
            "     explain: '{name}({id}) 实际{actual} 目标{target} 得{score}/{weight} "
            "完成率{completion} 单位{unit} 另{extra} 无{nothing}'}\n"
            "  - {id: r, category: main, name: 其他, weight: 60, target: '>= 1', actual: extra}\n",
        )
    )
    r = kpiscore.score(iset, {"values": {"q": "8个", "extra": "2.5"}}).indicator("q")
    assert r.explanation == (
        "数量(q) 实际8个 目标≥10个 得32/40 完成率80% 单位个 另2.5 无—；需说明偏差原因（未填写）"
    )


def test_a_failed_check_shows_each_side_with_labels_and_values():
    r = kpiscore.score(
        kpiscore.load(ROOT / "examples" / "panyu-2022" / "department-set.yaml"),
        ROOT / "examples" / "panyu-2022" / "department.yaml",
    )
    [failed] = [c for c in r.checks if not c.passed]
    assert "基本支出 869.56万元 + 项目支出 235.30万元 = 1104.86" in failed.message
    assert "执行数 1104.87万元 = 1104.87，相差 -0.01" in failed.message


def test_a_check_or_penalty_that_cannot_run_is_named_with_why():
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1'}\n",
            extra=(
                "inputs:\n  x: {name: 某数}\n  y: {name: 另数}\n"
                "checks:\n  - {name: 平衡, assert: 'x / y >= 1'}\n"
                "penalties:\n  - {name: 超支, when: 'x / y > 2', deduct: 5}\n"
            ),
        )
    )
    r = kpiscore.score(iset, {"values": {"a": 1, "x": 1, "y": 0}})
    check = next(w for w in r.warnings if w.code == "check_not_evaluated")
    assert check.startswith("一致性检查“平衡”无法计算：") and len(check) > len(
        "一致性检查“平衡”无法计算："
    )
    penalty = next(w for w in r.warnings if w.code == "penalty_not_evaluated")
    assert penalty.startswith("扣罚“超支”无法判断：") and r.total == 100


def test_a_restated_value_read_by_a_formula_is_quoted_as_written():
    from tests.conftest import make_set

    iset = kpiscore.loads(
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10', actual: n + 0}\n",
            extra="inputs:\n  n: {name: 数}\n",
        )
    )
    r = kpiscore.score(iset, {"values": {"n": "≥12"}})
    [w] = [w for w in r.warnings if w.code == "restates_target"]
    assert w.startswith("n：'≥12' 不是确切的完成值") and "按 12 读取" in w


def _set(rows, extra=""):
    from tests.conftest import make_set

    return kpiscore.loads(make_set(rows, extra=extra))


def test_formulas_read_the_indicators_own_actual_target_weight_and_completion():
    iset = _set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20', rule: bands, bands: ["
        "{when: 'completion >= 0.9 and actual >= target * 0.9 and weight == 100', score: 100}, "
        "{score: 40}]}\n"
    )
    assert kpiscore.score(iset, {"values": {"a": 19}}).total == 100
    assert kpiscore.score(iset, {"values": {"a": 17}}).total == 40


def test_reason_required_decides_when_a_reason_is_owed_and_a_failing_one_asks_for_it():
    iset = _set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20',"
        " reason_required: 'completion < 0.5 and score < weight'}\n"
    )
    assert not kpiscore.score(iset, {"values": {"a": 15}}).indicator("a").needs_reason
    assert kpiscore.score(iset, {"values": {"a": 5}}).indicator("a").needs_reason
    failing = _set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20',"
        " reason_required: 'x > 1'}\n",
        extra="inputs:\n  x: {name: 某数}\n",
    )
    assert kpiscore.score(failing, {"values": {"a": 25}}).indicator("a").needs_reason


def test_deviation_above_owes_a_reason_for_a_large_deviation_either_way():
    iset = _set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20'}\n",
        extra="reasons: {below_weight: false, over_achievement: false, deviation_above: 0.1}\n",
    )
    owed = {
        v: kpiscore.score(iset, {"values": {"a": v}}).indicator("a").needs_reason
        for v in (17, 19, 22, 23)
    }
    assert owed == {17: True, 19: False, 22: False, 23: True}


@pytest.mark.parametrize(
    ("value", "status", "quoted"),
    [
        ("1000%", "scored", None),
        ("1001%", "invalid_data", "1001%"),
        ("5000%", "invalid_data", "5000%"),
    ],
)
def test_a_percent_above_a_thousand_is_taken_for_a_slip_and_quoted(value, status, quoted):
    iset = _set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 90%'}\n")
    r = kpiscore.score(iset, {"values": {"a": value}}).indicator("a")
    assert r.status == status
    if quoted:
        assert f"'{quoted}'" in r.problem or quoted in r.problem


def test_a_claimed_level_score_that_is_not_a_number_is_not_used_and_is_named():
    iset = _set("  - {id: a, category: main, name: 甲, weight: 100, target: 达成}\n")
    r = kpiscore.score(iset, {"values": {"a": "达成"}, "claimed": {"a": "很好"}})
    assert r.indicator("a").score == 100  # the band's top, not a guess from the claim
    assert any(w.code == "claimed_not_a_number" for w in r.warnings)


def test_a_problem_warning_is_about_its_indicator_in_its_language_and_its_step_keeps_the_code():
    iset = _set(
        "  - {id: a, category: main, name: 甲, name_en: Alpha, weight: 100, target: '>= 20'}\n"
    )
    r = kpiscore.score(iset, {"values": {"a": "很多"}}, lang="en")
    [w] = [w for w in r.warnings if w.code == "indicator_problem"]
    assert w.indicator == "a" and "Alpha" in w
    [step] = [s for s in r.indicator("a").to_dict(steps=True)["steps"] if s["step"] == "problem"]
    assert step["code"] == "not_a_number"


PENALISED = (
    "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20'}\n",
    "inputs:\n  x: {name: 违规次数}\n"
    "penalties:\n"
    "  - {name: 总分偏低, when: 'total < 95', deduct: 5}\n"
    "  - {name: 重大违规, when: 'x >= 2', grade: 差}\n"
    "  - {name: 一般违规, when: 'x >= 1', grade: 中}\n",
)


@pytest.mark.parametrize(
    ("a", "x", "total", "grade", "applied"),
    [
        (20, 0, D(100), "优", []),
        (18, 0, D(85), "良", ["总分偏低"]),  # 90 is below 95: minus 5
        (20, 1, D(100), "中", ["一般违规"]),
        (20, 2, D(100), "差", ["重大违规", "一般违规"]),  # the worse forced grade wins
        (18, 2, D(85), "差", ["总分偏低", "重大违规", "一般违规"]),
    ],
)
def test_penalties_read_the_total_deduct_and_force_the_worst_grade(a, x, total, grade, applied):
    iset = _set(*PENALISED)
    r = kpiscore.score(iset, {"values": {"a": a, "x": x}})
    assert (r.total, r.grade, list(r.penalties)) == (total, grade, applied)
    said = [w for w in r.warnings if w.code == "penalty_applied"]
    assert len(said) == len(applied)
    if "总分偏低" in applied:
        assert "扣罚“总分偏低”生效：扣 5 分" in said
    if "重大违规" in applied:
        assert "扣罚“重大违规”生效：定为“差”" in said


def test_a_check_passes_within_its_tolerance_and_a_plain_check_names_its_formula():
    iset = _set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20'}\n",
        extra=(
            "inputs:\n  x: {name: 支出合计}\n  y: {name: 执行数}\n"
            "checks:\n  - {name: 合计, assert: 'x == y', tolerance: 0.01}\n"
            "  - {name: 不为负, assert: 'x >= 0 and y >= 0'}\n"
        ),
    )
    edge = kpiscore.score(iset, {"values": {"a": 20, "x": "100.01", "y": 100}})
    assert [c.passed for c in edge.checks] == [True, True] and edge.checks[0].message == ""
    off = kpiscore.score(iset, {"values": {"a": 20, "x": "100.02", "y": -1}})
    assert [c.passed for c in off.checks] == [False, False]
    plain = off.checks[1].message
    assert plain == "一致性检查“不为负”未通过：(支出合计 100.02 ≥ 0 且 执行数 -1 ≥ 0)"
    assert sum(w.code == "check_failed_plain" for w in off.warnings) == 1


def test_claims_that_are_not_numbers_or_not_indicators_are_named():
    iset = _set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20'}\n")
    r = kpiscore.score(iset, {"values": {"a": 20}, "claimed": {"a": "满分", "b": 10, "total": 100}})
    warned = {w.code: w for w in r.warnings}
    assert (
        warned["claimed_not_a_number"] == "claimed 中 'a' 的自报得分 '满分' 不是数字，没有用于复核"
    )
    assert warned["claimed_unknown"].startswith("claimed 中的 'b' 不是本指标体系的指标。")
    assert not r.discrepancies


def test_when_nothing_applies_there_is_no_total_and_it_says_so():
    iset = _set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 20'}\n")
    r = kpiscore.score(iset, {"values": {"a": "n/a"}})
    assert r.total is None and r.grade is None and not r.complete
    assert [w for w in r.warnings if w.code == "no_applicable"] == ["没有适用的指标，无法计算总分"]


FORMULA_SET = (
    "  - {id: a, category: main, name: 甲, weight: 50, target: '>= 90%', actual: x / y}\n"
    "  - {id: m, category: main, name: 创新, weight: 50, rule: manual}\n",
    "inputs:\n  x: {name: 执行数}\n  y: {name: 预算数}\n",
)


def test_an_input_marked_na_makes_its_indicator_not_applicable_and_says_which():
    iset = _set(*FORMULA_SET)
    manual = {"m": {"score": 40, "justification": "有"}}
    r = kpiscore.score(iset, {"values": {"x": "n/a", "y": 10}, "manual": manual})
    a = r.indicator("a")
    assert a.status == "not_applicable" and a.explanation.startswith("不适用（x 标为 n/a）")
    assert r.total == 80 and r.rescaled  # 40 of the 50 that apply, rescaled to 100
    bad = kpiscore.score(iset, {"values": {"x": "很多", "y": 10}, "manual": manual})
    assert bad.indicator("a").status == "invalid_data" and "'很多'" in bad.indicator("a").problem


def test_a_manual_score_marked_na_is_not_applicable_and_a_condition_says_why():
    iset = _set(*FORMULA_SET)
    r = kpiscore.score(iset, {"values": {"x": 9, "y": 10}, "manual": {"m": "n/a"}})
    m = r.indicator("m")
    assert m.status == "not_applicable" and m.explanation.startswith("不适用（人工评分标为 n/a）")
    applies = _set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1', applies: 'y > 0'}\n",
        extra="inputs:\n  y: {name: 预算数}\n",
    )
    off = kpiscore.score(applies, {"values": {"a": 1, "y": 0}}).indicator("a")
    assert off.status == "not_applicable"
    assert off.explanation.startswith("不适用（适用条件 预算数 0 > 0 不成立）")


# --- the words of problems, templates and refusals, in both languages ---------------
# Each assertion below is a sentence an officer reads; mutation testing found each
# branch unguarded (the score was right, the sentence was not).

WORDS_SET = """
kpiscore: 1
id: w
name: 词
inputs:
  budget: {name: 预算, unit: 万元}
  spent: {name: 支出, unit: 万元}
  note: {name: 说明, type: text}
categories:
  - {id: a, name: 甲, weight: 100}
indicators:
  - {id: rate, category: a, name: 执行率, weight: 20, rule: ratio, target: '>= 100%', actual: 'spent / budget'}
  - {id: pct, category: a, name: 合格率, weight: 20, rule: ratio, target: '>= 95%'}
  - id: q
    category: a
    name: 数量
    weight: 20
    rule: ratio
    target: '>= 10 个'
    reason_required: 'score < 15'
    explain: '达到{{说明}}：{actual}，目标{target}，完成{completion}，单位{unit}，预算{budget}，说明{note}'
  - id: f
    category: a
    name: 公式
    weight: 40
    rule: formula
    score: 'budget / 10'
    explain: '实际{actual}目标{target}完成{completion}单位{unit}'
penalties:
  - {name: 违规, when: 'note > 1', deduct: 5}
"""


@pytest.fixture(scope="module")
def words_set():
    return kpiscore.loads(WORDS_SET)


def test_an_absurd_percent_is_quoted_as_written_or_as_the_formula_gave_it(words_set):
    values = {"budget": 100, "spent": 5000, "pct": "5000.00%", "q": 12, "note": "文字"}
    zh = kpiscore.score(words_set, {"values": values})
    en = kpiscore.score(words_set, {"values": values}, lang="en")
    assert zh.indicator("pct").problem.startswith("实际值 5000.00% 不可能是这个百分比")
    assert zh.indicator("rate").problem.startswith("实际值 5000% 不可能是这个百分比")
    assert en.indicator("pct").problem.startswith("The actual 5000.00% cannot be")
    assert en.indicator("rate").problem.startswith("The actual 5000% cannot be")
    assert en.warnings[0].startswith("执行率 (rate): The actual 5000% cannot be")


def test_reason_required_reads_the_score_and_templates_fill_every_field(words_set):
    values = {"budget": 100, "spent": 50, "q": 12, "note": "文字", "pct": D("0.96")}
    r = kpiscore.score(words_set, {"values": values})
    q, f = r.indicator("q"), r.indicator("f")
    assert q.score == 20
    assert q.needs_reason is False  # score < 15 is false; an unknown name would owe one
    assert q.explanation == "达到{说明}：12个，目标≥10个，完成120%，单位个，预算100万元，说明文字"
    # no actual, target, completion or unit: each shown as a dash, the unit as nothing
    assert f.explanation.startswith("实际—目标—完成—单位；")
    bare = kpiscore.score(words_set, {"values": {"budget": 100, "q": 3}})
    assert bare.indicator("q").needs_reason is True
    assert "说明—" in bare.indicator("q").explanation


def test_a_penalty_that_cannot_be_judged_is_said_in_the_runs_language(words_set):
    values = {"budget": 100, "spent": 50, "q": 12, "note": "文字", "pct": D("0.96")}
    en = kpiscore.score(words_set, {"values": values}, lang="en")
    zh = kpiscore.score(words_set, {"values": values})
    assert "Penalty '违规' could not be evaluated: Cannot compare '文字' with '1'" in en.warnings
    assert any(w.startswith("扣罚“违规”无法判断：无法比较 '文字' 与 '1'") for w in zh.warnings)


def test_a_missing_value_is_named_with_its_label_in_each_language(words_set):
    values = {"spent": 5, "q": 12, "pct": D("0.96")}
    zh = kpiscore.score(words_set, {"values": values})
    en = kpiscore.score(words_set, {"values": values}, lang="en")
    assert zh.indicator("rate").problem == "缺少数据 'budget'（预算）"
    assert en.indicator("rate").problem == "Missing value 'budget' (预算)"


def test_a_value_problem_in_a_file_names_its_line_in_each_language(words_set, tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("values:\n  spent: 5\n  pct: 12个\n  q: 12\n  budgett: 3\n", encoding="utf-8")
    en = kpiscore.score(words_set, path, lang="en")
    assert en.indicator("pct").problem == (
        "The value '12个' is in '个', but '%' is expected: enter the number in % (data.yaml:3)"
    )
    zh = kpiscore.score(words_set, path)
    assert zh.indicator("pct").problem.endswith("（data.yaml:3）")
    with pytest.raises(kpiscore.DataError) as caught:
        kpiscore.score(words_set, path, lang="en", strict=True)
    stray = caught.value.issues[-1]
    assert (stray.code, stray.file, stray.path) == (
        "unknown_value",
        str(path),
        ("values", "budgett"),
    )
    assert stray.message == (
        "The value 'budgett' is not used by any indicator or check. Did you mean 'budget'?"
    )
    first = caught.value.issues[0]
    assert first.message == "rate (执行率): Missing value 'budget' (预算)"
    assert first.file == str(path)


def test_exactly_twenty_unknown_values_are_each_named_and_no_count_follows():
    r = kpiscore.score(SET, {"values": {f"v{i:02d}": i for i in range(20)}})
    assert len([w for w in r.warnings if "没有被任何指标或检查使用" in w]) == 20
    assert not any("同类提示未列出" in w for w in r.warnings)


def test_more_unknown_values_than_are_listed_are_counted_in_the_runs_language():
    long = "x" * 60
    values = {**{f"v{i:02d}": i for i in range(24)}, long: 1}
    r = kpiscore.score(SET, {"values": values}, lang="en")
    assert "5 more of the same are not listed" in r.warnings
    zh = kpiscore.score(SET, {"values": {long: 1}})
    # a name is cut at 40 characters; with no close match, no list of every name
    assert f"数据中的值 '{'x' * 40}' 没有被任何指标或检查使用。" in zh.warnings


def test_strict_names_an_unknown_value_cut_at_forty_with_only_a_close_match():
    with pytest.raises(kpiscore.DataError) as caught:
        kpiscore.score(SET, {"values": {"y" * 60: 1}}, strict=True)
    stray = next(i for i in caught.value.issues if i.code == "unknown_value")
    assert stray.message == f"数据中的值 '{'y' * 40}' 没有被任何指标或检查使用。"


def test_strict_refusal_of_a_mapping_carries_the_status_and_the_values_path():
    with pytest.raises(kpiscore.DataError) as caught:
        kpiscore.score(SET, {"values": {"budget": 100}}, strict=True)
    first = caught.value.issues[0]
    assert (first.code, first.path, first.file) == (
        "missing_data",
        ("values", "execution_rate"),
        None,
    )


LABELLED = """
kpiscore: 1
id: ni
name: 输入
inputs:
  budget: {name: 预算, name_en: Budget}
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: f, category: c, name: 公式, weight: 100, rule: formula, score: 'budget / 10'}
"""
UNDECLARED = LABELLED.replace("inputs:\n  budget: {name: 预算, name_en: Budget}\n", "").replace(
    "budget / 10", "papers * 5"
)


def test_a_missing_value_is_labelled_in_english_and_unlabelled_when_undeclared():
    en = kpiscore.score(kpiscore.loads(LABELLED), {"values": {}}, lang="en")
    assert en.indicator("f").problem == "Missing value 'budget' (Budget)"
    bare = kpiscore.loads(UNDECLARED)
    assert kpiscore.score(bare, {"values": {}}, lang="en").indicator("f").problem == (
        "Missing value 'papers'"
    )
    assert kpiscore.score(bare, {"values": {}}).indicator("f").problem == "缺少数据 'papers'"


def test_a_restated_value_only_a_formula_reads_is_warned_in_the_runs_language():
    r = kpiscore.score(kpiscore.loads(LABELLED), {"values": {"budget": "≥100"}}, lang="en")
    assert any(w.startswith("budget: '≥100' is not an exact achieved value") for w in r.warnings), (
        r.warnings
    )


TEMPLATES_SET = """
kpiscore: 1
id: tp
name: 模板
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: q, category: c, name: 质量, weight: 50, rule: qualitative, target: 达成, explain: '实际{actual}目标{target}'}
  - {id: n, category: c, name: 数, weight: 50, rule: ratio, target: '>= 10', explain: '单位[{unit}]'}
"""


def test_a_template_shows_a_level_word_as_written_and_no_unit_as_nothing():
    r = kpiscore.score(kpiscore.loads(TEMPLATES_SET), {"values": {"q": "部分达成", "n": 5}})
    assert r.indicator("q").explanation.startswith("实际部分达成目标达成")
    assert r.indicator("n").explanation.startswith("单位[]")


CLAIMS_SET = """
kpiscore: 1
id: p
name: 罚
inputs:
  budget: {name: 预算, name_en: Budget}
  spent: {name: 支出, name_en: Spent}
  violation: {name: 违规}
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: r, category: c, name: 执行率, name_en: Rate, weight: 60, rule: ratio, target: '>= 100%', actual: 'spent / budget'}
  - {id: m, category: c, name: 人工, weight: 40, rule: manual}
checks:
  - {name: 支出不超预算, assert: 'spent <= budget'}
penalties:
  - {name: 违规, when: 'violation == 1', deduct: 5, grade: 差}
"""
CLAIMS_DATA = {
    "values": {"budget": 100, "spent": 120, "violation": 1, "m": 7},
    "manual": {"m": {"score": 30, "justification": "评"}},
    # an unreadable claim and a misspelt id come first: the claims after them still count
    "claimed": {"total": "很多", "rr": 3, "x" * 50: "y" * 50, "r": 50},
}


def test_claims_that_cannot_be_used_are_named_and_the_rest_still_compared():
    iset = kpiscore.loads(CLAIMS_SET)
    zh = kpiscore.score(iset, CLAIMS_DATA)
    assert [(d.id, d.claimed, d.computed) for d in zh.discrepancies] == [("r", D(50), D(60))]
    assert "claimed 中 'total' 的自报得分 '很多' 不是数字，没有用于复核" in zh.warnings
    assert "claimed 中的 'rr' 不是本指标体系的指标。是不是 'r'？" in zh.warnings
    cut = f"claimed 中 '{'x' * 40}' 的自报得分 '{'y' * 30}' 不是数字，没有用于复核"
    assert cut in zh.warnings
    en = kpiscore.score(iset, CLAIMS_DATA, lang="en")
    assert (
        "The claimed score '很多' for 'total' is not a number; it was not compared" in en.warnings
    )
    assert "'rr' under claimed is not an indicator of this set. Did you mean 'r'?" in en.warnings
    far = kpiscore.score(iset, {**CLAIMS_DATA, "claimed": {"zzzz": 1}})
    assert "claimed 中的 'zzzz' 不是本指标体系的指标。" in far.warnings  # no list of ids


def test_a_penalty_says_each_effect_and_a_check_its_sides_in_the_runs_language():
    iset = kpiscore.loads(CLAIMS_SET)
    zh = kpiscore.score(iset, CLAIMS_DATA)
    en = kpiscore.score(iset, CLAIMS_DATA, lang="en")
    assert "扣罚“违规”生效：扣 5 分，定为“差”" in zh.warnings
    assert "Penalty '违规' applied: minus 5, grade set to 差" in en.warnings
    assert [c.message for c in en.checks] == ["Check '支出不超预算' failed: Spent 120 ≤ Budget 100"]
    assert [c.message for c in zh.checks] == ["一致性检查“支出不超预算”未通过：支出 120 ≤ 预算 100"]
    assert en.indicator("m").actual is None  # a manual score reads no value, even one given


def test_nothing_applicable_is_said_in_the_runs_language():
    iset = kpiscore.loads(CLAIMS_SET)
    data = {"values": {"budget": "n/a", "spent": 1}, "manual": {"m": "n/a"}}
    assert (
        "No indicator applies; there is no total" in kpiscore.score(iset, data, lang="en").warnings
    )
    assert "没有适用的指标，无法计算总分" in kpiscore.score(iset, data).warnings


UNITS_SET = """
kpiscore: 1
id: u
name: 单位
inputs:
  budget: {name: 预算, unit: 万元}
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: f, category: c, name: 公式, weight: 50, rule: formula, score: 'budget / 1000'}
  - {id: m, category: c, name: 人工, weight: 50, rule: manual}
"""
UNSAFE = "\x1b[31m红\u202e"


@pytest.mark.parametrize(
    ("lang", "converted", "unsafe"),
    [
        (
            "zh",
            "budget：'1.2亿元' 按 12000万元 读取（换算成指标体系声明的单位）",
            "数据中有控制字符或文字方向控制符（subject.name、reasons.f、manual.m），已替换为 �；请检查这些单元格",
        ),
        (
            "en",
            "budget: '1.2亿元' read as 12000万元 (converted to the set's declared unit)",
            "The data holds control or text-direction characters (subject.name、reasons.f、manual.m);"
            " they were replaced by �; check these cells",
        ),
    ],
)
def test_reading_notes_a_converted_unit_and_replaces_unsafe_text_everywhere(
    lang, converted, unsafe
):
    data = {
        "subject": {"name": UNSAFE},
        "values": {"budget": "1.2亿元"},
        "manual": {"m": {"score": 3, "justification": "评" + UNSAFE}},
        "reasons": {"f": UNSAFE, "m": 5},
    }
    r = kpiscore.score(kpiscore.loads(UNITS_SET), data, lang=lang)
    assert r.warnings[:2] == (converted, unsafe)
    assert r.subject["name"] == "�[31m红�"
    assert r.indicator("f").reason == "�[31m红�"
    assert r.indicator("m").reason == "5"  # a reason typed as a number is still text
    assert "评�[31m红�" in r.indicator("m").explanation
    assert "\x1b" not in r.to_json()


def test_unsafe_text_in_many_cells_is_named_five_at_a_time():
    values = {"budget": 1, **{f"x{i}": UNSAFE for i in range(7)}}
    r = kpiscore.score(kpiscore.loads(UNITS_SET), {"values": values})
    assert any(
        "（values.x0、values.x1、values.x2、values.x3、values.x4 …）" in w for w in r.warnings
    )


def _deep(n):
    out = cur = {}
    for _ in range(n):
        cur["a"] = {}
        cur = cur["a"]
    return out


SHAPES = {
    "not_mapping": (
        ["x"],
        "data_not_mapping",
        (),
        "数据应为“键: 值”的映射（subject:、values: 等各节，或表格的一行），实际是一个列表",
        "The data must be a mapping (key: value — sections such as subject: and values:, or one table row); found a list",
    ),
    "deep": (
        {"values": _deep(40)},
        "data_too_deep",
        (),
        "数据嵌套超过 32 层；项目数据不需要这么深的结构（values 下每项是一个数、一段文字或一个等级）",
        "The data nests deeper than 32 levels; project data needs no such depth (each value is a number, a text or a level)",
    ),
    "set": (
        {"indicators": []},
        "looks_like_set",
        (),
        "这是一份指标体系（有 indicators），不是数据文件。顺序是：kpiscore score 指标体系.yaml 数据.yaml",
        "This is an indicator set (it has indicators), not a data file. The order is: kpiscore score SET.yaml DATA.yaml",
    ),
    "unknown": (
        {"valuse": {}, "values": {}},
        "data_unknown_key",
        ("valuse",),
        "数据中未知的键 'valuse'。是不是 'values'？",
        "Unknown key 'valuse' in the data. Did you mean 'values'?",
    ),
    "values_list": (
        {"values": [1]},
        "data_wrong_type",
        ("values",),
        "数据中的 'values' 应为映射（键: 值）",
        "'values' in the data must be a mapping",
    ),
    "many": (
        {"values": {f"v{i}": 1 for i in range(10_001)}},
        "value_too_long",
        ("values",),
        "值有 10001 个字符/项，超过上限 10000",
        "The value has 10001 characters/items, over the limit of 10000",
    ),
    "subject": (
        {"subject": 5, "values": {}},
        "data_wrong_type",
        ("subject",),
        "数据中的 'subject' 应为映射（键: 值）",
        "'subject' in the data must be a mapping",
    ),
    "mismatch": (
        {"indicator_set": "other-set", "values": {}},
        "set_mismatch",
        ("indicator_set",),
        "数据写明 indicator_set: other-set，但使用的指标体系是 mof-project-2020",
        "The data names indicator_set other-set, but the set used is mof-project-2020",
    ),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", sorted(SHAPES))
def test_each_wrong_shape_of_data_is_one_issue_with_its_code_path_and_words(case, lang):
    from kpiscore._evaluate import score_data

    data, code, path, zh, en = SHAPES[case]
    with pytest.raises(kpiscore.DataError) as caught:
        score_data(SET, data, lang=lang)
    (issue,) = caught.value.issues
    assert (issue.code, issue.path, issue.message, issue.file) == (
        code,
        path,
        zh if lang == "zh" else en,
        None,
    )


def test_a_wrong_shape_in_a_data_file_points_at_its_line(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(
        "indicator_set: mof-project-2020\nvaluse:\n  budget: 1\nsubject: 5\n", encoding="utf-8"
    )
    with pytest.raises(kpiscore.DataError) as caught:
        kpiscore.score(SET, path)
    got = {(i.code, i.path, i.line) for i in caught.value.issues}
    assert got == {("data_unknown_key", ("valuse",), 2), ("data_wrong_type", ("subject",), 4)}
    assert all(i.file == str(path) for i in caught.value.issues)


LEVEL_PENALTY = """
kpiscore: 1
id: e
name: 环境
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: q, category: c, name: 质量, weight: 100, rule: qualitative, target: 达成}
penalties:
  - {name: 质量差, when: "q == '未达成'", deduct: 10}
"""
BAD_UNIT_CHECK = """
kpiscore: 1
id: b
name: 检查
inputs:
  budget: {name: 预算, unit: 万元}
  spent: {name: 支出, unit: 万元}
categories: [{id: c, name: 类, weight: 100}]
indicators:
  - {id: r, category: c, name: 执行率, weight: 100, rule: ratio, target: '>= 100%', actual: 'spent / budget'}
checks:
  - {name: 支出不超预算, assert: 'spent <= budget'}
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formulas_read_a_level_as_its_word_and_never_a_value_that_could_not_be_read(lang):
    data = {
        "subject": {"name": "甲", "yaer": 2022},
        "values": {"q": {"level": "未达成", "rate": 0.5}},
        "reasons": {"q": "因" * 150, "z" * 50: ["x"]},
    }
    r = kpiscore.score(kpiscore.loads(LEVEL_PENALTY), data, lang=lang)
    assert (r.total, r.penalties) == (D(40), ("质量差",))  # 50 less the 10 the level word costs
    # a reason is quoted to 100 characters in the explanation
    assert "因" * 100 + ("）" if lang == "zh" else ")") in r.indicator("q").explanation
    assert "因" * 101 not in r.indicator("q").explanation
    cut = "reasons." + "z" * 40
    if lang == "zh":
        assert f"{cut}：偏差原因应是一段文字，这里不是，已忽略" in r.warnings
        assert r.warnings[0].startswith("subject.yaer：不是自评表表头的项目")
    else:
        assert (
            f"{cut}: a reason for deviation must be text; this one is not and is ignored"
            in r.warnings
        )
        assert r.warnings[0].startswith("subject.yaer: not a field of the form's header")
    bad = kpiscore.score(kpiscore.loads(BAD_UNIT_CHECK), {"values": {"budget": "12斤", "spent": 5}})
    assert bad.checks == ()  # budget could not be read: the check is not run on a guess
    assert "一致性检查“支出不超预算”无法计算：缺少数据 'budget'（预算）" in bad.warnings


def test_a_claimed_total_listed_first_does_not_hide_the_indicator_claims_after_it():
    iset = kpiscore.loads(CLAIMS_SET)
    data = {**CLAIMS_DATA, "claimed": {"total": 99, "r": 50}}
    r = kpiscore.score(iset, data)
    assert [(d.id, d.claimed) for d in r.discrepancies] == [("total", D(99)), ("r", D(50))]


def test_a_subject_given_as_text_is_its_name_and_a_set_header_alone_is_named_a_set():
    assert kpiscore.score(SET, {"subject": "甲项目", "values": {}}).subject == {"name": "甲项目"}
    from kpiscore._evaluate import score_data

    with pytest.raises(kpiscore.DataError) as caught:
        score_data(SET, {"kpiscore": 1, "id": "x"})
    assert [i.code for i in caught.value.issues] == ["looks_like_set"]


@pytest.mark.parametrize(
    ("weight", "precision", "refused"),
    [
        ("0.5", 0, True),
        ("99.5", 0, True),
        ("12.5", 1, False),
        ("2.25", 1, True),
        ("2.50", 1, False),
        ("10", 0, False),
    ],
)
def test_a_weight_finer_than_the_sets_precision_is_refused_at_load(weight, precision, refused):
    text = (
        f"kpiscore: 1\nid: t\nname: t\nprecision: {precision}\n"
        "categories: [{id: c, name: 产出, weight: 100}]\nindicators:\n"
        f"  - {{id: a, category: c, name: 甲, weight: {weight}, rule: ratio, target: '>= 1'}}\n"
        f"  - {{id: b, category: c, name: 乙, weight: {100 - Decimal(weight)}, rule: ratio, target: '>= 1'}}\n"
    )
    issues = [i for i in kpiscore.check(text) if i.code == "weight_finer_than_precision"]
    assert bool(issues) == refused
    if refused:
        assert issues[0].path == ("indicators", 0, "weight") and issues[0].line == 7
        assert f"precision: {precision}" in issues[0].message
    else:
        r = kpiscore.score(kpiscore.loads(text), {"values": {"a": 1, "b": 1}})
        assert r.total == 100 and all(i.score == i.weight for i in r.indicators)


@pytest.mark.parametrize(("deduct", "refused"), [("2.5", True), ("2.50", True), ("5", False)])
def test_a_deduction_finer_than_the_sets_precision_is_refused_at_load(deduct, refused):
    text = (
        "kpiscore: 1\nid: t\nname: t\nprecision: 0\n"
        "categories: [{id: c, name: 产出, weight: 100}]\nindicators:\n"
        "  - {id: a, category: c, name: 甲, weight: 100, rule: ratio, target: '>= 1'}\n"
        f"penalties:\n  - {{name: 违规, when: 'a < 0', deduct: {deduct}}}\n"
    )
    issues = [i for i in kpiscore.check(text) if i.code == "deduct_finer_than_precision"]
    assert bool(issues) == refused
    if refused:
        assert issues[0].path == ("penalties", 0, "deduct") and "违规" in issues[0].message
