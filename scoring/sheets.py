"""Score sheets (评分表): reading, header detection, normalisation and validation.

Follows shared/spec/sheets.md. ``parse_file`` takes a file name and its bytes and
returns a frozen ``ParsedFile``: the rows in the store's shape, a preview, and
every problem found (file, sheet, row, column, value, what was expected), in
Chinese. Nothing here writes anywhere; ``scoring.imports`` stores a file only
when it has no problem.

Speed: fastexcel reads a sheet straight to Arrow with every cell as text (the
fastest reader measured, benchmarks/import_bench.py). Validation works on the
distinct values of each column (a ballot column of 100,000 cells holds a handful
of answers), so it costs little more than the read.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import hashlib
import html
import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring import sheet_parts
from scoring.scheme import Scheme
from scoring.sources import SOURCE_NAMES, SOURCES

try:  # ISA-L's inflate: the extent scan unzips each sheet in half zlib's time
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - isal is a dependency; zlib gives the same bytes
    import zlib as _inflate  # type: ignore[no-redef]

if TYPE_CHECKING:
    from scoring.content_store import ContentReport

__all__ = [
    "MAX_UPLOAD_BYTES",
    "ParsedFile",
    "Problem",
    "Registry",
    "header_signature",
    "parse_file",
    "question_text",
]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # a zip bomb stops here, before any XML is parsed
MAX_SHARED_STRINGS_BYTES = 100 * 1024 * 1024  # a real 20 MB sheet's strings are far smaller
HEADER_SCAN_ROWS = 30
UNIT_TYPES = ("部门", "科室", "窗口", "项目", "领导班子", "干部")
TOTAL_MARKERS = ("合计", "总计", "小计")
# Sheets that explain or illustrate (the templates' 填写示例, a 说明 page) hold no data.
SKIPPED_SHEET_WORDS = ("示例", "说明", "选项")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, precise enough to find and fix it."""

    file: str
    expected: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    letter: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = f"文件「{self.file}」"
        if self.sheet is not None:
            where += f" 工作表「{self.sheet}」"
        if self.row is not None:
            where += f" 第 {self.row} 行"
        if self.column is not None:
            where += f"「{self.column}」列" + (f"（{self.letter} 列）" if self.letter else "")
        found = "" if self.value is None else f"值「{self.value}」"
        return f"{where}：{found}{'，' if found else ''}{self.expected}"


@dataclass(frozen=True)
class Registry:
    """What sheets may name: registered units with their 简称, and their types."""

    names: frozenset[str]
    aliases: Mapping[str, str]  # alias or name -> canonical name
    types: Mapping[str, str]

    @classmethod
    def from_frame(cls, units: pd.DataFrame) -> Registry:
        aliases: dict[str, str] = {}
        for name, al in zip(units["name"], units["aliases"], strict=True):
            aliases[_norm(name)] = name
            for a in list(al) if al is not None else []:
                aliases.setdefault(_norm(a), name)
        return cls(
            frozenset(units["name"]), aliases, dict(zip(units["name"], units["type"], strict=True))
        )

    def resolve(self, value: str) -> str | None:
        return self.aliases.get(_norm(value))

    def closest(self, value: str, n: int = 3) -> list[str]:
        key = _norm(value)[:64]  # a long or hostile value costs no more than a name
        chars = set(key)
        shared = [a for a in self.aliases if chars.intersection(a)]  # quick prefilter
        found = difflib.get_close_matches(key, shared, n=n, cutoff=0.3)
        return list(dict.fromkeys(self.aliases[f] for f in found))


