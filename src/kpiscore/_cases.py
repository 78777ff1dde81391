"""Officer-written test cases: given this data, expect these scores.

A performance officer who changes a set wants to know the scores she already
checked by hand still come out. The case file is checked as a whole before
any case runs, so a typo in an indicator id is a message with its line, not a
case that silently expects nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import _yaml
from ._data import read_file
from ._evaluate import score_data
from ._messages import Lang, hint, message
from ._messages import zh_en as _t
from ._yaml import Document, Path_
from .compiled import IndicatorSet
from .errors import DataError, Issue, KpiscoreError
from .result import Result

CASE_KEYS = ("name", "description", "data", "expect")
EXPECT_KEYS = ("total", "grade", "complete", "scores", "categories", "status", "needs_reason")
STATUSES = ("scored", "not_applicable", "missing_data", "invalid_data")
MAX_CASES = 10_000
DATA_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Case:
    name: str
    path: Path_
    line: int | None
    data: Any  # a mapping, or a path (str) relative to the case file
    expect: dict[str, Any]


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    line: int | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (Decimal, int)):
        return Decimal(v)
    if isinstance(v, str):
        try:
            d = Decimal(v.strip())
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


class _Reader:
    """Checks the case file's shape and collects every problem."""

    def __init__(self, iset: IndicatorSet, doc: Document | None, file: str | None, lang: Lang):
        self.iset, self.doc, self.file, self.lang = iset, doc, file, lang
        self.issues: list[Issue] = []

    def add(self, code: str, path: Path_, *, key: bool = False, **params: Any) -> None:
        params.setdefault("hint", "")
        msg = message(code, self.lang, **params).rstrip("。. ")
        if self.doc is not None:
            self.issues.append(self.doc.issue(code, msg, path, key=key))
        else:
            self.issues.append(Issue(code, msg, path=path, file=self.file))

    def line_of(self, path: Path_) -> int | None:
        pos = self.doc.locate(path) if self.doc is not None else None
        return pos.line + 1 if pos is not None else None

    def cases(self, raw: Any) -> list[Case]:
        root: Path_ = ()
        if isinstance(raw, dict):
            for key in raw:
                if key not in ("cases", "indicator_set"):
                    self.add(
                        "case_unknown_key",
                        (key,),
                        key=True,
                        name=str(key)[:40],
                        hint=hint(str(key), ["cases", "indicator_set"], self.lang),
                    )
            named = raw.get("indicator_set")
            if named is not None and named != self.iset.id:
                self.add("set_mismatch", ("indicator_set",), data=str(named)[:60], set=self.iset.id)
            raw, root = raw.get("cases"), ("cases",)
        if not isinstance(raw, list) or not raw or len(raw) > MAX_CASES:
            self.add("cases_not_a_list", root)
            return []
        out = []
        for i, item in enumerate(raw):
            case = self.case(item, (*root, i), i + 1)
            if case is not None:
                out.append(case)
        return out

    def case(self, item: Any, path: Path_, number: int) -> Case | None:
        if not isinstance(item, dict):
            self.add("case_not_a_mapping", path, number=number)
            return None
        for key in item:
            if key not in CASE_KEYS:
                self.add(
                    "case_unknown_key",
                    (*path, key),
                    key=True,
                    name=str(key)[:40],
                    hint=hint(str(key), CASE_KEYS, self.lang),
                )
        name = item.get("name")
        name = (
            str(name)[:200]
            if name is not None
            else _t(self.lang, f"第 {number} 个用例", f"case {number}")
        )
        data = item.get("data")
        if not isinstance(data, (dict, str)):
            self.add("case_needs", (*path, "data"), number=number, key_name="data")
        elif isinstance(data, str) and not data.lower().endswith(DATA_SUFFIXES):
            # Only data files: a case file must not make kpiscore read (and quote
            # lines of) whatever file it names.
            self.add("case_bad_data", (*path, "data"), number=number)
        expect = item.get("expect")
        if not isinstance(expect, dict) or not expect:
            self.add("case_needs", (*path, "expect"), number=number, key_name="expect")
            return None
        self.expectations(expect, (*path, "expect"))
        return Case(name, path, self.line_of(path), data, expect)

    def expectations(self, expect: dict[str, Any], path: Path_) -> None:
        ids = [i.id for i in self.iset.indicators]
        cats = [c.id for c in self.iset.categories]
        for key, want in expect.items():
            at = (*path, key)
            if key not in EXPECT_KEYS:
                self.add(
                    "case_unknown_key",
                    at,
                    key=True,
                    name=str(key)[:40],
                    hint=hint(str(key), EXPECT_KEYS, self.lang),
                )
            elif key == "total" and _number(want) is None:
                self.add("case_bad_value", at, name=key, expected=_t(self.lang, "数字", "a number"))
            elif key == "grade" and not isinstance(want, str):
                self.add(
                    "case_bad_value",
                    at,
                    name=key,
                    expected=_t(self.lang, "等级名称", "a grade label"),
                )
            elif key == "complete" and not isinstance(want, bool):
                self.add("case_bad_value", at, name=key, expected="true / false")
            elif key in ("scores", "categories", "status", "needs_reason"):
                if not isinstance(want, dict):
                    self.add(
                        "case_bad_value",
                        at,
                        name=key,
                        expected=_t(self.lang, "映射（id: 值）", "a mapping of id: value"),
                    )
                    continue
                known = cats if key == "categories" else ids
                for ind_id, v in want.items():
                    self.entry(key, ind_id, v, known, (*at, ind_id))

    def entry(self, key: str, ind_id: Any, v: Any, known: list[str], at: Path_) -> None:
        if ind_id not in known:
            self.add(
                "case_unknown_id",
                at,
                key=True,
                name=str(ind_id)[:40],
                hint=hint(str(ind_id), known, self.lang),
            )
        elif key in ("scores", "categories") and _number(v) is None:
            self.add("case_bad_value", at, name=ind_id, expected=_t(self.lang, "数字", "a number"))
        elif key == "status" and v not in STATUSES:
            self.add(
                "case_bad_value",
                at,
                name=ind_id,
                expected=" / ".join(STATUSES),
                hint=hint(str(v), STATUSES, self.lang, list_all=False),
            )
        elif key == "needs_reason" and not isinstance(v, bool):
            self.add("case_bad_value", at, name=ind_id, expected="true / false")


