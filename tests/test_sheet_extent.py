"""Issue 15: the quick bound of a sheet's extent looks only from the first unusual cell
on, and the sheet's XML is unzipped a piece ahead in a thread; neither changes what the
scan finds."""

from __future__ import annotations

import io
import threading
import zipfile
import zlib

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


def test_the_unzipping_thread_ends_when_the_reader_stops_early(monkeypatch):
    monkeypatch.setattr(sheets, "_CHUNK", 1024)
    z = _zip(_sheet([_row(r) for r in range(1, 3000)]))
    before = threading.active_count()
    pieces = sheets._unzipped(z, "xl/worksheets/sheet1.xml")
    first = next(pieces)
    assert len(first) == 1024
    pieces.close()  # as when the scan returns after the first odd cell
    assert threading.active_count() == before
    whole = b"".join(sheets._unzipped(z, "xl/worksheets/sheet1.xml"))
    assert whole == z.read("xl/worksheets/sheet1.xml")


def test_a_broken_member_is_reported_by_the_reader_not_lost_in_the_thread():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", _sheet([_row(r) for r in range(1, 2000)]))
    data = bytearray(buf.getvalue())
    data[60:400] = bytes(340)  # the deflated stream, zeroed
    broken = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(zlib.error) as direct:  # what reading it in this thread raises
        broken.read("xl/worksheets/sheet1.xml")
    with pytest.raises(zlib.error) as threaded:
        b"".join(sheets._unzipped(broken, "xl/worksheets/sheet1.xml"))
    assert str(threaded.value) == str(direct.value)