@dataclass(frozen=True)
class ParsedFile:
    """A file read and checked. ``facts`` are in the store's shape (table -> frame)."""

    file: str
    source: str
    sha256: str
    rows: int
    sheets: tuple[str, ...]
    facts: Mapping[str, pa.Table | pd.DataFrame] = field(repr=False)
    preview: pd.DataFrame = field(repr=False)
    problems: tuple[Problem, ...] = ()
    # What the user should know although nothing is wrong: sheets skipped and why,
    # columns left out, ids derived from content, flags such as a 民主测评 without quorum.
    notes: tuple[str, ...] = ()
    # For the column mapping: the header of the sheet read (or nearest to a layout), its
    # signature (saved mappings are offered again for the same one), the layout's
    # canonical columns and a proposed mapping (file column -> canonical column).
    columns: tuple[str, ...] = ()
    signature: str = ""
    layout: str = ""
    canonical: tuple[str, ...] = ()
    proposal: Mapping[str, str] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()
    matched: Mapping[str, str] = field(default_factory=dict)  # file column -> canonical
    unused: tuple[str, ...] = ()  # file columns that nothing reads (yet)
    # Facts of this file the year already holds (scoring.imports: a ContentReport).
    overlap: ContentReport | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Reject(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems
        # ParsedFile fields a refused file still carries (``_Refuse``: the column mapping).
        self.extra: dict[str, Any] = {}


# -- normalisation --------------------------------------------------------------------------


def _norm(value: object) -> str:
    """Full-width to half-width (NFKC), no spaces of any kind."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


# Survey tools number their questions: 1、 Q1. (1) 第1题 (after NFKC folding).
_QUESTION_NUMBER = re.compile(r"^(?:第\d+题|[Qq]\d+|\(\d+\)|\d+(?=[、.:)]))[、.:)]*")
IGNORE = "-"  # a mapping target: the user says this column is not to be imported
IGNORE_WORDS = ("-", "不导入", "忽略")


def question_text(value: object) -> str:
    """A header as matched: normalised, without *, (必填) or a question number.

    >>> [question_text(h) for h in ("1、您的身份", "Q3. 工作作风", "（2）工作效率", "第4题效率")]
    ['您的身份', '工作作风', '工作效率', '效率']
    """
    h = _norm(value).strip("*＊").replace("(必填)", "").replace("(选填)", "")
    return _QUESTION_NUMBER.sub("", h, count=1) or h


_header = question_text


def header_signature(headers: Iterable[str]) -> str:
    """A short key for a header row (its normalised texts in order), for saved mappings."""
    text = "\x1f".join(question_text(h) for h in headers)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _number(text: str) -> float | None:
    """A plain number (an optional 分 after it). ``8,5``, ``1,200`` and ``8_5`` are not
    numbers here: a comma may be a decimal or a thousands separator, and Python's float
    would read ``8_5`` as 85; the cell is refused instead (see ``_not_number``)."""
    t = _norm(text)
    if t.endswith("分"):
        t = t[:-1]
    if not _NUMBER.match(t):
        return None
    v = float(t)
    return v if np.isfinite(v) else None


def _not_number(text: str, expected: str) -> str:
    """Why a cell is not a number, in words that say what to write instead."""
    t = _norm(text)
    if "," in t:
        return (
            f"{expected}；数字中有逗号，系统不猜测它是小数点还是千位分隔符："
            "小数请写小数点（如 8.5），千位不要加分隔符（如 1200）"
        )
    if "_" in t:
        return f"{expected}；数字中有下划线，请写成普通数字（如 8.5 或 85）"
    return expected


# -- column specs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    dynamic: bool = False  # one of a wide layout's scheme-named columns (min_dynamic)


@dataclass(frozen=True)
class Layout:
    """One way a source's sheet may look (long/wide, votes/tally)."""

    source: str
    name: str
    columns: tuple[Column, ...]
    min_dynamic: int = 0  # for wide layouts: how many scheme-named columns at least
    forbidden: tuple[str, ...] = ()  # headers that mean another layout
    two_row_header: bool = False  # item names over answer names (a contractor's 测评结果)


# Columns survey tools add to every response (问卷星 下载答卷数据, xiaoju-survey 回收数据):
# kept with the ballot for the data-quality checks, never shown as results.
SURVEY_META = (
    Column("提交时间", "submitted", ("提交答卷时间", "答题时间", "提交日期", "填写时间"), False),
    Column(
        "答题用时", "duration", ("所用时间", "答题耗时(秒)", "答题耗时", "答题时长", "用时"), False
    ),
    Column("答卷来源", "origin", ("来源", "来源渠道"), False),
    Column("来源详情", "origin_detail", (), False),
    Column("IP地址", "ip", ("来自IP", "IP", "填写IP", "IP来源"), False),
)
# Figures a contractor computes that the scheme computes again: read past, said so.
COMPUTED = ("得分", "综合得分", "总得分", "总分", "排名", "名次", "满意率", "综合满意率")
SKIPPED_ANSWERS = ("(跳过)", "跳过", "N/A", "n/a", "NA", "未作答")


def _known(*names: str) -> tuple[Column, ...]:
    """Columns read past without a word (row numbers, a person's post)."""
    return tuple(Column(n, "ignored", (), False) for n in names)


def layouts(scheme: Scheme) -> list[Layout]:
    return [*_core_layouts(scheme), SPECIAL_LAYOUT]


def _core_layouts(scheme: Scheme) -> list[Layout]:
    unit_alias = ("单位名称",)
    answers = (*scheme.appraisal_points, *scheme.appraisal_unknown)
    appraisal_unit = ("评议对象", "单位名称", "评议单位", "被评议单位", "单位", "被测评单位")
    category_alias = ("类别", "评议人身份", "身份", "您的身份")
    not_indicators = tuple(i for i in scheme.items if i not in scheme.indicators)
    return [
        Layout(
            "units",
            "单位名录",
            (
                Column("单位名称", "name", ("名称", "单位")),
                Column("简称", "aliases", ("别名",), False),
                Column("类型", "unit_type", ("对象类型",)),
                Column("上级单位", "parent", ("所属单位",), False),
                Column("考核类别", "text", ("类别", "分组"), False),
                Column("前身", "aliases", ("原名称",), False),
                Column("状态", "text", (), False),
            ),
        ),
        Layout(
            "appraisal",
            "万人评议问卷",
            (
                # Without an id (xiaoju-survey) ids are derived from the content.
                Column("问卷编号", "ballot", ("编号", "序号", "答卷编号", "答卷序号"), False),
                Column("被评单位", "unit", appraisal_unit),
                Column("评议人类别", "category", category_alias),
                *(Column(item, "answer") for item in scheme.items),
                Column("意见建议", "comment", ("意见", "您的意见建议", "意见和建议"), False),
                *SURVEY_META,
            ),
            forbidden=("评议项目",),
        ),
        Layout(
            "appraisal-tally",
            "万人评议汇总",
            (
                Column("被评单位", "unit", appraisal_unit),
                Column("评议人类别", "category", category_alias),
                Column("评议项目", "item", ("项目",)),
                *(Column(a, "count") for a in answers),
            ),
        ),
        Layout(
            "appraisal-tally",
            "万人评议汇总（宽表，两行表头）",
            (
                Column("被评单位", "unit", appraisal_unit),
                Column("评议人类别", "category", category_alias, False),
                *(
                    Column(f"{item}|{a}", "count", (), False, True)
                    for item in scheme.items
                    for a in answers
                ),
                *(Column(f"{item}|得分", "ignored", (), False) for item in scheme.items),
                *_known("序号", *COMPUTED),
            ),
            min_dynamic=1,
            two_row_header=True,
        ),
        Layout(
            "appraisal-scores",
            "万人评议分项得分汇总",
            (
                Column("被评单位", "unit", appraisal_unit),
                Column("评议人类别", "category", category_alias, False),
                *(Column(item, "item_score", (), False, True) for item in scheme.items),
                Column(
                    "有效票数", "ballots", ("有效问卷数", "有效票", "票数", "有效样本数", "样本量")
                ),
                Column("综合得分", "overall", ("总得分", "总分"), False),
                *_known("序号", "排名", "名次"),
            ),
            min_dynamic=1,
            forbidden=("评议项目", *answers),
        ),
        Layout(
            "performance",
            "绩效考核（长表）",
            (
                Column("考核对象", "unit", unit_alias),
                Column("指标", "indicator", ("考核指标",)),
                Column("得分", "score", ("分数",)),
                Column("满分", "max", (), False),
                Column("考核人", "text", ("评分人",), False),
                Column("考核月份", "month", ("月份",), False),
            ),
        ),
        Layout(
            "performance",
            "绩效考核（宽表）",
            (
                Column("考核对象", "unit", unit_alias),
                *(Column(ind, "score", (), False, True) for ind in scheme.indicators),
                Column("考核人", "text", ("评分人",), False),
                Column("考核月份", "month", ("月份",), False),
            ),
            min_dynamic=1,
            # 万人评议 items, 票数 or 综合得分 mean an item-score summary, never 绩效考核.
            forbidden=(
                "指标",
                "考核指标",
                "综合得分",
                "有效票数",
                "有效问卷数",
                "票数",
                *not_indicators,
            ),
        ),
        Layout(
            "integrity",
            "勤廉测评（逐票）",
            (
                Column("测评对象", "unit", ("姓名", "对象")),
                Column("测评人类别", "text", ("类别", "测评范围"), False),
                Column("测评结果", "result", ("评价",)),
            ),
        ),
        Layout(
            "integrity",
            "勤廉测评（汇总/民主测评）",
            (
                Column("测评对象", "unit", ("姓名", "对象", "被测评人")),
                Column("测评人类别", "text", ("类别", "测评范围"), False),
                Column("应到人数", "expected", ("应到", "应参加人数"), False),
                Column("实到人数", "present", ("实到", "实参加人数", "参加人数"), False),
                *(Column(r, "count", (f"{r}票数", f"{r}票")) for r in scheme.integrity_points),
                Column(
                    f"{scheme.integrity_excellent}率",
                    "rate_excellent",
                    (f"{scheme.integrity_excellent}票率",),
                    False,
                ),
                Column("称职及以上率", "rate_fit", ("称职以上率", "称职率"), False),
                *_known("序号", "职务", "备注"),
            ),
        ),
        Layout(
            "adjustments",
            "加减分",
            (
                Column("对象", "unit", ("单位名称", "考核对象")),
                Column("事由", "text_required", ("原因",)),
                Column("分值", "points", ("分数", "加减分")),
                Column("来源", "adj_source", ()),
                Column("日期", "date", ("时间",), False),
                Column("依据", "text", ("文号",), False),
            ),
        ),
    ]


def _match(layout: Layout, headers: Sequence[str]) -> tuple[dict[int, Column], list[str]]:
    """Map header positions to the layout's columns; return (mapping, missing names)."""
    mapping: dict[int, Column] = {}
    taken: set[str] = set()
    for pass_aliases in (False, True):  # canonical names first, then aliases
        for i, h in enumerate(headers):
            if not h or i in mapping:
                continue
            for col in layout.columns:
                if col.name in taken:
                    continue
                if (h == col.name) if not pass_aliases else (h in col.aliases):
                    mapping[i] = col
                    taken.add(col.name)
                    break
    missing = [c.name for c in layout.columns if c.required and c.name not in taken]
    if layout.min_dynamic:
        dynamic = [c for c in layout.columns if c.dynamic]
        if sum(c.name in taken for c in dynamic) < layout.min_dynamic:
            names = list(dict.fromkeys(c.name.split("|")[0] for c in dynamic))
            missing.append("至少一个评分列（" + "、".join(names) + "）")
    if any(h in layout.forbidden for h in headers):
        missing.append(
            "（表头含「"
            + "、".join(f for f in layout.forbidden if f in headers)
            + "」，不是这种格式）"
        )
    return mapping, missing


# -- reading --------------------------------------------------------------------------------


@dataclass
class _Sheet:
    name: str | None
    table: pa.Table  # every column as text, row i = sheet row i + 1
    col_offset: int
    skip: str | None = None  # why this sheet is not read as data (hidden, an example)


def _check_container(name: str, data: bytes) -> None:
    lower = name.lower()
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Reject(
            [
                Problem(
                    name,
                    f"文件大小 {len(data) / 1048576:.1f} MB 超过上限 "
                    f"{MAX_UPLOAD_BYTES // 1048576} MB；请按年度、单位或来源拆分后"
                    "分别上传",
                )
            ]
        )
    if not data:
        raise _Reject([Problem(name, "文件是空的（0 字节）")])
    if lower.endswith(".xls"):
        if data[:4] != b"\xd0\xcf\x11\xe0":  # every Excel 97-2003 file starts so (OLE2)
            raise _Reject(
                [
                    Problem(
                        name,
                        "文件不是有效的旧版 Excel（.xls）工作簿，可能已损坏或只是改了扩展名；"
                        "请用 Excel 打开后“另存为” Excel 工作簿（*.xlsx）再上传",
                    )
                ]
            )
    elif lower.endswith((".xlsx", ".xlsm")):
        if data[:4] == b"\xd0\xcf\x11\xe0":
            raise _Reject(
                [
                    Problem(
                        name,
                        "文件已设置打开密码（加密），或其实是旧版 .xls 文件；"
                        "请取消密码并另存为 .xlsx 后再上传",
                    )
                ]
            )
        if data[:2] != b"PK":
            raise _Reject(
                [Problem(name, "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或只是改了扩展名")]
            )
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                total = sum(i.file_size for i in z.infolist())
                names = set(z.namelist())
                strings = sum(
                    i.file_size
                    for i in z.infolist()
                    if i.filename.lower().endswith("sharedstrings.xml")
                )
        except zipfile.BadZipFile:
            raise _Reject(
                [Problem(name, "Excel 文件已损坏，无法打开；请重新导出后再上传")]
            ) from None
        if total > MAX_UNZIPPED_BYTES:
            raise _Reject(
                [
                    Problem(
                        name,
                        f"文件解压后达 {total / 1048576:.0f} MB，超过上限 "
                        f"{MAX_UNZIPPED_BYTES // 1048576} MB，疑似异常文件，已拒绝",
                    )
                ]
            )
        if strings > MAX_SHARED_STRINGS_BYTES:
            raise _Reject(
                [
                    Problem(
                        name,
                        f"文件的共享字符串表解压后达 {strings / 1048576:.0f} MB，"
                        "远超正常评分表，疑似异常文件，已拒绝",
                    )
                ]
            )
        if "xl/workbook.xml" not in names:
            raise _Reject(
                [Problem(name, "文件不是有效的 Excel 工作簿（缺少工作簿内容），可能已损坏")]
            )
    elif not lower.endswith(".csv"):
        raise _Reject(
            [Problem(name, "不支持的文件类型；请上传 Excel 工作簿（.xlsx 或 .xls）或 CSV 文件")]
        )


def _read_xlsx(name: str, data: bytes) -> list[_Sheet]:
    with _READERS:  # at most two workbooks in memory at once, whatever the visitors do
        return _read_xlsx_bounded(name, data)


def _read_xlsx_bounded(name: str, data: bytes) -> list[_Sheet]:
    import fastexcel

    try:
        kept: dict[str, tuple[str, list[bytes], int]] = {}
        if data[:2] == b"PK":  # a zipped workbook (.xlsx); an old .xls is not scanned
            data, kept = _bounded_xlsx(name, data)
        reader = fastexcel.read_excel(data)
        sheets = []
        for sheet_name in reader.sheet_names:
            if any(word in sheet_name for word in SKIPPED_SHEET_WORDS):
                sheets.append(_Sheet(sheet_name, pa.table({}), 0, "示例、说明或下拉选项工作表"))
                continue
            read = None
            if sheet_name in kept:  # a long sheet: its rows in parts, on every core
                member, xml, parts = kept.pop(sheet_name)
                read = sheet_parts.read_in_parts(
                    data, member, xml, parts, functools.partial(_load, sheet_name=sheet_name)
                )
                del xml
            table, offset, state = read or _load(reader, sheet_name)
            hidden = None if state == "visible" else "隐藏的工作表"
            sheets.append(_Sheet(sheet_name, table, offset, hidden))
        return sheets
    except _Reject:
        raise
    except Exception as exc:  # fastexcel raises its own types for every kind of bad file
        raise _Reject(
            [
                Problem(
                    name,
                    f"无法读取 Excel 文件（{type(exc).__name__}）；文件可能已损坏"
                    "或已加密，请用 Excel 打开后另存为 .xlsx 再上传",
                )
            ]
        ) from exc


def _load(source: Any, sheet_name: str) -> tuple[pa.RecordBatch, int, str]:
    """One sheet read by fastexcel with every cell as text, row i = sheet row i + 1:
    (the table, its first column's index, the sheet's visibility). ``source`` is the
    workbook's reader or, for a part of a long sheet, a workbook's bytes."""
    import fastexcel

    reader = fastexcel.read_excel(source) if isinstance(source, bytes) else source
    sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
    cols = sheet.available_columns()
    return sheet.to_arrow(), cols[0].absolute_index if cols else 0, sheet.visible


def _read_csv(name: str, data: bytes) -> list[_Sheet]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Reject([Problem(name, "CSV 文件的编码无法识别；请以 UTF-8 或 GBK 编码保存")])
    if "\x00" in text:
        raise _Reject([Problem(name, "文件不是文本格式的 CSV（含二进制内容）")])
    rows: list[list[str]] = []
    width = 0
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            rows.append(row)
            width = max(width, len(row))
            if width * len(rows) > MAX_SHEET_CELLS:
                raise _Reject(
                    [
                        Problem(
                            name,
                            f"数据超过 {MAX_SHEET_CELLS // 10000} 万个单元格的上限（已到 "
                            f"{len(rows)} 行 × {width} 列）；请拆分成几个文件后再上传",
                            row=reader.line_num,
                        )
                    ]
                )
    except csv.Error as exc:
        big = "field larger than field limit" in str(exc)
        raise _Reject(
            [
                Problem(
                    name,
                    f"有一个单元格超过 {MAX_CSV_FIELD // 1024} KB，不像评分表的内容"
                    "（可能是引号没有配对）；请检查后再上传"
                    if big
                    else "CSV 格式有误（可能是引号没有配对）；请用 Excel 打开后另存为 CSV 再上传",
                    row=reader.line_num,
                )
            ]
        ) from None
    del text
    _refuse_other_separators(name, rows)
    columns = [[(r[i] if i < len(r) and r[i] != "" else None) for r in rows] for i in range(width)]
    table = pa.table({f"c{i}": pa.array(c, pa.string()) for i, c in enumerate(columns)})
    return [_Sheet(None, table, 0)]


def _refuse_other_separators(name: str, rows: list[list[str]]) -> None:
    """A CSV written with semicolons or tabs (Excel in some regional settings) reads as
    one column: say so, rather than that the header is missing."""
    head = [r for r in rows[:HEADER_SCAN_ROWS] if any(c.strip() for c in r)]
    if not head or any(len(r) > 1 for r in head):
        return
    for sep, word in ((";", "分号（;）"), ("；", "全角分号（；）"), ("\t", "制表符（Tab）")):
        if any(sep in r[0] for r in head):
            raise _Reject(
                [
                    Problem(
                        name,
                        f"这个 CSV 文件用{word}分隔各列，系统需要逗号分隔；请在 Excel 中"
                        "“另存为” CSV UTF-8（逗号分隔）后再上传，或直接上传 .xlsx",
                    )
                ]
            )


# -- bounded reading: a sheet's real extent before the reader allocates it --------------------
#
# The Excel reader (calamine, under fastexcel) allocates the whole rectangle from A1 (or the
# first cell) to the farthest cell that holds a value: one blank-looking cell at XFD1048576
# in a 5 KB file asks for 17 billion cells. So each worksheet's XML is scanned first (as a
# stream, a few MB at a time): a quick pass bounds the rectangle from the cell addresses;
# only when that bound is too big does an exact pass look at the values, drop cells that
# hold only spaces (they carry no data) and refuse a sheet whose data really is too big.

MAX_SHEET_CELLS = 5_000_000  # rows x columns of one sheet's data (about 200 MB to read)
MAX_WORKBOOK_CELLS = 10_000_000  # all sheets of a file together
MAX_SHEETS = 100  # worksheets in one workbook
MAX_KEPT_XML_BYTES = 128 << 20  # long sheets' XML kept from the scan to read in parts
MAX_CSV_FIELD = 128 * 1024  # one CSV cell; Python's csv module refuses more with a traceback
MAX_SUGGESTED_NAMES = 50  # distinct unknown unit names that get a closest-name suggestion
_CHUNK = 8 * 1024 * 1024
_READERS = threading.BoundedSemaphore(2)  # files read at once in the app (memory: 2 x 200 MB)
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|row)[\s>/]")
# A cell tag with a name prefix, or not starting with its address (r="B12"): ...
_ODD = re.compile(rb'c(?:(?<=:c)|(?<=<c)(?! r="[A-Z]{1,3}[0-9]{1,7}"))[\s>/]')
# ... or one beyond column Z or row 99999 (the usual quick bound: 26 x 99,999 cells).
# Looked for as two patterns, each with a literal start (one pattern starting with a
# lookbehind or a class of two characters is 1.7-7x slower over 50 MB): a cell without
# a prefix that is not written the usual way, and any cell with a name prefix.
_UNUSUAL_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,5}")[\s>/]')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_LONG_COLS = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
_LONG_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{6,})"')
# Every pattern below is linear in the input: attributes stop at the next "<" or ">",
# values at the next "<", and a cell's content at the next cell or row (never ".*?" to a
# closing tag that a hostile file may leave out).
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_TAG = re.compile(rb"<" + _PREFIX + rb"(row|c)(?=[\s>/])([^<>]*?)(/?)>")
_CELL_END = re.compile(rb"</" + _PREFIX + rb"c>")
_ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([A-Za-z]*)([0-9]*)\s*["']""")
_ATTR_T = re.compile(rb"""(?:^|\s)t\s*=\s*["']([^"'<>]*)["']""")
_TEXT = re.compile(rb"<" + _PREFIX + rb"(?:v|t)(?=[\s>/])[^<>]*?(?:/>|>([^<]*))")
_SI_START = re.compile(rb"<" + _PREFIX + rb"si(?=[\s>/])")


