"""Typed access to the one row an aggregate query always returns.

DuckDB types ``fetchone()`` as ``tuple | None``; ``count(*)``, ``coalesce(max(..), 0)`` and a
lookup of a row the caller has just written always give a row, so a missing one is a bug and
raises here with the query's own words instead of an opaque ``TypeError`` on ``None[0]``.
"""

from __future__ import annotations

from typing import Any

import duckdb


def one(cur: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The single row the last query on ``cur`` returned (an absent row is an error)."""
    row = cur.fetchone()
    if row is None:
        raise LookupError("查询没有返回行（预期一行）")
    return row


def scalar(cur: duckdb.DuckDBPyConnection) -> Any:
    """The first column of the single row the last query on ``cur`` returned."""
    return one(cur)[0]
