"""Accounts and roles (账号与权限): who may do what, checked on the server for every action.

Roles: 管理员 (the office: scheme, registry, accounts, publishing, everything),
录入员 (evaluators: upload, and undo their own uploads, for the sources and years they
are assigned), 领导 (view everything, change nothing). Passwords are hashed with
argon2 (argon2-cffi); no password is stored or logged in plain text.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scoring import session_store
from scoring.store import Store

__all__ = [
    "ADMIN",
    "EVALUATOR",
    "LEADER",
    "ROLES",
    "PermissionDenied",
    "User",
    "add_user",
    "authenticate",
    "authorize",
    "can",
    "change_password",
    "ensure_admin",
    "refresh",
]

ADMIN, EVALUATOR, LEADER = "管理员", "录入员", "领导"
ROLES = (ADMIN, EVALUATOR, LEADER)
ACTIONS = {
    "view": (ADMIN, EVALUATOR, LEADER),
    "upload": (ADMIN, EVALUATOR),
    "undo": (ADMIN, EVALUATOR),  # 录入员: their own uploads only
    "restore": (ADMIN,),  # from the 回收站
    "units": (ADMIN,),
    "scheme": (ADMIN,),
    "accounts": (ADMIN,),
    "audit": (ADMIN,),
    "publish": (ADMIN,),
    # 督查与投诉 (scoring/cases.py): 录入员 register cases for their assigned case sources;
    # 管理员 verify, advance and close them, record 问责, and see complainants' contacts.
    "case_register": (ADMIN, EVALUATOR),
    "case_handle": (ADMIN,),
    "accountability": (ADMIN,),
    "case_contact": (ADMIN,),
    # 整改 (scoring.rectify): a 录入员 updates the units assigned to them (rectify_scopes).
    "rectify_progress": (ADMIN, EVALUATOR),
    "rectify_manage": (ADMIN,),  # open, sign off, 回头看, revoke, sync, stages, 意见 review
    "own_password": (ADMIN, EVALUATOR, LEADER),  # every role changes its own password
}
_hasher = PasswordHasher()


class PermissionDenied(PermissionError):
    """The user's role does not allow the action; the message says why, in Chinese."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    sources: tuple[str, ...] = field(default=())  # empty: every source
    years: tuple[int, ...] = field(default=())  # empty: every year


def can(
    user: User | None,
    action: str,
    *,
    source: str | None = None,
    year: int | None = None,
    owner: str | None = None,
) -> bool:
    """Whether ``user`` may do ``action`` (on that source, year, or someone's upload)."""
    if user is None or user.role not in ACTIONS.get(action, ()):
        return False
    if user.role != EVALUATOR:
        return True
    if source is not None and user.sources and source not in user.sources:
        return False
    if year is not None and user.years and year not in user.years:
        return False
    return not (action == "undo" and owner is not None and owner != user.name)


def authorize(user: User | None, action: str, **scope: object) -> None:
    """Raise ``PermissionDenied`` unless ``can``; every write path calls this first."""
    if not can(user, action, **scope):
        who = "未登录用户" if user is None else f"{user.name}（{user.role}）"
        raise PermissionDenied(f"{who}无权进行此操作：{_describe(action, scope)}。")


def _describe(action: str, scope: dict) -> str:
    words = {
        "view": "查看",
        "upload": "上传数据",
        "undo": "撤销上传",
        "restore": "从回收站恢复上传",
        "units": "修改单位名录",
        "scheme": "修改考评方案",
        "accounts": "管理账号",
        "audit": "查看审计日志",
        "publish": "发布结果",
        "case_register": "登记督查与投诉案件",
        "case_handle": "核实、办理或办结案件",
        "accountability": "登记问责",
        "case_contact": "查看投诉人联系方式",
        "rectify_progress": "更新整改进展",
        "rectify_manage": "管理整改（建立、销号、回头看、撤销）",
        "own_password": "修改本人密码",
    }
    parts = [words.get(action, action)]
    if scope.get("source"):
        parts.append(f"来源 {scope['source']}")
    if scope.get("year"):
        parts.append(f"{scope['year']} 年度")
    if scope.get("owner"):
        parts.append(f"{scope['owner']} 的上传")
    return "，".join(parts)


def add_user(
    store: Store,
    name: str,
    password: str,
    role: str,
    *,
    sources: list[str] | None = None,
    years: list[int] | None = None,
    by: str = "命令行",
) -> User:
    """Create or reset an account. The password is hashed before it reaches the store."""
    if role not in ROLES:
        raise ValueError(f"角色应为 {'、'.join(ROLES)}，而不是「{role}」")
    if not name.strip():
        raise ValueError("用户名不能为空")
    if len(password) < 8:
        raise ValueError("密码至少 8 个字符")
    store.save_user(
        name.strip(), _hasher.hash(password), role, list(sources or []), list(years or []), by
    )
    # A password set by someone else is changed by its owner at first sign-in.
    session_store.set_must_change_password(store, name.strip(), by != name.strip())
    return User(name.strip(), role, tuple(sources or ()), tuple(years or ()))


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the name and password match an active account, else None."""
    row = store.user_row(name.strip())
    if row is None or not row["active"]:
        _hasher.hash(password)  # same work either way: no timing hint that the name exists
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        store.audit(name, "登录失败", "密码错误")
        return None
    store.audit(name, "登录", "")
    return _user(row)


def refresh(store: Store, user: User | None) -> User | None:
    """The signed-in user as the store has them now: None once the account is gone or
    stopped, with the current role otherwise (so a change takes effect on the next click)."""
    if user is None:
        return None
    row = store.user_row(user.name)
    if row is None or not row["active"]:
        return None
    return _user(row)


def _user(row: dict) -> User:
    return User(
        row["name"],
        row["role"],
        tuple(_list(row["sources"])),
        tuple(int(y) for y in _list(row["years"])),
    )


def _list(value: object) -> list:
    return [] if value is None else list(value)


def ensure_admin(store: Store, name: str = "admin") -> str | None:
    """On first run (no accounts), create an administrator; return its one-time password."""
    if not store.users().empty:
        return None
    password = secrets.token_urlsafe(12)
    add_user(store, name, password, ADMIN, by="系统初始化")
    return password


def change_password(
    store: Store, user: User | None, old: str, new: str, keep_session: str | None = None
) -> None:
    """Self-service password change (every role, own account only): the old password
    must match; the new one has at least 8 characters and differs. Other sessions of the
    account end (``keep_session``, the current one's id, stays)."""
    authorize(user, "own_password")
    assert user is not None
    row = store.user_row(user.name)
    try:
        _hasher.verify(row["password_hash"] if row else "", old)
    except (VerifyMismatchError, VerificationError, InvalidHashError) as exc:
        raise ValueError("原密码不正确。") from exc
    if len(new) < 8:
        raise ValueError("新密码至少 8 个字符。")
    if new == old:
        raise ValueError("新密码不能与原密码相同。")
    session_store.set_password_hash(store, user.name, _hasher.hash(new))
    session_store.set_must_change_password(store, user.name, False)
    session_store.end_sessions_of(store, user.name, keep=keep_session)
