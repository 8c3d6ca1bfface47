"""Who may do what (scoring/accounts.py), enforced where data changes."""

from __future__ import annotations

import pytest

from scoring import accounts
from scoring.accounts import ADMIN, EVALUATOR, LEADER, PermissionDenied, User
from scoring.imports import commit, import_file, load_units, prepare, undo
from scoring.scheme import default_scheme
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
    with pytest.raises(PermissionDenied, match="appraisal"):
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
        accounts.add_user(store, "x", "short", LEADER)


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
    accounts.add_user(registered, "王局长", "s3cret-pass", LEADER, by="效能办")
    accounts.authenticate(registered, "王局长", "bad-password")
    log = registered.audit_log()
    actions = log["action"].tolist()[::-1]
    assert actions == ["更新单位名录", "上传", "撤销上传", "设置考评方案", "设置账号", "登录失败"]
    assert set(log["user"][log["action"] != "登录失败"]) == {"效能办"}
    assert "加减分.xlsx" in log.loc[log["action"] == "上传", "detail"].iloc[0]