def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


def _is_blank(raw: bytes | None) -> bool:
    """Whether a value's XML text is empty once entities are read and spaces removed."""
    if raw is None:
        return True
    text = raw.decode("utf-8", "replace")
    if "&" in text:
        text = html.unescape(text)
    return not re.sub(r"<[^>]*>", "", text).strip()


_INPUT = 1 << 20  # compressed bytes given to the inflater at a time


def _member_pieces(z: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """A zip member's bytes, unzipped in pieces of at most _CHUNK: deflated members
    through ISA-L from the archive's bytes, checked as zipfile checks them (the CRC of
    the bytes up to the recorded size), and refused (BadZipFile) when the data goes on
    past the size the directory records: the reader would read on where the scan did
    not look. An encrypted member or another method goes through zipfile as before."""
    info = z.getinfo(member)
    raw = _raw_member(z, info)
    if raw is None:
        with z.open(member) as f:
            while piece := f.read(_CHUNK):
                yield piece
        return
    left, crc = info.file_size, 0
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != left:
            raise zipfile.BadZipFile(f"{member}: stored size differs from the directory's")
        for at in range(0, left, _CHUNK):
            piece = raw[at : at + _CHUNK]
            crc = _inflate.crc32(piece, crc)
            yield piece
    else:
        inflater = _inflate.decompressobj(-15)
        at = 0
        while not inflater.eof:
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif at < len(raw):
                data, at = raw[at : at + _INPUT], at + _INPUT
            else:
                data = b""  # all given: what the inflater still holds (a long match's rest)
            piece = inflater.decompress(data, min(_CHUNK, left) if left else 1)
            if piece and not left:
                raise zipfile.BadZipFile(f"{member}: more data than the directory records")
            if piece:
                left -= len(piece)
                crc = _inflate.crc32(piece, crc)
                yield piece
            elif not data:
                break
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {member!r}")


def _raw_member(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A member's stored (compressed) bytes, read after its local header; None when it
    is encrypted, compressed another way than deflate, or its header is not where the
    directory says."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        return None
    fp = z.fp
    if fp is None:
        return None

    def read(at: int, n: int) -> bytes:
        fp.seek(at)
        return fp.read(n)

    found = sheet_parts.local_header(read, info)
    if found is None:
        return None
    return read(found[2], info.compress_size)


def _chunks(z: zipfile.ZipFile, member: str, cut: Callable[[bytes], int]) -> Iterator[bytes]:
    """A zip member's bytes in pieces of about _CHUNK, each ending where ``cut`` says."""
    tail = b""
    for chunk in _member_pieces(z, member):
        buf = tail + chunk
        at = cut(buf)
        if at <= 0:
            tail = buf  # one huge element: keep reading (the unzipped size is capped)
            continue
        yield buf[:at]
        tail = buf[at:]
    if tail:
        yield tail


def _before_last_cell(buf: bytes) -> int:
    """Cut before the last cell or row that starts in ``buf`` (so no cell is split)."""
    last = -1
    start = max(0, len(buf) - 65536)
    while last < 0:
        for m in _CELL_START.finditer(buf, start):
            last = m.start()
        if last >= 0 or start == 0:
            break
        start = 0
    return last


@dataclass
class _Extent:
    rows: int = 0
    cols: int = 0
    far: str = ""  # the address of the cell farthest out (for the message)
    blanks: bool = False  # cells holding only spaces were seen outside the data

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def _quick_extent(
    z: zipfile.ZipFile, member: str, keep: list[bytes] | None = None
) -> _Extent | None:
    """An upper bound of the rectangle, from cell addresses alone (one regular-expression
    pass in the usual case); None when the sheet is not written the usual way (a cell
    without its address first, a name prefix), which the exact pass then handles. The
    unzipped pieces are added to ``keep`` when it is given."""
    ext = _Extent()
    for buf, start, end in _tag_spans(z, member, keep):
        if buf.find(b'<c r="', start, end) >= 0:
            ext.rows, ext.cols = max(ext.rows, 99_999), max(ext.cols, 26)
        found = [
            m.start()
            for m in (_UNUSUAL_CELL.search(buf, start, end), _PREFIXED_CELL.search(buf, start, end))
            if m is not None
        ]
        if not found:
            continue
        # Every odd or long cell is at or after the first one: look from there only (a
        # sheet just past row 99,999 has its long rows at its very end).
        at = max(min(found), start)
        if _ODD.search(buf, at, end):
            return None
        cols = set(_LONG_COLS.findall(buf, at, end))
        if cols:
            ext.cols = max(ext.cols, *map(_col_number, cols))
        rows = _LONG_ROWS.findall(buf, at, end)
        if rows:
            ext.rows = max(ext.rows, *map(int, rows))
    return ext


def _tag_spans(
    z: zipfile.ZipFile, member: str, keep: list[bytes] | None = None
) -> Iterator[tuple[bytes, int, int]]:
    """A zip member's bytes as (buffer, start, end) spans that hold whole tags, about
    _CHUNK at a time without copying them: each piece read, from its first "<" to its
    last; and the tag cut at the end of a piece, joined with the start of the next one
    (a tag holds no "<", so it ends before the next one starts). Each piece is also
    added to ``keep`` when it is given."""
    tail = b""
    for piece in _member_pieces(z, member):
        if keep is not None:
            keep.append(piece)
        first = piece.find(b"<")
        if first < 0:
            tail += piece  # one element runs on (the unzipped size is capped)
            continue
        if tail or first:
            joint = tail + piece[:first]
            yield joint, 0, len(joint)
        last = piece.rfind(b"<")
        if last > first:
            yield piece, first, last
        tail = piece[last:]
    if tail:
        yield tail, 0, len(tail)


def _blank_strings(z: zipfile.ZipFile) -> set[int]:
    """Indexes of shared strings that hold only spaces."""
    members = [n for n in z.namelist() if n.lower().endswith("sharedstrings.xml")]
    if not members:
        return set()
    blank, index = set(), 0
    for buf in _chunks(z, members[0], lambda b: b.rfind(b"<si")):
        starts = [m.start() for m in _SI_START.finditer(buf)]
        for a, b in zip(starts, [*starts[1:], len(buf)], strict=True):
            if all(_is_blank(v) for v in _TEXT.findall(buf, a, b)):
                blank.add(index)
            index += 1
    return blank


def _cells(buf: bytes) -> Iterator[tuple[re.Match, bytes | None, int]]:
    """The row and cell tags of a piece of sheet XML, each cell with its content (None for
    an empty cell ``<c …/>``; a cell never closed counts as holding something) and where
    the cell ends."""
    tags = list(_TAG.finditer(buf))
    for k, m in enumerate(tags):
        stop = tags[k + 1].start() if k + 1 < len(tags) else len(buf)
        if m.group(1) == b"row" or m.group(3):
            yield m, None, m.end()
            continue
        end = _CELL_END.search(buf, m.end(), stop)
        if end is None:
            yield m, b"<v>?</v>", stop  # not closed: assume it holds a value
        else:
            yield m, buf[m.end() : end.start()], end.end()


def _blank_value(attrs: bytes, content: bytes, blank_strings: set[int]) -> tuple[bool, bool]:
    """(holds nothing but spaces, holds a value at all) for a cell's content."""
    t = _ATTR_T.search(attrs)
    values = _TEXT.findall(content)
    if t and t.group(1) == b"s":
        blank = all(
            _is_blank(v) or (v.strip().isdigit() and int(v) in blank_strings) for v in values
        )
    else:
        blank = all(_is_blank(v) for v in values)
    return blank, bool(values)


def _exact_extent(z: zipfile.ZipFile, member: str, blank_strings: set[int]) -> _Extent:
    """The rectangle of cells that hold something other than spaces (value by value)."""
    ext = _Extent()
    row, col = 0, 0
    far_row, far_col = (0, 0), (0, 0)
    for buf in _chunks(z, member, _before_last_cell):
        for m, content, _ in _cells(buf):
            r = _ATTR_R.search(m.group(2))
            if m.group(1) == b"row":
                row = int(r.group(2)) if r and r.group(2) else row + 1
                col = 0
                continue
            if r and r.group(1):
                col = _col_number(r.group(1))
                row = int(r.group(2)) if r.group(2) else row
            else:
                col += 1
            if content is None:
                continue
            blank, valued = _blank_value(m.group(2), content, blank_strings)
            if blank:
                ext.blanks = ext.blanks or valued
                continue
            if row > ext.rows:
                ext.rows, far_row = row, (row, col)
            if col > ext.cols:
                ext.cols, far_col = col, (row, col)
    ext.far = "、".join(
        dict.fromkeys(f"{_letter(c - 1)}{r}" for r, c in (far_row, far_col) if r and c)
    )
    return ext


def _drop_blank_cells(z: zipfile.ZipFile, member: str, blank_strings: set[int]) -> bytes:
    """The sheet's XML with every cell that holds only spaces made empty (kept in place,
    so cells written without an address keep their position)."""
    out = []
    for buf in _chunks(z, member, _before_last_cell):
        done = 0
        for m, content, end in _cells(buf):
            if m.group(1) == b"row" or content is None:
                continue
            if _blank_value(m.group(2), content, blank_strings)[0]:
                attrs = _ATTR_T.sub(b"", m.group(2))
                out += [buf[done : m.start(2)], attrs, b"/>"]
                done = end
        out.append(buf[done:])
    return b"".join(out)


def _worksheets(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from the workbook and its relationships."""
    names = set(z.namelist())

    def small(member: str) -> str:
        info = z.getinfo(member)
        return z.read(member).decode("utf-8", "replace") if info.file_size < 4 << 20 else ""

    sheets = re.findall(r"<(?:\w+:)?sheet\b([^<>]*)>", small("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = small(rels_name) if rels_name in names else ""
    targets = {}
    for attrs in re.findall(r"<(?:\w+:)?Relationship\b([^<>]*)>", rels):
        rid = re.search(r'\bId\s*=\s*["\']([^"\']*)', attrs)
        target = re.search(r'\bTarget\s*=\s*["\']([^"\']*)', attrs)
        if rid and target:
            path = target.group(1)
            path = path.lstrip("/") if path.startswith("/") else "xl/" + path
            targets[rid.group(1)] = re.sub(r"[^/]+/\.\./", "", path)
    out = {}
    for attrs in sheets:
        name = re.search(r'\bname\s*=\s*["\']([^"\']*)', attrs)
        rid = re.search(r'\b\w+:id\s*=\s*["\']([^"\']*)', attrs)
        if name and rid and targets.get(rid.group(1)) in names:
            out[targets[rid.group(1)]] = html.unescape(name.group(1))
    for member in names:  # any other part that looks like a worksheet is checked too
        if member.lower().startswith("xl/worksheets/") and member.lower().endswith(".xml"):
            out.setdefault(member, member.rsplit("/", 1)[-1])
    return out


def _too_big(name: str, sheet: str, ext: _Extent) -> _Reject:
    return _Reject(
        [
            Problem(
                name,
                f"数据区域一直延伸到 {ext.far} 单元格（{ext.rows} 行 × {ext.cols} 列），"
                f"超过每个工作表 {MAX_SHEET_CELLS // 10000} 万个单元格的上限；"
                "请删除远处多余的内容（或按单位、来源拆分）后再上传",
                sheet,
            )
        ]
    )


def _bounded_xlsx(name: str, data: bytes) -> tuple[bytes, dict[str, tuple[str, list[bytes], int]]]:
    """The workbook, safe to give the reader: every sheet's data within the limits (else a
    refusal naming the sheet and its farthest cell), cells holding only spaces emptied where
    they would stretch a sheet. Usually the very same bytes, after one quick pass. With
    them, the unzipped XML of each long sheet the quick pass took as it is (sheet name ->
    (member, pieces, how many parts)), for reading it in parts (``sheet_parts``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = _worksheets(z)
        if len(sheets) > MAX_SHEETS:
            raise _Reject(
                [
                    Problem(
                        name,
                        f"工作簿有 {len(sheets)} 个工作表，超过上限 {MAX_SHEETS} 个；"
                        "请只保留评分表所在的工作表后再上传",
                    )
                ]
            )
        pieces: dict[str, list[bytes]] = {}
        parts: dict[str, int] = {}
        room = MAX_KEPT_XML_BYTES
        for m in sheets:
            size = z.getinfo(m).file_size
            parts[m] = sheet_parts.parts_for(size)
            if parts[m] > 1 and size <= room:
                pieces[m], room = [], room - size
        quick = {m: _quick_extent(z, m, pieces.get(m)) for m in sheets}
        exact = sum(e.cells for e in quick.values() if e) > MAX_WORKBOOK_CELLS
        blank_strings: set[int] | None = None
        changed: dict[str, bytes] = {}
        total = 0
        for member, sheet in sheets.items():
            ext = quick[member]
            if exact or ext is None or ext.cells > MAX_SHEET_CELLS:
                if blank_strings is None:
                    blank_strings = _blank_strings(z)
                ext = _exact_extent(z, member, blank_strings)
                if ext.cells > MAX_SHEET_CELLS:
                    raise _too_big(name, sheet, ext)
                if ext.blanks:
                    changed[member] = _drop_blank_cells(z, member, blank_strings)
            total += ext.cells
            if total > MAX_WORKBOOK_CELLS:
                raise _Reject(
                    [
                        Problem(
                            name,
                            f"各工作表的数据区域合计超过 {MAX_WORKBOOK_CELLS // 10000} 万个单元格"
                            "的上限；请按单位或来源拆分成几个文件后再上传",
                            sheet,
                        )
                    ]
                )
        kept = {
            sheets[m]: (m, xml, parts[m])
            for m, xml in pieces.items()
            if quick[m] is not None and not exact and m not in changed
        }
        if not changed:
            return data, kept
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in z.infolist():
                dst.writestr(item.filename, changed.get(item.filename) or z.read(item.filename))
        return out.getvalue(), {}


# -- per-kind cell checks (on distinct values) ---------------------------------------------


@dataclass
class _Ctx:
    file: str
    sheet: str | None
    scheme: Scheme
    registry: Registry
    problems: list[Problem]
    limit: int = 2000
    sheet_index: int = 0
    category: str | None = None  # the 评议人类别 the user named for a tally without one
    notes: list[str] = field(default_factory=list)
    body: pa.Table | None = None  # the sheet's data rows, every cell as text


def _check_values(
    ctx: _Ctx,
    column: pa.ChunkedArray | pa.Array,
    header: str,
    letter: str,
    row_numbers: np.ndarray,
    convert: Callable[[str], tuple[object, str | None]],
    *,
    required: bool,
    blank: object = None,
    blank_error: str = "不能为空",
    as_codes: bool = False,
) -> pa.Array:
    """Convert a text column through its distinct values; record a problem per bad cell.

    ``convert`` returns (value, error); error None means fine. ``as_codes`` (text values
    only) returns the values dictionary-encoded, each distinct value once (the store
    takes the codes as they are instead of encoding 100,000s of strings again)."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniques = encoded.dictionary.to_pylist()
    nulls = encoded.is_null().to_numpy(zero_copy_only=False)
    idx = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    converted: list[object] = []
    errors: dict[int, str] = {}
    for i, u in enumerate(uniques):
        if _norm(u) == "":
            if required:
                errors[i] = blank_error
            converted.append(blank)
            continue
        value, err = convert(u)
        converted.append(value)
        if err:
            errors[i] = err
    if required and nulls.any():
        for r in row_numbers[nulls][: ctx.limit]:
            ctx.problems.append(Problem(ctx.file, blank_error, ctx.sheet, int(r), header, letter))
    if errors:
        bad = np.isin(idx, list(errors)) & ~nulls
        rows_bad = int(bad.sum())
        if rows_bad > SUMMARY_FROM:  # many rows: first what they have in common, in a line
            _summarise(ctx, header, letter, [uniques[k] for k in sorted(errors)], rows_bad)
        for r, code in zip(row_numbers[bad][: ctx.limit], idx[bad][: ctx.limit], strict=True):
            ctx.problems.append(
                Problem(
                    ctx.file,
                    errors[int(code)],
                    ctx.sheet,
                    int(r),
                    header,
                    letter,
                    str(uniques[int(code)]),
                )
            )
    if as_codes:
        return _encoded([*converted, blank], np.where(nulls, len(converted), idx))
    dictionary = pa.array([*converted, blank])
    return dictionary.take(pa.array(np.where(nulls, len(converted), idx)))


SUMMARY_FROM = 20  # bad cells in a column beyond which one line sums them up first
SUMMARY_VALUES = 20  # distinct bad values that line names


def _summarise(ctx: _Ctx, header: str, letter: str, values: list, rows: int) -> None:
    """One line for a column with many bad cells: how many distinct values and rows,
    the values themselves (the 40 units a registry lacks, not 2,000 rows of the same
    message), and that the table below lists only the first rows."""
    named = "、".join(str(v) for v in values[:SUMMARY_VALUES])
    more = f" 等 {len(values):,} 个" if len(values) > SUMMARY_VALUES else ""
    listed = f"下表只列出前 {ctx.limit:,} 行" if rows > ctx.limit else "逐行列在下表"
    where = f"工作表「{ctx.sheet}」" if ctx.sheet else ""
    ctx.problems.insert(
        0,
        Problem(
            ctx.file,
            f"{where}「{header}」列（{letter} 列）有 {len(values):,} 个不同的值不符合要求，"
            f"共 {rows:,} 行（{listed}）：{named}{more}",
        ),
    )


def _encoded(values: list, idx: np.ndarray) -> pa.DictionaryArray:
    """``values[idx]`` as a dictionary array of text: each distinct value once in the
    dictionary (aliases and blanks map to the value they stand for), None as null."""
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    where = {v: k for k, v in enumerate(distinct)}
    remap = np.array([where.get(v, -1) if v is not None else -1 for v in values], dtype=np.int32)
    codes = remap[idx]
    missing = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32(), mask=missing if missing.any() else None),
        pa.array([str(v) for v in distinct], pa.string()),
    )


def _check_text(
    ctx: _Ctx,
    column,
    header: str,
    letter: str,
    row_numbers: np.ndarray,
    *,
    required: bool,
    ident: bool,
) -> pa.Array:
    """Free text or identifiers, where nearly every value differs: normalised in Arrow,
    not value by value. ``ident`` folds full-width forms and spaces (问卷编号)."""
    col = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if ident and not _plain_ids(col):
        col = pc.replace_substring_regex(pc.utf8_normalize(col, "NFKC"), r"\s+", "")
        col = pc.replace_substring_regex(col, r"^(\d+)\.0$", r"\1")
    else:
        col = pc.utf8_trim_whitespace(col)
    empty = pc.fill_null(pc.equal(col, ""), True)
    if required:
        for r in row_numbers[empty.to_numpy(zero_copy_only=False)][: ctx.limit]:
            ctx.problems.append(Problem(ctx.file, "不能为空", ctx.sheet, int(r), header, letter))
    return pc.if_else(empty, pa.scalar(None, pa.string()), col)


def _plain_ids(col: pa.Array) -> bool:
    """Identifiers the folding would leave as they are: ASCII (which NFKC keeps), no
    whitespace, none ending in ".0" (one pass each, a third of the folding's time)."""
    if pc.all(pc.string_is_ascii(col)).as_py() is False:
        return False
    return not pc.any(pc.match_substring_regex(col, r"\s|\.0$")).as_py()


def _closed(options: Mapping[str, str], what: str) -> Callable[[str], tuple[object, str | None]]:
    lookup = {_norm(k): v for k, v in options.items()}
    listing = "、".join(dict.fromkeys(options.values()))

    def convert(text: str) -> tuple[object, str | None]:
        v = lookup.get(_norm(text))
        return (v, None) if v is not None else (None, f"不是有效的{what}，应为：{listing}")

    return convert


class _HasRegistry(Protocol):
    """What the unit check needs of a context (``_Ctx``, or the case sheet's own)."""

    registry: Registry


def _unit_converter(ctx: _HasRegistry, allowed_types: Iterable[str] | None = None):
    allowed = tuple(allowed_types) if allowed_types else None
    suggested = [0]  # closest-name searches so far: bounded (MAX_SUGGESTED_NAMES)

    def convert(text: str) -> tuple[object, str | None]:
        unit = ctx.registry.resolve(text)
        if unit is None:
            suggested[0] += 1
            near = ctx.registry.closest(text) if suggested[0] <= MAX_SUGGESTED_NAMES else []
            hint = f"；最接近的已登记单位：{'、'.join(near)}" if near else ""
            return None, f"单位名录中没有这个单位{hint}（如为新单位，请先更新单位名录）"
        if allowed and ctx.registry.types.get(unit) not in allowed:
            return (
                None,
                f"「{unit}」的类型是{ctx.registry.types.get(unit)}，这里应为{'/'.join(allowed)}",
            )
        return unit, None

    return convert


def _score(text: str) -> tuple[object, str | None]:
    v = _number(text)
    if v is None:
        return None, _not_number(text, "应为数字")
    if v < 0:
        return v, "分数不能为负数"
    return v, None


def _signed(text: str) -> tuple[float | None, str | None]:
    v = _number(text)
    if v is None:
        return None, _not_number(text, "应为数字（减分写负数，如 -2）")
    return v, None


def _count(text: str) -> tuple[object, str | None]:
    v = _number(text)
    if v is None or v < 0 or v != int(v):
        return None, _not_number(text, "应为非负整数（人数或票数）")
    return int(v), None


def _month(text: str) -> tuple[object, str | None]:
    m = re.match(r"^(\d{4})\D{1,3}(\d{1,2})(\D|$)", _norm(text))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None, "应为年月，格式 YYYY-MM（如 2025-03）"
    return f"{m.group(1)}-{int(m.group(2)):02d}", None


def _date(text: str) -> tuple[dt.date | None, str | None]:
    m = re.match(r"^(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})", _norm(text))
    if m:
        try:
            return pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3))).date(), None
        except ValueError:
            pass
    return None, "应为日期，格式 YYYY-MM-DD（如 2025-03-15）"


def _text(text: str) -> tuple[object, str | None]:
    return str(text).strip(), None


def _ballot(text: str) -> tuple[object, str | None]:
    t = _norm(text)
    return (t[:-2] if t.endswith(".0") else t), None


# -- sheet -> facts -------------------------------------------------------------------------


def _data_rows(table: pa.Table, header_row: int) -> tuple[pa.Table, np.ndarray]:
    """Rows below the header minus blank rows and 合计/总计 rows; with their sheet row numbers."""
    body = table.slice(header_row + 1)
    n = body.num_rows
    numbers = np.arange(header_row + 2, header_row + 2 + n)
    if n == 0:
        return body, numbers
    blank = np.ones(n, dtype=bool)
    total = np.zeros(n, dtype=bool)
    for name in body.column_names:  # only rows blank so far are looked at further
        rows = np.flatnonzero(blank)
        if len(rows) == 0:
            break
        col = body[name] if len(rows) == n else body[name].take(pa.array(rows))
        stripped = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
        blank[rows] = pc.equal(stripped, "").to_numpy(zero_copy_only=False)
    last = sorted({m[-1] for m in TOTAL_MARKERS})
    for name in body.column_names[:3]:  # only cells with a marker's last character
        col = pc.fill_null(body[name], "")
        maybe = np.zeros(n, dtype=bool)
        for ch in last:
            maybe |= pc.match_substring(col, ch).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(maybe)
        if len(rows) == 0:
            continue
        stripped = pc.replace_substring_regex(col.take(pa.array(rows)), r"\s+", "")
        total[rows] |= pc.is_in(stripped, pa.array(TOTAL_MARKERS)).to_numpy(zero_copy_only=False)
    keep = ~(blank | total)
    kept = np.flatnonzero(keep)
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):  # one run (合计 at the end)
        return body.slice(kept[0], len(kept)), numbers[keep]
    return body.filter(pa.array(keep)), numbers[keep]


