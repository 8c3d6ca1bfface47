"""Issue 15: a long sheet read in parts on several cores gives the very table one read
of the whole sheet gives, and a sheet that cannot be cut safely is read whole."""

from __future__ import annotations

import datetime as dt
import io
import random
import tempfile
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from scoring import sheet_parts, sheets
from scoring.accounts import ADMIN, User
from scoring.imports import import_file, load_units
from scoring.scheme import default_scheme
from tests.sheetmaker import xlsx

SHEET = "xl/worksheets/sheet1.xml"
OFFICE = User("效能办", ADMIN)


@pytest.fixture
def split(monkeypatch):
    """Parts of a few hundred bytes, on three cores; records what each cut read gave."""
    monkeypatch.setattr(sheet_parts, "MIN_PART_BYTES", 512)
    monkeypatch.setattr(sheet_parts, "_cores", lambda: 3)
    calls: list[bool] = []
    real = sheet_parts.read_in_parts

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(sheet_parts, "read_in_parts", spy)
    return calls


def _whole(data: bytes, monkeypatch) -> list:
    with monkeypatch.context() as m:
        m.setattr(sheet_parts, "MAX_PARTS", 1)
        return sheets._read_xlsx("t.xlsx", data)


def _same(a: list, b: list) -> None:
    def about(sheet_list: list) -> list:
        return [(s.name, s.col_offset, s.skip) for s in sheet_list]

    assert about(a) == about(b)
    for x, y in zip(a, b, strict=True):
        assert x.table.schema == y.table.schema
        assert x.table.to_pydict() == y.table.to_pydict()


