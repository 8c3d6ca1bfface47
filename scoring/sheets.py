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
import difflib
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.scheme import Scheme

__all__ = [
    "MAX_UPLOAD_BYTES",
    "SOURCES",
    "SOURCE_NAMES",
    "ParsedFile",
    "Problem",
    "Registry",
    "parse_file",
]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # a zip bomb stops here, before any XML is parsed
MAX_SHARED_STRINGS_BYTES = 100 * 1024 * 1024  # a real 20 MB sheet's strings are far smaller
HEADER_SCAN_ROWS = 30
UNIT_TYPES = ("部门", "科室", "窗口", "项目", "领导班子", "干部")
TOTAL_MARKERS = ("合计", "总计", "小计")
# Sheets that explain or illustrate (the templates' 填写示例, a 说明 page) hold no data.
SKIPPED_SHEET_WORDS = ("示例", "说明", "选项")
SOURCES = ("units", "appraisal", "appraisal-tally", "performance", "integrity", "adjustments")
SOURCE_NAMES = {
    "units": "单位名录",
    "appraisal": "万人评议（问卷）",
    "appraisal-tally": "万人评议（汇总）",
    "performance": "绩效考核",
    "integrity": "勤廉测评",
    "adjustments": "加减分",
}


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
        found = difflib.get_close_matches(_norm(value), list(self.aliases), n=n, cutoff=0.3)
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

    @property
    def ok(self) -> bool:
        return not self.problems


