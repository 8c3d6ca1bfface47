"""排名: filter by group, unit type and component; table, bars coloured by grade; open a profile."""

import streamlit as st

from pages.common import CHART_CONFIG, md, results_page, score_columns, show_table
from scoring import charts
from scoring.names import safe_name
from scoring.tables import SORTABLE, csv_safe, ranking_table

res = results_page(__file__, "分类排名")
year = res.year

c1, c2, c3 = st.columns(3)
group = c1.selectbox("考核类别", res.groups, key="rank_group", placeholder="请选择")
types = sorted({u.type for u in res.ranked(group)})
unit_type = c2.selectbox("单位类型", ["全部", *types], key="rank_type", placeholder="请选择")
order = c3.selectbox("排序依据", list(SORTABLE), key="rank_order", placeholder="请选择")

table = ranking_table(res, group, None if unit_type == "全部" else unit_type, order_by=order)
st.caption(
    f"{year} 年度{md(group)}，共 {len(table)} 个单位；考评方案：{md(res.scheme.name)}"
    f"（版本 {res.scheme_version or '默认'}）。点击表格中的一行可查看单位画像。"
)
picked = show_table(
    table,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="rank_table",
    column_config=score_columns(),
)
rows = picked.selection.rows if picked else []
if rows:
    st.session_state["profile_unit"] = table.iloc[rows[0]]["单位名称"]
    st.switch_page("pages/profile.py")
st.download_button(
    "下载本表（CSV）",
    data=lambda: csv_safe(table).to_csv(index=False).encode("utf-8-sig"),
    file_name=f"{year}年度{safe_name(group)}排名.csv",
    mime="text/csv",
    on_click="ignore",
    key="rank_csv",
)
st.plotly_chart(charts.ranking_bars(res, group), config=CHART_CONFIG, key="rank_bars")