def _workbook(rows: int, *, start_col: int = 1, write_only: bool = False, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("评议") if write_only else wb.active
    if not write_only:
        ws.title = "评议"
    lead = [None] * (start_col - 1)
    ws.append([*lead, "2025年度万人评议"])
    ws.append([])
    ws.append([*lead, "问卷编号", "单位", "得分", "日期", "比例", "意见"])
    for i in range(rows):
        ws.append(
            [
                *lead,
                f"Q{i:05d}",
                rnd.choice(["市教育局", "市财政局", "市卫健委"]),
                rnd.choice([95, 87.5, 60, None, "缺"]),
                dt.date(2025, 1 + i % 12, 1 + i % 28) if i % 7 == 0 else None,
                0.25 if i % 11 == 0 else None,
                "希望简化流程" if i % 13 == 0 else None,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_sheet_xml(data: bytes, edit) -> bytes:
    """The workbook with its first sheet's XML changed by ``edit`` (text -> text)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == SHEET:
                body = edit(body.decode()).encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.parametrize("piece", [8 << 20, 1000], ids=["one-piece", "many-pieces"])
@pytest.mark.parametrize(
    "shape",
    [{}, {"start_col": 3}, {"write_only": True}, {"write_only": True, "start_col": 2}],
    ids=["shared-strings", "from-column-C", "inline-strings", "inline-from-B"],
)
def test_a_sheet_read_in_parts_is_the_sheet_read_whole(split, monkeypatch, piece, shape):
    monkeypatch.setattr(sheets, "_CHUNK", piece)
    data = _workbook(400, **shape)
    parts = sheets._read_xlsx("t.xlsx", data)
    assert split == [True]  # it was read in parts, and they were used
    _same(parts, _whole(data, monkeypatch))
    assert parts[0].table.num_rows == 403  # row i = sheet row i + 1: title, blank, head, 400


def test_parts_with_other_columns_and_a_part_without_any_cell(split, monkeypatch):
    """The first rows use columns A-B, the last D-F, and the middle rows are empty
    (formatted only): the table spans A-F, as one read makes it."""

    def edit(xml: str) -> str:
        head, rest = xml.split("<sheetData>")
        tail = rest.split("</sheetData>")[1]

        def row(r: int, a: str, b: str, text: str) -> str:
            return (
                f'<row r="{r}"><c r="{a}{r}"><v>{r}</v></c>'
                f'<c r="{b}{r}" t="inlineStr"><is><t>{text}</t></is></c></row>'
            )

        first = "".join(row(r, "A", "B", f"甲{r}") for r in range(1, 41))
        empty = "".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(41, 121))
        last = "".join(row(r, "D", "F", "乙") for r in range(121, 161))
        return head + "<sheetData>" + first + empty + last + "</sheetData>" + tail

    data = _with_sheet_xml(_workbook(3), edit)
    parts = sheets._read_xlsx("t.xlsx", data)
    assert split == [True]
    _same(parts, _whole(data, monkeypatch))
    table = parts[0].table.to_pydict()
    assert len(table) == 6
    assert table["__UNNAMED__1"][0] == "甲1" and table["__UNNAMED__5"][-1] == "乙"


def _move_row_to_end(xml: str, r: int) -> str:
    start = xml.index(f'<row r="{r}"')
    end = xml.index("</row>", start) + len("</row>")
    row = xml[start:end]
    xml = xml[:start] + xml[end:]
    return xml.replace("</sheetData>", row + "</sheetData>")


@pytest.mark.parametrize(
    "edit",
    [
        lambda x: x.replace('<row r="200"', '<!-- <row r="7"> --><row r="200"'),
        lambda x: x.replace("</sheetData>", "</sheetData><sheetData></sheetData>"),
        # row 5 written last: the last part would hold a row before its own first
        lambda x: _move_row_to_end(x, 5),
    ],
    ids=["comment", "second-sheetData", "rows-out-of-order"],
)
def test_a_sheet_not_written_the_plain_way_is_read_whole(split, monkeypatch, edit):
    data = _with_sheet_xml(_workbook(400), edit)
    parts = sheets._read_xlsx("t.xlsx", data)
    assert split == [False]  # tried, refused, and the sheet read whole instead
    _same(parts, _whole(data, monkeypatch))


def test_a_hidden_long_sheet_stays_hidden_and_short_sheets_are_read_whole(split, monkeypatch):
    data = _workbook(400)
    wb_bytes = io.BytesIO(data)
    from openpyxl import load_workbook

    wb = load_workbook(wb_bytes)
    wb.create_sheet("说明").append(["填表说明"])
    wb.create_sheet("短表").append(["一行"])
    wb["评议"].sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    parts = sheets._read_xlsx("t.xlsx", buf.getvalue())
    assert split == [True]  # only the long one
    assert parts[0].skip == "隐藏的工作表"
    _same(parts, _whole(buf.getvalue(), monkeypatch))


class _Stream(io.RawIOBase):
    """A file that cannot seek: zipfile then writes each member's sizes after its data."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += b
        return len(b)


def test_a_workbook_written_with_data_descriptors_is_read_in_parts(split, monkeypatch):
    src = zipfile.ZipFile(io.BytesIO(_workbook(400)))
    out = _Stream()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    data = bytes(out.data)
    assert all(i.flag_bits & 0x8 for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    parts = sheets._read_xlsx("t.xlsx", data)
    assert split == [True]
    _same(parts, _whole(data, monkeypatch))


def test_a_part_is_a_sound_workbook_with_every_other_member_as_it_was(split):
    data = _workbook(400)
    z = zipfile.ZipFile(io.BytesIO(data))
    pieces: list[bytes] = []
    assert sheets._quick_extent(z, SHEET, pieces) is not None
    head, cuts, tail = sheet_parts._split(pieces, 3)
    assert cuts[0].first_row == 1 and len(cuts) == 3
    frame = sheet_parts._Frame.of(data, SHEET)
    xml = b""
    for cut in cuts:
        part = zipfile.ZipFile(io.BytesIO(frame.workbook([head, *cut.views(), tail])))
        assert part.testzip() is None  # every member's CRC holds
        assert part.namelist() == z.namelist()
        for name in z.namelist():
            if name != SHEET:
                assert part.read(name) == z.read(name)
        own = part.read(SHEET)
        assert own.startswith(bytes(head)) and own.endswith(bytes(tail))
        xml += own[len(head) : len(own) - len(tail)]
    assert bytes(head) + xml + bytes(tail) == z.read(SHEET)  # the rows, each once, in order


def test_an_import_in_parts_stores_what_an_import_read_whole_stores(split, monkeypatch, tmp_path):
    from scoring.store import Store

    office = OFFICE
    items = list(default_scheme().items)
    registry = [["单位名称", "简称", "类型", "上级单位", "考核类别"]] + [
        [f"市第{i}局", None, "部门", None, "综合管理类"] for i in range(6)
    ]
    rnd = random.Random(3)
    rows = [["问卷编号", "被评单位", "评议人类别", *items]] + [
        [
            f"Q{i:04d}",
            f"市第{rnd.randrange(6)}局",
            rnd.choice(["服务对象", "企业代表"]),
            *(rnd.choice(["满意", "基本满意", "不满意", "不了解", None]) for _ in items),
        ]
        for i in range(300)
    ]
    data = xlsx(rows)

    def stored(path, whole: bool) -> list:
        store = Store(path)
        load_units(store, "名录.xlsx", xlsx(registry), office)
        with monkeypatch.context() as m:
            if whole:
                m.setattr(sheet_parts, "MAX_PARTS", 1)
            import_file(store, "评议.xlsx", data, 2025, office)
        out = [
            store.query(f"SELECT * FROM {t} ORDER BY ALL").values.tolist()
            for t in ("appraisal_answers", "appraisal_pair_counts", "appraisal_ballot_counts")
        ]
        store.close()
        return out

    in_parts = stored(tmp_path / "parts.duckdb", whole=False)
    assert split == [True, True]  # the registry's sheet and the ballots', each in parts
    assert in_parts == stored(tmp_path / "whole.duckdb", whole=True)
    assert len(in_parts[0]) > 1000


def test_a_sheet_of_unregistered_units_is_summed_up_in_one_line_first(store):
    """100s of ballots for 40 units the registry lacks: the first problem names the 40
    units and the number of rows; the rows follow (at most the limit)."""
    from benchmarks.import_bench import make_workbook
    from scoring.imports import prepare

    load_units(store, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ballots.xlsx"
        make_workbook(path, 300)
        parsed = prepare(store, "ballots.xlsx", path.read_bytes(), 2025)
    first = parsed.problems[0]
    head, named = first.expected.split("：", 1)
    assert head == (
        "工作表「万人评议」「被评单位」列（B 列）有 40 个不同的值不符合要求，"
        "共 300 行（逐行列在下表）"
    )
    names = named.removesuffix(" 等 40 个").split("、")
    assert len(set(names)) == 20 and all(n.startswith("市第") for n in names)
    assert sum("单位名录中没有这个单位" in p.expected for p in parsed.problems) == 300
