"""督查与投诉: the case register (月检查, 暗访, 电话暗访, 督查, 效能投诉 …) — new case, list with
filters, a case's history and handling, monthly counts and time to 办结, 通报, 专报, import."""

from datetime import date

import streamlit as st

from pages.cases_parts import show_done, write_action, xlsx_download
from pages.common import (
    change_warning,
    empty_hint,
    get_store,
    md,
    page_setup,
    selected_year,
    show_table,
    year_results,
)
from scoring import accounts, case_reports, cases, cases_sheet, templates
from scoring.scheme import SchemeError, for_year

user = page_setup(__file__)
st.title("督查与投诉")
year = selected_year()
if year is None:
    st.info(empty_hint())
    st.stop()
store = get_store()
today = date.today()
in_year = today if today.year == year else date(year, 12, 31)  # date defaults in the year
try:
    conf = cases.settings(for_year(store, year)[0])
except SchemeError as exc:
    st.error(str(exc))
    st.stop()
office = accounts.can(user, "case_handle")
# The 新建案件 and 导入 tabs only for an account with a case source it may register.
may_register = any(accounts.can(user, "case_register", source=s, year=year) for s in conf.sources)
ERRORS = (cases.CaseError, accounts.PermissionDenied, cases_sheet.CasesRejected, ValueError)
if note := conf.calendar.note(date(year, 1, 1), date(year, 12, 31)):
    st.caption(note)


act = write_action(ERRORS, "cases_done")
show_done("cases_done")

frame = cases.register(store, year, user, today=today, with_adjustments=True)
counts = cases.case_counts(frame)
for col, (label, value) in zip(st.columns(len(counts)), counts.items(), strict=True):
    col.metric(label, value)
st.caption("前四项只计登记的案件；加减分表导入的记录视为已办结，另计，登记簿中默认一并列出。")

twice = cases.double_counted(store, year)
if not twice.empty:
    st.warning(
        f"{len(twice)} 条加减分表记录与已核实案件的对象、分值和日期（或依据中的案件编号）相同，"
        "可能重复计分。请核对：如确属同一事项，撤销其中一项（数据上传页撤销该上传，或撤销案件）。"
    )
    show_table(twice, hide_index=True)

names = ["案件登记簿", "统计", "专报"] + (["新建案件", "导入"] if may_register else [])
tabs = dict(zip(names, st.tabs(names), strict=True))
units = cases.case_units(store)
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")

