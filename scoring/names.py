"""Names of sheets and files in what the office publishes (工作表名、文件名).

Apart from scoring.publish so that a page offering a download (分类排名's CSV) names
its file without loading what publishing needs (fpdf, openpyxl, Chromium's driver):
that import was most of the page's first visit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["Names", "safe_name"]

# Excel refuses these in sheet names; file systems refuse / and \ (and Windows the rest);
# the full-width forms are replaced too, so that a name never looks like a path.
_UNSAFE = re.compile(r'[\[\]:*?/\\<>|"\x00-\x1f／＼：＊？［］]')


def safe_name(text: str, limit: int | None = None) -> str:
    """``text`` usable as a sheet title or a file name: each forbidden character becomes
    「_」, leading and trailing dots, quotes and blanks go, and it is cut to ``limit``."""
    name = _UNSAFE.sub("_", str(text)).strip(" .'")
    name = name or "_"
    return name[:limit] if limit else name


class Names:
    """Unique safe names for the sheets or files of one publication, remembering which
    original each stands for (shown on the workbook's 说明 sheet)."""

    def __init__(self, limit: int | None = None, taken: Iterable[str] = ()) -> None:
        self.limit = limit
        self.used = {t.casefold() for t in taken}
        self.changed: list[tuple[str, str]] = []

    def __call__(self, text: str) -> str:
        base = safe_name(text, self.limit)
        name, n = base, 1
        while name.casefold() in self.used:
            n += 1
            suffix = f"~{n}"
            name = base[: (self.limit - len(suffix)) if self.limit else None] + suffix
        self.used.add(name.casefold())
        if name != text:
            self.changed.append((name, str(text)))
        return name
