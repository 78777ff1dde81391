"""Formulas: parsed once at load behind an allowlist, evaluated per row.

This is the only module that touches simpleeval. Formulas come from YAML
files that anyone may have written, so before simpleeval ever sees a tree we
check it ourselves: size caps run before parsing (no 200,000-term formula
reaches the parser), the tree is walked iteratively (no recursion on deep
nesting), and only a small set of node kinds, names and functions survives.
Numbers become ``Decimal`` at load; arithmetic accepts numbers only, so
string repetition and ``%`` formatting cannot allocate anything.
"""

from __future__ import annotations

import ast
import functools
import operator
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Decimal,
    DecimalException,
    InvalidOperation,
)
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn

from simpleeval import InvalidExpression, NameNotDefined, SimpleEval

from ._formula_code import generated
from ._messages import Lang

MAX_LENGTH = 1_000
MAX_DEPTH = 40
MAX_NODES = 300
MAX_POWER = 4
MAX_STRING = 40
MAX_NUMBER_DIGITS = 30
MAX_RESULT = Decimal("1e30")

# name -> (min args, max args or None)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "round": (1, 2),
    "sum": (1, None),
    "len": (1, 1),
    "avg": (1, None),
    "clamp": (3, 3),
    "ceil": (1, 1),
    "floor": (1, 1),
}

_COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)

_FORBIDDEN_WORDS: dict[type, tuple[str, str]] = {
    ast.Attribute: ("属性访问（.）", "attribute access (.)"),
    ast.Subscript: ("下标（[ ]）", "subscripts ([ ])"),
    ast.ListComp: ("推导式", "comprehensions"),
    ast.SetComp: ("推导式", "comprehensions"),
    ast.DictComp: ("推导式", "comprehensions"),
    ast.GeneratorExp: ("推导式", "comprehensions"),
    ast.Lambda: ("lambda", "lambda"),
    ast.JoinedStr: ("f-string", "f-strings"),
    ast.FormattedValue: ("f-string", "f-strings"),
    ast.NamedExpr: ("赋值（:=）", "assignment (:=)"),
    ast.Starred: ("星号展开（*）", "unpacking (*)"),
    ast.List: ("列表、元组、字典或集合", "lists, tuples, dicts or sets"),
    ast.Tuple: ("列表、元组、字典或集合", "lists, tuples, dicts or sets"),
    ast.Dict: ("列表、元组、字典或集合", "lists, tuples, dicts or sets"),
    ast.Set: ("列表、元组、字典或集合", "lists, tuples, dicts or sets"),
    ast.Await: ("await", "await"),
    ast.Yield: ("yield", "yield"),
    ast.YieldFrom: ("yield", "yield"),
    ast.Slice: ("切片", "slices"),
}


@dataclass(frozen=True)
class FormulaProblem:
    """A load-time problem with the 0-based character offset inside the formula."""

    code: str
    params: dict[str, Any]
    offset: int = 0
    length: int = 1


class FormulaRejected(Exception):
    def __init__(self, problems: list[FormulaProblem]):
        self.problems = problems
        super().__init__(", ".join(p.code for p in problems))


class EvalFailure(Exception):
    """A formula failed on one row's data. ``code`` keys the message catalogue."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code)


def _pending(names: Mapping[str, Any]) -> Any:  # a sentinel: never called
    raise AssertionError("a formula's function is made by CompiledFormula.function()")


@dataclass(frozen=True, eq=False)
class CompiledFormula:
    """A formula parsed and checked once, at load: its tree and the names and
    functions it uses."""

    source: str
    tree: ast.expr = field(repr=False)
    names: frozenset[str]
    functions: frozenset[str]
    # The checked tree as one generated function over kpiscore's own operators (None:
    # run by simpleeval, the general path). No user text reaches compile(). Generated
    # when the formula first runs, not at load: compile() costs ≈ 50 µs a formula, as
    # much as parsing and checking it, and a set is often loaded to be checked only.
    fn: Callable[[Mapping[str, Any]], Any] | None = field(default=_pending, repr=False)

    def function(self) -> Callable[[Mapping[str, Any]], Any] | None:
        """The generated function, made now if it was not yet (None: simpleeval runs it)."""
        fn = self.fn
        if fn is _pending:  # two threads may both make it: the same function either way
            fn = compiled(self.tree)
            object.__setattr__(self, "fn", fn)
        return fn

    # A generated function does not pickle: a set sent to another process makes it again.
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "fn"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "fn", _pending)

    def evaluate(self, evaluator: Evaluator) -> Any:
        return evaluator.run(self)

    # The same text parses to the same tree: a result's steps compare equal after a
    # round trip through pickle, where the tree is a new object.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompiledFormula) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    @property
    def scales_by_100(self) -> bool:
        """Whether the formula turns a fraction into a percent number (``a / b * 100``)."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.BinOp) and (
                (
                    isinstance(node.op, ast.Mult)
                    and _HUNDRED in (_const(node.left), _const(node.right))
                )
                or (isinstance(node.op, ast.Div) and _const(node.right) == _HUNDREDTH)
            ):
                return True
        return False

    @property
    def bare_name(self) -> str | None:
        """The value's name when the formula is that one name (``actual: rate``)."""
        return self.tree.id if isinstance(self.tree, ast.Name) else None


