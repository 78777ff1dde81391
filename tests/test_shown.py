"""A spreadsheet number as shown under its cell's number format (``_shown``)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpiscore._shown import shown_number


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (9.778649060077175, "0.00", "9.78"),
        (2.665, "0.00", "2.67"),  # half away from zero, as Excel shows it (never 2.66)
        (2.5, "0", "3"),
        (1104.87, "#,##0.00", "1104.87"),
        (0.97786, "0.00%", "97.79%"),
        (0.95, "0%", "95%"),
        (12.0, "General", "12"),
        (7, "0.0", "7.0"),
        (9.75, "0." + "0" * 40, "9.75"),  # more places than a Decimal holds: as stored
        (1e300, "0.00", "1" + "0" * 300),
    ],
)
def test_a_number_is_shown_as_its_format_rounds_it(value, fmt, text):
    assert shown_number(value, fmt) == text


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=6), st.integers(0, 4))
def test_a_shown_number_is_the_value_rounded_half_up_to_the_formats_places(d, places):
    fmt = "0." + "0" * places if places else "0"
    quantum = Decimal(1).scaleb(-places)
    want = d.quantize(quantum, rounding="ROUND_HALF_UP")
    assert Decimal(shown_number(d, fmt)) == want
