"""The batch engine: the same output whatever the number of processes, a progress line
only on a terminal, .jsonl lines without the explanation unless asked."""

import csv
import io
import json
import random

import pytest
from tests.conftest import ROOT

import kpiscore
from kpiscore import _batch
from kpiscore.cli import MAX_SHOWN_PROBLEMS, main

SET = ROOT / "indicator_sets" / "mof-project-2020.yaml"
LEVELS = ["达成", "部分达成", "未达成", "完成", "没做"]


def _rows_csv(path, n, seed=7):
    rnd = random.Random(seed)
    names = ["subject", "budget", "spent", "output_quantity", "output_quality", "completion_time"]
    names += ["cost_control", "economic_benefit", "social_benefit", "ecological_benefit"]
    names += ["sustainability", "satisfaction", "claimed:总分", "reason:output_quantity"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(n):
            budget = rnd.randint(50, 500)
            w.writerow(
                [
                    f"项目{i}",
                    budget,
                    rnd.choice([budget, budget * 0.9, "", "abc"]),
                    rnd.choice(["8个", "10", "12", "1O"]),
                    rnd.choice(LEVELS),
                    rnd.randint(20, 45),
                    f"{rnd.randint(70, 130)}%",
                    rnd.choice(LEVELS),
                    rnd.choice(LEVELS),
                    rnd.choice(LEVELS),
                    rnd.choice(LEVELS),
                    f"{rnd.randint(80, 100)}%",
                    rnd.choice(["", "88", "90.5"]),
                    rnd.choice(["", "人手不足"]),
                ]
            )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_jobs_n_writes_what_jobs_1_writes_in_the_same_order(tmp_path, suffix, capsys):
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    rows = tmp_path / "rows.csv"
    _rows_csv(rows, 450)  # more than two chunks, with bad cells and claims among them
    one, three = tmp_path / f"one{suffix}", tmp_path / f"three{suffix}"
    code_one = main(["batch", str(SET), str(rows), "-o", str(one), "--jobs", "1"])
    err_one = capsys.readouterr().err
    code_three = main(["batch", str(SET), str(rows), "-o", str(three), "--jobs", "3"])
    err_three = capsys.readouterr().err
    assert code_one == code_three
    assert err_one == err_three and "第 " in err_one  # the same rows with problems, in order
    if suffix == ".xlsx":
        import openpyxl

        def cells(p):
            return [list(r) for r in openpyxl.load_workbook(p).active.iter_rows(values_only=True)]

        assert cells(one) == cells(three)
        assert len(cells(one)) == 451
    else:
        assert one.read_bytes() == three.read_bytes()


def test_a_jsonl_line_has_no_explanation_unless_explain_is_given(tmp_path):
    rows = tmp_path / "rows.csv"
    _rows_csv(rows, 5)
    plain, rich = tmp_path / "plain.jsonl", tmp_path / "rich.jsonl"
    main(["batch", str(SET), str(rows), "-o", str(plain), "-q"])
    main(["batch", str(SET), str(rows), "-o", str(rich), "--explain"])
    for a, b in zip(plain.read_text().splitlines(), rich.read_text().splitlines(), strict=True):
        left, right = json.loads(a), json.loads(b)
        assert all("explanation" not in i for i in left["indicators"])
        assert all(i["explanation"] for i in right["indicators"])
        for i in right["indicators"]:
            del i["explanation"]
        assert left == right


def test_a_jsonl_line_with_explain_is_the_results_json_and_problems_are_all_named(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    _rows_csv(rows, 60)  # plain rows, reasons, claimed totals, unreadable cells
    out = tmp_path / "rich.jsonl"
    main(["batch", str(SET), str(rows), "-o", str(out), "--explain"])
    err = capsys.readouterr().err
    results = list(kpiscore.score_many(SET, rows))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == [json.dumps(r.to_dict(), ensure_ascii=False) for r in results]
    named = [r for r in results if not r.complete or r.discrepancies]
    assert any(r.discrepancies for r in named) and len(named) < len(results)
    shown = [line for line in err.splitlines() if line.startswith("第 ")]
    assert shown == [_batch._problem_line(r, "zh") for r in named][: len(shown)]
    assert len(shown) == min(len(named), MAX_SHOWN_PROBLEMS)


def test_a_row_that_claims_nothing_differs_in_nothing_without_building_its_detail():
    iset = kpiscore.load(SET)
    values = {"budget": 100, "spent": 90, "output_quantity": 10, "completion_time": 30}
    values |= {"cost_control": "100%", "satisfaction": "95%", "output_quality": "达成"}
    benefits = ("economic_benefit", "social_benefit", "ecological_benefit", "sustainability")
    values |= dict.fromkeys(benefits, "达成")
    [plain] = kpiscore.score_many(iset, [{"values": values}])
    assert not _batch._differs(plain) and "indicators" not in plain.__dict__
    [claims] = kpiscore.score_many(iset, [{"values": values, "claimed": {"总分": 90}}])
    assert _batch._differs(claims) and claims.discrepancies


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_drawn_on_a_terminal_and_cleared_and_silent_elsewhere(monkeypatch):
    clock = iter(range(0, 1000))
    monkeypatch.setattr(_batch.time, "monotonic", lambda: float(next(clock)))
    tty = _Tty()
    p = _batch.Progress("zh", expected=10, stream=tty)
    for _ in range(4):
        p.step()
    shown = tty.getvalue()
    assert "已计分 4 行" in shown and "约剩" in shown
    p.clear()
    assert tty.getvalue().endswith("\r\x1b[K")
    log = io.StringIO()
    quiet = _batch.Progress("en", expected=10, stream=log)
    for _ in range(4):
        quiet.step()
    quiet.clear()
    assert log.getvalue() == ""


def test_expected_rows_counts_a_csv_and_a_folder(tmp_path):
    rows = tmp_path / "rows.csv"
    _rows_csv(rows, 12)
    assert _batch.expected_rows(str(rows)) == 12
    (tmp_path / "d").mkdir()
    for i in range(3):
        (tmp_path / "d" / f"{i}.yaml").write_text("values: {}\n", encoding="utf-8")
    assert _batch.expected_rows(str(tmp_path / "d")) == 3
    assert _batch.expected_rows(str(tmp_path / "missing.csv")) is None


def test_a_worker_line_is_the_line_this_process_writes():
    iset = kpiscore.load(SET)
    opts = _batch.Options(".csv", _batch.columns_for(iset), False, "zh", False)
    row = (3, "甲", {"subject": {"name": "甲"}, "values": {"budget": "10", "spent": "9"}}, None)
    _batch._start_worker(str(SET), opts)
    [from_worker] = _batch._score_chunk([row])
    here = _batch.line_for(kpiscore._api.score_row(iset, row, strict=False, lang="zh"), opts)
    assert from_worker == here
    assert from_worker.text.startswith("3,甲,") and from_worker.problem.startswith("第 3 行（甲）")


@pytest.mark.parametrize(
    ("suffix", "explain"), [(".csv", False), (".xlsx", False), (".jsonl", False), (".jsonl", True)]
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_claimed_score_that_differs_is_written_and_told_without_the_detail(suffix, explain, lang):
    """A table's cells, a .jsonl line (its discrepancy worded with the explanation of
    kpiscore's score, --explain or not) and the problem line name each claim that
    differs: the line is the general path's, and the row's detail is never built."""
    from kpiscore._evaluate import score_data

    iset = kpiscore.load("mof-project-2020")
    opts = _batch.Options(suffix, _batch.columns_for(iset), False, lang, explain)
    values = {
        **{"budget": 100, "spent": 90, "output_quantity": 12, "completion_time": 29},
        **{"cost_control": "1.07", "satisfaction": "0.93", "social_benefit": "部分达成"},
        **dict.fromkeys(("output_quality", "economic_benefit", "ecological_benefit"), "达成"),
        "sustainability": "达成",
    }  # every value plain: 97.00, 预算执行率 9.00
    rows = [
        {"subject": {"name": f"项目{k}"}, "values": values, "claimed": claimed}
        for k, claimed in enumerate(
            [
                {"总分": "97.00"},  # kpiscore's own total
                {"总分": "99", "预算执行率": "10"},  # both differ
                {"output_quantity": "20.00", "total": 50},
                {"总分": "97", "社会效益": "9"},  # past 部分达成's band [6, 8]: differs
            ]
        )
    ]
    general = [score_data(iset, row, lang=lang, row=k + 1) for k, row in enumerate(rows)]
    fast = list(kpiscore.score_many(iset, rows, lang=lang))
    fast_lines = [_batch.line_for(r, opts) for r in fast]
    assert fast_lines == [_batch.line_for(g, opts) for g in general]
    assert [line.problem is None for line in fast_lines] == [True, False, False, False]
    assert "_values" in fast[1].__dict__  # each row took the fast path
    assert all("_full" not in r.__dict__ for r in fast[1:])  # the first checks the cells
