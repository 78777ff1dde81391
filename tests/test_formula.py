import re
from decimal import Decimal

import pytest

from kpiscore._formula import EvalFailure, Evaluator, FormulaRejected, compile_formula


def rejected(src: str, **kw) -> str:
    with pytest.raises(FormulaRejected) as info:
        compile_formula(src, **kw)
    return info.value.problems[0].code


@pytest.mark.parametrize(
    ("src", "code"),
    [
        ("().__class__.__bases__", "formula_forbidden"),
        ("'{0.__class__}'.format(x)", "formula_forbidden"),
        ("x[0]", "formula_forbidden"),
        ("[a for a in b]", "formula_forbidden"),
        ("lambda: 1", "formula_forbidden"),
        ("f'{x}'", "formula_forbidden"),
        ("x = 1", "formula_forbidden"),
        ("a; b", "formula_forbidden"),
        ("import os", "formula_forbidden"),
        ("(y := 1)", "formula_forbidden"),
        ("__import__('os')", "unknown_function"),
        ("open('f')", "unknown_function"),
        ("getattr(x, 'y')", "unknown_function"),
        ("rand()", "unknown_function"),
        ("'a' * 1000000", "formula_forbidden"),
        ("9 ** 999", "formula_bad_power"),
        ("x ** y", "formula_bad_power"),
        ("-" * 500 + "1", "formula_too_deep"),
        ("not " * 100 + "x", "formula_too_deep"),
        ("(" * 100 + "1" + ")" * 100, "formula_too_deep"),
        ("+".join(["1"] * 200_000), "formula_too_long"),
        ("1" * 5000, "formula_too_long"),
        ("1" * 40, "formula_number_too_long"),
        ("ａ + 1", "formula_non_ascii_name"),
        ("x + 'a\u202eb'", "formula_forbidden"),
        ("max", "formula_forbidden"),
        ("clamp(x)", "formula_bad_args"),
        ("x in (1, 2)", "formula_forbidden"),
        ("'" + "a" * 100 + "'", "formula_string_too_long"),
        ("1 +", "formula_syntax"),
        ("round(x, 10 ** 9)", "formula_bad_places"),
        ("round(x, 2.5)", "formula_bad_places"),
        ("round(x, y)", "formula_bad_places"),
        ("", "formula_empty"),
    ],
)
def test_hostile_formulas_are_refused_at_load(src, code):
    assert rejected(src) == code


def test_unknown_name_is_refused_when_inputs_are_declared():
    assert rejected("spnt / budget", allowed_names={"spent", "budget"}) == "unknown_name"


def test_numbers_become_exact_decimals():
    f = compile_formula("spent / budget")
    value = Evaluator({"spent": Decimal("1104.87"), "budget": Decimal("1129.88")}).run(f)
    assert isinstance(value, Decimal)
    assert str(value)[:10] == "0.97786490"
    assert Evaluator({}).run(compile_formula("0.1 + 0.2")) == Decimal("0.3")


def test_round_is_half_up_not_bankers():
    ev = Evaluator({})
    assert ev.run(compile_formula("round(2.675, 2)")) == Decimal("2.68")
    assert ev.run(compile_formula("round(8.5)")) == Decimal("9")
    assert ev.run(compile_formula("round(0.5)")) == Decimal("1")


@pytest.mark.parametrize(
    ("src", "names", "code"),
    [
        ("a / b", {"a": Decimal(1), "b": Decimal(0)}, "division_by_zero"),
        ("a + 1", {"a": "完成"}, "not_a_number"),
        ("a + 1", {}, "missing_value"),
        ("a < b", {"a": Decimal(1), "b": "x"}, "bad_comparison"),
        ("a * a * a * a * a", {"a": Decimal("1e14")}, "result_too_large"),
    ],
)
def test_failures_on_a_row_are_named(src, names, code):
    with pytest.raises(EvalFailure) as info:
        Evaluator(names).run(compile_formula(src))
    assert info.value.code == code


def test_functions_work_on_decimals():
    ev = Evaluator({"xs": ("a", "b"), "v": Decimal("-2.5")})
    assert ev.run(compile_formula("clamp(v, 0, 10)")) == 0
    assert ev.run(compile_formula("abs(v) + ceil(1.2) + floor(1.8)")) == Decimal("5.5")
    assert ev.run(compile_formula("len(xs)")) == 2
    assert ev.run(compile_formula("avg(1, 2, 4)")) == Decimal(7) / 3
    assert ev.run(compile_formula("max(1, 3) if v < 0 else 0")) == 3


