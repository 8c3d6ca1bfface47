"""Streamlit glue shared by the pages: the store, cached results, the chosen year, the user.

Pages stay thin: they read widgets, call these and ``scoring``, and render.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from scoring import chrome_zh, results, session_store, sessions
from scoring.accounts import User, can, refresh
from scoring.allocator import keep_freed_memory
from scoring.store import Store, StoreError, StoreLocked, resolve_db_path


def empty_hint() -> str:
    """What to do with a database that holds no data yet: an office's own file is not
    offered the demo (the command line refuses to write it there)."""
    if get_store().kind() == "office":
        return (
            "数据库中还没有考评数据。请先在「数据上传」页面导入单位名录，再上传评分表"
            "（各类评分表的模板可在该页面下载）。"
        )
    return (
        "数据库中还没有考评数据。请在「数据上传」页面上传评分表，"
        "或在命令行运行 `python -m scoring demo` 载入演示数据。"
    )


def page_setup(page_file: str, action: str = "view") -> User:
    """The first call of every page: inside the frame, signed in, and allowed.

    The role is checked here on the server, whatever the navigation shows; write
    actions check again in ``scoring`` (accounts.authorize) before touching data."""
    frame_guard(page_file)
    user = current_user()
    if not can(user, action):
        st.error("您没有访问此页面的权限。" if user else "请先登录。")
        st.stop()
    show_flash()
    return user


def results_page(page_file: str, title: str, action: str = "view") -> results.Results:
    """The opening of every results page: set up, title, and the chosen year's results
    (or the hint to upload, and stop, when there is no data yet)."""
    page_setup(page_file, action)
    st.title(title)
    year = selected_year()
    if year is None:
        st.info(empty_hint())
        st.stop()
    res = year_results(year)
    publication_notice(res)
    incomplete_notice(res)
    return res


def incomplete_notice(res: results.Results) -> None:
    """A year to which a whole source has not been uploaded yet (no unit has it): every
    figure shown is made of the rest, so say so on every results page."""
    from scoring.quality import absent_components

    if res.units and (absent := absent_components(res)):
        st.warning(
            f"{res.year} 年度还没有任何单位的{'、'.join(absent)}数据：各单位综合得分暂按其余"
            "组成部分重新分配权重计算，排名、等次和告诫可能随上传而变。如尚未上传，请上传后再看结果。"
        )


def change_warning(year: int) -> None:
    """Before a change that moves ``year``'s current results (a scheme version, a verified
    case's 分值): what it means for a year already in 公示 or 正式发布, as an upload is
    told (scoring.publication.change_notice); nothing for a year not published."""
    from scoring import publication

    notice = publication.change_notice(get_store(), year, current_user())
    if notice is not None:
        st.warning(md(notice.text))


def publication_notice(res: results.Results) -> None:
    """Once a year is published: say so, and which units and figures current data give
    differently from the frozen record (scoring.publication)."""
    from scoring import publication

    record = publication.published(get_store(), res.year)
    if record is None:
        return
    changed = publication.differences(record, res)
    head = (
        f"{res.year} 年度结果已{record['status']}（第 {record['version']} 版，"
        f"{record['published_at'][:10]}），公布的数字以「结果公示」页为准。"
    )
    if not changed:
        st.info(head + "当前数据与公布的结果一致。")
        return
    units = sorted({d.unit for d in changed})
    detail = "；".join(
        f"{d.unit} {d.figure}：公布 {d.published} → 当前 {d.current}" for d in changed[:8]
    )
    more = f"等 {len(changed)} 处" if len(changed) > 8 else ""
    st.warning(
        md(
            head + f"当前数据与公布的结果不同（{len(units)} 个单位）：{detail}{more}。"
            "本页显示的是按当前数据计算的结果。"
        )
    )


def frame_guard(page_file: str) -> None:
    """Make sure a page runs inside app.py's frame (navigation, sidebar, user).

    With a ``pages/`` folder, Streamlit starts in its legacy multipage mode until
    app.py first calls ``st.navigation``: a deep link such as /rankings opened first
    after a restart would run the page alone. Send such a session through the frame,
    which then returns it to the page it asked for."""
    if st.session_state.get("framed"):
        return
    st.session_state["wanted_page"] = "pages/" + page_file.replace("\\", "/").rsplit("/", 1)[-1]
    st.session_state["wanted_year"] = st.query_params.get(YEAR_PARAM)  # switching drops it
    st.switch_page("app.py")


def return_to_wanted_page(allowed: list[str]) -> None:
    """Called by app.py once the frame is up: finish a deep link's detour (to a page
    the user's role has)."""
    st.session_state["framed"] = True
    wanted = st.session_state.pop("wanted_page", None)
    if wanted in allowed:
        st.switch_page(wanted)


