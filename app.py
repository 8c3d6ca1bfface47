"""效能考评看板: the frame. Page config, the user, the year, navigation; pages do the rest."""

import streamlit as st

from pages.common import current_user, return_to_wanted_page, year_selector

st.set_page_config(page_title="效能考评看板", page_icon=":material/leaderboard:", layout="wide")

user = current_user()
pages = {
    "考评结果": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
        st.Page("pages/rankings.py", title="分类排名", icon=":material/format_list_numbered:"),
        st.Page("pages/profile.py", title="单位画像", icon=":material/account_balance:"),
        st.Page("pages/warnings_list.py", title="告诫名单", icon=":material/warning:"),
    ],
    "数据管理": [
        st.Page("pages/upload.py", title="数据上传", icon=":material/upload_file:"),
        st.Page("pages/quality.py", title="数据质量", icon=":material/fact_check:"),
    ],
    "发布": [
        st.Page("pages/publish_page.py", title="结果发布", icon=":material/campaign:"),
    ],
}
navigation = st.navigation(pages)
return_to_wanted_page()
st.sidebar.caption(f"当前用户：{user['name']}（{user['role']}）")
year_selector()
navigation.run()
