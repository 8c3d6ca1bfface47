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
