"""Hypothesis strategies and invariants for property-based tests of scoring.

Officers and developers who edit indicator sets can keep scoring honest
with these::

    from hypothesis import given
    from kpiscore.testing import data_for, assert_invariants
    iset = kpiscore.load("my-set.yaml")

    @given(data_for(iset))
    def test_my_set_keeps_its_promises(data):
        assert_invariants(iset, kpiscore.score(iset, data))

Needs the ``testing`` extra (hypothesis).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("kpiscore.testing needs hypothesis: pip install 'kpiscore[testing]'") from exc

from ._indicators import claimed_number
from .compiled import CompiledIndicator, IndicatorSet
from .result import Result

__all__ = [
    "amounts",
    "assert_invariants",
    "data_for",
    "indicator_set_yaml",
    "indicator_sets",
    "value_for",
]


def amounts(low: int = 0, high: int = 10**6, places: int = 2) -> st.SearchStrategy[Decimal]:
    """Exact decimal amounts such as 1104.87."""
    return st.integers(low * 10**places, high * 10**places).map(
        lambda n: Decimal(n).scaleb(-places)
    )


def value_for(ind: CompiledIndicator) -> st.SearchStrategy[Any]:
    """A plausible data value for an indicator that reads its own id."""
    if ind.rule == "qualitative":
        labels = [lv.label for lv in ind.levels] + [a for lv in ind.levels for a in lv.aliases]
        bare = st.sampled_from(labels)
        with_rate = st.sampled_from(list(ind.levels)).flatmap(
            lambda lv: st.integers(int(lv.low * 100), int(lv.high * 100)).map(
                lambda r: {"level": lv.label, "rate": Decimal(r) / 100}
            )
        )
        return st.one_of(bare, with_rate)
    if ind.rule == "checklist":
        return st.lists(st.sampled_from([it.label for it in ind.items]), unique=True).map(tuple)
    if ind.target is not None and ind.target.percent:
        return st.integers(0, 15000).map(lambda n: f"{Decimal(n) / 100}%")
    return amounts(0, 1000)


def _messy(plausible: st.SearchStrategy[Any], allow_na: bool) -> st.SearchStrategy[Any]:
    """Mostly a plausible value; sometimes a blank, n/a, a cell that is no value, or numpy."""
    odd: list[st.SearchStrategy[Any]] = [
        st.none(),
        st.sampled_from(["", "正在推进", "12-", "1O", "12万", "待定"]),
    ]
    if allow_na:
        odd.append(st.just("n/a"))
    try:
        import numpy as np

        odd.append(st.integers(-5, 2000).map(np.int64))
        odd.append(st.integers(0, 10000).map(lambda n: np.float64(n / 100)))
    except ImportError:  # pragma: no cover - numpy is optional
        pass
    return st.one_of(plausible, plausible, plausible, *odd)


def data_for(
    iset: IndicatorSet, *, allow_na: bool = False, messy: bool = True, claimed: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """Project data mappings (``values``, ``manual``) for a set: every value it reads, formula names
    included (also without ``inputs:``). With ``messy`` (the default) blanks, invalid
    cells, numpy numbers (and ``n/a`` with ``allow_na``) are among the examples. With
    ``claimed``, the unit's own scores too (``claimed``: some indicators' and the
    total, as numbers or as text with 分), as a self-evaluation table carries them."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    if iset.inputs is not None:
        for name, spec in iset.inputs.items():
            if spec.type == "percent":
                fields[name] = st.integers(0, 15000).map(lambda n: f"{Decimal(n) / 100}%")
            elif spec.type == "level":
                fields[name] = st.sampled_from(["达成", "部分达成", "未达成", "完成"])
            elif spec.type == "list":
                ind = next((i for i in iset.indicators if i.id == name and i.items), None)
                labels = [it.label for it in ind.items] if ind else ["真实", "完整", "准确"]
                fields[name] = st.lists(st.sampled_from(labels), unique=True)
            else:
                fields[name] = amounts(1, 100000)
    for ind in iset.indicators:
        if ind.actual is None and ind.rule != "manual" and ind.id not in fields:
            fields[ind.id] = value_for(ind)
    for name in iset.values_read():  # names only formulas use, in a set without inputs:
        fields.setdefault(name, amounts(1, 100000))
    if messy:
        fields = {k: _messy(v, allow_na) for k, v in fields.items()}
    elif allow_na:
        fields = {
            k: st.one_of(v, st.just("n/a")) if k in {i.id for i in iset.indicators} else v
            for k, v in fields.items()
        }
    manual = {
        ind.id: st.integers(0, int(ind.weight * 100)).map(
            lambda n: {"score": Decimal(n) / 100, "justification": "test"}
        )
        for ind in iset.indicators
        if ind.rule == "manual"
    }
    sections = {"values": st.fixed_dictionaries(fields), "manual": st.fixed_dictionaries(manual)}
    if claimed:
        sections["claimed"] = st.fixed_dictionaries(
            {},
            optional={
                **{ind.id: _claim(ind.weight) for ind in iset.indicators},
                "total": _claim(iset.full_score),
            },
        )
    return st.fixed_dictionaries(sections)


