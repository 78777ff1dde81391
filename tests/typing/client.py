"""A finance tool's code, type-checked with mypy --strict against kpiscore (tests/test_tooling.py)."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import kpiscore


def totals(set_id: str, rows: Iterable[dict[str, Any]]) -> dict[int, Decimal | None]:
    iset: kpiscore.IndicatorSet = kpiscore.load(set_id)
    out: dict[int, Decimal | None] = {}
    for r in kpiscore.score_many(iset, rows, lang="en"):
        if isinstance(r, kpiscore.RowError):
            out[r.row] = None
            continue
        assert r.row is not None
        out[r.row] = r.total
    return out


def fields(iset: kpiscore.IndicatorSet) -> list[tuple[str, str, str | None]]:
    rows: list[tuple[str, str, str | None]] = []
    for ind in iset.indicators:
        target: kpiscore.Target | None = ind.target
        rows.append((ind.id, ind.name, target.text if target is not None else None))
    return rows


def statuses(result: kpiscore.Result) -> dict[str, kpiscore.Status]:
    return {i.id: i.status for i in result.indicators}


def edited(iset: kpiscore.IndicatorSet, name: str) -> kpiscore.IndicatorSet:
    mapping = iset.to_dict()
    mapping["name"] = name
    return kpiscore.load(mapping)


def problems(path: str) -> list[str]:
    return [f"{i.code}: {i.message}" for i in kpiscore.check(path)]


def shipped(lang: kpiscore.Lang = "zh") -> bytes:
    return pickle.dumps([kpiscore.load(s, lang=lang) for s in kpiscore.shipped_sets()])


def schema() -> dict[str, Any]:
    return kpiscore.result_schema()


def steps(result: kpiscore.Result) -> list[tuple[str, str]]:
    return [(i.id, s.kind) for i in result.indicators for s in i.steps]


def files(result: kpiscore.Result, folder: str) -> tuple[str, bytes]:
    html = kpiscore.render(result, "html")
    xlsx = kpiscore.render(result, "xlsx")
    result.write(f"{folder}/自评表.xlsx")
    assert isinstance(html, str) and isinstance(xlsx, bytes)
    return html, xlsx


def audit_one(path: str) -> list[Decimal | None]:
    out: list[Decimal | None] = []
    for table in kpiscore.import_table(path):
        t: kpiscore.ImportedTable = table
        out.append(kpiscore.score(kpiscore.load(t.set), t.data).total)
    return out
