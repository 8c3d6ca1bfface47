"""考评方案: the year's scheme as a form (weights, grades, warning rules), a preview of
what a change would do, weight sensitivity, version history with differences and restore.
All logic lives in scoring.scheme_preview; this page only renders."""

from datetime import date

import pandas as pd
import streamlit as st

from pages.common import (
    available_years,
    change_warning,
    get_store,
    md,
    page_setup,
    selected_year,
    show_table,
    year_results,
)
from scoring import scheme_preview as sp
from scoring.accounts import PermissionDenied
from scoring.outcome import COMPONENT_NAMES
from scoring.results import previous_warnings
from scoring.scheme import GradeBand, LastPlaceRule, SchemeError, default_text, for_year

user = page_setup(__file__, "scheme")
st.title("考评方案")
store = get_store()
# One year for the whole app: the sidebar's. The sidebar lists only years with data, and
# a year's scheme is set before its data arrives (the 考评办法 comes first): that year,
# and only such a year, is chosen here, and the page says why.
years = available_years()
year = selected_year()
unset = st.checkbox(
    "为尚无考评数据的年度设置方案（如下一年度）",
    value=year is None,
    disabled=year is None,
    key="scheme_unset_year",
    help="侧栏「考评年度」只列出已有考评数据的年度；新年度的考评方案应在上传数据之前设置。",
)
if unset or year is None:
    year = int(
        st.number_input(
            "尚无考评数据的年度",
            min_value=2000,
            max_value=2100,
            step=1,
            value=sp.year_without_data(years, date.today().year),
            key="scheme_year",
        )
    )
    if year in years:
        st.info(f"{year} 年度已有考评数据：请在侧栏「考评年度」中选择该年度。")
        st.stop()
    st.caption(
        f"{year} 年度尚无考评数据，不在侧栏「考评年度」中：在此先设方案，上传数据后即按此方案计算。"
    )
else:
    st.caption(f"年度随侧栏「考评年度」：{year} 年度（全站同一个年度）。")
scheme, version = for_year(store, year)
shown_version = f"版本 {version}" if version else "默认方案，尚未设置"
st.caption(
    f"{year} 年度当前方案：{scheme.name}（{shown_version}）。"
    "保存后立即生效：结果按新方案重新计算，发布的结果记录所用版本。保存前请先预览影响。"
)
K = f"s{year}v{version}_"  # widgets start again from the scheme after every save
if note := st.session_state.pop("scheme_saved", None):
    st.success(note)


def weights_inputs(title: str, weights: dict[str, float], key: str, names=None) -> dict:
    """Percent inputs for one weight table, its total, and the renormalisation choice."""
    st.markdown(f"**{title}**")
    cols = st.columns(min(max(len(weights), 1), 5))
    out = {}
    for i, (k, w) in enumerate(weights.items()):
        label = names[k] if names else k
        out[k] = (
            cols[i % len(cols)].number_input(
                f"{label}（%）",
                min_value=0.0,
                max_value=100.0,
                value=round(w * 100, 4),
                step=5.0,
                key=f"{K}{key}_{k}",
            )
            / 100
        )
    total = sum(out.values())
    if abs(total - 1) <= 1e-6:
        st.caption(f"合计 {total:.0%} ✓")
    else:
        st.warning(f"{title}合计 {total:.1%}，应为 100%。")
        if st.checkbox(f"按比例换算{title}为 100%", key=f"{K}{key}_renorm"):
            form.renormalise.add(key)
            scaled = sp.normalised(out)
            shown = "，".join(f"{names[k] if names else k} {v:.1%}" for k, v in scaled.items())
            st.info(f"换算后：{shown}")
    return out


form = sp.form_of(scheme)
tab_form, tab_sens, tab_history, tab_text = st.tabs(
    ["方案设置", "权重敏感性", "历史版本", "方案文本（高级）"]
)

