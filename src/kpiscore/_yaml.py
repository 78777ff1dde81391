"""Read YAML safely, keeping the line and column of every key and value.

PyYAML's own loaders turn ``NO`` into False, ``010`` into 8, ``1:30`` into 90,
expand aliases (billion laughs) and recurse on deep nesting. Instead we take
the parser's event stream (libyaml when present, so large files stay fast)
and build plain Python values ourselves, iteratively: every refusal happens
while reading, before any blow-up, and every value keeps its position so
later checks can point at the exact line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ._messages import Lang, message, os_reason
from .errors import Issue, Severity

MAX_FILE_BYTES = 1_048_576
# A shipped set's id, as `load` takes it in place of a path ("mof-project-2020").
SHIPPED_ID = re.compile(r"[a-z0-9_-]+\Z")
MAX_DEPTH = 32
# Values (scalars and collections, keys not counted) in one document. A real
# indicator set has a few hundred (a 2,000-indicator set about 20,000), a data
# file at most 10,000 values; the cap bounds time and memory before any model is
# built, also under a 100 MB memory limit.
MAX_NODES = 40_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NUMBER = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_NONFINITE = {
    ".nan": "NaN",
    ".NaN": "NaN",
    ".NAN": "NaN",
}
_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_AMBIGUOUS = frozenset(
    {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}
)
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Pos:
    """0-based line/column span, as the YAML parser reports it."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class Document:
    """Parsed YAML plus where everything came from."""

    data: Any
    file: str | None
    text: str
    value_pos: dict[Path_, Pos] = field(default_factory=dict)
    key_pos: dict[Path_, Pos] = field(default_factory=dict)
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self.text)
        return self._lines

    def locate(self, path: Path_, *, key: bool = False) -> Pos | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        if key and path in self.key_pos:
            return self.key_pos[path]
        probe = path
        while True:
            if probe in self.value_pos:
                return self.value_pos[probe]
            if probe in self.key_pos:
                return self.key_pos[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def issue(
        self,
        code: str,
        msg: str,
        path: Path_,
        *,
        key: bool = False,
        severity: Severity = "error",
        pos: Pos | None = None,
    ) -> Issue:
        pos = pos or self.locate(path, key=key)
        return make_issue(code, msg, path, self.file, self.lines, pos, severity)


def make_issue(
    code: str,
    msg: str,
    path: Path_,
    file: str | None,
    lines: list[str],
    pos: Pos | None,
    severity: Severity = "error",
) -> Issue:
    if pos is None:
        return Issue(code=code, message=msg, path=path, file=file, severity=severity)
    src = lines[pos.line] if 0 <= pos.line < len(lines) else None
    if src is not None and len(src) > 300:
        src = None  # an unreadable source line helps nobody
    if pos.end_line == pos.line and pos.end_column > pos.column:
        width = pos.end_column - pos.column
    else:
        width = max(1, len(src or "") - pos.column)
    return Issue(
        code=code,
        message=msg,
        path=path,
        file=file,
        line=pos.line + 1,
        column=pos.column + 1,
        source_line=src,
        caret_width=width,
        severity=severity,
    )


class YamlRefused(Exception):
    """Reading stopped; ``issues`` says why."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(i.message for i in issues))


def _refused(code: str, lang: Lang, file: str | None, /, **params: Any) -> YamlRefused:
    return YamlRefused([Issue(code, message(code, lang, **params), file=file)])


def read_source(
    source: str | Path, lang: Lang = "zh", *, limit: int = MAX_FILE_BYTES
) -> tuple[str, str | None]:
    """Return (text, file name). A ``str`` with no line break is a path."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        if len(source) > limit:
            raise _refused("file_too_large", lang, None, size=len(source), limit=limit)
        return _check_text(source, None, lang), None
    path = Path(source)
    name = str(source)
    try:
        size = path.stat().st_size
        if size > limit:  # refused from its size, before a byte is read
            raise _refused("file_too_large", lang, name, size=size, limit=limit)
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)  # the file may have grown since stat
    except FileNotFoundError:
        raise _refused("file_not_found", lang, name, file=name) from None
    except OSError as exc:
        raise _refused("cannot_read", lang, name, file=name, reason=os_reason(exc, lang)) from None
    if len(raw) > limit:
        raise _refused("file_too_large", lang, name, size=len(raw), limit=limit)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Notepad's "Unicode" is UTF-16: say so
        raise _refused("file_utf16", lang, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:  # Notepad's "ANSI" on a Chinese system: say which encoding it is
            raw.decode("gb18030")
        except UnicodeDecodeError:
            raise _refused("not_utf8", lang, name, offset=exc.start) from None
        raise _refused("file_gbk", lang, name) from None
    return _check_text(text, name, lang), name


def _check_text(text: str, name: str | None, lang: Lang) -> str:
    if "\x00" in text:
        raise _refused("nul_byte", lang, name)
    return text.lstrip("\ufeff")


# The parser's words, by their start, in the officer's: PyYAML's pure-Python
# scanner and libyaml (the default, faster one) word the same mistakes
# differently, so both spellings are listed. Order matters: first match wins.
_QUOTE_TARGET = '以 > 或 < 开头的目标要加引号：写成 target: ">= 90%"'
_TAB = "不能用 Tab 缩进，请改用空格"
_PROBLEMS_ZH = (
    (
        "mapping values are not allowed",
        "这里不能出现“: ”：可能是缩进不对，或文字中含有“: ”需要加引号",
    ),
    ("found a tab character", _TAB),
    ("found character '\\t'", _TAB),
    ("expected chomping or indentation indicators", _QUOTE_TARGET),
    ("did not find expected comment or line break", _QUOTE_TARGET),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("did not find expected key", "这里应是一个键（可能缩进不对）"),
    ("expected <block end>", "缩进不对：这一行与同一层的其他行没有对齐"),
    ("did not find expected '-' indicator", "这里应是以“- ”开头的列表项（可能缩进不对）"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("found unexpected ':'", "出现了多余的冒号“:”"),
    ("expected ',' or ']'", "方括号 [ 没有闭合，或缺少逗号"),
    ("did not find expected ',' or ']'", "方括号 [ 没有闭合，或缺少逗号"),
    ("expected ',' or '}'", "花括号 { 没有闭合，或缺少逗号"),
    ("did not find expected ',' or '}'", "花括号 { 没有闭合，或缺少逗号"),
    ("found undefined tag handle", "不支持 YAML 标签（以 ! 开头）：请删掉它，或给文字加引号"),
    ("found unknown escape character", "双引号中的反斜杠 \\ 无效：请写成 \\\\，或改用单引号"),
)
# What a character that "cannot start any token" needs, by the character.
_START_CHAR_ZH = {
    "\t": _TAB,
    ">": _QUOTE_TARGET,
    "<": _QUOTE_TARGET,
    "@": "以 @ 开头的文字要加引号",
    "`": "以 ` 开头的文字要加引号",
    "%": "以 % 开头的文字要加引号",
}


def _yaml_words(exc: yaml.YAMLError, lines: list[str]) -> str:
    """The parser's complaint in Chinese, whichever YAML parser made it; never raw English."""
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None)
    if "tab character" in problem:  # in a folded text too: the tab is what to fix
        return _TAB
    if "block scalar" in context:  # target: >= 90% reads as a YAML folded text
        return _QUOTE_TARGET
    if "cannot start any token" in problem:
        char = ""
        if mark is not None and mark.line < len(lines) and mark.column < len(lines[mark.line]):
            char = lines[mark.line][mark.column]
        return _START_CHAR_ZH.get(char, f"这里不能出现字符 '{char}'：请给这段文字加引号")
    for start, words in _PROBLEMS_ZH:
        if problem.startswith(start):
            return words
    return "格式无法识别：请检查这一行的缩进、冒号和引号"


def _syntax_issue(exc: yaml.YAMLError, name: str | None, lines: list[str], lang: Lang) -> Issue:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if "nesting depth" in problem:
        pos = Pos(mark.line, mark.column, mark.line, mark.column + 1) if mark is not None else None
        return make_issue(
            "too_deep", message("too_deep", lang, limit=MAX_DEPTH), (), name, lines, pos
        )
    if lang != "en":
        problem = _yaml_words(exc, lines)
    pos = Pos(mark.line, mark.column, mark.line, mark.column + 1) if mark is not None else None
    return make_issue(
        "yaml_syntax", message("yaml_syntax", lang, problem=problem), (), name, lines, pos
    )


def resolve_plain(value: str) -> Any:
    """Resolve an unquoted scalar by kpiscore's rules, not YAML 1.1's."""
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _NUMBER.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
            return value
    if value in _NONFINITE:
        return Decimal("NaN")
    m = _INF.match(value)
    if m:
        return Decimal(m.group(1) + "Infinity")
    return value


def _pos(event: Any) -> Pos:
    s, e = event.start_mark, event.end_mark
    return Pos(s.line, s.column, e.line, e.column)


@dataclass
class _Frame:
    """One open mapping or list while a document is built, with where it started."""

    container: Any
    path: Path_
    is_map: bool
    pos: Pos
    key: str | None = None
    key_lines: dict[str, int] = field(default_factory=dict)
    skip: bool = False  # value of a duplicate key: parsed, then dropped


def parse(text: str, file: str | None = None, lang: Lang = "zh") -> tuple[Document, list[Issue]]:
    """Parse one YAML document. Fatal problems raise YamlRefused; others are returned."""
    builder = _Builder(Document(data=None, file=file, text=text), lang)
    try:
        event: Any  # libyaml's events carry value/style/anchor/tag by kind
        for event in yaml.parse(text, Loader=_Loader):
            builder.take(event)
    except yaml.YAMLError as exc:
        issue = _syntax_issue(exc, file, builder.doc.lines, lang)
        raise YamlRefused([*builder.issues, issue]) from None
    except RecursionError:  # pragma: no cover - the depth cap comes first
        issue = Issue("too_deep", message("too_deep", lang, limit=MAX_DEPTH), file=file)
        raise YamlRefused([*builder.issues, issue]) from None
    builder.doc.data = builder.root[0] if builder.root else None
    return builder.doc, builder.issues


_SKIPPED_EVENTS = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)