@dataclass
class _Match:
    """A layout matched at a header row (two rows for a merged item-over-answer header)."""

    row: int
    depth: int
    layout: Layout
    mapping: dict[int, Column]
    missing: list[str]
    raw: list[str]  # the file's header texts, as the user sees them
    unused: list[int]  # positions with a header and data below it that nothing reads

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def rank(self) -> tuple:
        return (self.complete, len(self.mapping), -len(self.missing), -len(self.unused))


def _answer_words(scheme: Scheme) -> set[str]:
    return {
        _norm(a)
        for a in (*scheme.appraisal_answers, *scheme.appraisal_aliases, *scheme.integrity_points)
    }


def _data_like(values: list[str], answers: set[str], registry: Registry) -> bool:
    """A row of answers (满意, 满意, 基本满意 …), unit names or numbers is data, never a
    header: a header names each column once."""
    seen = [v for v in values if v]
    if not seen:
        return True
    answer_cells = [v for v in seen if v in answers]
    if len(answer_cells) != len(set(answer_cells)):
        return True
    if any(registry.resolve(v) is not None for v in seen):
        return True
    numeric = sum(1 for v in seen if _number(v) is not None)
    return numeric >= 2 and numeric * 2 >= len(seen)


def _sub_header(values: list[str], answers: set[str]) -> bool:
    """The lower row of a two-row header: answer names (and 得分) under each item, and
    nothing else (the columns beside are merged down from the upper row)."""
    seen = [v for v in values if v]
    return len(seen) >= 2 and all(v in answers or v in COMPUTED for v in seen)


