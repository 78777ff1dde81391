"""Batch rows from a CSV file, an Excel sheet, a folder, or mappings."""

from decimal import Decimal

import openpyxl
import pytest
from tests.conftest import make_set

import kpiscore

SET = kpiscore.load(
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
