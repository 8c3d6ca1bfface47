"""整改台账: the year's 整改 items (filters, history, actions by role), per-unit progress,
the warnings sync, 自查查摆 against check lists, campaign stages, and 意见建议 review."""

from datetime import date

import pandas as pd
import streamlit as st

from pages.cases_parts import show_done, write_action, xlsx_download
from pages.common import (
    empty_hint,
    get_store,
    md,
    page_setup,
    selected_year,
    show_table,
    year_results,
)
from scoring import accounts, checklists, opinions, rectify, rectify_export, rectify_sheet
from scoring.scheme import for_year

user = page_setup(__file__)
st.title("整改台账")
year = selected_year()
if year is None:
    st.info(empty_hint())
    st.stop()
store = get_store()
scheme, _ = for_year(store, year)
today = date.today()
office = accounts.can(user, "rectify_manage")
updater = accounts.can(user, "rectify_progress")
mine = rectify.units_of(store, user.name) if user.role == accounts.EVALUATOR else None
units_to_rectify = rectify.rectifiable_units(store)
ERRORS = (
    checklists.ChecklistError,
    rectify.RectifyError,
    accounts.PermissionDenied,
    rectify_sheet.RectifySheetError,
)


act = write_action(ERRORS, "rectify_done")
show_done("rectify_done")

res = year_results(year)
if office:
    pending = rectify.pending_sync(store, res)
    if pending.changes:
        parts = [
            f"{n}{what}"
            for n, what in (
                (len(pending.opened), " 条告诫尚无整改事项"),
                (len(pending.revoked), " 项整改事项的告诫已不存在"),
                (len(pending.restored), " 项已撤销事项的告诫重新出现"),
                (len(pending.updated), " 项整改事项的告诫事由已变（如方案修改后）"),
            )
            if n
        ]
        st.warning(
            f"整改台账与 {year} 年度结果不一致：{'，'.join(parts)}。"
            "请在「效能办操作」中同步告诫整改。"
        )

all_items = rectify.items(store, year)
if mine == []:  # a 录入员 the office has not given any unit: everything below only reads
    st.info(
        "您没有负责整改的单位，以下整改事项只能查看；"
        "如需更新进展或记录查摆问题，请联系管理员（效能办）为您分配负责单位。"
    )
tabs = st.tabs(
    ["整改台账", "单位进度", "自查查摆"] + (["效能办操作", "意见建议"] if office else [])
)