def _header_rows(sheet: _Sheet, scheme: Scheme, registry: Registry):
    """Candidate header rows: (row, depth, headers as matched, texts as shown, grouped):
    one row; two rows of items over answers (a tally); or two rows of group labels
    over column names (``grouped``, any layout)."""
    head = sheet.table.slice(0, HEADER_SCAN_ROWS + 1).to_pylist()
    rows = [[_header(v) for v in row.values()] for row in head]
    shown_rows = [["" if v is None else str(v).strip() for v in row.values()] for row in head]
    answers = _answer_words(scheme)
    out = []
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        values = rows[r]
        below = rows[r + 1] if r + 1 < len(rows) else []
        if below and _sub_header(below, answers) and not _data_like(values, answers, registry):
            top, shown_top, last, last_shown = [], [], "", ""
            for v, sv, b in zip(values, shown_rows[r], below, strict=False):
                if v:
                    last, last_shown = v, sv
                elif not b:
                    last, last_shown = "", ""
                top.append(last if b else v)
                shown_top.append(last_shown if b else sv)
            headers = [
                f"{t}|{b}" if b and t else (t or b) for t, b in zip(top, below, strict=False)
            ]
            shown = [
                f"{t}|{b}" if b and t else (t or b)
                for t, b in zip(shown_top, shown_rows[r + 1], strict=False)
            ]
            out.append((r, 2, headers, shown, False))
            continue
        if _data_like(values, answers, registry):
            continue
        out.append((r, 1, values, shown_rows[r], False))
        labelled_below = any(b and not v for v, b in zip(values, below, strict=False))
        if labelled_below and not _data_like(below, answers, registry):
            # Group labels above the names (「评议项目」 merged over the items, the columns
            # beside merged down): each column's lower text, else its upper.
            headers = [b or v for v, b in zip(values, below, strict=False)]
            shown = [b or v for v, b in zip(shown_rows[r], shown_rows[r + 1], strict=False)]
            out.append((r, 2, headers, shown, True))
    return out


def _user_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """The user's mapping keyed as headers are matched (question numbers stripped)."""
    out = {}
    for key, target in (mapping or {}).items():
        k = "|".join(question_text(p) for p in str(key).split("|"))
        t = _norm(target)
        out[k] = IGNORE if t in IGNORE_WORDS else t
    return out


def _last_rows(table: pa.Table) -> list[int]:
    """Per column, the index of its last non-empty cell (-1 when none)."""
    out = []
    for name in table.column_names:
        valid = pc.is_valid(table[name]).to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(valid)
        out.append(int(idx[-1]) if len(idx) else -1)
    return out


def _matches(
    sheet: _Sheet,
    candidates: list[Layout],
    scheme: Scheme,
    registry: Registry,
    user_map: dict[str, str],
) -> list[_Match]:
    """The best match of every candidate layout on this sheet."""
    last = _last_rows(sheet.table)
    best: dict[str, _Match] = {}
    for r, depth, headers, shown, grouped in _header_rows(sheet, scheme, registry):
        mapped = [user_map.get(h, h) for h in headers]
        ignored = {i for i, h in enumerate(mapped) if h == IGNORE}
        mapped = ["" if h == IGNORE else h for h in mapped]
        for layout in candidates:
            if depth == 2 and not grouped and not layout.two_row_header:
                continue
            mapping, missing = _match(layout, mapped)
            unused = [
                i
                for i, h in enumerate(headers)
                if h and i not in mapping and i not in ignored and last[i] >= r + depth
            ]
            m = _Match(r, depth, layout, mapping, missing, shown, unused)
            if layout.name not in best or m.rank > best[layout.name].rank:
                best[layout.name] = m
    return sorted(best.values(), key=lambda m: m.rank, reverse=True)


def _propose(match: _Match, sheet: _Sheet, scheme: Scheme, registry: Registry) -> dict[str, str]:
    """A proposed mapping for the columns nothing reads: by content first (a column of
    registered units is the unit column, one of evaluator categories the category), then
    by name (aliases contained in the header, then similarity). Only proposed, never used
    until the user confirms it."""
    taken = {c.name for c in match.mapping.values()}
    free = [c for c in match.layout.columns if c.name not in taken and c.kind != "ignored"]
    if not free:
        return {}
    body = sheet.table.slice(match.row + match.depth, 500)
    answers = _answer_words(scheme) | {_norm(a) for a in SKIPPED_ANSWERS}
    categories = {_norm(c) for c in scheme.categories}
    out: dict[str, str] = {}
    for pos in match.unused:
        header = question_text(match.raw[pos])
        values = [
            _norm(v) for v in body.column(pos).to_pylist() if v is not None and _norm(v) != ""
        ]
        distinct = set(values)
        kind = None
        if distinct:
            share = _share_of(distinct)
            if share(lambda v: registry.resolve(v) is not None) >= 0.8:
                kind = "unit"
            elif share(lambda v: v in categories) >= 0.8:
                kind = "category"
            elif share(lambda v: v in answers) >= 0.8:
                kind = "answer"
        pool = [c for c in free if kind is None or c.kind == kind]
        if not pool:
            continue
        choice = None
        if kind in ("unit", "category") or (len(pool) == 1 and kind is not None):
            choice = pool[0]
        if choice is None:
            contained = [c for c in pool if any(a and a in header for a in (c.name, *c.aliases))]
            if contained:
                choice = max(contained, key=lambda c: len(c.name))
        if choice is None:
            scored = [
                (
                    max(
                        difflib.SequenceMatcher(None, header, a).ratio()
                        for a in (c.name, *c.aliases)
                    ),
                    c,
                )
                for c in pool
            ]
            ratio, c = max(scored, key=lambda t: t[0])
            if ratio >= 0.6:
                choice = c
        if choice is not None:
            out[match.raw[pos]] = choice.name
            free.remove(choice)
    return out


def _share_of(distinct: set[str]) -> Callable[[Callable[[str], bool]], float]:
    def share(test: Callable[[str], bool]) -> float:
        return sum(1 for v in distinct if test(v)) / len(distinct)

    return share


def _choice(m: _Match) -> str:
    """One source a sheet fits, how to choose it and what it would leave unread."""
    s = m.layout.source
    how = "用「单位名录」导入" if s == "units" else f"--source {s}"
    left = "、".join(m.raw[i] for i in m.unused)
    return f"{SOURCE_NAMES[s]}（{how}" + (f"；未用的列：{left}" if left else "") + "）"


def _map_hint(proposal: Mapping[str, str]) -> str:
    pairs = "、".join(f"「{k}」→{v}" for k, v in proposal.items())
    flags = " ".join(f"--map '{k}={v}'" for k, v in proposal.items())
    return f"建议的列对应：{pairs}。请在上传页面核对并确认列对应，或在命令行加上 {flags}"


def _sheet_has_data(sheet: _Sheet) -> bool:
    return any(pc.any(pc.is_valid(c)).as_py() for c in sheet.table.columns)


