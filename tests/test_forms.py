"""The filed forms: the 自评表 in .xlsx and .html, the 自评报告 in .docx, and the subject
header fields they are filled from."""

import io
import re
from decimal import Decimal

import pytest
from tests.conftest import ROOT, make_set

import kpiscore
from kpiscore.cli import main

PANYU = ROOT / "examples" / "panyu-2022"
FUNDS_DATA = {
    "subject": {
        "name": "招商工作经费",
        "department": "广州市番禺区投资促进中心",
        "org": "广州市番禺区投资促进中心",
        "year": 2022,
        "contact": "张三 020-00000000",
        "funds": {
            "total": {"initial": 1200, "budget": "1129.88", "spent": "1104.87万元"},
            "fiscal": {"initial": 1200, "budget": "1129.88", "spent": "11048700元"},
        },
        "goals": {"planned": "引进重点项目不少于 15 个", "achieved": "18 个项目落地"},
    },
    "values": {"budget": "1129.88", "spent": "1104.87", "output_quantity": "12个"},
}


def _project(data=None, lang="zh"):
    return kpiscore.score(kpiscore.load("mof-project-2020"), data or FUNDS_DATA, lang=lang)


# --- subject ---------------------------------------------------------------------
def test_funds_are_read_exactly_in_wan_yuan_and_yuan_is_converted_with_a_note():
    r = _project()
    funds = r.subject["funds"]
    assert funds["total"] == {
        "initial": Decimal(1200),
        "budget": Decimal("1129.88"),
        "spent": Decimal("1104.87"),
    }
    assert funds["fiscal"]["spent"] == Decimal("1104.87")
    assert any(w.code == "funds_converted" and "11048700元" in w for w in r.warnings)
    assert r.subject["goals"]["achieved"] == "18 个项目落地"


def test_subject_mistakes_are_warned_never_dropped_silently():
    data = {
        "subject": {
            "name": "甲",
            "contcat": "李四",
            "funds": {"totl": {"budget": 1}, "total": {"budget": "很多", "spnt": 1}},
            "goals": {"planned": ["不是文字"]},
        },
        "values": {},
    }
    r = _project(data)
    codes = [w.code for w in r.warnings]
    unknown = next(w for w in r.warnings if w.code == "subject_unknown_key")
    assert "contcat" in unknown and "contact" in unknown  # the close match
    assert r.subject["contcat"] == "李四"  # kept, not dropped
    assert codes.count("funds_unknown") == 2 and "funds_not_a_number" in codes
    assert "goals_not_text" in codes
    assert r.subject["funds"]["total"] == {}


# --- xlsx ----------------------------------------------------------------------------
def _sheet(result):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(kpiscore.render(result, "xlsx")))
    return wb, wb.worksheets[0]


def _row_of(ws, text):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row
    raise AssertionError(f"{text!r} is not on the form")


def test_the_xlsx_form_has_the_official_blocks_in_order():
    wb, ws = _sheet(_project())
    assert ws["A1"].value == "（2022年度）项目支出绩效自评表"
    rows = [_row_of(ws, t) for t in ("项目名称", "主管部门", "项目资金（万元）", "年度总体目标")]
    rows += [_row_of(ws, "一级指标"), _row_of(ws, "总分")]
    assert rows == sorted(rows)
    assert ws.cell(row=rows[0], column=2).value == "招商工作经费"
    heads = [c.value for c in ws[_row_of(ws, "一级指标")]]
    assert heads == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    total_funds = _row_of(ws, "年度资金总额")
    assert [ws.cell(row=total_funds, column=c).value for c in (3, 4, 5, 6, 7, 8)] == [
        1200,
        1129.88,
        1104.87,
        10,
        "97.79%",
        9.78,
    ]
    assert ws.cell(row=_row_of(ws, "年度总体目标"), column=6).value == "实际完成情况"
    assert "预算执行率" not in [c.value for c in ws["C"]]  # a project shows it in the funds block
    assert wb.sheetnames == ["自评表", "计分说明"]