with tabs[0]:
    live = [i for i in all_items if i.status != rectify.REVOKED]
    if mine:  # a 录入员's headline counts what they answer for, as their list shows it
        live = [i for i in live if i.unit in mine]
        st.caption(f"以下为您负责的单位（{md('、'.join(mine))}）的整改事项。")
    m = st.columns(5)
    m[0].metric("整改事项", len(live))
    m[1].metric("待制定方案", sum(i.status == rectify.DRAFTING for i in live))
    m[2].metric("待销号审核", sum(i.status == rectify.REQUESTED for i in live))
    m[3].metric("回头看到期", sum(i.status == rectify.CLOSED and i.overdue(today) for i in live))
    m[4].metric("逾期", sum(i.overdue(today) for i in live))
    units = sorted({i.unit for i in all_items})
    c1, c2, c3, c4 = st.columns(4)
    f_unit = c1.multiselect(
        "单位",
        units,
        default=mine if mine else None,
        key="rf_unit",
        placeholder="全部单位",
        select_all=False,
    )
    f_origin = c2.multiselect(
        "来源", list(rectify.ORIGINS), key="rf_origin", placeholder="全部来源", select_all=False
    )
    f_status = c3.multiselect(
        "状态", list(rectify.STATUSES), key="rf_status", placeholder="全部状态", select_all=False
    )
    f_over = c4.selectbox(
        "逾期", ["全部", "仅逾期", "未逾期"], key="rf_overdue", placeholder="请选择"
    )
    shown = rectify.items(
        store,
        year,
        unit=f_unit or None,
        origin=f_origin or None,
        status=f_status or None,
        overdue={"全部": None, "仅逾期": True, "未逾期": False}[f_over],
        today=today,
    )
    ledger = rectify.ledger_table(shown, today, rectify.progress(store, year))
    first = ["编号", "单位", "来源", "告诫类型", "状态", "整改时限", "下一节点", "逾期", "最新进展"]
    show_table(
        ledger[first + [c for c in ledger.columns if c not in first]],
        hide_index=True,
        column_config={
            c: st.column_config.DateColumn(format="YYYY-MM-DD") for c in rectify.DATE_COLUMNS
        },
        key="rectify_table",
        empty=None,  # said below: 没有符合条件的整改事项
    )
    xlsx_download(
        "下载整改台账（Excel）",
        data=lambda: rectify_export.workbook(store, year, today),
        file_name=f"{year}年度整改台账.xlsx",
        key="rectify_workbook",
    )

    if shown:
        # No status in the labels: an action changes it, and changed labels are a new
        # widget to Streamlit, which then picks another item (its status is shown below).
        labels = {
            i.id: " · ".join(x for x in (str(i.id), i.unit, i.warning_kind, i.problem[:30]) if x)
            for i in shown
        }
        chosen = st.selectbox(
            "查看事项",
            list(labels),
            format_func=labels.get,
            key="rectify_item",
            placeholder="请选择",
        )
        item = next(i for i in shown if i.id == chosen)
        st.subheader(
            md(f"事项 {item.id}：{item.unit}（{item.warning_kind or item.origin}，{item.status}）")
        )
        st.markdown(md(item.problem))
        left, right = st.columns(2)
        left.markdown(
            "\n".join(
                [
                    f"- 整改目标：{md(item.target or '—')}",
                    f"- 责任人：{md(item.owner or '—')}",
                    f"- 整改措施：{md(item.measures or '—')}",
                    f"- 方案时限：{item.plan_due or '—'}；整改时限：{item.due or '—'}",
                    f"- 销号：{item.closed_on or '—'}；回头看：{item.review_due or '—'}",
                ]
            )
        )
        if item.evidence:
            right.text_area("依据与佐证", item.evidence, height=160, disabled=True)
        st.caption("办理记录")
        show_table(rectify.history(store, item.id), hide_index=True)

        can_update = updater and (mine is None or item.unit in mine)
        if can_update and item.status in (rectify.DRAFTING, *rectify.WORKING):
            plan_col, progress_col = st.columns(2)
            with plan_col, st.form("rectify_plan"):
                st.markdown("**整改方案**")
                target = st.text_input("整改目标", item.target)
                owner = st.text_input("责任人", item.owner)
                measures = st.text_area("整改措施", item.measures)
                due = st.date_input("整改时限", item.due, disabled=not office)
                if st.form_submit_button("保存方案"):
                    act(
                        "整改方案已保存。",
                        rectify.set_plan,
                        store,
                        user,
                        item.id,
                        target=target,
                        owner=owner,
                        measures=measures,
                        due=due if office else None,
                    )
            # A refusal keeps what was typed; a write that succeeded empties the form.
            # Keyed per item: text typed for one item never shows under another.
            typed = {f"rectify_note_{item.id}": "", f"rectify_evidence_{item.id}": ""}
            with progress_col, st.form("rectify_progress"):
                st.markdown("**报告进展 / 申请销号**")
                note = st.text_area("进展情况或整改结果", key=f"rectify_note_{item.id}")
                evidence = st.text_input(
                    "佐证材料（文号、链接或说明）", key=f"rectify_evidence_{item.id}"
                )
                a, b = st.columns(2)
                if a.form_submit_button("报告进展"):
                    act(
                        "进展已记录。",
                        rectify.add_progress,
                        store,
                        user,
                        item.id,
                        note,
                        evidence,
                        reset=typed,
                    )
                if b.form_submit_button("申请销号", disabled=item.status == rectify.DRAFTING):
                    act(
                        "已申请销号。",
                        rectify.request_close,
                        store,
                        user,
                        item.id,
                        note,
                        reset=typed,
                    )
        if office:
            # 审核意见 and the reason are emptied once an action has succeeded.
            done = {"rectify_office_note": "", "rectify_early_reason": ""}
            with st.form("rectify_office"):
                st.markdown("**效能办审核**")
                note = st.text_area("审核意见", key="rectify_office_note")
                early_reason = ""
                too_soon = rectify.review_too_soon(item, today)
                # A refused early 回头看 is said here, in place of the same sentence's
                # warning (said once, not twice).
                timing_slot = st.empty()
                if timing := rectify.review_timing(item, today):
                    timing_slot.warning(timing)
                    if not too_soon:
                        early_reason = st.text_input("提前回头看的理由", key="rectify_early_reason")
                reviewable = item.status == rectify.CLOSED and not too_soon
                a, b, c, d, e = st.columns(5)
                if a.form_submit_button("销号", disabled=item.status != rectify.REQUESTED):
                    act(
                        "已销号。",
                        rectify.sign_off,
                        store,
                        user,
                        item.id,
                        note,
                        scheme=scheme,
                        reset=done,
                    )
                if b.form_submit_button("退回", disabled=item.status != rectify.REQUESTED):
                    act("已退回整改。", rectify.send_back, store, user, item.id, note, reset=done)
                if c.form_submit_button("回头看通过", disabled=not reviewable):
                    act(
                        "回头看通过。",
                        rectify.review,
                        store,
                        user,
                        item.id,
                        True,
                        note,
                        scheme=scheme,
                        today=today,
                        early_reason=early_reason,
                        said_in={rectify.EarlyReview: timing_slot},
                        reset=done,
                    )
                if d.form_submit_button("回头看不通过", disabled=not reviewable):
                    act(
                        "已重新整改。",
                        rectify.review,
                        store,
                        user,
                        item.id,
                        False,
                        note,
                        scheme=scheme,
                        today=today,
                        early_reason=early_reason,
                        said_in={rectify.EarlyReview: timing_slot},
                        reset=done,
                    )
                if e.form_submit_button("撤销事项", disabled=item.status == rectify.REVOKED):
                    act("事项已撤销。", rectify.revoke, store, user, item.id, note, reset=done)
    else:
        st.caption("没有符合条件的整改事项。")

