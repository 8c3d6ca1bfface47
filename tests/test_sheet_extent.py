"""Issue 15: the quick bound of a sheet's extent looks for odd and long cells only from
the first unusual cell on; what it finds is what the whole-piece search found."""

from __future__ import annotations

import io
import zipfile

import pytest

from scoring import sheets


def _zip(xml: str) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def _sheet(rows: list[str]) -> str:
    return "<worksheet><sheetData>" + "".join(rows) + "</sheetData></worksheet>"


def _row(r: int, cols: str = "ABC") -> str:
    cells = "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in cols)
    return f'<row r="{r}">{cells}</row>'


@pytest.fixture(params=[8 * 1024 * 1024, 4096], ids=["one-piece", "many-pieces"])
def chunk(request, monkeypatch):
    monkeypatch.setattr(sheets, "_CHUNK", request.param)
    return request.param


def test_long_rows_and_columns_after_usual_ones_bound_the_sheet(chunk):
    rows = [_row(r) for r in range(1, 400)] + [_row(123456, "AB"), _row(123457, "A")]
    rows.append('<row r="123458"><c r="AC123458"><v>1</v></c></row>')
    ext = sheets._quick_extent(_zip(_sheet(rows)), "xl/worksheets/sheet1.xml")
    assert ext is not None
    assert (ext.rows, ext.cols) == (123458, 29)  # AC is the 29th column


@pytest.mark.parametrize(
    "odd",
    ['<x:c r="B500"><x:v>1</x:v></x:c>', "<c><v>1</v></c>", '<c t="n" r="B500"><v>1</v></c>'],
    ids=["prefix", "no-address", "address-not-first"],
)
def test_an_odd_cell_after_a_long_one_still_sends_the_sheet_to_the_exact_pass(chunk, odd):
    rows = [_row(r) for r in range(1, 400)] + [_row(100000)]
    rows.append(f'<row r="100001">{odd}</row>')
    assert sheets._quick_extent(_zip(_sheet(rows)), "xl/worksheets/sheet1.xml") is None


@pytest.mark.parametrize("size", [7, 64, 4096])
def test_the_spans_scanned_are_the_whole_member_each_tag_whole(monkeypatch, size):
    monkeypatch.setattr(sheets, "_CHUNK", size)
    text = "<t>" + "长" * 300 + "</t>"  # one element longer than a piece
    xml = _sheet([_row(r) for r in range(1, 60)] + [f'<row r="60"><c r="A60">{text}</c></row>'])
    z = _zip(xml)
    spans = list(sheets._tag_spans(z, "xl/worksheets/sheet1.xml"))
    assert b"".join(buf[a:b] for buf, a, b in spans) == xml.encode()
    for buf, a, b in spans:
        assert buf[a : a + 1] == b"<"  # each span starts at a tag ...
        if b < len(buf):
            assert buf[b : b + 1] == b"<"  # ... and ends where a tag starts


@pytest.mark.parametrize("size", [7, 4096, 8 * 1024 * 1024])
@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_the_scan_unzips_the_same_bytes_as_zipfile(monkeypatch, size, method):
    monkeypatch.setattr(sheets, "_CHUNK", size)
    monkeypatch.setattr(sheets, "_INPUT", 100)  # many inputs, each inflating to many pieces
    xml = _sheet([_row(r, "ABCDEFGHIJ") for r in range(1, 3000)]).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", xml)
    z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    pieces = list(sheets._member_pieces(z, "xl/worksheets/sheet1.xml"))
    assert b"".join(pieces) == xml
    assert max(map(len, pieces)) <= size


def _understated(xml: bytes, size: int, crc_of_prefix: bool) -> bytes:
    """A zipped sheet whose directory says it unzips to ``size`` bytes (fewer than it
    does), with the CRC of the whole or of the first ``size`` bytes."""
    import zlib

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    data = bytearray(buf.getvalue())
    crc = zlib.crc32(xml[:size] if crc_of_prefix else xml).to_bytes(4, "little")
    for at, offset in ((data.find(b"PK\x03\x04"), 14), (data.rfind(b"PK\x01\x02"), 16)):
        data[at + offset : at + offset + 4] = crc
        data[at + offset + 8 : at + offset + 12] = size.to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("crc_of_prefix", [False, True], ids=["crc-of-all", "crc-of-prefix"])
def test_a_sheet_longer_than_its_recorded_size_is_refused(crc_of_prefix):
    """Data past the size the directory records would be read by the reader where the
    scan did not look (a stray cell at XFD1048576 after the first 100 bytes): refused."""
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    xml = _sheet([_row(r) for r in range(1, 500)] + [far]).encode()
    z = zipfile.ZipFile(io.BytesIO(_understated(xml, 100, crc_of_prefix)))
    with pytest.raises(zipfile.BadZipFile):
        b"".join(sheets._member_pieces(z, "xl/worksheets/sheet1.xml"))


def test_a_workbook_whose_sheet_runs_past_its_recorded_size_is_refused_in_chinese():
    import zlib

    from tests.sheetmaker import xlsx

    data = xlsx([["问卷编号", "被评单位"], ["1", "市教育局"]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = next(m for m in members if m.startswith("xl/worksheets/"))
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    xml = members[sheet].replace(b"</sheetData>", far)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, xml if name == sheet else body)
    data = bytearray(buf.getvalue())
    size = xml.index(b'<row r="1048576"')

    crc = zlib.crc32(xml[:size]).to_bytes(4, "little")
    local = data.find(sheet.encode()) - 30  # the sheet's headers, found by its name
    central = data.rfind(sheet.encode()) - 46
    for at, offset in ((local, 14), (central, 16)):
        data[at + offset : at + offset + 4] = crc
        data[at + offset + 8 : at + offset + 12] = size.to_bytes(4, "little")
    with pytest.raises(sheets._Reject) as refused:
        sheets._read_xlsx("问卷.xlsx", bytes(data))
    assert "无法读取" in refused.value.problems[0].expected


def test_the_scan_gives_the_same_bytes_with_zlib(monkeypatch):
    """Without isal the scan inflates with zlib (the same interface)."""
    import zlib

    monkeypatch.setattr(sheets, "_inflate", zlib)
    monkeypatch.setattr(sheets, "_CHUNK", 4096)
    xml = _sheet([_row(r) for r in range(1, 2000)]).encode()
    z = _zip(xml.decode())
    assert b"".join(sheets._member_pieces(z, "xl/worksheets/sheet1.xml")) == xml
