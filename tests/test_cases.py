"""kpiscore test: officer-written cases, checked before they run."""

import pytest
from tests.conftest import ROOT

import kpiscore
from kpiscore._cases import run_cases
from kpiscore.cli import main

PANYU = ROOT / "examples" / "panyu-2022"
SET = ROOT / "indicator_sets" / "mof-project-2020.yaml"
QUICK = ROOT / "examples" / "quickstart" / "project.yaml"


def test_the_shipped_panyu_cases_pass(capsys):
    assert main(["test", str(PANYU / "department-set.yaml"), str(PANYU / "cases.yaml")]) == 0
    out = capsys.readouterr().out
    assert "2 个用例：2 个通过，0 个未通过" in out


def test_a_wrong_expectation_names_the_indicator_both_numbers_and_the_arithmetic(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        f"cases:\n  - name: 执行率\n    data: {QUICK}\n    expect:\n"
        "      total: 90.89\n      scores: {execution_rate: 10, completion_time: 8.57}\n",
        encoding="utf-8",
    )
    assert main(["test", str(SET), str(cases)]) == 1
    out = capsys.readouterr().out
    assert "✗ 执行率  (cases.yaml:2)" in out
    assert "预算执行率（execution_rate）：期望 10，实际 9.78" in out
    assert "1104.87万元 ÷ 全年预算数（调整后） 1129.88万元" in out
    assert "completion_time" not in out  # the expectation that held is not listed
    assert "0 个通过，1 个未通过" in out


def test_every_expectation_kind_is_compared(tmp_path):
    iset = kpiscore.load(SET)
    expect = (
        "grade: 良\n      complete: false\n      categories: {budget: 10}\n"
        "      status: {ecological_benefit: scored}\n      needs_reason: {execution_rate: false}\n"
    )
    outcomes = run_cases(iset, _write_cases(tmp_path / "c.yaml", expect))
    failures = outcomes[0].failures
    assert [f.split("：")[0] for f in failures] == [
        "等级",
        "数据完整",
        "预算执行率（budget）",
        "生态效益（ecological_benefit）状态",
        "预算执行率（execution_rate）需说明偏差原因",
    ]


def _write_cases(path, expect):
    path.write_text(f"cases:\n  - data: {QUICK}\n    expect:\n      {expect}", encoding="utf-8")
    return path


def test_typos_in_the_case_file_come_back_with_lines_and_close_matches(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        "  - name: a\n    data: {values: {budget: 1}}\n    expcet: {total: 1}\n"
        "  - name: b\n    data: {values: {budget: 1}}\n"
        "    expect: {totl: 1, scores: {execution_rat: 1}, status: {satisfaction: scored_}}\n"
        "  - 5\n",
        encoding="utf-8",
    )
    assert main(["test", str(SET), str(cases)]) == 1
    err = capsys.readouterr().err
    assert "cases.yaml:4:5" in err and "是不是 'expect'" in err
    assert "cases.yaml:7:14" in err and "是不是 'total'" in err
    assert "是不是 'execution_rate'" in err
    assert "是不是 'scored'" in err
    assert "第 3 个用例应是映射" in err


def test_embedded_data_problems_point_into_the_case_file(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n  - name: 坏\n    data:\n      valeus: {budget: 1}\n    expect: {total: 0}\n"
        f"  - name: 好\n    data: {QUICK}\n    expect: {{total: 90.89}}\n",
        encoding="utf-8",
    )
    assert main(["test", str(SET), str(cases)]) == 1
    out = capsys.readouterr().out
    assert "cases.yaml:4:7  $.cases[0].data.valeus" in out
    assert "是不是 'values'" in out
    assert "✓ 好" in out  # one broken case never stops the others


def test_data_paths_are_relative_to_the_case_file(tmp_path):
    (tmp_path / "d.yaml").write_text(QUICK.read_text(encoding="utf-8"), encoding="utf-8")
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n  - data: d.yaml\n    expect: {total: 90.89}\n", encoding="utf-8")
    [outcome] = run_cases(kpiscore.load(SET), cases)
    assert outcome.passed and outcome.name == "第 1 个用例"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cases: []\n", "cases_not_a_list"),
        ("cases: 3\n", "cases_not_a_list"),
        ("x: 1\n", "case_unknown_key"),
        ("- 1\n", "case_not_a_mapping"),
        ("- {data: {}}\n", "case_needs"),
    ],
)
def test_a_case_file_without_cases_is_an_error_not_a_pass(tmp_path, capsys, text, code):
    cases = tmp_path / "cases.yaml"
    cases.write_text(text, encoding="utf-8")
    assert main(["test", str(SET), str(cases)]) == 1
    assert f"[{code}]" in capsys.readouterr().err


def test_a_case_cannot_make_kpiscore_read_an_arbitrary_file(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n  - data: /etc/passwd\n    expect: {total: 0}\n", encoding="utf-8")
    assert main(["test", str(SET), str(cases)]) == 1
    err = capsys.readouterr().err
    assert "cases.yaml:2:11" in err and "[case_bad_data]" in err and "root:x:0" not in err