with tabs[1]:
    progress = rectify.unit_progress(all_items, today)
    show_table(
        progress,
        hide_index=True,
        column_config={"完成率": st.column_config.ProgressColumn(format="percent")},
    )
    if office and not progress.empty:
        unit = st.selectbox(
            "上墙公开", progress["单位"].tolist(), key="rectify_public_unit", placeholder="请选择"
        )
        st.download_button(
            "生成整改公开页（可打印）",
            data=lambda: rectify_export.public_page(store, user, year, unit, today).encode(),
            file_name=f"{unit}{year}年度整改公开.html",
            mime="text/html",
            on_click="ignore",
            key="rectify_public",
        )

with tabs[2]:
    names = list(dict.fromkeys(checklists.template_names() + checklists.year_names(store, year)))
    name = st.selectbox("检查清单", names, key="rectify_checklist", placeholder="请选择")
    cl = checklists.for_year(store, year, name)
    own = name in checklists.year_names(store, year)
    st.caption(f"{cl.description}（{'本年度修订版' if own else '模板'}）")
    if office:
        with st.expander("修订本年度检查清单（复制模板后编辑，TOML 格式）"):
            text = st.text_area("清单内容", cl.text, height=300, key=f"rectify_cl_{name}")
            if st.button("保存为本年度清单", key="rectify_cl_save"):
                act("检查清单已保存。", checklists.save, store, user, year, text)
    for ci in cl.items:
        with st.expander(ci.title):
            st.markdown("\n".join(f"- {md(p)}" for p in ci.points))
    found = rectify.findings(store, year, mine[0] if mine and len(mine) == 1 else None)
    if not found.empty:
        show_table(
            found.rename(
                columns={
                    "unit": "单位",
                    "checklist": "清单",
                    "item": "检查项",
                    "text": "问题",
                    "severity": "程度",
                    "at": "时间",
                    "user": "记录人",
                }
            ).drop(columns=["id"]),
            hide_index=True,
        )
    choices = mine if mine is not None else units_to_rectify
    if updater and choices:
        # No unit chosen for the user unless there is one only; a refusal keeps every entry.
        with st.form("rectify_finding"):
            st.markdown("**记录查摆问题**（同时建立整改事项）")
            unit = st.selectbox(
                "单位",
                choices,
                index=0 if len(choices) == 1 else None,
                key="rectify_finding_unit",
                placeholder="请选择",
            )
            code = st.selectbox(
                "检查项",
                [c.code for c in cl.items],
                format_func=lambda c: cl.item(c).title,
                placeholder="请选择",
                key="rectify_finding_item",
            )
            text = st.text_area("存在的问题", key="rectify_finding_text")
            severity = st.selectbox(
                "程度",
                list(checklists.SEVERITIES),
                placeholder="请选择",
                key="rectify_finding_severity",
            )
            if st.form_submit_button("记录"):
                act(
                    "查摆问题已记录，并建立整改事项。",
                    rectify.record_finding,
                    store,
                    user,
                    year,
                    unit,
                    name,
                    code,
                    text,
                    severity,
                    scheme=scheme,
                    reset={"rectify_finding_text": ""},
                )

