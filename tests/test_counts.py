"""The counts kept per year give what a pass over the ballots gives (migration 021)."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from scoring import results
from scoring.scheme import default_scheme
from scoring.store import COUNT_TABLES
from tests import reference
from tests.conftest import add_facts, add_units

SCHEME = default_scheme()
UNITS = ["甲局", "乙局", "丙局", "丁局"]
ANSWERS = [*SCHEME.appraisal_answers, "很满意"]  # one answer the scheme does not score


def _random_ballots(rnd: random.Random, n: int, prefix: str) -> list[dict]:
    """Ballots of random units and categories; some skip items, some answer one
    answer throughout (straight-lined)."""
    rows = []
    for b in range(n):
        unit, cat = rnd.choice(UNITS), rnd.choice(list(SCHEME.categories))
        items = [i for i in SCHEME.items if rnd.random() > 0.1]
        same = rnd.choice(ANSWERS) if rnd.random() < 0.15 else None
        for item in items:
            answer = same or rnd.choice(ANSWERS)
            rows.append(
                {
                    "ballot": f"{prefix}{b}",
                    "unit": unit,
                    "category": cat,
                    "item": item,
                    "answer": answer,
                    "n": 1,
                }
            )
    return rows


def _random_tally(rnd: random.Random) -> list[dict]:
    return [
        {"ballot": None, "unit": u, "category": c, "item": i, "answer": a, "n": rnd.randint(1, 20)}
        for u in UNITS[:2]
        for c in list(SCHEME.categories)[:3]
        for i in SCHEME.items
        for a in SCHEME.appraisal_answers
        if rnd.random() < 0.8
    ]


def _from_ballots(store, year: int) -> tuple[dict, pd.DataFrame]:
    """Counts and per unit and category ballots and variances the way the store computed
    them before the counts: one GROUP BY and one pass over every ballot
    (tests/sql/appraisal_*.sql)."""
    frame = reference.appraisal_counts(store, year)
    counts: dict = {}
    for u, c, i, a, n in frame.itertuples(index=False):
        counts.setdefault(u, {}).setdefault(c, {}).setdefault(i, {})[a] = int(n)
    first = {u: reference.appraisal_score(c, SCHEME) for u, c in counts.items()}
    cells = pd.DataFrame(
        [(u, *cell) for u, a in first.items() for cell in reference.variance_cells(a)],
        columns=["unit", "category", "item", "mean", "coef"],
    )
    stats = reference.appraisal_ballot_stats(store, year, SCHEME.appraisal_points, cells)
    return counts, _sorted(stats)


def _from_counts(store, year: int) -> tuple[dict, pd.DataFrame]:
    kept = store.appraisal_year_counts(year)
    counts = reference.nested(kept)
    first = {u: reference.appraisal_score(c, SCHEME) for u, c in counts.items()}
    cells = [(u, *cell) for u, a in first.items() for cell in reference.variance_cells(a)]
    return counts, _sorted(reference.stats(kept, cells, SCHEME.appraisal_points))


def _sorted(stats: pd.DataFrame) -> pd.DataFrame:
    columns = ["unit", "category", "ballots", "variance", "answer_variance"]
    columns += ["tally_ballots", "tally_variance"]
    return stats[columns].sort_values(["unit", "category"]).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_give_what_the_ballots_give(store, seed):
    rnd = random.Random(seed)
    add_units(store, [(u, "部门", None, "综合管理类") for u in UNITS])
    first = add_facts(store, 2025, "appraisal_answers", _random_ballots(rnd, 300, "A"))
    add_facts(store, 2025, "appraisal_answers", _random_tally(rnd), source="appraisal-tally")
    second = add_facts(store, 2025, "appraisal_answers", _random_ballots(rnd, 200, "B"))
    add_facts(store, 2024, "appraisal_answers", _random_ballots(rnd, 100, "C"))  # another year
    add_facts(store, 2025, "appraisal_answers", _random_ballots(rnd, 150, "D"))
    store.undo(second)
    counts, stats = _from_counts(store, 2025)
    want_counts, want_stats = _from_ballots(store, 2025)
    assert counts == want_counts
    pd.testing.assert_frame_equal(stats, want_stats, check_exact=False, rtol=1e-9, atol=1e-12)
    assert (stats["variance"] > 0).any() and (stats["tally_variance"] > 0).any()
    assert (stats["answer_variance"] != stats["variance"]).any()
    by_ballots = store.query(  # what the 数据质量 page grouped per visit before
        "SELECT unit, count(*)::BIGINT AS ballots FROM (SELECT unit, ballot "
        "FROM appraisal_answers WHERE year = 2025 AND ballot IS NOT NULL GROUP BY unit, ballot "
        "HAVING count(DISTINCT answer) = 1 AND count(*) >= 5) "
        "GROUP BY unit ORDER BY ballots DESC, unit"
    )
    pd.testing.assert_frame_equal(store.straight_lined(2025, 5), by_ballots)
    store.undo(first)
    counts, stats = _from_counts(store, 2025)
    want_counts, want_stats = _from_ballots(store, 2025)
    assert counts == want_counts
    pd.testing.assert_frame_equal(stats, want_stats, check_exact=False, rtol=1e-9, atol=1e-12)


def test_undoing_every_upload_leaves_no_counts(store):
    rnd = random.Random(9)
    add_units(store, [(u, "部门", None, "综合管理类") for u in UNITS])
    ids = [
        add_facts(store, 2025, "appraisal_answers", _random_ballots(rnd, 50, "A")),
        add_facts(store, 2025, "appraisal_answers", _random_tally(rnd), source="appraisal-tally"),
    ]
    assert store.appraisal_year_counts(2025).ballots
    for upload_id in ids:
        store.undo(upload_id)
    for table in COUNT_TABLES:
        assert store.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0] == 0
    assert results.compute(store, 2025).units == ()


def test_a_ballot_number_given_to_two_units_pairs_within_its_rows(store):
    """A 问卷编号 that two units' rows share (a hand-made frame; a sheet's ballot is one
    row): its answers still pair with their own cells (counted in SQL), none lost."""
    add_units(store, [(u, "部门", None, "综合管理类") for u in ("甲局", "乙局")])
    rows = [
        {"ballot": "1", "unit": u, "category": "群众", "item": i, "answer": "满意", "n": 1}
        for u, i in (("甲局", "工作作风"), ("乙局", "总体评价"))
    ]
    add_facts(store, 2025, "appraisal_answers", rows)
    pairs = store.query("SELECT cell_a, cell_b, n FROM appraisal_pair_counts")
    cells = dict(store.query("SELECT id, unit FROM appraisal_cells").itertuples(index=False))
    found = {(cells[a], cells[b]): n for a, b, n in pairs.itertuples(index=False)}
    assert len(found) == 3 and set(found.values()) == {1}
    assert {frozenset(k) for k in found} == {
        frozenset({"甲局", "乙局"}),
        frozenset({"甲局"}),
        frozenset({"乙局"}),
    }


def test_pairs_of_one_ballot_by_hand(store):
    """Two ballots of 甲局/服务对象 over two items: (满意, 满意) and (满意, 不满意).
    Diagonal: 工作作风·满意 2, 总体评价·满意 1, 总体评价·不满意 1; pairs: 工作作风·满意
    with 总体评价·满意 1, with 总体评价·不满意 1."""
    add_units(store, [("甲局", "部门", None, "综合管理类")])
    rows = [
        {"ballot": b, "unit": "甲局", "category": "服务对象", "item": i, "answer": a, "n": 1}
        for b, i, a in [
            ("1", "工作作风", "满意"),
            ("1", "总体评价", "满意"),
            ("2", "工作作风", "满意"),
            ("2", "总体评价", "不满意"),
        ]
    ]
    add_facts(store, 2025, "appraisal_answers", rows)
    kept = store.appraisal_year_counts(2025)
    cell = [
        f"{kept.labels[k][2]}·{kept.answers[a]}"
        for k, a in zip(kept.item_of, kept.answer_of, strict=True)
    ]
    pairs = sorted(
        (*sorted((cell[a], cell[b])), int(n))
        for a, b, n in zip(kept.pair_a, kept.pair_b, kept.pair_n, strict=True)
    )
    assert pairs == [
        ("工作作风·满意", "工作作风·满意", 2),
        ("工作作风·满意", "总体评价·不满意", 1),
        ("工作作风·满意", "总体评价·满意", 1),
        ("总体评价·不满意", "总体评价·不满意", 1),
        ("总体评价·满意", "总体评价·满意", 1),
    ]
    assert kept.ballots == {("甲局", "服务对象"): (2, 0)}
    # Means: 工作作风 100, 总体评价 50; coef 0.5 / 2 each. Ballot terms: 0 + 0.25 * 50 and
    # 0 + 0.25 * (-50): variance 12.5^2 * 2 = 312.5.
    cells = [
        ("甲局", "服务对象", "工作作风", 100.0, 0.25),
        ("甲局", "服务对象", "总体评价", 50.0, 0.25),
    ]
    stats = reference.stats(kept, cells, SCHEME.appraisal_points)
    assert stats.iloc[0].tolist() == ["甲局", "服务对象", 2, 312.5, 2 * 12.5**2, 0, 0.0]


def test_quality_checks_from_the_kept_counts(store):
    """Straight-lined ballots and rows per unit, by hand: 甲局 has ballot 1 all 满意
    (straight) and ballot 2 mixed; a second upload brings 乙局's ballot 3, all 不满意,
    and is then undone. (A repeated 问卷编号 no longer gets in: the store refuses it.)"""
    add_units(store, [(u, "部门", None, "综合管理类") for u in ("甲局", "乙局")])

    def ballot(b: str, unit: str, answers: tuple[str, str]) -> list[dict]:
        return [
            {"ballot": b, "unit": unit, "category": "群众", "item": i, "answer": a, "n": 1}
            for i, a in zip(("工作作风", "总体评价"), answers, strict=True)
        ]

    add_facts(
        store,
        2025,
        "appraisal_answers",
        ballot("1", "甲局", ("满意", "满意")) + ballot("2", "甲局", ("满意", "不满意")),
    )
    second = add_facts(store, 2025, "appraisal_answers", ballot("3", "乙局", ("不满意", "不满意")))
    straight = store.straight_lined(2025, 2)
    assert straight.values.tolist() == [["乙局", 1], ["甲局", 1]]
    assert store.straight_lined(2025, 3).empty  # a ballot of 2 items is below 3
    rows = store.uploads_by_source_unit(2025)
    assert rows[["unit", "rows", "uploads"]].values.tolist() == [["乙局", 2, 1], ["甲局", 4, 1]]
    assert store.duplicate_ballots(2025).empty
    store.undo(second)
    assert store.straight_lined(2025, 2).values.tolist() == [["甲局", 1]]
    store.restore(second)
    assert store.straight_lined(2025, 2).values.tolist() == [["乙局", 1], ["甲局", 1]]


def test_a_ballot_answering_an_item_twice_is_counted_in_sql(store):
    """The parser never hands over such a ballot; if one comes some other way, the
    counts fall back to SQL and still count each ballot once."""
    add_units(store, [("甲局", "部门", None, "综合管理类")])
    rows = [
        {"ballot": "1", "unit": "甲局", "category": "群众", "item": i, "answer": a, "n": 1}
        for i, a in [("工作作风", "满意"), ("工作作风", "不满意"), ("总体评价", "满意")]
    ]
    add_facts(store, 2025, "appraisal_answers", rows)
    kept = store.appraisal_year_counts(2025)
    assert kept.ballots == {("甲局", "群众"): (1, 0)}
    assert int(kept.n.sum()) == 3
    assert _from_counts(store, 2025)[0] == _from_ballots(store, 2025)[0]


def _same_counts(a, b) -> None:
    assert (a.answers, a.labels, a.ballots) == (b.answers, b.labels, b.ballots)
    for name in ("answer_of", "item_of", "n", "tally", "pair_a", "pair_b", "pair_n"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name


def test_counts_labelled_from_the_stores_copy_of_the_cells(store):
    """The year's cells numbered from the store's in-memory copy of appraisal_cells are
    numbered and ordered as the SQL numbers them, also after an upload adds cells (the
    copy is read again) and for a year without answers."""
    from scoring.store import _CellLabels, read_appraisal_counts

    rnd = random.Random(5)
    add_units(store, [(u, "部门", None, "综合管理类") for u in UNITS])
    add_facts(store, 2025, "appraisal_answers", _random_ballots(rnd, 80, "A"))
    add_facts(store, 2025, "appraisal_answers", _random_tally(rnd), source="appraisal-tally")
    copy = _CellLabels()
    with store.cursor() as cur:
        _same_counts(
            read_appraisal_counts(cur, 2025, copy), reference.read_appraisal_counts(cur, 2025)
        )
    rows = _random_ballots(rnd, 40, "B")
    for row in rows:
        if int(row["ballot"][1:]) % 3 == 0:
            row["unit"] = "戊局"  # cells never seen before
    add_facts(store, 2025, "appraisal_answers", rows)
    add_facts(store, 2024, "appraisal_answers", _random_ballots(rnd, 30, "C"))
    with store.cursor() as cur:
        for year in (2024, 2025):
            cached = read_appraisal_counts(cur, year, copy)
            _same_counts(cached, reference.read_appraisal_counts(cur, year))
        assert "戊局" in {u for u, _, _ in cached.labels}
        assert read_appraisal_counts(cur, 2023, copy).labels == ()


def test_counts_give_what_the_ballots_give_pair_by_pair(store, monkeypatch):
    """The pairs of items are counted a few million keys at a time (a 2M-ballot upload
    takes several steps): one pair per step gives the same counts."""
    from scoring import counts

    monkeypatch.setattr(counts, "_PAIR_KEYS", 1)
    test_counts_give_what_the_ballots_give(store, 4)
