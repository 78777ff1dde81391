"""Hypothesis strategies for the differential test: a set as a plain ``Spec`` (for the
reference scorer) and as YAML (for kpiscore), and data full of edges."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from tests.reference import LEVELS, Ind, Spec

from kpiscore import _format

D = Decimal

RULES = _format.RULES  # every rule the format has: a new one fails here until drawn
ITEMS = (("真实", D(1)), ("完整", D(2)), ("准确", D("0.5")))


def _num(x: Decimal) -> str:
    return format(x, "f")


def _parts(draw: Any, total: int, n: int) -> list[int]:
    """``n`` non-negative integers adding up to ``total``."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=n - 1, max_size=n - 1)))
    edges = [0, *cuts, total]
    return [edges[i + 1] - edges[i] for i in range(n)]


@st.composite
def indicator(
    draw: Any, ident: str, category: str, weight: Decimal, rules: tuple[str, ...] = RULES
) -> Ind:
    rule = draw(st.sampled_from(rules))
    if rule in ("ratio", "reverse", "exact", "met"):
        percent = draw(st.booleans())
        raw = draw(st.sampled_from(["0", "1", "2", "15", "90", "100", "2.5", "0.5", "37"]))
        value = D(raw) / 100 if percent else D(raw)
        if rule == "ratio" and value == 0:
            value = D(1)
        op = {"ratio": ">=", "reverse": "<=", "exact": "="}.get(rule) or draw(
            st.sampled_from([">=", ">", "<=", "<", "="])
        )
        return Ind(
            ident,
            category,
            weight,
            rule,
            op=op,
            target=value,
            percent=percent,
            unit=None if percent else draw(st.sampled_from([None, "个", "天"])),
            zero_below=draw(st.sampled_from([None, D("0.5"), D("0.6")]))
            if rule == "ratio"
            else None,
            zero_above=draw(st.sampled_from([None, D("1.5"), D(2)])) if rule == "reverse" else None,
            tolerance=draw(st.sampled_from([None, D(0), D("0.5"), D(1)]))
            if rule == "exact"
            else None,
            reason_below=draw(st.sampled_from([None, None, D("0.9"), D(1)])),
        )
    if rule == "bands":
        ks = sorted(
            set(
                draw(
                    st.lists(
                        st.sampled_from([D(0), D(5), D("9.5"), D(10), D(20)]),
                        min_size=1,
                        max_size=3,
                    )
                )
            ),
            reverse=True,
        )
        scores = [
            draw(st.sampled_from([weight, weight / 2, D(0), min(weight, D("3.333"))])) for _ in ks
        ]
        rest = draw(st.sampled_from([None, D(0), min(weight, D(1))]))
        spec = tuple(zip(ks, scores, strict=True))
        return Ind(
            ident,
            category,
            weight,
            rule,
            bands=spec + (((None, rest),) if rest is not None else ()),
            band_share=draw(st.booleans()),
            band_labels=draw(st.booleans()),
            reason_below=draw(st.sampled_from([None, None, D("0.9")])),
        )
    if rule == "deadline":
        # (target as written, the day it means) in the spellings tables use; the data's year is 2022
        written, due = draw(
            st.sampled_from(
                [
                    ("≤2022年12月", datetime.date(2022, 12, 31)),
                    ("2022年9月30日前完成", datetime.date(2022, 9, 30)),
                    ("≤2022-09-15", datetime.date(2022, 9, 15)),
                    ("9月前", datetime.date(2022, 9, 30)),
                    ("2022年2月底前", datetime.date(2022, 2, 28)),
                ]
            )
        )
        per = draw(st.sampled_from([None, D(1), D("2.5"), D(20)]))
        return Ind(ident, category, weight, rule, op=written, due=due, per_month=per)
    if rule == "checklist":
        labels = [lab for lab, _ in ITEMS[: draw(st.integers(1, 3))]]
        # the points add up to the weight exactly: equal shares, the rest on the last
        share = (weight / len(labels)).quantize(D("0.01"), rounding="ROUND_DOWN")
        points = [share] * (len(labels) - 1) + [weight - share * (len(labels) - 1)]
        return Ind(ident, category, weight, rule, items=tuple(zip(labels, points, strict=True)))
    if rule == "formula":
        return Ind(
            ident,
            category,
            weight,
            rule,
            factor=draw(st.sampled_from([D(1), D("0.5"), D(2), D(-1)])),
        )
    if rule == "deduct":
        return Ind(
            ident,
            category,
            weight,
            rule,
            per=draw(st.sampled_from([D("0.5"), D(1), D(3)])),
            threshold=draw(st.sampled_from([D(0), D(10)])),
        )
    return Ind(ident, category, weight, rule)


