"""说明: every rule of the year's scheme in words, generated from the scheme itself."""

import streamlit as st

from pages.common import md, results_page
from scoring.explain_scheme import rules

res = results_page(__file__, "考评规则说明")
st.caption(
    f"{res.year} 年度考评方案「{res.scheme.name}」（版本 {res.scheme_version or '默认'}）。"
    "以下文字由方案本身生成，与计算结果所用的规则一致。"
)
for section, lines in rules(res.scheme):
    st.subheader(section)
    st.markdown("\n".join(f"- {md(line)}" for line in lines))
