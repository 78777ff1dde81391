"""The public entry points: load, check, score, score_many."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _compile
from ._data import read_file
from ._evaluate import score_data
from ._messages import Lang, message, os_reason
from .compiled import IndicatorSet
from .errors import DataError, Issue, KpiscoreError
from .result import Result

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_CSV_FIELD = 10_000
MAX_CSV_LINE = 1024 * 1024  # characters in one line of a CSV file


def _line_too_long(lang: Lang) -> str:
    return (
        f"a line longer than {MAX_CSV_LINE} characters"
        if lang == "en"
        else f"一行超过 {MAX_CSV_LINE} 个字符"
    )


_NAME_COLUMNS = ("subject", "项目名称", "name", "名称")


def load(source: str | Path, *, lang: Lang = "zh") -> IndicatorSet:
    """Read, validate and compile an indicator set; ConfigError lists every problem."""
    return _compile.load(source, lang)


def check(source: str | Path, *, lang: Lang = "zh") -> list[Issue]:
    """Every problem in a set, errors and warnings, in one pass. Never raises for a bad set."""
    _, issues = _compile.compile_source(source, lang)
    return issues


def _as_set(indicator_set: IndicatorSet | str | Path, lang: Lang) -> IndicatorSet:
    if isinstance(indicator_set, IndicatorSet):
        return indicator_set
    return load(indicator_set, lang=lang)


def score(
    indicator_set: IndicatorSet | str | Path,
    data: Mapping[str, Any] | str | Path,
    *,
    strict: bool = False,
    lang: Lang = "zh",
) -> Result:
    """Score one subject. ``data`` is a YAML/JSON path or a mapping shaped like spec §2."""
    iset = _as_set(indicator_set, lang)
    if isinstance(data, (str, Path)):
        data, file, doc = read_file(data, lang)
        return score_data(iset, data, strict=strict, lang=lang, file=file, doc=doc)
    return score_data(iset, data, strict=strict, lang=lang)


@dataclass(frozen=True)
class RowError:
    """A batch row that could not be scored; the other rows still were."""

    row: int
    subject: str
    message: str
    issues: tuple[Issue, ...] = ()

    ok = False

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "subject": self.subject, "error": self.message}


def score_many(
    indicator_set: IndicatorSet | str | Path,
    rows: Iterable[Mapping[str, Any]] | str | Path,
    *,
    strict: bool = False,
    lang: Lang = "zh",
) -> Iterator[Result | RowError]:
    """Score many subjects. Yields a Result per good row and a RowError per bad one, in order."""
    return score_rows(_as_set(indicator_set, lang), rows, strict=strict, lang=lang)


def score_rows(
    iset: IndicatorSet,
    rows: Iterable[Mapping[str, Any]] | str | Path,
    *,
    strict: bool = False,
    lang: Lang = "zh",
    check_set: bool = True,
) -> Iterator[Result | RowError]:
    """score_many's engine; ``check_set=False`` lets data written for one set be
    scored by another (``kpiscore diff``) without the indicator_set mismatch."""
    for number, subject, data, error in _rows(rows, lang):
        if error is not None:
            yield RowError(
                number,
                subject,
                message("bad_row", lang, row=number, subject=subject, problem=error),
            )
            continue
        try:
            yield score_data(iset, data, strict=strict, lang=lang, check_set=check_set)
        except KpiscoreError as exc:
            issues = tuple(getattr(exc, "issues", ()))
            problem = "; ".join(i.message for i in issues) or str(exc)
            yield RowError(
                number,
                subject,
                message("bad_row", lang, row=number, subject=subject, problem=problem),
                issues,
            )


def _rows(
    rows: Iterable[Mapping[str, Any]] | str | Path, lang: Lang
) -> Iterator[tuple[int, str, Any, str | None]]:
    if isinstance(rows, (str, Path)):
        path = Path(rows)
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json")
            )
            for i, p in enumerate(files, start=1):
                try:
                    data, _, _ = read_file(p, lang)
                except KpiscoreError as exc:
                    issues = getattr(exc, "issues", ())
                    yield i, p.name, None, "; ".join(x.message for x in issues) or str(exc)
                    continue
                yield i, p.name, data, None
            return
        yield from _csv_rows(path, lang)
        return
    for i, data in enumerate(rows, start=1):
        subject = ""
        if isinstance(data, Mapping):
            s = data.get("subject")
            subject = str(s.get("name", "")) if isinstance(s, Mapping) else str(s or "")
        yield i, subject, data, None


def _file_issue(code: str, path: Path, lang: Lang, **params: Any) -> DataError:
    return DataError([Issue(code, message(code, lang, **params), file=str(path))])


def _check_csv_bytes(path: Path, lang: Lang) -> None:
    """UTF-8 (BOM or not) and no NUL, checked in one streaming pass of fixed memory.

    A file in the wrong encoding is refused before any row is scored, rather
    than scoring its first rows and failing halfway.
    """
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise _file_issue("file_too_large", path, lang, size=size, limit=MAX_CSV_BYTES)
        try:
            bad_at = _first_undecodable(path, "utf-8")
        except _NulByte:
            raise _file_issue("nul_byte", path, lang) from None
        if bad_at is not None:
            # Excel on a Chinese system saves "CSV (逗号分隔)" as GBK: say so, and how to fix it.
            if _first_undecodable(path, "gb18030") is None:
                raise _file_issue("csv_gbk", path, lang)
            raise _file_issue("not_utf8", path, lang, offset=bad_at)
    except OSError as exc:
        raise _file_issue(
            "cannot_read", path, lang, file=str(path), reason=os_reason(exc, lang)
        ) from None


class _NulByte(Exception):
    pass


def _first_undecodable(path: Path, encoding: str) -> int | None:
    """The byte offset where ``encoding`` fails, or None; fixed memory. NUL refuses at once."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            if b"\x00" in chunk:
                raise _NulByte
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _bounded_lines(fh: Any, too_long: list[int]) -> Iterator[str]:
    # csv's own limit is per field; a line of a million commas would still be
    # a million cells. A line over the cap is skipped (read in pieces, never
    # whole) and its number noted, so the row is reported and the rest go on.
    number = 0
    while line := fh.readline(MAX_CSV_LINE + 1):
        number += 1
        if len(line) > MAX_CSV_LINE:
            while line and not line.endswith("\n"):
                line = fh.readline(MAX_CSV_LINE + 1)
            too_long.append(number)
            yield "\n"
            continue
        yield line


