"""The seed reproduced, the shipped sets, the CLI and the README's commands."""

import csv
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from tests.conftest import ROOT

import kpiscore
from kpiscore import _records
from kpiscore.cli import main, schema
from kpiscore.model import IndicatorSetModel

PANYU = ROOT / "examples" / "panyu-2022"


def test_panyu_department_reproduces_the_report():
    r = kpiscore.score(PANYU / "department-set.yaml", PANYU / "department.yaml")
    ex = r.indicator("execution_rate")
    assert ex.actual is not None and f"{ex.completion:.4f}" == "0.9779"
    assert ex.score == Decimal("19.56")
    assert "执行数 1104.87万元 ÷ 全年预算数（调整后） 1129.88万元 = 97.79%" in ex.explanation
    failed = [c for c in r.checks if not c.passed]
    assert [c.name for c in failed] == ["支出合计"]
    assert failed[0].left == Decimal("1104.86") and failed[0].right == Decimal("1104.87")
    assert failed[0].difference == Decimal("-0.01")
    assert r.total == Decimal("99.56") and r.grade == "优"


def test_panyu_project_scores_100_as_the_report_claims():
    r = kpiscore.score(ROOT / "indicator_sets" / "mof-project-2020.yaml", PANYU / "project.yaml")
    assert r.total == Decimal("100.00")
    assert r.discrepancies == ()


@pytest.mark.parametrize(
    "path", [*sorted((ROOT / "indicator_sets").glob("*.yaml")), PANYU / "department-set.yaml"]
)
def test_shipped_sets_load_clean_and_survive_a_round_trip(path):
    assert list(kpiscore.check(path)) == []
    iset = kpiscore.load(path)
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    dumped = iset.to_dict()
    assert _records.read(dumped) == iset.model  # read without pydantic, as load() read it
    assert _records.from_model(IndicatorSetModel.model_validate(dumped)) == iset.model


def test_schema_file_is_up_to_date():
    shipped = json.loads(
        (ROOT / "schema" / "indicator-set.schema.json").read_text(encoding="utf-8")
    )
    assert shipped == schema()
    assert (
        shipped["properties"]["weight" if False else "full_score"]["description"]
        == "满分，默认 100"
    )


def test_cli_json_is_byte_stable_and_exit_codes(capsys):
    args = [
        "score",
        str(ROOT / "indicator_sets" / "mof-project-2020.yaml"),
        str(ROOT / "examples" / "quickstart" / "project.yaml"),
        "--format",
        "json",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert json.loads(first)["total"] == "90.89"
    assert main(["score"]) == 2
    assert main(["check", str(ROOT / "indicator_sets" / "mof-project-2020.yaml")]) == 0


def test_cli_check_reports_problems_with_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kpiscore: 1\nid: b\nname: x\ncategories: []\nindicators:\n  - {id: a, catgory: x}\n",
        encoding="utf-8",
    )
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:6:13  $.indicators[0].catgory  [unknown_key]" in out
    assert "是不是 'category'？" in out


def test_cli_strict_missing_data_exits_1(tmp_path, capsys):
    data = tmp_path / "d.yaml"
    data.write_text("values: {}\n", encoding="utf-8")
    assert (
        main(
            ["score", str(ROOT / "indicator_sets" / "mof-project-2020.yaml"), str(data), "--strict"]
        )
        == 1
    )
    assert "缺少数据" in capsys.readouterr().err