with tab_form:
    form.name = st.text_input("方案名称", form.name, key=f"{K}name")
    st.subheader("权重")
    form.composite_weights = weights_inputs(
        "综合得分权重", form.composite_weights, "composite_weights", COMPONENT_NAMES
    )
    with st.expander("加入专项考评项目（如 目标考核、领导评价）作为综合得分的组成部分"):
        c1, c2 = st.columns(2)
        extra = c1.text_input("项目名称", key=f"{K}extra_name").strip()
        extra_w = c2.number_input("权重（%）", 0.0, 100.0, 0.0, 5.0, key=f"{K}extra_w")
        if extra and extra_w > 0:
            form.composite_weights[extra] = extra_w / 100
            st.caption(
                f"「{extra}」的分数来自「专项考评」表（对象、项目、得分、满分）；"
                "加入后综合得分权重须重新合计为 100%。"
            )
            total = sum(form.composite_weights.values())
            if abs(total - 1) > 1e-6:
                st.warning(f"加入后综合得分权重合计 {total:.1%}，应为 100%。")
    form.categories = weights_inputs("万人评议评议人类别权重", form.categories, "categories")
    form.indicators = weights_inputs("绩效考核指标权重", form.indicators, "indicators")

    st.subheader("等次")
    st.caption(
        "从高到低：单位得到第一个达到分数线（且名次在名额比例以内，如设）的等次；"
        "最后一个等次是保底等次，也是一票否决单位的等次。"
    )
    bands = st.data_editor(
        pd.DataFrame(
            [
                {
                    "等次": b.name,
                    "分数线": b.min,
                    "名额比例（%）": None if b.top_share is None else b.top_share * 100,
                }
                for b in form.bands
            ]
        ),
        num_rows="dynamic",
        hide_index=True,
        placeholder="不限",  # an empty 名额比例 sets no quota (Streamlit would show "None")
        key=f"{K}bands",
        column_config={
            "分数线": st.column_config.NumberColumn(min_value=0, max_value=200),
            "名额比例（%）": st.column_config.NumberColumn(
                min_value=0, max_value=100, help="如 20：只有组内前 20%（向上取整）可得此等次"
            ),
        },
    )
    form.bands = [
        GradeBand(
            str(r["等次"]).strip(),
            float(r["分数线"] or 0),
            None
            if pd.isna(r["名额比例（%）"]) or not r["名额比例（%）"]
            else r["名额比例（%）"] / 100,
        )
        for r in bands.to_dict("records")
        if isinstance(r["等次"], str) and r["等次"].strip()
    ]

    st.subheader("告诫规则")
    rule = form.last_place
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(
        "末位告诫",
        list(sp.LAST_PLACE_RULE_NAMES),
        index=list(sp.LAST_PLACE_RULE_NAMES).index(rule.rule),
        format_func=sp.LAST_PLACE_RULE_NAMES.get,
        key=f"{K}rule",
        placeholder="请选择",
    )
    n = c2.number_input("N（最后 N 名）", 1, 50, rule.n, key=f"{K}rule_n")
    share = c3.number_input("比例（%）", 1.0, 100.0, rule.share * 100, 5.0, key=f"{K}rule_share")
    c1, c2 = st.columns(2)
    below = c1.number_input(
        "只告诫综合得分低于（分，0 为不设线）", 0.0, 200.0, rule.below, 1.0, key=f"{K}below"
    )
    min_group = c2.number_input(
        "类别内至少几个单位才评末位", 1, 100, rule.min_group, key=f"{K}ming"
    )
    form.last_place = LastPlaceRule(kind, int(n), share / 100, below, int(min_group))
    names = [b.name for b in form.bands]
    form.inefficient_grades = st.multiselect(
        "给予效能告诫的等次",
        names,
        default=[g for g in form.inefficient_grades if g in names],
        key=f"{K}ineff",
        placeholder="选择等次",
        select_all=False,
    )
    c1, c2 = st.columns(2)
    form.supervision_below = (
        c1.number_input(
            "满意率低于（%）列入重点监督检查",
            0.0,
            100.0,
            form.supervision_below * 100,
            1.0,
            key=f"{K}sup",
        )
        / 100
    )
    form.confidence = (
        c2.number_input(
            "万人评议区间的置信水平（%）", 50.0, 99.9, form.confidence * 100, 0.5, key=f"{K}conf"
        )
        / 100
    )
    ladder = st.text_input(
        "连续告诫的名称（第 2 年、第 3 年……，用、分隔；最后一个重复使用）",
        "、".join(form.ladder),
        key=f"{K}ladder",
    )
    form.ladder = [x.strip() for x in ladder.replace(",", "、").split("、") if x.strip()]

    st.subheader("最佳科室与末位科室")
    c1, c2, c3 = st.columns(3)
    scopes = list(sp.SCOPE_NAMES)
    form.best_section_scope = c1.selectbox(
        "最佳科室",
        [s for s in scopes if s != "none"] + ["none"],
        index=([s for s in scopes if s != "none"] + ["none"]).index(form.best_section_scope),
        format_func=sp.SCOPE_NAMES.get,
        key=f"{K}best",
        placeholder="请选择",
    )
    last_options = ["department", "none"]
    form.last_section_scope = c2.selectbox(
        "末位科室（效能告诫科室及负责人）",
        last_options,
        index=last_options.index(form.last_section_scope)
        if form.last_section_scope in last_options
        else 1,
        format_func=lambda s: {"department": "各部门分别评出", "none": "不评"}[s],
        key=f"{K}last",
        placeholder="请选择",
    )
    form.min_sections = int(
        c3.number_input("部门至少几个科室才评", 1, 50, form.min_sections, key=f"{K}mins")
    )
    form.decimals = int(
        st.number_input("公布的小数位数（也用于判断并列）", 0, 6, form.decimals, key=f"{K}decimals")
    )

    st.divider()
    try:
        new_text = sp.apply_form(scheme.text or default_text(), form)
    except SchemeError as exc:
        new_text = None
        st.error(str(exc))
    if new_text is not None:
        changes = sp.diff(scheme.text, new_text)
        if not changes:
            st.info("与当前方案相同。")
        else:
            st.subheader("修改了哪些设置")
            show_table(
                pd.DataFrame(
                    [(c.label, c.old, c.new) for c in changes],
                    columns=["设置", "当前方案", "修改后"],
                ),
                hide_index=True,
            )
            if year in available_years() and st.button(
                "预览对排名、等次和告诫的影响", key=f"{K}preview"
            ):
                current = year_results(year)
                previous = year_results(year - 1) if year - 1 in available_years() else None
                with st.spinner("按修改后的方案重新计算……"):
                    table, _ = sp.preview(
                        store,
                        year,
                        new_text,
                        current=current,
                        history=previous_warnings(store, year, previous=previous),
                    )
                st.session_state[f"{K}preview_table"] = (new_text, table)
            shown = st.session_state.get(f"{K}preview_table")
            if shown and shown[0] == new_text:
                table = shown[1]
                moved = table[table["有变化"]]
                st.markdown(
                    f"**预览**：{len(moved)} 个单位的排名、等次或告诫会变化"
                    f"（共 {len(table)} 个单位）。左为当前方案，右为修改后。"
                )
                everything = st.checkbox("显示全部单位", key=f"{K}preview_all")
                show_table(
                    (table if everything else moved).drop(columns=["有变化"]), hide_index=True
                )
            change_warning(year)
            reason = st.text_area("修改原因（必填，记入方案历史和审计日志）", key=f"{K}reason")
            if st.button("保存为新版本", type="primary", key=f"{K}save"):
                try:
                    saved = sp.save(store, user, year, new_text, reason)
                    st.session_state["scheme_saved"] = f"已保存为 {year} 年度方案版本 {saved}。"
                    st.rerun()
                except (SchemeError, PermissionDenied) as exc:
                    st.error(str(exc))

