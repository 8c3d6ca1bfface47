"""engine.evaluate scores every unit at once (万人评议 with its interval and 绩效考核 from
columns, the t quantiles together); tests/reference.py's score_unit scores one unit with
the scalar rules. On generated cities, with sampling figures for most categories (tallies, a
missing figure, an item-score summary), both give the same results, compared by repr:
the same floats to the last bit."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from scoring import engine, rules
from scoring.facts import CategorySpread, YearFacts
from tests import reference
from tests.test_columns import random_facts


def with_figures(facts: YearFacts, seed: int) -> YearFacts:
    """The facts with sampling figures (ballots, variances) for most categories."""
    rng = random.Random(seed)
    spread: dict = {}
    for unit, cats in facts.appraisal.items():
        for category in cats:
            if rng.random() < 0.9:
                tally = rng.random() < 0.2
                spread.setdefault(unit, {})[category] = CategorySpread(
                    rng.randint(0, 60),
                    rng.uniform(0, 40),
                    rng.uniform(0, 20),
                    rng.randint(1, 30) if tally else 0,
                    rng.uniform(0, 10) if tally else 0.0,
                )
    variance = {
        u: {c: x.variance + x.tally_variance for c, x in cats.items()} for u, cats in spread.items()
    }
    return replace(facts, appraisal_spread=spread, appraisal_variance=variance)


@pytest.mark.parametrize("seed", range(8))
def test_evaluate_gives_what_score_unit_gives_unit_by_unit(seed):
    facts, sch = random_facts(seed)
    facts = with_figures(facts, seed)
    integrity = {u: rules.integrity_score(c, sch) for u, c in facts.integrity.items()}
    sources = engine._integrity_source(facts)
    deff = engine.design_effect(facts)
    one_by_one = reference.rank_and_grade(
        [
            reference.score_unit(u, facts, sch, integrity, sources.get(u), deff)
            for u in facts.units_with_data()
        ],
        sch,
    )
    together = engine.evaluate(facts, sch).units
    assert [u.unit for u in together] == [u.unit for u in one_by_one]
    assert sum(u.ci_low is not None for u in together) > 10  # intervals were taken
    for u in together:  # every interval holds the published score
        assert u.ci_low is None or u.ci_low <= u.appraisal <= u.ci_high, u.unit
    for mine, theirs in zip(together, one_by_one, strict=True):
        assert repr(replace(mine, warning_details=(), p_last=None)) == repr(theirs)