def test_batch_scores_good_rows_and_names_the_bad_one(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("\ufeff项目名称,a,reason:a\n甲,12,疫情\n乙,abc{}\n丙,20,\n", encoding="utf-8")
    iset = tmp_path / "s.yaml"
    iset.write_text(
        "kpiscore: 1\nid: s\nname: x\ncategories:\n  - {id: m, name: 主, weight: 100}\nindicators:\n  - {id: a, category: m, name: 甲, weight: 100, target: '>= 15 个'}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert main(["batch", str(iset), str(rows), "-o", str(out)]) == 1
    text = out.read_text(encoding="utf-8-sig")
    assert "甲,80.00,良" in text and "丙,100.00,优" in text
    assert "第 3 行（乙）" in capsys.readouterr().err


def test_report_writes_markdown_html_and_xlsx(tmp_path):
    for suffix in (".md", ".html", ".xlsx"):
        out = tmp_path / f"r{suffix}"
        assert (
            main(
                [
                    "report",
                    str(PANYU / "department-set.yaml"),
                    str(PANYU / "department.yaml"),
                    "-o",
                    str(out),
                ]
            )
            == 0
        )
        assert out.stat().st_size > 100


def test_readme_commands_and_output_do_not_drift():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", readme, re.S).group(1)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpiscore.cli",
            "score",
            "examples/panyu-2022/department-set.yaml",
            "examples/panyu-2022/department.yaml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    assert proc.stdout.strip().splitlines()[:20] == block.strip().splitlines()[:20]


def test_batch_to_a_missing_folder_is_a_command_line_error_and_writes_nothing(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("subject,budget,spent\n甲,100,90\n", encoding="utf-8")
    code = main(
        [
            "batch",
            str(ROOT / "indicator_sets" / "mof-project-2020.yaml"),
            str(rows),
            "-o",
            str(tmp_path / "nowhere" / "o.csv"),
        ]
    )
    assert code == 2 and "-o 的目录不存在" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv"]


def test_the_readme_case_file_passes(tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "cases:" in b)
    (tmp_path / "cases.yaml").write_text(block, encoding="utf-8")
    (tmp_path / "department.yaml").write_text(
        (PANYU / "department.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert main(["test", str(PANYU / "department-set.yaml"), str(tmp_path / "cases.yaml")]) == 0
    assert "1 个通过，0 个未通过" in capsys.readouterr().out


def test_a_misspelt_command_gets_exit_2_and_the_close_match(capsys):
    assert main(["scor", "a", "b"]) == 2
    assert "是不是 'score'" in capsys.readouterr().err
    assert main(["score", "a", "b", "--format", "jsno"]) == 2
    assert "是不是 'json'" in capsys.readouterr().err


def test_output_problems_are_named_in_chinese(tmp_path, capsys):
    set_path = str(ROOT / "indicator_sets" / "mof-project-2020.yaml")
    data = str(ROOT / "examples" / "quickstart" / "project.yaml")
    assert main(["report", set_path, data, "-o", str(tmp_path / "x.pdf")]) == 2
    assert "-o 的文件名应以 .txt, .md, .markdown, .html, .htm, .json, .xlsx, .docx 结尾" in (
        capsys.readouterr().err
    )
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["report", set_path, data, "-o", str(blocker / "x.md")]) == 1
    assert "无法读写" in capsys.readouterr().err


def test_shipped_sets_load_by_id_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert kpiscore.shipped_sets() == [
        "mof-department-2013",
        "mof-project-2020",
        "mof-project-2021",
    ]
    iset = kpiscore.load("mof-project-2020")
    assert iset.id == "mof-project-2020"
    [issue] = kpiscore.check("mof-project-2022")
    assert issue.code == "file_not_found" and "是不是 'mof-project-2021'" in issue.message
    r = kpiscore.score("mof-project-2020", PANYU / "project.yaml")
    assert r.total == Decimal("100.00")


def test_the_packaged_sets_are_the_shipped_files():
    for set_id in kpiscore.shipped_sets():
        packaged = ROOT / "src" / "kpiscore" / "sets" / f"{set_id}.yaml"
        assert packaged.read_bytes() == (ROOT / "indicator_sets" / f"{set_id}.yaml").read_bytes()


def test_python_dash_m_kpiscore_is_the_command_line():
    proc = subprocess.run(
        [sys.executable, "-m", "kpiscore", "check", "mof-project-2020"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0 and "0 个错误" in proc.stdout


def test_help_is_bilingual(capsys):
    assert main(["score", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法 / usage: kpiscore score")
    assert "参数 / arguments:" in out and "选项 / options:" in out and "显示帮助" in out


def test_command_line_mistakes_are_told_in_chinese(capsys):
    assert main(["score"]) == 2
    assert "缺少参数：SET, DATA" in capsys.readouterr().err
    assert main(["scor"]) == 2
    err = capsys.readouterr().err
    assert "没有命令 'scor'" in err and "是不是 'score'" in err


BATCH_SET = (
    "kpiscore: 1\nid: s\nname: x\ncategories:\n  - {id: m, name: 主, weight: 100}\nindicators:\n"
    "  - {id: a, category: m, name: 甲, weight: 50, target: '>= 15 个'}\n"
    "  - {id: b, category: m, name: 受益群众满意度, weight: 50, target: '>= 90%'}\n"
)


def _batch(tmp_path, rows_text, out="out.csv"):
    (tmp_path / "s.yaml").write_text(BATCH_SET, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(rows_text, encoding="utf-8")
    return main(
        ["batch", str(tmp_path / "s.yaml"), str(tmp_path / "rows.csv"), "-o", str(tmp_path / out)]
    )


def test_batch_rows_carry_their_diagnosis_and_the_screen_names_them(tmp_path, capsys):
    rows = "项目名称,a,b,claimed:a\n甲,15,正在推进,50\n乙,12,95%,50\n丙,15,95%,\n"
    assert _batch(tmp_path, rows) == 0
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as fh:
        out = list(csv.DictReader(fh))
    assert list(out[0])[:5] == ["行号", "项目名称", "总分", "等级", "数据完整"]
    assert list(out[0])[5:] == ["甲", "受益群众满意度", "自报总分", "复核差异", "提示", "错误"]
    assert "正在推进" in out[0]["提示"] and out[0]["数据完整"] == "false"
    assert "自报 50 分，复核 40.00 分" in out[1]["复核差异"]
    assert out[2]["提示"] == "" and out[2]["复核差异"] == ""
    err = capsys.readouterr().err
    assert "第 2 行（甲）：受益群众满意度：需要数字，实际是 '正在推进'" in err
    assert "第 3 行（乙）：甲：自报 50 分" in err and "第 4 行" not in err
    assert (
        "已计分 3 行，失败 0 行；等级：" in err
        and "有问题的行（数据不完整或与自报得分不一致）2 行" in err
    )


def test_an_english_batch_keeps_the_ids_and_an_xlsx_batch_is_typed_and_named(tmp_path, capsys):
    import openpyxl

    rows = "项目名称,a,b,claimed:总分\n甲,15,95%,100\n乙,12,95%,80\n"
    (tmp_path / "s.yaml").write_text(BATCH_SET, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(rows, encoding="utf-8")
    out = tmp_path / "o.xlsx"
    assert (
        main(["batch", str(tmp_path / "s.yaml"), str(tmp_path / "rows.csv"), "-o", str(out)]) == 0
    )
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "x"  # the set's name
    head, first, second = (list(r) for r in ws.iter_rows(values_only=True))
    assert head[:5] == ["行号", "项目名称", "总分", "等级", "数据完整"]
    assert first[0] == 2 and first[4] is True and first[2] == 100
    assert head.index("自报总分") and first[head.index("自报总分")] == 100
    assert second[head.index("自报总分")] == 80 and "复核" in second[head.index("复核差异")]
    en = tmp_path / "en.csv"
    main(
        [
            "batch",
            str(tmp_path / "s.yaml"),
            str(tmp_path / "rows.csv"),
            "-o",
            str(en),
            "--lang",
            "en",
        ]
    )
    with en.open(encoding="utf-8-sig") as fh:
        assert next(csv.reader(fh))[:7] == [
            "row",
            "subject",
            "total",
            "grade",
            "complete",
            "a",
            "b",
        ]
    assert "2 scored, 0 failed; grades:" in capsys.readouterr().err


def test_batch_reports_writes_one_form_per_subject(tmp_path):
    import openpyxl

    rows = "项目名称,a,b\n甲/乙,15,95%\n丙,12,95%\n"
    (tmp_path / "s.yaml").write_text(BATCH_SET, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(rows, encoding="utf-8")
    forms = tmp_path / "forms"
    args = [
        "batch",
        str(tmp_path / "s.yaml"),
        str(tmp_path / "rows.csv"),
        "-o",
        str(tmp_path / "o.csv"),
    ]
    assert main([*args, "--reports", str(forms), "--jobs", "2"]) == 0
    assert sorted(p.name for p in forms.iterdir()) == ["00002-甲_乙.xlsx", "00003-丙.xlsx"]
    ws = openpyxl.load_workbook(forms / "00003-丙.xlsx").active
    assert ws["B2"].value == "丙"


def test_a_misspelt_batch_header_stops_the_batch_before_scoring(tmp_path, capsys):
    assert _batch(tmp_path, "项目名称,a,受益群众满意\n甲,15,95%\n") == 1
    err = capsys.readouterr().err
    assert "'受益群众满意'" in err and "'受益群众满意度'" in err
    assert not (tmp_path / "out.csv").exists()


def test_an_empty_batch_exits_1(tmp_path, capsys):
    assert _batch(tmp_path, "项目名称,a,b\n") == 1
    assert "没有数据行" in capsys.readouterr().err


def test_batch_output_is_readable_like_any_new_file(tmp_path):
    old = os.umask(0o022)
    try:
        assert _batch(tmp_path, "项目名称,a,b\n甲,15,95%\n") == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o644


def test_the_deadlines_example_passes_its_own_cases_and_names_its_discrepancies(capsys):
    base = ROOT / "examples" / "deadlines-2023"
    assert main(["test", str(base / "set.yaml"), str(base / "cases.yaml")]) == 0
    r = kpiscore.score(kpiscore.load(base / "set.yaml"), base / "project.yaml")
    assert r.complete and r.total == Decimal("91.50")
    assert {d.id for d in r.discrepancies} == {"finish_date", "total"}  # maintenance: in its band


def test_help_is_as_wide_as_shutil_would_make_it(monkeypatch):
    import os
    import shutil

    from kpiscore import cli

    monkeypatch.setenv("COLUMNS", "50")
    assert cli._columns() == 50 == shutil.get_terminal_size().columns
    monkeypatch.setenv("COLUMNS", "wide")
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((132, 40)))
    assert cli._columns() == 132

    def no_terminal(fd):
        raise OSError

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    assert cli._columns() == 80
    width = max(len(line) for line in cli._parser().format_help().splitlines())
    assert width <= 78
