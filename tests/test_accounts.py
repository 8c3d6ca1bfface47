"""Who may do what (scoring/accounts.py), enforced where data changes."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest

from scoring import accounts
from scoring.accounts import ADMIN, EVALUATOR, LEADER, PermissionDenied, User
from scoring.imports import commit, import_file, load_units, prepare, undo
from scoring.scheme import default_scheme
from scoring.store import Store
from tests.sheetmaker import xlsx

ITEMS = list(default_scheme().items)
OFFICE = User("效能办", ADMIN)
LEAD = User("王局长", LEADER)
CLERK = User("录入员甲", EVALUATOR, sources=("adjustments",), years=(2025,))


@pytest.fixture
def registered(store):
    load_units(
        store,
        "名录.xlsx",
        xlsx([["单位名称", "类型", "考核类别"], ["市教育局", "部门", "综合管理类"]]),
        OFFICE,
    )
    return store


def adjustments(reason="暗访发现脱岗"):
    return xlsx([["对象", "事由", "分值", "来源"], ["市教育局", reason, "-2", "暗访"]])


def test_role_matrix():
    for action in ("view", "upload", "undo", "units", "scheme", "accounts", "audit", "publish"):
        assert accounts.can(OFFICE, action)
    assert accounts.can(LEAD, "view")
    assert not any(
        accounts.can(LEAD, a)
        for a in ("upload", "undo", "units", "scheme", "accounts", "audit", "publish")
    )
    assert accounts.can(CLERK, "upload", source="adjustments", year=2025)
    assert not accounts.can(CLERK, "upload", source="appraisal", year=2025)
    assert not accounts.can(CLERK, "upload", source="adjustments", year=2024)
    assert not accounts.can(CLERK, "publish") and not accounts.can(None, "view")


def test_a_leader_cannot_upload_even_by_calling_commit(registered):
    parsed = prepare(registered, "加减分.xlsx", adjustments(), 2025)
    assert parsed.ok
    with pytest.raises(PermissionDenied, match="王局长（领导）无权进行此操作：上传数据"):
        commit(registered, parsed, 2025, LEAD)
    assert registered.uploads() == []
    with pytest.raises(PermissionDenied):
        load_units(registered, "名录.xlsx", xlsx([["单位名称", "类型"], ["x", "部门"]]), LEAD)


def test_an_evaluator_uploads_only_what_is_assigned_and_undoes_only_their_own(registered):
    mine = import_file(registered, "加减分.xlsx", adjustments(), 2025, CLERK)
    assert mine.created and mine.upload.user == "录入员甲"
    with pytest.raises(PermissionDenied, match="2024 年度"):
        import_file(registered, "加减分.xlsx", adjustments(), 2024, CLERK)
    ballots = xlsx(
        [["问卷编号", "被评单位", "评议人类别", *ITEMS], ["1", "市教育局", "群众", *["满意"] * 6]]
    )
    with pytest.raises(PermissionDenied, match="来源「万人评议（问卷）」，2025 年度"):
        import_file(registered, "问卷.xlsx", ballots, 2025, CLERK)
    theirs = import_file(
        registered, "加减分2.xlsx", adjustments("另一事由"), 2025, User("录入员乙", EVALUATOR)
    )
    with pytest.raises(PermissionDenied, match="录入员乙 的上传"):
        undo(registered, theirs.upload.id, CLERK)
    undo(registered, mine.upload.id, CLERK)
    assert [u.user for u in registered.uploads(2025)] == ["录入员乙"]


def test_passwords_are_hashed_and_checked(store, tmp_path):
    accounts.add_user(store, "王局长", "s3cret-pass", LEADER)
    row = store.user_row("王局长")
    assert row["password_hash"].startswith("$argon2") and "s3cret-pass" not in row["password_hash"]
    assert accounts.authenticate(store, "王局长", "wrong-pass") is None
    user = accounts.authenticate(store, "王局长", "s3cret-pass")
    assert user == User("王局长", LEADER)
    store.set_user_active("王局长", False, "效能办")
    assert accounts.authenticate(store, "王局长", "s3cret-pass") is None
    with pytest.raises(ValueError, match="至少 8"):
        accounts.add_user(store, "x", "short", LEADER, by=OFFICE)


def test_no_plain_password_in_the_database_file(tmp_path):
    from scoring.store import Store

    path = tmp_path / "a.duckdb"
    with Store(path) as s:
        accounts.add_user(s, "admin2", "plain-text-never-stored", ADMIN)
    assert b"plain-text-never-stored" not in path.read_bytes()
    wal = path.with_suffix(".duckdb.wal")
    assert not wal.exists() or b"plain-text-never-stored" not in wal.read_bytes()


def test_first_run_creates_one_admin(store):
    password = accounts.ensure_admin(store)
    assert password and len(password) >= 12
    assert accounts.authenticate(store, "admin", password).role == ADMIN
    assert accounts.ensure_admin(store) is None


def test_audit_log_records_each_change(registered):
    up = import_file(registered, "加减分.xlsx", adjustments(), 2025, OFFICE)
    undo(registered, up.upload.id, OFFICE)
    registered.set_scheme(2025, "新方案", default_scheme().text, "效能办")
    accounts.add_user(registered, "王局长", "s3cret-pass", LEADER, by=OFFICE)
    accounts.authenticate(registered, "王局长", "bad-password")
    log = registered.audit_log()
    actions = log["action"].tolist()[::-1]
    assert actions == ["更新单位名录", "上传", "撤销上传", "设置考评方案", "新建账号", "登录失败"]
    assert set(log["user"][log["action"] != "登录失败"]) == {"效能办"}
    assert "加减分.xlsx" in log.loc[log["action"] == "上传", "detail"].iloc[0]


def spy(monkeypatch, verify) -> None:
    """Replace the password hasher's verify (the hasher itself has read-only slots)."""
    real = accounts._hasher

    class Spy:
        hash = staticmethod(real.hash)

    Spy.verify = staticmethod(verify)
    monkeypatch.setattr(accounts, "_hasher", Spy())


