"""结果发布: build the workbook, charts and report; download them; preview the charts."""

import datetime as dt
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from pages.common import (
    CHART_CONFIG,
    available_years,
    current_user,
    get_store,
    md,
    results_page,
    year_results,
)
from scoring import publication, publish
from scoring.document import Letterhead
from scoring.store import StoreError


@dataclass(frozen=True)
class Built:
    """A publication kept in the session as bytes (its temporary folder is gone)."""

    book_name: str
    book: bytes
    report_name: str
    report: bytes
    charts: bytes
    chart_count: int
    seconds: float
    version: int
    status: str
    period_end: dt.date | None


def letterhead_fields(year: int) -> Letterhead:
    """The 公文 fields of the 通报, set by the office for this publication."""
    default = Letterhead()
    with st.expander("通报的发文信息（发文机关、文号、日期、主送）", expanded=False):
        c1, c2 = st.columns(2)
        issuer = c1.text_input("发文机关", value=default.issuer, key="pub_issuer")
        number = c2.text_input(
            "发文字号", value="", placeholder=f"如 效办〔{year + 1}〕1号", key="pub_number"
        )
        date = c1.date_input("成文日期", value=dt.date.today(), key="pub_date", format="YYYY-MM-DD")
        to = c2.text_input("主送机关", value=default.addressee, key="pub_to")
    if not number.strip():  # said outside the folded box, where it is seen before 生成
        st.caption("未填写发文字号：通报版头将不印文号（可展开「通报的发文信息」填写）。")
    return Letterhead(
        issuer=issuer.strip() or default.issuer,
        number=number.strip(),
        date=date,
        addressee=to.strip(),
    )


def new_version_reason(year: int) -> str:
    """When current results differ from the latest version (公示 or 正式发布): what
    differs, and the reason a new version needs (files are not made without one)."""
    record = publication.published(get_store(), year)
    changed = [] if record is None else publication.differences(record, res)
    if not changed:
        return ""
    assert record is not None  # changed is empty without one
    st.warning(
        md(
            f"当前结果与{record['status']}的第 {record['version']} 版不同，共 "
            f"{publication.changes_text(changed, limit=8)}。生成发布文件不会悄悄生成新的版本："
            + (
                "公示期内请在「结果公示」页通过申诉「更正」；"
                if record["status"] == publication.NOTICE
                else "正式发布的结果不变；"
            )
            + "如确需按当前结果发布新的版本，请写明理由，新版本将重新公示。"
        )
    )
    return st.text_input(
        "新版本的理由（写入新版本的说明，与全部变动一起）",
        key="pub_reason",
        placeholder="如：经核实补录某单位加减分",
    )


def notice_end(year: int, head: Letterhead) -> dt.date:
    """The last day of the 公示期 the 通报 announces (offered: the one already set for
    the version in 公示, else 7 days after the 成文日期)."""
    return st.columns([1, 2])[0].date_input(
        "公示期截止日期",
        value=publication.period_default(get_store(), year, head.date, res=res),
        min_value=head.date + dt.timedelta(days=1),
        key="pub_period_end",
        format="YYYY-MM-DD",
        help="公示期内各单位可对结果提出申诉；通报和「结果公示」页写明截止日期。",
    )


def build(year: int, head: Letterhead, end: dt.date, reason: str, progress) -> Built:
    """Publish into a temporary folder, keep the files as bytes, remove the folder."""
    with tempfile.TemporaryDirectory(prefix=f"publish-{year}-") as tmp:
        done = publish.publish(
            get_store(), year, Path(tmp), current_user(), progress, head, end, reason
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in done.charts:
                z.write(path, path.name)
        return Built(
            done.workbook.name,
            done.workbook.read_bytes(),
            done.report.name,
            done.report.read_bytes(),
            buf.getvalue(),
            len(done.charts),
            done.seconds,
            done.version,
            done.status,
            done.period_end,
        )


def downloads(built: Built, year: int) -> None:
    until = (
        f"，公示期至 {built.period_end}"
        if built.period_end and built.status == publication.NOTICE
        else ""
    )
    st.success(
        f"已生成（用时 {built.seconds:.1f} 秒，图表 {built.chart_count} 个文件）。文件中的结果即"
        f"公示记录第 {built.version} 版（{built.status}{until}），见「结果公示」页。"
    )
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "下载结果表（.xlsx）",
        data=built.book,
        file_name=built.book_name,
        key="dl-book",
        on_click="ignore",
    )
    c2.download_button(
        "下载通报（.pdf）",
        data=built.report,
        file_name=built.report_name,
        mime="application/pdf",
        key="dl-pdf",
        on_click="ignore",
    )
    c3.download_button(
        "下载全部图表（.zip）",
        data=built.charts,
        file_name=f"{year}年度考评图表.zip",
        key="dl-charts",
        on_click="ignore",
    )


res = results_page(__file__, "结果发布", "publish")
year = res.year
st.caption(
    f"{publish.title_of(year)}：结果表（.xlsx）、图表（PNG 与 SVG）和通报（PDF，A4，公文格式）。"
    f"考评方案：{res.scheme.name}（版本 {res.scheme_version or '默认'}）。"
)
head = letterhead_fields(year)
end = notice_end(year, head)
reason = new_version_reason(year)
st.caption(
    "生成发布文件时，当前结果冻结为「结果公示」中的一个版本（与最近一版相同时沿用该版，"
    "尚未公示的年度由此进入公示，不同时须写明理由，作为新版本重新公示）："
    "发出的文件与该版一致，之后的上传、撤销或方案修改不会改变它。"
)
if st.button("生成发布文件", type="primary", key="publish"):
    bar = st.progress(0.0, text="正在导出图表……")
    try:
        st.session_state.setdefault("published", {})[year] = build(
            year, head, end, reason, bar.progress
        )
    except publish.PublishError as exc:
        st.error(str(exc))
    except StoreError as exc:  # changed results without a reason (publication): nothing made
        st.error(md(exc))
    bar.empty()

built = st.session_state.get("published", {}).get(year)
if isinstance(built, Built):
    downloads(built, year)

st.subheader("图表预览")
previous = year_results(year - 1) if year - 1 in available_years() else None
figures = publish.chart_figures(res, previous)
name = st.selectbox(
    "图表",
    list(figures),
    format_func=lambda k: k.split("-", 1)[1],
    key="publish_chart",
    placeholder="请选择",
)
st.plotly_chart(figures[name], config=CHART_CONFIG, key="publish_preview")