def open_store_or_explain() -> Store:
    """The store, or a Chinese message to the visitor (never a traceback) and stop: the
    file may be held by the command line, or be unreadable. Nothing is cached on failure,
    so the next visit tries again."""
    try:
        return get_store()
    except StoreLocked:
        st.error(
            "数据库文件正被另一个程序（通常是正在执行的命令行）占用，看板暂时无法打开。"
            "请稍候刷新页面；如果一直如此，请管理员结束占用数据库的程序。"
        )
    except StoreError as exc:
        st.error(str(exc))
    st.stop()


@st.cache_resource
def get_store() -> Store:
    """One DuckDB connection per process, shared by all sessions (cursor per query).
    The process keeps freed memory for reuse from here on (scoring.allocator)."""
    keep_freed_memory()
    return Store(resolve_db_path())


@st.cache_resource(max_entries=16)
def _results(year: int, data_version: str) -> results.Results:
    """The year's results. Earlier years' warnings (for escalation) are read beside the
    year's facts, each earlier year evaluated alone: a cold start computes the chosen
    year and the few years the escalation ladder reaches, never every year in the
    database. Results are frozen dataclasses: safe to share between sessions."""
    return results.compute(get_store(), year)


def year_results(year: int) -> results.Results:
    """The year's results, recomputed only when uploads, registry or scheme change."""
    store = get_store()
    return _results(year, store.data_version())


def available_years() -> list[int]:
    return get_store().years()


def score_columns(columns=None) -> dict:
    """Column formats for result tables, one per kind of figure (scoring.formats):
    scores 2 decimals, rates a percentage with 2 decimals, counts integers, adjustments
    signed; 告诫 and 提示 wide enough to read (一票否决 and its reason)."""
    from scoring.formats import COLUMN_KINDS

    kinds = {
        "score": st.column_config.NumberColumn(format="%.2f"),
        "rate": st.column_config.NumberColumn(format="percent", step=0.0001),
        "count": st.column_config.NumberColumn(format="%,d"),
        "signed": st.column_config.NumberColumn(format="%+.2f"),
    }
    config: dict = {c: kinds[k] for c, k in COLUMN_KINDS.items()}
    config["告诫"] = st.column_config.TextColumn(width=300)  # 一票否决、末位告诫、效能告诫…
    config["提示"] = st.column_config.TextColumn(width="large")
    return config if columns is None else {c: v for c, v in config.items() if c in columns}


def current_user() -> User | None:
    """Who is signed in (set by the login form in app.py; tests seed it), checked against
    the store on every run: a stopped account is signed out, a changed role applies."""
    user = refresh(get_store(), st.session_state.get("user"))
    if user is None:
        st.session_state.pop("user", None)
    else:
        st.session_state["user"] = user
    return user


def client_address() -> str | None:
    """The visitor's address for sign-in throttling (scoring.addresses: the peer, or
    behind a reverse proxy the address it forwards); None for a visit from this machine
    and where Streamlit cannot tell (AppTest): then only the account counts."""
    from scoring import addresses

    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # not in a browser session
        return None
    if not isinstance(peer, str):  # AppTest: a mock
        return None
    try:
        trusted = addresses.trusted_proxies()
    except ValueError as exc:  # the server's setting is wrong: say so where it is seen
        st.error(str(exc))
        trusted = ()
    return addresses.sign_in_address(
        peer, forwarded if isinstance(forwarded, str) else None, trusted
    )


