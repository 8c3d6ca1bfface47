"""总览: the chosen year's headline figures, department rankings by group, movement."""

import streamlit as st

from pages.common import (
    CHART_CONFIG,
    available_years,
    md,
    results_page,
    score_columns,
    show_table,
    verdict_cards,
    year_results,
)
from pages.rectify_parts import campaign_stage
from scoring import charts
from scoring.formats import fmt_count, fmt_rate
from scoring.tables import ranking_table

res = results_page(__file__, "效能考评总览")
year = res.year
summary = res.summary()
cols = st.columns(4)
cols[0].metric("参加排名单位", summary.units)
cols[1].metric("万人评议问卷", fmt_count(summary.ballots))
cols[2].metric("平均满意率", fmt_rate(summary.mean_satisfaction))
cols[3].metric("告诫", summary.warnings)
st.caption(f"考评方案：{md(res.scheme.name)}（版本 {res.scheme_version or '默认'}）")
campaign_stage(year)

st.subheader(f"{year} 年度各类别末位单位")
verdict_cards(res)

st.subheader(f"{year} 年度部门分类排名")
groups = [g for g in res.groups if not ranking_table(res, g, "部门").empty]
previous = year_results(year - 1) if year - 1 in available_years() else None
# Only the open tab's table and charts are built and sent (a city of 2,000 units drew
# every group's 250 bars on each visit); choosing another tab reruns the page.
if not groups:  # e.g. only the 加减分 sheet of a new year so far
    st.info(f"{year} 年度还没有可排名的部门：万人评议、绩效考核或勤廉测评的数据上传后即显示。")
tabs = st.tabs([md(g) for g in groups], key="overview-group", on_change="rerun") if groups else []
for tab, group in zip(tabs, groups, strict=True):
    if not tab.open:
        continue
    with tab:
        show_table(
            ranking_table(res, group, "部门"),
            hide_index=True,
            column_config=score_columns(),
        )
        # Full width: the bars' margins are sized for their names and warning labels,
        # which left no room for the bars in half a page.
        st.plotly_chart(charts.ranking_bars(res, group), config=CHART_CONFIG, key=f"bars-{group}")
        if previous is not None:
            st.plotly_chart(
                charts.movement(res, previous, group), config=CHART_CONFIG, key=f"move-{group}"
            )

st.subheader("各类别综合得分分布与等次")
left, right = st.columns(2)
left.plotly_chart(charts.composite_box(res), config=CHART_CONFIG, key="box")
right.plotly_chart(charts.grade_distribution(res), config=CHART_CONFIG, key="grades")
