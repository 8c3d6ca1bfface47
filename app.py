"""效能考评看板: the frame. Page config, sign-in, year, navigation per role; pages do the rest."""

from pathlib import Path

import streamlit as st

from pages.common import (
    chinese_chrome,
    client_address,
    current_user,
    get_store,
    md,
    must_change_password,
    open_store_or_explain,
    restore_session,
    return_to_wanted_page,
    sign_in,
    sign_out,
    write_session_cookie,
    year_selector,
)
from scoring import accounts
from scoring.store import StoreError

# The app menu shows only what is set here (client.toolbarMode = "minimal"), in Chinese.
st.set_page_config(
    page_title="效能考评看板",
    page_icon=":material/leaderboard:",
    layout="wide",
)


@st.cache_resource
def _first_run_admin() -> None:
    """Once per process: with no account at all, create the administrator and say so."""
    password = accounts.ensure_admin(get_store())
    if password:
        print(f"已创建管理员账号 admin，初始密码：{password}（只显示这一次）", flush=True)


def login() -> None:
    st.title("效能考评看板")
    with st.form("login"):
        name = st.text_input("用户名", key="login_name", max_chars=accounts.NAME_MAX)
        password = st.text_input(
            "密码", type="password", key="login_password", max_chars=accounts.PASSWORD_MAX
        )
        if st.form_submit_button("登录", type="primary"):
            outcome = accounts.sign_in(get_store(), name, password, client_address())
            if outcome.user is None:
                st.error(outcome.message)
            else:
                sign_in(outcome.user)
                st.rerun()
    st.caption("首次启动时，管理员账号 admin 的初始密码显示在启动看板的终端中。")
    database_notice()


def database_notice() -> None:
    """Which database file the app runs on, and (on the demo) how an office starts its own."""
    store = get_store()
    if store.kind() == "demo":
        st.info(
            f"当前是**演示数据库**（{md(store.path)}），其中是虚构的演示城市，仅供试用。\n\n"
            "管理员要开始本单位的正式考评，请新建空白数据库：停止看板后运行 "
            "`make run DB=data/scoring.duckdb`（或 `python -m scoring --db data/scoring.duckdb "
            "init` 后以 `SCORING_DB=data/scoring.duckdb` 启动）；"
            "新管理员账号的初始密码显示在终端中。"
            "演示数据不会进入新数据库。"
        )
    else:
        st.caption(f"数据库：{md(store.path)}（本单位数据库）")


VIEWS = [
    ("pages/overview.py", "总览", ":material/dashboard:", "view"),
    ("pages/rankings.py", "分类排名", ":material/format_list_numbered:", "view"),
    ("pages/profile.py", "单位画像", ":material/account_balance:", "view"),
    ("pages/warnings_list.py", "告诫名单", ":material/warning:", "view"),
    ("pages/rules_page.py", "考评规则说明", ":material/menu_book:", "view"),
    ("pages/rectify.py", "整改台账", ":material/task_alt:", "view"),
    ("pages/cases.py", "督查与投诉", ":material/policy:", "view"),
]
DATA = [
    ("pages/upload.py", "数据上传", ":material/upload_file:", "upload"),
    ("pages/quality.py", "数据质量", ":material/fact_check:", "view"),
]
OFFICE = [
    ("pages/publish_page.py", "结果发布", ":material/campaign:", "publish"),
    ("pages/publication.py", "结果公示", ":material/verified:", "publish"),
    ("pages/scheme_page.py", "考评方案", ":material/tune:", "scheme"),
    ("pages/admin.py", "账号与审计", ":material/admin_panel_settings:", "accounts"),
]
MINE = [
    ("pages/password.py", "修改密码", ":material/key:", "own_password"),
]
ALL_PAGES = [e for entries in (VIEWS, DATA, OFFICE, MINE) for e in entries]


def stand_ins(page, title: str, icon: str, except_paths=()) -> list[st.Page]:
    """Hidden pages that answer every page address of the app with ``page`` (sign-in,
    a password change, no access): a reload or bookmark of /rankings then runs ``page``
    at that address (no English "Page not found"), and once the user may see the page,
    the rerun at the same address shows it: the deep link survives the detour."""
    return [
        st.Page(page, title=title, icon=icon, url_path=Path(path).stem, visibility="hidden")
        for path, *_ in ALL_PAGES
        if path not in except_paths
    ]


# The default page is served at "/" but still reserves a name: this one, so that its
# file's name (what bookmarks hold) can lead home (below).
HOME_SLOT = "home"


def no_access() -> None:
    st.title("无权访问")
    st.error("您的账号没有访问此页面的权限。请从左侧菜单选择页面。")


open_store_or_explain()  # serve.py (make run) opened it at start; this covers `streamlit run`
_first_run_admin()
chinese_chrome()
write_session_cookie()
user = current_user() or restore_session()
if user is None:
    st.navigation(
        [
            st.Page(login, title="登录", icon=":material/login:", default=True),
            *stand_ins(login, "登录", ":material/login:"),
        ],
        position="hidden",
    ).run()
    st.stop()
if must_change_password(user):
    # First sign-in with a password someone else set: nothing else until it is changed.
    st.session_state["framed"] = True
    st.navigation(
        [
            # At the home page's address, so that once changed the rerun lands on 总览.
            st.Page(
                "pages/password.py",
                title="修改密码",
                icon=":material/key:",
                url_path=Path(VIEWS[0][0]).stem,
                default=True,
            ),
            *stand_ins("pages/password.py", "修改密码", ":material/key:", [VIEWS[0][0]]),
        ],
        position="hidden",
    ).run()
    st.stop()

sections = {}
allowed = []
for section, entries in (
    ("考评结果", VIEWS),
    ("数据管理", DATA),
    ("效能办", OFFICE),
    ("我的账号", MINE),
):
    mine = [e for e in entries if accounts.can(user, e[3])]
    if mine:
        sections[section] = [
            st.Page(path, title=title, icon=icon, default=True, url_path=HOME_SLOT)
            if path == VIEWS[0][0]
            else st.Page(path, title=title, icon=icon)
            for path, title, icon, _ in mine
        ]
        allowed += [path for path, *_ in mine]
# Addresses of pages this role does not have answer "无权访问" (hidden from the menu).
list(sections.values())[-1].extend(stand_ins(no_access, "无权访问", ":material/block:", allowed))
# The home page lives at "/", and Streamlit matches its own name (/overview, a bookmark
# made before signing in) to no page: "Page not found", in English. The name leads home.
list(sections.values())[-1].append(
    st.Page(
        lambda: st.switch_page(VIEWS[0][0]),
        title=VIEWS[0][1],
        url_path=Path(VIEWS[0][0]).stem,
        visibility="hidden",
    )
)
navigation = st.navigation(sections, expanded=True)  # no English "View n more"
return_to_wanted_page(allowed)
st.sidebar.caption(f"当前用户：{md(user.name)}（{user.role}）")
if get_store().kind() == "demo":
    st.sidebar.caption(f"演示数据库：{md(get_store().path)}")
if st.sidebar.button("退出登录", key="logout"):
    sign_out()
    st.rerun()
year_selector()
try:
    navigation.run()
except StoreError as exc:  # a write the store could not make (full disk, ...): say so
    st.error(str(exc))