def md(text: object) -> str:
    """User text (file, unit, sheet names) made inert for Streamlit's markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", str(text))


def selected_year() -> int | None:
    """The year chosen in the sidebar (app.py), else the latest; None when there is no data.

    Kept in a plain session key as well as the widget's, so that it survives a page
    switch even where the frame's sidebar does not run (Streamlit's AppTest)."""
    years = available_years()
    for key in ("follow_year", "year", "selected_year"):
        if st.session_state.get(key) in years:
            return st.session_state[key]
    return years[0] if years else None


def follow_year(year: int) -> None:
    """From the next run on, the sidebar shows ``year``: a year whose first data this
    session has just stored (数据上传), which the sidebar could not offer before."""
    st.session_state["follow_year"] = year
    st.session_state["selected_year"] = year


YEAR_PARAM = "year"  # the page address keeps the chosen year: ?year=2024


def _year_in_address(years: list[int]) -> int | None:
    """The year the page's address asks for (``?year=2024``: a reload or a bookmark, or
    the one a deep link's detour through the frame kept), if the store has it."""
    kept = st.session_state.pop("wanted_year", None)
    raw = st.query_params.get(YEAR_PARAM) or kept
    try:
        year = int(str(raw))
    except ValueError:
        return None
    return year if year in years else None


def year_selector() -> int | None:
    """The sidebar's year. A new browser session (a reload) opens on the year in the
    page's address, which follows every choice, so a reload stays on the chosen year."""
    years = available_years()
    if not years:
        st.session_state["selected_year"] = None
        return None
    if (follow := st.session_state.pop("follow_year", None)) in years:
        st.session_state["year"] = follow  # before the widget: it opens on that year
    asked = _year_in_address(years)
    if "year" not in st.session_state and asked is not None:
        st.session_state["selected_year"] = asked  # the widget opens on it (its index)
    year = st.sidebar.selectbox(
        "考评年度",
        years,
        index=years.index(selected_year()),
        format_func=lambda y: f"{y} 年度",
        key="year",
        placeholder="请选择",
    )
    st.session_state["selected_year"] = year
    if st.query_params.get(YEAR_PARAM) != str(year):
        st.query_params[YEAR_PARAM] = str(year)
    return year


# -- sessions that survive a reload (scoring.sessions) -------------------------------------


def restore_session() -> User | None:
    """On a new browser session (reload, bookmark, new tab): the user of the session
    cookie, if its token is valid and its session live; kept in the session state."""
    if st.session_state.get("signed_out"):
        return None
    token = st.context.cookies.get(sessions.COOKIE)
    name = sessions.resume(get_store(), token)
    if name is None:
        return None
    user = refresh(get_store(), User(name, ""))
    if user is not None:
        st.session_state["user"] = user
        st.session_state["session_token"] = token
    return user


def sign_in(user: User) -> None:
    """After a successful sign-in: a new session, its token set as a cookie on the next run."""
    token = sessions.start(get_store(), user)
    st.session_state["user"] = user
    st.session_state["session_token"] = token
    st.session_state["cookie_to_set"] = token
    st.session_state.pop("signed_out", None)


def sign_out() -> None:
    """End the session on the server and clear the cookie (on the next run)."""
    sessions.end(get_store(), st.session_state.pop("session_token", None))
    st.session_state.pop("user", None)
    st.session_state["cookie_to_set"] = ""
    st.session_state["signed_out"] = True


