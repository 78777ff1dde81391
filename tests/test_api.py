"""The Python surface integrators build on: pickling for process pools, score() in a loop."""

import pickle
import re
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import ROOT
from tests.test_fast import (
    EXAMPLES,
    FAST_RULES,
    PHASES,
    PLAIN_SET,
    assert_score_is_general,
    plain_rows,
    specs,
    to_yaml,
)

import kpiscore
from kpiscore._evaluate import score_data

PANYU = ROOT / "examples" / "panyu-2022"


@pytest.mark.parametrize("name", kpiscore.shipped_sets())
def test_every_shipped_set_pickles_and_scores_the_same_after(name):
    iset = kpiscore.load(name)
    again = pickle.loads(pickle.dumps(iset))
    assert again.digest == iset.digest and dict(again.inputs or {}) == dict(iset.inputs or {})
    data = {"values": {}}
    assert kpiscore.score(again, data).to_dict() == kpiscore.score(iset, data).to_dict()


def test_results_row_errors_issues_and_errors_pickle_intact():
    iset = kpiscore.load(PANYU / "department-set.yaml")
    result = kpiscore.score(iset, PANYU / "department.yaml")
    assert pickle.loads(pickle.dumps(result)) == result
    [bad] = kpiscore.score_many(iset, [42])
    assert pickle.loads(pickle.dumps(bad)) == bad
    with pytest.raises(kpiscore.ConfigError) as config:
        kpiscore.loads("kpiscore: 2\nid: x\n")
    with pytest.raises(kpiscore.DataError) as data:
        kpiscore.score(iset, {"values": {}}, strict=True)
    for exc in (config.value, data.value, kpiscore.FormulaError("x", formula="a/b", code="c")):
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is type(exc) and str(again) == str(exc)
        assert getattr(again, "issues", None) == getattr(exc, "issues", None)


def _total(args):
    iset, path = args
    return kpiscore.score(iset, path).total


def test_a_loaded_set_scores_in_a_process_pool():
    iset = kpiscore.load(PANYU / "department-set.yaml")
    with ProcessPoolExecutor(max_workers=2) as pool:
        totals = list(pool.map(_total, [(iset, PANYU / "department.yaml")] * 2))
    assert totals == [kpiscore.score(iset, PANYU / "department.yaml").total] * 2


def test_an_unknown_language_is_a_value_error_naming_both():
    with pytest.raises(ValueError, match="'zh' or 'en'"):
        kpiscore.load("mof-project-2020", lang="fr")  # type: ignore[arg-type]


def test_the_command_line_says_its_version(capsys):
    from kpiscore.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kpiscore {kpiscore.__version__}"


def test_every_result_validates_against_the_result_schema():
    import json

    import jsonschema
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from tests.strategies import data_for, specs, to_yaml

    schema = kpiscore.result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "tests" / "golden").glob("*.json")):
        validator.validate(json.loads(path.read_text(encoding="utf-8")))

    @settings(max_examples=60)
    @given(st.data())
    def generated(data):  # complete, incomplete, n/a, claimed, invalid_data, batch rows
        spec = data.draw(specs())
        values, claimed, manual = data.draw(data_for(spec))
        rows = [{"values": values, "claimed": claimed, "manual": manual}]
        for result in kpiscore.score_many(kpiscore.loads(to_yaml(spec)), rows):
            d = json.loads(result.to_json())
            assert d["schema_version"] == "1"
            validator.validate(d)
            validator.validate(json.loads(result.to_json(steps=True)))

    generated()


def test_the_command_line_prints_the_result_schema(capsys):
    import json

    from kpiscore.cli import main

    assert main(["schema", "--result"]) == 0
    assert json.loads(capsys.readouterr().out) == kpiscore.result_schema()


@pytest.mark.parametrize("name", kpiscore.shipped_sets())
def test_a_sets_mapping_loads_back_to_the_same_set(name):
    iset = kpiscore.load(name)
    again = kpiscore.load(iset.to_dict())
    assert again.digest == iset.digest
    data = {"values": {"budget": 100, "spent": 90}}
    assert kpiscore.score(again, data).to_dict() == kpiscore.score(iset, data).to_dict()