@st.composite
def specs(draw: Any, rules: tuple[str, ...] = RULES) -> Spec:
    n_cat = draw(st.integers(1, 3))
    cat_weights = _parts(draw, 100, n_cat)
    categories, indicators = [], []
    for c, cw in enumerate(cat_weights):
        cid = f"c{c}"
        categories.append((cid, D(cw)))
        n = draw(st.integers(1, 4))
        for k, w in enumerate(_parts(draw, cw * 2, n)):  # halves: weights like 12.5
            indicators.append(draw(indicator(f"i{c}_{k}", cid, D(w) / 2, rules)))
    precision = draw(st.integers(0, 4))
    if any(ind.weight % 1 for ind in indicators):
        precision = max(precision, 1)  # a half-point weight needs a place (load refuses less)
    return Spec(
        tuple(categories),
        tuple(indicators),
        precision=precision,
        rounding=draw(st.sampled_from(["indicator", "indicator", "total"])),
        penalty=draw(st.sampled_from([None, D(5), D(100)])),
        forced_below=draw(st.sampled_from([None, None, D(85)])),
        reasons=draw(
            st.sampled_from(
                [
                    (True, True, None),
                    (True, True, None),
                    (False, False, D("0.1")),
                    (True, False, D("0.2")),
                    (False, True, None),
                ]
            )
        ),
    )


def to_yaml(spec: Spec) -> str:
    lines = [
        "kpiscore: 1",
        "id: diff",
        "name: 差分测试",
        f"precision: {spec.precision}",
        f"rounding: {spec.rounding}",
        *(
            []
            if spec.reasons == (True, True, None)
            else [
                f"reasons: {{below_weight: {str(spec.reasons[0]).lower()}, "
                f"over_achievement: {str(spec.reasons[1]).lower()}"
                + ("" if spec.reasons[2] is None else f", deviation_above: {_num(spec.reasons[2])}")
                + "}"
            ]
        ),
        "categories:",
        *(f"  - {{id: {c}, name: 类{c}, weight: {_num(w)}}}" for c, w in spec.categories),
        "indicators:",
    ]
    for ind in spec.indicators:
        lines.append(
            f"  - id: {ind.id}\n    category: {ind.category}\n    name: 指标{ind.id}\n    weight: {_num(ind.weight)}\n    rule: {ind.rule}"
        )
        if ind.target is not None:
            shown = (
                _num(ind.target * 100) + "%"
                if ind.percent
                else _num(ind.target) + (f" {ind.unit}" if ind.unit else "")
            )
            lines.append(f"    target: '{ind.op} {shown}'")
        if ind.due is not None:  # a deadline keeps its target as written in op
            lines.append(f"    target: '{ind.op}'")
            if ind.per_month is not None:
                lines.append(f"    late_per_month: {_num(ind.per_month)}")
        for key in ("zero_below", "zero_above", "tolerance", "per"):
            if getattr(ind, key) is not None:
                lines.append(f"    {key}: {_num(getattr(ind, key))}")
        if ind.rule == "qualitative":
            lines.append("    target: 达成")
        if ind.rule == "deduct":
            lines.append(f"    count: 'max(actual - {_num(ind.threshold)}, 0)'")  # type: ignore[arg-type]
        if ind.rule == "formula":
            lines.append(f"    score: 'actual * {_num(ind.factor)}'")  # type: ignore[arg-type]
        if ind.items:
            lines.append("    items:")
            lines += [f"      - {{label: {lab}, points: {_num(p)}}}" for lab, p in ind.items]
        if ind.bands:
            lines.append("    bands:")
            for i, (k, s) in enumerate(ind.bands):
                when = f"when: 'actual >= {_num(k)}', " if k is not None else ""
                score = "'weight * actual / 100'" if i == 0 and ind.band_share else _num(s)
                label = f", label: 档位{i + 1}" if ind.band_labels else ""
                lines.append(f"      - {{{when}score: {score}{label}}}")
        if ind.reason_below is not None:
            lines.append(f"    reason_required: 'score < weight * {_num(ind.reason_below)}'")
    if spec.penalty is not None or spec.forced_below is not None:
        lines.append("penalties:")
    if spec.penalty is not None:
        lines.append(
            f"  - {{name: 重大违规, when: 'violation == 1', deduct: {_num(spec.penalty)}}}"
        )
    if spec.forced_below is not None:
        lines.append(f"  - {{name: 低分, when: 'total < {_num(spec.forced_below)}', grade: 中}}")
    return "\n".join(lines) + "\n"


