"""数据上传: templates, upload with preview and validation report, confirm, undo, registry."""

from dataclasses import replace
from datetime import date

import streamlit as st

from pages.common import (
    available_years,
    change_warning,
    flash,
    follow_year,
    get_store,
    md,
    page_setup,
    score_columns,
    selected_year,
    show_table,
)
from scoring import accounts, imports, publication
from scoring.scheme import for_year
from scoring.sheets import MAX_UPLOAD_BYTES
from scoring.sources import SOURCE_NAMES
from scoring.store import StoreError
from scoring.templates import TEMPLATE_SOURCES, template
from scoring.years import upload_year_defaults

user = page_setup(__file__, "upload")


st.title("数据上传")
store = get_store()

# One year for the whole app: the sidebar's. The sidebar lists only years with data, and a
# new year's first file comes before that year has any: that year, and only such a year,
# is chosen here, and the page says why (as on 考评方案).
years = available_years()
sidebar = selected_year()
ticked, offered = upload_year_defaults(
    years, sidebar, user.years, date.today().year, st.session_state.get("upload_last_year")
)
if st.session_state.pop("upload_stored_fresh", None) is not None:
    # This session stored the first data of the year chosen below: the sidebar has it
    # now (follow_year), so the page follows the sidebar again.
    st.session_state["upload_unset_year"] = False
fresh = st.checkbox(
    "导入到尚无考评数据的年度（如新的一年）",
    value=ticked,
    disabled=sidebar is None,
    key="upload_unset_year",
    help="侧栏「考评年度」只列出已有考评数据的年度；新年度的第一批数据在此选定年度后上传，"
    "上传后该年度即出现在侧栏中。",
)
fresh = fresh or sidebar is None  # no year with data at all: only a year without data
left, right = st.columns(2)
if fresh:
    year = int(
        left.number_input(
            "尚无考评数据的年度",
            min_value=2000,
            max_value=2100,
            step=1,
            value=offered,
            key="upload_year",
        )
    )
else:
    year = sidebar
if not accounts.can(user, "upload", year=year):
    if user.years:
        allowed = "、".join(str(y) for y in sorted(user.years))
        st.error(
            f"您的账号只能向 {allowed} 年度上传数据：已有数据的年度请在侧栏「考评年度」中选择，"
            "尚无数据的年度请勾选上方「导入到尚无考评数据的年度」。"
        )
    else:
        st.error(f"您没有向 {year} 年度上传数据的权限。")
    st.stop()
st.session_state["upload_last_year"] = year
if fresh:
    if year in years:
        st.info(f"{year} 年度已有考评数据：请取消上方勾选，在侧栏「考评年度」中选择该年度。")
        st.stop()
    st.caption(f"{year} 年度尚无考评数据，不在侧栏「考评年度」中：上传后该年度即出现在侧栏。")
else:
    left.caption(f"年度随侧栏「考评年度」：导入到 {year} 年度（全站同一个年度）。")
mine = [k for k in SOURCE_NAMES if k != "units" and accounts.can(user, "upload", source=k)]
choices = {"自动识别（按表头）": None} | {SOURCE_NAMES[k]: k for k in mine}
source = choices[
    right.selectbox("数据来源", list(choices), key="upload_source", placeholder="请选择")
]

