"""How long does the command line take to start, against Python doing nothing?

Runs ``kpiscore --help`` and ``kpiscore score`` on the Panyu example in fresh
processes, each run paired with a ``python -c pass`` just before it
(``_timing.paired``), ``--repeat`` pairs each, and prints the median times and
the median of the pairs' ratios. Byte code
is allowed to be cached (as in any installed package): the first run of each
warms it and is not counted. That first run also puts the set in the command
line's set cache (a temporary folder here), as an officer's first run of the
day would; the last line times the same command with the cache turned off.

    python benchmarks/bench_cli.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import median_of, paired  # noqa: E402

EXAMPLE = ROOT / "examples" / "panyu-2022"
SCORE = [
    "-m",
    "kpiscore",
    "score",
    str(EXAMPLE / "department-set.yaml"),
    str(EXAMPLE / "department.yaml"),
]
BARE = ["-c", "pass"]
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "python -c pass": (BARE, {}),
    "kpiscore --help": (["-m", "kpiscore", "--help"], {}),
    "kpiscore score (Panyu)": (SCORE, {}),
    "kpiscore score (Panyu, no set cache)": (SCORE, {"KPISCORE_CACHE": "off"}),
}


def command(args: list[str], extra: dict[str, str], cache: str) -> Callable[[], object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "KPISCORE_CACHE_DIR": cache, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return lambda: subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)


def run(repeat: int = 5) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        bare = command(BARE, {}, cache)
        bare()
        for name, (args, extra) in COMMANDS.items():
            if args == BARE:
                seconds, _ = median_of(repeat, bare)
                out[name] = {"ms": round(seconds * 1000, 1), "ratio": 1.0}
                continue
            fn = command(args, extra, cache)
            fn()  # the first run compiles and caches byte code (and puts the set in the cache)
            timed = paired(repeat, bare, fn)
            out[name] = {"ms": round(timed.seconds * 1000, 1), "ratio": round(timed.ratio, 1)}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    out = run(args.repeat)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    for name, row in out.items():
        print(f"  {name:<38} {row['ms']:>7} ms  = {row['ratio']}× python -c pass")


if __name__ == "__main__":
    main()
