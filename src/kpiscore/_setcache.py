"""The command line's cache of validated sets: a set file's text → its compiled form.

Compiling a set - every indicator checked, every formula parsed and turned
into code - costs a few milliseconds for a small set and ≈ 0.1 s for one of
2,000 indicators, on every run, for a file that has not changed since the last
one (and a set the plain reader leaves to pydantic also pays for importing it).
The command line keeps each set it loads, pickled, in the user's cache folder,
keyed by the file's text and name, the language, and kpiscore's own code; the
next run unpickles it and never imports the compiler. ``kpiscore.load()`` never
caches: a library writes nothing behind an integrator's back.

A pickle is code read from disk, as a ``.pyc`` is, so a cache file is read only
when it and its folder belong to the user and nobody else can write to them.
Anything unexpected (no home, a read-only disk, a damaged file) means the set is
loaded as if there were no cache: the cache can make a run faster, never wrong.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path

from . import _yaml
from ._messages import Lang
from .compiled import IndicatorSet

FORMAT = 1
MAX_FILES = 64  # distinct set versions kept; the oldest go first
_MAX_PICKLE = 64 * 1_048_576  # a 2,000-indicator set pickles to a few MB


def folder() -> Path | None:
    """Where sets are kept: $KPISCORE_CACHE_DIR, else the user's cache folder; None
    when turned off (KPISCORE_CACHE=off) or where a file's owner cannot be checked."""
    if os.environ.get("KPISCORE_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
        return None
    if not hasattr(os, "geteuid"):
        return None
    given = os.environ.get("KPISCORE_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "kpiscore" / "sets"


def load(source: str | Path, lang: Lang) -> IndicatorSet:
    """``kpiscore.load(source)``, from the cache when this exact text was loaded before."""
    from . import _api

    where = folder()
    if (
        where is None
        or not isinstance(source, (str, Path))
        or (isinstance(source, str) and _yaml.SHIPPED_ID.match(source))
        or not os.path.isfile(source)
    ):
        return _api.load(source, lang=lang)  # a shipped set's id, a folder, a missing file
    try:
        text, name = _yaml.read_source(source, lang)
    except _yaml.YamlRefused:
        return _api.load(source, lang=lang)  # its error names the file and the problem
    key = _key(text, name, lang)
    found = _read(where / f"{key}.pickle", key)
    if found is not None:
        return found
    from . import _compile

    iset = _compile.loads_named(text, lang, name)
    _write(where, key, iset)
    return iset


def _key(text: str, name: str | None, lang: Lang) -> str:
    h = hashlib.sha256()
    for part in (str(FORMAT), _code_fingerprint(), lang, name or "", text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """kpiscore's version, Python's, and every module file's size and time: a set
    compiled by other code (an upgrade, an edited checkout) is compiled again."""
    parts = [sys.version, getattr(sys.modules.get("kpiscore"), "__version__", "")]
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def _private(st: os.stat_result) -> bool:
    """Owned by this user, and nobody else may write to it."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path, key: str) -> IndicatorSet | None:
    try:
        if not _private(os.stat(path.parent)):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            st = os.fstat(fh.fileno())
            if not (stat.S_ISREG(st.st_mode) and _private(st)) or st.st_size > _MAX_PICKLE:
                return None
            blob = fh.read()
        except OSError:
            return None
    try:
        payload = pickle.loads(blob)
    except Exception:  # a damaged or foreign file: compile again and overwrite it
        return None
    if not (type(payload) is tuple and len(payload) == 3 and payload[:2] == (FORMAT, key)):
        return None
    iset = payload[2]
    return iset if isinstance(iset, IndicatorSet) else None


def _write(where: Path, key: str, iset: IndicatorSet) -> None:
    import tempfile  # with shutil and the compressors: only when a set is written

    tmp: str | None = None
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(where)):
            return
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((FORMAT, key, iset), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where / f"{key}.pickle")
        tmp = None
        _prune(where)
    except (OSError, pickle.PicklingError, RecursionError):
        pass
    finally:
        if tmp is not None:
            _remove(tmp)


def _prune(where: Path) -> None:
    kept: list[tuple[int, str]] = []
    for entry in os.scandir(where):
        if entry.name.endswith(".pickle"):
            kept.append((entry.stat().st_mtime_ns, entry.path))
    for _, path in sorted(kept)[:-MAX_FILES]:
        _remove(path)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