def _claim(full: Decimal) -> st.SearchStrategy[Any]:
    """A unit's own score out of ``full``: a number to two places, or text with 分."""
    points = st.integers(0, int(full * 100)).map(lambda n: Decimal(n) / 100)
    return st.one_of(points, points.map(lambda d: f"{d}分"))


def assert_invariants(
    iset: IndicatorSet, result: Result, data: Mapping[str, Any] | None = None
) -> None:
    """What must hold for any data: bounds, sums, the grade bands; with ``data``, also
    that no indicator is scored from a value the data does not hold as written."""
    if data is not None:
        _scored_only_from_written_values(iset, result, data)
        _claims_compared(result, data.get("claimed") or {})
    for ind in result.indicators:
        assert Decimal(0) <= ind.score <= ind.weight, (
            f"{ind.id}: {ind.score} outside [0, {ind.weight}]"
        )
        if ind.status == "not_applicable":
            assert ind.score == 0
    if result.total is not None:
        assert Decimal(0) <= result.total <= iset.full_score, (
            f"total {result.total} outside [0, {iset.full_score}]"
        )
        exponent = result.total.as_tuple().exponent
        assert isinstance(exponent, int)
        assert -exponent <= iset.precision
        if not result.rescaled and not result.penalties and iset.rounding == "indicator":
            assert result.total == sum((i.score for i in result.indicators), Decimal(0))
        expected = next((g.shown(result.lang) for g in iset.grades if result.total >= g.min), None)
        if not result.penalties:
            assert result.grade == expected
    assert result.complete == (
        all(i.status not in ("missing_data", "invalid_data") for i in result.indicators)
        and result.total is not None
    )
    for ind in result.indicators:
        # Every row can be checked by hand: its explanation ends in its own score.
        assert ind.explanation, f"{ind.id}: no explanation"
        if ind.status == "scored":
            assert format(ind.score, "f") in ind.explanation, (
                f"{ind.id}: the explanation does not state the score {ind.score}"
            )


def _scored_only_from_written_values(
    iset: IndicatorSet, result: Result, data: Mapping[str, Any]
) -> None:
    values = data.get("values") or {}
    by_id = {i.id: i for i in iset.indicators}
    for ind in result.indicators:
        spec = by_id[ind.id]
        if ind.status != "scored" or spec.actual is not None or spec.rule == "manual":
            continue
        if not spec.target and spec.rule in ("bands", "deduct", "formula"):
            continue  # scored by formulas that need not read the indicator's own value
        raw = values.get(ind.id, values.get(spec.name))
        given = raw is not None and not (isinstance(raw, str) and not raw.strip())
        assert given, f"{ind.id}: scored {ind.score} though the data gives no value for it"
        blank = isinstance(raw, float) and raw != raw  # NaN: a blank cell
        assert not blank, f"{ind.id}: scored {ind.score} from a blank (NaN) cell"


