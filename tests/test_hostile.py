"""Hostile inputs through the CLI, each in its own process under time and memory limits.

Every case must end with a kpiscore error code on the output (exit 1), never a
traceback, a hang or a crash, and must leave no file behind.
"""

import json
import os
import resource
import subprocess
import sys

import pytest
from tests.conftest import make_set

import kpiscore

HEAD = "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', actual: FORMULA}\n"
LIMIT_BYTES = 100 * 1024 * 1024  # address space of the whole process, interpreter included
WORK_SECONDS = 1.0  # CPU seconds kpiscore may spend on one hostile input, after imports
CPU_SECONDS = 10  # hard kernel limit: a runaway is killed even if the measurement never returns
WALL_SECONDS = 30  # generous: a busy CI machine must not turn a slow start into a failure


def formula_set(formula: str) -> str:
    return make_set(HEAD.replace("FORMULA", formula))


FORMULAS = [
    ("'().__class__.__bases__[0].__subclasses__()'", "formula_forbidden"),
    ("'x.__class__'", "formula_forbidden"),
    ("'\"{0.__class__}\".format(x)'", "formula_forbidden"),
    ("'\"{a}\".format_map(x)'", "formula_forbidden"),
    ("'f\"{x}\"'", "formula_forbidden"),
    ('\'__import__("os").system("touch pwned")\'', "formula_forbidden"),
    ("'open(\"/etc/passwd\")'", "unknown_function"),
    ("'getattr(x, \"y\")'", "unknown_function"),
    ("'eval(\"1\")'", "unknown_function"),
    ("'exec(\"1\")'", "unknown_function"),
    ("'globals()'", "unknown_function"),
    ("'x.upper()'", "formula_forbidden"),
    ("'(1).bit_length()'", "formula_forbidden"),
    ("'x = 1'", "formula_forbidden"),
    ("'x; y'", "formula_forbidden"),
    ("'import os'", "formula_forbidden"),
    ("'lambda: 1'", "formula_forbidden"),
    ("'(x := 1)'", "formula_forbidden"),
    ("'rand()'", "unknown_function"),
    ("'randint(1, 2)'", "unknown_function"),
    ("'ｘ + 1'", "formula_non_ascii_name"),
    ("'раз + 1'", "formula_non_ascii_name"),
    ("'x == \"a\u202eb\"'", "formula_forbidden"),
    ("'9 ** 9 ** 9'", "formula_bad_power"),
    ("'x ** 100000'", "formula_bad_power"),
    ("'\"a\" * 100000000'", "formula_forbidden"),
    ("'\"ab\".ljust(10**9)'", "formula_forbidden"),
    ("'\"%999999999d\" % 1'", "formula_forbidden"),
    ("'f\"{1:>999999999}\"'", "formula_forbidden"),
    ("'[x for x in range(10**9)]'", "formula_forbidden"),
    ("'" + "(" * 1000 + "1" + ")" * 1000 + "'", "formula_too_long"),
    ("'" + "(" * 60 + "1" + ")" * 60 + "'", "formula_too_deep"),
    ("'" + "-" * 900 + "1'", "formula_too_deep"),
    ("'" + "not " * 200 + "x'", "formula_too_deep"),
    ("'" + "+".join(["1"] * 200) + "'", "formula_too_deep"),
    ("'" + "+".join(["1"] * 200_000) + "'", "text_too_long"),
    ("'" + "9" * 5000 + "'", "formula_too_long"),
    ("'1e999999'", "formula_number_too_long"),
    ("'x if y'", "formula_syntax"),
]