@pytest.mark.parametrize(
    ("src", "words"),
    [
        ("\\", "反斜杠"),
        ("09", "不能以 0 开头"),
        ("1e", "数字写法无效"),
        ("0x", "十进制"),
        ("(1", "括号没有闭合"),
        ("1)", "多了右括号"),
        ("'abc", "引号没有闭合"),
        ("１＋１", "无效字符"),
        ("x y", "语法无效"),
        ("1_000", "下划线"),
        ("0x1f", "0x"),
    ],
)
def test_syntax_errors_are_explained_in_chinese_whatever_python_says(src, words):
    from kpiscore._formula import syntax_words

    with pytest.raises(FormulaRejected) as info:
        compile_formula(src)
    problem = info.value.problems[0]
    assert problem.code == "formula_syntax"
    text = syntax_words(problem.params["problem_key"], "zh")
    assert words in text
    assert not any(word in text for word in ("invalid", "literal", "syntax", "unexpected"))


def test_evaluators_in_different_threads_never_see_each_others_rows():
    from concurrent.futures import ThreadPoolExecutor

    f = compile_formula("a * 2 + b")

    def work(i: int) -> list[Decimal]:
        ev = Evaluator({"a": Decimal(i), "b": Decimal(1)})
        out = []
        for _ in range(300):
            out.append(ev.run(f))
            ev.set_names({"a": Decimal(i), "b": Decimal(1)})
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(16)))
    assert all(r == [Decimal(i * 2 + 1)] * 300 for i, r in enumerate(results))


def test_two_evaluators_in_one_thread_keep_their_own_rows():
    f = compile_formula("a + 1")
    one, two = Evaluator({"a": Decimal(1)}), Evaluator({"a": Decimal(10)})
    assert [one.run(f), two.run(f), one.run(f)] == [2, 11, 2]


def test_a_function_whose_argument_is_missing_is_not_called(monkeypatch):
    import kpiscore._formula as formula

    calls = []
    real = formula._FUNCTION_IMPLS["abs"]
    monkeypatch.setitem(formula._FUNCTION_IMPLS, "abs", lambda x: calls.append(x) or real(x))
    f = compile_formula("abs(cost - 1)")
    with pytest.raises(EvalFailure) as info:
        Evaluator({}).run(f)
    assert info.value.code == "missing_value" and calls == []
    assert Evaluator({"cost": Decimal(3)}).run(f) == 2 and calls == [Decimal(2)]


def test_memory_stays_flat_in_rows_whose_formula_calls_fail():
    # simpleeval's f(*generator) leaked a frame per failing call on CPython 3.10/3.11.
    import gc
    import tracemalloc

    import kpiscore

    inds = "".join(
        f"  - {{id: i{k}, category: main, name: 指标{k}, weight: 10, target: '>= 1', "
        f"actual: 'abs(x{k} - 1) + max(y, 1 / z)'}}\n"
        for k in range(10)
    )
    iset = kpiscore.loads(
        "kpiscore: 1\nid: t\nname: t\ncategories:\n  - {id: main, name: 主, weight: 100}\n"
        "indicators:\n" + inds
    )
    rows = ({"values": {"y": 2, "z": 0 if n % 2 else 1}} for n in range(5000))
    results = kpiscore.score_many(iset, rows)
    tracemalloc.start()
    try:
        for _ in range(2000):  # caches of formatted numbers fill in the first rows
            next(results)
        gc.collect()  # live memory is measured, not cycles the collector has yet to visit
        before = tracemalloc.get_traced_memory()[0]
        for r in results:
            assert r.indicators[0].status == "missing_data"
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 150_000, f"grew {after - before} bytes over 3000 rows"


# --- generated code against simpleeval --------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kpiscore._formula import FUNCTIONS  # noqa: E402

_ATOMS = st.sampled_from(["a", "b", "c", "t", "0", "1", "2.5", "100", "-3", "True", "'达成'"])
_BIN = st.sampled_from(["+", "-", "*", "/", "//", "%", "**"])
_CMP = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])


def _formulas():
    def extend(inner):
        return st.one_of(
            st.tuples(inner, _BIN, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, _CMP, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, _CMP, inner, _CMP, inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]} {t[3]} {t[4]})"
            ),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda x: f"(not {x})"),
            inner.map(lambda x: f"(-{x})"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.tuples(
                st.sampled_from(sorted(n for n in FUNCTIONS if n != "round")),
                st.lists(inner, min_size=1, max_size=3),
            ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            inner.map(lambda x: f"round({x}, 2)"),
        )

    return st.recursive(_ATOMS, extend, max_leaves=8)


_VALUES = st.one_of(
    st.decimals(min_value=-1000, max_value=1000, allow_nan=False, places=2),
    st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(-1), Decimal("1E+2")]),
    st.booleans(),
    st.sampled_from(["达成", "", "x"]),
    st.tuples(st.decimals(min_value=-5, max_value=5, allow_nan=False, places=1)),
)


