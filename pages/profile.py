"""单位画像: one unit's trend, item and category scores, composition, adjustments, interval."""

import streamlit as st

from pages.cases_parts import unit_cases
from pages.common import (
    CHART_CONFIG,
    available_years,
    get_store,
    md,
    results_page,
    score_columns,
    show_table,
    year_results,
)
from pages.rectify_parts import unit_items, visible_comments
from scoring import charts
from scoring.registry import former_names
from scoring.results import explain, shares_rank
from scoring.tables import adjustments_table, unit_metrics

res = results_page(__file__, "单位画像")
year = res.year
names = [u.unit for g in res.groups for u in res.ranked(g)] + sorted(
    u.unit for u in res.units if u.rank is None
)
chosen = st.session_state.get("profile_unit")
unit_name = st.selectbox(
    "单位",
    names,
    index=names.index(chosen) if chosen in names else 0,
    key="profile_select",
    placeholder="请选择",
)
st.session_state["profile_unit"] = unit_name
unit = res.unit(unit_name)

metrics = unit_metrics(unit, res.scheme.confidence_label)
# The interval is long ("44.90–47.58"): said in a line of its own, never cut to "44.90…".
wide = [(label, value) for label, value in metrics if "区间" in label]
metrics = [(label, value) for label, value in metrics if "区间" not in label]
for col, (label, value) in zip(st.columns(len(metrics)), metrics, strict=True):
    col.metric(label, value)
for label, value in wide:
    st.markdown(f"**{md(label)}**：{md(value)}")
for warning in res.warnings_for(unit_name):
    st.error(md(f"{warning.kind}：{warning.reason}"))
for flag in unit.flags:
    st.warning(md(flag))

names_over_time = former_names(get_store(), year, unit_name)  # 前身: renames, merges
history = [
    (y, found)
    for y in sorted(available_years())
    if (found := next(filter(None, map(year_results(y).unit, names_over_time)), None))
]
left, right = st.columns(2)
left.plotly_chart(charts.trend(history), config=CHART_CONFIG, key="profile_trend")
if unit.composite is not None:
    right.plotly_chart(charts.waterfall(unit), config=CHART_CONFIG, key="profile_waterfall")
if unit.appraisal_detail:
    left, right = st.columns(2)
    left.plotly_chart(
        charts.item_bars(unit, res.group_item_means(unit.group) if unit.group else None),
        config=CHART_CONFIG,
        key="profile_items",
    )
    right.plotly_chart(charts.category_bars(unit), config=CHART_CONFIG, key="profile_categories")

st.subheader("加减分")
adj = adjustments_table(unit)
if adj.empty:
    st.caption("本年度没有加减分记录。")
else:
    show_table(adj, hide_index=True, column_config=score_columns(adj.columns))

st.subheader("得分来源")
st.code(
    "\n".join(explain(unit, res.scheme, shares_rank(res, unit))), language=None, wrap_lines=True
)

unit_items(year, unit_name)
unit_cases(year, unit_name)

comments = visible_comments(year, unit_name)
st.subheader(f"意见建议（{len(comments)} 条）")
if comments.empty:
    st.caption("没有意见建议。")
else:
    show_table(comments, hide_index=True)