def test_the_xlsx_form_prints_as_filed():
    _, ws = _sheet(_project())
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    head = _row_of(ws, "一级指标")
    assert ws.print_title_rows == f"${head}:${head}"
    quantity = next(r for r in ws.iter_rows() if r[2].value == "主要产出数量")
    assert quantity[6].value == 20 and quantity[6].number_format == "0.00"
    assert quantity[3].value == "≥10个"
    assert all(c.border.left.style == "thin" for c in quantity)
    merged = {str(m) for m in ws.merged_cells.ranges}
    output = _row_of(ws, "产出指标")
    assert any(m.startswith(f"A{output}:A") for m in merged)  # 一级 merged down its rows
    total = ws[_row_of(ws, "总分")]
    assert total[6].value == float(_project().total) and "等级：" in total[7].value


def test_the_second_sheet_names_indicators_not_ids():
    wb, _ = _sheet(_project())
    second = wb["计分说明"]
    names = [r[0] for r in second.iter_rows(values_only=True)]
    assert "主要产出数量" in names and "output_quantity" not in names
    assert "成本控制（实际成本/预算成本）" in names  # its reason is owed: filed under its name


def test_a_long_reason_gets_a_row_tall_enough_to_show_it():
    data = {**FUNDS_DATA, "reasons": {"output_quantity": "原因" * 120}}
    _, ws = _sheet(_project(data))
    row = _row_of(ws, "主要产出数量")
    assert ws.row_dimensions[row].height >= 15 * (240 * 2 // 40)


# --- html ------------------------------------------------------------------------------
def test_the_html_form_is_self_contained_for_phone_and_paper():
    page = kpiscore.render(_project(), "html")
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page
    assert "@page{size:A4 landscape" in page and "break-inside:avoid" in page
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)  # nothing fetched
    assert "（2022年度）项目支出绩效自评表" in page and "偏差原因分析及改进措施" in page
    assert 'rowspan="4"' in page  # 产出指标 merged down its four rows


def test_the_chart_is_drawn_inline_with_its_numbers_as_text():
    r = _project()
    page = kpiscore.render(r, "html")
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    biggest = r.points_lost[0]
    assert f"−{biggest.lost}" in svg and biggest.name[:8] in svg
    for c in r.categories:
        assert f"{c.score} / {c.weight}" in svg
    assert "#" not in "".join(re.findall(r'fill="([^"]*)"', svg)).replace("#444", "").replace(
        "#fff", ""
    ).replace("url(#kp-hatch)", "")  # greys only: it prints the same in black and white


def test_english_forms_translate_the_frame_and_the_grade():
    r = _project(lang="en")
    page = kpiscore.render(r, "html")
    assert "Project expenditure performance self-evaluation (2022)" in page
    assert "项目名称" not in page and "年度指标值" not in page
    assert f"Grade: {r.grade}" in page and r.grade in ("Excellent", "Good", "Fair", "Poor")


# --- docx ------------------------------------------------------------------------------
def _paragraphs(blob):
    docx = pytest.importorskip("docx")
    doc = docx.Document(io.BytesIO(blob))
    return doc, [p.text for p in doc.paragraphs]


def test_the_report_draft_follows_the_outline_with_what_only_a_person_can_write_marked():
    r = _project()
    doc, text = _paragraphs(kpiscore.render(r, "docx"))
    outline = ["一、基本情况", "二、综合评价分析", "三、存在的主要问题", "四、下一步改进措施"]
    assert [t for t in text if t in outline] == outline
    body = "\n".join(text)
    assert f"自评总分 {r.total} 分" in body and f"等级为“{r.grade}”" in body
    assert "全年预算数 1129.88 万元，全年执行数 1104.87 万元，预算执行率 97.79%" in body
    assert "主要产出数量：年度指标值 ≥10个，实际完成值 12个，完成率 120%，得 20.00 分" in body
    assert body.count("【待填写】") >= 5
    assert f"{r.points_lost[0].name}失 {r.points_lost[0].lost} 分" in body
    table = doc.tables[-1]
    head = next(row for row in table.rows if row.cells[0].text == "一级指标")
    assert head.cells[-1].text == "偏差原因分析及改进措施"


