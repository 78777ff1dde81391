"""Where batch rows come from: a CSV file, an Excel sheet, a folder of data files, or mappings.

Every source yields (row number, subject name, data mapping or None, problem or
None), so one unreadable row is named and the others still scored. Files are
read in fixed memory: checked whole before the first row, then streamed.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import itertools
import math
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._data import BLANK_TYPES, Uncomputed, read_file
from ._messages import Lang, message, os_reason, printable
from .errors import DataError, Issue, KpiscoreError

# (row number, subject name, the data or None, why there is no data or None)
Row = tuple[int, str, Any, "str | None"]

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_CSV_FIELD = 10_000
MAX_CSV_LINE = 1024 * 1024  # characters in one line of a CSV file
MAX_XLSX_UNPACKED = 128 * 1024 * 1024  # declared size of all parts of a workbook
MAX_COLUMNS = 2_000
MAX_XLSX_COLUMNS = MAX_COLUMNS
MAX_MERGES = 100_000
HEADER_SEARCH = 20  # rows looked at for the header (title rows may stand above it)


@dataclass
class Reading:
    """What a batch source needs to know of the set, and what it found out on the way.

    ``known`` are the column names the set reads, so that the header is found
    below any title rows; ``check`` sees the header before the first row is
    scored and raises DataError for columns it must refuse; ``notes`` collects
    what was skipped or assumed about the file as a whole (hidden sheets).
    """

    known: frozenset[str] = frozenset()
    check: Callable[[list[str]], None] | None = None
    notes: list[str] = field(default_factory=list)


def _line_too_long(lang: Lang) -> str:
    return (
        f"a line longer than {MAX_CSV_LINE} characters"
        if lang == "en"
        else f"一行超过 {MAX_CSV_LINE} 个字符"
    )


NAME_COLUMNS = ("subject", "项目名称", "name", "名称", "部门名称", "单位名称")
YEAR_COLUMNS = ("year", "年度")  # subject.year, for deadline targets written without a year
_NAME_COLUMNS = NAME_COLUMNS
_SKIPPED = frozenset({*NAME_COLUMNS, *YEAR_COLUMNS, ""})  # columns that are no value


def rows_of(
    rows: Iterable[Mapping[str, Any]] | str | Path, lang: Lang, reading: Reading | None = None
) -> Iterator[Row]:
    """The rows of a batch, in order, each either data or the reason it has none."""
    reading = reading or Reading()
    if not isinstance(rows, (str, Path)):
        return _mapping_rows(rows)
    path = Path(rows)
    if path.is_dir():
        return _folder_rows(path, lang)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, lang, reading)
    return _csv_rows(path, lang, reading)


# The keys of a project data mapping; a mapping without "values" and with
# other keys is a flat row, read with the CSV conventions (subject, reason:ID, claimed:ID).
_DATA_KEYS = frozenset(
    {"indicator_set", "subject", "values", "manual", "reasons", "claimed", "notes"}
)


def _mapping_rows(rows: Any) -> Iterator[Row]:
    """Mappings, flat rows (``df.to_dict("records")``), a DataFrame, or DataFrame chunks.

    pandas is never imported: a DataFrame is known by its ``columns`` and
    ``itertuples``. Rows are numbered from 1 in source order, across chunks.
    """
    number = 0
    for item in [rows] if _is_frame(rows) else rows:
        if type(item) is dict:  # neither a frame nor a Series: most rows, asked nothing more
            number += 1
            if "values" in item and "subject" not in item:
                yield number, "", item, None  # the common row: no subject to print
            else:
                yield _mapping_row(number, item)
        else:
            for each in _frame_rows(item):
                number += 1
                yield _mapping_row(number, each)


def _mapping_row(number: int, item: Any) -> Row:
    """One mapping (or what a row is given as) as a batch row: a flat row read with the
    CSV conventions, else the mapping with its subject's name to print."""
    if is_flat(item):
        return flat_row(number, item)
    subject = ""
    if isinstance(item, Mapping):
        s = item.get("subject")
        subject = printable(str(s.get("name", "")) if isinstance(s, Mapping) else str(s or ""))
    return number, subject, item, None