def test_five_wrong_passwords_lock_the_account_until_the_admin_unlocks(store, monkeypatch):
    from scoring import signin_store

    accounts.add_user(store, "王局长", "s3cret-pass", LEADER)
    for _ in range(4):
        assert accounts.sign_in(store, "王局长", "guess-guess").message.startswith("用户名或密码")
    fifth = accounts.sign_in(store, "王局长", "guess-guess")
    assert fifth.user is None and "这个账号已暂时锁定" in fifth.message
    # the right password no longer helps (and is not even checked) while locked
    verified = []
    real = accounts._hasher.verify
    spy(monkeypatch, lambda h, p: verified.append(p) or real(h, p))
    assert accounts.sign_in(store, "王局长", "s3cret-pass").user is None and verified == []
    assert store.audit_log()["action"].tolist()[0] == "登录锁定"
    with pytest.raises(PermissionDenied):
        accounts.unlock_sign_in(store, LEAD, "王局长")
    assert [(k, n) for k, n, _ in accounts.sign_in_locks(store, OFFICE)] == [("account", "王局长")]
    assert accounts.unlock_sign_in(store, OFFICE, "王局长")
    assert store.audit_log()["action"].tolist()[0] == "解除登录锁定"
    assert accounts.sign_in(store, "王局长", "s3cret-pass").user == LEAD
    # a lock also ends by itself after 15 minutes
    for _ in range(5):
        accounts.sign_in(store, "王局长", "guess-guess")
    assert accounts.sign_in(store, "王局长", "s3cret-pass").user is None
    later = signin_store._now() + accounts.LOCK + timedelta(seconds=1)
    monkeypatch.setattr(signin_store, "_now", lambda: later)
    assert accounts.sign_in(store, "王局长", "s3cret-pass").user == LEAD


def test_unknown_names_cost_the_same_and_lock_the_same(store, monkeypatch):
    accounts.add_user(store, "王局长", "s3cret-pass", LEADER)
    hashes = []
    real = accounts._hasher.verify
    spy(monkeypatch, lambda h, p: hashes.append(h) or real(h, p))
    real_name = [accounts.sign_in(store, "王局长", "guess-guess").message for _ in range(6)]
    made_up = [accounts.sign_in(store, "李局长", "guess-guess").message for _ in range(6)]
    same_minute = [re.sub(r"\d\d:\d\d", "hh:mm", m) for m in real_name + made_up]
    assert same_minute[:6] == same_minute[6:]  # nothing tells which name exists
    assert len(hashes) == 10  # five verifications each (the sixth is refused before)
    assert hashes[5] == accounts._dummy_hash() != hashes[0]


def test_no_work_before_a_valid_form(store, monkeypatch):
    accounts.add_user(store, "王局长", "s3cret-pass", LEADER)
    monkeypatch.setattr(accounts, "_verify", lambda *a: pytest.fail("hashed an invalid form"))
    forms = (("王局长", "x" * 1_000_000), ("王" * 65, "s3cret-pass"), ("", "a"), ("a", ""))
    for name, password in forms:
        assert accounts.sign_in(store, name, password).message == accounts.WRONG
    assert store.query("SELECT count(*) AS n FROM sign_in_failures")["n"][0] == 0
    with pytest.raises(ValueError, match="至多 256"):
        accounts.add_user(store, "x", "p" * 257, LEADER, by=OFFICE)


