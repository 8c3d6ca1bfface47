"""整改 blocks other pages show with one call: the campaign stage on 总览, a unit's items on
单位画像, the 整改 status of each warning on 告诫名单. Widgets and rendering only."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pages.common import current_user, get_store, md, show_table
from scoring import opinions, rectify


def campaign_stage(year: int, today: date | None = None) -> None:
    """总览: the year's current stage and what falls due in it."""
    store = get_store()
    today = today or date.today()
    found = rectify.stages(store, year)
    items = [i for i in rectify.items(store, year) if i.status != rectify.REVOKED]
    if not found and not items:
        return
    st.subheader("查摆整改")
    stage = rectify.current_stage(found, today)
    cols = st.columns(4)
    cols[0].metric("当前阶段", stage.name if stage else "—")
    cols[1].metric("整改事项", len(items))
    cols[2].metric("已销号", sum(i.status in (rectify.CLOSED, rectify.HELD) for i in items))
    cols[3].metric("逾期", sum(i.overdue(today) for i in items))
    if found:
        st.caption(
            " → ".join(
                f"{'**' if s == stage else ''}{s.name}（{s.start:%m-%d}至{s.finish:%m-%d}）"
                f"{'**' if s == stage else ''}"
                for s in found
            )
        )
    if stage is not None:
        # Everything due by the end of the stage, the overdue first.
        due = rectify.due_between(items, date.min, stage.finish)
        if due:
            show_table(
                pd.DataFrame(
                    [
                        {
                            "单位": i.unit,
                            "事项": i.problem,
                            "节点": what,
                            "日期": day,
                            "逾期": "是" if i.overdue(today) else "",
                        }
                        for i, what, day in due
                    ]
                ),
                hide_index=True,
                column_config={"日期": st.column_config.DateColumn(format="YYYY-MM-DD")},
            )
        else:
            st.caption(f"本阶段（至 {stage.finish.isoformat()}）没有到期的整改节点。")


def unit_items(year: int, unit: str, today: date | None = None) -> None:
    """单位画像: the unit's 整改 items and its 意见 counts per category."""
    store = get_store()
    today = today or date.today()
    found = rectify.items(store, year, unit=unit)
    st.subheader(f"整改事项（{len([i for i in found if i.status != rectify.REVOKED])} 项）")
    if found:
        done = rectify.progress(store, year)
        table = rectify.ledger_table(found, today, done).drop(columns=["单位"])
        first = ["编号", "来源", "告诫类型", "状态", "整改时限", "下一节点", "逾期", "最新进展"]
        show_table(
            table[first + [c for c in table.columns if c not in first]],
            hide_index=True,
            column_config={
                c: st.column_config.DateColumn(format="YYYY-MM-DD") for c in rectify.DATE_COLUMNS
            },
        )
    else:
        st.caption("本年度没有整改事项。")
    counts = opinions.tag_counts(store, year, unit)
    if not counts.empty:
        st.caption(
            "意见建议分类："
            + "，".join(md(f"{r.分类} {r.条数} 条") for r in counts.itertuples(index=False))
        )


def visible_comments(year: int, unit: str) -> pd.DataFrame:
    """单位画像: the unit's comments as the signed-in user may see them (the office hides
    abusive ones from 领导 views)."""
    frame = opinions.comments(get_store(), current_user(), year, unit)
    out = (
        frame[["category", "text", "tag"]]
        .fillna({"tag": ""})
        .rename(columns={"category": "评议人类别", "text": "意见建议", "tag": "分类"})
    )
    return out


def warning_status_column(year: int, table: pd.DataFrame) -> pd.DataFrame:
    """告诫名单: add 整改状态 (and its 编号) to a warnings table with 单位 and 告诫类型."""
    status = rectify.warning_status(get_store(), year)
    unit_col = next((c for c in ("单位名称", "单位") if c in table.columns), table.columns[0])
    kind_col = next((c for c in ("告诫类型", "类型", "告诫") if c in table.columns), None)
    if kind_col is None or table.empty:
        return table
    out = table.copy()
    out.insert(
        list(out.columns).index(kind_col) + 1,
        "整改状态",
        [
            (f"{item.status}（编号 {item.id}）" if (item := status.get((u, k))) else "未建立")
            for u, k in zip(out[unit_col], out[kind_col], strict=True)
        ],
    )
    return out
