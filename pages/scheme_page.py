"""考评方案: the year's scheme (weights, points, thresholds), validated, versioned."""

import streamlit as st

from pages.common import get_store, page_setup, selected_year
from scoring import accounts
from scoring.scheme import SchemeError, for_year, parse

user = page_setup(__file__, "scheme")
st.title("考评方案")
store = get_store()
year = int(
    st.number_input(
        "年度",
        min_value=2000,
        max_value=2100,
        step=1,
        value=selected_year() or 2025,
        key="scheme_year",
    )
)
scheme, version = for_year(store, year)
st.caption(
    f"{year} 年度当前方案：{scheme.name}（版本 {version or '默认方案，尚未设置'}）。"
    "修改后立即生效：结果按新方案重新计算，发布的结果记录所用版本。"
)
text = st.text_area("方案内容（TOML）", value=scheme.text, height=480, key=f"scheme_text_{year}")
if st.button("检查并保存为新版本", type="primary", key="scheme_save"):
    try:
        new = parse(text)
        accounts.authorize(user, "scheme")
        saved = store.set_scheme(year, new.name, text, user.name)
        st.success(f"已保存为 {year} 年度方案版本 {saved}。")
    except SchemeError as exc:
        st.error(str(exc))
