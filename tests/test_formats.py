"""One minus sign and one rounding for every figure in text (scoring.formats.fmt_decimal)."""

from __future__ import annotations

from scoring.formats import MINUS, fmt_decimal, fmt_score, fmt_signed, fmt_span


def test_negative_figures_are_written_with_the_one_minus_sign():
    assert MINUS == "-"  # the sign Streamlit's and Excel's number formats write
    assert fmt_score(-1.5) == "-1.50"
    assert fmt_signed(-3.5) == "-3.50" and fmt_signed(3) == "+3.00"
    # An interval's ends in a statement: what the warnings' evidence should write too.
    assert fmt_span(-1.05, 1.45, lambda x: fmt_decimal(x, 2)) == "-1.05～1.45"
    assert "−" not in fmt_span(-20, -10)  # no U+2212 anywhere


def test_figures_round_half_up_and_zero_has_no_sign():
    # 87.375 summed as 87.37499999999999 still rounds up (rules.round_to), as tables do.
    assert fmt_decimal(87.37499999999999) == "87.38"
    assert fmt_decimal(-0.125, 2) == "-0.13"
    assert fmt_decimal(-0.004) == "0.00" and fmt_signed(-0.004) == "0.00"
    assert fmt_decimal(12.345, 1) == "12.3" and fmt_decimal(12.35, 1) == "12.4"
    assert fmt_decimal(None) == "—" and fmt_decimal(float("nan")) == "—"


def test_chart_labels_write_figures_as_the_tables_do(demo_db):
    """市城市管理局's 加减分 is -3.00 in the 2025 ranking table: its waterfall says the same,
    and the composite's label is the table's 综合得分 (71.26)."""
    from scoring import charts, results
    from scoring.store import Store

    with Store(demo_db) as store:
        unit = results.compute(store, 2025).unit("市城市管理局")
    labels = list(charts.waterfall(unit).data[0].text)
    assert labels[-2:] == ["-3.00", "71.26"]
    assert all("−" not in label for label in labels)


def test_a_units_charts_keep_long_labels_level_on_two_lines(demo_db):
    """单位画像's 各类评议人评分 slanted and crowded 「人大代表政协委员」 under its bar: long
    category labels go on two lines (the waterfall's 「万人评议×0.40」 before its ×)."""
    from scoring import charts, results
    from scoring.store import Store

    with Store(demo_db) as store:
        unit = results.compute(store, 2025).unit("市信访局")
    bars = charts.category_bars(unit)
    assert "人大代表<br>政协委员" in list(bars.data[0].x) and "服务对象" in list(bars.data[0].x)
    assert bars.layout.xaxis.tickangle == 0
    steps = charts.waterfall(unit)
    assert "万人评议<br>×0.40" in list(steps.data[0].x) and steps.layout.xaxis.tickangle == 0
