"""A batch from rows to output lines: in this process or in N worker processes.

Each row becomes a finished ``Line`` (the CSV or JSON line, the row for a
sheet, what to print about it) where it is scored, so with ``--jobs N`` no
Result crosses a process boundary: each worker loads the set once and sends
back text. Lines come back in the rows' order, so the output is the same
whatever N is, and only a few chunks are in flight at once, so memory stays
flat however many rows there are.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from . import _api
from ._messages import Lang, message
from ._plain_json import Difference, table_cell
from ._render._rows import spreadsheet_cell
from ._result_json import to_json
from ._sources import Row
from .compiled import IndicatorSet
from .result import Discrepancy, Result

if TYPE_CHECKING:
    from ._plain_json import PlainJson

SEPARATOR = "；"
CHUNK = 200  # rows a worker scores per round trip


@dataclass(frozen=True)
class Options:
    suffix: str  # .csv, .jsonl or .xlsx
    columns: tuple[str, ...]
    strict: bool
    lang: Lang
    explain: bool  # a .jsonl line carries each indicator's explanation
    reports: str | None = None  # a folder that gets one 自评表 per subject
    report_format: str = "xlsx"


@dataclass(frozen=True)
class Line:
    """One row as it is written, and what the screen is told about it."""

    text: str  # the finished CSV or JSON line ("" for .xlsx)
    cells: dict[str, str] | None  # the row for a sheet (.xlsx only)
    error: str | None  # a row that could not be scored
    problem: str | None  # a scored row that is incomplete or differs from its claims
    grade: str | None = None  # for the summary: how many rows got each grade


# The columns every batch output has, and their headers in each language.
_FIXED_HEAD = ("row", "subject", "total", "grade", "complete")
_FIXED_TAIL = ("claimed_total", "discrepancies", "warnings", "error")
HEADERS = {
    "zh": {
        "row": "行号",
        "subject": "项目名称",
        "total": "总分",
        "grade": "等级",
        "complete": "数据完整",
        "claimed_total": "自报总分",
        "discrepancies": "复核差异",
        "warnings": "提示",
        "error": "错误",
    },
    "en": {k: k for k in (*_FIXED_HEAD, *_FIXED_TAIL)},
}


def columns_for(iset: IndicatorSet) -> tuple[str, ...]:
    """The keys of a batch row: fixed columns around one column per indicator id."""
    return (*_FIXED_HEAD, *(i.id for i in iset.indicators), *_FIXED_TAIL)


def headers_for(iset: IndicatorSet, lang: Lang) -> tuple[str, ...]:
    """What the header row says: Chinese names in a Chinese run (an indicator's name,
    with its id where two share a name), the ids in an English one."""
    words = HEADERS["en" if lang == "en" else "zh"]
    if lang == "en":
        names = [i.id for i in iset.indicators]
    else:
        seen = Counter(i.name for i in iset.indicators)
        names = [i.name if seen[i.name] == 1 else f"{i.name}（{i.id}）" for i in iset.indicators]
    return (*(words[k] for k in _FIXED_HEAD), *names, *(words[k] for k in _FIXED_TAIL))


def line_for(r: Result | _api.RowError, opts: Options) -> Line:
    plain = None
    if opts.suffix == ".jsonl":
        text, cells = _json_line(r, opts.explain), None
    else:
        plain = _plain_cells(r) if isinstance(r, Result) else None
        row = _table_row(r, plain)
        if opts.suffix == ".csv":
            buf = io.StringIO()
            writer = csv.DictWriter(
                buf, fieldnames=opts.columns, extrasaction="ignore", lineterminator="\n"
            )
            writer.writerow({k: spreadsheet_cell(v) for k, v in row.items()})
            text, cells = buf.getvalue(), None
        else:
            text, cells = "", row
    if isinstance(r, _api.RowError):
        return Line(text, cells, r.message, None)
    problem = None
    if plain is not None:  # a plain row's problems are its claims that differ
        if plain.differences:
            what = [_differ_text(*d[1:], r.lang) for d in plain.differences]
            problem = _problem_text(r, plain.subject, what)
    elif not r.complete or _differs(r):
        problem = _problem_line(r, opts.lang)
    if opts.reports is not None:
        _write_report(r, opts)
    return Line(text, cells, None, problem, r.grade or "—")


def _write_report(r: Result, opts: Options) -> None:
    """The subject's own 自评表, named by its row and name (never a path from the data)."""
    from ._output import file_name, write

    name = file_name(str(r.subject.get("name") or ""), "subject")
    write(r, Path(opts.reports or ".") / f"{r.row:05d}-{name}.{opts.report_format}")