def _edges(ind: Ind) -> list[Decimal]:
    """The values where a rule changes its mind: on the target, on a band edge, at 0."""
    out = [D(0), D(-1), D(1), D("0.5"), D(12), D("14.995")]
    if ind.target is not None:
        t = ind.target
        out += [
            t,
            t * 2,
            t / 2,
            t + D("0.01"),
            t - D("0.01"),
            t * D("1.2"),
            t * D("1.21"),
            t * D("0.6"),
            t * D("1.5"),  # zero_above's edge
            (t / D("1.2")).quantize(D("0.0001")),  # near the reverse rule's flag edge
        ]
        if ind.tolerance:  # exact: on the tolerance's edge, inside and outside it
            out += [t + ind.tolerance, t - ind.tolerance, t + ind.tolerance * 2]
        if ind.percent:
            out += [D("0.95"), D("0.9779"), D(2), D(3), D(50)]
    for k, _ in ind.bands:
        if k is not None:
            out += [k, k - D("0.001")]
    if ind.threshold is not None:
        out += [ind.threshold, ind.threshold + D("0.5"), ind.threshold + 100]
    return out


@st.composite
def value_for(draw: Any, ind: Ind) -> Any:
    kind = draw(st.sampled_from(["edge", "edge", "edge", "any", "missing", "na", "text"]))
    if kind == "missing":
        return None
    if kind == "na":
        return "n/a"
    if kind == "text":
        return draw(st.sampled_from(["abc", "正在推进", "待定"]))
    if ind.rule == "deadline":
        assert ind.due is not None
        days = [0, 1, -1, 30, 31, 32, 60, 61, 365, 400, -200]
        dates = [(ind.due + datetime.timedelta(days=d)).isoformat() for d in days]
        return draw(st.sampled_from([*dates, "按时完成", "提前完成", "延期", "下半年"]))
    if ind.rule == "checklist":
        labels = [lab for lab, _ in ind.items] + ["其他"]
        return draw(st.lists(st.sampled_from(labels), max_size=4))
    if ind.rule == "manual":
        return None  # a manual score comes under manual:, not values:
    if ind.rule == "qualitative":
        return draw(
            st.one_of(
                st.sampled_from([lv[0] for lv in LEVELS]),
                st.builds(
                    lambda lv, r: {"level": lv[0], "rate": r},
                    st.sampled_from(LEVELS),
                    st.sampled_from([D("0.8"), D("0.6"), D("0.7"), D(1), D(0), D("0.95")]),
                ),
                st.sampled_from([D("0.8"), D("0.6"), D("0.59"), D(1), D(0), D("1.5")]),
            )
        )
    if kind == "edge":
        return draw(st.sampled_from(_edges(ind)))
    return draw(st.decimals(min_value=-100, max_value=200, places=draw(st.integers(0, 5))))


@st.composite
def manual_for(draw: Any, ind: Ind) -> Any:
    return draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda s, j: {"score": s, "justification": j},
                st.sampled_from([D(0), ind.weight, ind.weight / 3, ind.weight + 1, D(-1)]),
                st.sampled_from(["专家评审", ""]),
            ),
        )
    )


@st.composite
def data_for(draw: Any, spec: Spec) -> tuple[dict[str, Any], dict[str, Decimal], dict[str, Any]]:
    values = {ind.id: draw(value_for(ind)) for ind in spec.indicators}
    values = {k: v for k, v in values.items() if v is not None}
    manual = {i.id: draw(manual_for(i)) for i in spec.indicators if i.rule == "manual"}
    manual = {k: v for k, v in manual.items() if v is not None}
    if draw(st.booleans()):
        values["violation"] = draw(st.sampled_from([D(0), D(1)]))
    claimed: dict[str, Decimal] = {}
    for ind in spec.indicators:
        if draw(st.integers(0, 3)) == 0:
            claimed[ind.id] = draw(
                st.sampled_from(
                    [ind.weight, ind.weight * D("0.85"), ind.weight * D("0.7"), D(0), D("13")]
                )
            )
    if draw(st.booleans()):
        claimed["total"] = draw(st.sampled_from([D(100), D("99.5"), D(90), D(0)]))
    return values, claimed, manual