if office:
    with tabs[3]:
        st.markdown(
            "**同步告诫整改**：按本年度结果中的每条告诫建立一项整改事项；"
            "告诫已不存在的事项标为已撤销。发布结果时也会同步。"
        )
        if st.button("同步告诫整改", type="primary", key="rectify_sync"):
            try:
                report = rectify.sync_warnings(store, user, res, today=today)
            except ERRORS as exc:
                st.error(str(exc))
            else:  # what it did, as the command line says it
                st.session_state["rectify_done"] = (
                    f"已同步告诫整改：新建 {len(report.opened)} 项，撤销 {len(report.revoked)} 项，"
                    f"恢复 {len(report.restored)} 项，更新告诫事由 {len(report.updated)} 项。"
                )
                st.rerun()

        st.markdown("**活动阶段**")
        current = rectify.stages(store, year)
        start = pd.DataFrame(
            [{"阶段": s.name, "开始": s.start, "结束": s.finish} for s in current]
            or [{"阶段": n, "开始": None, "结束": None} for n in rectify.settings(scheme).stages]
        )
        edited = st.data_editor(
            start,
            num_rows="dynamic",
            hide_index=True,
            placeholder="—",
            key="rectify_stages",
            column_config={
                "开始": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "结束": st.column_config.DateColumn(format="YYYY-MM-DD"),
            },
        )
        if st.button("保存活动阶段", key="rectify_save_stages"):
            rows = edited.dropna(how="all")
            if rows[["开始", "结束"]].isna().any().any():
                st.error("每个阶段都需要开始和结束日期。")
            else:
                new = [
                    rectify.Stage(
                        str(r.阶段), pd.Timestamp(r.开始).date(), pd.Timestamp(r.结束).date()
                    )
                    for r in rows.itertuples(index=False)
                ]
                act("活动阶段已保存。", rectify.set_stages, store, user, year, new)

        st.markdown("**新建整改事项**")
        with st.form("rectify_new"):  # no unit chosen beforehand; a refusal keeps entries
            unit = st.selectbox(
                "单位",
                units_to_rectify,
                index=None,
                key="rectify_new_unit",
                placeholder="请选择",
            )
            origin = st.selectbox(
                "来源", list(rectify.ORIGINS), placeholder="请选择", key="rectify_new_origin"
            )
            problem = st.text_area("问题", key="rectify_new_problem")
            ref = st.text_input("关联编号（案件编号等，可空）", key="rectify_new_ref")
            if st.form_submit_button("建立"):
                act(
                    "整改事项已建立。",
                    rectify.open_item,
                    store,
                    user,
                    year,
                    unit,
                    origin,
                    problem,
                    scheme=scheme,
                    origin_ref=ref.strip() or None,
                    reset={
                        "rectify_new_unit": None,
                        "rectify_new_problem": "",
                        "rectify_new_ref": "",
                    },
                )

        cases = rectify.verified_cases(store, year)
        cases = cases[cases["item_id"].isna()]
        if not cases.empty:
            st.markdown("**由已核实的督查与投诉案件建立**")
            names = {
                int(r.id): f"{r.number} · {r.unit} · {r.source} · {str(r.finding)[:30]}"
                for r in cases.itertuples(index=False)
            }
            case_id = st.selectbox(
                "案件", list(names), format_func=names.get, key="rectify_case", placeholder="请选择"
            )
            if st.button("建立整改事项", key="rectify_from_case"):
                act(
                    "已由案件建立整改事项。",
                    rectify.open_from_case,
                    store,
                    user,
                    year,
                    case_id,
                    scheme=scheme,
                )

        st.markdown("**从表格导入**（单位、问题、来源、整改目标、责任人、时限、状态）")
        xlsx_download(
            "下载整改台账模板",
            data=rectify_sheet.template,
            file_name="整改台账导入模板.xlsx",
            key="rectify_template",
        )
        upload = st.file_uploader(
            "整改台账表格（.xlsx 或 .csv）", type=["xlsx", "csv"], key="rectify_upload"
        )
        if upload is not None and st.button("导入", key="rectify_import"):
            act(
                f"已导入「{upload.name}」。",
                rectify_sheet.import_items,
                store,
                user,
                year,
                upload.name,
                upload.getvalue(),
            )

        st.markdown("**录入员负责的单位**（录入员只能更新所负责单位的整改进展）")
        clerks = store.users()
        clerks = clerks[clerks["role"] == accounts.EVALUATOR]["name"].tolist()
        if clerks:
            clerk = st.selectbox("录入员", clerks, key="rectify_clerk", placeholder="请选择")
            assigned = st.multiselect(
                "负责单位",
                units_to_rectify,
                default=rectify.units_of(store, clerk),
                key=f"rectify_scope_{clerk}",
                placeholder="选择单位",
                select_all=False,
            )
            if st.button("保存负责单位", key="rectify_save_scope"):
                act("负责单位已保存。", rectify.assign_units, store, user, clerk, assigned)
        else:
            st.caption("还没有录入员账号。")

    with tabs[4]:
        tags = list(rectify.settings(scheme).comment_tags)
        frame = opinions.comments(store, user, year)
        if frame.empty:
            st.caption("本年度没有意见建议。")
        else:
            f_unit = st.selectbox(
                "单位", sorted(frame["unit"].unique()), key="op_unit", placeholder="请选择"
            )
            sub = frame[frame["unit"] == f_unit].reset_index(drop=True)
            routed = {i.origin_ref: i.id for i in all_items if i.origin == rectify.ORIGIN_OPINION}
            sub["routed"] = sub["key"].map(routed)
            show_table(
                sub[["category", "text", "tag", "hidden", "routed"]]
                .fillna({"tag": ""})
                .rename(
                    columns={
                        "category": "评议人类别",
                        "text": "意见建议",
                        "tag": "分类",
                        "hidden": "对领导隐藏",
                        "routed": "已交办（事项编号）",
                    }
                ),
                hide_index=False,
            )
            row = st.number_input("第几条", 0, len(sub) - 1, 0, key="op_row")
            chosen = sub.iloc[int(row)]
            with st.form("op_review"):
                st.write(chosen["text"])
                tag = st.selectbox(
                    "分类",
                    ["（未分类）", *tags],
                    index=tags.index(chosen["tag"]) + 1 if chosen["tag"] in tags else 0,
                    placeholder="请选择",
                )
                hidden = st.checkbox("含不当言辞，对领导隐藏", bool(chosen["hidden"]))
                problem = st.text_area("交办时的问题表述（留空则用原意见及其分类）", "")
                a, b = st.columns(2)
                if a.form_submit_button("保存审阅"):
                    act(
                        "审阅已保存。",
                        opinions.review,
                        store,
                        user,
                        year,
                        chosen["key"],
                        tag=None if tag == "（未分类）" else tag,
                        hidden=hidden,
                        scheme=scheme,
                    )
                if b.form_submit_button("交办单位整改"):
                    act(
                        "已交办为整改事项。",
                        opinions.route,
                        store,
                        user,
                        year,
                        chosen["key"],
                        problem.strip() or None,
                        scheme=scheme,
                    )