YAML_DOCS = [
    (
        "bomb",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
        "alias_refused",
    ),
    (
        "merge",
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1 个'}\n")
        + "x:\n  <<: {a: 1}\n",
        "merge_key_refused",
    ),
    (
        "dupkey",
        "kpiscore: 1\nkpiscore: 1\nid: t\nname: x\ncategories: []\nindicators: []\n",
        "duplicate_key",
    ),
    (
        "dupid",
        make_set(
            "  - {id: a, category: main, name: 甲, weight: 50, target: '>= 1 个'}\n  - {id: a, category: main, name: 乙, weight: 50, target: '>= 1 个'}\n"
        ),
        "duplicate_id",
    ),
    (
        "norway",
        make_set("  - {id: a, category: main, name: NO, weight: 100, target: '>= 1 个'}\n"),
        "ambiguous_boolean",
    ),
    ("yes_formula", formula_set("yes"), "ambiguous_boolean"),
    ("list_formula", formula_set("[1, 2]"), "wrong_type"),
    ("null_formula", formula_set("null"), "formula_null"),
    ("empty_formula", formula_set("''"), "empty_text"),
    (
        "underscore",
        make_set("  - {id: a, category: main, name: 甲, weight: 1_000, target: '>= 1 个'}\n"),
        "wrong_type",
    ),
    (
        "exp",
        make_set("  - {id: a, category: main, name: 甲, weight: 1e3, target: '>= 1 个'}\n"),
        "weights_do_not_add_up",
    ),
    (
        "octal",
        make_set("  - {id: a, category: main, name: 甲, weight: 010, target: '>= 1 个'}\n"),
        "wrong_type",
    ),
    (
        "sexagesimal",
        make_set("  - {id: a, category: main, name: 甲, weight: 1:30, target: '>= 1 个'}\n"),
        "wrong_type",
    ),
    (
        "nan",
        make_set("  - {id: a, category: main, name: 甲, weight: .nan, target: '>= 1 个'}\n"),
        "not_finite",
    ),
    (
        "bool_weight",
        make_set("  - {id: a, category: main, name: 甲, weight: true, target: '>= 1 个'}\n"),
        "wrong_type",
    ),
    ("python_tag", "a: !!python/object/apply:os.system ['touch pwned']\n", "tag_refused"),
    ("deep", "a: " + "[" * 50000 + "]" * 50000 + "\n", "too_deep"),
    ("nul", "a: 1\n\x00\n", "nul_byte"),
    ("hash_cuts", formula_set("spent #/ budget"), "yaml_syntax"),
]


# The CLI runs in a driver that imports kpiscore first and then times only the
# work, so the 1-second budget is about kpiscore and not the interpreter's start.
DRIVER = """
import json, os, resource, sys, time
sys.modules["numpy"] = None  # openpyxl imports numpy when present; OpenBLAS alone needs more than the cap
import kpiscore
import kpiscore.cli
fd = int(sys.argv[1])
start = time.process_time()
try:
    code = kpiscore.cli.main(sys.argv[2:])
finally:
    used = {"cpu": time.process_time() - start,
            "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    os.write(fd, json.dumps(used).encode())
sys.exit(code)
"""
MEASURED: dict[str, dict[str, float]] = {}


def run_cli(args, tmp_path):
    """Run ``kpiscore ARGS`` under a 100 MB address-space cap and a 1 s CPU budget."""

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))

    before = set(os.listdir(tmp_path))
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, str(write_end), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=WALL_SECONDS,
            preexec_fn=limits,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as fh:
            report = fh.read()
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert "MemoryError" not in proc.stderr
    assert set(os.listdir(tmp_path)) == before, "a hostile input created a file"
    used = json.loads(report)
    MEASURED[os.environ.get("PYTEST_CURRENT_TEST", " ".join(args))] = used
    assert used["cpu"] < WORK_SECONDS, f"kpiscore worked {used['cpu']:.2f} s on a hostile input"
    return proc