def _csv_rows(path: Path, lang: Lang) -> Iterator[tuple[int, str, Any, str | None]]:
    _check_csv_bytes(path, lang)
    csv.field_size_limit(MAX_CSV_FIELD)
    too_long: list[int] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield from _csv_records(csv.reader(_bounded_lines(fh, too_long)), too_long, path, lang)
    except OSError as exc:
        raise _file_issue(
            "cannot_read", path, lang, file=str(path), reason=os_reason(exc, lang)
        ) from None


def _csv_records(
    reader: Iterator[list[str]], too_long: list[int], path: Path, lang: Lang
) -> Iterator[tuple[int, str, Any, str | None]]:
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise _file_issue("bad_csv", path, lang, problem=str(exc)) from None
    if too_long:
        raise _file_issue("bad_csv", path, lang, problem=_line_too_long(lang))
    header = [h.strip() for h in header]
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise _file_issue(
            "bad_csv", path, lang, problem=f"duplicate columns: {', '.join(sorted(dupes))}"
        )
    line = 1
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, "", None, message("bad_csv", lang, problem=str(exc))
            continue
        if too_long:
            too_long.clear()
            yield line, f"#{line}", None, _line_too_long(lang)
            continue
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        subject = next(
            (row[c].strip() for c in _NAME_COLUMNS if c in row and row[c].strip()), f"#{line}"
        )
        if len(cells) != len(header):
            yield (
                line,
                subject,
                None,
                (
                    f"该行有 {len(cells)} 列，表头有 {len(header)} 列"
                    if lang != "en"
                    else f"{len(cells)} cells, the header has {len(header)}"
                ),
            )
            continue
        values: dict[str, Any] = {}
        reasons: dict[str, Any] = {}
        claimed: dict[str, Any] = {}
        for col, cell in row.items():
            if col in _NAME_COLUMNS or not col:
                continue
            if col.startswith("reason:"):
                if cell.strip():
                    reasons[col[7:]] = cell
            elif col.startswith("claimed:"):
                if cell.strip():
                    claimed[col[8:]] = cell
            elif cell.strip():
                values[col] = cell
        yield (
            line,
            subject,
            {
                "subject": {"name": subject},
                "values": values,
                "reasons": reasons,
                "claimed": claimed,
            },
            None,
        )