def _outcome(evaluator, formula, general):
    try:
        return ("value", evaluator.run(formula, general=general))
    except EvalFailure as exc:
        return ("failure", exc.code, exc.params)


@settings(max_examples=600, deadline=None)
@given(_formulas(), st.dictionaries(st.sampled_from(["a", "b", "c", "t"]), _VALUES))
def test_the_generated_function_gives_what_simpleeval_gives_value_and_failure_alike(text, names):
    try:
        formula = compile_formula(text, allowed_names=["a", "b", "c", "t"])
    except FormulaRejected:
        return  # the allowlist refused it: neither path ever runs it
    assert formula.function() is not None
    evaluator = Evaluator(names)
    fast, general = _outcome(evaluator, formula, False), _outcome(evaluator, formula, True)
    assert fast == general


def test_a_set_sent_to_another_process_makes_its_generated_code_again_when_run():
    import pickle

    from kpiscore._formula import _pending

    formula = compile_formula("max(a, b) / 2", allowed_names=["a", "b"])
    formula.function()
    blob = pickle.dumps(formula)
    again = pickle.loads(blob)
    assert again.fn is _pending and again == formula
    assert Evaluator({"a": Decimal(3), "b": Decimal(5)}).run(again) == Decimal("2.5")
    assert again.fn is not _pending and again.fn is not None  # made on the first run


def test_a_formula_is_generated_when_it_first_runs_not_when_the_set_loads():
    from kpiscore._formula import _pending

    formula = compile_formula("a * 2", allowed_names=["a"])
    assert formula.fn is _pending
    assert Evaluator({"a": Decimal(3)}).run(formula) == Decimal(6)
    made = formula.fn
    assert made is not _pending and made is not None
    assert Evaluator({"a": Decimal(4)}).run(formula) == Decimal(8)
    assert formula.fn is made  # once


@pytest.mark.parametrize("x", ["NaN", "sNaN", "Infinity", "-Infinity", "1E+31", "-1.0000001E+30"])
@pytest.mark.parametrize("trapping", [True, False])
def test_a_result_that_is_not_a_finite_number_below_1e30_is_result_too_large(x, trapping):
    from decimal import InvalidOperation, localcontext

    from kpiscore._formula import EvalFailure, _checked

    with localcontext() as ctx:
        ctx.traps[InvalidOperation] = trapping
        with pytest.raises(EvalFailure) as failed:
            _checked(Decimal(x))
    assert failed.value.code == "result_too_large"
    assert _checked(Decimal("1E+30")) == Decimal("1E+30")
    assert _checked(Decimal("-1E+30")) == Decimal("-1E+30")


@pytest.mark.parametrize(
    ("source", "zh", "en"),
    [
        ("(a + b) * c", "(<a> + <b>) × <c>", "(<a> + <b>) × <c>"),
        ("a - (b - c)", "<a> − (<b> − <c>)", "<a> − (<b> − <c>)"),
        ("not (a > b)", "非 (<a> > <b>)", "not (<a> > <b>)"),
        ("a < b <= c", "<a> < <b> ≤ <c>", "<a> < <b> ≤ <c>"),
        (
            "a > 1 and b < 2 or c == 3",
            "((<a> > 1 且 <b> < 2) 或 <c> = 3)",
            "((<a> > 1 and <b> < 2) or <c> = 3)",
        ),
        (
            "min(a, b / 2) if a > 0 else max(0, c)",
            "(min(<a>, <b> ÷ 2) 若 <a> > 0 否则 max(0, <c>))",
            "(min(<a>, <b> ÷ 2) if <a> > 0 else max(0, <c>))",
        ),
        ("-(a + b)", "−(<a> + <b>)", "−(<a> + <b>)"),
        ("level == '优'", "<level> = “优”", "<level> = “优”"),
    ],
)
def test_a_formula_is_shown_with_its_names_filled_in_each_language(source, zh, en):
    from kpiscore._formula import render

    f = compile_formula(source)
    calls: list[str] = []

    def show(name):
        calls.append(name)
        return f"<{name}>"

    assert render(f, show, "zh") == zh
    assert render(f, show, "en") == en
    # Names are filled in the order they are read, every time (the text around them is cached).
    once = calls[: len(calls) // 2]
    assert calls == once * 2 and len(once) == len(re.findall(r"<\w+>", zh))