with tab_sens:
    st.caption(
        "在当前权重附近（每项权重 ± 一个步长，合计仍为 100%）重新计算综合得分和排名，"
        "看每个单位的排名区间：末位告诫只在部分权重组合下出现的单位，其末位取决于权重的选择。"
    )
    if year not in available_years():
        st.info(f"{year} 年度还没有考评数据。")
    else:
        step = st.select_slider(
            "步长",
            options=[0.05, 0.1, 0.15, 0.2],
            value=0.1,
            key="scheme_step",
            format_func=lambda x: f"{x:.0%}",
        )
        res = year_results(year)
        grid = sp.weight_grid(res.scheme.composite_weights, step)
        found = sp.weight_sensitivity(res, alternatives=grid)
        table = found.table
        st.markdown(
            "**比较的权重组合**："
            + "；".join(
                f"组合 {n}{'（现行）' if n == 1 else ''}：{sp.weights_text(g)}"
                for n, g in enumerate(grid, start=1)
            )
        )
        c1, c2, c3 = st.columns(3)
        c1.metric("末位取决于权重的单位", int(table["末位取决于权重"].sum()))
        c2.metric("任何权重下都末位的单位", len(found.always))
        c3.metric("排名会变动的单位", int((table["排名变动幅度"] > 0).sum()))
        if found.always:
            st.markdown(
                f"**在全部 {found.options} 个权重组合下都得到末位告诫**（与权重无关）："
                + md("、".join(found.always))
            )
        else:
            st.markdown("没有在每个权重组合下都得到末位告诫的单位。")
        st.markdown("**末位取决于权重的单位**")
        if found.last_under.empty:
            st.caption("没有：各单位是否得到末位告诫不随这些权重组合变化。")
        else:
            st.caption(
                "每行是该单位得到末位告诫的一个权重组合（所在类别实际使用的权重）；"
                "表中没有的组合下，该单位不是末位。"
            )
            show_table(found.last_under, hide_index=True)
        st.markdown("**各单位的排名区间**")
        every = st.checkbox("显示全部单位", key="scheme_sens_all")
        view = (
            table
            if every
            else table[(table["排名变动幅度"] > 0) | (table["末位告诫（组合数）"] > 0)]
        )
        show_table(view, hide_index=True)

