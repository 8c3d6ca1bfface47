"""Build real-looking workbooks and CSVs in memory for import tests."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx(
    rows: list[list],
    *,
    title: str | None = None,
    sheet: str = "Sheet1",
    extra_sheets: dict[str, list[list]] | None = None,
    start_col: int = 1,
) -> bytes:
    """A workbook whose first sheet holds ``rows`` (a title row, merged, if given)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    r0 = 1
    if title:
        ws.cell(row=1, column=start_col, value=title)
        ws.merge_cells(
            start_row=1,
            start_column=start_col,
            end_row=1,
            end_column=start_col + max(len(r) for r in rows) - 1,
        )
        r0 = 3  # a blank row under the title, as offices do
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=r0 + i, column=start_col + j, value=value)
    for name, more in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in more:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)
