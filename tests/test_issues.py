"""Each problem code an officer can meet, with its full message and location."""

import pytest
from tests.conftest import ROOT, make_set

import kpiscore
from kpiscore import ConfigError, check, loads

IND = "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n"


def only(text: str, lang: str = "zh"):
    issues = [i for i in check(text, lang=lang) if i.severity == "error"]
    assert len(issues) == 1, [i.format() for i in issues]
    return issues[0]


CASES = [
    (
        make_set(
            "  - id: a\n    category: main\n    name: 甲\n    weigth: 100\n    target: '>= 10 个'\n"
        ),
        "unknown_key",
        "$.indicators[0].weigth",
        "未知的键 'weigth'。是不是 'weight'？",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: '100', target: '>= 10 个'}\n"),
        "wrong_type",
        "$.indicators[0].weight",
        "'weight' 应为数字，实际是文字 \"100\"；如果这是数字，请去掉引号",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: true, target: '>= 10 个'}\n"),
        "wrong_type",
        "$.indicators[0].weight",
        "'weight' 应为数字，实际是是/否值 true",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: .nan, target: '>= 10 个'}\n"),
        "not_finite",
        "$.indicators[0].weight",
        "'weight' 应为有限的数字，实际是 NaN",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: 1e400, target: '>= 10 个'}\n"),
        "number_too_large",
        "$.indicators[0].weight",
        "数字 1E+400 超出允许范围（绝对值不超过 1e15，有效数字不超过 30 位）",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, target: '>= 10 个'}\n"),
        "missing_key",
        "$.indicators[0].weight",
        "缺少必填的键 'weight'",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', rule: ratoi}\n"
        ),
        "invalid_choice",
        "$.indicators[0].rule",
        "'ratoi' 不是 'rule' 的有效取值。是不是 'ratio'？",
    ),
    (
        make_set("  - {id: A B, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        "bad_id",
        "$.indicators[0].id",
        "id 'A B' 只能由小写字母、数字、下划线和连字符组成（[a-z0-9_-]+），如 execution_rate",
    ),
    (
        make_set(IND).replace("kpiscore: 1", "kpiscore: 2"),
        "bad_version",
        "$.kpiscore",
        "格式版本 kpiscore 应为 1，实际是 2；这个版本的 kpiscore 只能读取格式 1",
    ),
    (
        make_set("  - {id: a, category: mian, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        "unknown_category",
        "$.indicators[0].category",
        "一级指标 'mian' 不存在。是不是 'main'？",
    ),
    (
        make_set("  - {id: a, category: 主要指标, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        "unknown_category",
        "$.indicators[0].category",
        "一级指标 '主要指标' 不存在。是不是 'main'？",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 60, target: '>= 10 个'}\n  - {id: b, category: main, name: 乙, weight: 30, target: '>= 1 个'}\n"
        ),
        "weights_do_not_add_up",
        "$.categories[0].weight",
        "一级指标“主要指标”（main）的分值是 100，其下三级指标的分值合计是 90（a 60 + b 30），相差 -10",
    ),
    (
        make_set(
            IND,
            categories="  - {id: main, name: 主要指标, weight: 100}\n  - {id: other, name: 其他, weight: 0}\n",
        ),
        "empty_category",
        "$.categories[1]",
        "一级指标“其他”（other）下没有任何三级指标",
    ),
    (
        make_set(IND + "  - {id: a, category: main, name: 乙, weight: 0, target: '>= 1 个'}\n"),
        "duplicate_id",
        "$.indicators[1].id",
        "id 'a' 重复：第 7 行 已经使用了它；每个指标的 id 必须唯一",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: 'about 10'}\n"),
        "bad_target",
        "$.indicators[0].target",
        '无法识别目标值 \'about 10\'：应写成“运算符 数字 [%] [单位]”，如 ">= 95%"、"<= 2 天"、"= 100 个"（运算符为 >= > <= < = 或 ≥ ≤ ＝），或写定性等级名称',
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: 达标, rule: qualitative}\n"
        ),
        "unknown_level",
        "$.indicators[0].target",
        "定性目标 '达标' 不是已定义的等级。是不是 '达成'？",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', tolerance: 1}\n"
        ),
        "parameter_not_for_rule",
        "$.indicators[0].tolerance",
        "参数 'tolerance' 不属于计分规则 'ratio'；该规则可用的参数：zero_below",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: 100, rule: bands}\n"),
        "missing_parameter",
        "$.indicators[0]",
        "计分规则 'bands' 需要参数 'bands'",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: 100, rule: ratio}\n"),
        "missing_target",
        "$.indicators[0]",
        "计分规则 'ratio' 需要目标值 target（如 \">= 15 个\"）",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '<= 2 天', rule: ratio}\n"
        ),
        "rule_target_mismatch",
        "$.indicators[0].target",
        "计分规则 'ratio' 不适用于目标 '<= 2 天'：≤ 目标越小越好，请用 reverse（反向）",
    ),
    (
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 0 个'}\n"),
        "rule_target_mismatch",
        "$.indicators[0].target",
        "计分规则 'ratio' 不适用于目标 '>= 0 个'：目标为 0 时无法计算 实际/目标；请用 met 或 reverse",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, rule: bands, bands: [{when: 'actual >= 0.9', score: 80}, {when: 'actual >= 0.95', score: 100}, {score: 0}]}\n"
        ),
        "bands_not_ordered",
        "$.indicators[0].bands[1].when",
        "第 2 档（actual >= 0.95）永远用不到：第 1 档（actual >= 0.9）已经包含了它；分档按从上到下第一个成立的计分，请把更严格的条件放在前面",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, rule: bands, bands: [{score: 0}, {when: 'actual >= 1', score: 100}]}\n"
        ),
        "catch_all_not_last",
        "$.indicators[0].bands[0]",
        "没有条件的档（其他情况）必须放在最后，它后面的档永远用不到",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, rule: bands, bands: [{when: 'actual >= 1', score: 120}, {score: 0}]}\n"
        ),
        "band_score_out_of_range",
        "$.indicators[0].bands[0].score",
        "档位分值 120 超出 [0, 100]（指标分值）",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: 好, levels: [{label: 好, range: [0.5, 1.2]}]}\n"
        ),
        "level_range_invalid",
        "$.indicators[0].levels[0].range",
        "等级“好”的区间 [0.5, 1.2] 应在 [0, 1] 之内，且下限不大于上限",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: 好, levels: [{label: 好, range: [0.7, 1]}, {label: 中, range: [0.5, 0.8]}]}\n"
        ),
        "levels_overlap",
        "$.indicators[0].levels[1].range",
        "等级“好”[0.7, 1] 与“中”[0.5, 0.8] 重叠；相邻等级只能共用端点",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n",
            extra="inputs:\n  a: {name: 甲, unit: 次}\n",
        ),
        "unit_mismatch",
        "$.indicators[0].target",
        "目标的单位 '个' 与输入 'a' 声明的单位 '次' 不一致",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', actual: spnt / budget}\n",
            extra="inputs:\n  spent: {name: 执行数}\n  budget: {name: 预算数}\n",
        ),
        "unknown_name",
        "$.indicators[0].actual",
        "名称 'spnt' 未定义。是不是 'spent'？",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', actual: 'mx(b, 1)'}\n"
        ),
        "unknown_function",
        "$.indicators[0].actual",
        "函数 'mx' 不可用。是不是 'max'？",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', actual: b.__class__}\n"
        ),
        "formula_forbidden",
        "$.indicators[0].actual",
        "公式中不能使用属性访问（.）；公式只能包含数字、名称、+ - * / // %、比较、and/or/not、x if 条件 else y 和内置函数",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, rule: checklist, items: [{label: 真实, points: 60}, {label: 完整, points: 60}]}\n"
        ),
        "checklist_points_exceed_weight",
        "$.indicators[0].items",
        "清单各项分值合计 120，超过指标分值 100",
    ),
    (
        make_set(
            IND,
            extra="grades:\n  - {label: 优, min: 80}\n  - {label: 良, min: 90}\n  - {label: 差, min: 0}\n",
        ),
        "grades_not_ordered",
        "$.grades[1].min",
        "grades 应按下限从高到低排列：'良' 的下限 90 不低于上一档的 80",
    ),
    (
        make_set(IND + "penalties:\n  - {name: 违规, when: 'x > 0', grade: 极差}\n"),
        "unknown_grade",
        "$.penalties[0].grade",
        "等级 '极差' 未在 grades 中定义。是不是 '差'？",
    ),
    (
        make_set(IND + "penalties:\n  - {name: 违规, when: 'x > 0'}\n"),
        "penalty_needs_effect",
        "$.penalties[0]",
        "扣罚 '违规' 需要 deduct（扣分）或 grade（直接定级）",
    ),
    (
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', explain: '{actual.__class__}'}\n"
        ),
        "bad_template",
        "$.indicators[0].explain",
        "说明模板中的 {actual.__class__} 无法使用：只能写 {名称}，不能带格式、下标或属性",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "path", "msg"), CASES, ids=[c[1] + str(i) for i, c in enumerate(CASES)]
)
def test_problem_has_code_path_and_full_message(text, code, path, msg):
    issue = only(text)
    assert issue.code == code
    assert issue.json_path == path
    assert issue.message == msg
    assert issue.line is not None and issue.column is not None


