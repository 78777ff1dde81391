import time

import pytest
import yaml as _pyyaml

from kpiscore import ConfigError, check, load
from kpiscore._yaml import YamlRefused, parse, read_source


def codes(text: str) -> list[str]:
    return [i.code for i in check(text)]


def test_plain_scalars_are_read_by_kpiscore_rules_not_yaml_1_1():
    doc, issues = parse(
        "a: 010\nb: 1:30\nc: 2022-01-01\nd: 1_000\ne: 1e3\nf: 1104.87\ng: ~\nh: true\n"
    )
    assert issues == []
    assert doc.data["a"] == "010" and doc.data["b"] == "1:30" and doc.data["c"] == "2022-01-01"
    assert doc.data["d"] == "1_000"
    assert str(doc.data["e"]) == "1E+3" and str(doc.data["f"]) == "1104.87"
    assert doc.data["g"] is None and doc.data["h"] is True


def test_duplicate_key_names_both_lines():
    doc, issues = parse("a: 1\nb: 2\na: 3\n")
    assert [i.code for i in issues] == ["duplicate_key"]
    assert issues[0].message == "键 'a' 重复：第 1 行已经写过，第 3 行又写了一次；请删掉其中一个"
    assert doc.data["a"] == 1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a: &x 1\nb: *x\n", "alias_refused"),
        ("a: {x: 1}\nb:\n  <<: {x: 2}\n", "merge_key_refused"),
        ("a: !!python/object:os.system x\n", "tag_refused"),
        ("a: !custom 1\n", "tag_refused"),
        ("? [a, b]\n: 1\n", "complex_key"),
        ("a: [1\n", "yaml_syntax"),
        ("a: 1\n---\nb: 2\n", "yaml_syntax"),
    ],
)
def test_refused_constructs(text, code):
    with pytest.raises(YamlRefused) as info:
        parse(text)
    assert info.value.issues[-1].code == code


def test_billion_laughs_is_refused_at_the_first_anchor():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    start = time.perf_counter()
    assert codes(bomb) == ["alias_refused"]
    assert time.perf_counter() - start < 1


def test_deep_nesting_is_refused_quickly_without_recursion_error():
    start = time.perf_counter()
    assert codes("a: " + "[" * 100_000 + "]" * 100_000 + "\n") == ["too_deep"]
    assert codes("a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n") == ["too_deep"]
    assert time.perf_counter() - start < 1


def test_norway_boolean_asks_for_quotes():
    issues = check("kpiscore: 1\nid: t\nname: NO\ncategories: []\nindicators: []\n")
    first = issues[0]
    assert first.code == "ambiguous_boolean"
    assert (
        first.message
        == "'NO' 在 YAML 里可能被读成“是/否”：如果是文字，请加引号写成 \"NO\"；如果表示是/否，请写 true 或 false"
    )
    assert (first.line, first.column) == (3, 7)


def test_nul_bytes_and_size_are_refused_before_parsing(tmp_path):
    with pytest.raises(YamlRefused) as info:
        read_source("a: 1\n\x00\n")
    assert info.value.issues[0].code == "nul_byte"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * 2_000_000 + b"\n")
    with pytest.raises(ConfigError) as err:
        load(big)
    assert err.value.issues[0].code == "file_too_large"


def test_wrong_encoding_is_named(tmp_path):
    p = tmp_path / "gbk.yaml"
    p.write_bytes("name: 预算执行率\n".encode("gbk"))
    assert codes(str(p)) == ["file_gbk"]


def test_missing_file_is_an_issue_not_an_exception():
    issues = check("does/not/exist.yaml")
    assert [i.code for i in issues] == ["file_not_found"]


def test_a_gbk_file_is_named_as_gbk_with_the_fix(tmp_path):
    from kpiscore import check

    path = tmp_path / "set.yaml"
    path.write_bytes("kpiscore: 1\nid: t\nname: 测试\n".encode("gbk"))
    [issue] = check(path)
    assert issue.code == "file_gbk" and "另存为 UTF-8" in issue.message
    path.write_bytes(b"kpiscore: 1\nname: \xff\xff\n")
    assert [i.code for i in check(path)] == ["not_utf8"]


LOADERS = [
    pytest.param(getattr(_pyyaml, "CSafeLoader", None), id="libyaml"),
    pytest.param(_pyyaml.SafeLoader, id="python"),
]
SLIPS = [
    ("a:\n\tb: 1\n", "不能用 Tab 缩进"),
    ("indicators:\n  - id: a\n\t  weight: 1\n", "不能用 Tab 缩进"),
    ("description: >-\n  一行\n\t两行\n", "不能用 Tab 缩进"),  # a folded text's tab is a tab
    ("description: |\n\t一行\n", "不能用 Tab 缩进"),
    ("target: >= 90%\n", "以 > 或 < 开头的目标要加引号"),
    ("indicators:\n  - {id: a, target: >= 90%}\n", "以 > 或 < 开头的目标要加引号"),
    ("name: a: b\n", "这里不能出现“: ”"),
    ("a: [1, 2\n", "方括号 [ 没有闭合"),
    ("a: {b: 1\n", "花括号 { 没有闭合"),
    ("a: 'abc\n", "引号或括号没有闭合"),
    ("a:\n  b: 1\n c: 2\n", "缩进"),
    ("a: @x\n", "以 @ 开头的文字要加引号"),
]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(("text", "words"), SLIPS)
def test_yaml_slips_are_worded_in_chinese_by_either_parser(monkeypatch, loader, text, words):
    import re as _re

    from kpiscore import _yaml as module

    if loader is None:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(module, "_Loader", loader)
    issues = check(text)
    assert issues, text
    assert words in issues[0].message, issues[0].message
    english = issues[0].message.replace("target", "").replace("YAML", "")
    assert not _re.search(r"[A-Za-z]{4,}", english), issues[0].message