def is_flat(item: Any) -> bool:
    """A mapping without ``values:`` and with keys of its own is a flat row, unless a key
    is a misspelt section (``valeus:``), which the data check then names."""
    if not isinstance(item, Mapping) or "values" in item:
        return False
    keys = tuple(item)
    try:
        if len(keys) > _MAX_KEPT_KEYS:  # judged, not kept: a cache never holds huge key sets
            return _flat_keys.__wrapped__(keys)
        return _flat_keys(keys)
    except TypeError:  # a key that cannot be hashed: no row's (the data check names it)
        return False


# Every row of a frame or a list of records repeats its keys: judged once per key set.
_MAX_KEPT_KEYS = 512


@functools.lru_cache(maxsize=256)
def _flat_keys(keys: tuple[Any, ...]) -> bool:
    own = [str(k) for k in keys if k not in _DATA_KEYS]
    return bool(own) and not any(map(_misspelt_section, own))


_LONGEST_SECTION = max(map(len, _DATA_KEYS))


def _misspelt_section(key: str) -> bool:
    # A key over twice the longest section's length is too far from any to be one
    # misspelt (difflib's ratio stays under 0.8), so only short keys are compared.
    return ":" not in key and len(key) <= _LONGEST_SECTION * 2 and _close_to_section(key)


# Every row of a frame repeats its columns: each distinct key is compared once.
@functools.lru_cache(maxsize=4096)
def _close_to_section(key: str) -> bool:
    return bool(difflib.get_close_matches(key, _DATA_KEYS, n=1, cutoff=0.8))


def _is_frame(x: Any) -> bool:
    return hasattr(x, "columns") and hasattr(x, "itertuples") and not isinstance(x, Mapping)


def as_row(x: Any) -> Any:
    """A pandas Series (one row of ``df.iterrows()`` or ``df.loc[i]``) as the flat
    mapping of its labels to its cells; anything else as it is. Known by its
    ``index``, ``dtype`` and ``to_dict``, as a DataFrame is by its ``columns``."""
    if (
        hasattr(x, "to_dict")
        and hasattr(x, "index")
        and hasattr(x, "dtype")
        and not isinstance(x, Mapping)
        and not _is_frame(x)
    ):
        try:
            cells = x.to_dict()
        except Exception:  # not pandas after all: named as data that is not a mapping
            return x
        if isinstance(cells, Mapping):
            return {str(k): v for k, v in cells.items()}
    return x


def _frame_rows(item: Any) -> Iterator[Any]:
    """A DataFrame's rows as mappings of its columns to their cells; anything else (a
    Series, or what is no row) as ``as_row`` gives it."""
    if _is_frame(item):
        columns = [str(c) for c in item.columns]
        for values in item.itertuples(index=False, name=None):
            yield dict(zip(columns, values, strict=True))
    else:
        yield as_row(item)


def flat_row(number: int, row: Mapping[Any, Any]) -> Row:
    """One flat mapping as a CSV row would be read; values keep their Python types."""
    return _flat_cells(number, {_normal_header(str(k)): v for k, v in row.items()})


def _flat_cells(number: int, cells: dict[str, Any]) -> Row:
    """flat_row's work once the headers are normalised."""
    return _columns(tuple(cells)).row(number, list(cells.values()))


