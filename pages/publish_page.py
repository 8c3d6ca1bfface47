"""结果发布: build the workbook, charts and report; download them; preview the charts."""

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from pages.common import available_years, current_user, get_store, results_page, year_results
from scoring import publish

res = results_page(__file__, "结果发布", "publish")
year = res.year
st.caption(
    f"{publish.title_of(year)}：结果表（.xlsx）、图表（PNG 与 SVG）和通报（PDF，A4）。"
    f"考评方案：{res.scheme.name}（版本 {res.scheme_version or '默认'}）。"
)

built = st.session_state.get("published", {}).get(year)
if st.button("生成发布文件", type="primary", key="publish"):
    out = Path(tempfile.mkdtemp(prefix=f"publish-{year}-"))
    bar = st.progress(0.0, text="正在导出图表……")
    try:
        built = publish.publish(get_store(), year, out, current_user(), bar.progress)
        st.session_state.setdefault("published", {})[year] = built
    except publish.PublishError as exc:
        st.error(str(exc))
    bar.empty()

if built is not None:
    st.success(f"已生成（用时 {built.seconds:.1f} 秒）。")
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "下载结果表（.xlsx）",
        data=built.workbook.read_bytes(),
        file_name=built.workbook.name,
        key="dl-book",
        on_click="ignore",
    )
    c2.download_button(
        "下载通报（.pdf）",
        data=built.report.read_bytes(),
        file_name=built.report.name,
        mime="application/pdf",
        key="dl-pdf",
        on_click="ignore",
    )

    def charts_zip() -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in built.charts:
                z.write(path, path.name)
        return buf.getvalue()

    c3.download_button(
        "下载全部图表（.zip）",
        data=charts_zip,
        file_name=f"{year}年度考评图表.zip",
        key="dl-charts",
        on_click="ignore",
    )

st.subheader("图表预览")
previous = year_results(year - 1) if year - 1 in available_years() else None
figures = publish.chart_figures(res, previous)
name = st.selectbox(
    "图表", list(figures), format_func=lambda k: k.split("-", 1)[1], key="publish_chart"
)
st.plotly_chart(figures[name], key="publish_preview")