def test_an_edited_mapping_is_checked_again_and_changes_the_digest():
    import dataclasses

    iset = kpiscore.load("mof-project-2020")
    edited = iset.to_dict()
    edited["categories"][0]["weight"] = 20
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load(edited)
    issue = info.value.issues[0]
    assert issue.code == "weights_do_not_add_up" and issue.json_path == "$.categories[0].weight"
    assert issue.line is None and "<text>" not in str(info.value)
    renamed = iset.to_dict()
    renamed["name"] = "另一个名称"
    assert kpiscore.load(renamed).digest != iset.digest
    with pytest.raises(TypeError, match="to_dict"):
        dataclasses.replace(iset, name="x")


def test_a_mapping_built_from_a_dataframe_loads_its_numpy_numbers_as_written():
    np = pytest.importorskip("numpy")
    iset = kpiscore.load("mof-project-2020")
    edited = iset.to_dict()
    edited["indicators"][0]["weight"] = np.float64(edited["indicators"][0]["weight"])
    edited["precision"] = np.int64(2)
    edited["indicators"][1]["core"] = np.bool_(False)
    again = kpiscore.load(edited)
    assert again.indicators[0].weight == iset.indicators[0].weight
    assert again.precision == 2 and again.indicators[1].core is False


def test_a_value_no_yaml_could_hold_is_named_where_it_is():
    import datetime

    edited = kpiscore.load("mof-project-2020").to_dict()
    edited["indicators"][2]["weight"] = datetime.date(2024, 1, 1)
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load(edited)
    issue = info.value.issues[0]
    assert issue.code == "not_a_mapping_value"
    assert issue.json_path == "$.indicators[2].weight" and issue.message.endswith("这里是 date")
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load(edited, lang="en")
    assert info.value.issues[0].message.endswith(", not date")
    edited["indicators"][2]["weight"] = float("nan")
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load(edited)
    assert info.value.issues[0].code == "not_finite"


def test_load_never_reads_a_string_as_yaml_text_and_loads_does():
    text = "kpiscore: 1\nid: t\nname: t\ncategories:\n  - {id: m, name: 主, weight: 100}\nindicators:\n  - {id: a, category: m, name: 甲, weight: 100, target: '>= 1'}\n"
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load(text)
    assert info.value.issues[0].code == "looks_like_text" and "loads" in str(info.value)
    assert kpiscore.loads(text).id == "t"
    assert (
        kpiscore.loads(
            '{"kpiscore": 1, "id": "j", "name": "j", "categories": [{"id": "m", "name": "主", "weight": 100}], "indicators": [{"id": "a", "category": "m", "name": "甲", "weight": 100, "target": ">= 1"}]}'
        ).id
        == "j"
    )