class _Reject(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


# -- normalisation --------------------------------------------------------------------------


def _norm(value: object) -> str:
    """Full-width to half-width (NFKC), no spaces of any kind."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _header(value: object) -> str:
    return _norm(value).strip("*＊").replace("(必填)", "").replace("(选填)", "")


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _number(text: str) -> float | None:
    t = _norm(text).replace(",", "")
    if t.endswith("分"):
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


# -- column specs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Layout:
    """One way a source's sheet may look (long/wide, votes/tally)."""

    source: str
    name: str
    columns: tuple[Column, ...]
    min_dynamic: int = 0  # for wide layouts: how many scheme-named columns at least
    forbidden: tuple[str, ...] = ()  # headers that mean another layout


def layouts(scheme: Scheme) -> list[Layout]:
    unit_alias = ("单位名称",)
    answers = (*scheme.appraisal_points, *scheme.appraisal_unknown)
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
            ),
        ),
        Layout(
            "appraisal",
            "万人评议问卷",
            (
                Column("问卷编号", "ballot", ("编号", "序号")),
                Column("被评单位", "unit", ("评议对象", *unit_alias)),
                Column("评议人类别", "category", ("类别", "评议人身份")),
                *(Column(item, "answer") for item in scheme.items),
                Column("意见建议", "comment", ("意见",), False),
            ),
            forbidden=("评议项目",),
        ),
        Layout(
            "appraisal-tally",
            "万人评议汇总",
            (
                Column("被评单位", "unit", ("评议对象", *unit_alias)),
                Column("评议人类别", "category", ("类别", "评议人身份")),
                Column("评议项目", "item", ("项目",)),
                *(Column(a, "count") for a in answers),
            ),
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
                *(Column(ind, "score", (), False) for ind in scheme.indicators),
                Column("考核人", "text", ("评分人",), False),
                Column("考核月份", "month", ("月份",), False),
            ),
            min_dynamic=1,
            forbidden=("指标", "考核指标"),
        ),
        Layout(
            "integrity",
            "勤廉测评（逐票）",
            (
                Column("测评对象", "unit", ("姓名", "对象")),
                Column("测评人类别", "text", ("类别",), False),
                Column("测评结果", "result", ("评价",)),
            ),
        ),
        Layout(
            "integrity",
            "勤廉测评（汇总）",
            (
                Column("测评对象", "unit", ("姓名", "对象")),
                Column("测评人类别", "text", ("类别",), False),
                *(Column(r, "count") for r in scheme.integrity_points),
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
        dynamic = [c for c in layout.columns if c.kind == "score" and not c.required]
        if sum(c.name in taken for c in dynamic) < layout.min_dynamic:
            missing.append("至少一个考核指标列（" + "、".join(c.name for c in dynamic) + "）")
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
        raise _Reject(
            [
                Problem(
                    name,
                    "这是旧版 Excel（.xls）文件，系统只接受 .xlsx 或 .csv；"
                    "请在 Excel 中“另存为” Excel 工作簿（*.xlsx）后再上传",
                )
            ]
        )
    if lower.endswith((".xlsx", ".xlsm")):
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
        raise _Reject([Problem(name, "不支持的文件类型；请上传 Excel 工作簿（.xlsx）或 CSV 文件")])


def _read_xlsx(name: str, data: bytes) -> list[_Sheet]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        sheets = []
        for sheet_name in reader.sheet_names:
            if any(word in sheet_name for word in SKIPPED_SHEET_WORDS):
                continue
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            if sheet.visible != "visible":
                continue
            cols = sheet.available_columns()
            offset = cols[0].absolute_index if cols else 0
            sheets.append(_Sheet(sheet_name, sheet.to_arrow(), offset))
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
    rows = list(csv.reader(io.StringIO(text)))
    width = max((len(r) for r in rows), default=0)
    columns = [[(r[i] if i < len(r) and r[i] != "" else None) for r in rows] for i in range(width)]
    table = pa.table({f"c{i}": pa.array(c, pa.string()) for i, c in enumerate(columns)})
    return [_Sheet(None, table, 0)]


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
) -> pa.Array:
    """Convert a text column through its distinct values; record a problem per bad cell.

    ``convert`` returns (value, error); error None means fine.
    """
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
    dictionary = pa.array([*converted, blank])
    return dictionary.take(pa.array(np.where(nulls, len(converted), idx)))


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
    if ident:
        col = pc.replace_substring_regex(pc.utf8_normalize(col, "NFKC"), r"\s+", "")
        col = pc.replace_substring_regex(col, r"^(\d+)\.0$", r"\1")
    else:
        col = pc.utf8_trim_whitespace(col)
    empty = pc.fill_null(pc.equal(col, ""), True)
    if required:
        for r in row_numbers[empty.to_numpy(zero_copy_only=False)][: ctx.limit]:
            ctx.problems.append(Problem(ctx.file, "不能为空", ctx.sheet, int(r), header, letter))
    return pc.if_else(empty, pa.scalar(None, pa.string()), col)


def _closed(options: Mapping[str, str], what: str) -> Callable[[str], tuple[object, str | None]]:
    lookup = {_norm(k): v for k, v in options.items()}
    listing = "、".join(dict.fromkeys(options.values()))

    def convert(text: str) -> tuple[object, str | None]:
        v = lookup.get(_norm(text))
        return (v, None) if v is not None else (None, f"不是有效的{what}，应为：{listing}")

    return convert


def _unit_converter(ctx: _Ctx, allowed_types: Iterable[str] | None = None):
    allowed = tuple(allowed_types) if allowed_types else None

    def convert(text: str) -> tuple[object, str | None]:
        unit = ctx.registry.resolve(text)
        if unit is None:
            near = ctx.registry.closest(text)
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
        return None, "应为数字"
    if v < 0:
        return v, "分数不能为负数"
    return v, None


def _signed(text: str) -> tuple[object, str | None]:
    v = _number(text)
    return (v, None) if v is not None else (None, "应为数字（减分写负数，如 -2）")


def _count(text: str) -> tuple[object, str | None]:
    v = _number(text)
    if v is None or v < 0 or v != int(v):
        return None, "应为非负整数（人数或票数）"
    return int(v), None


def _month(text: str) -> tuple[object, str | None]:
    m = re.match(r"^(\d{4})\D{1,3}(\d{1,2})(\D|$)", _norm(text))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None, "应为年月，格式 YYYY-MM（如 2025-03）"
    return f"{m.group(1)}-{int(m.group(2)):02d}", None


def _date(text: str) -> tuple[object, str | None]:
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
    for name in body.column_names:
        col = body[name]
        stripped = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
        blank &= pc.equal(stripped, "").to_numpy(zero_copy_only=False)
    for name in body.column_names[:3]:
        stripped = pc.replace_substring_regex(pc.fill_null(body[name], ""), r"\s+", "")
        total |= pc.is_in(stripped, pa.array(TOTAL_MARKERS)).to_numpy(zero_copy_only=False)
    keep = ~(blank | total)
    return body.filter(pa.array(keep)), numbers[keep]


def _find_header(ctx: _Ctx, sheet: _Sheet, candidates: list[Layout]):
    """The best (row, layout, mapping) in the first rows; None with the nearest miss."""
    head = sheet.table.slice(0, HEADER_SCAN_ROWS).to_pylist()
    best = None
    for r, row in enumerate(head):
        headers = [_header(v) for v in row.values()]
        if not any(headers):
            continue
        for layout in candidates:
            mapping, missing = _match(layout, headers)
            score = (not missing, len(mapping), -len(missing))
            if best is None or score > best[0]:
                best = (score, r, layout, mapping, missing)
    return best


def parse_file(
    name: str,
    data: bytes,
    *,
    scheme: Scheme,
    registry: Registry,
    source: str | None = None,
) -> ParsedFile:
    """Read and check one uploaded file; never raises for bad content (see ``problems``)."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        return _parse(name, data, sha, scheme, registry, source)
    except _Reject as rej:
        return ParsedFile(
            name, source or "unknown", sha, 0, (), {}, pd.DataFrame(), tuple(rej.problems)
        )


def _parse(name, data, sha, scheme, registry, source) -> ParsedFile:
    if source is not None and source not in SOURCES:
        raise _Reject([Problem(name, f"未知的数据来源「{source}」，应为：{'、'.join(SOURCES)}")])
    _check_container(name, data)
    sheets = _read_csv(name, data) if name.lower().endswith(".csv") else _read_xlsx(name, data)
    sheets = [s for s in sheets if s.table.num_rows and s.table.num_columns]
    if not sheets:
        raise _Reject([Problem(name, "工作簿是空的，没有任何数据")])
    candidates = [lay for lay in layouts(scheme) if source is None or lay.source == source]
    found = []
    misses = []
    for sheet in sheets:
        ctx = _Ctx(name, sheet.name, scheme, registry, [])
        best = _find_header(ctx, sheet, candidates)
        if best is None:
            continue
        (complete, *_), r, layout, mapping, missing = best
        if complete:
            found.append((sheet, r, layout, mapping))
        else:
            misses.append((sheet, r, layout, missing))
    if not found:
        if misses:
            sheet, r, layout, missing = max(misses, key=lambda m: -len(m[3]))
            raise _Reject(
                [
                    Problem(
                        name,
                        f"表头不完整：按「{layout.name}」格式缺少列 {'、'.join(missing)}；"
                        f"请使用系统提供的模板",
                        sheet.name,
                        r + 1,
                    )
                ]
            )
        raise _Reject(
            [Problem(name, "找不到表头：前 30 行中没有可识别的列名；请使用系统提供的模板")]
        )
    chosen_source = found[0][2].source
    found = [f for f in found if f[2].source == chosen_source]
    problems: list[Problem] = []
    parts: dict[str, list] = {}
    previews = []
    rows = 0
    for index, (sheet, header_row, layout, mapping) in enumerate(found):
        ctx = _Ctx(name, sheet.name, scheme, registry, problems, sheet_index=index)
        body, numbers = _data_rows(sheet.table, header_row)
        rows += body.num_rows
        cols = {}
        for pos, col in mapping.items():
            letter = _letter(sheet.col_offset + pos)
            cols[col.name] = (body.column(pos), letter, col)
        facts = _BUILDERS[layout.source](ctx, cols, numbers)
        for table, frame in facts.items():
            parts.setdefault(table, []).append(frame)
        previews.append(_preview(body, mapping, sheet.name))
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
    )


def _constant(value: str, n: int) -> pa.Array:
    """A text column holding one value (dictionary-encoded: no n copies of the string)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value]))