_HUNDRED = Decimal(100)
_HUNDREDTH = Decimal("0.01")


def _const(node: ast.AST) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _problem(
    code: str, node: ast.AST | None = None, source: str = "", **params: Any
) -> FormulaProblem:
    if node is None or not hasattr(node, "col_offset"):
        return FormulaProblem(code, params)
    # ast offsets are in UTF-8 bytes; turn them into characters.
    first_line = source.split("\n")[0].encode("utf-8")
    start = len(first_line[: node.col_offset].decode("utf-8", "replace"))
    end_b = getattr(node, "end_col_offset", None)
    end = len(first_line[:end_b].decode("utf-8", "replace")) if end_b is not None else start + 1
    if getattr(node, "lineno", 1) != 1:
        start, end = 0, 1
    return FormulaProblem(code, params, start, max(1, end - start))


def _prescan(source: str) -> FormulaProblem | None:
    if len(source) > MAX_LENGTH:
        return FormulaProblem("formula_too_long", {"length": len(source), "limit": MAX_LENGTH})
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(source):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                return FormulaProblem("formula_too_deep", {"limit": MAX_DEPTH}, i)
        elif ch in ")]}":
            depth -= 1
        elif ch in "\x00":
            return FormulaProblem("formula_syntax", {"problem_key": "nul"}, i)
    return None


# Python's parser messages differ between versions, so they are matched by
# their stable start; anything unrecognised falls back to a plain "invalid".
_SYNTAX_ZH = (
    ("unexpected EOF", "公式不完整"),
    ("invalid syntax. Perhaps you forgot a comma", "语法无效（是否缺少运算符或逗号？）"),
    ("invalid syntax. Maybe you meant '=='", "比较是否相等请用 =="),
    ("unterminated", "引号没有闭合"),
    ("EOL while scanning", "引号没有闭合"),
    ("unmatched", "多了右括号"),
    ("closing parenthesis", "括号不匹配"),
    ("unexpected character after line continuation", "公式中不能使用反斜杠 \\"),
    ("leading zeros", "整数不能以 0 开头（如 09），请写 9"),
    ("invalid decimal literal", "数字写法无效（如 1_ 或 1e）"),
    ("invalid hexadecimal literal", "数字写法无效（只能用十进制数字）"),
    ("invalid octal literal", "数字写法无效（只能用十进制数字）"),
    ("invalid binary literal", "数字写法无效（只能用十进制数字）"),
    ("invalid character", "含有无效字符（中文标点或不可见字符？请用英文半角符号）"),
    ("invalid non-printable", "含有无效字符（中文标点或不可见字符？请用英文半角符号）"),
)


def syntax_words(problem: str, lang: Lang) -> str:
    if problem == "nul":
        return "formula contains a NUL character" if lang == "en" else "公式中有 NUL 字符"
    if problem == "number_form":
        if lang == "en":
            return "numbers are plain decimals: no underscores and no 0x/0o/0b prefixes"
        return "数字只能用普通十进制写法，不能有下划线或 0x、0o、0b 前缀"
    if lang == "en":
        return problem
    if problem.endswith("was never closed"):
        return "括号没有闭合"
    for start, words in _SYNTAX_ZH:
        if problem.startswith(start):
            return words
    return "语法无效"


