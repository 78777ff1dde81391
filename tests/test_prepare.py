"""Tests for kpiscore._prepare: reading a row's sections as the scorer takes them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kpiscore._prepare import KeyedById, by_id

# Labels that name ids (one id under two labels, a label equal to another id), and
# keys as a table's header writes them: padded, the id itself, a stray.
IDS = {"预算执行率": "rate", "执行率": "rate", "产出": "output", "output": "rate", "总分": "total"}
KEYS = [*IDS, "rate", " rate ", " 执行率", "总分 ", "total", "其他", "output "]


@given(st.lists(st.lists(st.sampled_from(KEYS), max_size=6, unique=True), min_size=1, max_size=8))
def test_keyed_by_id_moves_every_section_as_by_id_does_in_the_same_order(headers):
    keyed = KeyedById(IDS)
    for n, header in enumerate(headers * 2):  # each key set seen again: from what was kept
        section = {key: f"{n}:{key}" for key in header}
        got = keyed(section)
        assert list(got.items()) == list(by_id(section, IDS).items())


def test_keyed_by_id_keeps_few_key_sets_and_none_that_is_long():
    keyed = KeyedById(IDS)
    keyed({f"k{i}": i for i in range(65)})
    assert keyed.known == {}
    for i in range(KeyedById._KEPT + 10):
        assert keyed({f"k{i}": 1, "执行率": 2}) == {f"k{i}": 1, "rate": 2}
    assert len(keyed.known) == KeyedById._KEPT
