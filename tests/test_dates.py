"""Deadline (时效) targets and actuals as tables write them, and the deadline rule at its edges."""

import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import make_set

import kpiscore
from kpiscore._dates import When, month_like_number, months_late, parse_deadline, parse_when


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("≤2022年12月", "2022-12-31"),
        ("<= 2022年12月", "2022-12-31"),
        ("≤2022-12-31", "2022-12-31"),
        ("2022年12月底前", "2022-12-31"),
        ("2022年9月30日前完成", "2022-09-30"),
        ("9月前", "2022-09-30"),
        ("11月底前", "2022-11-30"),
        ("≤2022.6", "2022-06-30"),
        ("2022年2月底前", "2022-02-28"),
    ],
)
def test_deadline_targets_are_read_as_days(text, due):
    op, when = parse_deadline(text)
    assert op == "<=" and when.on(2022).isoformat() == due


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2022年11月", "2022-11-30"),
        ("2022.11", "2022-11-30"),
        ("2022-11-30", "2022-11-30"),
        ("2022/11/3", "2022-11-03"),
        ("11月", "2022-11-30"),
        ("11月15日", "2022-11-15"),
        ("2022-11-30 00:00:00", "2022-11-30"),
    ],
)
def test_actual_dates_are_read_in_every_spelling(text, day):
    assert parse_when(text).on(2022).isoformat() == day


@pytest.mark.parametrize("text", ["2022年13月", "2022-02-30", "12", "下半年", "2022年11月份左右"])
def test_what_is_no_date_is_not_read_as_one(text):
    assert parse_when(text) is None


def _deadline_set(target: str, extra: str = "") -> kpiscore.IndicatorSet:
    return kpiscore.loads(
        make_set(
            f"  - {{id: done, category: main, name: 完成时间, weight: 10, target: '{target}'{extra}}}\n",
            categories="  - {id: main, name: 主要指标, weight: 10}\n",
            extra="full_score: 10\n",
        )
    )


def _score(target, actual, year=2022, extra=""):
    data = {"subject": {"year": year} if year else {}, "values": {"done": actual}}
    return kpiscore.score(_deadline_set(target, extra), data).indicators[0]


@pytest.mark.parametrize(
    ("target", "actual", "score"),
    [
        ("≤2022年12月", "2022年12月", "10.00"),  # same month: on time
        ("≤2022年12月", "2022年11月", "10.00"),  # early is on time, nothing more
        ("2022年9月30日前完成", "2022-10-01", "8.00"),  # one day late: one month
        ("2022年9月30日前完成", "2022-10-31", "8.00"),
        ("2022年9月30日前完成", "2022-11-01", "6.00"),
        ("≤2022-09-15", "2022-09-20", "8.00"),  # late within the same month
        ("9月前", "2022年11月", "6.00"),  # month-only: end of Sep vs end of Nov
        ("≤2022年12月", "2023年1月", "8.00"),  # across the year
        ("≤2022年12月", "2024-06-01", "0.00"),  # 18 months late: floored at 0
        ("9月前", "按时完成", "10.00"),
        ("9月前", "提前完成", "10.00"),
        ("9月前", "延期", "0.00"),
    ],
)
def test_deadline_scores_with_late_per_month(target, actual, score):
    r = _score(target, actual, extra=", late_per_month: 2")
    assert r.status == "scored" and str(r.score) == score, r.explanation
    assert "over_achievement" not in r.flags


def test_late_without_late_per_month_scores_zero_and_states_both_dates():
    r = _score("2022年9月30日前完成", "2022年11月")
    assert r.score == 0 and r.rule == "deadline"
    assert (
        "2022-09-30" in r.explanation
        and "2022-11-30" in r.explanation
        and "晚 2 个月" in r.explanation
    )


def test_a_year_less_target_with_data_without_a_year_is_a_clear_data_problem():
    r = _score("9月前", "2022年8月", year=None)
    assert r.status == "missing_data" and "year" in r.problem and "9月前" in r.problem


def test_an_actual_that_is_no_date_is_invalid():
    r = _score("9月前", "下半年")
    assert r.status == "invalid_data" and "'下半年'" in r.problem


