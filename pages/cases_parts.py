"""督查与投诉 blocks other pages show with one call: a unit's cases and 问责 on 单位画像
(its 重点评议档案 together with the scores, warnings and 整改 shown there); and the
pieces the 督查与投诉 and 整改台账 pages share (a write with its outcome, an Excel
download)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from pages.common import current_user, get_store, show_table
from scoring import cases


def unit_cases(year: int, unit: str) -> None:
    """单位画像: the unit's cases of the year (with 加减分表 rows) and its 问责."""
    found = cases.unit_file(get_store(), year, unit, current_user())
    mine, acc = found["cases"], found["accountability"]
    st.subheader(f"督查与投诉（{len(mine)} 件）、问责（{len(acc)} 人次）")
    if mine.empty:
        st.caption("本年度没有督查与投诉案件。")
    else:
        columns = [
            "number",
            "source",
            "date",
            "finding",
            "status",
            "verdict",
            "points",
            "due",
            "overdue",
            "doc_no",
            "origin",
        ]
        show_table(
            cases.labelled(mine, columns),
            hide_index=True,
            column_config={
                "日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "期限": st.column_config.DateColumn(format="YYYY-MM-DD"),
            },
        )
    if not acc.empty:
        show_table(
            acc[["person", "measure", "date", "doc_no", "case_number", "warning"]].rename(
                columns={
                    "person": "问责对象",
                    "measure": "问责方式",
                    "date": "日期",
                    "doc_no": "文号",
                    "case_number": "案件编号",
                    "warning": "告诫",
                }
            ),
            hide_index=True,
            column_config={"日期": st.column_config.DateColumn(format="YYYY-MM-DD")},
        )


# -- shared by the 督查与投诉 and 整改台账 pages ------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_action(errors: tuple[type[BaseException], ...], done_key: str) -> Callable[..., None]:
    """``act(label, fn, *args, **kwargs)``: run one write in ``scoring`` (authorised
    there); on one of ``errors`` show it, else keep ``label`` for the next run (see
    ``show_done``) and rerun so every table shows the new state. ``said_in`` maps a
    kind of refusal to the placeholder it is said in instead of below the buttons:
    the one that already warns of the same thing, which it then replaces.

    A refused write keeps every entry of its form (no ``clear_on_submit``: a form that
    cleared itself on a refusal put its first unit back in 对象 and the next click
    filed the case against that unit). ``reset`` maps widget keys to the values they
    get back after a write that succeeded; ``show_done`` puts them in place at the top
    of the next run, before the widgets exist, which is when Streamlit lets a page set
    a widget's value (and the browser then shows it)."""

    def act(
        label: str,
        fn: Callable[..., Any],
        *args: Any,
        said_in: Mapping[type[BaseException], Any] | None = None,
        reset: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            fn(*args, **kwargs)
        except errors as exc:
            slots = (slot for kind, slot in (said_in or {}).items() if isinstance(exc, kind))
            next(slots, st).error(str(exc))
        else:
            st.session_state[done_key] = label
            if reset:
                st.session_state[_RESET + done_key] = dict(reset)
            st.rerun()

    return act


_RESET = "_reset_after:"


def show_done(done_key: str) -> None:
    """Show (once) the outcome a write kept under ``done_key`` before its rerun, and give
    the entries of the form it came from their starting values back (``reset``).
    Call it before any widget of the page."""
    for key, value in st.session_state.pop(_RESET + done_key, {}).items():
        st.session_state[key] = value
    if done := st.session_state.pop(done_key, None):
        st.success(done)


def xlsx_download(label: str, *, data: Any, file_name: str, key: str, where: Any = st) -> None:
    """An Excel download built only when clicked (``data`` may be a callable)."""
    where.download_button(
        label, data=data, file_name=file_name, mime=XLSX, on_click="ignore", key=key
    )