class _Builder:
    """The document built event by event from the parser's stream, every value and key
    with its position, and each refusal (aliases, tags, merge keys, depth, size) made
    where the parser met it."""

    def __init__(self, doc: Document, lang: Lang):
        self.doc = doc
        self.lang = lang
        self.issues: list[Issue] = []
        self.stack: list[_Frame] = []
        self.root: list[Any] = []
        self.documents = 0
        self.nodes = 0

    def refuse(self, code: str, pos: Pos, path: Path_ | None = None, **params: Any) -> YamlRefused:
        issue = make_issue(
            code,
            message(code, self.lang, **params),
            _cur_path(self.stack) if path is None else path,
            self.doc.file,
            self.doc.lines,
            pos,
        )
        return YamlRefused([*self.issues, issue])

    def take(self, event: Any) -> None:
        kind = type(event)
        if kind in _SKIPPED_EVENTS:
            return
        if kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                en = self.lang == "en"
                one = (
                    "only one document per file (no ---)"
                    if en
                    else "一个文件只能有一个文档（不要用 ---）"
                )
                raise self.refuse("yaml_syntax", _pos(event), (), problem=one)
            return
        self.check(event, kind)
        if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            self.stack.pop()
            return
        top = self.stack[-1] if self.stack else None
        if top is not None and top.is_map and top.key is None:  # a mapping's next key
            self.key(event, kind, top)
        elif kind is yaml.ScalarEvent:
            self.scalar(event)
        else:
            self.start(event, kind)

    def check(self, event: Any, kind: type) -> None:
        """No aliases or anchors (no alias bombs), no tags (no Python objects)."""
        if kind is yaml.AliasEvent or getattr(event, "anchor", None):
            raise self.refuse("alias_refused", _pos(event))
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            raise self.refuse("tag_refused", _pos(event), tag=tag)

    def key(self, event: Any, kind: type, top: _Frame) -> None:
        pos = _pos(event)
        if kind is not yaml.ScalarEvent:
            raise self.refuse("complex_key", pos, top.path)
        key = event.value
        if key == "<<" and not event.style:
            raise self.refuse("merge_key_refused", pos, top.path)
        if key in top.key_lines:
            first = top.key_lines[key]
            words = message("duplicate_key", self.lang, key=key, first=first, line=pos.line + 1)
            self.note("duplicate_key", words, (*top.path, key), pos)
            top.skip = True
        else:
            top.key_lines[key] = pos.line + 1
            self.doc.key_pos[(*top.path, key)] = pos
        top.key = key

    def scalar(self, event: Any) -> None:
        pos = _pos(event)
        raw = event.value
        if event.style:  # quoted or block text: text as written
            self.place(raw, pos)
            return
        path, _ = self.place(resolve_plain(raw), pos)
        if raw in _AMBIGUOUS:
            words = message("ambiguous_boolean", self.lang, value=raw)
            self.note("ambiguous_boolean", words, path, pos)

    def start(self, event: Any, kind: type) -> None:
        """A mapping or a sequence opens."""
        pos = _pos(event)
        if len(self.stack) >= MAX_DEPTH:
            raise self.refuse("too_deep", pos, limit=MAX_DEPTH)
        is_map = kind is yaml.MappingStartEvent
        container: Any = {} if is_map else []
        path, _ = self.place(container, pos)
        self.stack.append(_Frame(container, path, is_map, pos))

    def note(self, code: str, words: str, path: Path_, pos: Pos) -> None:
        self.issues.append(make_issue(code, words, path, self.doc.file, self.doc.lines, pos))

    def place(self, value: Any, pos: Pos) -> tuple[Path_, bool]:
        """Attach a value to its parent; return its path and whether it is kept."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.refuse("too_many_values", pos, limit=MAX_NODES)
        stack, doc = self.stack, self.doc
        if not stack:
            self.root.append(value)
            doc.value_pos[()] = pos
            return (), True
        top = stack[-1]
        if top.is_map:
            assert top.key is not None
            path = (*top.path, top.key)
            keep = not top.skip
            if keep:
                top.container[top.key] = value
                doc.value_pos[path] = pos
            top.key = None
            top.skip = False
            return path, keep
        path = (*top.path, len(top.container))
        top.container.append(value)
        doc.value_pos[path] = pos
        return path, True


def _cur_path(stack: list[_Frame]) -> Path_:
    if not stack:
        return ()
    top = stack[-1]
    if top.is_map:
        return (*top.path, top.key) if top.key is not None else top.path
    return (*top.path, len(top.container))


def sub_document(doc: Document, prefix: Path_) -> Document:
    """The part of ``doc`` under ``prefix``, keeping the lines it came from.

    Lets a data mapping embedded in a larger file (a test case) be checked as
    if it were its own file while its problems still point at the right line.
    """
    n = len(prefix)
    data = doc.data
    for step in prefix:
        data = data[step]
    return Document(
        data=data,
        file=doc.file,
        text=doc.text,
        value_pos={p[n:]: pos for p, pos in doc.value_pos.items() if p[:n] == prefix},
        key_pos={p[n:]: pos for p, pos in doc.key_pos.items() if p[:n] == prefix},
        _lines=doc.lines,
    )
