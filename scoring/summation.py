"""How the scoring rules add floats (求和顺序): left to right, as written.

The rules (``rules.py``, ``evidence.py``) add a unit's terms one after another; their
columns (``columns.py``, numpy) add the same terms column by column in the same order,
so both give the same floats to the last bit. Python's ``sum`` did exactly that up to
3.11; from 3.12 it compensates (Neumaier) when it adds floats, which the columns do not,
so the rules add with ``left_sum`` instead: the same bits on every Python.

>>> left_sum([0.1, 0.2, 0.3]), 0.1 + 0.2 + 0.3
(0.6000000000000001, 0.6000000000000001)
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["left_sum"]


def left_sum(values: Iterable[float]) -> float:
    """``((0 + a) + b) + …``: what ``sum`` gives on Python 3.11, on every version."""
    total: float = 0
    for value in values:
        total += value
    return total
