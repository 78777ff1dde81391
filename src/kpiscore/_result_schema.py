"""The JSON Schema (draft 2020-12) of a result's JSON: the contract a finance tool stores.

Numbers are decimal strings (a float never touches a score), so they are
typed as strings with a decimal pattern. ``schema_version`` changes when a
field is removed or changes meaning; adding a field does not change it.
"""

from __future__ import annotations

import copy
from typing import Any

SCHEMA_VERSION = "1"

_DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
_OPT_DECIMAL = {"oneOf": [_DECIMAL, {"type": "null"}]}
_TEXT = {"type": "string"}
_OPT_TEXT = {"type": ["string", "null"]}
_STATUS = {"enum": ["scored", "not_applicable", "missing_data", "invalid_data"]}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


_INDICATOR = _object(
    {
        "id": _TEXT,
        "name": _TEXT,
        "category": _TEXT,
        "group": _OPT_TEXT,
        "weight": _DECIMAL,
        "target": _OPT_TEXT,
        "actual": {"oneOf": [_TEXT, {"type": "null"}]},
        "actual_shown": _TEXT,
        "target_shown": _TEXT,
        "completion": _OPT_DECIMAL,
        "score": _DECIMAL,
        "raw_score": _DECIMAL,
        "rule": _TEXT,
        "status": _STATUS,
        "explanation": _TEXT,
        "flags": {"type": "array", "items": _TEXT},
        "needs_reason": {"type": "boolean"},
        "reason": _OPT_TEXT,
        "problem": _OPT_TEXT,
        "core": {"type": "boolean"},
        # Only with to_dict(steps=True) / --steps: what the rule did, as data. Each step
        # names its kind ("ratio_head", "scaled", "rounded" …) and the values it used
        # (numbers as decimal strings; a formula as {formula, values}).
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"step": _TEXT},
                "required": ["step"],
            },
        },
    },
    # A batch .jsonl line leaves the explanation out unless --explain is given.
    optional=("steps", "explanation"),
)
_CATEGORY = _object(
    {
        "id": _TEXT,
        "name": _TEXT,
        "weight": _DECIMAL,
        "score": _DECIMAL,
        "applicable_weight": _DECIMAL,
    }
)
_CHECK = _object(
    {
        "name": _TEXT,
        "assert": _TEXT,
        "passed": {"type": "boolean"},
        "left": _OPT_DECIMAL,
        "right": _OPT_DECIMAL,
        "difference": _OPT_DECIMAL,
        "tolerance": _OPT_DECIMAL,
        "message": _TEXT,
    }
)
_DISCREPANCY = _object(
    {
        "id": _TEXT,
        "name": _TEXT,
        "claimed": _DECIMAL,
        "computed": _DECIMAL,
        "difference": _DECIMAL,
        "explanation": _TEXT,
    }
)
_LOST = _object({"id": _TEXT, "name": _TEXT, "lost": _DECIMAL, "status": _STATUS})
_WARNING = _object({"code": _TEXT, "message": _TEXT, "indicator": _OPT_TEXT})

_RESULT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "kpiscore result (自评结果)",
    **_object(
        {
            "schema_version": {"const": SCHEMA_VERSION},
            "row": {"type": "integer", "minimum": 1},
            "indicator_set": _TEXT,
            "indicator_set_name": _TEXT,
            "kind": {"enum": ["project", "department"]},
            "subject": {"type": "object"},
            "total": _OPT_DECIMAL,
            "full_score": _DECIMAL,
            "grade": _OPT_TEXT,
            "complete": {"type": "boolean"},
            "rescaled": {"type": "boolean"},
            "precision": {"type": "integer", "minimum": 0},
            "lang": {"enum": ["zh", "en"]},
            "categories": {"type": "array", "items": _CATEGORY},
            "indicators": {"type": "array", "items": _INDICATOR},
            "checks": {"type": "array", "items": _CHECK},
            "discrepancies": {"type": "array", "items": _DISCREPANCY},
            "points_lost": {"type": "array", "items": _LOST},
            "penalties": {"type": "array", "items": _TEXT},
            "warnings": {"type": "array", "items": _WARNING},
            "hashes": _object({"indicator_set": _TEXT, "data": _TEXT}),
        },
        optional=("row",),
    ),
}


def result_schema() -> dict[str, Any]:
    """The JSON Schema every ``Result.to_dict()`` validates against (a fresh copy)."""
    return copy.deepcopy(_RESULT)