def _json_line(r: Result | _api.RowError, explain: bool) -> str:
    """A .jsonl line: the result's JSON on one line (for a plain row, written from its
    cells). A batch line is data; the words are asked for (and only then worded) with
    --explain."""
    if isinstance(r, _api.RowError):
        return json.dumps(r.to_dict(), ensure_ascii=False) + "\n"
    return to_json(r, None, False, explained=explain) + "\n"


def _differs(r: Result) -> bool:
    """Whether the unit's own scores differ from kpiscore's. Only a row that claims a
    score can, so the detail of one that claims none is not built to find out."""
    data = r.data
    if isinstance(data, dict) and not data.get("claimed"):
        return False
    return bool(r.discrepancies)


def batch_row(r: Result | _api.RowError) -> dict[str, str]:
    """A row of the batch table."""
    return _table_row(r, _plain_cells(r) if isinstance(r, Result) else None)


def _table_row(r: Result | _api.RowError, plain: Plain | None) -> dict[str, str]:
    """A row of the batch table, given its cells as ``_plain_cells`` gave them."""
    if isinstance(r, _api.RowError):
        return {"row": str(r.row), "subject": r.subject, "error": r.message}
    if plain is not None:  # its detail never read
        subject, cells, warnings, differences = plain
        claimed = _claimed_total(r, differences) if r.data.get("claimed") else ""
        differ = SEPARATOR.join(_differ_text(*d[1:], r.lang) for d in differences)
    else:
        subject, warnings = r.subject, list(r.warnings)
        cells = [(ind.id, table_cell(ind.status, ind.score)) for ind in r.indicators]
        found = [(d.id, d.name, d.claimed, d.computed) for d in r.discrepancies]
        claimed = _claimed_total(r, found)
        differ = SEPARATOR.join(differs(d, r.lang) for d in r.discrepancies)
    row = {
        "row": str(r.row),
        "subject": str(subject.get("name", "")),
        "total": format(r.total, "f") if r.total is not None else "",
        "grade": r.grade or "",
        "complete": "true" if r.complete else "false",
        # The diagnosis travels with the row: which value is missing or invalid and
        # why, and where the unit's own scores differ from kpiscore's.
        "claimed_total": claimed,
        "warnings": SEPARATOR.join(warnings),
        "discrepancies": differ,
        "error": "",
    }
    row.update(cells)
    return row


class Plain(NamedTuple):
    """A plain row's table cells, from ``PlainJson.cells`` (never worded)."""

    subject: dict[str, Any]
    cells: list[tuple[str, str]]
    warnings: list[str]
    differences: list[Difference]  # (id, name, claimed, computed) of each claim that differs


def _plain_cells(r: Result) -> Plain | None:
    """The cells of a plain row whose detail was never read; None otherwise."""
    held = r.__dict__
    writer: PlainJson | None = held.get("_plain")
    if writer is None or "_full" in held:
        return None
    found = writer.cells(r)
    if found is None:
        return None
    subject, scores, warnings, differences = found
    cells = list(zip(writer.ids_in_order, scores, strict=True))
    return Plain(subject, cells, warnings, differences)


def _claimed_total(r: Result, differences: Sequence[Difference]) -> str:
    claimed = next((d[2] for d in differences if d[0] == "total"), None)
    if claimed is not None:
        return format(claimed, "f")
    # Equal to kpiscore's total, or not a number (named in the warnings): as written.
    claimed = r.data.get("claimed") if isinstance(r.data, dict) else None
    if not isinstance(claimed, dict):
        return ""
    raw = claimed.get("total", claimed.get("总分"))
    return "" if raw is None else str(raw).strip()


def differs(d: Discrepancy, lang: Lang) -> str:
    return _differ_text(d.name, d.claimed, d.computed, lang)


def _differ_text(name: str, claimed: Decimal, computed: Decimal | None, lang: Lang) -> str:
    """One claimed score that differs, as the table and the problem line say it."""
    assert computed is not None  # a claim on the total differs only from a total
    return message(
        "discrepancy",
        lang,
        id=name,
        claimed=format(claimed, "f"),
        computed=format(computed, "f"),
        diff=format(computed - claimed, "f"),
    )


