"""A result in any of its forms, as text or bytes, and written to a file by its suffix.

``kpiscore.render(result, "xlsx")`` gives what ``report -o X.xlsx`` writes;
the command line goes through here, so Python and the CLI never differ.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from .errors import KpiscoreError
from .result import Result

Format = Literal["text", "markdown", "html", "json", "xlsx", "docx"]
FORMATS: tuple[str, ...] = ("text", "markdown", "html", "json", "xlsx", "docx")
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".xlsx": "xlsx",
    ".docx": "docx",
}


def render(result: Result, fmt: str = "text", *, template: str | Path | None = None) -> str | bytes:
    """The result as ``fmt``: str for text, markdown, html and json; bytes for xlsx and docx.

    ``template`` (docx only) is the unit's own Word template, filled by docxtpl.
    """
    lang = result.lang
    if fmt == "text":
        from ._render import text

        return text.render(result, lang)
    if fmt == "markdown":
        from ._render import markdown

        return markdown.render(result, lang)
    if fmt == "html":
        from ._render import html

        return html.render(result, lang)
    if fmt == "json":
        from ._render import json

        return json.render(result, lang)
    if fmt == "xlsx":
        from ._render import xlsx

        return xlsx.report_bytes(result, lang)
    if fmt == "docx":
        from ._render import report_docx

        return report_docx.report_bytes(result, lang, template)
    raise KpiscoreError(
        f"没有 '{fmt}' 格式，可用：{', '.join(FORMATS)} / no format '{fmt}'; use one of {', '.join(FORMATS)}"
    )


def file_name(text: str, fallback: str) -> str:
    """A subject's or a sheet's name as a file name: no separators, no control characters,
    never a path from the data."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text)[:60].strip(". ")
    return name or fallback


def format_for(path: str | Path) -> str | None:
    return SUFFIXES.get(Path(path).suffix.lower())


def write(result: Result, path: str | Path, *, template: str | Path | None = None) -> Path:
    """Write the result to ``path`` in the format its suffix names; returns the path."""
    target = Path(path)
    fmt = format_for(target)
    if fmt is None:
        raise KpiscoreError(
            f"无法从文件名 '{target.name}' 判断格式，请用 {', '.join(SUFFIXES)} 结尾 / "
            f"cannot tell the format of '{target.name}': end it in {', '.join(SUFFIXES)}"
        )
    out = render(result, fmt, template=template)
    if isinstance(out, bytes):
        target.write_bytes(out)
    else:
        target.write_text(out, encoding="utf-8")
    return target