def test_categories_must_add_up_to_full_score():
    text = make_set(IND, extra="full_score: 90\n")
    issue = only(text)
    assert issue.code == "categories_do_not_add_up"
    assert (
        issue.message == "一级指标的分值合计是 100（main 100），应等于满分 full_score 90，相差 10"
    )
    assert issue.json_path == "$.full_score"


def test_english_messages():
    issue = only(
        make_set(
            "  - id: a\n    category: main\n    name: 甲\n    weigth: 100\n    target: '>= 10 个'\n"
        ),
        lang="en",
    )
    assert issue.message == "Unknown key 'weigth'. Did you mean 'weight'?"


def test_format_shows_file_line_path_code_and_caret(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text(
        make_set(
            "  - id: a\n    category: main\n    name: 甲\n    weigth: 100\n    target: '>= 10 个'\n"
        ),
        encoding="utf-8",
    )
    issue = next(i for i in check(p) if i.code == "unknown_key")
    assert issue.format().splitlines() == [
        f"{p}:10:5  $.indicators[0].weigth  [unknown_key]",
        "  未知的键 'weigth'。是不是 'weight'？",
        "  10 |     weigth: 100",
        "     |     ^^^^^^",
    ]


def test_one_pass_reports_shape_and_meaning_problems_together():
    text = make_set(
        "  - {id: a, category: main, name: 甲, weigth: 50, target: '>= 10 个'}\n"
        "  - {id: b, category: mian, name: 乙, weight: 50, target: '>= 1 个', actual: c.d}\n"
    )
    got = {i.code for i in check(text)}
    assert {"unknown_key", "unknown_category", "formula_forbidden"} <= got


def test_load_raises_config_error_with_every_issue():
    text = make_set("  - {id: a, category: mian, name: 甲, weight: 50, target: 'x'}\n")
    with pytest.raises(ConfigError) as info:
        loads(text)
    assert {i.code for i in info.value.issues} >= {"unknown_category", "bad_target"}


def test_pydantic_wording_never_reaches_the_officer():
    texts = [c[0] for c in CASES] + [
        "[1, 2]\n",
        "kpiscore: 1\n",
        "kpiscore: 1\nid: t\nname: x\ncategories: 3\nindicators: {a: 1}\n",
    ]
    for text in texts:
        for issue in check(text):
            for words in ("Input should", "type=", "pydantic", "Field required", "Extra inputs"):
                assert words not in issue.message


def test_swapped_arguments_are_named_as_such(tmp_path, capsys):
    from kpiscore.cli import main

    set_path = ROOT / "indicator_sets" / "mof-project-2020.yaml"
    data_path = ROOT / "examples" / "quickstart" / "project.yaml"
    assert main(["score", str(data_path), str(set_path)]) == 1
    assert "[looks_like_data]" in capsys.readouterr().err
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(kpiscore.load(set_path), set_path)
    assert [i.code for i in info.value.issues] == ["looks_like_set"]
    cases = ROOT / "examples" / "panyu-2022" / "cases.yaml"
    assert [i.code for i in kpiscore.check(cases)] == ["looks_like_cases"]


def test_short_english_words_do_not_get_far_fetched_suggestions():
    from kpiscore._messages import suggest

    assert suggest("name", ["claimed", "values", "subject"]) is None
    assert suggest("totl", ["total", "grade"]) == "total"
    assert suggest("执行", ["执行数", "预算数"]) == "执行数"


def test_check_as_json_for_editors_and_ci(tmp_path, capsys):
    import json

    from kpiscore.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        make_set("  - {id: a, category: main, name: 甲, weigth: 100, target: '>= 1'}\n"),
        encoding="utf-8",
    )
    good = ROOT / "indicator_sets" / "mof-project-2020.yaml"
    assert main(["check", "--format", "json", str(good), str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report[0]["issues"] == []
    codes = {(i["code"], i["line"]) for i in report[1]["issues"]}
    assert ("unknown_key", 7) in codes  # line 7: the indicator, after the header and category


def test_the_caret_counts_terminal_columns_under_chinese_text():
    from kpiscore.errors import Issue

    line = "  - {id: a, name: 甲甲甲, weigth: 1}"
    col = line.index("weigth") + 1
    text = Issue(
        "unknown_key", "x", file="s.yaml", line=7, column=col, source_line=line, caret_width=6
    ).format()
    source, caret = text.splitlines()[-2:]
    # the caret starts under the w of weigth, counted in display columns (甲 is two wide)
    shown = source.split("| ", 1)[1]
    start = caret.split("| ", 1)[1].index("^")
    assert shown[: line.index("weigth")] == line[: line.index("weigth")]
    assert start == line.index("weigth") + 3 and caret.endswith("^" * 6)


def test_a_python_mapping_problem_names_no_text_file():
    from tests.conftest import make_set

    import kpiscore

    iset = kpiscore.loads(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1'}\n")
    )
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(iset, {"values": {"a": "x"}}, strict=True)
    assert "<text>" not in str(info.value) and str(info.value).startswith("$.values.a")


def test_strict_names_the_data_file_and_line(tmp_path):
    from tests.conftest import make_set

    import kpiscore

    iset = kpiscore.loads(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1'}\n")
    )
    (tmp_path / "d.yaml").write_text("values:\n  a: 正在推进\n", encoding="utf-8")
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(iset, tmp_path / "d.yaml", strict=True)
    [issue] = info.value.issues
    assert issue.file and issue.file.endswith("d.yaml") and issue.line == 2
    assert issue.code == "invalid_data"