def compile_formula(
    source: str,
    *,
    allowed_names: Iterable[str] | None = None,
    extra_names: Iterable[str] = (),
) -> CompiledFormula:
    """Parse, check and freeze a formula. Raises FormulaRejected with every problem."""
    text = source.strip()
    if not text:
        raise FormulaRejected([FormulaProblem("formula_empty", {})])
    early = _prescan(text)
    if early is not None:
        raise FormulaRejected([early])
    tree = _parse(text)
    allowed = None if allowed_names is None else frozenset(allowed_names) | frozenset(extra_names)
    check = _TreeCheck(text, allowed)
    check.walk(tree.body)
    if check.problems:
        check.problems.sort(key=lambda p: p.offset)
        raise FormulaRejected(check.problems)
    return CompiledFormula(
        source=text,
        tree=tree.body,
        names=frozenset(check.names),
        functions=frozenset(check.funcs),
    )


class _TreeCheck:
    """One formula's tree walked against the allowlist: what it reads and calls, and
    every problem, each at its place in the text."""

    def __init__(self, text: str, allowed: frozenset[str] | None):
        self.text = text
        self.allowed = allowed
        self.problems: list[FormulaProblem] = []
        self.names: set[str] = set()
        self.funcs: set[str] = set()
        self.called: set[int] = set()

    def walk(self, root: ast.AST) -> None:
        """Iteratively (no recursion on deep nesting), refusing past the size caps."""
        count = 0
        stack: list[tuple[ast.AST, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                too_many = {"count": f">{MAX_NODES}", "limit": MAX_NODES}
                raise FormulaRejected([FormulaProblem("formula_too_complex", too_many)])
            if depth > MAX_DEPTH:
                raise FormulaRejected(
                    [_problem("formula_too_deep", node, self.text, limit=MAX_DEPTH)]
                )
            stack.extend((child, depth + 1) for child in self.children(node))

    def children(self, node: ast.AST) -> list[ast.AST]:
        """The node's own problems noted; the nodes under it, to be checked next."""
        text, problems = self.text, self.problems
        if isinstance(node, ast.Constant):
            problem = _check_constant(node, text)
            if problem:
                problems.append(problem)
        elif isinstance(node, ast.Name):
            _check_name(node, text, self.allowed, self.called, problems, self.names)
        elif isinstance(node, ast.BinOp):
            problems.extend(_binop_problems(node, text))
            return [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Invert):
                what = ("位运算（~）", "bitwise ~")
                problems.append(_problem("formula_forbidden", node, text, what=what))
            return [node.operand]
        elif isinstance(node, ast.BoolOp):
            return list(node.values)
        elif isinstance(node, ast.Compare):
            if not all(isinstance(op, _COMPARE_OPS) for op in node.ops):
                what = ("in / is 比较", "in / is comparisons")
                problems.append(_problem("formula_forbidden", node, text, what=what))
            return [node.left, *node.comparators]
        elif isinstance(node, ast.IfExp):
            return [node.test, node.body, node.orelse]
        elif isinstance(node, ast.Call):
            return _check_call(node, text, self.called, problems, self.funcs)
        else:
            word = _FORBIDDEN_WORDS.get(type(node), (type(node).__name__, type(node).__name__))
            problems.append(_problem("formula_forbidden", node, text, what=word))
        return []


def _parse(text: str) -> ast.Expression:
    """The formula's tree, or FormulaRejected in the officer's words (never Python's)."""
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if _is_statement(text):
            raise FormulaRejected(
                [
                    FormulaProblem(
                        "formula_forbidden",
                        {
                            "what": (
                                "语句（赋值、import、分号等）",
                                "statements (assignment, import, ;)",
                            )
                        },
                    )
                ]
            ) from None
        offset = max(0, (exc.offset or 1) - 1) if (exc.lineno or 1) == 1 else 0
        raise FormulaRejected(
            [FormulaProblem("formula_syntax", {"problem_key": exc.msg or "invalid syntax"}, offset)]
        ) from None
    except (ValueError, MemoryError, RecursionError):
        raise FormulaRejected(
            [FormulaProblem("formula_syntax", {"problem_key": "invalid syntax"})]
        ) from None


def _binop_problems(node: ast.BinOp, text: str) -> list[FormulaProblem]:
    """Arithmetic: the four operations and small powers, on numbers (not text)."""
    if not isinstance(node.op, _BIN_OPS):
        what = ("位运算或矩阵运算", "bitwise or matrix operators")
        return [_problem("formula_forbidden", node, text, what=what)]
    if isinstance(node.op, ast.Pow) and not _small_exponent(node.right):
        return [_problem("formula_bad_power", node, text, limit=MAX_POWER)]
    if any(
        isinstance(side, ast.Constant) and isinstance(side.value, str)
        for side in (node.left, node.right)
    ):
        what = ("文字参与算术运算", "arithmetic on text")
        return [_problem("formula_forbidden", node, text, what=what)]
    return []


def _check_name(
    node: ast.Name,
    text: str,
    allowed: frozenset[str] | None,
    called: set[int],
    problems: list[FormulaProblem],
    names: set[str],
) -> None:
    """A name: ASCII, not private, a function only when called, one the set knows."""
    segment = ast.get_source_segment(text, node) or node.id
    if not segment.isascii():
        problems.append(_problem("formula_non_ascii_name", node, text, name=segment))
    elif node.id.startswith("_"):
        problems.append(
            _problem("unknown_name", node, text, name=node.id, choices=sorted(allowed or ()))
        )
    elif id(node) in called:
        pass
    elif node.id in FUNCTIONS:
        problems.append(
            _problem(
                "formula_forbidden",
                node,
                text,
                what=("不带括号的函数名", "a function name without a call"),
            )
        )
    elif allowed is not None and node.id not in allowed:
        problems.append(_problem("unknown_name", node, text, name=node.id, choices=sorted(allowed)))
    else:
        names.add(node.id)


def _check_call(
    node: ast.Call,
    text: str,
    called: set[int],
    problems: list[FormulaProblem],
    funcs: set[str],
) -> list[ast.AST]:
    """A call: one of FUNCTIONS by name, positional arguments in its range; its children."""
    if not isinstance(node.func, ast.Name):
        word = _FORBIDDEN_WORDS.get(type(node.func), ("方法调用", "method calls"))
        problems.append(_problem("formula_forbidden", node.func, text, what=word))
    elif node.func.id not in FUNCTIONS:
        problems.append(
            _problem(
                "unknown_function",
                node.func,
                text,
                name=node.func.id,
                choices=sorted(FUNCTIONS),
            )
        )
        called.add(id(node.func))
    elif node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        problems.append(
            _problem(
                "formula_forbidden",
                node,
                text,
                what=("关键字参数或 * 参数", "keyword or * arguments"),
            )
        )
    else:
        lo, hi = FUNCTIONS[node.func.id]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            expected = str(lo) if hi == lo else (f"{lo}–{hi}" if hi else f"≥{lo}")
            problems.append(
                _problem(
                    "formula_bad_args",
                    node,
                    text,
                    name=node.func.id,
                    expected=expected,
                    found=n,
                )
            )
        funcs.add(node.func.id)
        called.add(id(node.func))
        if node.func.id == "round" and n == 2 and not _small_int(node.args[1], 6):
            problems.append(_problem("formula_bad_places", node.args[1], text, limit=6))
    return [node.func, *node.args]


def _is_statement(text: str) -> bool:
    try:
        ast.parse(text, mode="exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _small_int(node: ast.AST, limit: int) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, Decimal)
        and node.value == node.value.to_integral_value()
        and 0 <= node.value <= limit
    ) or (isinstance(node, ast.Constant) and type(node.value) is int and 0 <= node.value <= limit)


def _small_exponent(node: ast.AST) -> bool:
    return _small_int(node, MAX_POWER)


def _check_constant(node: ast.Constant, text: str) -> FormulaProblem | None:
    value = node.value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        segment = (ast.get_source_segment(text, node) or str(value)).replace("_", "")
        if "_" in (ast.get_source_segment(text, node) or ""):
            return _problem("formula_syntax", node, text, problem_key="number_form")
        digits = sum(ch.isdigit() for ch in segment.split("e")[0].split("E")[0])
        if digits > MAX_NUMBER_DIGITS or len(segment) > MAX_NUMBER_DIGITS + 8:
            return _problem(
                "formula_number_too_long",
                node,
                text,
                value=segment[:20] + "…",
                limit=MAX_NUMBER_DIGITS,
            )
        try:
            dec = Decimal(segment)
        except DecimalException:
            return _problem("formula_syntax", node, text, problem_key="number_form")
        if segment.lower().startswith(("0x", "0o", "0b")):
            return _problem("formula_syntax", node, text, problem_key="number_form")
        if not dec.is_finite() or abs(dec) > MAX_RESULT:
            return _problem(
                "formula_number_too_long", node, text, value=segment[:20], limit=MAX_NUMBER_DIGITS
            )
        node.value = dec  # type: ignore[assignment]  # simpleeval returns Constant.value as is
        return None
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            return _problem(
                "formula_string_too_long", node, text, length=len(value), limit=MAX_STRING
            )
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value):
            return _problem(
                "formula_forbidden",
                node,
                text,
                what=("不可见或控制字符", "invisible or control characters"),
            )
        return None
    return _problem(
        "formula_forbidden",
        node,
        text,
        what=(f"常量 {value!r}"[:40], f"the constant {value!r}"[:40]),
    )


# --- evaluation ------------------------------------------------------------


def _num(x: Any) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        return Decimal(int(x))
    raise EvalFailure("not_a_number", value=_show(x))


def _show(x: Any) -> str:
    s = str(x)
    return s if len(s) <= 30 else s[:27] + "…"


def _checked(x: Decimal) -> Decimal:
    try:
        if -MAX_RESULT <= x <= MAX_RESULT:  # False for ±Infinity; NaN raises or is False
            return x
    except InvalidOperation:
        pass
    raise EvalFailure("result_too_large")


def _div(a: Any, b: Any) -> Decimal:
    a = a if type(a) is Decimal else _num(a)
    b = b if type(b) is Decimal else _num(b)
    if b == 0:
        raise EvalFailure("division_by_zero")
    return _checked(a / b)


def _floordiv(a: Any, b: Any) -> Decimal:
    a, b = _num(a), _num(b)
    if b == 0:
        raise EvalFailure("division_by_zero")
    return _checked((a / b).to_integral_value(ROUND_FLOOR))


def _mod(a: Any, b: Any) -> Decimal:
    a, b = _num(a), _num(b)
    if b == 0:
        raise EvalFailure("division_by_zero")
    return _checked(a - b * (a / b).to_integral_value(ROUND_FLOOR))


def _pow(a: Any, b: Any) -> Decimal:
    a, b = _num(a), _num(b)
    if not (0 <= b <= MAX_POWER and b == b.to_integral_value()):
        raise EvalFailure("result_too_large")
    return _checked(a ** int(b))


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def run(a: Any, b: Any) -> bool:
        if type(a) is bool:  # bool has no subclasses: the same test as isinstance
            a = Decimal(int(a))
        if type(b) is bool:
            b = Decimal(int(b))
        if type(a) is not type(b):
            raise EvalFailure("bad_comparison", left=_show(a), right=_show(b))
        try:
            return op(a, b)
        except TypeError:
            raise EvalFailure("bad_comparison", left=_show(a), right=_show(b)) from None

    return run


def _arithmetic(op: Callable[[Decimal, Decimal], Decimal]) -> Callable[[Any, Any], Decimal]:
    # A formula runs per row, its operators several times: the common Decimal operand
    # is taken as it is, anything else through _num (a bool as 0/1, else not_a_number).
    def run(a: Any, b: Any) -> Decimal:
        return _checked(
            op(a if type(a) is Decimal else _num(a), b if type(b) is Decimal else _num(b))
        )

    return run


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, (Decimal, bool)) and isinstance(b, (Decimal, bool)):
        return _num(a) == _num(b)
    return bool(a == b)