def read_cases(
    iset: IndicatorSet, path: str | Path, lang: Lang = "zh"
) -> tuple[list[Case], Document | None, Path]:
    """Read and check a case file; every shape problem at once, as a DataError."""
    raw, file, doc = read_file(path, lang)
    reader = _Reader(iset, doc, file, lang)
    cases = reader.cases(raw)
    if reader.issues:
        raise DataError(reader.issues)
    return cases, doc, Path(path).parent


def run_cases(iset: IndicatorSet, path: str | Path, lang: Lang = "zh") -> list[CaseOutcome]:
    """Score every case and say, per case, what differed from what was expected."""
    cases, doc, base = read_cases(iset, path, lang)
    return [_run(iset, case, doc, base, lang) for case in cases]


def _run(
    iset: IndicatorSet, case: Case, doc: Document | None, base: Path, lang: Lang
) -> CaseOutcome:
    try:
        if isinstance(case.data, str):
            data, file, data_doc = read_file(base / case.data, lang)
            result = score_data(iset, data, lang=lang, file=file, doc=data_doc)
        else:
            prefix = (*case.path, "data")
            sub = _yaml.sub_document(doc, prefix) if doc is not None else None
            try:
                result = score_data(
                    iset, case.data, lang=lang, file=doc.file if doc else None, doc=sub
                )
            except DataError as exc:
                raise DataError([replace(i, path=prefix + i.path) for i in exc.issues]) from None
    except KpiscoreError as exc:
        issues = getattr(exc, "issues", ())
        lines = [i.format() for i in issues] or [str(exc)]
        head = _t(lang, "数据有问题，无法计分：", "the data has problems and cannot be scored:")
        return CaseOutcome(case.name, case.line, (head, *lines))
    # A case names the set's own grade label (优); an English run shows it as Excellent.
    grades = {g.label: g.shown(lang) for g in iset.grades}
    return CaseOutcome(case.name, case.line, tuple(compare(result, case.expect, lang, grades)))


def _yes(v: bool, lang: Lang) -> str:
    return _t(lang, "是" if v else "否", "yes" if v else "no")


def compare(
    result: Result,
    expect: dict[str, Any],
    lang: Lang = "zh",
    grades: dict[str, str] | None = None,
) -> list[str]:
    """Every way ``result`` differs from ``expect``, one sentence each."""
    out: list[str] = []

    def differs(what: str, want: str, got: str, why: str = "") -> None:
        line = _t(lang, f"{what}：期望 {want}，实际 {got}", f"{what}: expected {want}, got {got}")
        out.append(line + (f" —— {why}" if why and lang != "en" else (f" — {why}" if why else "")))

    if "total" in expect:
        want = _number(expect["total"])
        if result.total != want:
            differs(_t(lang, "总分", "total"), str(expect["total"]), str(result.total))
    shown = (grades or {}).get(str(expect.get("grade")), expect.get("grade"))
    if "grade" in expect and shown != result.grade:
        differs(_t(lang, "等级", "grade"), str(expect["grade"]), str(result.grade))
    if "complete" in expect and expect["complete"] != result.complete:
        differs(
            _t(lang, "数据完整", "complete"),
            _yes(expect["complete"], lang),
            _yes(result.complete, lang),
        )
    by_id = {i.id: i for i in result.indicators}
    for ind_id, want in (expect.get("scores") or {}).items():
        ind = by_id[ind_id]
        if ind.score != _number(want):
            differs(f"{ind.name}（{ind_id}）", str(want), format(ind.score, "f"), ind.explanation)
    cats = {c.id: c for c in result.categories}
    for cat_id, want in (expect.get("categories") or {}).items():
        cat = cats[cat_id]
        if cat.score != _number(want):
            differs(f"{cat.name}（{cat_id}）", str(want), format(cat.score, "f"))
    for ind_id, want in (expect.get("status") or {}).items():
        ind = by_id[ind_id]
        if ind.status != want:
            differs(
                _t(lang, f"{ind.name}（{ind_id}）状态", f"{ind.name} ({ind_id}) status"),
                want,
                ind.status,
                ind.explanation,
            )
    for ind_id, want in (expect.get("needs_reason") or {}).items():
        ind = by_id[ind_id]
        if ind.needs_reason != want:
            differs(
                _t(
                    lang,
                    f"{ind.name}（{ind_id}）需说明偏差原因",
                    f"{ind.name} ({ind_id}) reason owed",
                ),
                _yes(want, lang),
                _yes(ind.needs_reason, lang),
                ind.explanation,
            )
    return out