def parse_file(
    name: str,
    data: bytes,
    *,
    scheme: Scheme,
    registry: Registry,
    source: str | None = None,
    mapping: Mapping[str, str] | None = None,
    category: str | None = None,
) -> ParsedFile:
    """Read and check one uploaded file; never raises for bad content (see ``problems``).

    ``mapping`` maps the file's column names to canonical ones (``-`` for "not to be
    imported"); ``category`` names the 评议人类别 of a tally that has no such column."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        return _parse(name, data, sha, scheme, registry, source, mapping, category)
    except _Reject as rej:
        return ParsedFile(
            name,
            source or "unknown",
            sha,
            0,
            (),
            {},
            pd.DataFrame(),
            tuple(rej.problems),
            **rej.extra,
        )


class _Refuse(_Reject):
    """A refusal that still tells the page which columns to map."""

    def __init__(self, problems: list[Problem], **extra: object):
        super().__init__(problems)
        self.extra = extra


def _mapping_info(match: _Match, sheet: _Sheet, scheme, registry) -> dict:
    return {
        "columns": tuple(match.raw),
        "signature": header_signature(match.raw),
        "layout": match.layout.name,
        "canonical": tuple(c.name for c in match.layout.columns if c.kind != "ignored"),
        "proposal": _propose(match, sheet, scheme, registry),
        "matched": {match.raw[p]: c.name for p, c in sorted(match.mapping.items())},
        "unused": tuple(match.raw[i] for i in match.unused),
    }


def _parse(name, data, sha, scheme, registry, source, mapping, category) -> ParsedFile:
    if source is not None and source not in SOURCES:
        raise _Reject([Problem(name, f"未知的数据来源「{source}」，应为：{'、'.join(SOURCES)}")])
    _check_container(name, data)
    sheets = _read_csv(name, data) if name.lower().endswith(".csv") else _read_xlsx(name, data)
    notes: list[str] = []
    for s in sheets:
        if s.skip and (s.table.num_rows == 0 or _sheet_has_data(s)):
            notes.append(f"工作表「{s.name}」未导入：{s.skip}")
    hidden = [s.name for s in sheets if s.skip == "隐藏的工作表" and _sheet_has_data(s)]
    sheets = [s for s in sheets if not s.skip and s.table.num_rows and s.table.num_columns]
    if not sheets:
        if hidden:
            raise _Reject(
                [
                    Problem(
                        name,
                        f"数据只在隐藏的工作表「{'、'.join(map(str, hidden))}」中；系统不导入隐藏的"
                        "工作表：请在 Excel 中取消隐藏（右键工作表标签 → 取消隐藏）后再上传",
                    )
                ]
            )
        raise _Reject([Problem(name, "工作簿是空的，没有任何数据")])
    every = layouts(scheme)
    candidates = [lay for lay in every if source is None or lay.source == source]
    user_map = _user_mapping(mapping)
    known = {c.name for lay in every for c in lay.columns}
    wrong = sorted(t for t in set(user_map.values()) if t != IGNORE and t not in known)
    if wrong:
        raise _Reject(
            [
                Problem(
                    name,
                    f"列对应中的标准列「{'、'.join(wrong)}」不存在；标准列名见 sheets 规范"
                    "（如 被评单位、评议人类别、问卷编号、各评议项目）",
                )
            ]
        )
    found: list[tuple[_Sheet, _Match]] = []
    nearest: tuple[_Sheet, _Match] | None = None
    for sheet in sheets:
        matches = _matches(sheet, candidates, scheme, registry, user_map)
        if not matches:
            if _sheet_has_data(sheet):
                notes.append(f"工作表「{sheet.name or 'CSV'}」未导入：找不到可识别的表头")
            continue
        complete = [m for m in matches if m.complete]
        if not complete:
            if nearest is None or matches[0].rank > nearest[1].rank:
                nearest = (sheet, matches[0])
            notes.append(
                f"工作表「{sheet.name or 'CSV'}」未导入：按「{matches[0].layout.name}」"
                f"格式缺少列 {'、'.join(matches[0].missing)}"
            )
            continue
        sources = list(dict.fromkeys(m.layout.source for m in complete))
        if len(sources) > 1:
            listing = "、".join(
                _choice(next(m for m in complete if m.layout.source == s)) for s in sources
            )
            raise _Refuse(
                [
                    Problem(
                        name,
                        f"这个工作表可按几种来源读取：{listing}；系统不替您选择，"
                        "请选择数据来源后再上传（命令行加 --source）",
                        sheet.name,
                    )
                ],
                candidates=tuple(sources),
            )
        found.append((sheet, complete[0]))
    if not found:
        if nearest is not None:
            sheet, m = nearest
            info = _mapping_info(m, sheet, scheme, registry)
            hint = _map_hint(info["proposal"]) if info["proposal"] else "请使用系统提供的模板"
            if m.layout.source == "appraisal-scores" and "有效票数" in m.missing:
                hint = (
                    "分项得分要按票数计入（每个单位的得分相当于多少张问卷），"
                    "请补上「有效票数」列（每个单位一个票数）；" + hint
                )
            raise _Refuse(
                [
                    Problem(
                        name,
                        f"表头不完整：按「{m.layout.name}」格式缺少列 {'、'.join(m.missing)}；"
                        + hint,
                        sheet.name,
                        m.row + 1,
                    )
                ],
                **info,
            )
        raise _Reject(
            [Problem(name, "找不到表头：前 30 行中没有可识别的列名；请使用系统提供的模板")]
        )
    chosen_source = found[0][1].layout.source
    for sheet, m in found[1:]:
        if m.layout.source != chosen_source:
            other = m.layout.source
            notes.append(
                f"工作表「{sheet.name}」未导入：它是{SOURCE_NAMES[other]}，本次按"
                f"{SOURCE_NAMES[chosen_source]}导入；请再上传一次此文件并选择数据来源"
                f"「{SOURCE_NAMES[other]}」（命令行 --source {other}）"
            )
    found = [f for f in found if f[1].layout.source == chosen_source]
    first_sheet, first = found[0]
    info = _mapping_info(first, first_sheet, scheme, registry)
    unused = [(sheet, m, i) for sheet, m in found for i in m.unused]
    if unused:
        listing = "、".join(
            f"「{m.raw[i]}」（{_letter(sheet.col_offset + i)} 列）" for sheet, m, i in unused[:20]
        )
        if source is None:
            raise _Refuse(
                [
                    Problem(
                        name,
                        f"可识别为「{first.layout.name}」（{SOURCE_NAMES[chosen_source]}），"
                        f"但这些列没有对应的标准列：{listing}。系统不会悄悄丢下它们："
                        "请在上传页面为它们选择对应的标准列或「不导入」"
                        "（命令行 --map '列名=标准列' 或 --map '列名=-'），"
                        f"或选定数据来源（命令行 --source {chosen_source}）后照此导入",
                        first_sheet.name,
                        first.row + 1,
                    )
                ],
                candidates=(chosen_source,),
                **info,
            )
        notes.append(f"未导入的列：{listing}")
    problems: list[Problem] = []
    parts: dict[str, list] = {}
    previews = []
    rows = 0
    for index, (sheet, m) in enumerate(found):
        ctx = _Ctx(
            name,
            sheet.name,
            scheme,
            registry,
            problems,
            sheet_index=index,
            category=category,
            notes=notes,
        )
        body, numbers = _data_rows(sheet.table, m.row + m.depth - 1)
        if chosen_source.startswith("appraisal"):
            body, numbers = _roster_rows(ctx, body, numbers, parts)
        ctx.body = body
        rows += body.num_rows
        cols = {}
        for pos, col in m.mapping.items():
            letter = _letter(sheet.col_offset + pos)
            cols[col.name] = (body.column(pos), letter, col)
        facts = _BUILDERS[m.layout.source](ctx, cols, numbers)
        for table, frame in facts.items():
            parts.setdefault(table, []).append(frame)
        previews.append(_preview(body, m.mapping, sheet.name))
        ignored = [
            m.raw[p] for p, c in m.mapping.items() if c.kind == "ignored" and c.name != "序号"
        ]
        if ignored:
            notes.append(
                f"工作表「{sheet.name or 'CSV'}」中这些列是承包方算出的结果，系统按方案重新计算，"
                f"未导入：{'、'.join(ignored)}"
            )
    if rows == 0:
        problems.append(Problem(name, "表头下面没有数据行"))
    merged = {
        t: (pa.concat_tables(v) if isinstance(v[0], pa.Table) else pd.concat(v))
        for t, v in parts.items()
    }
    if chosen_source == "appraisal" and len(found) > 1:  # repeats across sheets
        _check_duplicate_ballots(name, merged, problems)
    problems.sort(key=lambda p: (p.sheet or "", p.row or 0, len(p.letter or ""), p.letter or ""))
    return ParsedFile(
        name,
        chosen_source,
        sha,
        rows,
        tuple(f[0].name or "CSV" for f in found),
        merged,
        pd.concat(previews, ignore_index=True) if previews else pd.DataFrame(),
        tuple(problems),
        notes=tuple(dict.fromkeys(notes)),
        candidates=(chosen_source,),
        **info,
    )


_ROSTER = re.compile(
    r"发出(?:数|份数|问卷数?)?[:：]?(\d+).*?(?:收回|回收)(?:数|份数|问卷数?)?[:：]?(\d+)"
)


def _roster_rows(ctx: _Ctx, body: pa.Table, numbers: np.ndarray, parts: dict):
    """A footer such as ``发出数:120 收回数:114`` is the year's roster record, not a unit:
    kept as such (appraisal_roster) and taken out of the data rows."""
    if body.num_rows == 0:
        return body, numbers
    # A footer is written in the first cells of its row (often merged across): look there
    # first, and join a row's cells only for the few rows that hold 发出.
    hit = np.zeros(body.num_rows, dtype=bool)
    for name in body.column_names[:3]:
        found = pc.match_substring(pc.fill_null(body[name], ""), "发出")
        hit |= found.to_numpy(zero_copy_only=False)
    if not hit.any():
        return body, numbers
    rows = body.filter(pa.array(hit))
    joined = pc.binary_join_element_wise(
        *[pc.fill_null(rows[c], "") for c in rows.column_names], ""
    )
    found = []
    for r, text in zip(numbers[hit], joined.to_pylist(), strict=True):
        m = _ROSTER.search(_norm(text))
        if m is None:
            ctx.problems.append(
                Problem(
                    ctx.file,
                    "读不出发出数和收回数；应写成「发出数:120 收回数:114」",
                    ctx.sheet,
                    int(r),
                    value=text,
                )
            )
            continue
        issued, returned = int(m.group(1)), int(m.group(2))
        if returned > issued:
            ctx.problems.append(
                Problem(ctx.file, "收回数大于发出数", ctx.sheet, int(r), value=text)
            )
        found.append({"category": ctx.category, "issued": issued, "returned": returned})
        ctx.notes.append(
            f"工作表「{ctx.sheet or 'CSV'}」第 {int(r)} 行：发出 {issued} 份、收回 {returned} 份"
            f"（回收率 {returned / issued:.1%}），已记入本年度的发放回收记录"
            if issued
            else f"工作表「{ctx.sheet or 'CSV'}」第 {int(r)} 行：发出数为 0"
        )
    if found:
        parts.setdefault("appraisal_roster", []).append(pd.DataFrame(found))
    keep = ~hit
    return body.filter(pa.array(keep)), numbers[keep]


def _constant(value: str, n: int) -> pa.Array:
    """A text column holding one value (dictionary-encoded: no n copies of the string)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value]))


def _preview(body: pa.Table, mapping: dict[int, Column], sheet: str | None, n: int = 20):
    small = body.slice(0, n)
    frame = pd.DataFrame(
        {col.name: small.column(pos).to_pylist() for pos, col in sorted(mapping.items())}
    )
    if sheet:
        frame.insert(0, "工作表", sheet)
    return frame


def _col(ctx, cols, name, numbers, convert, required=True, **kw):
    if name not in cols:
        return None
    column, letter, _ = cols[name]
    if convert in (_text, _ballot):
        return _check_text(
            ctx, column, name, letter, numbers, required=required, ident=convert is _ballot
        )
    return _check_values(ctx, column, name, letter, numbers, convert, required=required, **kw)


def _category_convert(ctx: _Ctx):
    return _closed({c: c for c in ctx.scheme.categories}, "评议人类别")


def _answer_convert(ctx: _Ctx):
    options = {a: a for a in ctx.scheme.appraisal_answers}
    options.update(ctx.scheme.appraisal_aliases)
    if ctx.scheme.appraisal_unknown:  # a survey tool's skipped question: 不了解
        options.update({s: ctx.scheme.appraisal_unknown[0] for s in SKIPPED_ANSWERS})
    return _closed(options, "评议答案")


def _derived_ids(ctx: _Ctx, cols, numbers: np.ndarray) -> pa.Array:
    """问卷编号 for a file without any (xiaoju-survey): the submit time and a hash of the
    row's every cell, so the same ballots get the same ids when the file comes again;
    identical rows are told apart by their order (``…-2``)."""
    body = ctx.body
    assert body is not None  # set by the reader before any column is checked
    submitted = cols.get("提交时间")
    stamp = (
        [_norm(v) if v else "" for v in submitted[0].to_pylist()]
        if submitted is not None
        else [""] * len(numbers)
    )
    texts = zip(*[body.column(i).to_pylist() for i in range(body.num_columns)], strict=True)
    seen: dict[str, int] = {}
    ids = []
    for st, row in zip(stamp, texts, strict=True):
        digest = hashlib.sha256(
            "\x1f".join("" if v is None else _norm(v) for v in row).encode()
        ).hexdigest()[:12]
        key = (re.sub(r"\D", "", st)[:14] or "H") + "-" + digest
        seen[key] = seen.get(key, 0) + 1
        ids.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    ctx.notes.append(
        f"工作表「{ctx.sheet or 'CSV'}」没有问卷编号列：已按提交时间和答卷内容生成编号"
        "（同一批答卷再次导入时编号相同，会被识别为重复）"
    )
    return pa.array(ids, pa.string())


def _seconds(text: str) -> tuple[object, str | None]:
    """答题用时: 120, 120秒, 2分30秒, 00:02:30."""
    t = _norm(text)
    if (v := _number(t.removesuffix("秒"))) is not None:
        return v, None
    m = re.fullmatch(r"(?:(\d+)(?:小时|时))?(?:(\d+)分(?:钟)?)?(?:(\d+)秒)?", t)
    if m and any(m.groups()):
        h, mi, se = (int(g or 0) for g in m.groups())
        return h * 3600 + mi * 60 + se, None
    if m := re.fullmatch(r"(\d+):(\d{1,2}):(\d{1,2})|(\d+):(\d{1,2})", t):
        g = [int(x) for x in m.groups() if x is not None]
        return (g[0] * 3600 + g[1] * 60 + g[2]) if len(g) == 3 else g[0] * 60 + g[1], None
    return None, "应为答题用时（秒数，如 120、120秒、2分30秒）"


def _timestamp(text: str) -> tuple[object, str | None]:
    try:
        t = unicodedata.normalize("NFKC", str(text)).strip().replace("/", "-")
        return pd.Timestamp(t).to_pydatetime(), None
    except (ValueError, TypeError):
        return None, "应为提交时间（如 2025-11-03 09:15:22）"