def test_a_number_target_that_reads_as_a_month_is_a_deadline():
    assert _deadline_set("≤2022.12").indicators[0].rule == "deadline"
    assert _score("≤2022.12", D("2023.01")).score == 0


def test_months_late_counts_each_started_month():
    due = datetime.date(2022, 9, 30)
    assert months_late(datetime.date(2022, 9, 30), due) == 0
    assert months_late(datetime.date(2022, 10, 1), due) == 1
    assert months_late(datetime.date(2022, 10, 31), due) == 1
    assert months_late(datetime.date(2022, 11, 1), due) == 2


DAYS = st.dates(min_value=datetime.date(2021, 1, 1), max_value=datetime.date(2024, 12, 31))


@given(DAYS, DAYS, st.sampled_from(["≤2022-09-15", "≤2022年12月", "9月前"]))
def test_deadline_scores_never_increase_as_the_completion_date_moves_later(a, b, target):
    early, late = sorted((a, b))
    s1 = _score(target, early.isoformat(), extra=", late_per_month: 1.5").score
    s2 = _score(target, late.isoformat(), extra=", late_per_month: 1.5").score
    assert s2 <= s1


def test_a_batch_sheet_with_date_cells_and_a_year_column_scores_deadlines(tmp_path):
    import openpyxl

    iset = _deadline_set("9月前", ", late_per_month: 2")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "年度", "完成时间"])
    ws.append(["甲", 2022, datetime.datetime(2022, 8, 15)])
    ws.append(["乙", 2022, datetime.date(2022, 10, 1)])
    ws.append(["丙", None, "2022年8月"])
    wb.save(tmp_path / "rows.xlsx")
    a, b, c = kpiscore.score_many(iset, tmp_path / "rows.xlsx")
    assert (a.total, b.total) == (10, 8)
    assert c.indicators[0].status == "missing_data" and "year" in c.indicators[0].problem


def test_a_date_from_python_is_a_completion_date():
    r = kpiscore.score(
        _deadline_set("9月前"),
        {"subject": {"year": 2022}, "values": {"done": datetime.date(2022, 9, 30)}},
    )
    assert r.indicators[0].score == 10


@pytest.mark.parametrize(
    ("when", "zh", "en"),
    [
        (When(9, 2022, 30), "2022年9月30日", "2022-09-30"),
        (When(12, 2022), "2022年12月底", "2022-12"),
        (When(9), "9月底", "09"),
        (When(3, None, 5), "3月5日", "03-05"),
    ],
)
def test_a_date_shows_as_the_table_writes_it_in_both_languages(when, zh, en):
    assert when.show() == zh and when.show("zh") == zh and when.show("en") == en


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022.11", When(11, 2022)),
        ("2022.1", When(1, 2022)),
        ("2022.09", When(9, 2022)),
        ("2022", None),
        ("2022.123", None),
        ("-2022.11", None),
        ("2022.13", None),
        ("2022.00", None),
    ],
)
def test_only_a_number_with_one_or_two_decimals_that_name_a_month_reads_as_one(value, expected):
    assert month_like_number(D(value)) == expected


@pytest.mark.parametrize(
    ("done", "due", "late"),
    [
        ("2022-09-30", "2022-09-30", 0),
        ("2022-09-01", "2022-09-30", 0),
        ("2022-10-01", "2022-09-30", 1),
        ("2022-10-31", "2022-09-30", 1),
        ("2022-11-01", "2022-09-30", 2),
        ("2022-02-28", "2022-01-31", 1),
        ("2022-03-01", "2022-01-31", 2),
        ("2022-03-31", "2022-01-31", 2),
        ("2022-02-15", "2022-01-15", 1),
        ("2022-02-16", "2022-01-15", 2),
        ("2023-01-01", "2022-12-31", 1),
        ("2024-01-16", "2022-12-15", 14),
    ],
)
def test_each_started_month_after_the_due_day_counts_once(done, due, late):
    assert months_late(datetime.date.fromisoformat(done), datetime.date.fromisoformat(due)) == late


