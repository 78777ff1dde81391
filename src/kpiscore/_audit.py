"""复核: re-score a folder of filed 自评表 and say where each unit's own scores differ.

Each workbook is imported in memory, re-scored by rule, and compared with
what the unit printed; one unreadable file is a row saying why, never the
end of the audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._import import import_table
from ._messages import Lang, message
from .errors import KpiscoreError

# What a reviewer needs to know about a table besides its scores.
_NOTE_CODES = frozenset(
    {
        "import_no_weight",
        "import_no_weight_column",
        "import_manual_said",
        "import_bare_target_said",
        "import_weights_differ",
        "import_uncomputed",
        "import_marked_missing",
        "indicator_problem",
        "claimed_not_a_number",
    }
)


@dataclass
class Differs:
    name: str
    claimed: Decimal
    computed: Decimal
    explanation: str


@dataclass
class AuditRow:
    file: str
    sheet: str = ""
    name: str = ""
    claimed_total: Decimal | None = None
    computed_total: Decimal | None = None
    differs: list[Differs] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def agrees(self) -> bool:
        total_ok = (
            self.claimed_total is None
            or self.computed_total is None
            or self.claimed_total == self.computed_total
        )
        return self.error is None and not self.differs and total_ok

    @property
    def difference(self) -> Decimal | None:
        if self.claimed_total is None or self.computed_total is None:
            return None
        return self.computed_total - self.claimed_total


def workbooks(paths: Iterable[str | Path]) -> list[Path]:
    """The files to audit: each path given, and the workbooks in each folder, sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in (".xlsx", ".xlsm") and not f.name.startswith("~$")
            )
        else:
            out.append(p)
    return out


def audit(paths: Iterable[str | Path], lang: Lang = "zh") -> Iterator[AuditRow]:
    from ._api import load, score

    for path in workbooks(paths):
        try:
            tables = import_table(path, lang=lang)
        except KpiscoreError as exc:
            issues = getattr(exc, "issues", ())
            yield AuditRow(str(path), error="；".join(i.message for i in issues) or str(exc))
            continue
        for t in tables:
            row = AuditRow(str(path), t.sheet, str(t.data["subject"].get("name", "")))
            row.notes += [d for d in t.decisions if getattr(d, "code", "") in _NOTE_CODES]
            data = _manual_taken(t.set, t.data, row.notes, lang)
            try:
                result = score(load(t.set, lang=lang), data, lang=lang)
            except KpiscoreError as exc:
                issues = getattr(exc, "issues", ())
                row.error = "；".join(i.message for i in issues) or str(exc)
                yield row
                continue
            row.computed_total = result.total
            for d in result.discrepancies:
                if d.id == "total":
                    row.claimed_total = d.claimed
                else:
                    row.differs.append(Differs(d.name, d.claimed, d.computed, d.explanation))
            if row.claimed_total is None and "total" in t.data.get("claimed", {}):
                row.claimed_total = result.total  # printed and equal
            row.notes += [w for w in result.warnings if getattr(w, "code", "") in _NOTE_CODES]
            yield row


def _manual_taken(
    iset: dict[str, Any], data: dict[str, Any], notes: list[str], lang: Lang
) -> dict[str, Any]:
    """The data with each manual indicator's score taken from the unit's own, said in the
    notes: no rule re-scores a row judged by hand (a target like 健全), so a review
    compares what can be computed and names what is taken on trust, rather than
    reporting the unit's judgement as a difference."""
    claimed = data.get("claimed") or {}
    manual = dict(data.get("manual") or {})
    for ind in iset.get("indicators", []):
        ident = ind.get("id")
        if ind.get("rule") == "manual" and ident in claimed and ident not in manual:
            score = claimed[ident]
            words = message(
                "audit_manual_taken", lang, name=ind.get("name", ident), id=ident, score=score
            )
            manual[ident] = {"score": score, "justification": str(words)}
            notes.append(words)
    return {**data, "manual": manual} if manual else data