def _meta(ctx: _Ctx, cols, numbers, ballot, unit) -> dict:
    """What a survey tool says about each response, for the data-quality checks."""
    if not any(k in cols for k in ("提交时间", "答题用时", "答卷来源", "来源详情", "IP地址")):
        return {}
    n = len(numbers)
    submitted = _col(ctx, cols, "提交时间", numbers, _timestamp, required=False)
    duration = _col(ctx, cols, "答题用时", numbers, _seconds, required=False)
    origin = _col(ctx, cols, "答卷来源", numbers, _text, required=False)
    detail = _col(ctx, cols, "来源详情", numbers, _text, required=False)
    ip = _col(ctx, cols, "IP地址", numbers, _text, required=False)
    if origin is not None and detail is not None:
        origin = pc.binary_join_element_wise(
            pc.fill_null(origin, ""), pc.fill_null(detail, ""), " "
        )
    elif detail is not None:
        origin = detail
    ip_text = None
    if ip is not None:  # 问卷星: 1.2.3.4(江苏-南京): the address, then where it is
        ip_text = pc.utf8_trim_whitespace(pc.replace_substring_regex(ip, r"\(.*$", ""))
    return {
        "appraisal_ballot_meta": pd.DataFrame(
            {
                "ballot": ballot.to_pylist(),
                "unit": unit.to_pylist(),
                "submitted_at": pd.to_datetime(
                    submitted.to_pylist() if submitted is not None else [None] * n
                ),
                "duration_s": pd.array(
                    duration.to_pylist() if duration is not None else [None] * n, dtype="Float64"
                ),
                "origin": origin.to_pylist() if origin is not None else [None] * n,
                "ip": ip_text.to_pylist() if ip_text is not None else [None] * n,
            }
        )
    }


UNIT_STATUS = {"撤销": "撤销", "在用": "在用", "正常": "在用"}


def _build_units(
    ctx: _Ctx, cols: Mapping[str, tuple[pa.ChunkedArray, str, Column]], numbers: np.ndarray
) -> dict[str, pd.DataFrame]:
    seen: dict[str, int] = {}
    names = _col(ctx, cols, "单位名称", numbers, lambda t: (str(t).strip(), None))
    for r, n in zip(numbers, names.to_pylist(), strict=True):
        if n in seen:
            ctx.problems.append(
                Problem(
                    ctx.file,
                    f"单位名称重复（第 {seen[n]} 行已有）",
                    ctx.sheet,
                    int(r),
                    "单位名称",
                    cols["单位名称"][1],
                    n,
                )
            )
        elif n:
            seen[n] = int(r)
    types = _col(ctx, cols, "类型", numbers, _closed({t: t for t in UNIT_TYPES}, "单位类型"))
    aliases = _col(
        ctx,
        cols,
        "简称",
        numbers,
        lambda t: ([a for a in re.split(r"[、,，;；]", _norm(t)) if a], None),
        required=False,
        blank=[],
    )
    parents = _col(ctx, cols, "上级单位", numbers, _text, required=False)
    groups = _col(ctx, cols, "考核类别", numbers, lambda t: (_norm(t), None), required=False)
    n = len(numbers)
    former = _col(
        ctx,
        cols,
        "前身",
        numbers,
        lambda t: ([a for a in re.split(r"[、,，;；]", _norm(t)) if a], None),
        required=False,
        blank=[],
    )
    status = _col(ctx, cols, "状态", numbers, _closed(UNIT_STATUS, "单位状态"), required=False)
    frame = pd.DataFrame(
        {
            "name": names.to_pylist(),
            "aliases": aliases.to_pylist() if aliases is not None else [[] for _ in range(n)],
            "type": types.to_pylist(),
            "parent": parents.to_pylist() if parents is not None else [None] * n,
            "group": groups.to_pylist() if groups is not None else [None] * n,
            "predecessors": former.to_pylist() if former is not None else [[] for _ in range(n)],
            "status": status.to_pylist() if status is not None else [None] * n,
        }
    )
    # Which optional columns the file has: an absent one leaves the field as it was
    # (scoring.registry); a present one's empty cell clears it, after the preview says so.
    frame.attrs["columns"] = sorted(cols)
    # Where each row is, for the registry's own checks (scoring.registry: 简称 clashes).
    frame.attrs["where"] = (
        ctx.sheet,
        [int(r) for r in numbers],
        {c: v[1] for c, v in cols.items()},
    )
    # A 上级单位 may be named by a 简称 declared in this very file.
    known_names = set(ctx.registry.names) | set(frame["name"])
    known_names |= {a for al in frame["aliases"] for a in (al or [])}
    letter = cols["上级单位"][1] if "上级单位" in cols else None
    for r, p in zip(numbers, frame["parent"], strict=True):
        if isinstance(p, str) and p and p not in known_names and ctx.registry.resolve(p) is None:
            ctx.problems.append(
                Problem(
                    ctx.file,
                    "上级单位既不在本表中，也不在单位名录中",
                    ctx.sheet,
                    int(r),
                    "上级单位",
                    letter,
                    p,
                )
            )
    return {"units": frame}


def _build_appraisal(ctx, cols, numbers):
    if "问卷编号" in cols:
        ballot = _col(ctx, cols, "问卷编号", numbers, _ballot)
        _check_repeated_ids(ctx, ballot, numbers, cols["问卷编号"][1])
    else:
        ballot = _derived_ids(ctx, cols, numbers)
    unit = _col(ctx, cols, "被评单位", numbers, _unit_converter(ctx), as_codes=True)
    category = _col(ctx, cols, "评议人类别", numbers, _category_convert(ctx), as_codes=True)
    answer = _answer_convert(ctx)
    unknown = ctx.scheme.appraisal_unknown[0] if ctx.scheme.appraisal_unknown else "不了解"
    # A ballot's place in the upload: sheet in the high bits, row below (a sheet has at
    # most 2^20 rows), for the store's ballot number; one array for every item (the
    # store sees that the items' rows are blocks over the same ballots).
    ballot_row = pa.array((ctx.sheet_index << 20) + numbers.astype(np.int64))
    pieces = []
    for item in ctx.scheme.items:
        values = _col(
            ctx, cols, item, numbers, answer, required=False, blank=unknown, as_codes=True
        )
        pieces.append(
            pa.table(
                {
                    "ballot": ballot,
                    "unit": unit,
                    "category": category,
                    "item": _constant(item, len(numbers)),
                    "answer": values,
                    "n": pa.array(np.ones(len(numbers), dtype=np.int32)),
                    "ballot_row": ballot_row,
                }
            )
        )
    facts = {"appraisal_answers": pa.concat_tables(pieces)}
    facts.update(_meta(ctx, cols, numbers, ballot, unit))
    comments = _col(ctx, cols, "意见建议", numbers, _text, required=False)
    if comments is not None:
        mask = pc.and_(pc.is_valid(comments), pc.not_equal(pc.fill_null(comments, ""), ""))
        facts["appraisal_comments"] = pa.table(
            {
                "ballot": ballot,
                "unit": unit,
                "category": category,
                "text": comments.cast(pa.string()),
            }
        ).filter(mask)
    return facts


def _named_category(ctx: _Ctx, cols, numbers) -> pa.Array | None:
    """The 评议人类别 column, else the one the user named (``--category``), else a problem."""
    if "评议人类别" in cols:
        return _col(ctx, cols, "评议人类别", numbers, _category_convert(ctx))
    cats = "、".join(ctx.scheme.categories)
    if ctx.category is None:
        ctx.problems.append(
            Problem(
                ctx.file,
                f"没有「评议人类别」列：请指明这份表的评议人类别（{cats}）——"
                "上传页面在「评议人类别」中选择，命令行加 --category 类别",
                ctx.sheet,
            )
        )
        return None
    if ctx.category not in ctx.scheme.categories:
        ctx.problems.append(
            Problem(ctx.file, f"指定的评议人类别不在方案中，应为：{cats}", value=ctx.category)
        )
        return None
    return _constant(ctx.category, len(numbers)).cast(pa.string())


def _build_tally(ctx, cols, numbers):
    unit = _col(ctx, cols, "被评单位", numbers, _unit_converter(ctx))
    category = _named_category(ctx, cols, numbers)
    if category is None:
        return {}
    n = len(numbers)
    pieces = []
    if "评议项目" in cols:
        item = _col(
            ctx, cols, "评议项目", numbers, _closed({i: i for i in ctx.scheme.items}, "评议项目")
        )
        cells = [(item, a, a) for a in ctx.scheme.appraisal_answers]
    else:  # wide: one column per item and answer under a two-row header
        cells = [
            (_constant(i, n).cast(pa.string()), a, f"{i}|{a}")
            for i in ctx.scheme.items
            for a in ctx.scheme.appraisal_answers
            if f"{i}|{a}" in cols
        ]
    for item, a, column in cells:
        counts = _col(ctx, cols, column, numbers, _count, required=False, blank=0)
        if counts is None:
            continue
        pieces.append(
            pa.table(
                {
                    "ballot": pa.nulls(n, pa.string()),
                    "unit": unit,
                    "category": category,
                    "item": item,
                    "answer": _constant(a, n),
                    "n": counts.cast(pa.int32()),
                }
            )
        )
    table = pa.concat_tables(pieces)
    return {"appraisal_answers": table.filter(pc.greater(table["n"], 0))}


def _score100(text: str) -> tuple[object, str | None]:
    v = _number(text)
    if v is None:
        return None, _not_number(text, "应为 0–100 的得分")
    if not 0 <= v <= 100:
        return None, "得分应在 0 到 100 之间"
    return v, None