class _Columns:
    """Where each column of one header goes (name, year, a value, a reason, a claimed
    score), worked out once per header instead of once per row."""

    def __init__(self, header: tuple[str, ...]):
        at = {col: i for i, col in enumerate(header)}  # a later duplicate wins, as in a dict
        self.names = [at[c] for c in NAME_COLUMNS if c in at]
        self.years = [at[c] for c in YEAR_COLUMNS if c in at]
        self.fields: list[tuple[int, int, str]] = []  # (cell, section, key)
        for col, i in at.items():
            if col in _SKIPPED:
                continue
            if col.startswith("reason:"):
                self.fields.append((i, 1, col[7:].strip()))
            elif col.startswith("claimed:"):
                self.fields.append((i, 2, col[8:].strip()))
            else:
                self.fields.append((i, 0, col))

    def row(self, number: int, cells: list[Any]) -> Row:
        name = _first_filled(cells, self.names)
        subject = printable(str(name).strip()) if name is not None else f"#{number}"
        year = _first_filled(cells, self.years)
        if type(year) is Shown:
            year = str(year)  # a year cell as stored, a plain text like any other
        sections: tuple[dict[str, Any], ...] = ({}, {}, {})  # values, reasons, claimed
        for i, section, key in self.fields:
            cell = cells[i]
            # A text cell is the common case: its blank test inline, the rest by _filled.
            if type(cell) is Shown:  # a claim as the unit saw it; a value as stored
                sections[section][key] = cell.shown() if section == 2 else str(cell)
            elif cell.strip() if type(cell) is str else _filled(cell):
                sections[section][key] = cell
        head: dict[str, Any] = (
            {"name": subject} if year is None else {"name": subject, "year": year}
        )
        values, reasons, claimed = sections
        return (
            number,
            subject,
            {"subject": head, "values": values, "reasons": reasons, "claimed": claimed},
            None,
        )


def _first_filled(cells: list[Any], at: Iterable[int]) -> Any:
    """The first of these cells that holds anything (a text cell's blank test inline)."""
    for i in at:
        cell = cells[i]
        if cell.strip() if type(cell) is str else _filled(cell):
            return cell
    return None


@functools.lru_cache(maxsize=256)
def _columns(header: tuple[str, ...]) -> _Columns:
    return _Columns(header)


def _filled(cell: Any) -> bool:
    """Whether a cell holds anything: None, '', NaN and pandas' NA are empty."""
    if cell is None or type(cell).__name__ in BLANK_TYPES:
        return False
    if isinstance(cell, float) and math.isnan(cell):
        return False
    return not (isinstance(cell, str) and not cell.strip())


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


def _xlsx_rows(path: Path, lang: Lang, reading: Reading) -> Iterator[Row]:
    """The sheet an officer sees (the active one, if visible), read like a CSV.

    An .xlsx is a zip of XML. Before openpyxl sees it, the file size and the
    sizes its parts declare are checked, so a zip bomb is refused unopened
    (Python's zipfile never inflates a part past its declared size).
    """
    _check_xlsx_zip(path, lang)
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the environment
        raise _file_issue("needs_openpyxl", path, lang) from None
    formulas = None
    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken workbook; all mean the same
        raise _file_issue("bad_xlsx", path, lang) from None
    try:
        index = _visible_sheet(values, path, lang, reading)
        sheet = values.worksheets[index]
        merges, has_formulas = _scan_sheet(path, getattr(sheet, "_worksheet_path", ""))
        shadow = None
        if has_formulas:  # read a second time, for the text of formulas never computed
            try:
                formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
            except Exception:
                raise _file_issue("bad_xlsx", path, lang) from None
            shadow = formulas.worksheets[index]
        cells = _sheet_cells(sheet, shadow, merges, path, lang)
        yield from _table_rows(_checked(cells, path, lang), reading, path, lang, short_ok=True)
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


def _check_xlsx_zip(path: Path, lang: Lang) -> None:
    import zipfile  # for workbooks only: it imports three compression modules

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


def _visible_sheet(wb: Any, path: Path, lang: Lang, reading: Reading) -> int:
    """The active sheet when it is visible, else the first visible one; hidden ones are named."""
    sheets = list(wb.worksheets)
    visible = [
        i for i, ws in enumerate(sheets) if getattr(ws, "sheet_state", "visible") == "visible"
    ]
    if not visible:
        raise _file_issue("xlsx_no_visible_sheet", path, lang)
    hidden = [ws.title for ws in sheets if getattr(ws, "sheet_state", "visible") != "visible"]
    if hidden:
        reading.notes.append(
            message("xlsx_hidden_skipped", lang, sheets="、".join(h[:30] for h in hidden[:10]))
        )
    try:
        active = sheets.index(wb.active)
    except (ValueError, IndexError, AttributeError):
        active = visible[0]
    chosen = active if active in visible else visible[0]
    if len(visible) > 1:
        reading.notes.append(message("xlsx_sheet_used", lang, sheet=sheets[chosen].title[:30]))
    return chosen


