"""kpiscore diff: two sets on the same rows, and what moved."""

import json
from decimal import Decimal

from tests.conftest import ROOT, make_set

import kpiscore
from kpiscore._changes import compare_sets, set_changes
from kpiscore.cli import main

OLD = kpiscore.loads(
    make_set(
        "  - {id: rate, category: main, name: 执行率, weight: 60, actual: spent / budget, target: '>= 100%'}\n"
        "  - {id: n, category: main, name: 数量, weight: 40, target: '>= 10 个'}\n"
    )
)
NEW = kpiscore.loads(
    make_set(
        "  - {id: rate, category: main, name: 执行率, weight: 60, actual: spent / budget, target: '>= 100%', zero_below: 0.9}\n"
        "  - {id: n, category: main, name: 数量, weight: 40, target: '>= 10 个'}\n"
    )
)
ROWS = [
    {"subject": "甲", "values": {"budget": 100, "spent": 95, "n": 10}},
    {"subject": "乙", "values": {"budget": 100, "spent": 80, "n": 10}},
    {"subject": "丙", "values": {"budget": 100, "spent": 80}},
]


def test_only_the_subject_below_the_new_threshold_moves_and_the_indicator_is_named():
    changes = list(compare_sets(OLD, NEW, ROWS))
    assert [c.changed for c in changes] == [False, True, True]
    b = changes[1]
    assert (b.row, b.subject, b.before_total, b.after_total) == (
        2,
        "乙",
        Decimal("88.00"),
        Decimal("40.00"),
    )
    assert [(i.id, i.before, i.after) for i in b.indicators] == [
        ("rate", Decimal("48.00"), Decimal("0.00"))
    ]
    assert changes[2].indicators[0].after_status == "scored"


def test_set_changes_list_added_removed_and_reweighted_indicators():
    a = kpiscore.load(ROOT / "indicator_sets" / "mof-project-2020.yaml")
    b = kpiscore.load(ROOT / "indicator_sets" / "mof-project-2021.yaml")
    lines = set_changes(a, b)
    assert "新增 按时完成率（on_time_rate），分值 10" in lines
    assert "删除 完成用时（completion_time），原分值 10" in lines
    assert "可持续影响（sustainability）分值 5 → 10" in lines
    assert set_changes(a, a) == []


def test_diff_scores_data_written_for_the_old_set_and_reports_json(tmp_path, capsys):
    rows = tmp_path / "rows"
    rows.mkdir()
    quick = ROOT / "examples" / "quickstart" / "project.yaml"
    (rows / "q.yaml").write_text(quick.read_text(encoding="utf-8"), encoding="utf-8")
    new = tmp_path / "new.yaml"
    text = (ROOT / "indicator_sets" / "mof-project-2020.yaml").read_text(encoding="utf-8")
    new.write_text(
        text.replace("id: mof-project-2020", "id: strict").replace(
            "    rule: ratio\n    description: 执行数",
            "    rule: ratio\n    zero_below: 0.98\n    description: 执行数",
            1,
        ),
        encoding="utf-8",
    )
    old = ROOT / "indicator_sets" / "mof-project-2020.yaml"
    assert main(["diff", str(old), str(new), str(rows), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    [subject] = doc["subjects"]
    assert subject["before"]["total"] == "90.89" and subject["after"]["error"] is None
    assert subject["indicators"][0]["id"] == "execution_rate"
    assert subject["indicators"][0]["after"] == "0.00"
    assert main(["diff", str(old), str(new), str(rows)]) == 0
    out = capsys.readouterr().out
    assert "示例项目：90.89（优）→ 80.60（良），变化 −10.29" in out
    assert "总分变化 1 个，等级变化 1 个" in out


def test_a_row_neither_set_can_score_is_named_and_the_exit_code_says_so(tmp_path, capsys):
    set_path = tmp_path / "s.yaml"
    set_path.write_text(
        make_set("  - {id: n, category: main, name: 数量, weight: 100, target: '>= 10 个'}\n"),
        encoding="utf-8",
    )
    rows = tmp_path / "rows.csv"
    rows.write_text("subject,n\n甲,10\n乙,10,11\n", encoding="utf-8")
    assert main(["diff", str(set_path), str(set_path), str(rows)]) == 1
    captured = capsys.readouterr()
    assert "第 3 行（乙）" in captured.err  # the line in the file, header included
    assert "无法计分 1 个" in captured.out
