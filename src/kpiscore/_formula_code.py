"""A checked formula tree as one generated Python function.

A formula runs on every row, often several times a row (a band's conditions, a
rule over the row's names). Nested closures cost a Python call per node on top
of the operator's own; one function whose body is the whole expression calls
only the operators. The operators and functions are kpiscore's own checked ones
(``_formula._OPERATORS``/``_FUNCTION_IMPLS``: numbers only, the 1e30 cap, the
same failures), so the generated function computes what the closures and
simpleeval compute — ``tests/test_formula.py`` holds the two equal on
generated formulas and rows, values and failures alike.

The source is kpiscore's: every name in it is made up here (``n``, ``c0``,
``k0``, ``o0``, ``t0`` …); each constant, name and operator of the formula
reaches the function as a bound value in its namespace, never as text, and it
runs with no builtins. A tree the allowlist let through is at most
``MAX_NODES`` nodes and ``MAX_DEPTH`` deep, so its source is small; any node
kind not known here leaves the formula to simpleeval.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from ._codegen import code_of

Compiled = Callable[[Mapping[str, Any]], Any]


class _Unknown(Exception):
    """A node kind with no generated form: simpleeval runs the formula."""


def generated(
    node: ast.expr,
    operators: Mapping[type, Callable[..., Any]],
    functions: Mapping[str, Callable[..., Any]],
    missing: Callable[[str], NoReturn],
) -> Compiled | None:
    """The function for ``node``, or None when some node has no generated form."""
    writer = _Writer(operators, functions)
    try:
        body = writer.expr(node)
    except _Unknown:
        return None
    namespace: dict[str, Any] = {"__builtins__": {}, "_missing": missing, **writer.bound}
    source = f"def formula(n):\n    return {body}\n"
    try:
        code = code_of(source, "<kpiscore formula>")
    except (SyntaxError, RecursionError, MemoryError):  # pragma: no cover - trees are capped
        return None
    exec(code, namespace)
    made: Compiled = namespace["formula"]
    return made


class _Writer:
    """Writes one expression's source, binding what it refers to under made-up names."""

    def __init__(
        self,
        operators: Mapping[type, Callable[..., Any]],
        functions: Mapping[str, Callable[..., Any]],
    ):
        self.operators = operators
        self.functions = functions
        self.bound: dict[str, Any] = {}
        self.temps = 0

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.bound)}"
        self.bound[name] = value
        return name

    def op(self, op: ast.AST) -> str:
        impl = self.operators.get(type(op))
        if impl is None:
            raise _Unknown
        return self.bind("o", impl)

    def expr(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return self.bind("c", node.value)
        if isinstance(node, ast.Name):
            k = self.bind("k", node.id)
            return f"(n[{k}] if {k} in n else _missing({k}))"
        if isinstance(node, ast.BinOp):
            op = self.op(node.op)
            return f"{op}({self.expr(node.left)}, {self.expr(node.right)})"
        if isinstance(node, ast.UnaryOp):
            op = self.op(node.op)
            return f"{op}({self.expr(node.operand)})"
        if isinstance(node, ast.Compare):
            return self.chain(node)
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            return "(" + joiner.join(self.expr(v) for v in node.values) + ")"
        if isinstance(node, ast.IfExp):
            test, body, orelse = self.expr(node.test), self.expr(node.body), self.expr(node.orelse)
            return f"({body} if {test} else {orelse})"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            impl = self.functions.get(node.func.id)
            if impl is None:
                raise _Unknown
            f = self.bind("f", impl)
            return f"{f}(" + ", ".join(self.expr(a) for a in node.args) + ")"
        raise _Unknown

    def chain(self, node: ast.Compare) -> str:
        """``a < b <= c``: each comparison by kpiscore's operator, a middle operand
        evaluated once, the first false result (or the last) the chain's value."""
        left = self.expr(node.left)
        parts = []
        last = len(node.ops) - 1
        for i, (op, comparator) in enumerate(zip(node.ops, node.comparators, strict=True)):
            impl, right = self.op(op), self.expr(comparator)
            if i < last:  # the next comparison's left operand: kept, not evaluated again
                temp = f"t{self.temps}"
                self.temps += 1
                parts.append(f"{impl}({left}, ({temp} := {right}))")
                left = temp
            else:
                parts.append(f"{impl}({left}, {right})")
        return "(" + " and ".join(parts) + ")"