# A formula cell Excel never computed: its <f> (or a shared formula's <f …/>) ends the
# cell with no value after it (<v> follows <f> in a cell; an empty <v> is none either).
_UNCOMPUTED = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_sheet(path: Path, part: str) -> tuple[list[tuple[int, int, int, int]], bool]:
    """(each merged range of a sheet as (first row, first column, last row, last
    column), whether any formula cell has no value).

    openpyxl's streaming reader does not report merges, so the sheet's XML is
    scanned for them in fixed memory (the part's size was checked before); a sheet
    whose formulas all hold the value Excel computed (every sheet Excel saved) is
    not read a second time for the formulas never computed.
    """
    found: list[tuple[int, int, int, int]] = []
    if not part:
        return found, True
    import zipfile

    formulas = False
    with zipfile.ZipFile(path) as zf:
        name = part.lstrip("/")
        if name not in zf.namelist():
            return found, True
        with zf.open(name) as fh:
            carry = b""
            while chunk := fh.read(1 << 16):
                text = carry + chunk
                formulas = formulas or _UNCOMPUTED.search(text) is not None
                last = 0
                for m in _MERGE.finditer(text):
                    if len(found) < MAX_MERGES:
                        c1, r1, c2, r2 = m.groups()
                        found.append((int(r1), _column_number(c1), int(r2), _column_number(c2)))
                    last = m.end()
                carry = text[max(last, len(text) - 200) :]
    return found, formulas


def _sheet_cells(
    sheet: Any,
    shadow: Any | None,
    merges: list[tuple[int, int, int, int]],
    path: Path,
    lang: Lang,
) -> Iterator[tuple[int, list[str], str | None]]:
    """(row number, cell texts, problem) for each row of a sheet, as the officer sees it.

    A formula Excel never computed has no value: it is marked, not read as blank.
    A cell merged down a column shows its value on every row it covers; a merge
    across columns in a row cannot say which column holds the value, so that row
    is named instead of losing values silently.
    """
    down: dict[tuple[int, int], tuple[int, int]] = {}  # (row, col) -> the merge's first cell
    across: dict[int, str] = {}
    for r1, c1, r2, c2 in merges:
        if c1 == c2:
            for r in range(r1 + 1, min(r2, r1 + MAX_MERGES) + 1):
                down[(r, c1)] = (r1, c1)
        else:
            ref = f"{_letters(c1)}{r1}:{_letters(c2)}{r2}"
            for r in range(r1, min(r2, r1 + 100) + 1):
                across.setdefault(r, ref)
    firsts: dict[tuple[int, int], str] = {}
    heads = set(down.values())
    # Each row as wide as its last stored cell: a sheet's declared dimension is not
    # trusted, and a row padded to the column cap cost 2,000 cells a row to walk.
    sheet.reset_dimensions()
    rows = sheet.iter_rows()  # cells, not values: a claim is read as shown
    shadows = None  # the formulas, row by row: only for a sheet that has any
    if shadow is not None:
        shadow.reset_dimensions()
        shadows = shadow.iter_rows(values_only=True)
    try:  # the readers hold parts of the zip open until they are closed
        for number, row in enumerate(rows, start=1):
            formula_row = next(shadows, ()) if shadows is not None else ()
            if len(row) > MAX_COLUMNS and any(c.value not in (None, "") for c in row[MAX_COLUMNS:]):
                raise _file_issue(
                    "too_many_columns", path, lang, count=f"> {MAX_COLUMNS}", limit=MAX_COLUMNS
                )
            cells: list[str] = []
            for col, cell in enumerate(row[:MAX_COLUMNS], start=1):
                v = cell.value
                text = _cell_text(v)
                if type(v) is float and cell.number_format != "General":
                    text = _as_shown(text, v, cell.number_format)
                if v is None and col <= len(formula_row):
                    f = formula_row[col - 1]
                    if isinstance(f, str) and f.startswith("="):
                        text = Uncomputed(f[:60])
                if (number, col) in heads:
                    firsts[(number, col)] = text
                if (number, col) in down and not text.strip():
                    text = firsts.get(down[(number, col)], "")
                cells.append(text)
            merged = across.get(number)
            problem = message("xlsx_merged_across", lang, ref=merged) if merged else None
            yield number, _trimmed(cells), problem
    finally:
        rows.close()
        if shadows is not None:
            shadows.close()


