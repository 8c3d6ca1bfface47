"""The main flow once in a real headless Chromium: sign in, open the rankings, change the
year, click the last unit and read its profile (who is last, why, how sure)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.common import chromium, free_port, launch_chromium

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium() is None, reason="Debian chromium is not installed"),
]


@contextlib.contextmanager
def serve(db: Path):
    """``streamlit run app.py`` on a free port over ``db``; yields its address."""
    port = free_port()
    env = {**os.environ, "SCORING_DB": str(db)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace"))
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def server(demo_db, tmp_path):
    from scoring import accounts, session_store
    from scoring.store import Store

    db = tmp_path / "served.duckdb"
    shutil.copy(demo_db, db)
    with Store(db) as store:
        accounts.add_user(
            store,
            "王局长",
            "e2e-password",
            accounts.LEADER,
            by=accounts.User("效能办", accounts.ADMIN),
        )
        session_store.set_must_change_password(store, "王局长", False)  # changed already
        accounts.add_user(
            store,
            "效能办小李",
            "e2e-password",
            accounts.ADMIN,
            by=accounts.User("效能办", accounts.ADMIN),
        )
        session_store.set_must_change_password(store, "效能办小李", False)
    with serve(db) as url:
        yield url


def _sign_in(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("e2e-password")
    page.get_by_role("button", name="登录").click()


def test_rankings_follow_the_year_and_a_row_opens_the_profile(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _sign_in(page, f"{server}/rankings", "王局长")
        page.get_by_role("link", name="分类排名").click()
        caption = page.get_by_text("年度执法监管类，共 10 个单位", exact=False)
        expect(caption).to_contain_text("2025 年度", timeout=30_000)
        cells = page.locator("[data-testid='stDataFrame'] td[role='gridcell']")
        expect(cells.first).to_be_attached(timeout=30_000)
        before = cells.evaluate_all("cs => cs.map(c => c.textContent)")
        assert "市水利局" in before  # vetoed in 2025, so in the table
        page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
        page.get_by_role("option", name="2024 年度").click()
        expect(caption).to_contain_text("2024 年度", timeout=30_000)
        deadline = time.time() + 30
        after = before
        while after == before and time.time() < deadline:
            page.wait_for_timeout(300)
            after = cells.evaluate_all("cs => cs.map(c => c.textContent)")
        assert after != before
        assert "执法监管类" in after
        # The third click: a row opens that unit's profile (glide-cell-<column>-<row>:
        # column 1 is 排名, column 2 the unit's name).
        last = page.locator("[data-testid='glide-cell-2-9']").text_content()
        assert page.locator("[data-testid='glide-cell-1-9']").text_content() == "10"
        grid = page.locator("[data-testid='stDataFrame'] canvas").first
        box = grid.bounding_box()
        row_height = 35  # Streamlit's default dataframe row height, header included
        page.mouse.click(box["x"] + 12, box["y"] + row_height * 10 + row_height // 2)
        page.wait_for_url("**/profile?year=2024", timeout=30_000)  # the address keeps it
        expect(page.get_by_role("heading", name="单位画像")).to_be_visible()
        expect(page.get_by_text(f"【{last}】").first).to_be_visible(timeout=30_000)
        page.screenshot(path=str(tmp_path / "profile.png"))
        # A reload (a new session) stays on the year the leader chose.
        page.reload()
        year_box = page.get_by_role("combobox", name="考评年度")
        expect(year_box).to_have_value("2024 年度", timeout=30_000)
        browser.close()


def _after(locator) -> str:
    """What CSS puts after an element (the app's Chinese for Streamlit's English)."""
    return locator.evaluate("e => getComputedStyle(e, '::after').content")


def test_the_uploader_speaks_chinese_also_when_it_refuses_a_file(server, tmp_path):
    """Streamlit's uploader says "Upload" and, for a file over the limit, "File must be
    20.0MB or smaller." (in a tooltip). The app's CSS shows Chinese in their place, and
    only there: a chosen file's remove button and the "+" keep their icons."""
    from playwright.sync_api import expect, sync_playwright

    big = tmp_path / "全年问卷.xlsx"
    big.write_bytes(b"0" * (21 * 1024 * 1024))
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _sign_in(page, server, "效能办小李")
        page.get_by_role("link", name="数据上传").click()
        zone = page.locator("[data-testid='stFileUploaderDropzone']").first
        button = zone.locator("[data-testid='stBaseButton-secondary']")
        expect(button).to_be_visible(timeout=30_000)
        assert _after(button) == '"选择文件"'
        assert "拖放文件到此处" in _after(
            zone.locator("[data-testid='stFileUploaderDropzoneInstructions'] span").first
        )
        zone.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(big)
        chip = page.locator("[data-testid='stFileChip']").first
        expect(chip).to_have_attribute("aria-invalid", "true", timeout=30_000)
        remove = chip.locator("[data-testid='stFileChipDeleteBtn'] button")
        assert _after(remove) == "none"
        chip.hover()
        tip = page.locator("[data-testid='stTooltipErrorContent']")
        expect(tip).to_be_visible(timeout=10_000)
        assert "20.0MB or smaller" in tip.text_content()  # Streamlit's, drawn at size 0
        assert tip.evaluate("e => getComputedStyle(e).fontSize") == "0px"
        assert "此文件不能上传：超过 20MB" in _after(tip)
        page.screenshot(path=str(tmp_path / "refused.png"))
        # Streamlit's ⋮ menu (only its English "About" and version line) is not shown.
        expect(page.locator("[data-testid='stMainMenu']")).to_be_hidden()
        # The home page's own name leads home; an address no page has says so in Chinese.
        page.goto(f"{server}/overview")
        expect(page.get_by_role("heading", name="效能考评总览")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("dialog")).to_have_count(0)
        page.goto(f"{server}/no-such-page")
        title = page.get_by_role("dialog").locator("h2")
        expect(title).to_be_visible(timeout=30_000)
        assert _after(title) == '"页面不存在"'
        assert title.evaluate("e => getComputedStyle(e).fontSize") == "0px"
        browser.close()