def write_session_cookie() -> None:
    """Set (or clear) the session cookie in the browser, once, after sign-in or sign-out.
    Streamlit reads cookies (st.context.cookies) but has no call to write one: a line of
    JavaScript does it. The token is ours (URL-safe base64), never user text."""
    token = st.session_state.pop("cookie_to_set", None)
    if token is None:
        return
    age = sessions.MAX_AGE if token else 0
    st.html(
        f"<script>document.cookie = '{sessions.COOKIE}={token}; Max-Age={age}; Path=/; "
        "SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def must_change_password(user: User) -> bool:
    return session_store.must_change_password(get_store(), user.name)


# -- messages that survive the rerun after an action --------------------------------------


def flash(message: str, kind: str = "success") -> None:
    """A message to show on the next run (an action's success survives its st.rerun)."""
    st.session_state.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    """Show and forget the messages left by ``flash`` (called by the frame on every run)."""
    for kind, message in st.session_state.pop("flash", []):
        {"success": st.success, "info": st.info, "warning": st.warning}.get(kind, st.success)(
            message
        )


# -- the leader's answer in one view --------------------------------------------------------


def verdict_cards(res: results.Results, columns: int = 3) -> None:
    """A card per group: who is last, the grade, why, the gap to the unit above and
    whether it is significant, and the full interval (scoring.explain.group_verdicts)."""
    from scoring.explain import group_verdicts

    verdicts = group_verdicts(res)
    for start in range(0, len(verdicts), columns):
        for col, v in zip(st.columns(columns), verdicts[start : start + columns], strict=False):
            with col.container(border=True):
                st.markdown(f"**{md(v.group)}**（{v.size} 个单位）")
                badge = " :red-badge[一票否决]" if v.vetoed else ""
                st.markdown(
                    f"末位：**{md(v.unit)}**　等次 **{v.grade}**　综合得分 {v.composite}{badge}"
                )
                st.markdown(f"主要原因：{md(v.reason)}")
                st.markdown(
                    f"与上一名 {md(v.above)} 相差：{md(v.gap)}　差异显著：**{v.significant}**"
                )
                st.caption(f"综合得分 {v.level} 区间：{v.interval}")
                if v.statement:
                    st.caption(md(v.statement))
                if v.tie_note:
                    st.caption(md(v.tie_note))


# -- Streamlit's own chrome in Chinese ---------------------------------------------------------


def show_table(data: Any, *, empty: str | None = "（无记录）", **kwargs: Any) -> Any:
    """``st.dataframe``, except for a table without rows: Streamlit draws the English word
    "empty" into its canvas (no setting, and no CSS reaches a canvas), so an empty table
    is said in Chinese (``empty``; ``None`` shows nothing, where the page says it already).
    A missing value shows as 「—」 unless the page says otherwise (Streamlit: "None")."""
    if len(data) == 0:
        if empty:
            st.caption(empty)
        return None
    kwargs.setdefault("placeholder", "—")
    return st.dataframe(data, **kwargs)


# Plotly's toolbar speaks English (its zh-CN locale is not in Streamlit's bundle): hidden;
# the charts still show values on hover, and the published PNG/SVG are the downloads.
CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}


NOT_FOUND = 'section[role="dialog"]:has(> h2 + div > div:not([data-testid]))'


def chinese_chrome() -> None:
    """Streamlit offers no setting for the file uploader's English ("Upload", "200MB per
    file • XLSX", "File must be 20.0MB or smaller.") or its menu's: the smallest honest fix is CSS
    that puts the same facts in Chinese in their place (the limit read from
    server.maxUploadSize). Only the empty dropzone's button is relabelled: a chosen
    file's remove button and the "+" that adds more keep their icons. The one error
    tooltip the uploaders show is a file refused before upload (too large, or a type
    that uploader does not take, which its label names), so it says both."""
    limit = st.get_option("server.maxUploadSize")
    button = '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]'
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"] span{font-size:0}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span::after{'
        f'content:"拖放文件到此处，或点击「选择文件」；每个文件不超过 {limit}MB";'
        "font-size:0.875rem}"
        f"{button} *{{font-size:0 !important}}"
        f'{button}::after{{content:"选择文件";font-size:0.875rem;white-space:nowrap}}'
        # The ⋮ menu holds only Streamlit's "About" (its dialog titled in English, its
        # version line): nothing an office needs.
        '[data-testid="stMainMenu"]{display:none}'
        # "Page not found" (an address no page has): the one dialog whose body is a bare
        # text, not a block of elements with test ids as every st.dialog and "About".
        f"{NOT_FOUND} h2{{font-size:0}}"
        f'{NOT_FOUND} h2::after{{content:"页面不存在";font-size:1.5rem}}'
        f"{NOT_FOUND} > div > div{{font-size:0}}"
        f"{NOT_FOUND} > div > div::after{{"
        'content:"您打开的地址没有对应的页面，已转到首页。";font-size:1rem}'
        '[data-testid="stTooltipErrorContent"]{font-size:0}'
        '[data-testid="stTooltipErrorContent"]::after{'
        f'content:"此文件不能上传：超过 {limit}MB，或不是这里接受的文件类型（见上方标题）";'
        "font-size:0.875rem}"
        # The script below takes no room on the page.
        '[data-testid="stElementContainer"]:has(script[data-chinese-chrome]){display:none}'
        "</style>"
    )
    # The table's toolbar, column menu and search bar: words, not styles (scoring.chrome_zh).
    st.html(chrome_zh.script(), unsafe_allow_javascript=True)