def _preview(body: pa.Table, mapping: dict[int, Column], sheet: str | None, n: int = 20):
    small = body.slice(0, n)
    frame = pd.DataFrame({col.name: small.column(pos).to_pylist() for pos, col in mapping.items()})
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
    return _closed(options, "评议答案")


def _build_units(ctx, cols, numbers):
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
    frame = pd.DataFrame(
        {
            "name": names.to_pylist(),
            "aliases": aliases.to_pylist() if aliases is not None else [[] for _ in range(n)],
            "type": types.to_pylist(),
            "parent": parents.to_pylist() if parents is not None else [None] * n,
            "group": groups.to_pylist() if groups is not None else [None] * n,
        }
    )
    known_names = set(ctx.registry.names) | set(frame["name"])
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
    ballot = _col(ctx, cols, "问卷编号", numbers, _ballot)
    _check_repeated_ids(ctx, ballot, numbers, cols["问卷编号"][1])
    unit = _col(ctx, cols, "被评单位", numbers, _unit_converter(ctx))
    category = _col(ctx, cols, "评议人类别", numbers, _category_convert(ctx))
    answer = _answer_convert(ctx)
    unknown = ctx.scheme.appraisal_unknown[0] if ctx.scheme.appraisal_unknown else "不了解"
    pieces = []
    for item in ctx.scheme.items:
        values = _col(ctx, cols, item, numbers, answer, required=False, blank=unknown)
        pieces.append(
            pa.table(
                {
                    "ballot": ballot,
                    "unit": unit,
                    "category": category,
                    "item": _constant(item, len(numbers)),
                    "answer": values.cast(pa.string()),
                    "n": pa.array(np.ones(len(numbers), dtype=np.int32)),
                    # A ballot's place in the upload: sheet in the high bits, row below
                    # (a sheet has at most 2^20 rows), for the store's ballot number.
                    "ballot_row": pa.array((ctx.sheet_index << 20) + numbers.astype(np.int64)),
                }
            )
        )
    facts = {"appraisal_answers": pa.concat_tables(pieces)}
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


