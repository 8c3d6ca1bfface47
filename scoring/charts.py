"""Charts (图表): every figure the dashboard shows and the published results carry.

One module, so that what leaders explore and what the office publishes look the
same. Each builder takes results (or small frames) and returns a plotly Figure;
none touches Streamlit or files.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from scoring.formats import fmt_score, fmt_signed
from scoring.results import COMPONENT_NAMES, Results, UnitResult
from scoring.rules import round2

__all__ = [
    "EXPORT_WIDTH",
    "FONT_FAMILY",
    "GRADE_COLOURS",
    "TEMPLATE",
    "category_bars",
    "composite_box",
    "grade_distribution",
    "item_bars",
    "movement",
    "ranking_bars",
    "text_width",
    "trend",
    "veto_reason",
    "waterfall",
]

# Noto Sans CJK SC comes from Debian's fonts-noto-cjk; without a CJK font named
# here, static exports draw Chinese as boxes.
FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
GRADE_COLOURS = {
    "优秀": "#2e7d32",
    "良好": "#1565c0",
    "一般": "#f9a825",
    "较差": "#c62828",
    None: "#9e9e9e",
}
GRADE_ORDER = ["优秀", "良好", "一般", "较差"]
_BAND_PALETTE = ["#2e7d32", "#1565c0", "#f9a825", "#ef6c00", "#c62828"]


def grade_colour(grade: str | None, names: tuple[str, ...]) -> str:
    """A grade's colour by its place among the scheme's bands (best green, floor red)."""
    if grade not in names:
        return GRADE_COLOURS.get(grade, "#9e9e9e")
    i = names.index(grade)
    if i == len(names) - 1:
        return _BAND_PALETTE[-1]
    return _BAND_PALETTE[min(i, len(_BAND_PALETTE) - 2)]


FONT_SIZE = 13
EXPORT_WIDTH = 1000  # px of a published chart (PNG at 1.6 times that: chart_export)

# Every figure names its template. Without one, plotly uses the process-wide
# ``plotly.io.templates.default``, which Streamlit sets to its own "streamlit"
# template as soon as it is imported: that template has no ``automargin`` on the
# axes, so the same figure exported from the app lost its unit names and tick labels
# to a 10 px margin while the command line's came out whole (issue 13).
#
# The template is plotly_white's layout and its defaults for the trace types these
# charts draw (bar and scatter; it has none for box and waterfall): the same look,
# while checking all of plotly_white's two dozen trace types made setting it on each
# figure about two thirds of the time it took to build one. A chart of another trace
# type adds it to TRACE_TYPES.
TRACE_TYPES = ("bar", "box", "scatter", "waterfall")
_WHITE = pio.templates["plotly_white"]
TEMPLATE = go.layout.Template(
    layout=_WHITE.layout,
    data={t: _WHITE.data[t] for t in TRACE_TYPES if _WHITE.data[t]},
)
VETO_MARK = "一票否决"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Width in px of ``text`` set in FONT_FAMILY, slightly over rather than under:
    CJK and full-width glyphs are one em, the rest at most 0.62 em (Noto Sans CJK).
    Margins are sized from it, so a label never depends on plotly measuring in time."""
    em = 0.0
    for ch in str(text):
        em += 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62
    return em * size


def _longest(texts, size: float = FONT_SIZE) -> float:
    return max((text_width(t, size) for t in texts), default=0.0)


def _plain(text: str) -> str:
    """User text for a figure: plotly reads a subset of HTML (<a href>, <b>) in labels and
    titles, so names are entity-escaped and show as typed."""
    return html.escape(str(text), quote=False)


def _fit_title(title: str, width: int = EXPORT_WIDTH) -> str:
    """A title that fits the published width: broken onto a second line when long."""
    size = FONT_SIZE * 1.3
    if text_width(title, size) <= width - 40:
        return title
    cut = len(title) // 2
    return title[:cut] + "<br>" + title[cut:]


def _layout(
    fig: go.Figure,
    title: str,
    height: int | None = None,
    margin: dict[str, float] | None = None,
) -> go.Figure:
    """Shared look; margins are the room the labels need (``margin``), never less than
    what fits the title and the axis titles, and plotly's automargin may still add."""
    two_lines = "<br>" in _fit_title(title)
    base: dict[str, float] = {"l": 60, "r": 30, "t": 90 if two_lines else 70, "b": 60}
    for side, px in (margin or {}).items():
        base[side] = max(base[side], px)
    fig.update_layout(
        template=TEMPLATE,
        title={"text": _fit_title(title), "x": 0.01, "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": FONT_SIZE},
        margin=base,
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        height=height,
    )
    fig.update_xaxes(gridcolor="#eeeeee", automargin=True)
    fig.update_yaxes(gridcolor="#eeeeee", automargin=True)
    return fig