class Shown(str):
    """A number cell's stored value as a CSV would hold it, with the number format the
    sheet shows it by (9.778649060077175 under ``0.00`` shows 9.78). Values are read as
    stored — Excel's own formulas use them so — and a claimed score as shown, what the
    unit saw and filed (``shown()``, worked out only for a claim)."""

    value: float
    number_format: str

    def shown(self) -> str:
        """The claim as the sheet shows it, where its format hides digits of its value."""
        from ._shown import shown_number

        seen = shown_number(self.value, self.number_format)
        if "%" in seen or seen == self:
            return str(self)
        try:
            if Decimal(seen) == Decimal(self):
                return str(self)  # 10 under 0.00 shows 10.00: the same number
        except ArithmeticError:
            return str(self)
        return seen


def _as_shown(text: str, value: float, fmt: str) -> Shown:
    out = Shown(text)
    out.value, out.number_format = value, fmt
    return out


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _checked(
    rows: Iterator[tuple[int, list[str], str | None]], path: Path, lang: Lang
) -> Iterator[tuple[int, list[str], str | None]]:
    # openpyxl may still fail halfway through a damaged sheet.
    try:
        yield from rows
    except KpiscoreError:
        raise
    except Exception:
        raise _file_issue("bad_xlsx", path, lang) from None


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
        with open(path, "rb") as fh:
            start = fh.read(4)
        if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
            # Excel's "Unicode text" and some tools save UTF-16: say so, not "NUL".
            raise _file_issue("csv_utf16", path, lang)
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


def _bounded_lines(fh: Any) -> Iterator[tuple[int, str | None]]:
    """(line number, line) — a line over the cap comes as None, skipped in pieces, never whole.

    csv's own limit is per field; a line of a million commas would still be a
    million cells, so the line itself is capped and named.
    """
    number = 0
    while line := fh.readline(MAX_CSV_LINE + 1):
        number += 1
        if len(line) > MAX_CSV_LINE:
            while line and not line.endswith("\n"):
                line = fh.readline(MAX_CSV_LINE + 1)
            yield number, None
            continue
        yield number, line


def _csv_rows(path: Path, lang: Lang, reading: Reading) -> Iterator[Row]:
    _check_csv_bytes(path, lang)
    csv.field_size_limit(MAX_CSV_FIELD)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lines = _bounded_lines(fh)
            head = [ln for _, ln in zip(range(HEADER_SEARCH), lines, strict=False)]
            delimiter = _sniff([t for _, t in head if t is not None])
            records = _records(itertools.chain(head, lines), delimiter, lang)
            yield from _table_rows(records, reading, path, lang)
    except OSError as exc:
        raise _file_issue(
            "cannot_read", path, lang, file=str(path), reason=os_reason(exc, lang)
        ) from None