@pytest.mark.parametrize(("formula", "code"), FORMULAS, ids=[f"f{i}" for i in range(len(FORMULAS))])
def test_hostile_formula(formula, code, tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text(formula_set(formula), encoding="utf-8")
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1
    assert f"[{code}]" in proc.stdout


@pytest.mark.parametrize(("name", "doc", "code"), YAML_DOCS, ids=[d[0] for d in YAML_DOCS])
def test_hostile_yaml(name, doc, code, tmp_path):
    (tmp_path / "set.yaml").write_text(doc, encoding="utf-8")
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1
    assert f"[{code}]" in proc.stdout


def test_fifty_megabyte_file_is_refused_without_reading_it(tmp_path):
    with open(tmp_path / "set.yaml", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1 and "[file_too_large]" in proc.stdout


SET = make_set(
    "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个', actual: x / y}\n"
)
DATA = [
    ("nan", "values: {x: .nan, y: 1}\n", "不是有限的数字"),
    ("inf", "values: {x: .inf, y: 1}\n", "不是有限的数字"),
    ("huge", "values: {x: 1e400, y: 1}\n", "超出范围"),
    ("digits", "values: {x: " + "9" * 5000 + ", y: 1}\n", "超出范围"),
    ("text", "values: {x: abc, y: 1}\n", "需要数字"),
    ("mapping", "values: {x: {a: 1}, y: 1}\n", "这里应是数字"),
    ("zero", "values: {x: 1, y: 0}\n", "除数为 0"),
    ("megabyte", "values: {x: '" + "a" * 1_000_000 + "', y: 1}\n", "超过上限"),
    ("list", "values: {x: [1, 2], y: 1}\n", "这里应是数字"),
    ("json_nan", None, "JSON"),
]


@pytest.mark.parametrize(("name", "data", "expect"), DATA, ids=[d[0] for d in DATA])
def test_hostile_data_is_reported_per_indicator(name, data, expect, tmp_path):
    (tmp_path / "set.yaml").write_text(SET, encoding="utf-8")
    if data is None:
        (tmp_path / "d.json").write_text('{"values": {"x": NaN, "y": 1}}', encoding="utf-8")
        proc = run_cli(["score", "set.yaml", "d.json"], tmp_path)
        assert proc.returncode == 1 and expect in proc.stderr
        return
    (tmp_path / "d.yaml").write_text(data, encoding="utf-8")
    proc = run_cli(["score", "set.yaml", "d.yaml", "--format", "json"], tmp_path)
    assert proc.returncode == 0
    assert expect in proc.stdout
    assert '"status": "invalid_data"' in proc.stdout


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("bom", "\ufeffsubject,a\n甲,12\n".encode()),
        ("gbk", "subject,a\n甲,12\n".encode("gbk")),
        ("ragged", "subject,a\n甲,12,13\n乙,20\n".encode()),
        ("nul", b"subject,a\n\x00,1\n"),
    ],
)
def test_hostile_csv(name, raw, tmp_path):
    (tmp_path / "set.yaml").write_text(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        encoding="utf-8",
    )
    (tmp_path / "rows.csv").write_bytes(raw)
    os.mkdir(tmp_path / "out")
    proc = run_cli(["batch", "set.yaml", "rows.csv", "-o", "out/o.jsonl"], tmp_path)
    if name == "bom":
        assert proc.returncode == 0
        assert '"total": "100.00"' in (tmp_path / "out" / "o.jsonl").read_text(encoding="utf-8")
    elif name == "ragged":
        assert proc.returncode == 1 and "第 2 行" in proc.stderr
        assert '"total": "100.00"' in (tmp_path / "out" / "o.jsonl").read_text(encoding="utf-8")
    else:
        code = {"gbk": "csv_gbk", "nul": "nul_byte"}[name]
        assert proc.returncode == 1 and f"[{code}]" in proc.stderr


def _one_indicator_set(tmp_path):
    (tmp_path / "set.yaml").write_text(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        encoding="utf-8",
    )
    os.mkdir(tmp_path / "out")