_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: _arithmetic(operator.add),
    ast.Sub: _arithmetic(operator.sub),
    ast.Mult: _arithmetic(operator.mul),
    ast.Div: _div,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: _pow,
    ast.USub: lambda a: -_num(a),
    ast.UAdd: lambda a: +_num(a),
    ast.Not: lambda a: not a,
    ast.Eq: _eq,
    ast.NotEq: lambda a, b: not _eq(a, b),
    ast.Lt: _compare(operator.lt),
    ast.LtE: _compare(operator.le),
    ast.Gt: _compare(operator.gt),
    ast.GtE: _compare(operator.ge),
}


def _flatten(args: tuple[Any, ...]) -> list[Decimal]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return [a if type(a) is Decimal else _num(a) for a in args]


def _avg(*args: Any) -> Decimal:
    items = _flatten(args)
    if not items:
        raise EvalFailure("division_by_zero")
    return sum(items, Decimal(0)) / len(items)


def _round(x: Any, places: Any = Decimal(0)) -> Decimal:
    return _num(x).quantize(Decimal(1).scaleb(-int(_num(places))), ROUND_HALF_UP)


def _len(x: Any) -> Decimal:
    if isinstance(x, (tuple, list, str)):
        return Decimal(len(x))
    raise EvalFailure("not_a_list", value=_show(x))


