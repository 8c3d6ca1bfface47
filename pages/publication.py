"""结果公示: the year's published record, its status (草稿 → 公示 → 正式发布), 申诉, versions."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from pages.common import (
    get_store,
    md,
    page_setup,
    score_columns,
    selected_year,
    show_table,
    year_results,
)
from scoring import publication
from scoring.store import StoreError

user = page_setup(__file__, "publish")
st.title("结果公示与发布")
store = get_store()
year = selected_year()
if year is None:
    st.info("数据库中还没有考评数据。")
    st.stop()

current = year_results(year)
state = publication.status(store, year)
record = publication.published(store, year)
st.subheader(f"{year} 年度：{state}")
st.caption(
    "流程：草稿 → 公示（公示期内可受理申诉）→ 正式发布。公示的结果是冻结的快照，之后的上传、"
    "撤销、方案或名录的变化都不会改变它；更正会生成新的版本，旧版本仍可查阅。"
)


def render_record(rec: dict) -> None:
    """The frozen figures of one version, and what it rests on."""
    st.markdown(
        f"第 {rec['version']} 版 · {rec['status']} · 公示于 {rec['published_at']}"
        f"（{md(rec['user'])}）"
        + (f" · 公示期至 {rec['period_end']}" if rec["period_end"] else "")
        + (f" · 正式发布于 {rec['finalized_at']}" if rec["finalized_at"] else "")
    )
    if rec["note"]:
        st.caption(md(rec["note"]))
    st.caption(
        f"考评方案版本 {rec['scheme_version'] or '默认'}；单位名录版本 {rec['registry_version']}；"
        f"所用上传 {len(rec['uploads'])} 个："
        + md(
            "、".join(
                f"第 {u['id']} 号「{u['file']}」（sha256 {u['sha256'][:12]}…）"
                for u in rec["uploads"]
            )
        )
    )
    table = pd.DataFrame(rec["units"])
    if not table.empty:
        table["warnings"] = table["warnings"].map("、".join)
        # A unit without 万人评议 has no ballots to count: 「—」 as its score, not 0.
        table["ballots"] = table["ballots"].astype("Int64").mask(table["appraisal"].isna())
        shown = table.rename(columns={"unit": "单位", **publication.FIGURES})[
            [
                "考核类别",
                "排名",
                "单位",
                *(v for k, v in publication.FIGURES.items() if k not in ("group", "rank")),
            ]
        ]
        show_table(shown, hide_index=True, column_config=score_columns(shown.columns))


def correction_step(appeal_id: int) -> publication.Correction:
    """What a 更正 would publish, before it is confirmed: every unit and figure the new
    version changes (scoring.publication.correction)."""
    plan = publication.correction(store, appeal_id, current)
    if not plan.changed:
        st.info(
            f"当前数据与公示的第 {plan.version} 版结果相同，更正不会改变任何数字："
            "请先在「数据上传」中改正数据（撤销或补充上传），或选择「维持」。"
        )
        return plan
    units = len({d.unit for d in plan.changed})
    st.markdown(
        f"按当前数据更正，新版本将改变 **{len(plan.changed)} 处（{units} 个单位）**，原版本保留："
    )
    differences_table(list(plan.changed))
    if plan.others:
        st.warning(
            md(
                f"其中 {'、'.join(plan.others)} 不是申诉单位：其变动来自申诉以外的数据改动或"
                "排名的连带变化，须确认后才能一并更正（或先撤销与申诉无关的改动）。"
            )
        )
    return plan


def act(step, *args, done: str) -> None:
    try:
        step(*args)
        st.success(done)
        st.rerun()
    except StoreError as exc:  # PublicationError
        st.error(md(exc))


if record is None:
    st.info("本年度的结果尚未公示。公示会冻结当前的考评结果。")
    end = st.date_input("公示期截止日期", value=date.today() + timedelta(days=7), key="pub_end")
    if st.button("公示当前结果", type="primary", key="pub_notice"):
        act(
            lambda: publication.snapshot(store, year, user, period_end=end, res=current),
            done="已公示。",
        )
    st.stop()


def differences_table(changed: list[publication.Difference]) -> None:
    show_table(
        pd.DataFrame(
            [(d.unit, d.figure, d.published, d.current) for d in changed],
            columns=["单位", "项目", "公示值", "当前值"],
        ),
        hide_index=True,
    )


changed = publication.differences(record, current)
if changed:
    st.warning(
        f"当前数据与{record['status']}的第 {record['version']} 版结果有 {len(changed)} 处不同"
        f"（下表）；{record['status']}的结果不变。"
        + (
            "如需更正，请通过申诉「更正」生成新的版本并重新公示。"
            if record["status"] == publication.NOTICE
            else "如需公布按当前数据计算的结果，请在「结果发布」写明理由生成新的版本，"
            "新版本将重新公示。"
        )
    )
    differences_table(changed)
render_record(record)

waiting = [a for a in publication.appeals(store, year) if not a["decision"]]
if record["status"] == publication.NOTICE:
    st.subheader("申诉")
    with st.form("appeal_form", clear_on_submit=True):
        unit = st.selectbox(
            "申诉单位",
            [r["unit"] for r in record["units"]],
            key="appeal_unit",
            placeholder="请选择",
        )
        text = st.text_area("申诉事由", key="appeal_text")
        if st.form_submit_button("登记申诉"):
            act(publication.record_appeal, store, year, unit, text, user, done="已登记申诉。")
    for a in waiting:
        with st.container(border=True):
            st.markdown(md(f"第 {a['id']} 号申诉 · {a['unit']} · {str(a['at'])[:16]}：{a['text']}"))
            decision = st.radio("处理结果", ["维持", "更正"], horizontal=True, key=f"dec-{a['id']}")
            reason = st.text_input("处理理由", key=f"why-{a['id']}")
            others, again = False, None
            if decision == "更正":
                plan = correction_step(a["id"])
                if plan.others:
                    others = st.checkbox(
                        f"确认一并更正申诉单位以外的 {len(plan.others)} 个单位"
                        f"（{md('、'.join(plan.others))}）",
                        key=f"others-{a['id']}",
                    )
                again = st.date_input(
                    "更正后重新公示的截止日期",
                    value=date.today() + timedelta(days=publication.NOTICE_DAYS),
                    min_value=date.today() + timedelta(days=1),
                    key=f"again-{a['id']}",
                    format="YYYY-MM-DD",
                    help="更正生成的新版本重新公示，公示期满后才能正式发布。",
                )
            if st.button("处理", key=f"decide-{a['id']}"):
                act(
                    lambda a=a, d=decision, r=reason, e=again, o=others: publication.decide_appeal(
                        store, a["id"], d, r, user, current, period_end=e, confirm_others=o
                    ),
                    done="申诉已处理。",
                )
    end = publication.stored_date(record["period_end"])
    early = end is not None and date.today() <= end
    early_reason = ""
    if early and not waiting:
        st.caption(f"公示期至 {end}，尚未结束：公示期满后才能正式发布。")
        early_reason = st.text_input(
            "提前结束公示的理由（记入审计日志）",
            key="pub_early",
            placeholder="如：经领导小组会议研究决定提前发布",
        )
    if st.button(
        "结束公示，正式发布",
        type="primary",
        key="pub_final",
        disabled=bool(waiting) or (early and not early_reason.strip()),
    ):
        act(
            lambda: publication.finalize(store, year, user, early_reason=early_reason),
            done="已正式发布。",
        )
    if waiting:
        st.caption(f"还有 {len(waiting)} 件申诉未处理，处理后才能正式发布。")

decided = [a for a in publication.appeals(store, year) if a["decision"]]
if decided:
    st.subheader("已处理的申诉")
    show_table(
        pd.DataFrame(
            [
                (a["id"], a["unit"], a["text"], a["decision"], a["reason"], a["decided_by"])
                for a in decided
            ],
            columns=["编号", "单位", "事由", "处理结果", "理由", "处理人"],
        ),
        hide_index=True,
    )

older = [v for v in publication.versions(store, year) if v["version"] != record["version"]]
if older:
    st.subheader("历史版本")
    for v in older:
        with st.expander(f"第 {v['version']} 版（{v['status']}，{v['published_at']}）"):
            render_record(v)