def ranking_bars(results: Results, group: str) -> go.Figure:
    """Composite per unit of one group, best at the top, coloured by grade."""
    units = results.ranked(group)
    fig = go.Figure()
    names = results.scheme.grade_names
    for g in [*names, None]:
        members = [u for u in units if u.grade == g]
        if not members:
            continue
        fig.add_bar(
            y=[_plain(u.unit) for u in members],
            x=[round2(u.composite) for u in members],
            orientation="h",
            name=g or "未定等次",
            marker_color=grade_colour(g, names),
            text=[_bar_text(u) for u in members],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [u.rank, "、".join(u.warnings) or "无", _veto_text(u, results.scheme)]
                for u in members
            ],
            hovertemplate="%{y}<br>综合得分 %{x:.2f}<br>第 %{customdata[0]} 名"
            "<br>告诫：%{customdata[1]}%{customdata[2]}<extra></extra>",
        )
    order = [_plain(u.unit) for u in units]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    lo = min((c for u in units if (c := round2(u.composite)) is not None), default=0.0)
    fig.update_xaxes(range=[max(0, lo - 15), 100], title="综合得分")
    margin = {
        "l": _longest(u.unit for u in units) + 20,
        "r": _longest(_bar_text(u) for u in units) + 20,
    }
    return _layout(
        fig,
        f"{results.year}年度{_plain(group)}综合得分排名",
        height=max(320, 28 * len(units) + 160),
        margin=margin,
    )


def _bar_text(u: UnitResult) -> str:
    """The label at a bar's end: the score, then 一票否决 or the warnings."""
    score = fmt_score(u.composite)
    if u.vetoed:
        return f"{score}（{VETO_MARK}）"
    return f"{score}（{'、'.join(u.warnings)}）" if u.warnings else score


def _veto_text(u: UnitResult, scheme) -> str:
    return f"<br>{VETO_MARK}：" + _plain(veto_reason(u, scheme)) if u.vetoed else ""


def veto_reason(u: UnitResult, scheme) -> str:
    """The short reason of a unit's 一票否决: its entries from the scheme's veto sources."""
    reasons = [
        reason or src for reason, _, src in u.adjustment_entries if src in scheme.veto_sources
    ]
    return "；".join(dict.fromkeys(reasons)) or VETO_MARK


def grade_distribution(results: Results) -> go.Figure:
    """How many ranked units got each grade, per group (stacked)."""
    table = results.table()
    fig = go.Figure()
    names = results.scheme.grade_names
    for g in names:
        counts = table[table["grade"] == g].groupby("group").size()
        fig.add_bar(
            x=[_plain(c) for c in counts.index],
            y=list(counts.values),
            name=g,
            marker_color=grade_colour(g, names),
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="单位数")
    return _layout(fig, f"{results.year}年度各类别考评等次分布")


def composite_box(results: Results) -> go.Figure:
    """Distribution of composites by group."""
    table = results.table()
    fig = go.Figure()
    for group, frame in table.groupby("group"):
        fig.add_box(
            y=frame["composite"].round(2),
            name=_plain(group),
            boxpoints="all",
            jitter=0.3,
            text=[_plain(u) for u in frame["unit"]],
            hovertemplate="%{text}: %{y:.2f}<extra></extra>",
        )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(title="综合得分")
    return _layout(fig, f"{results.year}年度各类别综合得分分布")


def item_bars(
    unit: UnitResult, group_means: dict[str, float] | None = None, title: str | None = None
) -> go.Figure:
    """万人评议 item means of a unit (against its group's average when given)."""
    means = unit.appraisal_detail.item_means if unit.appraisal_detail else {}
    fig = go.Figure()
    fig.add_bar(
        x=list(means),
        y=[round2(v) for v in means.values()],
        name=_plain(unit.unit),
        marker_color="#1565c0",
        text=[fmt_score(v) for v in means.values()],
        textposition="outside",
        cliponaxis=False,
    )
    if group_means:
        fig.add_scatter(
            x=list(group_means),
            y=[round2(v) for v in group_means.values()],
            mode="markers+lines",
            name="类别平均",
            marker_color="#ef6c00",
        )
    fig.update_yaxes(range=[0, 105], title="得分")
    return _layout(fig, title or f"{_plain(unit.unit)} 万人评议分项得分")


def satisfaction_by_item(frame: pd.DataFrame, year: int) -> go.Figure:
    """Satisfaction rate by item over all units (frame: item, satisfaction_rate)."""
    fig = go.Figure()
    fig.add_bar(
        x=frame["item"],
        y=(frame["satisfaction_rate"] * 100).round(2),
        marker_color="#2e7d32",
        text=[f"{v:.2%}" for v in frame["satisfaction_rate"]],
        textposition="outside",
        cliponaxis=False,
    )
    fig.update_yaxes(range=[0, 105], title="满意率（%）")
    return _layout(fig, f"{year}年度万人评议各项满意率")


