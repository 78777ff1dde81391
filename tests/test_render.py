"""Every renderer on every shipped set, against reviewed golden files.

A change in wording or layout shows up here as a diff a person can read. To
accept an intended change, rerun with KPISCORE_UPDATE_GOLDEN=1 and review the
diff of tests/golden/ before committing it.
"""

import os
import re
from decimal import Decimal

import pytest
from tests.conftest import ROOT, make_set

import kpiscore
from kpiscore._render import html, markdown, text, xlsx
from kpiscore._render import json as json_render
from kpiscore.cli import main
from kpiscore.testing import assert_invariants

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("KPISCORE_UPDATE_GOLDEN") == "1"

CASES = {
    "panyu-department": (
        "examples/panyu-2022/department-set.yaml",
        "examples/panyu-2022/department.yaml",
    ),
    "panyu-project": ("indicator_sets/mof-project-2020.yaml", "examples/panyu-2022/project.yaml"),
    "mof-project-2020": (
        "indicator_sets/mof-project-2020.yaml",
        "examples/quickstart/project.yaml",
    ),
    "mof-project-2021": (
        "indicator_sets/mof-project-2021.yaml",
        "examples/quickstart/project-2021.yaml",
    ),
    "mof-department-2013": (
        "indicator_sets/mof-department-2013.yaml",
        "examples/quickstart/department.yaml",
    ),
}


def xlsx_cells(result, lang, tmp_path):
    """The workbook as text, numbers marked, so a golden file can hold it."""
    import openpyxl

    path = tmp_path / "r.xlsx"
    xlsx.report(result, str(path), lang)
    lines = []
    for ws in openpyxl.load_workbook(path).worksheets:
        lines.append(f"== {ws.title}")
        for row in ws.iter_rows(values_only=True):
            lines.append(
                "\t".join(
                    "" if v is None else (f"#{v}" if not isinstance(v, str) else v) for v in row
                )
            )
    return "\n".join(lines) + "\n"


RENDERERS = {
    "txt": lambda r, lang, _: text.render(r, lang),
    "md": lambda r, lang, _: markdown.render(r, lang),
    "json": lambda r, lang, _: json_render.render(r, lang),
    "html": lambda r, lang, _: html.render(r, lang),
    "xlsx.tsv": xlsx_cells,
}
PARAMS = [
    (case, fmt, lang)
    for case in CASES
    for fmt in RENDERERS
    for lang in ("zh", "en")
    if lang == "zh" or fmt in ("txt", "json")
]


@pytest.mark.parametrize(("case", "fmt", "lang"), PARAMS, ids=["-".join(p) for p in PARAMS])
def test_renderer_output_matches_its_golden_file(case, fmt, lang, tmp_path):
    set_path, data_path = CASES[case]
    result = kpiscore.score(ROOT / set_path, ROOT / data_path, lang=lang)
    got = RENDERERS[fmt](result, lang, tmp_path)
    golden = GOLDEN / f"{case}.{lang}.{fmt}"
    if UPDATE or not golden.exists():
        golden.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {golden.name} was missing and has been written: review it")
    assert got == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_punctuates_in_its_own_language(case, lang):
    """A Chinese line never puts an ASCII colon after Chinese words; an English one
    never names an indicator in full-width brackets, by its id first, or separates with ：."""
    set_path, data_path = CASES[case]
    result = kpiscore.score(ROOT / set_path, ROOT / data_path, lang=lang)
    for fmt in ("txt", "md"):
        for line in RENDERERS[fmt](result, lang, None).splitlines():
            if lang == "zh":
                assert not re.search(r"[\u4e00-\u9fff）*]: ", line), line
            else:
                ids = "|".join(re.escape(i.id) for i in result.indicators)
                assert not re.search(rf"（(?:{ids})）|）：", line), line
                assert not re.match(rf"- (?:{ids}) ", line), line  # "name (id)", not "id name"


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_shipped_example_scores_complete_and_explained(case):
    set_path, data_path = CASES[case]
    iset = kpiscore.load(ROOT / set_path)
    result = kpiscore.score(iset, ROOT / data_path)
    assert result.complete and result.grade
    assert all(i.status != "missing_data" and i.explanation for i in result.indicators)
    assert_invariants(iset, result)


HOSTILE_SUBJECT = '=HYPERLINK("http://evil","点我")'


def _hostile_result():
    iset = kpiscore.loads(
        make_set("  - {id: a, category: main, name: '甲|乙', weight: 100, target: '>= 10 个'}\n")
    )
    return kpiscore.score(
        iset,
        {
            "subject": {"name": HOSTILE_SUBJECT + "\n# 标题"},
            "values": {"a": 8},
            "reasons": {"a": "<script>alert(1)</script> | 换行\n- 列表"},
        },
    )


def test_markdown_keeps_data_from_breaking_the_table_or_becoming_html():
    md = markdown.render(_hostile_result())
    assert "<script>" not in md
    assert "&lt;script>" in md
    assert "甲\\|乙" in md
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| "))
    form_rows = lines[start + 2 : lines.index("", start)]  # the 自评表, up to its end
    assert form_rows and all(line.count(" | ") == 7 for line in form_rows)
    assert "\n# 标题" not in md


def test_html_escapes_everything_from_the_data():
    page = html.render(_hostile_result())
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_spreadsheets_never_see_a_formula_from_the_data(tmp_path):
    import openpyxl

    result = _hostile_result()
    path = tmp_path / "r.xlsx"
    xlsx.report(result, str(path))
    cells = [
        c for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True) for c in row
    ]
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "-", "@")) for c in cells)
    assert Decimal("80") in [Decimal(str(c)) for c in cells if isinstance(c, (int, float))]


def test_batch_csv_prefixes_cells_a_spreadsheet_would_run(tmp_path):
    (tmp_path / "set.yaml").write_text(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        encoding="utf-8",
    )
    (tmp_path / "rows.csv").write_text(
        'subject,a\n"=1+2",12\n+cmd,5\n@SUM(A1),10\n-2,10\n普通,10\n', encoding="utf-8"
    )
    out = tmp_path / "o.csv"
    assert (
        main(["batch", str(tmp_path / "set.yaml"), str(tmp_path / "rows.csv"), "-o", str(out)]) == 0
    )
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    subjects = [line.split(",")[1].strip('"') for line in lines[1:]]
    assert subjects == ["'=1+2", "'+cmd", "'@SUM(A1)", "'-2", "普通"]
    assert lines[2].split(",")[2] == "50.00"


def test_every_format_puts_incomplete_beside_the_total(tmp_path):
    import openpyxl

    from kpiscore._render import html, markdown, text, xlsx

    iset = kpiscore.load("mof-project-2020")
    result = kpiscore.score(iset, {"values": {"budget": 100, "spent": 90}})
    assert not result.complete
    total_line = next(ln for ln in text.render(result, "zh").splitlines() if ln.startswith("总分"))
    assert "（数据不完整）" in total_line
    assert "（数据不完整）" in next(
        ln for ln in markdown.render(result, "zh").splitlines() if "总分" in ln
    )
    assert "数据不完整" in html.render(result, "zh")
    xlsx.report(result, str(tmp_path / "r.xlsx"), "zh")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    [row] = [r for r in ws.iter_rows(values_only=True) if r[0] == "总分"]
    assert any(isinstance(c, str) and "（数据不完整）" in c for c in row)