def _build_tally(ctx, cols, numbers):
    unit = _col(ctx, cols, "被评单位", numbers, _unit_converter(ctx))
    category = _col(ctx, cols, "评议人类别", numbers, _category_convert(ctx))
    item = _col(
        ctx, cols, "评议项目", numbers, _closed({i: i for i in ctx.scheme.items}, "评议项目")
    )
    pieces = []
    for a in ctx.scheme.appraisal_answers:
        counts = _col(ctx, cols, a, numbers, _count, required=False, blank=0)
        pieces.append(
            pa.table(
                {
                    "ballot": pa.nulls(len(numbers), pa.string()),
                    "unit": unit,
                    "category": category,
                    "item": item,
                    "answer": _constant(a, len(numbers)),
                    "n": counts.cast(pa.int32()),
                }
            )
        )
    table = pa.concat_tables(pieces)
    return {"appraisal_answers": table.filter(pc.greater(table["n"], 0))}


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
        return None, "满分应为大于 0 的数字"
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
    for r in ctx.scheme.integrity_points:
        counts = _col(ctx, cols, r, numbers, _count, required=False, blank=0)
        if counts is None:
            continue
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
    return {"integrity_votes": table.filter(pc.greater(table["n"], 0))}


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


_BUILDERS = {
    "units": _build_units,
    "appraisal": _build_appraisal,
    "appraisal-tally": _build_tally,
    "performance": _build_performance,
    "integrity": _build_integrity,
    "adjustments": _build_adjustments,
}


def ballot_ids(facts: Mapping) -> pa.Array:
    """The distinct 问卷编号 of a parsed ballot file."""
    answers = facts.get("appraisal_answers")
    if answers is None or answers.num_rows == 0:
        return pa.array([], pa.string())
    return pc.unique(pc.drop_null(answers["ballot"]))


def _check_repeated_ids(ctx: _Ctx, ids: pa.Array, numbers: np.ndarray, letter: str) -> None:
    """A 问卷编号 seen twice in a sheet: each repeat names the row it repeats."""
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
