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


def test_the_scan_reads_no_more_than_the_size_the_directory_records():
    xml = _sheet([_row(r) for r in range(1, 500)]).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    data = bytearray(buf.getvalue())
    # Say in the central directory that the member unzips to 100 bytes only.
    at = data.rfind(b"PK\x01\x02")
    data[at + 24 : at + 28] = (100).to_bytes(4, "little")
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    assert b"".join(sheets._member_pieces(z, "xl/worksheets/sheet1.xml")) == xml[:100]


def test_the_scan_gives_the_same_bytes_with_zlib(monkeypatch):
    """Without isal the scan inflates with zlib (the same interface)."""
    import zlib

    monkeypatch.setattr(sheets, "_inflate", zlib)
    monkeypatch.setattr(sheets, "_CHUNK", 4096)
    xml = _sheet([_row(r) for r in range(1, 2000)]).encode()
    z = _zip(xml.decode())
    assert b"".join(sheets._member_pieces(z, "xl/worksheets/sheet1.xml")) == xml
