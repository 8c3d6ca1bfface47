"""Ranking within a group (分类排名), shared/spec/scoring.md "Composite and ranking".

>>> rank_within_group([("甲", 91.2, False), ("乙", 85.0, False), ("丙", 85.004, False),
...                    ("丁", 77.37, False), ("戊", 68.4, False)])
{'甲': 1, '乙': 2, '丙': 2, '丁': 4, '戊': 5}
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from scoring.rules import round_to

__all__ = ["rank_within_group"]


def rank_within_group(
    entries: Sequence[tuple[Hashable, float, bool]],
    decimals: int = 2,
) -> dict[Hashable, int]:
    """Competition ranks ("1224") by composite, descending, within one 考核类别.

    ``entries`` are (unit, composite, vetoed). Composites equal at the scheme's
    display ``decimals`` share a rank and the next rank skips. Vetoed units (一票否决)
    come after every other unit, ranked among themselves by composite the same way.
    """
    rounded = [round_to(value, decimals) for _, value, _ in entries]  # once per unit
    order = sorted(range(len(entries)), key=lambda k: (entries[k][2], -(rounded[k] or 0.0)))
    ranks: dict[Hashable, int] = {}
    previous: tuple[bool, float | None] | None = None
    current = 0
    for position, k in enumerate(order, start=1):
        unit, _, vetoed = entries[k]
        key = (vetoed, rounded[k])
        if key != previous:
            current = position
            previous = key
        ranks[unit] = current
    return ranks
