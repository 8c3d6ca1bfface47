"""Line breaking of the 通报's Chinese text (避头尾), body and table cells."""

from __future__ import annotations

from scoring.document import CLOSING, OPENING, OfficialDocument, _break_lines, cell_text


def _width(text: str) -> float:
    """Every character 1 mm wide: widths below count characters."""
    return float(len(text))


def test_a_closing_mark_never_starts_a_line_of_the_body_it_hangs():
    assert _break_lines("一二三四，五六", _width, 4, 4) == ["一二三四，", "五六"]


def test_two_closing_marks_at_the_end_of_a_line_go_down_with_the_character_before():
    # The weekly report's 「（另有1件登记后撤销，不计入），完成核实」 put 「，」 first on a
    # line: 「）」 hung, and the 「，」 after it started the next line.
    assert _break_lines("一二三四），五六", _width, 4, 4) == ["一二三", "四），五", "六"]
    assert _break_lines("一二（70.25），五", _width, 8, 8) == ["一二", "（70.25），", "五"]


def test_in_a_table_cell_a_closing_mark_takes_the_character_before_it_along():
    # No margin to hang into: 「四」 goes down with 「，」; 「70.25」 goes down with 「）」,
    # and takes its 「（」 along (an opening mark never ends a line).
    assert _break_lines("一二三四，五六", _width, 4, 4, hang=False) == ["一二三", "四，五六"]
    assert _break_lines("得分（70.25），对", _width, 8, 8, hang=False) == [
        "得分",
        "（70.25），",
        "对",
    ]


def test_an_opening_mark_never_ends_a_line_and_numbers_keep_their_sign():
    assert _break_lines("一二三（四五", _width, 4, 4) == ["一二三", "（四五"]
    assert _break_lines("区间 −1.95～2.36", _width, 5, 5) == ["区间 ", "−1.95", "～2.36"]


def test_cell_text_fits_the_cell_and_starts_no_line_with_a_closing_mark():
    """The warning list's sentence that fpdf broke as 「（70.25」 / 「），对科室」."""
    doc = OfficialDocument("测试")
    doc.font(8.5)
    width_of = doc.pdf.get_string_width
    text = (
        "市卫生健康委员会 2 个科室中综合得分最低（70.25），对科室及负责人效能告诫；"
        "与上一名 市卫生健康委员会政策法规科 相差 12.50 分（95% 区间 10.20～14.80），"
        "排名差异显著；为真实末位的概率约 100%\n第二段"
    )
    lines = cell_text(text, width_of, 72.7).split("\n")
    assert "".join(lines) == text.replace("\n", "")
    assert lines[-1] == "第二段"
    assert all(width_of(line) <= 72.7 for line in lines)
    assert not [line for line in lines if line[:1] in CLOSING]
    assert not [line for line in lines if line[-1:] in OPENING]


def test_a_heading_that_needs_two_lines_breaks_them_evenly():
    # Greedy: 「综合得」 then 「分」; even: 「综合」 「得分」 (what a reader scans as two words).
    assert cell_text("综合得分", _width, 3) == "综合得\n分"
    assert cell_text("综合得分", _width, 3, balanced=True) == "综合\n得分"
    assert cell_text("排名", _width, 3, balanced=True) == "排名"
    assert cell_text("差异显著", _width, 2, balanced=True) == "差异\n显著"
