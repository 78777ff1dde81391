"""Import a filed 自评表 as officers save them, and audit a folder of them (复核)."""

import csv
import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpiscore
from kpiscore._audit import audit
from kpiscore.cli import main

openpyxl = pytest.importorskip("openpyxl")


def published_table(
    path,
    *,
    weights=None,
    printed_full=100,
    drop_weight_column=False,
    actual=None,
    first_column="序号",
):
    """A 自评表 the way a unit files it: a hidden template sheet first, the table starting
    at B3 under a title, header and funds blocks, a 序号 column, 一级 merged down, the
    spellings 指标值/实际值/权重/自评得分, a percent cell, a date cell, a number as text."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "模板"
    hidden.sheet_state = "hidden"
    hidden["A1"] = "三级指标"
    ws = wb.create_sheet("填报")
    wb.active = 1
    ws["B3"] = "2023年度项目支出绩效自评表"
    ws.merge_cells("B3:K3")
    ws["B4"], ws["C4"] = "项目名称", "职业技能培训补贴"
    ws["B5"], ws["C5"], ws["G5"], ws["H5"] = "主管部门", "某区人社局", "实施单位", "某区就业中心"
    heads = [
        "项目资金（万元）",
        "",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    for i, h in enumerate(heads):
        ws.cell(row=6, column=2 + i, value=h)
    for r, (label, values) in enumerate(
        [
            ("年度资金总额", (120, 100, 95)),
            ("其中：当年财政拨款", (120, 100, 95)),
            ("其他资金", (0, 0, 0)),
        ],
        start=7,
    ):
        ws.cell(row=r, column=3, value=label)
        for i, v in enumerate(values):
            ws.cell(row=r, column=4 + i, value=v)
    ws["B6"].value = "项目资金（万元）"
    ws.merge_cells("B6:B9")
    ws["G7"], ws["H7"], ws["I7"] = 10, 0.95, 9.5
    ws["H7"].number_format = "0.00%"
    ws["B10"], ws["C10"], ws["G10"] = "年度总体目标", "预期目标", "实际完成情况"
    ws["C11"], ws["G11"] = "培训 500 人次", "培训 520 人次"
    head = [
        first_column,
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "实际值",
        "权重",
        "自评得分",
        "偏差原因分析及改进措施",
    ]
    if drop_weight_column:
        head[6] = "标准"
    for i, h in enumerate(head):
        ws.cell(row=12, column=2 + i, value=h)
    rows = [
        ("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", "20", 20, ""),
        ("产出指标", "质量指标", "培训合格率", "100%", 0.98, 10, 9.8, "个别学员未通过考核"),
        (
            "产出指标",
            "时效指标",
            "完成时间",
            "2023年10月底前",
            datetime.date(2023, 10, 15),
            10,
            10,
            "",
        ),
        ("产出指标", "成本指标", "安全事故", "=0", "0", 10, 10, ""),
        ("效益指标", "社会效益", "就业能力", "有效提升", "达成", 20, 18, ""),
        ("满意度指标", "满意度", "学员满意度", "≥90%", "95%", 20, 20, ""),
    ]
    if actual is not None:
        rows[0] = (*rows[0][:4], actual, *rows[0][5:])
    for n, row in enumerate(rows, start=1):
        r = 12 + n
        if first_column == "序号":
            ws.cell(row=r, column=2, value=n)
        values = list(row)
        if weights is not None:
            values[5] = weights[n - 1]
        for i, v in enumerate(values):
            cell = ws.cell(row=r, column=3 + i, value=v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # typed as text ('=0), as a unit types "= 0"
        if isinstance(values[4], float):
            ws.cell(row=r, column=7).number_format = "0%"
    if first_column != "序号":  # a label down the whole table, as many forms print it
        ws.merge_cells("B12:B18")
    ws.merge_cells("C13:C16")  # 产出指标 merged down its rows
    ws["C13"] = "产出指标"
    ws.cell(row=19, column=2, value="总分")
    ws.cell(row=19, column=8, value=printed_full)
    ws.cell(row=19, column=9, value=97.3)
    ws.cell(row=21, column=2, value="填报单位（盖章）：")
    wb.save(path)
    return path


def test_a_published_table_is_found_wherever_it_starts_and_read_as_written(tmp_path):
    [t] = kpiscore.import_table(published_table(tmp_path / "t.xlsx"))
    assert t.sheet == "填报"
    assert any("模板" in d for d in t.decisions)  # the hidden sheet is named, not read
    subject = t.data["subject"]
    assert subject["name"] == "职业技能培训补贴" and subject["department"] == "某区人社局"
    assert subject["org"] == "某区就业中心" and subject["year"] == 2023
    assert subject["funds"]["total"] == {"initial": "120", "budget": "100", "spent": "95"}
    assert subject["goals"] == {"planned": "培训 500 人次", "achieved": "培训 520 人次"}
    inds = {i["name"]: i for i in t.set["indicators"]}
    assert inds["预算执行率"]["actual"] == "spent / budget" and inds["预算执行率"]["weight"] == 10
    assert inds["培训人次"]["rule"] == "ratio" and inds["培训人次"]["weight"] == Decimal(20)
    assert inds["培训合格率"]["target"] == ">= 100%"  # a bare 100%: read as ≥, and said
    assert inds["完成时间"]["rule"] == "deadline" and inds["安全事故"]["rule"] == "exact"
    assert inds["就业能力"] == {**inds["就业能力"], "target": "达成", "rule": "qualitative"}
    values = t.data["values"]
    by_name = {i["name"]: i["id"] for i in t.set["indicators"]}
    assert values[by_name["培训合格率"]] == "98%"  # a percent cell as the officer sees it
    assert values[by_name["完成时间"]] == "2023-10-15"
    assert values[by_name["培训人次"]] == "520人次"
    assert t.data["claimed"][by_name["就业能力"]] == "18" and t.data["claimed"]["total"] == "97.3"
    assert t.data["reasons"] == {by_name["培训合格率"]: "个别学员未通过考核"}
    assert "# 原表目标写作“100%”，没有写 ≥ 或 ≤" in t.set_yaml()


# The names published_table gives its indicators, the funds block's first.
NAMES = ["预算执行率", "培训人次", "培训合格率", "完成时间", "安全事故", "就业能力", "学员满意度"]


def test_a_label_column_headed_绩效指标_beside_三级指标_is_not_taken_for_the_names(tmp_path):
    [t] = kpiscore.import_table(published_table(tmp_path / "t.xlsx", first_column="绩效指标"))
    assert [i["name"] for i in t.set["indicators"]] == NAMES


def test_a_header_over_two_rows_is_read_from_the_row_naming_each_column(tmp_path):
    """绩效指标 spanning 一级指标 | 二级指标 | 三级指标 in the row beneath, the other
    headings merged down both rows: the names are the 三级指标, the first row under
    the header is an indicator."""
    path = published_table(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["填报"]
    merged = [str(m) for m in ws.merged_cells.ranges if m.min_row >= 12]
    for m in merged:
        ws.unmerge_cells(m)
    ws.insert_rows(12)  # the header now starts a row higher, over two rows
    for m in merged:  # openpyxl moves the cells, not their merges
        ws.merge_cells(re.sub(r"\d+", lambda n: str(int(n.group()) + 1), m))
    for c in range(2, 11):
        ws.cell(row=12, column=c, value=ws.cell(row=13, column=c).value)
    for c in range(3, 6):
        ws.cell(row=12, column=c, value="绩效指标")
    ws.merge_cells("C12:E12")
    for c in "BFGHIJ":
        ws.merge_cells(f"{c}12:{c}13")
    wb.save(path)
    [t] = kpiscore.import_table(path)
    assert [i["name"] for i in t.set["indicators"]] == NAMES
    assert any("第 13 行是指标表的表头" in d for d in t.decisions)


def test_the_written_files_pass_check_and_rescore_with_the_units_claims(tmp_path, capsys):
    path = published_table(tmp_path / "t.xlsx")
    assert main(["import", str(path), "-o", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "第 12 行是指标表的表头" in said and "按 ≥ 读取" in said and "已写出" in said
    assert main(["check", str(tmp_path / "out" / "set.yaml")]) == 0
    r = kpiscore.score(tmp_path / "out" / "set.yaml", tmp_path / "out" / "data.yaml")
    assert r.complete
    by_name = {i.name: i for i in r.indicators}
    assert by_name["就业能力"].score == 18  # claimed inside the 达成 band: the unit's judgement
    assert by_name["培训合格率"].score == Decimal("9.80")
    assert by_name["完成时间"].score == 10 and by_name["安全事故"].score == 10
    assert r.total == Decimal("97.30") and not r.discrepancies


def test_weights_that_do_not_add_up_are_kept_as_written_and_both_numbers_named(tmp_path):
    path = published_table(tmp_path / "t.xlsx", weights=[30, 10, 10, 10, 20, 20])
    [t] = kpiscore.import_table(path)
    assert t.set["full_score"] == 110
    [note] = [d for d in t.decisions if d.code == "import_weights_differ"]
    assert "110" in note and "100" in note
    assert kpiscore.check(t.set) == [] or all(i.severity != "error" for i in kpiscore.check(t.set))


def test_weights_written_finer_than_two_places_set_the_precision_they_need(tmp_path):
    # 20 points over three indicators, as a unit writes them: 6.667 + 6.667 + 6.666.
    path = published_table(tmp_path / "t.xlsx", weights=["6.667", "6.667", "6.666", 10, 20, 40])
    [t] = kpiscore.import_table(path)
    assert t.set["precision"] == 3
    assert all(i.severity != "error" for i in kpiscore.check(t.set))
    kpiscore.load(t.set)  # the weights fit the precision: no weight scores above itself
    [plain] = kpiscore.import_table(published_table(tmp_path / "p.xlsx"))
    assert "precision" not in plain.set  # the default two places suffice


def test_weights_are_never_taken_from_the_score_column(tmp_path):
    path = published_table(tmp_path / "t.xlsx", drop_weight_column=True)
    [t] = kpiscore.import_table(path)
    assert all("weight" not in i for i in t.set["indicators"] if i["id"] != "execution_rate")
    assert any(d.code == "import_no_weight_column" for d in t.decisions)
    issues = kpiscore.check(t.set)
    assert any(i.severity == "error" for i in issues)  # check names each weight to fill


def test_an_empty_actual_stays_missing(tmp_path):
    [t] = kpiscore.import_table(published_table(tmp_path / "t.xlsx", actual=None))
    path = published_table(tmp_path / "u.xlsx", actual="")
    [u] = kpiscore.import_table(path)
    first = next(i["id"] for i in u.set["indicators"] if i["name"] == "培训人次")
    assert first not in u.data["values"]
    r = kpiscore.score(kpiscore.load(u.set), u.data)
    assert r.indicator(first).status == "missing_data"
    assert any(d.id == first for d in r.discrepancies)  # the unit claimed 20 for it
    assert first in t.data["values"]


def test_blank_category_cells_read_as_the_one_above_and_two_sheets_give_two_folders(tmp_path):
    path = published_table(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["填报"]
    ws.unmerge_cells("C13:C16")
    for r in (14, 15, 16):
        ws.cell(row=r, column=3).value = None
    copy = wb.copy_worksheet(ws)
    copy.title = "第二张"
    wb.save(path)
    tables = kpiscore.import_table(path)
    assert [t.sheet for t in tables] == ["填报", "第二张"]
    cats = {c["id"]: c["name"] for c in tables[0].set["categories"]}
    output = [i for i in tables[0].set["indicators"] if cats[i["category"]] == "产出指标"]
    assert [i["name"] for i in output] == ["培训人次", "培训合格率", "完成时间", "安全事故"]
    assert main(["import", str(path)]) == 0
    assert (tmp_path / "t" / "填报" / "set.yaml").exists()
    assert (tmp_path / "t" / "第二张" / "data.yaml").exists()


def test_a_workbook_without_a_table_is_refused_naming_what_is_needed(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "说明"
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.import_table(tmp_path / "x.xlsx")
    assert "三级指标" in str(info.value.issues[0].message)


def test_audit_reads_a_folder_says_which_tables_differ_and_never_stops_at_a_bad_file(
    tmp_path, capsys
):
    folder = tmp_path / "filed"
    folder.mkdir()
    published_table(folder / "a.xlsx")
    b = published_table(folder / "b.xlsx")
    wb = openpyxl.load_workbook(b)
    wb["填报"]["I14"] = 10  # 培训合格率 claimed full marks for 98%
    wb["填报"]["I19"] = 97.5
    wb.save(b)
    (folder / "c.xlsx").write_bytes(b"not a workbook")
    (folder / "~$a.xlsx").write_bytes(b"lock file")
    out = tmp_path / "audit.xlsx"
    assert main(["audit", str(folder), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "共 3 张表：一致 1 张，不一致 1 张，无法读取 1 张" in err
    ws = openpyxl.load_workbook(out)["复核"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "文件",
        "工作表",
        "项目名称",
        "自报总分",
        "复核总分",
        "差异",
        "不一致指标",
        "提示",
    )
    a, bb, c = rows[1:]
    assert a[0] == "a.xlsx" and a[5] == 0 and not a[6]
    assert bb[3] == 97.5 and bb[4] == 97.3 and "培训合格率：自报 10，复核 9.80" in bb[6]
    assert c[0] == "c.xlsx" and c[7]
    detail = list(openpyxl.load_workbook(out)["不一致明细"].iter_rows(values_only=True))
    assert detail[1][3] == "培训合格率" and "98%" in detail[1][7]
    csv_out = tmp_path / "audit.csv"
    assert main(["audit", str(folder / "a.xlsx"), "-o", str(csv_out)]) == 0
    with csv_out.open(encoding="utf-8-sig") as fh:
        assert [r["差异"] for r in csv.DictReader(fh)] == ["0.00"]


def test_audit_takes_a_hand_scored_rows_own_score_and_says_so(tmp_path):
    """A target no rule reads (健全) is scored by hand: the review cannot re-score it,
    so the unit's own score is taken and named, not reported as a difference."""
    path = published_table(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["填报"]["F17"] = "健全"  # 就业能力's target: no level, no number
    wb["填报"]["I17"] = 17  # the unit's own 17 of 20
    wb["填报"]["I19"] = 96.3  # and its total with it
    wb.save(path)
    [row] = audit([path])
    assert row.agrees and row.claimed_total == row.computed_total == Decimal("96.3")
    assert any("就业能力" in n and "采用自报得分 17" in n for n in row.notes)
    [en] = audit([path], lang="en")
    assert any("the unit's own 17 is taken" in n for n in en.notes)


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("健全", "第 17 行“就业能力”的目标“健全”无法识别"),
        (None, "第 17 行“就业能力”没有填写目标，无法确定计分规则"),
    ],
)
def test_a_target_no_rule_reads_is_named_with_its_indicator_and_left_to_a_person(
    tmp_path, target, said
):
    path = published_table(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["填报"]["F17"] = target
    wb.save(path)
    [t] = kpiscore.import_table(path)
    assert any(d.startswith(said) and "人工评分" in d for d in t.decisions), t.decisions
    assert not any("“空”" in d for d in t.decisions)  # an empty cell is never quoted as 空


# --- round trip ------------------------------------------------------------------------
LEVELS = ("达成", "部分达成", "未达成")


@st.composite
def form_sets(draw):
    """Sets whose every rule a 自评表 can state: ≥ ratio, ≤ reverse, = 0, level words."""
    n = draw(st.integers(1, 6))
    kinds = draw(
        st.lists(st.sampled_from(["ratio", "reverse", "zero", "level"]), min_size=n, max_size=n)
    )
    weights = [Decimal(w) for w in draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))]
    rows, values = [], {}
    for k, (kind, w) in enumerate(zip(kinds, weights, strict=True)):
        target = {"ratio": ">= 40个", "reverse": "<= 12天", "zero": "= 0", "level": "达成"}[kind]
        rows.append(
            f"  - {{id: x{k}, category: {'a' if k % 2 else 'b'}, name: 指标{k}, weight: {w}, target: '{target}'}}\n"
        )
        if kind == "ratio":
            values[f"x{k}"] = f"{draw(st.integers(0, 60))}个"
        elif kind == "reverse":
            values[f"x{k}"] = f"{draw(st.integers(1, 30))}天"
        elif kind == "zero":
            values[f"x{k}"] = str(draw(st.integers(0, 2)))
        else:
            values[f"x{k}"] = draw(st.sampled_from(LEVELS))
    cat_a = sum((w for k, w in enumerate(weights) if k % 2), Decimal(0))
    cat_b = sum((w for k, w in enumerate(weights) if not k % 2), Decimal(0))
    cats = "".join(
        f"  - {{id: {c}, name: {name}, weight: {w}}}\n"
        for c, name, w in (("b", "产出指标", cat_b), ("a", "效益指标", cat_a))
        if w
    )
    text = (
        f"kpiscore: 1\nid: rt\nname: 往返\nfull_score: {cat_a + cat_b}\ncategories:\n{cats}indicators:\n"
        + "".join(rows)
    )
    return text, values


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form_sets(), st.sampled_from(["project", "department"]))
def test_a_form_kpiscore_wrote_imports_back_to_the_same_scores(tmp_path, case, kind):
    text, values = case
    text = text.replace("name: 往返\n", f"name: 往返\nkind: {kind}\n")
    iset = kpiscore.loads(text)
    first = kpiscore.score(iset, {"subject": {"name": "甲", "year": 2022}, "values": values})
    path = tmp_path / f"rt-{kind}.xlsx"
    first.write(path)
    [t] = kpiscore.import_table(path)
    again = kpiscore.score(kpiscore.load(t.set), t.data)
    assert [i.score for i in again.indicators] == [i.score for i in first.indicators]
    assert [i.status for i in again.indicators] == [i.status for i in first.indicators]
    assert again.total == first.total and again.grade == first.grade
    assert not again.discrepancies  # the form's own 得分 and 总分 agree with the rescoring


def test_a_workbook_far_bigger_than_any_form_is_refused_unopened(tmp_path):
    import zipfile

    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (17 * 1024 * 1024))
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.import_table(path)
    assert info.value.issues[0].code == "file_too_large"