def _claims_compared(result: Result, claimed: Mapping[str, Any]) -> None:
    """Every claimed score (by id, or the total) that differs from kpiscore's is a
    discrepancy with both numbers, and one that does not is none."""
    scores = {i.id: i.score for i in result.indicators}
    found = {d.id: d for d in result.discrepancies}
    for key, raw in claimed.items():
        number = claimed_number(raw)
        computed = result.total if key == "total" else scores.get(key)
        if number is None or computed is None:
            continue  # not a number, or an id the set lacks: warned, not compared
        if number != computed:
            assert key in found, f"{key}: claimed {number}, scored {computed}, not reported"
            assert (found[key].claimed, found[key].computed) == (number, computed)
        else:
            assert key not in found, f"{key}: claimed {number} equals the score, yet reported"


def indicator_set_yaml(weights: list[int], targets: list[int]) -> str:
    """A small valid set in YAML, one ratio indicator per weight, for fuzzing the loader."""
    total = sum(weights)
    lines = [
        "kpiscore: 1",
        "id: generated",
        "name: 生成的指标体系",
        f"full_score: {total}",
        "categories:",
        f"  - {{id: main, name: 主要指标, weight: {total}}}",
        "indicators:",
    ]
    for i, (w, t) in enumerate(zip(weights, targets, strict=False)):
        lines.append(
            f"  - {{id: i{i}, category: main, name: 指标{i}, weight: {w}, target: '>= {t} 个'}}"
        )
    return "\n".join(lines) + "\n"


_RULE_YAML = {
    "ratio": "target: '>= {t} 个'",
    "reverse": "target: '<= {t} 天'",
    "exact": "target: '= {t}', tolerance: {tol}",
    "met": "target: '>= {t}', rule: met",
    "qualitative": "target: 达成",
    "bands": "rule: bands, bands: [{{when: 'actual >= {t}', score: {w}}}, {{score: 0}}]",
    "deduct": "rule: deduct, per: {per}, count: 'max(0, ceil(actual - {t}))'",
    "checklist": "rule: checklist, items: [{{label: 真实, points: {half}}}, {{label: 完整, points: {rest}}}]",
}


@st.composite
def indicator_sets(draw: st.DrawFn, *, max_indicators: int = 8) -> IndicatorSet:
    """Valid generated sets: 1–3 categories, mixed rules, weights in cents adding up to 100.

    For property tests that should hold for any set, not only the shipped ones::

        @given(indicator_sets(), st.data())
        def test_any_set_keeps_its_promises(iset, data):
            result = kpiscore.score(iset, data.draw(data_for(iset)))
            assert_invariants(iset, result)
    """
    from ._api import loads

    n = draw(st.integers(1, max_indicators))
    cuts = draw(st.lists(st.integers(1, 9999), min_size=n - 1, max_size=n - 1, unique=True))
    edges = [0, *sorted(cuts), 10000]
    weights = [Decimal(b - a) / 100 for a, b in itertools.pairwise(edges)]
    n_cats = draw(st.integers(1, min(3, n)))
    owner = [i % n_cats for i in range(n)]
    lines = ["kpiscore: 1", "id: generated", "name: 生成的指标体系", "categories:"]
    for c in range(n_cats):
        total = sum((w for w, o in zip(weights, owner, strict=False) if o == c), Decimal(0))
        lines.append(f"  - {{id: c{c}, name: 一级指标{c}, weight: {total}}}")
    lines.append("indicators:")
    for i, (w, c) in enumerate(zip(weights, owner, strict=False)):
        rule = draw(st.sampled_from(sorted(_RULE_YAML)))
        t = draw(st.integers(1, 1000))
        half = (w / 2).quantize(Decimal("0.01"))
        body = _RULE_YAML[rule].format(
            t=t, w=w, tol=draw(st.sampled_from([0, 1, 5])), per=w / 10, half=half, rest=w - half
        )
        lines.append(f"  - {{id: i{i}, category: c{c}, name: 指标{i}, weight: {w}, {body}}}")
    return loads("\n".join(lines) + "\n")
