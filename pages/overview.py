"""总览: the chosen year's headline figures and the department rankings by group."""

import streamlit as st

from pages.common import EMPTY_HINT, selected_year, year_results
from scoring import charts
from scoring.tables import ranking_table

st.title("效能考评总览")
year = selected_year()
if year is None:
    st.info(EMPTY_HINT)
    st.stop()

res = year_results(year)
table = res.table()
cols = st.columns(4)
cols[0].metric("参加排名单位", len(table))
cols[1].metric("万人评议问卷", f"{int(table['ballots'].sum()):,}")
sat = table["satisfaction_rate"].dropna()
cols[2].metric("平均满意率", f"{sat.mean():.2%}" if len(sat) else "—")
cols[3].metric("告诫", len(res.warnings))
st.caption(f"考评方案：{res.scheme.name}（版本 {res.scheme_version or '默认'}）")

st.subheader(f"{year} 年度部门分类排名")
groups = [g for g in res.groups if not ranking_table(res, g, "部门").empty]
for tab, group in zip(st.tabs(groups), groups, strict=True):
    with tab:
        st.dataframe(
            ranking_table(res, group, "部门"),
            hide_index=True,
            column_config={"满意率": st.column_config.NumberColumn(format="percent")},
        )
        st.plotly_chart(charts.ranking_bars(res, group), key=f"bars-{group}")
