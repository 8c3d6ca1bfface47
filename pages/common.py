"""Streamlit glue shared by the pages: the store, cached results, the chosen year, the user.

Pages stay thin: they read widgets, call these and ``scoring``, and render.
"""

from __future__ import annotations

import streamlit as st

from scoring import results
from scoring.store import Store, resolve_db_path

EMPTY_HINT = (
    "数据库中还没有考评数据。请在「数据上传」页面上传评分表，"
    "或在命令行运行 `python -m scoring demo` 载入演示数据。"
)


@st.cache_resource
def get_store() -> Store:
    """One DuckDB connection per process, shared by all sessions (cursor per query)."""
    return Store(resolve_db_path())


@st.cache_resource(max_entries=16)
def _results(year: int, data_version: str) -> results.Results:
    # Results are frozen dataclasses: safe to share between sessions without copying.
    return results.compute(get_store(), year)


def year_results(year: int) -> results.Results:
    """The year's results, recomputed only when uploads, registry or scheme change."""
    store = get_store()
    return _results(year, store.data_version())


def available_years() -> list[int]:
    return get_store().years()


def current_user() -> dict:
    """Who is using the app. Tests seed ``st.session_state['user']``."""
    return st.session_state.setdefault("user", {"name": "效能办", "role": "管理员"})


def selected_year() -> int | None:
    """The year chosen in the sidebar (set by app.py), or None when there is no data."""
    return st.session_state.get("year")


def year_selector() -> int | None:
    years = available_years()
    if not years:
        st.session_state["year"] = None
        return None
    year = st.sidebar.selectbox("考评年度", years, format_func=lambda y: f"{y} 年度", key="year")
    return year