def _minmax(fn: Callable[[list[Decimal]], Decimal]) -> Callable[..., Decimal]:
    def run(*args: Any) -> Decimal:
        items = _flatten(args)
        if not items:
            raise EvalFailure("not_a_list", value="()")
        return fn(items)

    return run


_FUNCTION_IMPLS: dict[str, Callable[..., Any]] = {
    "min": _minmax(min),
    "max": _minmax(max),
    "abs": lambda x: abs(_num(x)),
    "round": _round,
    "sum": lambda *a: _checked(sum(_flatten(a), Decimal(0))),
    "len": _len,
    "avg": _avg,
    "clamp": lambda x, lo, hi: max(_num(lo), min(_num(hi), _num(x))),
    "ceil": lambda x: _num(x).to_integral_value(ROUND_CEILING),
    "floor": lambda x: _num(x).to_integral_value(ROUND_FLOOR),
}


class _Engine(SimpleEval):  # type: ignore[misc]  # simpleeval ships no types
    """simpleeval with calls that evaluate their arguments before calling.

    simpleeval calls ``f(*(gen), **kw)``; when the generator raises (a missing
    value, a division by zero inside the call), CPython 3.10/3.11 leak the
    frame on every row. Arguments are evaluated into a list first, so a
    function whose argument fails is never called and nothing is kept.
    """

    def _eval_call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)  # the allowlist admits no other call
        args = [self._eval(a) for a in node.args]
        return self.functions[node.func.id](*args)