def test_a_csv_line_of_millions_of_cells_is_skipped_and_named_the_rest_scored(tmp_path):
    _one_indicator_set(tmp_path)
    with open(tmp_path / "rows.csv", "w", encoding="utf-8") as fh:
        fh.write("subject,a\n甲,12\n")
        fh.write("," * 5_000_000 + "\n")
        fh.write("乙,20\n")
    proc = run_cli(["batch", "set.yaml", "rows.csv", "-o", "out/o.jsonl"], tmp_path)
    assert proc.returncode == 1 and "第 3 行" in proc.stderr and "超过" in proc.stderr
    lines = (tmp_path / "out" / "o.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[0].count('"total": "100.00"') == 1
    assert '"total": "100.00"' in lines[2]


def test_an_oversized_csv_is_refused_before_reading_and_leaves_no_output(tmp_path):
    _one_indicator_set(tmp_path)
    with open(tmp_path / "rows.csv", "wb") as fh:
        fh.write(b"subject,a\n")
        fh.truncate(70 * 1024 * 1024)
    proc = run_cli(["batch", "set.yaml", "rows.csv", "-o", "out/o.csv"], tmp_path)
    assert proc.returncode == 1 and "[file_too_large]" in proc.stderr
    assert "67108864" in proc.stderr
    assert os.listdir(tmp_path / "out") == []


def test_a_csv_with_a_bad_byte_far_down_is_refused_before_any_row_is_written(tmp_path):
    _one_indicator_set(tmp_path)
    with open(tmp_path / "rows.csv", "wb") as fh:
        fh.write(b"subject,a\n" + "甲,12\n".encode() * 20_000 + b"\xff\xfe,1\n")
    proc = run_cli(["batch", "set.yaml", "rows.csv", "-o", "out/o.csv"], tmp_path)
    assert proc.returncode == 1 and "UTF-8" in proc.stderr
    assert os.listdir(tmp_path / "out") == []


EVIL = "'x.__class__'"
PLACES = {
    "applies": make_set(
        f"  - {{id: a, category: main, name: 甲, weight: 100, target: '>= 1', applies: {EVIL}}}\n"
    ),
    "band_when": make_set(
        "  - {id: a, category: main, name: 甲, weight: 100, rule: bands,\n"
        f"     bands: [{{when: {EVIL}, score: 100}}, {{score: 0}}]}}\n"
    ),
    "band_score": make_set(
        "  - {id: a, category: main, name: 甲, weight: 100, rule: bands,\n"
        f"     bands: [{{when: 'x > 1', score: {EVIL}}}, {{score: 0}}]}}\n"
    ),
    "deduct_count": make_set(
        f"  - {{id: a, category: main, name: 甲, weight: 100, rule: deduct, per: 1, count: {EVIL}}}\n"
    ),
    "reason_required": make_set(
        f"  - {{id: a, category: main, name: 甲, weight: 100, target: '>= 1', reason_required: {EVIL}}}\n"
    ),
    "check": make_set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1'}\n",
        extra=f"checks: [{{name: 检查, assert: {EVIL}}}]\n",
    ),
    "penalty": make_set(
        "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1'}\n",
        extra=f"penalties: [{{name: 违规, when: {EVIL}, deduct: 10}}]\n",
    ),
}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_hostile_formula_is_refused_wherever_it_is_written(place, tmp_path):
    (tmp_path / "set.yaml").write_text(PLACES[place], encoding="utf-8")
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1 and "[formula_forbidden]" in proc.stdout


@pytest.mark.parametrize(
    "template", ["{actual.__class__}", "{actual[0]}", "{actual:>999999999}", "{0}", "{actual!r}"]
)
def test_explain_templates_cannot_reach_attributes_or_format_widths(template, tmp_path):
    (tmp_path / "set.yaml").write_text(
        make_set(
            f"  - {{id: a, category: main, name: 甲, weight: 100, target: '>= 1', explain: '{template}'}}\n"
        ),
        encoding="utf-8",
    )
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1 and "[bad_template]" in proc.stdout


def test_a_set_with_hundreds_of_thousands_of_values_stops_at_the_cap(tmp_path):
    # Under the 1 MB file cap: 300,000 two-byte values, far more than any real set holds.
    filler = "description_list: [" + "1," * 300_000 + "]\n"
    rows = "  - {id: a, category: main, name: 甲, weight: 100, target: '>= 1'}\n"
    (tmp_path / "set.yaml").write_text(filler + make_set(rows), encoding="utf-8")
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1 and "[too_many_values]" in proc.stdout


