"""告诫名单: this year's warnings with reasons, figures and how sure each is; downloadable."""

import streamlit as st

from pages.common import results_page, show_table, verdict_cards
from pages.rectify_parts import warning_status_column
from scoring.tables import csv_safe, warnings_table
from scoring.warnings import INEFFICIENT, LAST_PLACE, LAST_SECTION, SUPERVISION

res = results_page(__file__, "告诫名单")
year = res.year
counts = res.summary().warnings_by_kind
ladder = list(dict.fromkeys(res.scheme.escalation_ladder))
cols = st.columns(5)
for col, kind in zip(cols[:4], (LAST_PLACE, INEFFICIENT, SUPERVISION, LAST_SECTION), strict=True):
    col.metric(kind, counts.get(kind, 0))
cols[4].metric("连续告诫", sum(counts.get(k, 0) for k in ladder))

with st.expander("各类别末位单位：谁、为什么、差距是否显著", expanded=True):
    verdict_cards(res)

every_kind = [LAST_PLACE, INEFFICIENT, SUPERVISION, LAST_SECTION, *ladder]
every_kind += [k for k in counts if k not in every_kind]
kinds = st.multiselect(
    "告诫类型",
    every_kind,
    default=every_kind,
    key="warn_kinds",
    placeholder="选择告诫类型",
    select_all=False,
)
table = warning_status_column(year, warnings_table([w for w in res.warnings if w.kind in kinds]))
show_table(table, hide_index=True)
noisy = int((table["差异显著"] == "否").sum())
if noisy:
    st.warning(
        f"其中 {noisy} 条告诫的差异在统计上不显著（如排名差异不显著、区间跨过分数线），"
        "见“事由与依据”；作出处理前请结合其他材料核实。"
    )
st.download_button(
    "下载告诫名单（CSV）",
    data=lambda: csv_safe(table).to_csv(index=False).encode("utf-8-sig"),
    file_name=f"{year}年度告诫名单.csv",
    mime="text/csv",
    on_click="ignore",
)