_LOCAL = threading.local()


def _engine() -> SimpleEval:
    # Building a SimpleEval costs more than scoring a simple indicator, so each
    # thread keeps one; its operators and functions never change, only names.
    engine: SimpleEval | None = getattr(_LOCAL, "engine", None)
    if engine is None:
        engine = _LOCAL.engine = _Engine(operators=_OPERATORS, functions=_FUNCTION_IMPLS)
    return engine


def _missing(name: str) -> NoReturn:
    raise EvalFailure("missing_value", name=name)


def compiled(node: ast.expr) -> Callable[[Mapping[str, Any]], Any] | None:
    """The checked tree as one generated function over kpiscore's own operators and
    functions (``_formula_code``), with simpleeval's semantics (left to right, chained
    comparisons, ``and``/``or`` returning the deciding value) and the same failures;
    None for a node kind it does not know (simpleeval runs it)."""
    return generated(node, _OPERATORS, _FUNCTION_IMPLS, _missing)


class Evaluator:
    """Evaluates compiled formulas against one row's read-only values."""

    def __init__(self, names: Mapping[str, Any]):
        self.set_names(names)

    def set_names(self, names: Mapping[str, Any]) -> None:
        """Swap the row's values.

        Formulas get a read-only view: the values themselves are Decimals,
        strings and tuples, so nothing a formula reaches can change the row.
        """
        self._names = MappingProxyType(names)

    def run(self, formula: CompiledFormula, *, general: bool = False) -> Any:
        """The formula on this row: by its generated function, or by simpleeval when ``general``
        (the path the generated code is fuzzed against) or when it has none."""
        return evaluate(formula, self._names, general=general)


def evaluate(formula: CompiledFormula, names: Mapping[str, Any], *, general: bool = False) -> Any:
    """One formula over one row's names, with every failure an EvalFailure.

    The generated function only reads ``names``; simpleeval gets a read-only view of them.
    """
    fn = None if general else formula.fn
    if fn is _pending:
        fn = formula.function()
    try:
        if fn is not None:
            result = fn(names)
        else:
            engine = _engine()
            engine.names = names if isinstance(names, MappingProxyType) else MappingProxyType(names)
            result = engine.eval(formula.source, previously_parsed=formula.tree)
    except EvalFailure:
        raise
    except NameNotDefined as exc:
        raise EvalFailure("missing_value", name=getattr(exc, "name", "?")) from None
    except (InvalidExpression, DecimalException, TypeError, ValueError, ArithmeticError):
        raise EvalFailure("formula_failed") from None
    except RecursionError:  # pragma: no cover - depth is capped at load
        raise EvalFailure("formula_failed") from None
    if isinstance(result, Decimal):
        _checked(result)
    elif not isinstance(result, (bool, str)):
        raise EvalFailure("formula_failed")
    return result