def test_a_file_named_like_a_shipped_set_is_not_used_silently(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mof-project-2020").write_text("kpiscore: 1\n", encoding="utf-8")
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load("mof-project-2020")
    assert info.value.issues[0].code == "ambiguous_set" and "./mof-project-2020" in str(info.value)
    assert [i.code for i in kpiscore.check("./mof-project-2020")] != []  # the file, by path


def test_check_never_raises_for_what_it_cannot_read(tmp_path):
    assert [i.code for i in kpiscore.check(tmp_path)] == ["cannot_read"]
    assert [i.code for i in kpiscore.check(tmp_path / "nope.yaml")] == ["file_not_found"]
    assert kpiscore.check({"kpiscore": 1, "id": "x"})  # a mapping: issues, not an exception
    locked = tmp_path / "locked.yaml"
    locked.write_text("kpiscore: 1\n", encoding="utf-8")
    locked.chmod(0)
    try:
        issues = kpiscore.check(locked)
    finally:
        locked.chmod(0o644)
    assert issues  # root reads it anyway; anyone else gets cannot_read


def test_score_takes_a_flat_row_too():
    iset = kpiscore.load("mof-project-2020")
    flat = {"项目名称": "甲", "budget": 100, "执行数": 90, "reason:预算执行率": "年底集中支付"}
    r = kpiscore.score(iset, flat)
    rate = r.indicator("execution_rate")
    assert r.subject["name"] == "甲" and rate.score == 9 and rate.reason == "年底集中支付"


def test_a_pandas_row_scores_as_its_flat_mapping_does():
    pd = pytest.importorskip("pandas")
    iset = kpiscore.load("mof-project-2020")
    rows = [
        {"项目名称": "甲", "budget": 100, "spent": 90.5, "output_quality": "达成"},
        {"项目名称": "乙", "budget": 100, "spent": float("nan"), "output_quality": "未达成"},
    ]
    frame = pd.DataFrame(rows)
    series = [row for _, row in frame.iterrows()]  # mixed columns: object cells, numpy floats
    for flat, row in zip(rows, series, strict=True):
        assert kpiscore.score(iset, row).to_json() == kpiscore.score(iset, flat).to_json()
    from_series = [r.to_json() for r in kpiscore.score_many(iset, series)]
    assert from_series == [r.to_json() for r in kpiscore.score_many(iset, rows)]
    assert kpiscore.score(iset, frame.loc[1]).indicator("execution_rate").status == "missing_data"


@pytest.mark.parametrize(
    ("data", "zh", "en"),
    [
        ([1, 2], "实际是一个列表", "found a list"),
        (5, "实际是数字 5", "found the number 5"),
        (None, "实际是空值", "found nothing"),
        (b"x", "实际是bytes 类型的值", "found a value of type bytes"),
    ],
)
def test_data_that_is_not_a_mapping_is_named_by_what_it_is(data, zh, en):
    iset = kpiscore.load("mof-project-2020")
    for lang, words in (("zh", zh), ("en", en)):
        with pytest.raises(kpiscore.DataError) as info:
            kpiscore.score(iset, data, lang=lang)
        assert info.value.issues[0].code == "data_not_mapping" and words in str(info.value)


def test_a_set_lists_every_value_it_reads_also_without_inputs():
    iset = kpiscore.loads(
        "kpiscore: 1\nid: t\nname: t\ncategories:\n  - {id: m, name: 主, weight: 100}\n"
        "indicators:\n"
        "  - {id: rate, category: m, name: 执行率, weight: 50, actual: spent / budget, target: '>= 100%'}\n"
        "  - {id: n, category: m, name: 数量, weight: 50, target: '>= 10 个', applies: 'active == 1'}\n"
        "checks:\n  - {name: 合计, assert: 'a + b == spent'}\n"
    )
    assert iset.values_read() == ("a", "active", "b", "budget", "n", "spent")
    assert kpiscore.Indicator is type(iset.indicators[0]) and kpiscore.Target is type(
        iset.indicators[0].target
    )


def test_the_same_data_gives_the_same_json_from_a_file_or_a_mapping(tmp_path):
    iset = kpiscore.load("mof-project-2020")
    (tmp_path / "d.yaml").write_text(
        "subject: {name: 甲, year: 2022}\nvalues: {budget: 100, spent: 90.5, satisfaction: '95%'}\n",
        encoding="utf-8",
    )
    mapping = {
        "subject": {"name": "甲", "year": 2022},
        "values": {"budget": 100, "spent": 90.5, "satisfaction": "95%"},
    }
    from_file = kpiscore.score(iset, tmp_path / "d.yaml").to_json()
    assert from_file == kpiscore.score(iset, mapping).to_json()


def test_a_misspelt_section_is_named_not_taken_for_a_flat_row():
    iset = kpiscore.load("mof-project-2020")
    with pytest.raises(kpiscore.DataError) as info:
        kpiscore.score(iset, {"valeus": {"budget": 1}})
    assert info.value.issues[0].code == "data_unknown_key" and "'values'" in str(info.value)
    [row] = kpiscore.score_many(iset, [{"valeus": {"budget": 1}}])
    assert not row.ok and "'values'" in row.message


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(st.data())
def test_score_of_a_plain_subject_is_the_general_result_built_on_first_read(data):
    spec = data.draw(specs(FAST_RULES))
    iset = kpiscore.loads(to_yaml(spec))
    values, row, plain = data.draw(plain_rows(spec, iset.formula_names()))
    lang = data.draw(st.sampled_from(["zh", "en"]))
    got = kpiscore.score(iset, row, lang=lang)
    # A loop of score() costs what score_many does only if a plain subject is never
    # scored in full before a caller reads its detail.
    assert ("indicators" in got.__dict__) != plain, values
    general = score_data(iset, row, lang=lang)
    assert got.to_json() == general.to_json()
    assert got.to_dict(steps=True) == general.to_dict(steps=True)
    assert got == general


def test_score_keeps_a_plain_subject_as_given_not_as_changed_later():
    iset = kpiscore.loads(PLAIN_SET)
    values = {"q": D(8), "t": "45", "s": "部分达成", "c": 120}
    data = {"subject": {"name": "甲"}, "values": values}
    got = kpiscore.score(iset, data)
    assert "indicators" not in got.__dict__
    values["q"] = D(2)
    data["subject"]["name"] = "乙"
    as_given = {"subject": {"name": "甲"}, "values": {**values, "q": D(8)}}
    assert got == score_data(iset, as_given)
    assert got.indicator("q").score == D(24) and got.subject["name"] == "甲"


def test_score_never_takes_the_fast_path_under_strict_or_for_a_problem(tmp_path):
    iset = kpiscore.loads(PLAIN_SET)
    plain = {"values": {"q": D(8), "t": "45", "s": "部分达成", "c": 120}}
    assert "indicators" not in kpiscore.score(iset, plain).__dict__
    assert "indicators" in kpiscore.score(iset, plain, strict=True).__dict__
    (tmp_path / "d.yaml").write_text(
        "values: {q: 8, t: 45, s: 部分达成, c: 一百二}\n", encoding="utf-8"
    )
    bad = kpiscore.score(iset, tmp_path / "d.yaml")
    assert "indicators" in bad.__dict__  # the general path: it names the cell
    assert "一百二" in (bad.indicator("c").problem or "")


_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**16), 10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["8", "45", "部分达成", "n/a", "95%", "8个", "", " 12 ", "x" * 40]),
    st.text(max_size=6),
)
_JUNK = st.recursive(
    _CELLS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_SECTIONS = ("values", "subject", "reasons", "claimed", "notes", "manual", "indicator_set")


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(
    st.fixed_dictionaries(
        {"values": st.dictionaries(st.sampled_from(["q", "t", "s", "c", "x"]), _CELLS)},
        optional={k: _JUNK for k in _SECTIONS if k != "values"},
    )
)
def test_score_of_any_mapping_is_the_general_result_or_its_error_never_a_traceback(data):
    assert_score_is_general(kpiscore.loads(PLAIN_SET), data)


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (
            lambda: kpiscore.load(b"mof-project-2020"),
            "load() takes a path, a shipped set's id or a mapping, not bytes",
        ),
        (lambda: kpiscore.load(None), "not NoneType"),
        (
            lambda: kpiscore.check(3),
            "check() takes a path, a shipped set's id or a mapping, not int",
        ),
        (lambda: kpiscore.loads(b"kpiscore: 1"), "decode it first"),
        (lambda: kpiscore.loads(["kpiscore: 1"]), "loads() takes the set's text as str, not list"),
    ],
)
def test_a_source_of_the_wrong_kind_is_a_type_error_that_says_what_is_taken(call, said):
    with pytest.raises(TypeError, match=re.escape(said)):
        call()


def test_any_path_like_names_a_set_file():
    class Named:
        def __fspath__(self) -> str:
            return str(ROOT / "indicator_sets" / "mof-project-2020.yaml")

    assert kpiscore.load(Named()).id == "mof-project-2020"


def test_a_numpy_array_where_a_number_belongs_is_named_not_a_traceback():
    np = pytest.importorskip("numpy")
    edited = kpiscore.load("mof-project-2020").to_dict()
    edited["indicators"][0]["weight"] = np.array([1.0, 2.0])
    with pytest.raises(kpiscore.ConfigError) as info:
        kpiscore.load(edited)
    issue = info.value.issues[0]
    assert issue.json_path == "$.indicators[0].weight" and "ndarray" in issue.message
