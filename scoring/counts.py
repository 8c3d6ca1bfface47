"""A year's 万人评议 counts (计数), read from the counts the store keeps per year.

Recomputing a year reads no ballot: for each pair of answer cells (unit, evaluator
category, item, answer) of the same ballot the store keeps how many ballots hold both
(migration 021, maintained by import and undo). The diagonal is each cell's answer
count, which gives the item means; the pairs give the exact per-ballot variance of the
linearised score, because a ballot's squared sum of terms expands into its pairs:

    sum over ballots of (sum_k t_k)^2 = sum_k n_kk t_k^2 + 2 * sum_{k<l} n_kl t_k t_l

Tally rows (汇总表, no ballots) add to the diagonal only: their answers count as
independent, as before. numpy over cells and pairs (thousands, not millions of rows);
Python loops run per item of a unit and category, never per answer cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from scoring.rules import ItemSums
from scoring.scheme import Scheme

__all__ = [
    "AppraisalCounts",
    "ItemArrays",
    "ItemSums",
    "LabelCodes",
    "NestedCounts",
    "UploadCounts",
    "upload_counts",
]


class ItemArrays(NamedTuple):
    """Per (unit, category, item) of ``AppraisalCounts.labels``: the sums of
    ``rules.ItemSums`` as arrays."""

    answered: np.ndarray
    unknown: np.ndarray
    satisfied: np.ndarray
    points: np.ndarray


class LabelCodes(NamedTuple):
    """The (unit, category, item) of each label as ranks among the distinct ``units``,
    ``categories`` and ``items`` (sorted, so ordering by the ranks orders by the strings):
    what lets numpy find a label's unit and category without comparing strings."""

    unit: np.ndarray
    category: np.ndarray
    item: np.ndarray
    units: tuple[str, ...]
    categories: tuple[str, ...]
    items: tuple[str, ...]

    @classmethod
    def of(cls, labels: Sequence[tuple[str, str, str]]) -> LabelCodes:
        """The codes of labels read without them (the SQL path, hand-built counts)."""
        columns = []
        for k in range(3):
            values = sorted({label[k] for label in labels})
            rank = {v: r for r, v in enumerate(values)}
            codes = np.array([rank[label[k]] for label in labels], dtype=np.int64)
            columns.append((codes, tuple(values)))
        (u, us), (c, cs), (i, items) = columns
        return cls(u, c, i, us, cs, items)


