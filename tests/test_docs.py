"""The officers' guide: every example in it loads and scores as the text says."""

import re

from tests.conftest import ROOT

import kpiscore
from kpiscore import _yaml
from kpiscore.testing import assert_invariants

GUIDE = ROOT / "docs" / "指标体系编写指南.md"


def _pairs():
    """Each set in the guide with the data block that follows it."""
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    pairs, current = [], None
    for block in blocks:
        if block.startswith("kpiscore: 1"):
            current = block
            pairs.append([block, None])
        else:
            assert current is not None, "a data block before any set"
            pairs[-1][1] = block
    return pairs


def test_every_set_in_the_guide_loads_and_its_data_scores_complete():
    pairs = _pairs()
    assert len(pairs) == 4 and all(data for _, data in pairs)
    for set_text, data_text in pairs:
        iset = kpiscore.loads(set_text)
        result = kpiscore.score(iset, _read(data_text))
        assert result.complete, [i.explanation for i in result.indicators if i.status != "scored"]
        assert_invariants(iset, result)


def _read(text):
    """Data read the way kpiscore reads a file: numbers exact, no YAML surprises."""
    doc, _ = _yaml.parse(text, "guide")
    return doc.data


def test_the_rules_demo_scores_what_the_table_says():
    set_text, data_text = _pairs()[1]
    r = kpiscore.score(kpiscore.loads(set_text), _read(data_text))
    scores = {i.id: str(i.score) for i in r.indicators}
    assert scores == {
        "count": "9.00",  # 18/20 × 10
        "days": "8.57",  # 3/3.5 × 10
        "rate": "10.00",  # within ±2 points of 100%
        "done": "10.00",
        "effect": "7.00",  # 部分达成 at 70%
        "cost": "6.00",  # 12% over: the ±15% band
        "staff": "5.00",  # 104.55%: 5 points over, 1 each
        "basic_info": "7.00",
        "innovation": "8.00",
        "training": "8.00",  # min(10, 4 × 2)
    }


def test_the_consistency_check_in_the_guide_reports_the_seed_difference():
    set_text, data_text = _pairs()[2]
    r = kpiscore.score(kpiscore.loads(set_text), _read(data_text))
    [check] = [c for c in r.checks if not c.passed]
    assert str(check.difference) == "-0.01"


def test_the_invalid_data_example_in_the_guide_and_readme_is_what_kpiscore_says():
    iset = kpiscore.loads(
        "kpiscore: 1\nid: t\nname: t\ncategories:\n  - {id: main, name: 主, weight: 100}\n"
        "indicators:\n  - {id: a, category: main, name: 甲, weight: 100, target: '>= 90'}\n"
    )
    r = kpiscore.score(iset, {"values": {"a": "95%"}})
    assert r.indicators[0].status == "invalid_data"
    [warning] = [w for w in r.warnings if w.startswith("甲（a）")]
    for doc in (GUIDE, ROOT / "README.md"):
        assert warning in doc.read_text(encoding="utf-8"), doc.name


def test_the_deadline_example_in_the_guide_scores_as_the_text_says():
    set_text, data_text = _pairs()[3]
    r = kpiscore.score(kpiscore.loads(set_text), _read(data_text))
    assert {i.id: str(i.score) for i in r.indicators} == {
        "start": "5.00",
        "finish": "6.00",  # two months late, 2 a month
        "payment": "5.00",
    }


def _codes_markdown() -> str:
    """docs/codes.md from the message catalogue, section by section, in catalogue order."""
    import os

    from kpiscore import _messages

    source = (ROOT / "src" / "kpiscore" / "_messages.py").read_text(encoding="utf-8")
    start = source.index("_CATALOGUE")
    end = source.index("\n}\n", start)
    out = [
        "# 代码表 / Codes",
        "",
        "Every `code` kpiscore puts on an issue (`kpiscore check`, `ConfigError.issues`,",
        "`DataError.issues`) or on a result's warning (`{code, message, indicator}` in",
        '`Result.to_dict()["warnings"]`), with its wording in both languages. Tools branch',
        "on the code; the words may change. `{name}` marks what the message fills in.",
        "Generated from `src/kpiscore/_messages.py` (tests/test_docs.py keeps it current).",
        "",
        "Statuses of an indicator: `scored`, `not_applicable`, `missing_data` (no value given),",
        "`invalid_data` (a value was given but cannot be read as written).",
    ]
    for line in source[start:end].splitlines():
        header = re.match(r"\s*# --- (.*?) -+", line)
        if header:
            out += ["", f"## {header.group(1)}", "", "| code | 中文 | English |", "|---|---|---|"]
        code = re.match(r'\s*"([a-z0-9_]+)": \(', line)
        if code:
            zh, en = _messages._CATALOGUE[code.group(1)]
            cell = lambda t: t.replace("|", "\\|").replace("\n", " ")  # noqa: E731
            out.append(f"| `{code.group(1)}` | {cell(zh)} | {cell(en)} |")
    text = "\n".join(out) + "\n"
    if os.environ.get("KPISCORE_UPDATE_GOLDEN"):
        (ROOT / "docs" / "codes.md").write_text(text, encoding="utf-8")
    return text


def test_the_code_table_lists_every_code_with_its_words():
    from kpiscore import _messages

    expected = _codes_markdown()
    text = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert text == expected, "docs/codes.md is stale: rerun with KPISCORE_UPDATE_GOLDEN=1"
    for code in _messages.known_codes():
        assert f"`{code}`" in text, code


def test_the_guide_documents_every_template_variable_and_no_other():
    from kpiscore._render._report import context

    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("### Word 模板中可以用的变量") :]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    result = kpiscore.score("mof-project-2020", ROOT / "examples" / "panyu-2022" / "project.yaml")
    ctx = context(result)
    assert documented == set(ctx)
    row = next(line for line in section.splitlines() if line.startswith("| `indicators` |"))
    assert set(re.findall(r"`(\w+)`", row)) - {"indicators"} == set(ctx["indicators"][0])
