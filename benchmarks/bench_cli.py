"""How long does the command line take to start, against Python doing nothing?

Runs ``python -c pass``, ``kpiscore --help`` and ``kpiscore score`` on the
Panyu example, each ``--repeat`` times in fresh processes, in the same run,
and prints the median times and their ratio to ``python -c pass``. Byte code
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "panyu-2022"
SCORE = [
    "-m",
    "kpiscore",
    "score",
    str(EXAMPLE / "department-set.yaml"),
    str(EXAMPLE / "department.yaml"),
]
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "python -c pass": (["-c", "pass"], {}),
    "kpiscore --help": (["-m", "kpiscore", "--help"], {}),
    "kpiscore score (Panyu)": (SCORE, {}),
    "kpiscore score (Panyu, no set cache)": (SCORE, {"KPISCORE_CACHE": "off"}),
}


def timed(args: list[str], repeat: int, extra: dict[str, str], cache: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "KPISCORE_CACHE_DIR": cache, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)
        if i:  # the first run compiles and caches byte code
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(repeat: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as cache:
        out = {
            name: round(timed(args, repeat, extra, cache) * 1000, 1)
            for name, (args, extra) in COMMANDS.items()
        }
    base = out["python -c pass"]
    return {name: {"ms": ms, "ratio": round(ms / base, 1)} for name, ms in out.items()}


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