def test_a_set_of_two_thousand_indicators_loads_and_scores():
    rows = "".join(
        f"  - {{id: i{i:04d}, category: main, name: 指标{i}, weight: 0.05, target: '>= 10个'}}\n"
        for i in range(2000)
    )
    iset = kpiscore.loads(make_set(rows))
    result = kpiscore.score(iset, {"values": {f"i{i:04d}": "10个" for i in range(2000)}})
    assert len(iset.indicators) == 2000 and result.total == 100 and result.complete


def test_thousands_of_misspelt_names_give_a_hundred_messages_not_a_hang(tmp_path):
    n = 1500
    inputs = "".join(f"  in_{i:05d}: {{name: 输入{i}}}\n" for i in range(n))
    rows = "".join(
        f"  - {{id: i{i:05d}, category: main, name: 指标{i}, weight: 0.01, actual: in_{i:05d}x + 1, target: '>= 1'}}\n"
        for i in range(n)
    )
    (tmp_path / "set.yaml").write_text(make_set(rows, extra="inputs:\n" + inputs), encoding="utf-8")
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1 and "[too_many_issues]" in proc.stdout
    assert proc.stdout.count("[unknown_name]") <= 100
    assert "是不是 'in_00000'" in proc.stdout


def test_an_excel_zip_bomb_is_refused_unopened(tmp_path):
    import zipfile

    _one_indicator_set(tmp_path)
    with zipfile.ZipFile(tmp_path / "rows.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    proc = run_cli(["batch", "set.yaml", "rows.xlsx", "-o", "out/o.csv"], tmp_path)
    assert proc.returncode == 1 and "[file_too_large]" in proc.stderr
    assert os.listdir(tmp_path / "out") == []


def test_a_broken_workbook_is_named_not_crashed(tmp_path):
    import zipfile

    _one_indicator_set(tmp_path)
    with zipfile.ZipFile(tmp_path / "rows.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<not really>")
        zf.writestr(
            "xl/workbook.xml", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>"
        )
    proc = run_cli(["batch", "set.yaml", "rows.xlsx", "-o", "out/o.csv"], tmp_path)
    assert proc.returncode == 1 and "[bad_xlsx]" in proc.stderr


def test_escape_sequences_in_a_set_are_refused(tmp_path):
    (tmp_path / "set.yaml").write_text(
        make_set("  - {id: a, category: main, name: \"甲\\e[2J\", weight: 100, target: '>= 1'}\n"),
        encoding="utf-8",
    )
    proc = run_cli(["check", "set.yaml"], tmp_path)
    assert proc.returncode == 1 and "[unsafe_text]" in proc.stdout
    assert "\x1b" not in proc.stdout


def test_escape_sequences_in_data_never_reach_the_terminal(tmp_path):
    (tmp_path / "set.yaml").write_text(
        make_set("  - {id: a, category: main, name: 甲, weight: 100, target: '>= 10 个'}\n"),
        encoding="utf-8",
    )
    (tmp_path / "d.yaml").write_text(
        'subject: {name: "x\\e[2J\\u202e"}\nvalues: {a: "5\\e[31m"}\nreasons: {a: "r\\e]0;t\\a"}\n',
        encoding="utf-8",
    )
    (tmp_path / "rows.csv").write_text("subject,a\n\x1b[2J甲,1,2\n", encoding="utf-8")
    os.mkdir(tmp_path / "out")
    for args in (
        ["score", "set.yaml", "d.yaml"],
        ["batch", "set.yaml", "rows.csv", "-o", "out/o.csv"],
    ):
        proc = run_cli(args, tmp_path)
        assert "\x1b" not in proc.stdout + proc.stderr and "\u202e" not in proc.stdout
    proc = run_cli(["score", "set.yaml", "d.yaml"], tmp_path)
    assert "控制字符" in proc.stdout