with tabs["案件登记簿"]:
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
    f_units = c1.multiselect(
        "对象",
        sorted(frame["unit"].dropna().unique()),
        key="cases_f_unit",
        placeholder="全部对象",
        select_all=False,
    )
    f_sources = c2.multiselect(
        "来源",
        sorted(frame["source"].dropna().unique()),
        key="cases_f_source",
        placeholder="全部来源",
        select_all=False,
    )
    f_status = c3.multiselect(
        "状态",
        [*cases.STATUSES, cases.WITHDRAWN],
        key="cases_f_status",
        placeholder="全部状态",
        select_all=False,
    )
    f_over = c4.checkbox("只看超期", key="cases_f_over")
    with_sheet = st.checkbox(
        "包括加减分表导入的记录（视为已办结的案件）", value=True, key="cases_f_sheet"
    )
    shown = cases.filter_register(
        frame if with_sheet else frame[frame["origin"] != "加减分表"],
        units=f_units,
        sources=f_sources,
        statuses=f_status,
        overdue_only=f_over,
    )
    columns = (
        [
            "number",
            "unit",
            "source",
            "date",
            "finding",
            "status",
            "verdict",
            "points",
            "next_stage",
            "due",
            "overdue",
            "closed_on",
            "days_to_close",
            "doc_no",
            "reporter",
        ]
        + (["contact"] if office else [])
        + ["origin"]
    )
    show_table(
        cases.labelled(shown, columns),
        hide_index=True,
        column_config={"日期": DATE, "期限": DATE, "办结日期": DATE},
    )
    st.caption(
        f"共 {len(shown)} 条。期限按工作日计算（法定节假日和调休），"
        f"各环节时限：{'、'.join(f'{k} {v} 个工作日' for k, v in conf.time_limits.items())}"
        "（自案件日期起算）。"
    )
    xlsx_download(
        "下载案件登记簿（Excel）",
        data=lambda: cases_sheet.register_workbook(store, year, user),
        file_name=f"{year}年度督查与投诉案件.xlsx",
        key="cases_register_xlsx",
    )

    registered = frame[frame["origin"] != "加减分表"]
    if not registered.empty:
        st.subheader("案件详情")
        # Without the status, which an action changes (see 整改台账's 查看事项).
        labels = {
            int(r.id): f"{r.number}　{r.unit}　{r.source}"
            for r in registered.itertuples(index=False)
        }
        case_id = st.selectbox(
            "案件", list(labels), format_func=labels.get, key="cases_pick", placeholder="请选择"
        )
        row = registered[registered["id"] == case_id].iloc[0]
        st.markdown(md(f"发现问题：{row['finding']}"))
        show_table(
            cases.case_history(store, user, case_id),
            hide_index=True,
            column_config={"日期": DATE, "期限": DATE},
        )
        if row["verdict"] in cases.VERIFIED:
            st.download_button(
                "下载此案件的通报（PDF，反面典型）",
                data=lambda: case_reports.case_notice_pdf(store, case_id, user, today=today),
                file_name=f"通报_{row['number']}.pdf",
                mime="application/pdf",
                on_click="ignore",
                key="cases_notice_pdf",
            )
        if office and row["status"] not in ("办结", cases.WITHDRAWN):
            left, right = st.columns(2)
            with left.form("cases_verify"):
                st.markdown("**核实**")
                change_warning(year)  # a verified case's 分值 moves the year's results
                verdict = st.radio("核实结果", cases.VERDICTS, horizontal=True)
                points = st.number_input(
                    "分值（属实/部分属实时计入加减分，减分写负数）",
                    min_value=-100.0,
                    max_value=100.0,
                    value=0.0,
                    step=0.5,
                )
                veto = st.checkbox("一票否决")
                on = st.date_input("核实日期", value=today, key="cases_verify_on")
                note = st.text_input("说明", key="cases_verify_note")
                if st.form_submit_button("保存核实结果"):
                    act(
                        f"案件 {row['number']} 已记录核实结果：{verdict}。",
                        cases.verify,
                        store,
                        user,
                        case_id,
                        verdict,
                        points=None if verdict == "不属实" or points == 0 else points,
                        veto=veto,
                        on=on,
                        note=note,
                        reset={"cases_verify_note": ""},
                    )
            with right.form("cases_advance"):
                st.markdown("**办理环节**")
                later = list(cases.STATUSES[cases.STATUSES.index(row["status"]) + 1 :])
                status = st.selectbox("推进到", later, placeholder="请选择")
                on = st.date_input("日期", value=today, key="cases_advance_on")
                note = st.text_input("说明", key="cases_advance_note")
                if st.form_submit_button("保存"):
                    act(
                        f"案件 {row['number']} 已{status}。",
                        cases.advance,
                        store,
                        user,
                        case_id,
                        status,
                        on=on,
                        note=note,
                        reset={"cases_advance_note": ""},
                    )

        if office and row["status"] != cases.WITHDRAWN:
            with st.expander("撤销此案件（登记错误、重复登记）"):
                reason = st.text_input("撤销原因", key="cases_withdraw_reason")
                if st.button("撤销案件", key="cases_withdraw"):
                    act(
                        f"案件 {row['number']} 已撤销（保留记录，不计分值）。",
                        cases.withdraw,
                        store,
                        user,
                        case_id,
                        reason,
                        on=today,
                        reset={"cases_withdraw_reason": ""},
                    )

    if office:
        st.subheader("登记问责")
        res = year_results(year)
        c1, c2 = st.columns(2)
        unit = c1.selectbox("对象", units, index=None, key="acc_unit", placeholder="请选择")
        origin = c2.radio("出自", ["案件", "告诫"], horizontal=True, key="acc_origin")
        mine = registered[registered["unit"] == unit]
        # Its own names: the case shown above (``case_id``) is what its notice's download
        # reads when clicked, after this part of the page has run.
        acc_case: int | None = None
        warning = None
        if origin == "案件":
            numbers = dict(zip(mine["id"].astype(int), mine["number"], strict=True))
            if numbers:
                acc_case = st.selectbox(
                    "案件",
                    list(numbers),
                    format_func=numbers.get,
                    key="acc_case",
                    placeholder="请选择",
                )
            elif unit is not None:
                st.caption(f"{md(unit)} 本年度没有登记的案件。")
        else:
            kinds = [w.kind for w in res.warnings_for(unit)] if unit and res.unit(unit) else []
            if kinds:
                warning = st.selectbox("告诫", kinds, key="acc_warning", placeholder="请选择")
            elif unit is not None:
                st.caption(f"{md(unit)} 本年度没有受到告诫。")
        with st.form("cases_accountability"):
            c3, c4, c5, c6 = st.columns(4)
            person = c3.text_input("问责对象", key="acc_person")
            measure = c4.selectbox(
                "问责方式", conf.measures, key="acc_measure", placeholder="请选择"
            )
            when = c5.date_input("日期", value=today, key="acc_date")
            doc_no = c6.text_input("文号", key="acc_doc")
            if st.form_submit_button("保存问责"):
                act(
                    f"已登记 {unit} {person} 的问责：{measure}。",
                    cases.add_accountability,
                    store,
                    user,
                    year=year,
                    unit=unit,
                    person=person,
                    measure=measure,
                    date=when,
                    doc_no=doc_no,
                    case_id=acc_case,
                    warning=warning,
                    reset={"acc_unit": None, "acc_person": "", "acc_doc": ""},
                )

