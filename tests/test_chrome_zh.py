"""Streamlit's table chrome in Chinese (scoring.chrome_zh): every English word the installed
Streamlit's table shows has its Chinese, and in a real browser the toolbar's tooltips, the
buttons' accessible names and the column menu read in Chinese while the cells are untouched."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.common import chromium, launch_chromium
from scoring import chrome_zh
from tests.test_browser import _sign_in, server  # noqa: F401 (fixture)


def test_every_word_of_the_installed_table_chrome_has_its_chinese():
    found = chrome_zh.english_labels()
    # The words an office meets first must be among those read from the bundle, else the
    # reading (not the translation) is broken.
    assert {"Show/hide columns", "Search", "Fullscreen", "Sort ascending", "Hide column"} <= found
    untranslated = sorted(word for word in found if chrome_zh.translate(word) is None)
    assert untranslated == []


def test_only_whole_known_texts_are_translated():
    assert chrome_zh.translate("Pin column") == "固定此列"
    assert chrome_zh.translate("1 result") == "1 条结果"
    assert chrome_zh.translate("142 results") == "142 条结果"
    assert chrome_zh.translate("Save (Ctrl+Enter)") == "保存（Ctrl+Enter）"
    assert chrome_zh.translate("No results") == "无匹配项"
    assert chrome_zh.translate("Remove 效能告诫") == "移除 效能告诫"
    # A part of a text, another case or a unit's name is left as it is.
    assert chrome_zh.translate("Pin column now") is None
    assert chrome_zh.translate("search") is None
    assert chrome_zh.translate("市水利局") is None


def test_the_script_carries_the_words_and_the_scopes():
    script = chrome_zh.script()
    labels = json.loads(re.search(r"const LABELS = (\{.*?\});", script).group(1))
    assert labels == chrome_zh.LABELS
    assert '[data-testid=\\"stTooltipContent\\"]' in script
    assert script.startswith("<script data-chinese-chrome>")


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="no chromium")
def test_the_table_chrome_and_select_lists_speak_chinese(server):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1300, "height": 2600})
        _sign_in(page, f"{server}/rankings", "王局长")
        page.get_by_role("link", name="分类排名").click()
        table = page.locator("[data-testid='stDataFrame']").first
        expect(table.locator("td[role='gridcell']").first).to_be_attached(timeout=30_000)
        table.hover()
        buttons = page.locator("[data-testid='stElementToolbarButton'] button")
        expect(buttons.first).to_have_attribute("aria-label", "显示/隐藏列", timeout=30_000)
        names = buttons.evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))")
        assert names == ["显示/隐藏列", "搜索", "全屏"]
        buttons.nth(1).hover()
        expect(page.locator("[data-testid='stTooltipContent']")).to_have_text("搜索")
        # The column menu of the second column (单位名称): its ⋮, at the heading's right end
        # (a click elsewhere on the heading sorts).
        page.mouse.move(0, 0)
        box = table.bounding_box()
        page.mouse.move(box["x"] + 150, box["y"] + 15)
        page.wait_for_timeout(300)
        page.mouse.click(box["x"] + 210, box["y"] + 15)
        menu = page.locator("[data-testid='stDataFrameColumnMenu']")
        expect(menu).to_contain_text("升序排列", timeout=10_000)
        text = menu.inner_text()
        for chinese in ("降序排列", "统计", "自动列宽", "固定此列", "隐藏此列"):
            assert chinese in text
        assert "Sort" not in text and "column" not in text
        # The cells are the units' names as stored (the accessible copy of the canvas).
        cells = table.locator("td[role='gridcell']").evaluate_all(
            "cs => cs.map(c => c.textContent)"
        )
        assert "市水利局" in cells
        # A select box's list when what is typed matches no option, and its own button.
        page.keyboard.press("Escape")
        box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
        expect(box.get_by_label("展开")).to_have_count(1)
        box.click()
        page.keyboard.type("无此类别")
        listed = page.locator("[data-testid='stSelectboxVirtualDropdown']")
        expect(listed).to_have_text("无匹配项", timeout=10_000)
        browser.close()
