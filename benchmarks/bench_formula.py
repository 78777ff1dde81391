"""What a user's formula costs per row, and what parsing once saves.

Evaluates one formula from a shipped set over N rows three ways, in the same
run: plain Python (the expression compiled once by ``compile`` and run by
``eval`` on Decimals, the unsafe floor), kpiscore's compiled formula (parsed
and checked once at load, evaluated per row), and simpleeval re-parsing the
text every row (what kpiscore avoids). Prints each as a ratio to the floor.

    python benchmarks/bench_formula.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from simpleeval import SimpleEval  # noqa: E402

from kpiscore._formula import Evaluator, compile_formula  # noqa: E402

FORMULA = "weight - min(weight, abs(actual) * 100 * 0.5)"  # mof-department-2013 预算调整率


def rows(n: int) -> list[dict[str, Decimal]]:
    rnd = random.Random(7)
    return [
        {"weight": Decimal(5), "actual": Decimal(rnd.randint(-3000, 3000)) / 100000}
        for _ in range(n)
    ]


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=20000)
    n = p.parse_args().rows
    data = rows(n)
    # Python would read 0.5 as a float; the floor gets the same Decimal constant.
    code = compile(FORMULA.replace("0.5", "half"), "<formula>", "eval")
    env = {"min": min, "abs": abs, "half": Decimal("0.5"), "__builtins__": {}}
    floor = timed(lambda: [eval(code, env, row) for row in data])

    compiled = compile_formula(FORMULA)
    ev = Evaluator({})

    def kpiscore_rows() -> list[object]:
        out = []
        for row in data:
            ev.set_names(row)
            out.append(ev.run(compiled))
        return out

    ours = timed(kpiscore_rows)
    engine = SimpleEval(functions={"min": min, "abs": abs}, names={"half": Decimal("0.5")})

    def reparse_rows() -> list[object]:
        out = []
        for row in data:
            engine.names = {**row, "half": Decimal("0.5")}
            out.append(engine.eval(FORMULA.replace("0.5", "half")))
        return out

    reparse = timed(reparse_rows)
    assert kpiscore_rows() == [eval(code, env, row) for row in data]
    print(f"{n} rows of: {FORMULA}")
    print(f"  plain Python eval (unsafe floor)   {floor * 1000:8.1f} ms")
    print(
        f"  kpiscore, parsed once at load      {ours * 1000:8.1f} ms  = {ours / floor:.1f}× floor"
    )
    print(
        f"  simpleeval re-parsing every row    {reparse * 1000:8.1f} ms  = {reparse / floor:.1f}× floor"
    )


if __name__ == "__main__":
    main()