@dataclass(frozen=True, eq=False)
class AppraisalCounts:
    """One year's answer counts per cell, pair counts and ballots per unit and category.

    A cell is numbered by its position; ``item_of`` says which (unit, category, item)
    of ``labels`` it belongs to and ``answer_of`` which of ``answers`` it holds."""

    answers: tuple[str, ...]  # the distinct answers
    labels: tuple[tuple[str, str, str], ...]  # the distinct (unit, category, item)
    answer_of: np.ndarray  # per cell
    item_of: np.ndarray  # per cell
    n: np.ndarray  # per cell: its answers on ballot sheets (int64)
    tally: np.ndarray  # per cell: its answers on tally sheets (int64)
    ids: np.ndarray  # per cell: its id (appraisal_cells)
    pair_ids: tuple[np.ndarray, np.ndarray]  # the cell ids of each pair of the same ballot
    pair_n: np.ndarray  # ballots holding both (the diagonal: the cell's answer count)
    # (unit, category) -> (ballots on ballot sheets, ballots of tally sheets)
    ballots: Mapping[tuple[str, str], tuple[int, int]]
    codes: LabelCodes | None = None  # the labels as ranks, when the reader has them

    def by_id(self, values: np.ndarray) -> np.ndarray:
        """A per-cell array indexed by cell id instead (0 where no cell): what the pairs,
        which name their cells by id, look up without mapping ids to positions first."""
        out = np.zeros(int(self.ids.max(initial=-1)) + 1, dtype=values.dtype)
        out[self.ids] = values
        return out

    @property
    def pair_a(self) -> np.ndarray:
        """The cell positions of each pair's first cell."""
        return self._position()[self.pair_ids[0]]

    @property
    def pair_b(self) -> np.ndarray:
        return self._position()[self.pair_ids[1]]

    def _position(self) -> np.ndarray:
        return self.by_id(np.arange(len(self.ids)))

    def label_codes(self) -> LabelCodes:
        """``codes``, or the labels' ranks taken from the strings."""
        return self.codes if self.codes is not None else LabelCodes.of(self.labels)

    @classmethod
    def empty(cls) -> AppraisalCounts:
        none = np.zeros(0, dtype=np.int64)
        return cls((), (), none, none, none, none, none, (none, none), none, {})

    @property
    def answers_per_cell(self) -> np.ndarray:
        """Every answer of the cell, ballot and tally sheets together."""
        return self.n + self.tally

    def ballots_by_unit(self) -> dict[str, dict[str, int]]:
        """Ballots per unit and category, ballot and tally sheets together."""
        out: dict[str, dict[str, int]] = {}
        for (unit, cat), (b, t) in self.ballots.items():
            out.setdefault(unit, {})[cat] = int(b + t)
        return out

    def per_cell(self, value: Callable[[str], float | bool], dtype: type = float) -> np.ndarray:
        """``value(answer)`` for each cell (computed once per distinct answer)."""
        table: np.ndarray = np.array([value(a) for a in self.answers], dtype=dtype)
        return table[self.answer_of] if len(self.answers) else np.zeros(0, dtype=dtype)

    def item_sums(self, scheme: Scheme) -> ItemArrays:
        """Per (unit, category, item) of ``labels``: answered, unknown, satisfied and
        points under the scheme's answers, for every unit at once. The points are summed
        cell by cell in the cells' order, as the scalar ``appraisal_score``
        (tests/reference.py) sums a unit's answer counts (so the means come out the same
        to the last bit)."""
        size = len(self.labels)
        scored = self.per_cell(lambda a: a in scheme.appraisal_points, bool)
        every = self.answers_per_cell

        def total(mask: np.ndarray) -> np.ndarray:
            return np.bincount(self.item_of, weights=every * mask, minlength=size).astype(np.int64)

        value = self.per_cell(lambda a: scheme.appraisal_points.get(a, 0.0))
        return ItemArrays(
            total(scored),
            total(self.per_cell(lambda a: a in scheme.appraisal_unknown, bool)),
            total(self.per_cell(lambda a: a in scheme.appraisal_satisfied, bool)),
            np.bincount(self.item_of, weights=np.where(scored, every * value, 0.0), minlength=size),
        )

    def variance_terms(self, sums: ItemArrays, scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
        """Per label the (mean, coef) that ``variance_cells`` (tests/reference.py) gives
        for it from a first ``appraisal_score`` under ``scheme`` (coef 0 where it gives none),
        for every unit at once: mean = points / answered; coef = v_i / answered, v_i the
        item weight renormalised over the category's answered items. The weights are
        summed in the scheme's item order, as the rules sum them."""
        size = len(self.labels)
        mean = np.zeros(size)
        coef = np.zeros(size)
        if not size:
            return mean, coef
        items = list(scheme.items)
        slot = {item: k for k, item in enumerate(items)}
        codes = self.label_codes()
        # A group per (unit, category), numbered by rank (only the sums within it count).
        distinct, group = np.unique(
            codes.unit * len(codes.categories) + codes.category, return_inverse=True
        )
        n_groups = len(distinct)
        # len(items): not scored (an item or a category the scheme does not have)
        item_slot = np.array([slot.get(i, len(items)) for i in codes.items], dtype=np.int64)
        scored = np.array([c in scheme.categories for c in codes.categories], dtype=bool)
        column = np.where(scored[codes.category], item_slot[codes.item], len(items))
        weight = np.array([float(scheme.items[i]) for i in items] + [0.0])[column]
        used = (sums.answered > 0) & (weight > 0)
        # Each category's answered weight, summed item by item in the scheme's order.
        by_slot = np.zeros((n_groups, len(items) + 1))
        by_slot[group[used], column[used]] = weight[used]
        total = np.zeros(n_groups)
        for k in range(len(items)):
            total = total + by_slot[:, k]
        at = np.flatnonzero(used)
        mean[at] = sums.points[at] / sums.answered[at]
        coef[at] = weight[at] / total[group[at]] / sums.answered[at]
        return mean, coef

    def stats_of_terms(
        self, mean: np.ndarray, coef: np.ndarray, points: Mapping[str, float]
    ) -> pd.DataFrame:
        """Per unit and category: ``ballots``, ``variance`` (sum over ballots of the
        squared sum of their terms), ``answer_variance`` (each answer's term squared
        alone), ``tally_ballots`` and ``tally_variance`` (tally answers, each alone). An
        answer's term is coef * (points - mean) of its label (0 coef: no term); the same
        figures as a pass over every ballot (tests/reference.py, appraisal_ballot_stats)."""
        scored = self.per_cell(lambda a: a in points, bool)
        value = self.per_cell(lambda a: points.get(a, 0.0))
        term = np.where(scored, coef[self.item_of] * (value - mean[self.item_of]), 0.0)
        keys = list(self.ballots)
        codes = self.label_codes()
        unit_rank = {u: k for k, u in enumerate(codes.units)}
        category_rank = {c: k for k, c in enumerate(codes.categories)}
        width = len(codes.categories)
        group_at = np.full(len(codes.units) * width, -1, dtype=np.int64)
        found = [
            (g, unit_rank[u] * width + category_rank[c])
            for g, (u, c) in enumerate(keys)
            if u in unit_rank and c in category_rank
        ]
        if found:
            groups, slots = np.array(found, dtype=np.int64).T
            group_at[slots] = groups
        group_of_item = group_at[codes.unit * width + codes.category]
        cell_group = group_of_item[self.item_of] if len(self.item_of) else self.item_of

        def by_group(group: np.ndarray, weights: np.ndarray) -> np.ndarray:
            keep = group >= 0
            if not keep.all():
                group, weights = group[keep], weights[keep]
            return np.bincount(group, weights=weights, minlength=len(keys))

        a, b = self.pair_ids
        diagonal = a == b
        # Each pair's weight (1 on the diagonal, else 2) times its count, as integers:
        # the same floats as weight * n, exact either way.
        counted = np.where(diagonal, self.pair_n, 2 * self.pair_n)
        term_of = self.by_id(term)
        # np.take: a fifth quicker than indexing with the pairs' 32-bit ids.
        pair_terms = counted * np.take(term_of, a) * np.take(term_of, b)
        pair_group = np.take(self.by_id(cell_group), a)
        counts = np.array([self.ballots[k] for k in keys], dtype=np.int64).reshape(-1, 2)
        return pd.DataFrame(
            {
                "unit": [u for u, _ in keys],
                "category": [c for _, c in keys],
                "ballots": counts[:, 0],
                "variance": by_group(pair_group, pair_terms),
                # The diagonal's terms alone (adding the others' zeros changed no sum).
                "answer_variance": by_group(pair_group[diagonal], pair_terms[diagonal]),
                "tally_ballots": counts[:, 1],
                "tally_variance": by_group(cell_group, self.tally * term * term),
            }
        )


@dataclass(frozen=True)
class UploadCounts:
    """One upload's contribution to the counts kept per year (migrations 021, 022)."""

    pairs: pd.DataFrame  # cell_a, cell_b, n (cell_a <= cell_b; the diagonal included)
    tally: pd.DataFrame  # cell_id, n (answers on tally sheets)
    ballots: pd.DataFrame  # unit, category, ballots, tally_ballots
    straight: pd.DataFrame  # unit, items, ballots
    rows: pd.DataFrame  # unit, rows (answer rows per unit)


def upload_counts(
    cell: np.ndarray,
    ballot: np.ndarray,
    n: np.ndarray,
    cells: pd.DataFrame,
) -> UploadCounts | None:
    """The counts of one upload's answer rows, without sorting or joining them.

    ``cell``, ``ballot`` (-1 for tally rows) and ``n`` are per row; ``cells`` has id,
    unit, category, item, answer for each cell the rows use. Ballots become a matrix
    (ballot × item → answer), so that each pair of items is one vector operation and
    one bincount over (unit and category, answer, answer). None when a ballot answers
    an item twice or answers for two units or categories (the caller then counts in SQL)."""
    cells = cells.reset_index(drop=True)
    group, group_names = pd.factorize(pd.MultiIndex.from_arrays([cells["unit"], cells["category"]]))
    item, _ = pd.factorize(cells["item"])
    answer, _ = pd.factorize(cells["answer"])
    n_groups, n_items, n_answers = len(group_names), int(item.max()) + 1, int(answer.max()) + 1
    local = np.full(int(cells["id"].max()) + 1, -1, dtype=np.int64)
    local[cells["id"].to_numpy()] = np.arange(len(cells))
    row = local[cell]  # each row's cell, as a position in ``cells``
    cell_at = np.full((n_groups, n_items, n_answers), -1, dtype=np.int64)
    cell_at[group, item, answer] = cells["id"].to_numpy()

    is_ballot = ballot >= 0
    ids = cells["id"].to_numpy()

    def per_cell(mask: np.ndarray) -> np.ndarray:
        return np.bincount(row[mask], weights=n[mask], minlength=len(cells)).astype(np.int64)

    diagonal, tally_n = per_cell(is_ballot), per_cell(~is_ballot)
    pieces = [pd.DataFrame({"cell_a": ids, "cell_b": ids, "n": diagonal})[diagonal > 0]]
    tally_frame = pd.DataFrame({"cell_id": ids, "n": tally_n})[tally_n > 0]
    unit_codes, unit_names = pd.factorize(cells["unit"])
    rows = np.bincount(unit_codes[row], minlength=len(unit_names))
    by_unit = pd.DataFrame({"unit": unit_names, "rows": rows})

    b = _dense(ballot[is_ballot])
    n_ballots = int(b.max()) + 1 if len(b) else 0
    r = row[is_ballot]
    slot = b * n_items + item[r]
    if len(slot) and np.bincount(slot).max() > 1:
        return None
    matrix = np.full((n_ballots, n_items), -1, dtype=np.int64)
    matrix[b, item[r]] = answer[r]
    ballot_group = np.zeros(n_ballots, dtype=np.int64)
    ballot_group[b] = group[r]
    if len(r) and (ballot_group[b] != group[r]).any():
        return None  # a 问卷编号 with answers for two units or categories: SQL pairs them
    # Every pair of items (k1 < k2) at once, a few million keys at a time: one bincount
    # over (pair, unit and category, answer, answer); rows in the order of a loop over
    # the pairs.
    first_item, second_item = np.triu_indices(n_items, 1)
    size = n_groups * n_answers * n_answers
    step = max(1, _PAIR_KEYS // max(n_ballots, 1))
    for lo in range(0, len(first_item), step):
        k1, k2 = first_item[lo : lo + step], second_item[lo : lo + step]
        one, other = matrix[:, k1], matrix[:, k2]
        both = (one >= 0) & (other >= 0)
        key = ((np.arange(len(k1)) * n_groups + ballot_group[:, None]) * n_answers + one) * (
            n_answers
        ) + other
        found = np.bincount(key[both], minlength=len(k1) * size)
        where = np.flatnonzero(found)
        pair, rest = np.divmod(where, size)
        g, rest = np.divmod(rest, n_answers * n_answers)
        a1, a2 = np.divmod(rest, n_answers)
        one_cell, other_cell = cell_at[g, k1[pair], a1], cell_at[g, k2[pair], a2]
        pieces.append(
            pd.DataFrame(
                {
                    "cell_a": np.minimum(one_cell, other_cell),
                    "cell_b": np.maximum(one_cell, other_cell),
                    "n": found[where],
                }
            )
        )
    pairs = pd.concat(pieces, ignore_index=True)

    # Ballots per unit and category: ballot sheets count ballots; a tally sheet the
    # largest total over its items.
    per_group = np.bincount(ballot_group, minlength=n_groups).astype(np.int64)
    tally_group = np.zeros(n_groups, dtype=np.int64)
    tally = row[~is_ballot]
    if len(tally):
        totals = np.bincount(
            group[tally] * n_items + item[tally],
            weights=n[~is_ballot],
            minlength=n_groups * n_items,
        )
        tally_group = totals.reshape(n_groups, n_items).max(axis=1).astype(np.int64)
    names = np.asarray(group_names.to_list(), dtype=object).reshape(-1, 2)
    ballots = pd.DataFrame(
        {
            "unit": names[:, 0],
            "category": names[:, 1],
            "ballots": per_group,
            "tally_ballots": tally_group,
        }
    )[(per_group > 0) | (tally_group > 0)]

    answered = (matrix >= 0).sum(axis=1)
    high = matrix.max(axis=1, initial=-1)
    low = np.where(matrix >= 0, matrix, n_answers).min(axis=1, initial=n_answers)
    flat = (answered > 0) & (high == low)
    straight = (
        pd.DataFrame(
            {
                "unit": np.asarray(names[ballot_group[flat], 0], dtype=object),
                "items": answered[flat].astype(np.int32),
            }
        )
        .groupby(["unit", "items"], as_index=False)
        .size()
        .rename(columns={"size": "ballots"})
    )
    return UploadCounts(
        pairs, tally_frame, ballots.reset_index(drop=True), straight, by_unit[rows > 0]
    )


_PAIR_KEYS = 1_000_000  # keys of item pairs counted at once (8 MB an array)


def _dense(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct values (0, 1, …): by a table over the values
    when they span little more than their number (ballot numbers of one upload), else
    by hashing (pd.factorize; the order of the codes does not matter to the counts)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    lo = int(values.min())
    span = int(values.max()) - lo + 1
    if span > 4 * len(values) + (1 << 20):
        return pd.factorize(values)[0].astype(np.int64)
    seen = np.zeros(span, dtype=bool)
    seen[values - lo] = True
    rank = np.cumsum(seen) - 1
    return rank[values - lo]


class NestedCounts(Mapping):
    """counts[unit][category][item][answer] over an ``AppraisalCounts``, a unit's dict
    built only when that unit is looked up (the engine looks up only the units whose
    score it could not take ready-made)."""

    def __init__(self, kept: AppraisalCounts) -> None:
        self._kept = kept
        self._every = kept.answers_per_cell
        # A unit's labels, and so its cells (ordered by label), are contiguous.
        unit = kept.label_codes().unit
        starts = np.flatnonzero(np.diff(unit, prepend=-1)).tolist()
        ends = [*starts[1:], len(unit)] if starts else []
        self._bounds: dict[str, tuple[int, int]] = {
            kept.labels[a][0]: (a, b) for a, b in zip(starts, ends, strict=True)
        }

    def __getitem__(self, unit: str) -> dict[str, dict[str, dict[str, int]]]:
        first, last = self._bounds[unit]
        kept = self._kept
        lo, hi = np.searchsorted(kept.item_of, [first, last])
        out: dict = {}
        every = self._every
        for k, a, n in zip(
            kept.item_of[lo:hi].tolist(),
            kept.answer_of[lo:hi].tolist(),
            every[lo:hi].tolist(),
            strict=True,
        ):
            _, cat, item = kept.labels[k]
            out.setdefault(cat, {}).setdefault(item, {})[kept.answers[a]] = n
        return out

    def __contains__(self, unit: object) -> bool:
        return unit in self._bounds  # without building the unit's dict

    @property
    def kept(self) -> AppraisalCounts:
        """The counts behind (columns.from_facts takes their cells as arrays)."""
        return self._kept

    def __iter__(self):
        return iter(self._bounds)

    def __len__(self) -> int:
        return len(self._bounds)