def test_a_units_own_template_is_filled_with_the_documented_variables(tmp_path):
    docx = pytest.importorskip("docx")
    pytest.importorskip("docxtpl")
    tpl = docx.Document()
    tpl.add_paragraph("{{ subject.name }} 得分 {{ total }}（{{ grade }}）")
    tpl.add_paragraph("{% for i in indicators %}{{ i.name }}={{ i.score }};{% endfor %}")
    tpl.add_paragraph("{{ summary }}")
    path = tmp_path / "t.docx"
    tpl.save(path)
    r = _project()
    out = tmp_path / "out.docx"
    r.write(out, template=str(path))
    _, text = _paragraphs(out.read_bytes())
    assert text[0] == f"招商工作经费 得分 {r.total}（{r.grade}）"
    assert "主要产出数量=20.00;" in text[1]
    assert text[2].startswith("按《")


def test_a_broken_template_is_named_not_a_traceback(tmp_path, capsys):
    docx = pytest.importorskip("docx")
    pytest.importorskip("docxtpl")
    tpl = docx.Document()
    tpl.add_paragraph("{% for i in indicators %}never closed")
    tpl.save(tmp_path / "bad.docx")
    code = main(
        [
            "report",
            str(PANYU / "department-set.yaml"),
            str(PANYU / "department.yaml"),
            "-o",
            str(tmp_path / "r.docx"),
            "--template",
            str(tmp_path / "bad.docx"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "Word 模板 bad.docx 中的占位符写法有误" in err and "Traceback" not in err
    assert not (tmp_path / "r.docx").exists()


def test_an_unknown_template_variable_is_named_not_left_empty(tmp_path):
    docx = pytest.importorskip("docx")
    pytest.importorskip("docxtpl")
    tpl = docx.Document()
    tpl.add_paragraph("总分 {{ totl }}")
    tpl.save(tmp_path / "t.docx")
    with pytest.raises(kpiscore.KpiscoreError) as info:
        kpiscore.render(_project(), "docx", template=tmp_path / "t.docx")
    text = str(info.value)
    assert "'totl'" in text and "'total'" in text and "第八节" in text


def test_without_the_docx_extra_the_message_names_the_install_command(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_docx(name, *args, **kwargs):
        if name in ("docx", "docxtpl") or name.startswith("docx."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_docx)
    with pytest.raises(kpiscore.KpiscoreError) as info:
        kpiscore.render(_project(), "docx")
    assert "pip install 'kpiscore[docx]'" in str(info.value)


# --- render and write -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("suffix", "kind"),
    [
        (".txt", str),
        (".md", str),
        (".html", str),
        (".json", str),
        (".xlsx", bytes),
        (".docx", bytes),
    ],
)
def test_write_picks_the_format_from_the_suffix_and_matches_render(tmp_path, suffix, kind):
    r = _project()
    fmt = {".txt": "text", ".md": "markdown", ".html": "html", ".json": "json"}.get(
        suffix, suffix[1:]
    )
    out = kpiscore.render(r, fmt)
    assert isinstance(out, kind)
    path = r.write(tmp_path / f"r{suffix}")
    written = path.read_bytes() if kind is bytes else path.read_text(encoding="utf-8")
    if kind is str:
        assert written == out
    else:
        assert written[:2] == b"PK"  # a zip (the bytes differ only in zip timestamps)


def test_an_unknown_format_or_suffix_is_named():
    r = _project()
    with pytest.raises(kpiscore.KpiscoreError, match="pdf"):
        kpiscore.render(r, "pdf")
    with pytest.raises(kpiscore.KpiscoreError, match=r"x\.pdf"):
        r.write("x.pdf")


def test_the_cli_report_writes_what_render_gives(tmp_path):
    out = tmp_path / "r.md"
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
    r = kpiscore.score(PANYU / "department-set.yaml", PANYU / "department.yaml")
    assert out.read_text(encoding="utf-8") == kpiscore.render(r, "markdown")


def test_the_execution_rate_fills_the_funds_block_when_no_funds_are_given():
    r = kpiscore.score(
        kpiscore.loads(
            make_set(
                "  - {id: execution_rate, category: main, name: 预算执行率, weight: 100,"
                " target: '>= 100%', actual: spent / budget}\n",
                extra="inputs:\n  budget: {name: 预算, unit: 万元}\n  spent: {name: 执行, unit: 万元}\n",
            )
        ),
        {"values": {"budget": 200, "spent": 150}},
    )
    _, ws = _sheet(r)
    row = _row_of(ws, "年度资金总额")
    assert [ws.cell(row=row, column=c).value for c in (4, 5, 6, 7)] == [200, 150, 100, "75%"]