def _sniff(lines: list[str]) -> str:
    """Comma, tab or semicolon: the one most lines carry (Excel's "text" export is tab-separated).

    A file saved as .csv with tabs would otherwise be one column per row: rows
    of zeros with exit 0.
    """
    counts = {d: sum(1 for ln in lines if d in ln) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


_START, _UNQUOTED, _QUOTED, _QUOTE_IN_QUOTED = range(4)


def _scan(line: str, delimiter: str, state: int) -> int:
    """The quoting state at the end of a physical line, as csv reads it (Excel dialect)."""
    if state != _QUOTED and '"' not in line:
        return _START
    for ch in line:
        if state == _START:
            state = _QUOTED if ch == '"' else (_START if ch == delimiter else _UNQUOTED)
        elif state == _UNQUOTED:
            if ch == delimiter:
                state = _START
        elif state == _QUOTED:
            if ch == '"':
                state = _QUOTE_IN_QUOTED
        elif ch == '"':
            state = _QUOTED
        else:
            state = _START if ch == delimiter else _UNQUOTED
        if ch in "\r\n" and state != _QUOTED:
            return _START
    return state


def _records(
    lines: Iterator[tuple[int, str | None]], delimiter: str, lang: Lang
) -> Iterator[tuple[int, list[str], str | None]]:
    """(line where the record starts, cells, problem) for each record of a CSV.

    A quoted cell may run over several lines (Alt+Enter in Excel). A quote that
    is never closed would otherwise swallow every later row: when the file ends
    or the cell outgrows the cell limit still inside it, the line where it
    opened is named and the lines after it are read again as rows.
    """
    again: deque[tuple[int, str | None]] = deque()
    pending: list[tuple[int, str]] = []
    size = 0
    state = _START

    def parse(number: int, text: str) -> tuple[int, list[str], str | None]:
        if len(text) <= MAX_CSV_FIELD and '"' not in text and "\x00" not in text:
            # Most lines: no quotes, no NUL, no field over the limit; csv would split
            # them exactly so, at a fraction of the cost of a reader per line.
            return number, text.rstrip("\r\n").split(delimiter), None
        try:
            cells = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error as exc:
            return number, [], message("bad_csv", lang, problem=_csv_words(exc, lang))
        return number, cells, None

    while True:
        item = again.popleft() if again else next(lines, None)
        if item is None:
            if pending:  # the file ended inside a quoted cell
                yield pending[0][0], [], message("csv_unclosed_quote", lang, line=pending[0][0])
                again.extend(pending[1:])
                pending, size, state = [], 0, _START
                continue
            return
        number, line = item
        if line is None:
            if pending:
                again.appendleft(item)
                again.extendleft(reversed(pending[1:]))
                yield pending[0][0], [], message("csv_unclosed_quote", lang, line=pending[0][0])
                pending, size, state = [], 0, _START
                continue
            yield number, [], _line_too_long(lang)
            continue
        state = _scan(line, delimiter, state)
        if state == _QUOTED:
            pending.append((number, line))
            size += len(line)
            if size > MAX_CSV_FIELD + MAX_CSV_LINE:
                yield pending[0][0], [], message("csv_unclosed_quote", lang, line=pending[0][0])
                again.extendleft(reversed(pending[1:]))
                pending, size, state = [], 0, _START
            continue
        if pending:
            first = pending[0][0]
            text = "".join(t for _, t in pending) + line
            pending, size = [], 0
            yield parse(first, text)
        else:
            yield parse(number, line)


# Every row of a table repeats its header: each distinct header is normalised once.
@functools.lru_cache(maxsize=4096)
def _normal_header(cell: str) -> str:
    """A header cell as cells are read: NFKC (full-width letters and ：), no BOM, trimmed;
    a Chinese section prefix as its own (偏差原因：X is reason:X, 自评得分：X claimed:X)."""
    header = unicodedata.normalize("NFKC", cell.replace("\ufeff", "")).strip()
    for alias, prefix in _PREFIX_ALIASES:
        if header.startswith(alias):
            return prefix + header[len(alias) :].strip()
    return header


# How a table may head a reason or a claimed score in Chinese (after NFKC: ： is :).
_PREFIX_ALIASES = (
    ("偏差原因:", "reason:"),
    ("自评得分:", "claimed:"),
    ("自评分:", "claimed:"),
    ("自报得分:", "claimed:"),
)


def _is_header(cells: list[str], reading: Reading) -> bool:
    names = {_normal_header(c) for c in cells}
    return (
        bool(names & set(NAME_COLUMNS))
        or bool(names & reading.known)
        or any(n.startswith(("reason:", "claimed:")) for n in names)
    )


def _table_rows(
    records: Iterator[tuple[int, list[str], str | None]],
    reading: Reading,
    path: Path,
    lang: Lang,
    *,
    short_ok: bool = False,
) -> Iterator[Row]:
    """Rows of a table whose header may sit below title rows, each a data mapping or a problem.

    ``short_ok``: a sheet does not store the empty cells on the right of a row, so
    a short row there is not ragged; in a CSV it is a missing separator.
    """
    leading: list[tuple[int, list[str], str | None]] = []
    header_at: int | None = None
    for record in records:
        if len(record[1]) > MAX_COLUMNS:
            raise _file_issue(
                "too_many_columns", path, lang, count=len(record[1]), limit=MAX_COLUMNS
            )
        leading.append(record)
        if not record[2] and _is_header(record[1], reading):
            header_at = len(leading) - 1
            break
        if len(leading) >= HEADER_SEARCH:
            break
    if header_at is None:
        first = next((r for r in leading if any(c.strip() for c in r[1])), None)
        if first is None:
            return
        if reading.known:
            # No row names a column the set reads: every row would score nothing.
            shown = "、".join(_normal_header(c)[:20] for c in first[1] if c.strip())[:120]
            raise _file_issue(
                "no_header", path, lang, rows=HEADER_SEARCH, found=shown, line=first[0]
            )
        header_at = leading.index(first)
    header_problem = leading[header_at][2]
    if header_problem:
        raise _file_issue("bad_csv", path, lang, problem=header_problem)
    header = [_normal_header(h) for h in leading[header_at][1]]
    _check_header(header, path, lang)
    if reading.check is not None:
        reading.check(header)
    columns = _columns(tuple(header))
    names = [i for i, h in enumerate(header) if h in NAME_COLUMNS]
    rest = itertools.chain(leading[header_at + 1 :], records)
    for number, cells, problem in rest:
        if problem is not None:
            yield number, f"#{number}", None, problem
            continue
        filled = _first_filled(cells, range(len(cells)))
        if filled is None:  # a blank row
            continue
        total = _total_word(filled, cells, names)
        if total is not None:  # a sum under the list, not a subject: named, never scored
            yield number, total, None, _total_row(total, lang)
            continue
        if short_ok and len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))
        yield _row(number, header, columns, cells, lang)


