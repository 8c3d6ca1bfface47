"""TOML syntax errors (方案文本、检查清单) said in Chinese, with the line and column.

Python's tomllib words its errors in English ("Expected ']' at the end of a table
declaration (at line 77, column 8)"); an office edits a scheme's text by hand, so the
message it reads says where and what in Chinese (the original kept last, for support).
"""

from __future__ import annotations

import re
import tomllib

__all__ = ["describe"]

_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
_WHAT = [
    (r"Expected '=' after a key in a key/value pair", "键名后应有「=」"),
    (r"Expected '\]' at the end of a table declaration", "表名缺少结尾的「]」"),
    (r"Expected '\]\]' at the end of an array declaration", "数组表名缺少结尾的「]]」"),
    (r"Expected newline or end of document after a statement", "一行只能写一项，此后应换行"),
    (r"Invalid statement", "无法识别的语句"),
    (r"Invalid value", "值的写法不对（文字要加英文引号，数字不加）"),
    (r"Invalid initial character for a key part", "键名的写法不对"),
    (r"Unterminated string", "引号没有闭合"),
    (r"Unclosed array", "方括号「[」没有闭合"),
    (r"Unclosed inline table", "花括号「{」没有闭合"),
    (r"Cannot (declare .* twice|overwrite a value|redefine namespace .*)", "同一项写了两次"),
    (r"Illegal character '\\n'", "引号没有在本行内闭合"),
    (r"Illegal character .*|Found invalid character .*", "含有不允许的字符"),
    (r"Invalid date or datetime", "日期的写法不对（应如 2026-01-15）"),
]


def describe(exc: tomllib.TOMLDecodeError) -> str:
    """「第 77 行第 8 列：表名缺少结尾的「]」」 (then tomllib's own words)."""
    text = str(exc)
    found = _WHERE.search(text)
    where = ""
    if found and found.group(1):
        where = f"第 {found.group(1)} 行第 {found.group(2)} 列："
    elif found:
        where = "文件末尾："
    bare = _WHERE.sub("", text).strip()
    what = next((zh for pattern, zh in _WHAT if re.fullmatch(pattern, bare)), "语法错误")
    return f"{where}{what}（{bare}）"
