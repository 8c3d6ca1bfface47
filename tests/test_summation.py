"""The rules add floats left to right on every Python (3.12's sum() compensates)."""

from __future__ import annotations

import numpy as np

from scoring.summation import left_sum


def test_left_to_right_not_compensated():
    # Left to right, 1e16 + 1.0 is 1e16 and the 1.0 is lost; a compensated sum (Python
    # 3.12's sum, math.fsum) gives 1.0. The columns add like the first.
    assert left_sum([1e16, 1.0, -1e16]) == 0.0
    column = np.zeros(1)
    for value in (1e16, 1.0, -1e16):
        column += value
    assert column[0] == left_sum([1e16, 1.0, -1e16])


def test_integers_stay_integers_and_nothing_adds_to_zero():
    assert left_sum([]) == 0 and isinstance(left_sum([]), int)
    assert left_sum([1, 2, 3]) == 6 and isinstance(left_sum([1, 2, 3]), int)