def test_one_address_trying_many_names_is_locked(store):
    accounts.add_user(store, "王局长", "s3cret-pass", LEADER)
    for i in range(accounts.ADDRESS_FAILURES):
        last = accounts.sign_in(store, f"猜测{i}", "guess-guess", address="10.0.0.9")
    assert "您所在的地址已暂时锁定" in last.message
    assert accounts.sign_in(store, "王局长", "s3cret-pass", address="10.0.0.9").user is None
    assert accounts.sign_in(store, "王局长", "s3cret-pass", address="10.0.0.7").user == LEAD
    assert accounts.unlock_sign_in(store, OFFICE, "10.0.0.9", kind="address")
    assert accounts.sign_in(store, "王局长", "s3cret-pass", address="10.0.0.9").user == LEAD


def test_at_most_two_passwords_are_hashed_at_once(store, monkeypatch):
    accounts.add_user(store, "王局长", "s3cret-pass", LEADER)
    running, peak = [0], [0]
    lock = threading.Lock()
    real = accounts._hasher.verify

    def verify(h, p):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)
            return real(h, p)
        finally:
            with lock:
                running[0] -= 1

    spy(monkeypatch, verify)
    threads = [
        threading.Thread(target=accounts.sign_in, args=(store, f"用户{i}", "guess-guess"))
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2


def test_a_password_reset_never_reactivates_and_reenabling_keeps_the_scope(store):
    accounts.add_user(store, "admin", "admin-pass", ADMIN)
    accounts.add_user(
        store, "录入员甲", "clerk-pass", EVALUATOR, sources=["adjustments"], years=[2025], by=OFFICE
    )
    stopped = accounts.set_active(store, "录入员甲", False, OFFICE)
    assert stopped.lines == ("状态：启用 → 停用",)
    reset = accounts.plan_account(store, "录入员甲", password="new-clerk-pass")
    assert reset.lines == ("密码：重设", "状态：仍为停用（修改不会启用账号）")
    accounts.apply_account(store, reset, OFFICE)
    assert accounts.authenticate(store, "录入员甲", "new-clerk-pass") is None
    assert not store.user_row("录入员甲")["active"]
    again = accounts.set_active(store, "录入员甲", True, OFFICE)
    assert again.lines == ("状态：停用 → 启用", "启用后仍只能上传：来源 加减分，年度 2025")
    assert accounts.authenticate(store, "录入员甲", "new-clerk-pass") == CLERK
    # the command line's "user add" on an existing account changes only what it names
    widened = accounts.plan_account(store, "录入员甲", role=EVALUATOR, sources=[], years=None)
    assert widened.lines == ("可上传来源：加减分 → 全部",)
    log = store.audit_log()
    assert log.loc[log["action"] == "修改账号", "detail"].tolist() == [
        "状态：停用 → 启用；启用后仍只能上传：来源 加减分，年度 2025",
        "密码：重设；状态：仍为停用（修改不会启用账号）",
        "状态：启用 → 停用",
    ]
    with pytest.raises(PermissionDenied):
        accounts.set_active(store, "admin", False, CLERK)
    with pytest.raises(ValueError, match="唯一启用的管理员"):
        accounts.set_active(store, "admin", False, OFFICE)


def test_scheme_and_account_writes_check_the_role_whoever_calls(store):
    from scoring.scheme_preview import save as save_scheme

    accounts.add_user(store, "admin", "admin-pass", ADMIN)
    with pytest.raises(PermissionDenied, match="修改考评方案"):
        save_scheme(store, LEAD, 2025, default_scheme().text, "试图修改")
    with pytest.raises(PermissionDenied, match="管理账号"):
        accounts.add_user(store, "新人", "new-person", ADMIN, by=CLERK)
    with pytest.raises(PermissionDenied):
        accounts.add_user(store, "新人", "new-person", ADMIN)  # no acting user at all
    assert store.scheme_text(2025) is None and store.user_row("新人") is None


def test_the_command_line_acts_as_a_named_active_account(tmp_path, monkeypatch, capsys):
    from scoring.cli import main

    db = tmp_path / "cli.duckdb"
    monkeypatch.setenv("SCORING_DB", str(db))
    scheme_file = tmp_path / "方案.toml"
    scheme_file.write_text(default_scheme().text, encoding="utf-8")
    # no account yet: the command line may set up the database (as 管理员)
    assert main(["user", "add", "admin", "--role", ADMIN, "--password", "admin-pass"]) == 0
    assert main(["user", "add", "王局长", "--role", LEADER, "--password", "leader-pass"]) == 2
    assert "请用 --user 指定" in capsys.readouterr().err
    assert main(["--user", "admin", "user", "add", "王局长", "--role", LEADER]) == 0
    code = main(["scheme", "--year", "2025", "--set", str(scheme_file), "--user", "王局长"])
    assert code == 2 and "王局长（领导）无权进行此操作：修改考评方案" in capsys.readouterr().err
    assert main(["scheme", "--year", "2025", "--set", str(scheme_file), "--user", "nobody"]) == 2
    assert "没有名为「nobody」的启用账号" in capsys.readouterr().err
    assert main(["scheme", "--year", "2025", "--set", str(scheme_file), "--user", "admin"]) == 0
    for _ in range(accounts.ACCOUNT_FAILURES):
        with Store(db) as s:
            accounts.sign_in(s, "王局长", "guess-guess")
    assert main(["user", "unlock", "王局长", "--user", "admin"]) == 0
    assert main(["user", "unlock", "王局长", "--user", "admin"]) == 2
    with Store(db) as s:
        assert s.scheme_text(2025)[0] == 1
        assert accounts.authenticate(s, "王局长", "leader-pass") is None  # random password set
        actions = s.audit_log()["action"].tolist()
    assert [a for a in actions if "锁定" in a][:2] == ["解除登录锁定", "登录锁定"]


def test_the_admin_page_shows_a_change_before_applying_it(app_db, tmp_path):
    from pages.common import get_store
    from tests.test_pages import run_app

    app_db(tmp_path / "admin.duckdb")
    at = run_app("pages/admin.py")  # signs in 效能办 (管理员)
    store = get_store()
    accounts.add_user(
        store, "录入员甲", "clerk-pass", EVALUATOR, sources=["adjustments"], years=[2025], by=OFFICE
    )
    accounts.set_active(store, "录入员甲", False, OFFICE)
    at.run()
    at.selectbox(key="edit_name").set_value("录入员甲").run()
    at.text_input(key="edit_password_录入员甲").input("reset-pass-1")
    at.button[1].click().run()  # 预览修改 (the first button is 预览新建)
    shown = at.text[0].value
    assert shown == "账号：录入员甲\n密码：重设\n状态：仍为停用（修改不会启用账号）"
    assert accounts.authenticate(store, "录入员甲", "clerk-pass") is None
    row = store.user_row("录入员甲")
    assert accounts._hasher.verify(row["password_hash"], "clerk-pass")  # not applied yet
    at.button(key="confirm_change").click().run()
    assert not at.exception
    row = store.user_row("录入员甲")
    assert accounts._hasher.verify(row["password_hash"], "reset-pass-1") and not row["active"]
    at.button(key="toggle_active").click().run()
    assert at.text[0].value.splitlines()[1:] == [
        "状态：停用 → 启用",
        "启用后仍只能上传：来源 加减分，年度 2025",
    ]
    at.button(key="confirm_change").click().run()
    assert accounts.authenticate(store, "录入员甲", "reset-pass-1") == CLERK


def test_a_new_account_saved_leaves_an_empty_form(app_db, tmp_path):
    """The walk-through's 新建账号 form kept the name and the password after saving."""
    from pages.common import get_store
    from tests.test_pages import run_app

    app_db(tmp_path / "admin.duckdb")
    at = run_app("pages/admin.py")
    at.text_input(key="new_name").input("王录入")
    at.selectbox(key="new_role").set_value(EVALUATOR)
    at.text_input(key="new_password").input("clerk-pass-2")
    at.text_input(key="new_years").input("2026")
    at.button[0].click().run()  # 预览新建
    at.button(key="confirm_change").click().run()
    assert not at.exception
    assert get_store().user_row("王录入") is not None
    assert at.text_input(key="new_name").value == ""
    assert at.text_input(key="new_password").value == ""
    assert at.text_input(key="new_years").value == ""
    assert at.selectbox(key="new_role").value is None


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("12345678", "全是数字"),
        ("aaaaaaaa", "同一个字符"),
        ("abcdefgh", "连续的字母或数字"),
        ("Password", "太常见"),
        ("wanglu2026", None),
    ],
)
def test_an_easy_password_is_refused_for_new_accounts_and_changes(store, password, why):
    """The walk-through set the administrator's first password to 12345678."""
    accounts.add_user(store, "admin", "first-pass-1", ADMIN)
    admin = User("admin", ADMIN)
    if why is None:
        accounts.add_user(store, "王录入", password, EVALUATOR, by=admin)
        accounts.change_password(store, admin, "first-pass-1", password)
        assert accounts.authenticate(store, "admin", password) is not None
        return
    with pytest.raises(ValueError, match=why):
        accounts.add_user(store, "王录入", password, EVALUATOR, by=admin)
    assert store.user_row("王录入") is None
    with pytest.raises(ValueError, match="新密码.*" + why):
        accounts.change_password(store, admin, "first-pass-1", password)
    assert accounts.authenticate(store, "admin", "first-pass-1") is not None