def _build_scores(ctx, cols, numbers):
    """分项得分汇总: a contractor's score per unit and item over n ballots, with no answers.
    Stored as such (appraisal_item_scores); the engine enters each as n ballots of that
    mean score for the item. With no answers there is no variance, so no interval."""
    unit = _col(ctx, cols, "被评单位", numbers, _unit_converter(ctx))
    category = _named_category(ctx, cols, numbers)
    if category is None:
        return {}
    ballots = _col(ctx, cols, "有效票数", numbers, _count)
    frames = []
    for item in ctx.scheme.items:
        if item not in cols:
            continue
        score = _col(ctx, cols, item, numbers, _score100, required=False)
        frames.append(
            pd.DataFrame(
                {
                    "unit": unit.to_pylist(),
                    "category": category.to_pylist(),
                    "item": item,
                    "score": pd.array(score.to_pylist(), dtype="Float64"),
                    "ballots": pd.array(ballots.to_pylist(), dtype="Int64"),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["score"].notna() & frame["ballots"].notna() & (frame["ballots"] > 0)]
    if "综合得分" in cols:
        ctx.notes.append(
            f"工作表「{ctx.sheet or 'CSV'}」的综合得分未导入："
            "系统按方案的项目权重由分项得分重新计算"
        )
    ctx.notes.append(
        "分项得分汇总没有逐票答案：每个单位每个项目按「有效票数」张得分相同的票计入，"
        "因此无法计算置信区间，也不计入满意率"
    )
    return {"appraisal_item_scores": frame}


def _build_performance(ctx, cols, numbers):
    unit = _col(ctx, cols, "考核对象", numbers, _unit_converter(ctx))
    scorer = _col(ctx, cols, "考核人", numbers, _text, required=False)
    month = _col(ctx, cols, "考核月份", numbers, _month, required=False)
    n = len(numbers)
    none = pa.nulls(n, pa.string())
    if "指标" in cols:
        indicator = _col(
            ctx, cols, "指标", numbers, _closed({i: i for i in ctx.scheme.indicators}, "考核指标")
        )
        score = _col(ctx, cols, "得分", numbers, _score)
        full = _col(ctx, cols, "满分", numbers, _positive, required=False)
        frame = pd.DataFrame(
            {
                "unit": unit.to_pylist(),
                "indicator": indicator.to_pylist(),
                "score": pd.array(score.to_pylist(), dtype="Float64"),
                "max_score": pd.array(
                    full.to_pylist() if full is not None else [None] * n, dtype="Float64"
                ),
                "scorer": (scorer or none).to_pylist(),
                "month": (month or none).to_pylist(),
                "src_row": numbers,
                "src_letter": cols["得分"][1],
                "src_col": "得分",
            }
        )
    else:
        frames = []
        for ind in ctx.scheme.indicators:
            if ind not in cols:
                continue
            score = _col(ctx, cols, ind, numbers, _score, required=False)
            frames.append(
                pd.DataFrame(
                    {
                        "unit": unit.to_pylist(),
                        "indicator": ind,
                        "score": pd.array(score.to_pylist(), dtype="Float64"),
                        "max_score": pd.array([None] * n, dtype="Float64"),
                        "scorer": (scorer or none).to_pylist(),
                        "month": (month or none).to_pylist(),
                        "src_row": numbers,
                        "src_letter": cols[ind][1],
                        "src_col": ind,
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame = frame[frame["score"].notna()]
    _check_over_max(ctx, frame)
    return {"performance_scores": frame.drop(columns=["src_row", "src_letter", "src_col"])}


def _positive(text: str) -> tuple[object, str | None]:
    v = _number(text)
    if v is None or v <= 0:
        return None, _not_number(text, "满分应为大于 0 的数字")
    return v, None


def _check_over_max(ctx: _Ctx, frame: pd.DataFrame) -> None:
    """A score above its 满分 (the sheet's, else the scheme's) is an error."""
    default = frame["indicator"].map(
        lambda i: ctx.scheme.max_for(i) if isinstance(i, str) else np.nan
    )
    maxes = frame["max_score"].astype("Float64").fillna(default.astype("Float64"))
    over = (frame["score"] > maxes).fillna(False).astype(bool)
    for row, full in zip(
        frame[over].head(ctx.limit).itertuples(index=False),
        maxes[over].head(ctx.limit),
        strict=True,
    ):
        ctx.problems.append(
            Problem(
                ctx.file,
                f"得分超过满分 {full:g}",
                ctx.sheet,
                int(row.src_row),
                row.src_col,
                row.src_letter,
                f"{row.score:g}",
            )
        )


def _build_integrity(ctx, cols, numbers):
    unit = _col(ctx, cols, "测评对象", numbers, _unit_converter(ctx))
    category = _col(ctx, cols, "测评人类别", numbers, _text, required=False)
    n = len(numbers)
    category = category if category is not None else pa.nulls(n, pa.string())
    if "测评结果" in cols:
        result = _col(
            ctx,
            cols,
            "测评结果",
            numbers,
            _closed({r: r for r in ctx.scheme.integrity_points}, "测评结果"),
        )
        return {
            "integrity_votes": pa.table(
                {
                    "unit": unit,
                    "category": category.cast(pa.string()),
                    "result": result,
                    "n": pa.array(np.ones(n, dtype=np.int32)),
                }
            )
        }
    pieces = []
    tallies = {}
    for r in ctx.scheme.integrity_points:
        counts = _col(ctx, cols, r, numbers, _count, required=False, blank=0)
        if counts is None:
            continue
        tallies[r] = np.asarray(counts.to_pylist(), dtype=float)
        pieces.append(
            pa.table(
                {
                    "unit": unit,
                    "category": category.cast(pa.string()),
                    "result": _constant(r, n),
                    "n": counts.cast(pa.int32()),
                }
            )
        )
    table = pa.concat_tables(pieces)
    facts = {"integrity_votes": table.filter(pc.greater(table["n"], 0))}
    attendance = _check_attendance(ctx, cols, numbers, unit, tallies)
    if attendance is not None:
        facts["integrity_attendance"] = attendance.assign(category=category.to_pylist())
    return facts


def _rate(text: str) -> tuple[object, str | None]:
    """A rate as a fraction: 85%, 85.0%, 0.85 or 85."""
    t = _norm(text)
    v = _number(t.removesuffix("%"))
    if v is None:
        return None, _not_number(text, "应为百分比（如 85% 或 0.85）")
    v = v / 100 if t.endswith("%") or v > 1 else v
    return (v, None) if 0 <= v <= 1 else (None, "比率应在 0 到 100% 之间")


class _Where(TypedDict):
    """Where a ``Problem`` is: file, sheet and row, passed on as keywords."""

    file: str
    sheet: str | None
    row: int


def _check_attendance(ctx: _Ctx, cols, numbers, unit, tallies: dict) -> pd.DataFrame | None:
    """民主测评: 实到 ≤ 应到, votes ≤ 实到, a quorum (实到 more than half of 应到, flagged
    when not), and the given rates against the counts (of 实到 or of the votes cast)."""
    n = len(numbers)
    expected = _col(ctx, cols, "应到人数", numbers, _count, required=False)
    present = _col(ctx, cols, "实到人数", numbers, _count, required=False)
    exp = np.asarray(expected.to_pylist() if expected is not None else [None] * n, dtype=float)
    pre = np.asarray(present.to_pylist() if present is not None else [None] * n, dtype=float)
    votes = sum(tallies.values()) if tallies else np.zeros(n)
    units = unit.to_pylist()
    points = ctx.scheme.integrity_points
    fit_floor = points.get("称职", min(points.values()))
    rates = [
        (f"{ctx.scheme.integrity_excellent}率", [ctx.scheme.integrity_excellent]),
        ("称职及以上率", [r for r, p in points.items() if p >= fit_floor]),
    ]
    for i, r in enumerate(numbers):
        where: _Where = {"file": ctx.file, "sheet": ctx.sheet, "row": int(r)}
        if not np.isnan(exp[i]) and not np.isnan(pre[i]):
            if pre[i] > exp[i]:
                ctx.problems.append(
                    Problem(
                        expected=f"实到人数多于应到人数 {exp[i]:g}",
                        column="实到人数",
                        letter=cols["实到人数"][1],
                        value=f"{pre[i]:g}",
                        **where,
                    )
                )
            elif pre[i] * 2 <= exp[i]:
                ctx.notes.append(
                    f"第 {int(r)} 行「{units[i]}」：实到 {pre[i]:g} 人，未超过应到 {exp[i]:g} 人的"
                    "半数，测评可能无效（请核实；已导入，由效能办决定是否采用）"
                )
        if not np.isnan(pre[i]) and votes[i] > pre[i]:
            ctx.problems.append(
                Problem(
                    expected=f"各档票数合计 {votes[i]:g} 多于实到人数",
                    column="实到人数",
                    letter=cols["实到人数"][1],
                    value=f"{pre[i]:g}",
                    **where,
                )
            )
        for column, results in rates:
            if column not in cols:
                continue
            given, err = _rate(cols[column][0][i].as_py() or "")
            if cols[column][0][i].as_py() in (None, ""):
                continue
            if err:
                ctx.problems.append(
                    Problem(
                        expected=err,
                        column=column,
                        letter=cols[column][1],
                        value=str(cols[column][0][i].as_py()),
                        **where,
                    )
                )
                continue
            count = sum(tallies[x][i] for x in results if x in tallies)
            bases = [b for b in (pre[i], votes[i]) if not np.isnan(b) and b > 0]
            if bases and all(abs(count / b - given) > 0.006 for b in bases):
                shown = "、".join(f"{count:g}/{b:g} = {count / b:.1%}" for b in bases)
                ctx.problems.append(
                    Problem(
                        expected=f"与票数不符（按票数算：{shown}）；请核对票数或比率",
                        column=column,
                        letter=cols[column][1],
                        value=str(cols[column][0][i].as_py()),
                        **where,
                    )
                )
    if expected is None and present is None:
        return None
    return pd.DataFrame(
        {
            "unit": units,
            "expected": pd.array([None if np.isnan(x) else int(x) for x in exp], dtype="Int64"),
            "present": pd.array([None if np.isnan(x) else int(x) for x in pre], dtype="Int64"),
        }
    )


def _build_adjustments(ctx, cols, numbers):
    unit = _col(ctx, cols, "对象", numbers, _unit_converter(ctx))
    reason = _col(ctx, cols, "事由", numbers, _text)
    points = _col(ctx, cols, "分值", numbers, _signed)
    source = _col(
        ctx, cols, "来源", numbers, _closed({s: s for s in ctx.scheme.adjustment_sources}, "来源")
    )
    date = _col(ctx, cols, "日期", numbers, _date, required=False)
    basis = _col(ctx, cols, "依据", numbers, _text, required=False)
    n = len(numbers)
    return {
        "adjustments": pd.DataFrame(
            {
                "unit": unit.to_pylist(),
                "reason": reason.to_pylist(),
                "points": pd.array(points.to_pylist(), dtype="Float64"),
                "source": source.to_pylist(),
                "date": date.to_pylist() if date is not None else [None] * n,
                "basis": basis.to_pylist() if basis is not None else [None] * n,
            }
        )
    }


# -- 专项考评 (scheme helper; extra components the scheme weighs by 项目 name) ------------

SPECIAL_LAYOUT = Layout(
    "special",
    "专项考评",
    (
        Column("对象", "unit", ("考核对象", "单位名称")),
        Column("项目", "text_required", ("考评项目", "专项")),
        Column("得分", "score", ("分数",)),
        Column("满分", "max", (), False),
        Column("考核人", "text", ("评分人",), False),
    ),
    forbidden=("指标", "考核指标", "事由"),
)


def _build_special(ctx, cols, numbers):
    """专项考评 rows: 项目 must be a component the scheme weighs (composite.weights);
    满分 defaults to 100; a score above its 满分 is an error."""
    extras = ctx.scheme.extra_components
    unit = _col(ctx, cols, "对象", numbers, _unit_converter(ctx))
    what = (
        "专项考评项目" if extras else "专项考评项目（考评方案的综合得分权重中还没有专项考评项目）"
    )
    item = _col(ctx, cols, "项目", numbers, _closed({e: e for e in extras}, what))
    score = _col(ctx, cols, "得分", numbers, _score)
    full = _col(ctx, cols, "满分", numbers, _positive, required=False)
    scorer = _col(ctx, cols, "考核人", numbers, _text, required=False)
    n = len(numbers)
    frame = pd.DataFrame(
        {
            "unit": unit.to_pylist(),
            "item": item.to_pylist(),
            "score": pd.array(score.to_pylist(), dtype="Float64"),
            "max_score": pd.array(
                full.to_pylist() if full is not None else [None] * n, dtype="Float64"
            ),
            "scorer": scorer.to_pylist() if scorer is not None else [None] * n,
        }
    )
    over = (frame["score"] > frame["max_score"].fillna(100)).fillna(False).astype(bool)
    for r, value, top in zip(
        np.asarray(numbers)[over.to_numpy()][: ctx.limit],
        frame["score"][over].head(ctx.limit),
        frame["max_score"][over].fillna(100).head(ctx.limit),
        strict=False,
    ):
        ctx.problems.append(
            Problem(
                ctx.file,
                f"得分超过满分 {top:g}",
                ctx.sheet,
                int(r),
                "得分",
                cols["得分"][1],
                f"{value:g}",
            )
        )
    return {"special_scores": frame}


_BUILDERS = {
    "special": _build_special,
    "units": _build_units,
    "appraisal": _build_appraisal,
    "appraisal-tally": _build_tally,
    "appraisal-scores": _build_scores,
    "performance": _build_performance,
    "integrity": _build_integrity,
    "adjustments": _build_adjustments,
}


def _check_repeated_ids(ctx: _Ctx, ids: pa.Array, numbers: np.ndarray, letter: str) -> None:
    """A 问卷编号 seen twice in a sheet: each repeat names the row it repeats."""
    if len(pc.unique(ids)) == len(ids):  # the usual case, found without Python objects
        return
    series = pd.Series(ids.to_pylist(), dtype=object)
    repeat = (series.duplicated(keep="first") & series.notna()).to_numpy()
    if not repeat.any():
        return
    first = {
        v: int(r)
        for v, r in zip(
            series[~series.duplicated()], numbers[~series.duplicated().to_numpy()], strict=True
        )
    }
    for r, v in list(zip(numbers[repeat], series[repeat], strict=True))[: ctx.limit]:
        ctx.problems.append(
            Problem(
                ctx.file,
                f"问卷编号与第 {first[v]} 行重复（同一年度内问卷编号必须唯一）",
                ctx.sheet,
                int(r),
                "问卷编号",
                letter,
                str(v),
            )
        )


def _check_duplicate_ballots(name: str, facts: Mapping, problems: list[Problem]) -> None:
    answers = facts.get("appraisal_answers")
    if answers is None or answers.num_rows == 0:
        return
    first_item = answers["item"][0]
    ids = answers.filter(pc.equal(answers["item"], first_item))["ballot"]
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    dup = [v for v in repeated.field("values").to_pylist() if v]
    for d in dup[:200]:
        problems.append(
            Problem(
                name,
                "问卷编号在本文件的几个工作表中重复出现（同一年度内问卷编号必须唯一）",
                column="问卷编号",
                value=d,
            )
        )
    if len(dup) > 200:
        problems.append(Problem(name, f"另有 {len(dup) - 200} 个问卷编号在本文件中重复"))
