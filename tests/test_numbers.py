"""The one rounding rule and the three text forms of numbers, pinned exactly."""

from decimal import ROUND_HALF_UP, Context, Inexact, localcontext
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import ROOT

from kpiscore._numbers import (
    CONTEXT,
    decimal_places,
    fixed_text,
    fmt_number,
    fmt_percent,
    fmt_plain,
    fmt_value,
    round_half_up,
)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("2.675", 2, "2.68"),
        ("8.5", 0, "9"),
        ("-2.5", 0, "-3"),
        ("19.5573", 2, "19.56"),
        ("0.125", 2, "0.13"),
        ("1.0049", 2, "1.00"),
        ("7", 2, "7.00"),
        ("123.45", 14, "123.45000000000000"),
    ],
)
def test_round_half_up_rounds_half_away_from_zero_at_the_place(value, places, expected):
    assert str(round_half_up(D(value), places)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("2.50", "2.50"),  # as written when 4 places or fewer
        ("1.2345", "1.2345"),
        ("2.5000", "2.5000"),  # four places as written stay four places
        ("1.23456", "1.2346"),  # more than 4: rounded half-up, trailing zeros dropped
        ("12.300000", "12.3"),
        ("0.00005", "0.0001"),
        ("-0.00001", "0"),
        ("-0", "0"),
        ("1E+2", "100"),
        ("-3.5", "-3.5"),
    ],
)
def test_fmt_value_keeps_what_was_written_and_cuts_at_four_places(value, expected):
    assert fmt_value(None if value is None else D(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("9.80", "9.80"), ("-0", "0"), ("1E+2", "100"), ("-0.50", "-0.50")],
)
def test_fmt_plain_is_the_number_exactly_as_computed(value, expected):
    assert fmt_plain(None if value is None else D(value)) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("20.00", None, "20"),
        ("0.50", None, "0.5"),
        ("100", None, "100"),
        ("-0.0", None, "0"),
        ("19.55725", 4, "19.5573"),
        ("2.50", 1, "2.5"),
    ],
)
def test_fmt_number_drops_trailing_zeros_unless_given_places(value, places, expected):
    assert fmt_number(D(value), places) == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [("0.977889", "97.79%"), ("1", "100%"), ("0.8", "80%"), ("0.00005", "0.01%"), ("1.5", "150%")],
)
def test_fmt_percent_shows_a_fraction_to_two_places_half_up(fraction, expected):
    assert fmt_percent(D(fraction)) == expected


def test_a_number_that_rounds_to_zero_is_never_shown_negative():
    from decimal import Decimal

    from kpiscore._numbers import fmt_number

    assert fmt_number(Decimal("-0.00004"), 4) == "0.0000"
    assert fmt_number(Decimal("-0.00005"), 4) == "-0.0001"
    assert fmt_number(Decimal("-0.000"), None) == "0"


@given(
    st.decimals(allow_nan=True, allow_infinity=True)
    | st.builds(
        lambda n, e: D(n).scaleb(e),
        st.integers(-(10**40), 10**40),
        st.integers(-60, 60),
    ),
    st.sampled_from([0, 1]),
)
def test_fixed_text_is_format_f_whatever_the_exponent_or_the_contexts_capitals(value, capitals):
    with localcontext(Context(capitals=capitals)):
        assert fixed_text(value) == format(value, "f")


@given(
    st.builds(
        lambda n, e: D(n).scaleb(e),
        st.integers(-(10**12), 10**12),
        st.integers(-14, 6),
    ),
    st.sampled_from([0, 1]),
)
def test_fmt_percent_is_the_fraction_times_100_rounded_to_two_places_as_fmt_number_writes_it(
    fraction, capitals
):
    with localcontext(Context(capitals=capitals)):
        want = fmt_number(round_half_up(fraction * 100, 2)) + "%"
        assert fmt_percent(fraction) == want


@given(st.builds(lambda n, e: D(n).scaleb(e), st.integers(-(10**34), 10**34), st.integers(-40, 40)))
def test_fmt_percent_never_fails_and_needs_no_context_of_the_callers(fraction):
    with localcontext(Context(prec=5, traps=[])):  # a caller's own, coarse context
        text = fmt_percent(fraction)
    assert text.endswith("%") and "E" not in text and "e" not in text
    exact = fraction.scaleb(2, CONTEXT)
    if exact.adjusted() < CONTEXT.prec - 3:
        assert D(text[:-1]) == exact.quantize(D("0.01"), ROUND_HALF_UP, CONTEXT)
    else:
        assert D(text[:-1]) == exact  # too large for two places: as computed


def test_a_percent_past_the_double_rounding_edge_is_rounded_once():
    # 28 digits (Python's default precision) would round this to ...455, then to 87.46.
    fraction = D("0.874549999999999999999999999999999")
    assert fmt_percent(fraction) == "87.45%"


@given(st.builds(lambda n, e: D(n).scaleb(e), st.integers(-(10**9), 10**9), st.integers(-8, 8)))
def test_decimal_places_are_the_fewest_that_hold_the_amount_exactly(amount):
    k = decimal_places(amount)
    assert amount.quantize(D(1).scaleb(-k), context=CONTEXT) == amount
    if k:  # one place fewer rounds it: the amount needs all k
        assert amount.quantize(D(1).scaleb(1 - k), ROUND_HALF_UP, CONTEXT) != amount


def test_entered_sets_this_threads_own_copy_and_gives_the_callers_back():
    import threading
    from decimal import getcontext, setcontext

    from kpiscore._numbers import entered

    with localcontext(Context(prec=5)) as callers:
        saved = entered()
        try:
            mine = getcontext()
            assert mine is not CONTEXT and mine.prec == CONTEXT.prec  # a copy, not the global
            assert saved is callers
        finally:
            setcontext(saved)
        assert getcontext() is callers and callers.prec == 5
    seen = []

    def other() -> None:
        before = getcontext()
        saved = entered()
        seen.append(getcontext())
        setcontext(saved)
        assert getcontext() is before

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen and seen[0] is not mine  # each thread its own


def test_scoring_leaves_the_callers_context_as_it_was():
    import kpiscore

    iset = kpiscore.load(ROOT / "indicator_sets" / "mof-project-2020.yaml")
    row = {"values": {"budget": 100, "spent": "33.333", "output_quantity": 7}}
    with localcontext(Context(prec=3, traps=[])) as callers:
        results = list(kpiscore.score_many(iset, [row, row]))
        texts = [r.to_json() for r in results]
        one = kpiscore.score(iset, row)
        from decimal import getcontext

        assert getcontext() is callers and callers.prec == 3 and not callers.traps[Inexact]
    assert results[0].total == one.total == kpiscore.score(iset, row).total
    assert texts[0] == results[1].to_json().replace('"row": 2', '"row": 1')