with tab_history:
    history = sp.versions(store, year)
    if history.empty:
        st.info(f"{year} 年度尚未设置方案，使用默认方案。")
    else:
        show_table(history.drop(columns=["text"]), hide_index=True)
        texts = {int(v): t for v, t in zip(history["版本"], history["text"], strict=True)}
        texts[0] = default_text()
        labels = {v: f"版本 {v}" if v else "默认方案" for v in texts}
        c1, c2 = st.columns(2)
        order = sorted(texts, reverse=True)
        a = c1.selectbox(
            "比较",
            order,
            index=min(1, len(order) - 1),
            format_func=labels.get,
            key="scheme_a",
            placeholder="请选择",
        )
        b = c2.selectbox(
            "与", order, index=0, format_func=labels.get, key="scheme_b", placeholder="请选择"
        )
        changes = sp.diff(texts[a], texts[b])
        if changes:
            show_table(
                pd.DataFrame(
                    [(c.label, c.old, c.new) for c in changes],
                    columns=["设置", labels[a], labels[b]],
                ),
                hide_index=True,
            )
        else:
            st.info("两个版本的设置相同。")
        st.subheader("恢复旧版本")
        back = st.selectbox(
            "恢复为",
            [v for v in order if v != version],
            format_func=labels.get,
            key="scheme_back",
            placeholder="请选择",
        )
        why = st.text_input("恢复原因（必填）", key="scheme_back_reason")
        if st.button("恢复（另存为新版本）", key="scheme_restore"):
            try:
                saved = (
                    sp.restore(store, user, year, back, why)
                    if back
                    else sp.save(
                        store,
                        user,
                        year,
                        default_text(),
                        f"恢复默认方案：{why}" if why.strip() else "",
                    )
                )
                st.session_state["scheme_saved"] = f"已恢复，保存为版本 {saved}。"
                st.rerun()
            except (SchemeError, PermissionDenied) as exc:
                st.error(str(exc))

with tab_text:
    st.caption("直接编辑方案文本（TOML），适合熟悉方案格式的管理员；保存前同样检查并需要填写原因。")
    text = st.text_area("方案内容（TOML）", value=scheme.text, height=480, key=f"{K}toml")
    if text != scheme.text:
        try:
            for note in sp.weight_notes(text):
                st.warning(note)
            changes = sp.diff(scheme.text, text)
            show_table(
                pd.DataFrame(
                    [(c.label, c.old, c.new) for c in changes],
                    columns=["设置", "当前方案", "修改后"],
                ),
                hide_index=True,
            )
        except SchemeError as exc:
            st.error(str(exc))
    change_warning(year)
    reason = st.text_input("修改原因（必填）", key=f"{K}toml_reason")
    if st.button("检查并保存为新版本", key=f"{K}toml_save"):
        try:
            saved = sp.save(store, user, year, text, reason)
            st.session_state["scheme_saved"] = f"已保存为 {year} 年度方案版本 {saved}。"
            st.rerun()
        except (SchemeError, PermissionDenied) as exc:
            st.error(str(exc))
