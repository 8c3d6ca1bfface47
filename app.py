"""效能考评看板: the frame. Page config, the user, the year, navigation; pages do the rest."""

import streamlit as st

from pages.common import current_user, year_selector

st.set_page_config(page_title="效能考评看板", page_icon=":material/leaderboard:", layout="wide")

user = current_user()
pages = {
    "考评结果": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    ],
}
navigation = st.navigation(pages)
st.sidebar.caption(f"当前用户：{user['name']}（{user['role']}）")
year_selector()
navigation.run()
