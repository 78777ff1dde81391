"""Batch rows from a CSV file, an Excel sheet, a folder, or mappings."""

import csv
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import make_set

import kpiscore

SET = kpiscore.loads(
    make_set(
        "  - {id: rate, category: main, name: 执行率, weight: 50, actual: spent / budget, target: '>= 100%'}\n"
        "  - {id: n, category: main, name: 数量, weight: 50, target: '>= 10 个'}\n"
    )
)


def _sheet(path, rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_an_excel_sheet_is_read_like_a_csv_with_its_row_numbers(tmp_path):
    path = _sheet(
        tmp_path / "rows.xlsx",
        [
            ["项目名称", "budget", "spent", "n", "reason:rate"],
            ["甲", 1129.88, 1104.87, 12],  # the empty cells on the right are not stored
            [None, None, None, None, None],
            ["乙", 100, 100, "8个", "年底集中支付"],
        ],
    )
    results = list(kpiscore.score_many(SET, path))
    assert [(r.row, r.subject["name"]) for r in results] == [(2, "甲"), (4, "乙")]
    first = results[0]
    assert first.indicator("rate").explanation.startswith("spent 1104.87 ÷ budget 1129.88")
    assert first.total == Decimal("98.89")
    rate = results[1].indicator("rate")
    assert rate.reason == "年底集中支付" and not rate.needs_reason  # given though not owed: kept
    assert results[1].indicator("n").score == Decimal("40.00")


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused_clearly(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(b"subject,n\n")
    with pytest.raises(kpiscore.DataError) as info:
        list(kpiscore.score_many(SET, path))
    assert info.value.issues[0].code == "bad_xlsx"


def test_single_results_carry_no_row_and_batch_results_do():
    data = {"values": {"budget": 1, "spent": 1, "n": 10}}
    assert "row" not in kpiscore.score(SET, data).to_dict()
    [r] = kpiscore.score_many(SET, [data])
    assert r.to_dict()["row"] == 1


def test_blank_header_cells_are_not_duplicate_columns(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("subject,budget,spent,n,,\n甲,1,1,10,,\n", encoding="utf-8")
    [r] = kpiscore.score_many(SET, path)
    assert r.total == Decimal("100.00")


# --- tables as officers save them ---------------------------------------------


def _rows(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(kpiscore.score_many(SET, path))


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_a_tab_or_semicolon_file_saved_as_csv_is_read_by_its_separator(tmp_path, sep):
    text = (
        sep.join(["项目名称", "budget", "spent", "n"]) + "\n" + sep.join(["甲", "100", "100", "10"])
    )
    [r] = _rows(tmp_path, text + "\n")
    assert r.complete and r.total == Decimal("100.00")


def test_an_unclosed_quote_names_its_line_and_the_rows_after_it_are_kept(tmp_path):
    text = (
        "项目名称,budget,spent,n\n"
        '甲,100,100,"10\n'  # the quote opened here is never closed
        "乙,100,50,10\n"
        "丙,100,100,5\n"
    )
    results = _rows(tmp_path, text)
    assert [r.row for r in results] == [2, 3, 4]
    assert not results[0].ok and "第 2 行的引号没有闭合" in results[0].message
    assert results[1].subject["name"] == "乙" and results[1].total == Decimal("75.00")
    assert results[2].subject["name"] == "丙"


def test_a_quoted_cell_over_several_lines_is_one_row_numbered_where_it_starts(tmp_path):
    text = '项目名称,budget,spent,n,reason:n\n甲,100,100,5,"第一行\n第二行"\n乙,1,1,10,\n'
    results = _rows(tmp_path, text)
    assert [r.row for r in results] == [2, 4]
    assert results[0].indicator("n").reason == "第一行\n第二行"


def test_title_rows_above_the_header_are_skipped(tmp_path):
    text = "2022年项目绩效自评汇总表,,,\n,,,\n项目名称,budget,spent,n\n甲,100,100,10\n"
    [r] = _rows(tmp_path, text)
    assert r.row == 4 and r.complete


def test_a_misspelt_header_is_refused_before_any_row_naming_both(tmp_path):
    with pytest.raises(kpiscore.DataError) as info:
        _rows(tmp_path, "项目名称,budget,spent,数 量\n甲,100,100,10\n")
    [issue] = info.value.issues
    assert (
        issue.code == "column_misspelt" and "'数 量'" in issue.message and "'数量'" in issue.message
    )


def test_a_header_in_full_width_or_with_a_bom_is_normalised(tmp_path):
    [r] = _rows(
        tmp_path, "\ufeff项目名称,ｂｕｄｇｅｔ,spent,n,ｒｅａｓｏｎ：n\n甲,100,100,5,延期\n"
    )
    assert r.indicator("rate").status == "scored" and r.indicator("n").reason == "延期"


def test_a_label_with_full_width_brackets_heads_its_column_as_the_set_writes_it(tmp_path):
    """The header is read in NFKC form (（ → (): the set's own label must still match."""
    iset = kpiscore.load("mof-project-2020")
    path = tmp_path / "t.csv"
    path.write_text("项目名称,全年预算数（调整后）,执行数\n甲,100,90\n", encoding="utf-8")
    [r] = kpiscore.score_many(iset, path)
    assert r.indicator("execution_rate").score == 9
    flat = {"项目名称": "甲", "全年预算数(调整后)": 100, "执行数": 90}  # as typed in ASCII
    assert kpiscore.score(iset, flat).indicator("execution_rate").score == 9


def test_reason_and_claimed_columns_may_be_headed_in_chinese(tmp_path):
    iset = kpiscore.load("mof-project-2020")
    path = tmp_path / "t.csv"
    path.write_text(
        "项目名称,budget,spent,偏差原因：预算执行率,自评得分：总分,自评分:预算执行率\n"
        "甲,100,90,年底集中支付,95,9\n",
        encoding="utf-8",
    )
    [r] = kpiscore.score_many(iset, path)
    assert r.indicator("execution_rate").reason == "年底集中支付"
    assert [d.id for d in r.discrepancies] == ["total"] and r.discrepancies[0].claimed == 95


def test_an_id_and_its_chinese_name_as_two_columns_is_refused(tmp_path):
    with pytest.raises(kpiscore.DataError) as info:
        _rows(tmp_path, "项目名称,budget,spent,n,数量\n甲,100,100,10,12\n")
    assert info.value.issues[0].code == "column_twice"


def test_a_header_of_many_columns_is_refused_fast(tmp_path):
    import time

    start = time.process_time()
    with pytest.raises(kpiscore.DataError) as info:
        _rows(tmp_path, ",".join(f"c{i}" for i in range(100_000)) + "\n1\n")
    assert info.value.issues[0].code == "too_many_columns"
    assert time.process_time() - start < 5


def test_unknown_columns_that_match_nothing_are_noted_not_refused(tmp_path):
    from kpiscore._api import score_rows
    from kpiscore._columns import reading_for

    path = tmp_path / "rows.csv"
    path.write_text("项目名称,budget,spent,n,联系人\n甲,100,100,10,张三\n", encoding="utf-8")
    reading = reading_for(SET, "zh")
    [r] = score_rows(SET, path, reading=reading)
    assert r.complete and reading.notes == ["这些列不属于本指标体系，没有读取：联系人"]


def test_the_visible_active_sheet_is_read_not_a_hidden_template(tmp_path):
    wb = openpyxl.Workbook()
    template = wb.active
    template.title = "模板"
    template.append(["项目名称", "budget", "spent", "n"])
    template.append(["示例", 1, 1, 1])
    template.sheet_state = "hidden"
    real = wb.create_sheet("2022")
    real.append(["项目名称", "budget", "spent", "n"])
    real.append(["甲", 100, 100, 10])
    wb.active = 1
    wb.save(tmp_path / "rows.xlsx")
    [r] = kpiscore.score_many(SET, tmp_path / "rows.xlsx")
    assert r.subject["name"] == "甲" and r.total == Decimal("100.00")


def test_a_formula_excel_never_computed_is_named_not_blank(tmp_path):
    path = _sheet(
        tmp_path / "rows.xlsx", [["项目名称", "budget", "spent", "n"], ["甲", 100, 100, "=B2/10"]]
    )
    [r] = kpiscore.score_many(SET, path)
    n = r.indicator("n")
    assert n.status == "invalid_data" and "=B2/10" in n.problem and "保存" in n.problem


def _with_cached_values(path, values):
    """The workbook as Excel saves it: each formula followed by the value it computed."""
    import zipfile

    out = path.with_name("saved.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for formula, value in values.items():
                    data = data.replace(
                        f"<f>{formula}</f>".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
                    )
            dst.writestr(item, data)
    return out


def test_a_sheet_whose_formulas_hold_their_values_is_read_once(tmp_path, monkeypatch):
    path = _sheet(
        tmp_path / "rows.xlsx", [["项目名称", "budget", "spent", "n"], ["甲", 100, 100, "=B2/10"]]
    )
    saved = _with_cached_values(path, {"B2/10": 10})
    opened = []
    real = openpyxl.load_workbook
    monkeypatch.setattr(
        openpyxl, "load_workbook", lambda *a, **k: opened.append(k) or real(*a, **k)
    )
    [r] = kpiscore.score_many(SET, saved)
    assert r.indicator("n").actual == Decimal(10) and r.indicator("n").status == "scored"
    assert len(opened) == 1  # no second read for formulas: none lacks its value
    opened.clear()
    [r] = kpiscore.score_many(SET, path)  # the formula without its value: read again, named
    assert r.indicator("n").status == "invalid_data" and len(opened) == 2


@pytest.mark.parametrize(
    ("xml", "uncomputed"),
    [
        (b'<c r="D2"><f>B2/10</f></c>', True),
        (b'<c r="D2"><f>B2/10</f><v>10</v></c>', False),
        ('<c r="D2" t="str"><f>A1&amp;"x"</f><v>甲x</v></c>'.encode(), False),
        (b'<c r="D2"><f>B2/10</f><v></v></c>', True),
        (b'<c r="D2"><f>B2/10</f><v/></c>', True),
        (b'<c r="D3"><f t="shared" si="0"/></c>', True),
        (b'<c r="D3"><f t="shared" si="0"/><v>5</v></c>', False),
        (b'<x:c r="D2"><x:f>B2/10</x:f>\n  </x:c>', True),
        (b'<x:c r="D2"><x:f>B2/10</x:f><x:v>10</x:v></x:c>', False),
        (b'<c r="D2"><v>10</v></c><c r="E2" t="s"><v>3</v></c>', False),
    ],
)
def test_a_formula_cell_without_a_value_is_found_in_the_sheets_xml(xml, uncomputed):
    from kpiscore._sources import _UNCOMPUTED

    assert (_UNCOMPUTED.search(b"<row>" + xml + b"</row>") is not None) == uncomputed


def test_cells_merged_down_a_column_give_each_row_the_value(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["项目名称", "budget", "spent", "n"], ["甲", 100, 100, 10], ["乙", None, 50, 10]):
        ws.append(row)
    ws.merge_cells("B2:B3")  # one budget for both rows, as a table shows it
    ws.merge_cells("A5:D5")
    ws["A5"] = "丙"
    wb.save(tmp_path / "rows.xlsx")
    results = list(kpiscore.score_many(SET, tmp_path / "rows.xlsx"))
    assert results[1].indicator("rate").actual == Decimal("0.5")
    assert not results[2].ok and "A5:D5" in results[2].message


@pytest.mark.parametrize("column", [2001, 3000])
def test_content_past_the_column_cap_is_refused_not_cut(tmp_path, column):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "budget", "spent", "n"])
    ws.cell(row=2, column=column, value="x")
    wb.save(tmp_path / "rows.xlsx")
    with pytest.raises(kpiscore.DataError) as info:
        list(kpiscore.score_many(SET, tmp_path / "rows.xlsx"))
    assert info.value.issues[0].code == "too_many_columns"


def test_a_utf16_csv_is_named_as_utf16(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes("项目名称,n\n甲,10\n".encode("utf-16"))
    with pytest.raises(kpiscore.DataError) as info:
        list(kpiscore.score_many(SET, path))
    assert info.value.issues[0].code == "csv_utf16" and "UTF-16" in info.value.issues[0].message


def test_a_utf16_yaml_file_is_named_as_utf16(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_bytes("kpiscore: 1\n".encode("utf-16"))
    [issue] = kpiscore.check(path)
    assert issue.code == "file_utf16"


def test_json_data_that_breaks_python_is_a_clean_data_error_and_a_folder_goes_on(tmp_path):
    (tmp_path / "a.json").write_text('{"values": {"n": 1e99999999999999999999}}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"values": {"n": ' + "[" * 600 + "]" * 600 + "}}")
    (tmp_path / "c.json").write_text('{"values": {"n": "\\ud800"}}', encoding="utf-8")
    (tmp_path / "d.json").write_text('{"values": {"n": 10}}', encoding="utf-8")
    for name in ("a.json", "b.json"):
        with pytest.raises(kpiscore.DataError):
            kpiscore.score(SET, tmp_path / name)
    surrogate = kpiscore.score(SET, tmp_path / "c.json")
    assert surrogate.indicator("n").status == "invalid_data"
    results = list(kpiscore.score_many(SET, tmp_path))
    assert [r.ok for r in results] == [False, False, True, True]
    assert results[3].indicator("n").score == 50


def test_a_table_without_a_header_the_set_knows_is_refused_naming_what_it_found(tmp_path):
    with pytest.raises(kpiscore.DataError) as info:
        _rows(tmp_path, "单位,金额\n甲,100\n")
    [issue] = info.value.issues
    assert issue.code == "no_header" and "单位、金额" in issue.message


def test_flat_rows_from_python_follow_the_csv_conventions():
    rows = [
        {
            "项目名称": "甲",
            "budget": 100,
            "spent": 90,
            "数量": 8,
            "reason:n": "延期",
            "claimed:总分": 90,
        },
        {"subject": "乙", "budget": 100, "spent": 100, "n": float("nan")},
    ]
    first, second = kpiscore.score_many(SET, rows)
    assert (first.row, first.subject["name"], second.row) == (1, "甲", 2)
    assert first.indicator("n").score == Decimal("40.00") and first.indicator("n").reason == "延期"
    assert [d.id for d in first.discrepancies] == ["total"]
    assert second.indicator("n").status == "missing_data"  # NaN is a blank


def test_a_dataframe_and_its_chunks_score_row_by_row_numbered_across_chunks():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "项目名称": ["甲", "乙", "丙"],
            "budget": [100, 100, 100],
            "spent": [90.0, 100.0, None],
            "n": [12, 10, 8],
        }
    )
    whole = list(kpiscore.score_many(SET, df))
    assert [r.row for r in whole] == [1, 2, 3]
    assert whole[0].indicator("rate").actual == Decimal("0.9")
    assert whole[2].indicator("rate").status == "missing_data"
    chunks = [df.iloc[:2], df.iloc[2:]]
    assert [r.row for r in kpiscore.score_many(SET, iter(chunks))] == [1, 2, 3]
    assert [r.total for r in kpiscore.score_many(SET, df.to_dict("records"))] == [
        r.total for r in whole
    ]


@settings(max_examples=300)
@given(
    cells=st.lists(
        st.text(
            st.characters(blacklist_characters='"\x00\r\n', blacklist_categories=("Cs",)),
            max_size=8,
        ),
        min_size=1,
        max_size=6,
    ),
    delimiter=st.sampled_from([",", "\t", ";"]),
    end=st.sampled_from(["\n", "\r\n", "\r", ""]),
)
def test_a_line_without_quotes_is_split_as_the_csv_module_splits_it(cells, delimiter, end):
    from kpiscore._sources import _records

    line = delimiter.join(cells) + end
    ((_line, got, problem),) = list(_records(iter([(1, line)]), delimiter, "zh"))
    want = next(csv.reader([line], delimiter=delimiter), [])
    assert problem is None
    assert got == want or (want == [] and got == [""])  # an empty line is blank either way


@pytest.mark.parametrize(
    "line",
    ["合计,,1629.88,1585.37", ",合 计,1629.88,1585.37", "3,总计,1629.88,1585.37"],
)
def test_a_sum_row_under_the_list_is_named_not_scored_as_a_subject(tmp_path, line):
    iset = kpiscore.load("mof-project-2020")
    path = tmp_path / "t.csv"
    path.write_text(
        f"序号,项目名称,budget,spent\n1,甲,1129.88,1104.87\n2,乙,500,480.5\n{line}\n",
        encoding="utf-8",
    )
    first, second, last = kpiscore.score_many(iset, path)
    assert first.ok and second.ok and not last.ok and last.row == 4
    assert "不是一个项目，未计分" in last.message


def test_a_claim_excel_shows_rounded_is_read_as_shown_a_value_as_stored(tmp_path):
    """得分 computed in the sheet (=执行数/预算数*10) is stored to 15 digits and shown to
    two: the unit filed what it saw. A value keeps every stored digit, as Excel's own
    formulas use it."""
    iset = kpiscore.load("mof-project-2020")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "budget", "spent", "claimed:execution_rate", "claimed:total", "年度"])
    ws.append(["甲", 1129.88, 1104.87, 1104.87 / 1129.88 * 10, 9.7786, 2022.0])
    ws.append(["乙", 1129.88, 1104.87, 9.77, 9.7786, 2022.0])  # shown 9.77: a real difference
    ws.append(["丙", 1000, 977.8649060077175, 9.78, 9.78, 2022.0])
    for row in (2, 3, 4):
        for col in "CDE":
            ws[f"{col}{row}"].number_format = "0.00"
        ws[f"F{row}"].number_format = "0"
    wb.save(tmp_path / "t.xlsx")
    first, second, third = kpiscore.score_many(iset, tmp_path / "t.xlsx")
    assert first.discrepancies == () and first.data["claimed"]["execution_rate"] == "9.78"
    assert [d.id for d in second.discrepancies] == ["execution_rate"]
    assert second.discrepancies[0].claimed == Decimal("9.77")
    assert third.data["values"]["spent"] == "977.8649060077175"  # stored, not shown
    assert type(third.data["values"]["spent"]) is str and str(first.subject["year"]) == "2022"


def test_a_sheet_whose_declared_size_is_wrong_is_read_to_its_last_cell(tmp_path):
    """Some exporters write <dimension ref="A1"/> whatever the sheet holds: the rows and
    cells past it are read, never dropped."""
    import re
    import zipfile

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "budget", "spent"])
    for k in range(5):
        ws.append([f"项目{k}", 100, 90 + k])
    wb.save(tmp_path / "full.xlsx")
    with (
        zipfile.ZipFile(tmp_path / "full.xlsx") as src,
        zipfile.ZipFile(tmp_path / "t.xlsx", "w") as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', data)
            dst.writestr(item, data)
    results = list(kpiscore.score_many(kpiscore.load("mof-project-2020"), tmp_path / "t.xlsx"))
    assert [r.subject["name"] for r in results] == [f"项目{k}" for k in range(5)]
    assert [r.indicator("execution_rate").score for r in results][-1] == Decimal("9.40")


def test_a_flat_row_with_a_huge_key_set_is_judged_but_not_kept():
    from kpiscore._sources import _flat_keys, is_flat

    _flat_keys.cache_clear()
    row = {f"col{i}": i for i in range(600)}
    assert is_flat(row) and is_flat({"项目名称": "甲", "budget": 1})
    assert _flat_keys.cache_info().currsize == 1  # only the small one
