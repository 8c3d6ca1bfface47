"""Sessions that survive a reload, and password changes (scoring/sessions.py,
accounts.change_password); the reload itself once in a real browser."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from scoring import accounts, session_store, sessions
from scoring.accounts import ADMIN, LEADER, PermissionDenied, User

OFFICE = User("效能办", ADMIN)  # the demo has accounts: adding one needs an administrator

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def leader(store):
    accounts.add_user(store, "王局长", "first-pass-1", LEADER, by="效能办")
    return User("王局长", LEADER)


def test_a_token_resumes_its_session_until_it_ends(store, leader):
    token = sessions.start(store, leader)
    assert sessions.resume(store, token) == "王局长"
    assert sessions.resume(store, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert sessions.resume(store, None) is None and sessions.resume(store, "x" * 5000) is None
    other = sessions.start(store, leader)
    sessions.end(store, token)  # 退出登录
    assert sessions.resume(store, token) is None
    assert sessions.resume(store, other) == "王局长"  # another browser stays signed in


def test_a_token_signed_with_another_databases_secret_is_refused(store, tmp_path, leader):
    from scoring.store import Store

    with Store(tmp_path / "other.duckdb") as other:
        accounts.add_user(other, "王局长", "first-pass-1", LEADER)
        foreign = sessions.start(other, leader)
    assert sessions.resume(store, foreign) is None


def test_an_old_token_expires(store, leader, monkeypatch):
    token = sessions.start(store, leader)
    monkeypatch.setattr(sessions, "MAX_AGE", 1)
    time.sleep(2.1)
    assert sessions.resume(store, token) is None


def test_a_password_set_by_someone_else_is_changed_at_first_sign_in(store, leader):
    assert session_store.must_change_password(store, "王局长")
    keep = sessions.start(store, leader)
    gone = sessions.start(store, leader)
    with pytest.raises(ValueError, match="原密码不正确"):
        accounts.change_password(store, leader, "wrong", "second-pass-2")
    with pytest.raises(ValueError, match="至少 8 个字符"):
        accounts.change_password(store, leader, "first-pass-1", "short")
    with pytest.raises(PermissionDenied):
        accounts.change_password(store, None, "first-pass-1", "second-pass-2")
    accounts.change_password(
        store, leader, "first-pass-1", "second-pass-2", sessions.session_id(store, keep)
    )
    assert not session_store.must_change_password(store, "王局长")
    assert accounts.authenticate(store, "王局长", "first-pass-1") is None
    assert accounts.authenticate(store, "王局长", "second-pass-2") == leader
    assert sessions.resume(store, keep) == "王局长" and sessions.resume(store, gone) is None
    assert "修改密码" in store.audit_log()["action"].tolist()


def test_an_account_that_sets_its_own_password_is_not_asked_again(store):
    accounts.add_user(store, "王局长", "first-pass-1", LEADER, by="王局长")
    assert not session_store.must_change_password(store, "王局长")


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_reload_keeps_the_session_and_the_page_and_sign_out_ends_it(demo_db, tmp_path):
    from urllib.parse import urlsplit

    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import serve

    db = tmp_path / "reload.duckdb"
    shutil.copy(demo_db, db)
    from scoring.store import Store

    with Store(db) as store:
        accounts.add_user(store, "王局长", "first-pass-1", LEADER, by=OFFICE)
    with serve(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/warnings_list")  # a bookmark, before signing in
        page.get_by_label("用户名").fill("王局长")
        page.get_by_label("密码").fill("first-pass-1")
        page.get_by_role("button", name="登录").click()
        # First sign-in with a password the command line set: change it first.
        page.get_by_label("原密码").fill("first-pass-1")
        page.get_by_label("新密码（至少 8 个字符）").fill("second-pass-2")
        page.get_by_label("再次输入新密码").fill("second-pass-2")
        page.get_by_role("button", name="修改密码").click()
        expect(page.get_by_role("heading", name="告诫名单")).to_be_visible(timeout=60_000)
        # The bookmark survived the detour (the address also carries the sidebar's year).
        assert urlsplit(page.url).path == "/warnings_list"
        page.reload()
        expect(page.get_by_role("heading", name="告诫名单")).to_be_visible(timeout=60_000)
        assert urlsplit(page.url).path == "/warnings_list"
        body = page.inner_text("body")
        assert "Page not found" not in body and "用户名" not in body
        page.goto(f"{url}/publish_page")  # not a leader's page: said in Chinese
        expect(page.get_by_role("heading", name="无权访问")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_label("用户名")).to_be_visible(timeout=60_000)
        page.reload()
        expect(page.get_by_label("用户名")).to_be_visible(timeout=60_000)
        assert "Page not found" not in page.inner_text("body")
        browser.close()
