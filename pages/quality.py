"""数据质量: what to check before trusting the year's results."""

import streamlit as st

from pages.common import (
    current_user,
    get_store,
    results_page,
    score_columns,
    show_table,
    year_results,
)
from scoring import accounts
from scoring.quality import (
    BURST_MIN,
    BURST_SECONDS,
    MIN_BALLOTS,
    SAME_ADDRESS_MIN,
    Quality,
    check,
    groups_without,
    identical_units,
    quorum_flags,
    survey_checks,
)


@st.cache_resource(max_entries=16)
def _quality(year: int, data_version: str) -> Quality:
    """The checks, kept with the year's results (same key): a visit only renders."""
    return check(get_store(), year_results(year))


res = results_page(__file__, "数据质量")
year = res.year
q = _quality(year, get_store().data_version())
# (heading, what the headline counts, rows): six headlines in two rows of three, so
# that each label is read whole (in one row of six they were cut to 「问卷不足 100 份的…」).
sections = [
    (f"问卷不足 {MIN_BALLOTS} 份的单位", f"问卷不足 {MIN_BALLOTS} 份的单位", q.few_ballots),
    ("缺少考评组成部分的单位（权重已重新分配）", "缺少考评组成部分的单位", q.missing_components),
    ("缺少评议人类别的单位", "缺少评议人类别的单位", q.missing_categories),
    ("重复的问卷编号", "重复的问卷编号", q.duplicate_ballots),
    (
        "所有评议项目答案相同的问卷（可能未认真填写）",
        "有答案全同问卷的单位",  # one row per unit, its count of such ballots in the table
        q.straight_lined,
    ),
    (
        "各项数据完全相同的单位（可能同一数据上传了两次）",
        "各项数据完全相同的单位",
        identical_units(res),
    ),
]
for start in range(0, len(sections), 3):
    for col, (_, label, frame) in zip(st.columns(3), sections[start : start + 3], strict=False):
        col.metric(label, len(frame))
whole_groups = groups_without(res)
if not whole_groups.empty:
    st.warning(
        "以下考核类别没有一个单位有方案要求的某项考评：可能尚未上传；若该类别本不考核它，"
        "请在「考评方案」中为该类别把它的权重设为 0。在此之前，这些单位的综合得分只由其余"
        "考评构成，发布的结果会逐一注明。"
    )
    show_table(whole_groups, hide_index=True)
for title, _, frame in sections:
    st.subheader(title)
    if frame.empty:
        st.success("无")
    else:
        show_table(frame, hide_index=True, column_config=score_columns(frame.columns))
if not q.merged.empty:
    st.subheader("更名或合并的单位：按前身名称导入的数据已计入新单位")
    st.caption(
        "这些数据仍按导入时的名称保存（撤销上传照常）；本年度的结果、排名和导出都把它们算作新单位的数据。"
    )
    show_table(q.merged, hide_index=True)
st.subheader("各单位各来源的数据行数（万人评议为答题行数，一份问卷有多行）")
show_table(q.coverage, hide_index=True)

st.divider()
st.header("问卷工具记录的异常迹象")
st.caption(
    "依据问卷工具导出的提交时间、答题用时和 IP 地址，按单位统计；"
    "只作为核查线索，系统不会因此删除任何问卷。"
)
min_duration = st.number_input(
    "答题用时少于（秒）视为过短", min_value=1, max_value=600, value=30, step=5, key="min_duration"
)
survey = survey_checks(
    get_store(),
    year,
    min_duration=float(min_duration),
    reveal_addresses=accounts.can(current_user(), "upload"),
)
for title, frame in (
    (f"数秒内集中提交（{BURST_SECONDS} 秒内连续 {BURST_MIN} 份以上）", survey.bursts),
    (f"答题用时少于 {min_duration} 秒的问卷", survey.short),
    (f"同一 IP 地址提交 {SAME_ADDRESS_MIN} 份以上", survey.same_address),
):
    st.subheader(title)
    if frame.empty:
        st.success("无")
    else:
        show_table(frame, hide_index=True)
st.subheader("问卷发放与回收（承包方汇总表的发出数、收回数）")
if survey.roster.empty:
    st.info("本年度导入的汇总表中没有发出数、收回数记录。")
else:
    show_table(survey.roster, hide_index=True)
st.subheader("民主测评实到人数未过半（实到不超过应到的一半）")
quorum = quorum_flags(get_store(), year)
if quorum.empty:
    st.success("无")
else:
    show_table(quorum, hide_index=True)
