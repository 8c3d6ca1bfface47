"""账号与审计: accounts and roles, and who did what when."""

import streamlit as st

from pages.common import confirm_action, flash, get_store, page_setup
from scoring import accounts, cases
from scoring.sheets import SOURCE_NAMES
from scoring.tables import audit_table, csv_safe

user = page_setup(__file__, "accounts")
st.title("账号与审计")
store = get_store()

st.subheader("账号")
st.dataframe(
    store.users().rename(
        columns={
            "name": "用户名",
            "role": "角色",
            "sources": "可上传来源",
            "years": "可上传年度",
            "active": "启用",
            "created_at": "创建时间",
        }
    ),
    hide_index=True,
)
with st.form("add_user"):
    st.markdown("**新建账号或重设密码**")
    c1, c2, c3 = st.columns(3)
    name = c1.text_input("用户名", key="new_name")
    role = c2.selectbox("角色", accounts.ROLES, key="new_role")
    password = c3.text_input("密码（至少 8 位）", type="password", key="new_password")
    sources = st.multiselect(
        "录入员可上传的来源和可登记的案件来源（不选为全部）",
        [k for k in SOURCE_NAMES if k != "units"] + list(cases.SOURCES),
        format_func=lambda k: SOURCE_NAMES.get(k, f"督查与投诉：{k}"),
        key="new_sources",
    )
    years = st.text_input("录入员可上传的年度（逗号分隔，不填为全部）", key="new_years")
    if st.form_submit_button("保存账号"):
        try:
            accounts.authorize(user, "accounts")
            accounts.add_user(
                store,
                name,
                password,
                role,
                sources=sources,
                years=[int(y) for y in years.replace("，", ",").split(",") if y.strip()],
                by=user.name,
            )
            flash(f"账号 {name}（{role}）已保存。")
            st.rerun()
        except ValueError as exc:
            st.error(str(exc))

others = [n for n in store.users()["name"] if n != user.name]
if others:
    c1, c2 = st.columns([2, 1])
    target = c1.selectbox("停用账号", others, key="deactivate_name")
    def deactivate() -> None:
        accounts.authorize(user, "accounts")
        store.set_user_active(target, False, user.name)

    with c2:
        confirm_action(
            "停用",
            "deactivate",
            "确认停用账号？",
            f"账号「{target}」将不能再登录，已登录的会话在下一次操作时退出。"
            "账号和它的审计记录保留，可在上方重新保存该账号以启用。",
            deactivate,
            f"账号 {target} 已停用。",
            (ValueError, accounts.PermissionDenied),
        )

st.subheader("审计日志")
log = audit_table(store.audit_log())
st.dataframe(log, hide_index=True)
st.download_button(
    "导出审计日志（CSV）",
    data=lambda: csv_safe(log).to_csv(index=False).encode("utf-8-sig"),
    file_name="审计日志.csv",
    mime="text/csv",
    on_click="ignore",
    key="audit_csv",
)