def _two_lines(label: str, most: int = 5) -> str:
    """A long category label on two lines (before its ×, else in the middle), so that
    plotly keeps the labels level instead of slanting and crowding them."""
    if len(label) <= most or "<br>" in label:
        return label
    cut = label.find("×")
    if cut <= 0:
        cut = (len(label) + 1) // 2
    return label[:cut] + "<br>" + label[cut:]


def category_bars(unit: UnitResult) -> go.Figure:
    """Appraisal score by evaluator category, with ballots and weight."""
    cats = (
        [c for c in unit.appraisal_detail.categories if c.score is not None]
        if unit.appraisal_detail
        else []
    )
    fig = go.Figure()
    fig.add_bar(
        x=[_two_lines(c.category) for c in cats],
        y=[round2(c.score) for c in cats],
        marker_color="#6a1b9a",
        # Two short lines: one long label over a narrow bar is shrunk to fit its width.
        text=[f"{fmt_score(c.score)}<br>{c.ballots}份" for c in cats],
        textposition="outside",
        cliponaxis=False,
    )
    fig.update_yaxes(range=[0, 112], title="类别得分")
    fig.update_xaxes(tickangle=0)
    return _layout(fig, f"{_plain(unit.unit)} 各类评议人评分")


def waterfall(unit: UnitResult) -> go.Figure:
    """From weighted components, plus adjustments, to the composite."""
    weights = unit.composite_detail.weights
    labels, values = [], []
    for key, w in weights.items():
        labels.append(f"{COMPONENT_NAMES[key]}×{w:.2f}")
        values.append((unit.component(key) or 0.0) * w)
    if unit.adjustment:
        labels.append("加减分")
        values.append(unit.adjustment)
    fig = go.Figure(
        go.Waterfall(
            x=[_two_lines(t) for t in (*labels, "综合得分")],
            y=[*values, 0],
            measure=["relative"] * len(values) + ["total"],
            text=[fmt_signed(v) for v in values] + [fmt_score(unit.composite)],
            textposition="outside",
            cliponaxis=False,
            increasing={"marker": {"color": "#1565c0"}},
            decreasing={"marker": {"color": "#c62828"}},
            totals={"marker": {"color": "#2e7d32"}},
        )
    )
    fig.update_yaxes(title="得分")
    fig.update_xaxes(tickangle=0)
    return _layout(fig, f"{_plain(unit.unit)} 综合得分构成")


def trend(history: Sequence[tuple[int, UnitResult]]) -> go.Figure:
    """A unit's composite and components over the years."""
    fig = go.Figure()
    years = [y for y, _ in history]
    for key, label in [("composite", "综合得分"), *COMPONENT_NAMES.items()]:
        ys = [round2(getattr(u, key)) for _, u in history]
        if any(v is not None for v in ys):
            fig.add_scatter(x=years, y=ys, name=label, mode="lines+markers")
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[f"{y}年" for y in years])
    fig.update_yaxes(title="得分")
    name = _plain(history[0][1].unit) if history else ""
    _layout(fig, f"{name} 历年得分")
    # Four series wrap the legend onto two rows in half a page, which then covers the
    # title: it goes under the plot, where the two or three year ticks leave room.
    fig.update_layout(legend={"y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"})
    return fig


def movement(current: Results, previous: Results, group: str) -> go.Figure:
    """Rank change against the previous year within one group (positive = moved up)."""
    rows = []
    for u in current.ranked(group):
        before = previous.unit(u.unit)
        if (
            before is not None
            and before.rank is not None
            and u.rank is not None
            and before.group == group
        ):
            rows.append((_plain(u.unit), before.rank - u.rank))
    rows.sort(key=lambda r: r[1])
    fig = go.Figure()
    fig.add_bar(
        y=[r[0] for r in rows],
        x=[r[1] for r in rows],
        orientation="h",
        marker_color=[
            "#2e7d32" if r[1] > 0 else "#c62828" if r[1] < 0 else "#9e9e9e" for r in rows
        ],
        text=[f"{r[1]:+d}" if r[1] else "0" for r in rows],
        textposition="outside",
        cliponaxis=False,
    )
    fig.update_xaxes(title="名次变化（正数为上升）")
    return _layout(
        fig,
        f"{_plain(group)}名次变化（{previous.year}→{current.year}年）",
        height=max(300, 26 * len(rows) + 160),
        margin={"l": _longest(html.unescape(r[0]) for r in rows) + 20, "r": 60},
    )
