"""Where batch rows come from: a CSV file, an Excel sheet, a folder of data files, or mappings.

Every source yields (row number, subject name, data mapping or None, problem or
None), so one unreadable row is named and the others still scored. Files are
read in fixed memory: checked whole before the first row, then streamed.
"""

from __future__ import annotations

import codecs
import csv
import math
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._data import read_file
from ._messages import Lang, message, os_reason, printable
from .errors import DataError, Issue, KpiscoreError

# (row number, subject name, the data or None, why there is no data or None)
Row = tuple[int, str, Any, "str | None"]

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_CSV_FIELD = 10_000
MAX_CSV_LINE = 1024 * 1024  # characters in one line of a CSV file
MAX_XLSX_UNPACKED = 128 * 1024 * 1024  # declared size of all parts of a workbook
MAX_XLSX_COLUMNS = 2_000


def _line_too_long(lang: Lang) -> str:
    return (
        f"a line longer than {MAX_CSV_LINE} characters"
        if lang == "en"
        else f"一行超过 {MAX_CSV_LINE} 个字符"
    )


_NAME_COLUMNS = ("subject", "项目名称", "name", "名称")


def rows_of(rows: Iterable[Mapping[str, Any]] | str | Path, lang: Lang) -> Iterator[Row]:
    """The rows of a batch, in order, each either data or the reason it has none."""
    if not isinstance(rows, (str, Path)):
        return _mapping_rows(rows)
    path = Path(rows)
    if path.is_dir():
        return _folder_rows(path, lang)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, lang)
    return _csv_rows(path, lang)


def _mapping_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[Row]:
    for i, data in enumerate(rows, start=1):
        subject = ""
        if isinstance(data, Mapping):
            s = data.get("subject")
            subject = printable(str(s.get("name", "")) if isinstance(s, Mapping) else str(s or ""))
        yield i, subject, data, None


def _folder_rows(path: Path, lang: Lang) -> Iterator[Row]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
    for i, p in enumerate(files, start=1):
        try:
            data, _, _ = read_file(p, lang)
        except KpiscoreError as exc:
            issues = getattr(exc, "issues", ())
            yield i, p.name, None, "; ".join(x.message for x in issues) or str(exc)
            continue
        yield i, p.name, data, None


def _xlsx_rows(path: Path, lang: Lang) -> Iterator[Row]:
    """The first sheet of a workbook, read like a CSV: a header row, then a row per subject.

    An .xlsx is a zip of XML. Before openpyxl sees it, the file size and the
    sizes its parts declare are checked, so a zip bomb is refused unopened
    (Python's zipfile never inflates a part past its declared size).
    """
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise _file_issue("needs_openpyxl", path, lang) from None
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise _file_issue("file_too_large", path, lang, size=size, limit=MAX_CSV_BYTES)
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise _file_issue("file_too_large", path, lang, size=unpacked, limit=MAX_XLSX_UNPACKED)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise _file_issue("bad_xlsx", path, lang) from None
    except OSError as exc:
        raise _file_issue(
            "cannot_read", path, lang, file=str(path), reason=os_reason(exc, lang)
        ) from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken workbook; all mean the same
        raise _file_issue("bad_xlsx", path, lang) from None
    try:
        cells = (
            _trimmed([_cell_text(v) for v in row[:MAX_XLSX_COLUMNS]])
            for row in wb.worksheets[0].iter_rows(values_only=True)
        )
        yield from _csv_records(_padded(_checked(cells, path, lang)), [], path, lang)
    finally:
        wb.close()


def _checked(rows: Iterator[list[str]], path: Path, lang: Lang) -> Iterator[list[str]]:
    # openpyxl may still fail halfway through a damaged sheet.
    try:
        yield from rows
    except Exception:
        raise _file_issue("bad_xlsx", path, lang) from None


def _padded(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    # In a sheet an empty cell on the right is simply not stored: a short row is not ragged.
    width = None
    for cells in rows:
        if width is None:
            width = len(cells)
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield cells


def _trimmed(cells: list[str]) -> list[str]:
    # A sheet's rows run as wide as its widest row; the empty cells on the right are not columns.
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _cell_text(v: Any) -> str:
    """A cell as the text a CSV would hold: 1104.87, not 1104.8699999999999."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "nan"  # read later as not finite, and named
    text = str(v)
    return text[:MAX_CSV_FIELD]


def _csv_words(exc: csv.Error, lang: Lang) -> str:
    text = str(exc)
    if lang == "en":
        return text
    if "field larger than field limit" in text:
        return f"有一格超过 {MAX_CSV_FIELD} 个字符"
    return f"格式错误（{text[:80]}）"


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


def _csv_rows(path: Path, lang: Lang) -> Iterator[Row]:
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
) -> Iterator[Row]:
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise _file_issue("bad_csv", path, lang, problem=_csv_words(exc, lang)) from None
    if too_long:
        raise _file_issue("bad_csv", path, lang, problem=_line_too_long(lang))
    header = [h.strip() for h in header]
    dupes = {h for h in header if h and header.count(h) > 1}
    if dupes:
        names = ", ".join(sorted(dupes))
        problem = f"duplicate columns: {names}" if lang == "en" else f"表头中有重复的列：{names}"
        raise _file_issue("bad_csv", path, lang, problem=problem)
    line = 1
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, "", None, message("bad_csv", lang, problem=_csv_words(exc, lang))
            continue
        if too_long:
            too_long.clear()
            yield line, f"#{line}", None, _line_too_long(lang)
            continue
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        subject = printable(
            next((row[c].strip() for c in _NAME_COLUMNS if c in row and row[c].strip()), f"#{line}")
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