# What a list's sum row says in its first cell (spaces dropped: 合 计 is 合计).
_TOTAL_WORDS = frozenset({"合计", "总计", "小计", "合计数", "总合计", "共计"})


_TOTAL_FIRST = frozenset(word[0] for word in _TOTAL_WORDS)


def _total_word(first: str, cells: list[str], names: list[int]) -> str | None:
    """The word of a sum row — 合计, 总计, 小计 … as its first filled cell or its name —
    or None (a cell that cannot be one is passed over at the cost of one strip)."""
    word = _total_in(first)
    for i in names:
        if word is not None:
            break
        if i < len(cells):
            word = _total_in(cells[i])
    return word


def _total_in(cell: str) -> str | None:
    text = cell.strip()
    if text[:1] not in _TOTAL_FIRST:
        return None
    word = "".join(unicodedata.normalize("NFKC", text).split())
    return word if word in _TOTAL_WORDS else None


def _total_row(word: str, lang: Lang) -> str:
    return (
        f"a sum row ({word}), not a subject: not scored"
        if lang == "en"
        else f"这是{word}行，不是一个项目，未计分"
    )


def _check_header(header: list[str], path: Path, lang: Lang) -> None:
    if len(header) > MAX_COLUMNS:
        raise _file_issue("too_many_columns", path, lang, count=len(header), limit=MAX_COLUMNS)
    dupes = sorted(h for h, n in Counter(h for h in header if h).items() if n > 1)
    if dupes:
        names = ", ".join(d[:40] for d in dupes[:10])
        problem = f"duplicate columns: {names}" if lang == "en" else f"表头中有重复的列：{names}"
        raise _file_issue("bad_csv", path, lang, problem=problem)


def _row(number: int, header: list[str], columns: _Columns, cells: list[str], lang: Lang) -> Row:
    if len(cells) != len(header):
        subject = printable(
            next(
                (
                    c.strip()
                    for h, c in zip(header, cells, strict=False)
                    if h in NAME_COLUMNS and c.strip()
                ),
                f"#{number}",
            )
        )
        problem = (
            f"该行有 {len(cells)} 列，表头有 {len(header)} 列"
            if lang != "en"
            else f"{len(cells)} cells, the header has {len(header)}"
        )
        return number, subject, None, problem
    return columns.row(number, cells)