with st.expander("下载空白模板（含下拉选项）"):
    scheme, _ = for_year(store, year)
    registry_units = store.units(year)
    cols = st.columns(3)
    for i, src in enumerate(TEMPLATE_SOURCES):
        cols[i % 3].download_button(
            f"{SOURCE_NAMES[src]}模板",
            data=lambda s=src: template(s, scheme, registry_units, year),
            file_name=f"{SOURCE_NAMES[src]}模板.xlsx",
            key=f"tpl-{src}",
            on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

scheme, _ = for_year(store, year)
category_choices = {"（按文件中的评议人类别列）": None} | {c: c for c in scheme.categories}
category = category_choices[
    st.selectbox(
        "评议人类别（只用于没有「评议人类别」列的汇总表，如承包方的测评结果）",
        list(category_choices),
        key="upload_category",
        placeholder="请选择",
    )
]

files = st.file_uploader(
    f"选择评分表（.xlsx、.xls 或 .csv，可多选，每个不超过 {MAX_UPLOAD_BYTES // 1048576} MB）",
    type=["xlsx", "csv", "xls"],
    accept_multiple_files=True,
    key="upload_files",
)

UNSET, SKIP = "（未对应）", "（不导入）"


def mapping_panel(i: int, parsed, chosen: dict) -> None:
    """The file's columns beside the canonical ones; the user fixes and confirms the
    mapping (proposed by scoring.sheets, or a saved one for the same header)."""
    rows = [
        {"文件中的列": c, "对应的标准列": parsed.matched.get(c) or chosen.get(c) or "—"}
        for c in parsed.columns
        if c
    ]
    st.caption(f"按「{md(parsed.layout)}」格式对照：文件中的列与系统的标准列")
    show_table(rows, hide_index=True)
    saved = imports.saved_mappings(store, parsed)
    if saved:
        names = [m["name"] for m in saved]
        pick = st.selectbox(
            "已保存的列对应（表头相同的文件）", names, key=f"saved-map-{i}", placeholder="请选择"
        )
        if st.button("套用这个列对应", key=f"use-map-{i}"):
            st.session_state.setdefault("col_maps", {})[parsed.file] = dict(
                saved[names.index(pick)]["mapping"]
            )
            st.rerun()
    open_columns = list(dict.fromkeys([*parsed.unused, *parsed.proposal, *chosen]))
    if not open_columns:
        return
    options = [UNSET, *parsed.canonical, SKIP]
    picked = {}
    for j, column in enumerate(open_columns):
        current = chosen.get(column) or parsed.proposal.get(column)
        current = SKIP if current == "-" else current
        picked[column] = st.selectbox(
            f"「{md(column)}」对应",
            options,
            index=options.index(current) if current in options else 0,
            key=f"map-{i}-{j}",
            placeholder="请选择",
        )
    mapping = {c: ("-" if v == SKIP else v) for c, v in picked.items() if v != UNSET}
    c1, c2, c3 = st.columns([1, 1, 1])
    if c1.button("按此对应重新检查", key=f"apply-map-{i}", type="primary"):
        st.session_state.setdefault("col_maps", {})[parsed.file] = mapping
        st.rerun()
    name = c2.text_input("保存为（名称）", key=f"map-name-{i}", placeholder="如：问卷星导出")
    if c3.button("保存此列对应", key=f"save-map-{i}"):
        try:
            imports.save_mapping(store, user, name, parsed, mapping)
            st.success(md(f"已保存列对应「{name}」，表头相同的文件会再次提供它。"))
        except imports.ImportRejected as exc:
            st.error(md(str(exc)))


def published_year_step(key: str) -> tuple[bool, bool]:
    """What changing this year's data means once its results are published, said before
    the confirm button (scoring.publication.change_notice): in 公示, a warning; once
    正式发布, refused for a 录入员, a tick for the 管理员. Returns (may go on, ticked)."""
    notice = publication.change_notice(store, year, user)
    if notice is None:
        return True, False
    if notice.refused:
        st.error(notice.refused)
        return False, False
    st.warning(notice.text)
    if not notice.needs_confirmation:
        return True, False
    ticked = st.checkbox(
        f"确认改动已正式发布的 {year} 年度的数据（公布的结果不变，记入审计日志）", key=key
    )
    return ticked, ticked


def commit_section(parsed, i: int, key: tuple | None = None) -> None:
    """The confirm step: a partial overlap with stored data needs its own tick; the
    content checks run again when storing (someone may have stored it meanwhile)."""
    overlap = imports.overlap_message(parsed, store, year)
    accept = False
    if overlap:
        st.warning(md(overlap))
        accept = st.checkbox("确认只导入其余的新数据", key=f"overlap-{i}")
    may, confirmed = published_year_step(f"published-{i}")
    if st.button(
        f"确认导入到 {year} 年度",
        key=f"commit-{i}",
        type="primary",
        disabled=(bool(overlap) and not accept) or not may,
    ):
        try:
            outcome = imports.commit(
                store, parsed, year, user, accept_overlap=accept, confirm_published=confirmed
            )
        except (imports.ImportRejected, StoreError) as exc:  # a full disk too: nothing stored
            st.error(md(f"未导入：{exc}"))
            return
        flash(md(outcome.message))
        if fresh:  # the year's first data: from now on the sidebar offers it
            follow_year(year)
            st.session_state["upload_stored_fresh"] = year
        if key is not None:  # stored now: the rows need not stay in the session
            st.session_state["checked_files"][key] = replace(parsed, facts={})
        # Drawn again: the file now shows as imported (no button to click twice), the
        # year as one with data, the uploads list with it.
        st.rerun()


def undo_confirm_step(undoable: dict) -> None:
    """Undo asks first, naming the upload, its file, source and rows; what is undone goes
    to the 回收站, from which the administrator can restore it."""
    pending = undoable.get(st.session_state.get("undo_pending"))
    if pending is None:
        return
    st.warning(
        md(
            f"确认撤销第 {pending.id} 号上传「{pending.file}」？"
            f"来源：{SOURCE_NAMES.get(pending.source, pending.source)}，"
            f"{pending.rows} 行，{pending.year} 年度，{pending.at} 由 {pending.user} 上传。"
            "撤销后这些数据不再计入结果，移入回收站，管理员可从回收站恢复。"
        )
    )
    may, confirmed = published_year_step("undo-published")
    c1, c2 = st.columns(2)
    if c1.button("确认撤销", key="undo-confirm", type="primary", disabled=not may):
        try:
            undone = imports.undo(store, pending.id, user, confirm_published=confirmed)
        except StoreError as exc:
            st.error(md(str(exc)))
            return
        st.session_state.pop("undo_pending", None)
        st.session_state["undo_done"] = (
            f"已撤销第 {undone.id} 号上传「{undone.file}」（{undone.rows} 行），已移入回收站。"
        )
        st.rerun()
    if c2.button("取消", key="undo-cancel"):
        st.session_state.pop("undo_pending", None)
        st.rerun()


def recycle_bin_section(year: int) -> None:
    """回收站: undone uploads of the year, restored exactly by the administrator."""
    binned = store.recycled(year)
    if binned.empty:
        return
    with st.expander(f"回收站（{len(binned)} 个已撤销的上传）"):
        show_table(
            [
                {
                    "编号": r.id,
                    "文件": r.file,
                    "来源": SOURCE_NAMES.get(r.source, r.source),
                    "行数": r.rows,
                    "撤销时间": str(r.undone_at)[:19],
                    "撤销人": r.undone_by,
                }
                for r in binned.itertuples(index=False)
            ],
            hide_index=True,
        )
        if not accounts.can(user, "restore"):
            st.caption("只有管理员可以从回收站恢复。")
            return
        names = {int(r.id): f"第 {r.id} 号：{r.file}" for r in binned.itertuples(index=False)}
        target = st.selectbox(
            "恢复", list(names), format_func=names.get, key="restore_id", placeholder="请选择"
        )
        may, confirmed = published_year_step("restore-published")
        if st.button("从回收站恢复", key="restore", disabled=not may):
            try:
                back = imports.restore(store, target, user, confirm_published=confirmed)
                st.session_state["undo_done"] = (
                    f"已恢复第 {back.id} 号上传「{back.file}」（{back.rows} 行）。"
                )
                st.rerun()
            except StoreError as exc:
                st.error(md(exc))


checked: dict = st.session_state.setdefault("checked_files", {})
col_maps: dict = st.session_state.setdefault("col_maps", {})
if not files:
    checked.clear()  # nothing chosen (or cancelled): keep no parsed file in the session
if files:
    progress = st.progress(0.0, text="正在读取和检查文件……")
    keys = []
    for i, f in enumerate(files):
        data = f.getvalue()  # size and type are checked again in scoring.sheets
        chosen = col_maps.get(f.name, {})
        key = (f.name, len(data), hash(data), year, source, category, tuple(sorted(chosen.items())))
        keys.append(key)
        if key not in checked:
            progress.progress(i / len(files), text=f"正在检查第 {i + 1} 个文件……")
            checked[key] = imports.prepare(store, f.name, data, year, source, chosen, category)
    progress.empty()
    for stale in set(checked) - set(keys):  # files removed from the uploader: let them go
        del checked[stale]
    for i, (f, key) in enumerate(zip(files, keys, strict=True)):
        parsed = checked[key]
        chosen = col_maps.get(f.name, {})
        st.subheader(md(f.name))
        if chosen:
            st.caption(
                "已使用列对应："
                + md("、".join(f"{k} → {'不导入' if v == '-' else v}" for k, v in chosen.items()))
            )
        earlier = imports.earlier_upload(store, parsed, year) if parsed.source else None
        if earlier is not None:  # the very same file again: nothing to fix, nothing to do
            st.info(f"此文件与第 {earlier.id} 号上传（{earlier.at}）内容完全相同，无需重复导入。")
            continue
        if parsed.problems:
            located = [p for p in parsed.problems if p.sheet is not None]
            st.error(f"发现 {len(parsed.problems)} 处问题，此文件不会导入。")
            for p in parsed.problems:
                if p.sheet is None:  # about the whole file: said, not a row of empty cells
                    st.markdown(f"- {md(p.expected)}")
            if located:
                st.caption("请按下表修改后重新上传：")
                show_table(imports.problems_frame(located), hide_index=True)
            said = set()
            for p in located:  # what to do, readable without widening a cell: each once
                if len(p.expected) > 40 and p.expected not in said and len(said) < 3:
                    said.add(p.expected)
                    where = imports.where_said(p)
                    st.markdown(f"- {md(where + p.expected)}")
            if parsed.columns:
                with st.expander(
                    "列对应（文件的列名与标准列名不一致时在这里选择）", expanded=bool(located)
                ):
                    mapping_panel(i, parsed, chosen)
            for note in parsed.notes:
                st.info(md(note))
            continue
        st.caption(
            f"识别为：{SOURCE_NAMES[parsed.source]}；{parsed.rows} 行；"
            f"工作表：{md('、'.join(parsed.sheets))}"
        )
        for note in parsed.notes:
            st.info(md(note))
        if chosen:
            with st.expander("列对应"):
                mapping_panel(i, parsed, chosen)
        show_table(parsed.preview, hide_index=True)
        if (named := imports.year_mismatch(f.name, year)) is not None:
            st.warning(
                f"文件名表明这是 {named} 年度的数据，但将导入到 {year} 年度，请核对上方的年度。"
            )
        if parsed.source == "units":
            if accounts.can(user, "units"):
                st.warning("这是单位名录，请在下方「单位名录」中导入。")
            else:
                st.warning("这是单位名录：单位名录由管理员导入，请交给效能办。")
        elif not accounts.can(user, "upload", source=parsed.source, year=year):
            st.error(f"您没有上传「{SOURCE_NAMES[parsed.source]}」的权限。")
        else:
            commit_section(parsed, i, key)

st.divider()
st.subheader(f"{year} 年度已导入的文件")
uploads = store.uploads(year)
if not uploads:
    st.info("本年度还没有导入任何文件。")
else:
    show_table(
        [
            {
                "编号": u.id,
                "文件": u.file,
                "来源": SOURCE_NAMES.get(u.source, u.source),
                "行数": u.rows,
                "上传时间": u.at,
                "上传人": u.user,
            }
            for u in uploads
        ],
        hide_index=True,
        column_config=score_columns(["行数"]),
    )
    undoable = [
        u for u in uploads if accounts.can(user, "undo", source=u.source, year=u.year, owner=u.user)
    ]
    if undoable:
        c1, c2 = st.columns([2, 1])
        # Newest first and nothing chosen until the user chooses: the first of the list
        # was the year's oldest upload (often its largest), one click from the 回收站.
        names = {u.id: f"第 {u.id} 号：{u.file}" for u in reversed(undoable)}
        target = c1.selectbox(
            "撤销一次上传（该文件带来的全部数据移入回收站）",
            list(names),
            index=None,
            format_func=names.get,
            key="undo_id",
            placeholder="请选择要撤销的上传",
        )
        if c2.button("撤销", key="undo", disabled=target is None):
            st.session_state["undo_pending"] = target
        undo_confirm_step({u.id: u for u in undoable})


def published_from(year: int) -> None:
    """A registry imported for ``year`` holds from that year on: each later year already
    in 公示 or 正式发布 says what the change means for it."""
    for later in (y for y in available_years() if y >= year):
        change_warning(later)


def registry_section(year: int) -> None:
    """单位名录: effective from the chosen year on; every change previewed before storing."""
    from scoring import registry

    # Open after an import (to say what was stored) and while a file is chosen in it: the
    # panel opened after an import shut when the next file was chosen, hiding its preview.
    round_ = st.session_state.setdefault("registry_round", 0)
    chosen = st.session_state.get(f"registry_file_{round_}") is not None
    with st.expander(
        f"单位名录（{year} 年度起生效）",
        expanded=st.session_state.pop("registry_open", False) or chosen,
    ):
        units = store.units(year)
        st.caption(
            f"{year} 年度在用 {len(units)} 个单位。上传的名录自 {year} 年度起生效，"
            "此前各年度保持原名录；文件中没有的列不改变原有信息，单位状态填「撤销」则自该年度起撤销。"
        )
        if done := st.session_state.pop("registry_done", None):
            st.success(done)
        # A new key after each import: the file and its preview go, the count above is new.
        registry_file = st.file_uploader(
            "上传单位名录（.xlsx 或 .csv）",
            type=["xlsx", "csv", "xls"],
            key=f"registry_file_{round_}",
        )
        if registry_file is not None:
            plan = registry.preview(store, registry_file.name, registry_file.getvalue(), year)
            if plan.problems:
                st.error(f"单位名录未导入，共 {len(plan.problems)} 处问题：")
                show_table(imports.problems_frame(plan.problems), hide_index=True)
                long = dict.fromkeys(p for p in plan.problems if len(p.expected) > 40)
                for p in list(long)[:3]:  # readable without widening a cell
                    st.markdown(f"- {md(imports.where_said(p) + p.expected)}")
            elif not plan.changes:
                st.info(f"与 {year} 年度在用的名录相同，没有需要导入的变更。")
            else:
                st.markdown(f"**导入前预览：{len(plan.changes)} 项变更**（尚未保存）")
                for merge in plan.merges:
                    st.info(md(merge))
                show_table(plan.frame(), hide_index=True)
                confirmed = True
                for reason in plan.confirm:
                    st.warning(md(reason))
                if plan.confirm:
                    confirmed = st.checkbox("我已核对以上变更，确认导入", key="registry_confirm")
                published_from(year)
                if st.button(
                    f"导入单位名录（自 {year} 年度起生效）",
                    key="load_units",
                    type="primary",
                    disabled=not confirmed,
                ):
                    try:
                        version = registry.apply(store, plan, user, confirmed=confirmed)
                    except (registry.NeedsConfirmation, StoreError) as exc:
                        st.error(md(exc))
                    else:
                        st.session_state["registry_done"] = (
                            f"单位名录已更新（版本 {version}）：新增 {plan.added} 个，"
                            f"更新 {plan.updated} 个。"
                        )
                        st.session_state["registry_round"] = round_ + 1
                        st.session_state["registry_open"] = True
                        st.rerun()
        show_table(
            units.rename(
                columns={
                    "name": "单位名称",
                    "aliases": "简称",
                    "type": "类型",
                    "parent": "上级单位",
                    "group": "考核类别",
                    "predecessors": "前身",
                }
            ),
            hide_index=True,
        )


if done := st.session_state.pop("undo_done", None):
    st.success(md(done))
recycle_bin_section(year)

if accounts.can(user, "units"):
    registry_section(year)