@pytest.mark.parametrize(
    ("actual", "score", "text", "floored"),
    [
        (
            "2022-11-01",
            "6.00",
            "晚 2 个月（开始的月份即算一个月），每月扣 2 分：10 − 2 × 2 = 6",
            False,
        ),
        (
            "2023-02-01",
            "0.00",
            "晚 5 个月（开始的月份即算一个月），每月扣 2 分：10 − 2 × 5 = 0",
            False,
        ),
        ("2023-03-01", "0.00", "10 − 2 × 6 = 0，扣完为止", True),
    ],
)
def test_a_late_deduction_states_its_months_and_says_when_it_stops_at_zero(
    actual, score, text, floored
):
    r = _score("2022年9月30日前完成", actual, extra=", late_per_month: 2")
    assert str(r.score) == score and text in r.explanation
    assert ("扣完为止" in r.explanation) is floored


def test_a_month_written_as_a_number_and_a_date_cell_read_as_dates():
    month = _score("≤2022年11月", D("2022.11"))  # a table's 2022.11 is November, not a count
    assert month.score == 10 and month.actual == "2022.11"
    cell = _score("2022年9月30日前完成", datetime.date(2022, 10, 15), extra=", late_per_month: 2")
    assert cell.score == 8 and cell.actual == "2022-10-15"
    assert "实际 2022-10-15（2022-10-15）" in cell.explanation


def test_an_actual_without_a_year_takes_the_datas_year_then_the_targets():
    with_year = _score("9月前", "10月15日", year=2022, extra=", late_per_month: 2")
    assert with_year.score == 8 and "（2022-10-15）" in with_year.explanation
    from_target = _score("2022年9月30日前完成", "10月15日", year=None, extra=", late_per_month: 2")
    assert from_target.score == 8 and "（2022-10-15）" in from_target.explanation


def test_a_strict_deadline_is_missed_on_the_day_itself():
    on_day = _score("<2022-09-30", "2022-09-30", extra=", late_per_month: 2")
    assert on_day.score == 8
    assert _score("<=2022-09-30", "2022-09-30", extra=", late_per_month: 2").score == 10


def test_late_by_an_unknown_time_quotes_the_cell():
    r = _score("9月前", "延期")
    assert r.score == 0 and "实际“延期”，未按期完成且晚了多久不明，得 0 分" in r.explanation


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        (2022, 2022),
        ("2022", 2022),
        ("2022年", 2022),
        ("2022.0", 2022),
        (D("2022.0"), 2022),
        ("1900", 1900),
        ("2200", 2200),
        ("1899", None),
        ("2201", None),
        ("", None),
        (True, None),
        ("二〇二二", None),
    ],
)
def test_the_datas_year_is_read_from_the_ways_tables_write_it(raw, year):
    from kpiscore._dates import year_of

    assert year_of({"year": raw}) == year


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("不晚于2022年9月30日", "2022-09-30"),
        ("截至2022年10月", "2022-10-31"),
        ("2月底前", "2023-02-28"),
    ],
)
def test_deadline_words_not_later_than_and_by(text, due):
    parsed = parse_deadline(text)
    assert parsed is not None and parsed[0] == "<=" and parsed[1].on(2023).isoformat() == due


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("1900年1月", True),
        ("1899年12月", False),
        ("2200年12月", True),
        ("2201年1月", False),
        ("2月29日", True),
        ("2月30日", False),
    ],
)
def test_a_date_is_read_only_inside_the_years_and_days_that_exist(text, ok):
    assert (parse_when(text) is not None) is ok


@pytest.mark.parametrize(
    "written",
    ["按时完成。", "按时完成；", "2022年10月15日完成", "2022年10月15日止", "2022年10月15日已完成"],
)
def test_a_completion_cell_with_trailing_words_or_punctuation_still_reads(written):
    from kpiscore._dates import read_actual

    got = read_actual(written, None)
    assert got == "met" or (isinstance(got, When) and (got.month, got.day) == (10, 15))


def test_a_date_cell_from_another_year_keeps_its_year():
    cell = _score("2022年9月30日前完成", datetime.date(2021, 10, 15))
    assert cell.score == 10 and "（2021-10-15）" in cell.explanation
