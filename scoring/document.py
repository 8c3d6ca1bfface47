"""Official documents (公文) as PDF: the building blocks of the 通报 and of any 专报.

Laid out after GB/T 9704 (党政机关公文格式) as far as an office's own printer needs:
A4, a red 发文机关标志 with the 发文字号 and a red separator line, a centred title,
the 主送机关, a serif body with two-character first-line indents, bold 一、 headings,
the 落款 (issuer and date, right-aligned) with room for the seal, and page numbers as
「— 1 —」. One font, Debian's Noto Serif CJK SC, looked up once per process: each
embedded CJK font costs about a second to parse and subset, so bold is drawn by
stroking the regular face (PDF text rendering mode 2) rather than by a second font.

    doc = OfficialDocument("关于……的通报")
    doc.letterhead(Letterhead(issuer="市效能办", number="效办〔2026〕3号"))
    doc.title("关于……的通报")
    doc.addressee("市直各单位：")
    doc.paragraph("根据……，现将……通报如下。")
    doc.signature(Letterhead(issuer="市效能办"))
    pdf_bytes = doc.output()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.enums import TextMode, WrapMode
from fpdf.fonts import FontFace, TTFFont

__all__ = [
    "FontMissing",
    "Letterhead",
    "OfficialDocument",
    "chinese_date",
    "cjk_text",
    "find_font",
]

RED = (200, 16, 16)
HEADER_FILL = (221, 235, 247)
FONTS = {  # our name -> fontconfig pattern
    "serif": "Noto Serif CJK SC:style=Regular",
    "sans": "Noto Sans CJK SC:style=Regular",
}
FALLBACKS = {
    "serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
}


class FontMissing(RuntimeError):
    """A CJK font the document needs is not installed; the message says what to install."""


@functools.cache
def find_font(kind: str) -> tuple[str, int]:
    """Path and collection index of one of FONTS (asked of fontconfig once per process)."""
    pattern = FONTS[kind]
    family = pattern.split(":")[0]
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}|%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        path, index, families = out.split("|", 2)
        if family in families and Path(path).exists():
            return path, int(index or 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    path, _ = FALLBACKS[kind]
    if Path(path).exists():
        from fontTools.ttLib import TTCollection

        for i, font in enumerate(TTCollection(path, lazy=True).fonts):
            if family in str(font["name"].getDebugName(1)):
                return path, i
    raise FontMissing(
        f"生成 PDF 需要中文字体 {family}，但本机没有安装。"
        "请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）。"
    )


CLOSING = set("，。、；：？！）》」』”’％…—】〕,.;:?!)%")
OPENING = set("（《「『“‘【〔(")
# Unbreakable runs: a number or Latin word with its sign, else one character.
_TOKEN = re.compile(r"[−+\-]?[A-Za-z0-9][A-Za-z0-9.,%:/+\-]*|.", re.S)


def _break_lines(
    text: str, width_of, first: float, measure: float, *, hang: bool = True
) -> list[str]:
    """Greedy lines of at most ``first`` (then ``measure``) mm, 避头尾: a closing mark
    that would start a line stays at the end of the line before, hanging a little into
    the margin (``hang``) or, where there is no margin to hang into (a table cell),
    taking the line's last character along to the next line; an opening mark that
    would end a line moves to the next. Runs of digits and Latin letters never break."""
    lines: list[str] = []
    cur: list[str] = []
    avail = first
    for token in _TOKEN.findall(text):
        if not cur and lines and token in CLOSING:
            cur = _take_back(lines)
        if cur and width_of("".join(cur) + token) > avail:
            if token in CLOSING and (hang or len(cur) < 2):
                cur.append(token)  # hangs into the margin by one mark at most
                lines.append("".join(cur))
                cur, avail = [], measure
                continue
            carry: list[str] = []
            if token in CLOSING:  # the marks before it and the character they follow
                while len(cur) > 1 and cur[-1] in CLOSING:
                    carry.insert(0, cur.pop())
                carry.insert(0, cur.pop())
            while cur and cur[-1] in OPENING:
                carry.insert(0, cur.pop())
            if not cur:  # nothing would be left on the line: break where the width says
                cur, carry = carry, []
            lines.append("".join(cur))
            cur, avail = carry, measure
        cur.append(token)
    if cur:
        lines.append("".join(cur))
    return lines


def _take_back(lines: list[str]) -> list[str]:
    """A second closing mark after one that hung (「）」 then 「，」) may not start a line
    either, and one mark only hangs: the last line gives its last character (with an
    opening mark before it) and its marks to the next line (「四）」「，」→「四），」).
    Returns the tokens the next line starts with; ``lines[-1]`` loses them."""
    prev = _TOKEN.findall(lines[-1])
    back: list[str] = []
    while len(prev) > 1 and prev[-1] in CLOSING:
        back.insert(0, prev.pop())
    if len(prev) < 2:
        return []
    back.insert(0, prev.pop())
    while len(prev) > 1 and prev[-1] in OPENING:  # nor may an opening mark end a line
        back.insert(0, prev.pop())
    lines[-1] = "".join(prev)
    return back


def cell_text(text: str, width_of, width: float, *, balanced: bool = False) -> str:
    """A table cell's text broken into lines that fit ``width`` mm, 避头尾 without
    hanging (fpdf's own breaking puts a line anywhere, 「，」 first included).
    ``balanced`` (a column heading): as many lines, as even as they come (「综合/得分」
    rather than 「综合得/分」)."""
    out = []
    for part in text.split("\n"):
        lines = _break_lines(part, width_of, width, width, hang=False) if part else [""]
        if balanced and len(lines) > 1:
            lo, hi = width / len(lines), width  # the narrowest measure with as many lines
            for _ in range(30):
                mid = (lo + hi) / 2
                if len(_break_lines(part, width_of, mid, mid, hang=False)) > len(lines):
                    lo = mid
                else:
                    hi = mid
            lines = _break_lines(part, width_of, hi, hi, hang=False)
        out.append("\n".join(lines))
    return "\n".join(out)


def cjk_text(text: str) -> str:
    """Body text without the ASCII blanks around numbers (「共 10 个」→「共10个」), as
    Chinese prose is set. (Lines break between any two characters: wrapmode CHAR.)"""
    return re.sub(r" (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) ", "", text)


def chinese_date(day: dt.date) -> str:
    """成文日期 as GB/T 9704 writes it: 2026年11月25日 (Arabic numerals, no padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Letterhead:
    """What an office sets when it issues a document: 发文机关, 发文字号, 成文日期, 主送."""

    issuer: str = "市机关效能建设领导小组办公室"
    number: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    addressee: str = "各区县人民政府，市直各单位："


class _Pdf(FPDF):
    def footer(self) -> None:  # 「— 1 —」 at the foot of every page
        self.set_y(-14)
        self.set_font("serif", size=12)
        self.set_text_color(0, 0, 0)
        self.cell(0, 8, f"— {self.page_no()} —", align="C")


class OfficialDocument:
    """An A4 公文 being written top to bottom; ``output()`` gives the PDF's bytes."""

    BODY = 15  # pt: close to 三号 (16 pt) yet 28 characters a line on 156 mm
    LINE = 9.2  # mm

    def __init__(self, title: str) -> None:
        pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(left=26, top=30, right=26)
        pdf.set_auto_page_break(auto=True, margin=22)
        path, index = find_font("serif")
        pdf.add_font("serif", "", path, collection_font_number=index)
        # The subset keeps the font's own bounding box: recomputing it from every
        # glyph's outline was most of the time spent writing the PDF.
        serif = pdf.fonts["serif"]
        assert isinstance(serif, TTFFont)  # add_font of a file makes a TrueType font
        serif.ttfont.recalcBBoxes = False
        pdf.set_title(title)
        pdf.set_creator("效能考评看板")
        pdf.add_page()
        self.pdf = pdf

    def font(self, size: float) -> None:
        """The document's one face at ``size`` pt."""
        self.pdf.set_font("serif", size=size)

    @contextlib.contextmanager
    def bold(self, size: float):
        """Bold text by stroking the outline, inside a saved graphics state: fpdf sets the
        text rendering mode but never resets it, so without the save everything after
        a bold line would be bold too."""
        self.font(size)
        with self.pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * 0.012):
            yield

    # -- first page ---------------------------------------------------------------------

    def letterhead(self, head: Letterhead) -> None:
        """版头: the issuer in red, the 发文字号, the red separator line."""
        pdf = self.pdf
        pdf.set_text_color(*RED)
        size = 30 if len(head.issuer) <= 12 else max(18, 30 - (len(head.issuer) - 12) * 1.5)
        pdf.ln(8)
        with self.bold(size):
            pdf.multi_cell(
                0,
                size * 0.5,
                head.issuer,
                align="C",
                new_x="LMARGIN",
                new_y="NEXT",
                wrapmode=WrapMode.CHAR,
            )
        pdf.ln(10)
        pdf.set_text_color(0, 0, 0)
        if head.number:
            self.font(self.BODY)
            pdf.cell(0, 8, head.number, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        with pdf.local_context(draw_color=RED, line_width=0.8):
            y = pdf.get_y()
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.ln(12)

    def title(self, text: str) -> None:
        """标题: centred, bold serif, about 二号. One too long for a line breaks before its
        last parenthesis (「督查与投诉每周一报」/「（2026年1月26日至2月1日）」) rather
        than where the width runs out, which may be inside a date (「2026年1」/「1月」)."""
        with self.bold(20):
            cut = text.rfind("（")
            if "\n" not in text and cut > 0 and self.pdf.get_string_width(text) > self.pdf.epw:
                text = f"{text[:cut]}\n{text[cut:]}"
            self.pdf.multi_cell(
                0, 11, text, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR
            )
        self.pdf.ln(6)

    def addressee(self, text: str) -> None:
        """主送机关: flush left, ending with a full-width colon."""
        if text:
            self.font(self.BODY)
            self.pdf.multi_cell(
                0, self.LINE, text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR
            )

    # -- body -----------------------------------------------------------------------------

    def _flow(
        self, text: str, size: float, line_mm: float, indent: bool, keep_with: float = 0.0
    ) -> None:
        """Justified Chinese text: lines broken between characters (never inside a run of
        digits or Latin letters), the first indented by two characters, no line starting
        with closing punctuation (it hangs at the end of the line before) or ending with
        an opening one (避头尾); every full line stretched to the measure.

        With ``keep_with`` (mm of what follows, e.g. the 附件说明 and 落款) the paragraph
        still flows across a page, but its last two lines go to the next page with what
        follows when that does not fit below; the lines left behind are never fewer than
        two (a paragraph of three lines or fewer moves whole)."""
        pdf = self.pdf
        pt_mm = 0.3528
        left, measure = pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin
        first_indent = 2 * size * pt_mm if indent else 0.0
        lines = self._lines(text, size, indent)
        kept = _kept_from(len(lines)) if keep_with else -1
        for i, line in enumerate(lines):
            room = line_mm if i != kept else (len(lines) - kept) * line_mm + keep_with
            if pdf.get_y() + room > pdf.h - pdf.b_margin:
                pdf.add_page()
            x = left + (first_indent if i == 0 else 0.0)
            avail = measure - (first_indent if i == 0 else 0.0)
            spacing = 0.0
            pdf.set_char_spacing(0)  # widths are measured without the last line's spacing
            if i < len(lines) - 1 and len(line) > 1:
                spacing = (avail - pdf.get_string_width(line)) / (len(line) - 1) / pt_mm
            pdf.set_char_spacing(spacing)
            pdf.set_xy(x, pdf.get_y())
            pdf.cell(avail, line_mm, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_char_spacing(0)

    def paragraph(
        self, text: str, indent: bool = True, size: float | None = None, keep_with: float = 0.0
    ) -> None:
        """正文 paragraph: serif, first line indented by two characters; its last lines
        share their page with the ``keep_with`` mm that follow (see ``_flow``)."""
        self.font(size or self.BODY)
        line_mm = self.LINE if size is None else size * 0.55
        self._flow(text, size or self.BODY, line_mm, indent, keep_with)

    def line_count(self, text: str, indent: bool = True) -> int:
        """How many lines ``paragraph(text)`` takes."""
        self.font(self.BODY)
        return len(self._lines(text, self.BODY, indent))

    def heading(self, text: str, level: int = 1) -> None:
        """一级标题 (一、) and 二级 (（一）), bold, indented like the body."""
        # A heading never ends a page, and its bold state (a saved graphics state) must
        # not span a page break: room for it and two body lines first.
        if self.pdf.get_y() + 3 * self.LINE > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        with self.bold(self.BODY):
            self._flow(text, self.BODY, self.LINE, True)

    def annex(self, number: int, title: str) -> None:
        """A new page for 附件 N: the label flush left, then its title centred."""
        self.pdf.add_page()
        self.font(self.BODY)
        self.pdf.cell(0, self.LINE, f"附件{number}", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)
        with self.bold(17):
            self.pdf.multi_cell(
                0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR
            )
        self.pdf.ln(3)

    def caption(self, text: str) -> None:
        """A table's caption, kept on the page of the table's first rows."""
        if self.pdf.get_y() + 40 > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.ln(2)
        self.font(12)
        self.pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)

    def table(
        self,
        frame: pd.DataFrame,
        widths: Sequence[float],
        formatter: Callable[[str, object], str] = lambda c, v: "" if v is None else str(v),
        row_fill: Callable[[pd.Series], tuple[int, int, int] | None] | None = None,
        size: float = 8.5,
    ) -> None:
        """A table with a shaded header row repeated on each page; ``formatter`` gives the
        text of a cell from its column and value, ``row_fill`` an optional row colour."""
        pdf = self.pdf
        self.font(size)
        header = FontFace(emphasis=None, fill_color=HEADER_FILL)
        # Lines are broken here (避头尾) at each column's inner width: the table spans the
        # text width, shared in proportion to ``widths``, less the cell margins.
        inner = [
            pdf.epw * w / sum(widths) - 2 * pdf.c_margin - pdf.line_width - 0.05 for w in widths
        ]

        def text(k: int, value: str, *, heading: bool = False) -> str:
            return cell_text(value, pdf.get_string_width, inner[k], balanced=heading)

        with pdf.table(
            col_widths=tuple(widths),
            headings_style=header,
            line_height=size * 0.55,
            text_align="CENTER",
            repeat_headings=1,
            v_align="TOP",
            wrapmode=WrapMode.CHAR,
        ) as t:
            row = t.row()
            for k, c in enumerate(frame.columns):
                row.cell(text(k, str(c), heading=True))
            for _, rec in frame.iterrows():
                fill = row_fill(rec) if row_fill else None
                style = FontFace(fill_color=fill) if fill else None
                row = t.row(style=style)
                for k, c in enumerate(frame.columns):
                    row.cell(text(k, formatter(str(c), rec[c])))
        pdf.ln(2)

    def image(self, path: Path, width_mm: float = 156) -> None:
        """A chart, on the next page when it does not fit below."""
        pdf = self.pdf
        w_px, h_px = _png_size(path)
        height = width_mm * h_px / w_px
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(_for_print(path, width_mm), w=width_mm, x=(pdf.w - width_mm) / 2)
        pdf.ln(3)

    # -- end --------------------------------------------------------------------------------

    def keep_together(self, height: float) -> None:
        """A new page unless ``height`` mm fit below: for what must not be split, such as
        the body's last section with the 附件说明 and the 落款 (a 落款 never stands on a
        page without body text above it)."""
        if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()

    def _lines(self, text: str, size: float, indent: bool) -> list[str]:
        """The lines ``_flow`` sets ``text`` in, in the current font: the full measure, the
        first line two characters (of ``size`` pt) shorter when indented."""
        pdf = self.pdf
        measure = pdf.w - pdf.l_margin - pdf.r_margin
        first = measure - (2 * size * 0.3528 if indent else 0.0)
        return _break_lines(cjk_text(text), pdf.get_string_width, first, measure)

    def paragraph_height(self, text: str, indent: bool = True) -> float:
        """The height ``paragraph(text)`` takes, in mm (its lines as ``_flow`` breaks them)."""
        self.font(self.BODY)
        return len(self._lines(text, self.BODY, indent)) * self.LINE

    def closing_height(self, titles: Sequence[str]) -> float:
        """The height of ``attachments(titles)`` and ``signature`` together, in mm."""
        return (self.LINE * (1 + len(titles)) if titles else 0.0) + 40 + 2 * self.LINE

    def attachments(self, titles: Sequence[str]) -> None:
        """附件说明: 「附件：1. …」 below the body, aligned after the colon."""
        if not titles:
            return
        pdf = self.pdf
        pdf.ln(self.LINE)
        self.font(self.BODY)
        for i, t in enumerate(titles, start=1):
            label = "　　附件：" if i == 1 else "　　　　　"
            pdf.multi_cell(
                0,
                self.LINE,
                f"{label}{i}. {t}",
                new_x="LMARGIN",
                new_y="NEXT",
                wrapmode=WrapMode.CHAR,
            )

    def signature(self, head: Letterhead) -> None:
        """落款: issuer and date right-aligned, with empty room above for the seal (印章
        presses on both lines, so they stay on one page together)."""
        pdf = self.pdf
        need = 40 + 2 * self.LINE
        if pdf.get_y() + need > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.ln(24)  # the seal's room
        self.font(self.BODY)
        right = pdf.w - pdf.r_margin - 16  # 右空四字 for the date
        date = chinese_date(head.date)
        width = max(pdf.get_string_width(head.issuer), pdf.get_string_width(date))
        x = right - width
        for text in (head.issuer, date):
            w = pdf.get_string_width(text)
            pdf.set_x(x + (width - w) / 2)
            pdf.cell(w, self.LINE, text, new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


PRINT_DPI = 250


def _kept_from(lines: int) -> int:
    """The first of a paragraph's ``lines`` that stays with what follows it: the last two,
    and the whole of a paragraph of three lines or fewer, so that neither page holds a
    single line of it at a page break (a line of two characters atop the 落款 page).

    >>> [_kept_from(n) for n in (1, 2, 3, 4, 6)]
    [0, 0, 0, 2, 4]
    """
    kept = lines - 2
    return kept if kept >= 2 else 0


def _for_print(path: Path, width_mm: float):
    """The chart as the PDF embeds it: 256 colours (charts have few; a third of the RGB
    data and no alpha channel to split off), resized only when it is much larger than
    PRINT_DPI needs at its printed width (the published PNGs are already sized for A4)."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    target = round(width_mm / 25.4 * PRINT_DPI)
    if image.width > 1.25 * target:
        height = round(image.height * target / image.width)
        image = image.resize((target, height), Image.Resampling.LANCZOS)
    return image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)


def _png_size(path: Path) -> tuple[int, int]:
    head = Path(path).read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
