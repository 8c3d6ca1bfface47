"""数据质量: what to check before trusting the year's results."""

import streamlit as st

from pages.common import get_store, results_page
from scoring.quality import MIN_BALLOTS, check

res = results_page(__file__, "数据质量")
year = res.year
q = check(get_store(), res)
sections = [
    (f"问卷不足 {MIN_BALLOTS} 份的单位", q.few_ballots),
    ("缺少考评组成部分的单位（权重已重新分配）", q.missing_components),
    ("缺少评议人类别的单位", q.missing_categories),
    ("重复的问卷编号", q.duplicate_ballots),
    ("所有评议项目答案相同的问卷（可能未认真填写）", q.straight_lined),
]
cols = st.columns(len(sections))
for col, (title, frame) in zip(cols, sections, strict=True):
    col.metric(title.split("（")[0], len(frame))
for title, frame in sections:
    st.subheader(title)
    if frame.empty:
        st.success("无")
    else:
        st.dataframe(frame, hide_index=True)
st.subheader("各单位各来源的数据行数")
st.dataframe(q.coverage, hide_index=True)
