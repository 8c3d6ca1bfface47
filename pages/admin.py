"""账号与审计: accounts and roles, sign-in locks, and who did what when.

Every change is shown first, exactly (``accounts.plan_account``), and applied only when
confirmed; ``scoring.accounts`` checks the role again before writing."""

import streamlit as st

from pages.common import flash, get_store, md, page_setup, show_table
from scoring import accounts, cases
from scoring.sources import SOURCE_NAMES
from scoring.tables import audit_table, csv_safe

user = page_setup(__file__, "accounts")
st.title("账号与审计")
store = get_store()
SOURCES = [k for k in SOURCE_NAMES if k != "units"] + list(cases.SOURCES)


def _source_name(key: str) -> str:
    return SOURCE_NAMES.get(key, f"督查与投诉：{key}")


def _years(text: str) -> list[int]:
    try:
        return [int(y) for y in text.replace("，", ",").split(",") if y.strip()]
    except ValueError:
        raise ValueError("年度请写数字，用逗号分隔，例如 2025,2026") from None


def _propose(**fields) -> None:
    """Work out a change and keep it for confirmation (nothing is written yet)."""
    try:
        st.session_state["account_change"] = accounts.plan_account(store, **fields)
    except ValueError as exc:
        st.session_state.pop("account_change", None)
        st.error(str(exc))


st.subheader("账号")
users = store.users()
show_table(
    users.assign(
        active=users["active"].map({True: "启用", False: "停用"}),
        sources=users["sources"].map(lambda keys: [SOURCE_NAMES.get(k, k) for k in keys]),
    ).rename(
        columns={
            "name": "用户名",
            "role": "角色",
            "sources": "可上传来源（空为全部）",
            "years": "可上传年度（空为全部）",
            "active": "状态",
            "created_at": "创建时间",
        }
    ),
    hide_index=True,
)

NEW_ACCOUNT = {
    "new_name": "",
    "new_role": None,
    "new_password": "",
    "new_sources": [],
    "new_years": "",
}
if st.session_state.pop("new_account_saved", False):  # an account was made: an empty form
    st.session_state.update(NEW_ACCOUNT)

new_tab, edit_tab = st.tabs(["新建账号", "修改账号"])
with new_tab, st.form("add_user"):
    c1, c2, c3 = st.columns(3)
    name = c1.text_input("用户名", key="new_name", max_chars=accounts.NAME_MAX)
    role = c2.selectbox("角色", accounts.ROLES, key="new_role", placeholder="请选择")
    password = c3.text_input(
        "密码（至少 8 位）", type="password", key="new_password", max_chars=accounts.PASSWORD_MAX
    )
    sources = st.multiselect(
        "录入员可上传的来源和可登记的案件来源（不选为全部）",
        SOURCES,
        format_func=_source_name,
        key="new_sources",
        placeholder="全部来源",
        select_all=False,
    )
    years = st.text_input("录入员可上传的年度（逗号分隔，不填为全部）", key="new_years")
    if st.form_submit_button("预览新建"):
        if store.user_row(name.strip()) is not None:
            st.error(md(f"账号「{name.strip()}」已存在，请在「修改账号」中修改。"))
        else:
            try:
                _propose(
                    name=name, role=role, password=password, sources=sources, years=_years(years)
                )
            except ValueError as exc:
                st.error(str(exc))

names = users["name"].tolist()
with edit_tab:
    target = st.selectbox("账号", names, key="edit_name", placeholder="请选择") if names else None
    row = store.user_row(target) if target else None
    if row is not None:
        st.caption(f"当前：{'启用' if row['active'] else '停用'}。只有改动的项目会被修改。")
        with st.form(f"edit_user_{target}"):
            c1, c2 = st.columns(2)
            new_role = c1.selectbox(
                "角色",
                accounts.ROLES,
                index=accounts.ROLES.index(row["role"]),
                key=f"edit_role_{target}",
                placeholder="请选择",
            )
            new_password = c2.text_input(
                "新密码（不填则不修改；重设密码不会启用已停用的账号）",
                type="password",
                key=f"edit_password_{target}",
                max_chars=accounts.PASSWORD_MAX,
            )
            new_sources = st.multiselect(
                "录入员可上传的来源和可登记的案件来源（不选为全部）",
                SOURCES,
                default=[s for s in row["sources"] if s in SOURCES],
                format_func=_source_name,
                key=f"edit_sources_{target}",
                placeholder="全部来源",
                select_all=False,
            )
            new_years = st.text_input(
                "录入员可上传的年度（逗号分隔，不填为全部）",
                value=",".join(str(y) for y in row["years"]),
                key=f"edit_years_{target}",
            )
            if st.form_submit_button("预览修改"):
                try:
                    _propose(
                        name=target,
                        role=new_role,
                        password=new_password or None,
                        sources=new_sources,
                        years=_years(new_years),
                    )
                except ValueError as exc:
                    st.error(str(exc))
        if target != user.name:
            label = "预览停用" if row["active"] else "预览启用（保留原有来源和年度）"
            if st.button(label, key="toggle_active"):
                _propose(name=target, active=not row["active"])

change = st.session_state.get("account_change")
if change is not None:
    with st.container(border=True):
        st.markdown("**将要进行的修改（确认后才会保存）**")
        st.text(f"账号：{change.name}\n" + "\n".join(change.lines or ["没有任何修改"]))
        c1, c2 = st.columns(2)
        if c1.button("确认保存", type="primary", key="confirm_change", disabled=not change.lines):
            try:
                accounts.apply_account(store, change, user)
                st.session_state.pop("account_change", None)
                st.session_state["new_account_saved"] = change.name not in names
                flash(md(f"已保存账号「{change.name}」：{change.summary}"))
                st.rerun()
            except (ValueError, accounts.PermissionDenied) as exc:
                st.error(str(exc))
        if c2.button("取消", key="cancel_change"):
            st.session_state.pop("account_change", None)
            st.rerun()

st.subheader("登录锁定")
locks = accounts.sign_in_locks(store, user)
if not locks:
    st.caption(
        f"当前没有被锁定的账号或地址（同一账号 {accounts.WINDOW.seconds // 60} 分钟内连续 "
        f"{accounts.ACCOUNT_FAILURES} 次、同一地址 {accounts.ADDRESS_FAILURES} 次登录失败即锁定 "
        f"{accounts.LOCK.seconds // 60} 分钟）。"
    )
else:
    for i, (kind, key, until) in enumerate(locks):
        c1, c2 = st.columns([3, 1])
        what = "账号" if kind == "account" else "地址"
        c1.text(f"{what} {key}：锁定至 {until:%Y-%m-%d %H:%M}")
        if c2.button("解除锁定", key=f"unlock_{i}"):
            accounts.unlock_sign_in(store, user, key, kind)
            st.rerun()

st.subheader("审计日志")
log = audit_table(store.audit_log())
show_table(log, hide_index=True)
st.download_button(
    "导出审计日志（CSV）",
    data=lambda: csv_safe(log).to_csv(index=False).encode("utf-8-sig"),
    file_name="审计日志.csv",
    mime="text/csv",
    on_click="ignore",
    key="audit_csv",
)
