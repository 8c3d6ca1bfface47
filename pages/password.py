"""修改密码: every role changes its own password here; at first sign-in it is the only page."""

import streamlit as st

from pages.common import current_user, flash, get_store, must_change_password, page_setup
from scoring import accounts, sessions

page_setup(__file__, "own_password")
user = current_user()
st.title("修改密码")
if must_change_password(user):
    st.info("这是您第一次登录（或密码由管理员设置）：请先设置只有您自己知道的新密码。")
with st.form("change_password", clear_on_submit=True):
    old = st.text_input("原密码", type="password", key="pw_old")
    new = st.text_input("新密码（至少 8 个字符）", type="password", key="pw_new")
    st.caption(
        "不能全是数字，不能是同一字符重复或连续的字母、数字（如 12345678、abcdefgh），"
        "不能是常见密码或用户名。"
    )
    again = st.text_input("再次输入新密码", type="password", key="pw_again")
    if st.form_submit_button("修改密码", type="primary"):
        if new != again:
            st.error("两次输入的新密码不一致。")
        else:
            try:
                keep = sessions.session_id(get_store(), st.session_state.get("session_token"))
                accounts.change_password(get_store(), user, old, new, keep)
            except ValueError as exc:
                st.error(str(exc))
            else:
                flash("密码已修改。其他设备上的登录已退出。")
                st.rerun()