def _problem_line(r: Result, lang: Lang) -> str:
    # Only a missing or invalid value gives an indicator a problem, and then the row is
    # incomplete: a complete row's detail is not built to find none.
    what = [f"{i.name}：{i.problem}" for i in r.indicators if i.problem] if not r.complete else []
    what += [differs(d, lang) for d in r.discrepancies]
    return _problem_text(r, r.subject, what)


def _problem_text(r: Result, subject: dict[str, Any], what: list[str]) -> str:
    name = str(subject.get("name", ""))
    if r.lang == "en":
        return f"Row {r.row} ({name}): " + SEPARATOR.join(what)
    return f"第 {r.row} 行（{name}）：" + SEPARATOR.join(what)


# --- scoring the rows ----------------------------------------------------------
def lines(
    iset: IndicatorSet, set_source: str, rows: Iterable[Row], opts: Options, jobs: int
) -> Iterator[Line]:
    """Every row's Line, in order; ``jobs`` > 1 scores in that many processes. The rows
    are read from the data file by kpiscore, so their dicts are its own (``owned``)."""
    if jobs <= 1:
        for row in rows:
            yield line_for(
                _api.score_row(iset, row, strict=opts.strict, lang=opts.lang, owned=True), opts
            )
        return
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(set_source, opts)
    ) as pool:
        pending: deque[Future[list[Line]]] = deque()
        for chunk in _chunks(rows, CHUNK):
            pending.append(pool.submit(_score_chunk, chunk))
            if len(pending) >= 2 * jobs:  # a few chunks ahead, never the whole file
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER: dict[str, Any] = {}


def _start_worker(set_source: str, opts: Options) -> None:
    from . import _setcache  # the parent has just cached it: no worker validates again

    _WORKER["set"] = _setcache.load(set_source, lang=opts.lang)
    _WORKER["opts"] = opts


def _score_chunk(chunk: list[Row]) -> list[Line]:
    iset, opts = _WORKER["set"], _WORKER["opts"]
    return [
        line_for(_api.score_row(iset, row, strict=opts.strict, lang=opts.lang, owned=True), opts)
        for row in chunk
    ]


# --- the screen ------------------------------------------------------------------
class Progress:
    """One line on stderr, rewritten at most twice a second: rows done, rows/s, time left.

    Only on a terminal: a log file or a pipe gets nothing but the summary.
    """

    def __init__(self, lang: Lang, expected: int | None, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.lang = lang
        self.expected = expected
        self.on = self.stream.isatty()
        self.start = self.last = time.monotonic()
        self.done = 0
        self.shown = False

    def step(self) -> None:
        self.done += 1
        if not self.on:
            return
        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        left = ""
        if self.expected and self.expected > self.done:
            secs = int((self.expected - self.done) / rate)
            left = f", about {secs} s left" if self.lang == "en" else f"，约剩 {secs} 秒"
        text = (
            f"{self.done} rows, {rate:.0f} rows/s{left}"
            if self.lang == "en"
            else f"已计分 {self.done} 行，每秒 {rate:.0f} 行{left}"
        )
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Before anything else is printed, and at the end: the line is taken away."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def expected_rows(source: str) -> int | None:
    """About how many rows a batch source holds, for the time left (None: unknown)."""
    path = Path(source)
    try:
        if path.is_dir():
            return sum(1 for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return None
        with open(path, "rb") as fh:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def summary(scored: int, bad: int, problems: int, grades: Counter[str], lang: Lang) -> str:
    """The screen's last line: rows, failures, each grade's count, rows with problems."""
    if lang == "en":
        by_grade = ", ".join(f"{g} {n}" for g, n in grades.most_common())
        return (
            f"{scored} scored, {bad} failed"
            + (f"; grades: {by_grade}" if by_grade else "")
            + f"; {problems} with problems (incomplete or differing from the claimed scores)"
        )
    by_grade = "、".join(f"{g} {n} 行" for g, n in grades.most_common())
    return (
        f"已计分 {scored} 行，失败 {bad} 行"
        + (f"；等级：{by_grade}" if by_grade else "")
        + f"；有问题的行（数据不完整或与自报得分不一致）{problems} 行"
    )
