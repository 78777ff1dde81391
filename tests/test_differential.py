"""kpiscore against the reference scorer of tests/reference.py, on generated sets and data.

The CI profile runs enough examples to find a one-character mistake in a rule;
``KPISCORE_DIFF_EXAMPLES=20000 pytest tests/test_differential.py`` runs a longer search.
"""

import os
import re

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from tests import reference
from tests.strategies import data_for, specs, to_yaml

import kpiscore

# CI: 1,000 examples (about 15 s); a mutation run (mutmut sets MUTANT_UNDER_TEST), once
# per mutant: 400; locally 200; more on demand.
if os.environ.get("CI"):
    DEFAULT = 1000
elif os.environ.get("MUTANT_UNDER_TEST"):
    DEFAULT = 400
else:
    DEFAULT = 200
EXAMPLES = int(os.environ.get("KPISCORE_DIFF_EXAMPLES") or DEFAULT)
# Under mutmut a failure only has to be found, not shrunk to its smallest form: a
# killed mutant then costs a fraction of a second instead of a shrink.
PHASES = (
    (Phase.explicit, Phase.reuse, Phase.generate)
    if os.environ.get("MUTANT_UNDER_TEST")
    else tuple(Phase)
)


# Chinese that an English explanation may quote: the generated sets' names, level
# labels and units, and the data's own words.
OWN_WORDS = "指标|部分达成|未达成|达成|个|天|正在推进|待定|真实|完整|准确|其他|专家评审|按时完成|提前完成|延期|下半年|档位"  # a band's label is the set's own words


def _close(a, b):
    """Equal to 10 places: the reference divides at Python's default 28 digits."""
    if a is None or b is None:
        return a is b
    return reference.half_up(a, 10) == reference.half_up(b, 10)


@settings(max_examples=EXAMPLES, phases=PHASES)
@given(st.data())
def test_kpiscore_agrees_with_the_reference_scorer(data):
    spec = data.draw(specs())
    iset = kpiscore.loads(to_yaml(spec))
    values, claimed, manual = data.draw(data_for(spec))
    got = kpiscore.score(
        iset, {"subject": {"year": 2022}, "values": values, "claimed": claimed, "manual": manual}
    )
    want = reference.score(spec, values, claimed, manual)
    for ind in got.indicators:
        row = want.rows[ind.id]
        where = f"{ind.id} ({ind.rule}) value={values.get(ind.id)!r}: {ind.explanation}"
        assert (ind.status, ind.score) == (row.status, row.score), where
        assert ind.needs_reason == row.needs_reason, where
        assert _close(ind.completion, row.completion), where
        assert ("over_achievement" in ind.flags) == row.flagged, where
    assert {c.id: c.score for c in got.categories} == want.categories
    assert (got.total, got.grade, got.complete) == (want.total, want.grade, want.complete)
    assert {d.id: (d.claimed, d.computed) for d in got.discrepancies} == want.discrepancies


@settings(max_examples=EXAMPLES // 4 or 1, phases=PHASES)
@given(st.data())
def test_every_explanation_states_the_score_the_target_and_the_actual_the_result_holds(data):
    from kpiscore.compiled import parse_target

    spec = data.draw(specs())
    iset = kpiscore.loads(to_yaml(spec))
    values, claimed, manual = data.draw(data_for(spec))
    for lang in ("zh", "en"):
        result = kpiscore.score(
            iset,
            {"subject": {"year": 2022}, "values": values, "claimed": claimed, "manual": manual},
            lang=lang,
        )
        for ind in result.indicators:
            if ind.status in ("missing_data", "invalid_data"):
                assert ind.problem and ind.problem in ind.explanation
            if ind.status != "scored":
                continue
            assert format(ind.score, "f") in ind.explanation, ind.explanation
            target = parse_target(ind.target) if ind.target else None
            if target is not None and target.level is None:
                assert target.show(lang) in ind.explanation, (target.show(lang), ind.explanation)
            elif target is not None:
                assert target.level in ind.explanation, ind.explanation
            if ind.rule not in ("checklist", "manual"):
                assert ind.shown in ind.explanation, (ind.shown, ind.explanation)
            if lang == "en":  # English words only, around the set's and the data's own names
                assert not re.search(r"[\u4e00-\u9fff]", re.sub(OWN_WORDS, "", ind.explanation)), (
                    ind.explanation
                )
