"""Turn pydantic's validation errors into issues an officer can act on.

pydantic knows *what* failed; the YAML document knows *where*. This module
joins the two and rewrites the wording: the officer reads Chinese (or
English), a close match for a misspelt key, and what was expected.
"""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from ._messages import Lang, describe, hint, message, quote_number_hint, suggest
from ._yaml import Document, Path_, resolve_plain
from .errors import Issue

_TAGS = frozenset({"<mapping>", "<text>", "<number>", "<formula>"})

_EXPECTED = {
    "number": ("数字", "a number"),
    "integer": ("整数", "a whole number"),
    "text": ("文字", "text"),
    "bool": ("true 或 false", "true or false"),
    "mapping": ("“键: 值”的映射", "a mapping (key: value)"),
    "list": ("列表（以 - 开头的各项）", "a list (items starting with -)"),
    "formula": ("公式（文字）", "a formula (text)"),
}

_TYPE_ERRORS = {
    "model_type": "mapping",
    "model_attributes_type": "mapping",
    "dict_type": "mapping",
    "list_type": "list",
    "tuple_type": "list",
    "string_type": "text",
    "bool_type": "bool",
    "decimal_type": "number",
    "int_type": "integer",
}


def expected_words(kind: str, lang: Lang) -> str:
    zh, en = _EXPECTED.get(kind, (kind, kind))
    return en if lang == "en" else zh


def _key_name(loc: Path_) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return part
    return "$"


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types an annotation may hold."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def fields_at(root: type[BaseModel], loc: Path_) -> list[str] | None:
    """The keys allowed in the mapping at ``loc``, for 'did you mean'."""
    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
                for name, info in tp.model_fields.items():
                    if part in (name, info.alias):
                        nxt.extend(_unwrap(info.annotation))
            else:
                origin = typing.get_origin(tp)
                args = typing.get_args(tp)
                if origin is list and isinstance(part, int) and args:
                    nxt.extend(_unwrap(args[0]))
                elif origin is dict and isinstance(part, str) and len(args) == 2:
                    nxt.extend(_unwrap(args[1]))
        current = nxt
    for tp in current:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return [info.alias or name for name, info in tp.model_fields.items()]
    return None


def from_validation_error(
    exc: ValidationError, doc: Document, root: type[BaseModel], lang: Lang, limit: int = 100
) -> list[Issue]:
    """The validation errors as issues, at most ``limit`` (then one saying so)."""
    issues: list[Issue] = []
    seen: set[tuple[str, Path_]] = set()
    errors = exc.errors()[:limit]
    # A misspelt key shows up twice: unknown 'weigth' and missing 'weight'. Keep the first.
    misspelt: set[Path_] = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = _loc(err)
            allowed = fields_at(root, loc[:-1]) or []
            best = suggest(str(loc[-1]), allowed)
            if best is not None:
                misspelt.add((*loc[:-1], best))
    for err in errors:
        loc = _loc(err)
        if err["type"] == "missing" and loc in misspelt:
            continue
        code, msg, at_key = _translate(err, loc, root, lang)
        if (code, loc) in seen:
            continue
        seen.add((code, loc))
        path = loc
        if code == "missing_key":
            issues.append(doc.issue(code, msg, loc, pos=doc.locate(loc[:-1])))
            continue
        issues.append(doc.issue(code, msg, path, key=at_key))
    if exc.error_count() > limit:
        issues.append(
            Issue("too_many_issues", message("too_many_issues", lang, limit=limit), file=doc.file)
        )
    return issues


def _loc(err: Any) -> Path_:
    """The error's location with pydantic's union tags taken out: a path into the YAML."""
    return tuple(p for p in err["loc"] if p not in _TAGS)


def _translate(err: Any, loc: Path_, root: type[BaseModel], lang: Lang) -> tuple[str, str, bool]:
    etype: str = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    key = _key_name(loc)
    value = err.get("input")
    if etype == "extra_forbidden":
        allowed = fields_at(root, loc[:-1]) or []
        return (
            "unknown_key",
            message("unknown_key", lang, key=key, hint=hint(key, allowed, lang)),
            True,
        )
    if etype == "missing":
        return "missing_key", message("missing_key", lang, key=key), False
    if etype in _TYPE_ERRORS or etype == "wrong_type":
        kind = ctx.get("expected", _TYPE_ERRORS.get(etype, "text"))
        extra = ""
        if (
            kind in ("number", "integer")
            and isinstance(value, str)
            and isinstance(resolve_plain(value.strip()), Decimal)
        ):
            extra = quote_number_hint(lang)
        return (
            "wrong_type",
            message(
                "wrong_type",
                lang,
                key=key,
                expected=expected_words(kind, lang),
                found=describe(value, lang),
                hint=extra,
            ),
            False,
        )
    if etype == "invalid_choice":
        allowed = ctx.get("allowed", [])
        return (
            "invalid_choice",
            message(
                "invalid_choice",
                lang,
                key=key,
                value=ctx.get("value", value),
                hint=hint(str(value), allowed, lang),
            ),
            False,
        )
    if etype in (
        "not_finite",
        "number_too_large",
        "bad_version",
        "bad_id",
        "text_too_long",
        "empty_text",
        "unsafe_text",
        "formula_null",
    ):
        ctx.setdefault("key", key)
        return etype, message(etype, lang, **ctx), False
    # Anything else pydantic could say: keep the code generic, never its wording.
    return (
        "wrong_type",
        message(
            "wrong_type",
            lang,
            key=key,
            expected=expected_words("text", lang),
            found=describe(value, lang),
            hint="",
        ),
        False,
    )