# --- rendering for explanations -------------------------------------------

_SYMBOL: dict[type, tuple[str, int]] = {
    ast.Add: ("+", 10),
    ast.Sub: ("−", 10),
    ast.Mult: ("×", 20),
    ast.Div: ("÷", 20),
    ast.FloorDiv: ("//", 20),
    ast.Mod: ("%", 20),
    ast.Pow: ("^", 30),
}
_CMP: dict[type, str] = {
    ast.Eq: "=",
    ast.NotEq: "≠",
    ast.Lt: "<",
    ast.LtE: "≤",
    ast.Gt: ">",
    ast.GtE: "≥",
}


_WORDS = {
    "zh": {
        "and": " 且 ",
        "or": " 或 ",
        "not": "非 ",
        "if": " 若 ",
        "else": " 否则 ",
        "//": "整除",
        "%": "取余",
    },
    "en": {
        "and": " and ",
        "or": " or ",
        "not": "not ",
        "if": " if ",
        "else": " else ",
        "//": "//",
        "%": "mod",
    },
}


def render(formula: CompiledFormula, show_name: Callable[[str], str], lang: Lang = "zh") -> str:
    """The formula with each name replaced by its label and value, for a person to check."""
    return "".join(
        [
            piece if type(piece) is str else show_name(piece.name)  # type: ignore[union-attr]
            for piece in pieces(formula, "en" if lang == "en" else "zh")
        ]
    )


class Slot(NamedTuple):
    """Where a name's label and value go in a rendered formula."""

    name: str


@functools.lru_cache(maxsize=1024)
def pieces(formula: CompiledFormula, lang: Lang) -> tuple[str | Slot, ...]:
    """A formula's text around its names, once per formula and language: a row fills
    in its values without walking the tree again."""
    out: list[str | Slot] = []
    _render(formula.tree, 0, _WORDS[lang], out)
    merged: list[str | Slot] = []
    for piece in out:
        last = merged[-1] if merged else None
        if isinstance(piece, str) and isinstance(last, str):
            merged[-1] = last + piece
        elif piece != "":
            merged.append(piece)
    return tuple(merged)


def _render(node: ast.AST, parent: int, w: dict[str, str], out: list[str | Slot]) -> None:
    """Append the node's text to ``out``, parenthesised where its parent binds tighter."""
    add = out.append
    if isinstance(node, ast.Name):
        add(Slot(node.id))
    elif isinstance(node, ast.Constant):
        add(str(node.value) if not isinstance(node.value, str) else f"“{node.value}”")
    elif isinstance(node, ast.BinOp):
        sym, prec = _SYMBOL.get(type(node.op), ("?", 0))
        opening, closing = _PARENS[prec < parent]
        add(opening)
        _joined([node.left, node.right], [prec, prec + 1], f" {w.get(sym, sym)} ", w, out)
        add(closing)
    elif isinstance(node, ast.UnaryOp):
        add(w["not"] if isinstance(node.op, ast.Not) else "−")
        _render(node.operand, 40, w, out)
    elif isinstance(node, ast.Compare):
        opening, closing = _PARENS[parent > 5]
        add(opening)
        _render(node.left, 5, w, out)
        for op, comp in zip(node.ops, node.comparators, strict=False):
            add(f" {_CMP.get(type(op), '?')} ")
            _render(comp, 5, w, out)
        add(closing)
    elif isinstance(node, ast.BoolOp):
        add("(")
        word = w["and"] if isinstance(node.op, ast.And) else w["or"]
        _joined(node.values, [3] * len(node.values), word, w, out)
        add(")")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        add(f"{node.func.id}(")
        _joined(node.args, [0] * len(node.args), ", ", w, out)
        add(")")
    elif isinstance(node, ast.IfExp):
        add("(")
        for part, word in ((node.body, w["if"]), (node.test, w["else"]), (node.orelse, ")")):
            _render(part, 0, w, out)
            add(word)
    else:
        add("?")


_PARENS = {True: ("(", ")"), False: ("", "")}


def _joined(
    nodes: list[ast.expr], parents: list[int], sep: str, w: dict[str, str], out: list[str | Slot]
) -> None:
    for k, (node, parent) in enumerate(zip(nodes, parents, strict=True)):
        if k:
            out.append(sep)
        _render(node, parent, w, out)