with tabs["统计"]:
    st.caption(
        "按案件日期所在月份计数；办结用时为自案件日期至办结的工作日数。"
        f"办结不足 {cases.SMALL} 件的平均数仅供参考，说明列写明了所依据的件数。"
    )
    by = st.radio("按", ["对象", "来源"], horizontal=True, key="cases_stats_by")
    key = "unit" if by == "对象" else "source"
    st.markdown("**每月案件数**")
    show_table(cases.monthly_counts(frame, key).rename(columns={key: by}), hide_index=True)
    st.markdown("**办理时效**")
    show_table(cases.responsiveness(frame, key).rename(columns={key: by}), hide_index=True)

with tabs["专报"]:
    c1, c2 = st.columns(2)
    kind = c1.selectbox(
        "专报", case_reports.REPORT_KINDS, key="cases_report_kind", placeholder="请选择"
    )
    day = c2.date_input("所在期间的任一天", value=in_year, key="cases_report_day")
    start, end = case_reports.period_of(kind, day)
    st.caption(f"期间：{start.isoformat()} 至 {end.isoformat()}")
    if st.button("生成专报", type="primary", key="cases_report_go"):
        report = case_reports.period_report(store, year, kind, start, end, user)
        st.session_state["cases_report"] = report
    report = st.session_state.get("cases_report")
    if report is not None and report.year == year:
        st.markdown(md(report.summary()))
        for name, table in report.tables():
            st.markdown(f"**{name}（{len(table)}）**")
            show_table(table, hide_index=True)
        c1, c2 = st.columns(2)
        c1.download_button(
            "下载专报（PDF）",
            data=lambda: case_reports.report_pdf(report, today=today),
            file_name=f"{report.title}.pdf",
            mime="application/pdf",
            on_click="ignore",
            key="cases_report_pdf",
        )
        xlsx_download(
            "下载专报（Excel）",
            data=lambda: case_reports.report_workbook(report),
            file_name=f"{report.title}.xlsx",
            key="cases_report_xlsx",
            where=c2,
        )

if "新建案件" in tabs:
    with tabs["新建案件"]:
        allowed = [
            s for s in conf.sources if accounts.can(user, "case_register", source=s, year=year)
        ]
        if not allowed:
            st.info("您的账号没有分配案件来源，不能登记案件。")
        else:
            # No unit chosen beforehand: the user names it (a form that offered its first
            # unit filed cases against 市丁保障局 by default). A refusal keeps every entry.
            with st.form("cases_new"):
                c1, c2, c3 = st.columns(3)
                unit = c1.selectbox(
                    "对象", units, index=None, key="new_case_unit", placeholder="请选择"
                )
                source = c2.selectbox("来源", allowed, key="new_case_source", placeholder="请选择")
                found = c3.date_input("日期（发现或收到投诉）", value=in_year, key="new_case_date")
                finding = st.text_area("发现问题", key="new_case_finding")
                c1, c2, c3 = st.columns(3)
                doc_no = c1.text_input("依据（文号）", key="new_case_doc")
                attachment = c2.text_input("附件名称", key="new_case_att")
                accepted = c3.date_input("受理日期", value=today, key="new_case_on")
                c1, c2 = st.columns(2)
                reporter = c1.text_input("发现人/投诉人", key="new_case_reporter")
                contact = c2.text_input("投诉人联系方式（仅效能办可见）", key="new_case_contact")
                if st.form_submit_button("登记案件", type="primary"):
                    act(
                        "案件已登记。",
                        cases.register_case,
                        store,
                        user,
                        year=year,
                        unit=unit,
                        source=source,
                        date=found,
                        finding=finding,
                        doc_no=doc_no,
                        attachment=attachment,
                        reporter=reporter,
                        contact=contact,
                        on=accepted,
                        # After a case is stored the next one starts without a unit or
                        # text; source and dates stay (several cases of one 暗访).
                        reset=dict.fromkeys(
                            [
                                "new_case_finding",
                                "new_case_doc",
                                "new_case_att",
                                "new_case_reporter",
                                "new_case_contact",
                            ],
                            "",
                        )
                        | {"new_case_unit": None},
                    )

    with tabs["导入"]:
        xlsx_download(
            "下载案件表模板",
            data=lambda: templates.case_template(
                list(conf.sources), list(cases.STATUSES), list(cases.VERDICTS), units, year
            ),
            file_name="督查与投诉案件表模板.xlsx",
            key="cases_template",
        )
        upload = st.file_uploader(
            "案件表（.xlsx 或 .csv）", type=["xlsx", "csv"], key="cases_upload"
        )
        if upload is not None and st.button("导入案件表", key="cases_import"):
            try:
                outcome = cases_sheet.import_cases(
                    store, user, upload.name, upload.getvalue(), year
                )
            except cases_sheet.CasesRejected as exc:
                st.error(f"案件表未导入，共 {len(exc.problems)} 处问题（未保存任何内容）：")
                shown = exc.problems[:200]
                st.markdown("\n".join(f"- {md(str(p))}" for p in shown))
                if len(exc.problems) > len(shown):
                    st.caption(f"另有 {len(exc.problems) - len(shown)} 处问题未列出。")
            except ERRORS as exc:
                st.error(str(exc))
            else:
                st.session_state["cases_done"] = outcome.message
                st.rerun()
