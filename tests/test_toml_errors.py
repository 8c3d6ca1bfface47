"""A scheme's or check list's TOML syntax error, said in Chinese with where it is."""

from __future__ import annotations

import pytest

from scoring.scheme import SchemeError, parse


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[weights\nappraisal = 0.4\n", "第 1 行第 9 列：表名缺少结尾的「]」"),
        ('name = "方案"\n\n[weights]\nappraisal 0.4\n', "第 4 行第 11 列：键名后应有「=」"),
        ("name = 方案\n", "第 1 行第 8 列：值的写法不对（文字要加英文引号，数字不加）"),
        ('name = "方案\n', "第 1 行第 11 列：引号没有在本行内闭合"),
        ('name = "a"\nname = "b"\n', "同一项写了两次"),
    ],
)
def test_a_syntax_error_says_where_and_what_in_chinese(text, said):
    with pytest.raises(SchemeError) as caught:
        parse(text)
    message = str(caught.value)
    assert message.startswith("考评方案不是有效的 TOML 文件：")
    assert said in message
