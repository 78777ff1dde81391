"""The Python surface integrators build on: pickling for process pools."""

import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest
from tests.conftest import ROOT

import kpiscore

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

    generated()


def test_the_command_line_prints_the_result_schema(capsys):
    import json

    from kpiscore.cli import main

    assert main(["schema", "--result"]) == 0
    assert json.loads(capsys.readouterr().out) == kpiscore.result_schema()
