"""The command line's cache of validated sets: faster, never different, never trusting
a file someone else could have written."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT, make_set

import kpiscore
from kpiscore import _setcache
from kpiscore.errors import ConfigError

PANYU = ROOT / "examples" / "panyu-2022"
QUICK = ROOT / "examples" / "quickstart"
SET_A = make_set(
    "  - {id: a, name: 甲, category: main, weight: 100, rule: ratio, target: '>= 10'}\n"
)
SET_B = make_set(
    "  - {id: a, name: 甲, category: main, weight: 100, rule: ratio, target: '>= 20'}\n"
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("KPISCORE_CACHE_DIR", str(where))
    monkeypatch.delenv("KPISCORE_CACHE", raising=False)
    return where


def _pickles(where: Path) -> list[Path]:
    return sorted(where.glob("*.pickle")) if where.exists() else []


def _score(iset: kpiscore.IndicatorSet, target: str = "a") -> str:
    return kpiscore.score(iset, {"values": {target: 8}}).to_json(steps=True)


def test_a_cached_set_scores_and_dumps_exactly_as_a_freshly_loaded_one(cache: Path) -> None:
    for set_path, data in [
        (PANYU / "department-set.yaml", PANYU / "department.yaml"),
        *((p, None) for p in sorted((ROOT / "indicator_sets").glob("*.yaml"))),
    ]:
        fresh = kpiscore.load(set_path)
        first = _setcache.load(set_path, "zh")  # compiled, then written
        again = _setcache.load(set_path, "zh")  # read back
        assert again is not first
        assert again.to_dict() == fresh.to_dict()
        assert (again.id, again.digest, again.file) == (fresh.id, fresh.digest, fresh.file)
        if data is not None:
            assert kpiscore.score(again, data).to_json(steps=True) == kpiscore.score(
                fresh, data
            ).to_json(steps=True)
    assert len(_pickles(cache)) == 1 + len(list((ROOT / "indicator_sets").glob("*.yaml")))


def test_cache_files_and_folder_are_private(cache: Path) -> None:
    _setcache.load(PANYU / "department-set.yaml", "zh")
    (found,) = _pickles(cache)
    assert found.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o077 == 0


def test_an_edited_set_is_compiled_again(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SET_A, encoding="utf-8")
    assert '"score": "80.00"' in _score(_setcache.load(path, "zh"))
    path.write_text(SET_B, encoding="utf-8")
    assert '"score": "40.00"' in _score(_setcache.load(path, "zh"))
    assert len(_pickles(cache)) == 2


def _plant(cache: Path, key_of: Path, other: kpiscore.IndicatorSet) -> Path:
    """Write a different set under the key ``key_of``'s text would be read from."""
    text = key_of.read_text(encoding="utf-8")
    key = _setcache._key(text, str(key_of), "zh")
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = cache / f"{key}.pickle"
    target.write_bytes(pickle.dumps((_setcache.FORMAT, key, other)))
    target.chmod(0o600)
    return target


def test_only_a_file_nobody_else_can_write_is_trusted(cache: Path, tmp_path: Path) -> None:
    path, other = tmp_path / "s.yaml", tmp_path / "o.yaml"
    path.write_text(SET_A, encoding="utf-8")
    other.write_text(SET_B, encoding="utf-8")
    planted = _plant(cache, path, kpiscore.load(other))
    # Private: read as it is (this is what makes the next assertions mean something).
    assert '"score": "40.00"' in _score(_setcache.load(path, "zh"))
    planted.chmod(0o620)  # group-writable: someone else could have put it there
    assert '"score": "80.00"' in _score(_setcache.load(path, "zh"))
    _plant(cache, path, kpiscore.load(other))
    cache.chmod(0o770)  # a folder others can write to: nothing in it is trusted
    try:
        assert '"score": "80.00"' in _score(_setcache.load(path, "zh"))
    finally:
        cache.chmod(0o700)


def test_a_damaged_or_foreign_cache_file_is_replaced(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SET_A, encoding="utf-8")
    _setcache.load(path, "zh")
    (found,) = _pickles(cache)
    for junk in (b"\x80\x05not a pickle", pickle.dumps({"a": 1}), pickle.dumps((1, "x", None))):
        found.write_bytes(junk)
        assert '"score": "80.00"' in _score(_setcache.load(path, "zh"))
        assert found.read_bytes() != junk


def test_turned_off_or_unwritable_the_set_still_loads(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SET_A, encoding="utf-8")
    monkeypatch.setenv("KPISCORE_CACHE", "off")
    assert '"score": "80.00"' in _score(_setcache.load(path, "zh"))
    assert not cache.exists()
    monkeypatch.delenv("KPISCORE_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KPISCORE_CACHE_DIR", str(blocker / "cache"))  # under a file
    assert '"score": "80.00"' in _score(_setcache.load(path, "zh"))


def test_a_set_with_errors_is_refused_every_time_and_never_cached(
    cache: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SET_A.replace("ratio", "ratoi"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError) as refused:
            _setcache.load(path, "zh")
        assert "bad.yaml" in str(refused.value) and "ratio" in str(refused.value)
    assert _pickles(cache) == []


def test_shipped_ids_and_missing_files_take_the_loaders_own_path(cache: Path) -> None:
    assert _setcache.load("mof-project-2020", "zh").id == "mof-project-2020"
    with pytest.raises(ConfigError):
        _setcache.load("no/such/set.yaml", "zh")
    assert _pickles(cache) == []


def test_the_cache_keeps_at_most_max_files(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_setcache, "MAX_FILES", 3)
    for n in range(5):
        path = tmp_path / f"s{n}.yaml"
        path.write_text(SET_A, encoding="utf-8")
        _setcache.load(path, "zh")
    assert len(_pickles(cache)) == 3


def test_a_cached_run_never_imports_the_compiler(cache: Path) -> None:
    code = (
        "import sys\nfrom kpiscore import _setcache\n"
        f"s = _setcache.load({str(PANYU / 'department-set.yaml')!r}, 'zh')\n"
        "print('kpiscore._compile' in sys.modules, s.id)"
    )
    env = {**os.environ, "KPISCORE_CACHE_DIR": str(cache)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["True", "panyu-investment-2022"], ["False", "panyu-investment-2022"]]


def test_the_command_line_uses_the_cache_and_check_does_not(cache: Path) -> None:
    from kpiscore.cli import main

    shipped = ROOT / "indicator_sets" / "mof-project-2020.yaml"
    assert main(["check", str(shipped)]) == 0
    assert _pickles(cache) == []
    assert main(["score", str(shipped), str(QUICK / "project.yaml")]) == 0
    assert len(_pickles(cache)) == 1
