"""Which year the upload page (数据上传) imports to: the sidebar's, the one year of the app.

The sidebar's 考评年度 lists only years with data, while a new year's first file has to be
uploaded before that year has any. So the page follows the sidebar and offers a year
without data only behind an explicit choice that says why, as the 考评方案 page does
(``scheme_preview.year_without_data``).
"""

from __future__ import annotations

from collections.abc import Iterable

from scoring.scheme_preview import year_without_data

__all__ = ["upload_year_defaults"]


def upload_year_defaults(
    with_data: Iterable[int],
    sidebar: int | None,
    allowed: Iterable[int],
    today_year: int,
    last: int | None = None,
) -> tuple[bool, int]:
    """Where the upload page opens: whether its choice 「导入到尚无考评数据的年度」 starts
    ticked, and the year without data it offers there.

    Ticked when there is no year with data at all, or when the account may upload only
    to other years than the sidebar's (a 录入员 bound to years, ``allowed``) and one of them
    has no data yet: the page then opens on that year rather than on a refusal. The year
    offered is the one the page last worked on (``last``) if it has no data (again: its
    only upload undone, its 回收站 still to be reached) and the account may upload to it,
    else the account's latest allowed year without data, else the year after the latest
    with data.

    >>> upload_year_defaults([2025, 2024], 2025, [], 2026)
    (False, 2026)
    >>> upload_year_defaults([2025, 2024], 2025, [2026], 2026)
    (True, 2026)
    >>> upload_year_defaults([2025, 2024], 2025, [2024], 2026)
    (False, 2026)
    >>> upload_year_defaults([], None, [], 2026)
    (True, 2026)
    >>> upload_year_defaults([], None, [], 2026, last=2025)
    (True, 2025)
    """
    years = set(with_data)
    bound = sorted(set(allowed))
    fresh = [y for y in bound if y not in years]
    if last is not None and last not in years and (not bound or last in bound):
        offered = last
    else:
        offered = max(fresh) if fresh else year_without_data(years, today_year)
    ticked = sidebar is None or (bool(bound) and sidebar not in bound and bool(fresh))
    return ticked, offered
