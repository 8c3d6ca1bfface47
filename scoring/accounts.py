"""Accounts and roles (账号与权限): who may do what, checked on the server for every action.

Roles: 管理员 (the office: scheme, registry, accounts, publishing, everything),
录入员 (evaluators: upload, and undo their own uploads, for the sources and years they
are assigned), 领导 (view everything, change nothing). Passwords are hashed with
argon2 (argon2-cffi); no password is stored or logged in plain text.
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scoring import session_store, signin_store
from scoring.store import Store

__all__ = [
    "ADMIN",
    "EVALUATOR",
    "LEADER",
    "ROLES",
    "PermissionDenied",
    "SignIn",
    "User",
    "add_user",
    "authenticate",
    "authorize",
    "can",
    "change_password",
    "ensure_admin",
    "refresh",
    "sign_in",
    "sign_in_locks",
    "unlock_sign_in",
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
# Sign-in limits (登录限制): checked before any password is hashed.
NAME_MAX = 64  # characters of an account name
PASSWORD_MAX = 256  # characters of a password: nobody hashes a megabyte
ACCOUNT_FAILURES = 5  # wrong passwords for one account name within WINDOW lock it for LOCK
ADDRESS_FAILURES = 20  # failed sign-ins from one address within WINDOW lock the address
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
# argon2 takes 64 MB per hash: at most two at once, however many sign-ins arrive together.
_HASHING = threading.BoundedSemaphore(2)
WRONG = "用户名或密码不正确，或账号已停用。"


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
    if len(password) > PASSWORD_MAX or len(name.strip()) > NAME_MAX:
        raise ValueError(f"用户名至多 {NAME_MAX} 个字符，密码至多 {PASSWORD_MAX} 个字符")
    store.save_user(
        name.strip(), _hasher.hash(password), role, list(sources or []), list(years or []), by
    )
    # A password set by someone else is changed by its owner at first sign-in.
    session_store.set_must_change_password(store, name.strip(), by != name.strip())
    return User(name.strip(), role, tuple(sources or ()), tuple(years or ()))


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user, or the Chinese message to show instead."""

    user: User | None
    message: str = ""


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown: the same work either way, so the
    time taken says nothing about which names exist."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    with _HASHING:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def sign_in(store: Store, name: str, password: str, address: str | None = None) -> SignIn:
    """Check a sign-in form, throttled (登录限制).

    Nothing is hashed for a form that cannot be right (empty, or longer than NAME_MAX /
    PASSWORD_MAX) or while the account name or the client's address is locked. An unknown
    name costs one verification against a dummy hash, like a known one. Each failure counts
    against the name typed (whether or not it exists) and the address (when known):
    ACCOUNT_FAILURES within WINDOW lock the name, ADDRESS_FAILURES the address, for LOCK;
    locks go to the audit log and the administrator can lift them (``unlock_sign_in``)."""
    name = (name or "").strip()
    password = password or ""
    if not name or not password or len(name) > NAME_MAX or len(password) > PASSWORD_MAX:
        return SignIn(None, WRONG)
    for kind, key in (("address", address), ("account", name)):
        if key and (until := signin_store.locked_until(store, kind, key)):
            return SignIn(None, _locked_message(kind, until))
    row = store.user_row(name)
    good = _verify(row["password_hash"] if row else _dummy_hash(), password)
    if good and row["active"]:
        signin_store.clear(store, "account", name)
        store.audit(name, "登录", "")
        return SignIn(_user(row))
    if row is not None:
        store.audit(name, "登录失败", "账号已停用" if good else "密码错误")
    locks = [
        (
            "account",
            signin_store.failed(
                store, "account", name, limit=ACCOUNT_FAILURES, window=WINDOW, lock=LOCK
            ),
        ),
    ]
    if address:
        locks.append(
            (
                "address",
                signin_store.failed(
                    store, "address", address, limit=ADDRESS_FAILURES, window=WINDOW, lock=LOCK
                ),
            )
        )
    for kind, until in locks:
        if until:
            return SignIn(None, _locked_message(kind, until))
    return SignIn(None, WRONG)


def _locked_message(kind: str, until: datetime) -> str:
    who = "这个账号" if kind == "account" else "您所在的地址"
    return (
        f"登录失败次数过多，{who}已暂时锁定，请在 {until:%H:%M} 之后再试，"
        "或请管理员在「账号与审计」页面解除锁定。"
    )


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the name and password match an active account, else None (throttled
    like ``sign_in``, without an address)."""
    return sign_in(store, name, password).user


def sign_in_locks(store: Store, user: User | None) -> list[tuple[str, str, datetime]]:
    """The sign-in locks in force: (kind 'account' or 'address', name or address, until)."""
    authorize(user, "accounts")
    return signin_store.locks(store)


def unlock_sign_in(store: Store, user: User | None, key: str, kind: str = "account") -> bool:
    """Lift a sign-in lock (管理员); False when that name or address was not locked."""
    authorize(user, "accounts")
    return signin_store.unlock(store, kind, key, user.name)


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
