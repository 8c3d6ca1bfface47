"""Accounts and roles (账号与权限): who may do what, checked on the server for every action.

Roles: 管理员 (the office: scheme, registry, accounts, publishing, everything),
录入员 (evaluators: upload, and undo their own uploads, for the sources and years they
are assigned), 领导 (view everything, change nothing). Passwords are hashed with
argon2 (argon2-cffi); no password is stored or logged in plain text.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scoring import session_store, signin_store
from scoring.sources import SOURCE_NAMES
from scoring.store import Store

__all__ = [
    "ADMIN",
    "EVALUATOR",
    "LEADER",
    "ROLES",
    "AccountChange",
    "PermissionDenied",
    "SignIn",
    "User",
    "add_user",
    "apply_account",
    "authenticate",
    "authorize",
    "can",
    "change_password",
    "ensure_admin",
    "operator",
    "plan_account",
    "refresh",
    "set_active",
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
    """The user's role does not allow the action; the message says why, in Chinese.
    ``what``: the action refused, in words (「发布结果」)."""

    def __init__(self, message: str, what: str = "") -> None:
        super().__init__(message)
        self.what = what


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
    """Whether ``user`` may do ``action`` (on that source, year, or someone's upload).
    Only a ``User`` may do anything: a bare name (a string) may not."""
    if not isinstance(user, User) or user.role not in ACTIONS.get(action, ()):
        return False
    if user.role != EVALUATOR:
        return True
    if source is not None and user.sources and source not in user.sources:
        return False
    if year is not None and user.years and year not in user.years:
        return False
    return not (action == "undo" and owner is not None and owner != user.name)


def authorize(
    user: User | None,
    action: str,
    *,
    source: str | None = None,
    year: int | None = None,
    owner: str | None = None,
) -> User:
    """Raise ``PermissionDenied`` unless ``can``; every write path calls this first.
    Returns the user, known to be signed in from here on (``user = authorize(user, ...)``)."""
    if not isinstance(user, User) or not can(user, action, source=source, year=year, owner=owner):
        who = f"{user.name}（{user.role}）" if isinstance(user, User) else "未登录用户"
        scope = {"source": source, "year": year, "owner": owner}
        what = _describe(action, scope)
        raise PermissionDenied(f"{who}无权进行此操作：{what}。", what)
    return user


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
        parts.append(f"来源「{SOURCE_NAMES.get(scope['source'], scope['source'])}」")
    if scope.get("year"):
        parts.append(f"{scope['year']} 年度")
    if scope.get("owner"):
        parts.append(f"{scope['owner']} 的上传")
    return "，".join(parts)


@dataclass(frozen=True)
class AccountChange:
    """A change to one account (账号变更), worked out before it is applied so that the page
    and the command line can say exactly what will change: ``lines`` in Chinese."""

    name: str
    new: bool
    role: str
    sources: tuple[str, ...]
    years: tuple[int, ...]
    active: bool
    lines: tuple[str, ...]
    password_hash: str | None = field(default=None, repr=False)  # None: unchanged

    @property
    def summary(self) -> str:
        return "；".join(self.lines) if self.lines else "没有任何修改"


def _scope(values: Sequence, names: dict | None = None) -> str:
    if not values:
        return "全部"
    return "、".join(str(names.get(v, v) if names else v) for v in values)


COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "passw0rd",
        "qwertyui",
        "qwerty123",
        "1qaz2wsx",
        "1q2w3e4r",
        "admin123",
        "admin888",
        "admin1234",
        "abc12345",
        "abcd1234",
        "a1234567",
        "aa123456",
        "iloveyou",
        "woaini1314",
        "88888888",
        "12345678",
        "123456789",
        "1234567890",
        "11111111",
        "00000000",
        "66666666",
        "147258369",
        "123123123",
        "zxcvbnm1",
    }
)


def weak_password(password: str, name: str = "") -> str | None:
    """Why a password is too easy to guess (in the words said to the user), or None:
    fewer than 8 characters, digits only, one character repeated, a run such as
    12345678 or abcdefgh, a password on every list, or the account's own name.

    >>> weak_password("12345678"), weak_password("Zhangsan", "zhangsan"), weak_password("ab-2026-x")
    ('密码不能全是数字', '密码不能与用户名相同', None)
    """
    if len(password) < 8:
        return "密码至少 8 个字符"
    if password.isdigit():
        return "密码不能全是数字"
    if len(set(password)) == 1:
        return "密码不能由同一个字符重复组成"
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(password)}
    if steps in ({1}, {-1}):
        return "密码不能是连续的字母或数字（如 abcdefgh）"
    if password.lower() in COMMON_PASSWORDS:
        return "这个密码太常见，容易被猜中"
    if password.lower() == name.lower():
        return "密码不能与用户名相同"
    return None


def _check_fields(
    name: str, role: str | None, password: str | None, sources: Sequence[str] | None
) -> None:
    if not name:
        raise ValueError("用户名不能为空")
    if len(name) > NAME_MAX:
        raise ValueError(f"用户名至多 {NAME_MAX} 个字符")
    if role is not None and role not in ROLES:
        raise ValueError(f"角色应为 {'、'.join(ROLES)}，而不是「{role}」")
    if password is not None and len(password) > PASSWORD_MAX:
        raise ValueError(f"密码至多 {PASSWORD_MAX} 个字符")
    if password is not None and (weak := weak_password(password, name)):
        raise ValueError(weak)
    if any(not str(s).strip() or len(str(s)) > NAME_MAX for s in sources or ()):
        raise ValueError("来源名称不能为空，也不能过长")


def _change_lines(old: User, was_active: bool, new: User, active: bool, reset: bool) -> list[str]:
    """What changes between two states of an account, in the office's words."""
    N = SOURCE_NAMES
    lines: list[str] = []
    if new.role != old.role:
        lines.append(f"角色：{old.role} → {new.role}")
    if set(new.sources) != set(old.sources):
        lines.append(f"可上传来源：{_scope(old.sources, N)} → {_scope(new.sources, N)}")
    if set(new.years) != set(old.years):
        lines.append(f"可上传年度：{_scope(old.years)} → {_scope(new.years)}")
    if reset:
        lines.append("密码：重设")
    if active != was_active:
        lines.append(f"状态：{'停用 → 启用' if active else '启用 → 停用'}")
        if active and new.role == EVALUATOR:
            lines.append(
                f"启用后仍只能上传：来源 {_scope(new.sources, N)}，年度 {_scope(new.years)}"
            )
    elif lines and not active:
        lines.append("状态：仍为停用（修改不会启用账号）")
    return lines


def _keep_an_admin(store: Store, name: str) -> None:
    admins = store.users()
    others = admins[(admins["role"] == ADMIN) & admins["active"] & (admins["name"] != name)]
    if others.empty:
        raise ValueError("这是唯一启用的管理员账号，不能停用或改为其他角色")


def plan_account(
    store: Store,
    name: str,
    *,
    role: str | None = None,
    password: str | None = None,
    sources: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    active: bool | None = None,
) -> AccountChange:
    """What saving these fields would do; ``None`` keeps a field as it is (for a new
    account: sources and years all, active). A password reset never re-activates a stopped
    account and re-enabling keeps its sources and years: only what is named changes."""
    name = (name or "").strip()
    _check_fields(name, role, password, sources)
    row = store.user_row(name)
    if row is None:
        if role is None or password is None:
            raise ValueError(f"没有账号「{name}」；新建账号需要角色和密码")
        new_sources, new_years = tuple(sources or ()), tuple(int(y) for y in years or ())
        state = "启用" if active is None or active else "停用"
        # Sources and years bound what a 录入员 may upload; other roles' are not theirs to use.
        scope = (
            f"可上传来源 {_scope(new_sources, SOURCE_NAMES)}；可上传年度 {_scope(new_years)}；"
            if role == EVALUATOR
            else ""
        )
        lines: tuple[str, ...] = (f"新建账号「{name}」：角色 {role}；{scope}{state}",)
        return AccountChange(
            name,
            True,
            role,
            new_sources,
            new_years,
            active is None or active,
            lines,
            _hasher.hash(password),
        )
    old = _user(row)
    new = User(
        name,
        old.role if role is None else role,
        old.sources if sources is None else tuple(sources),
        old.years if years is None else tuple(int(y) for y in years),
    )
    was_active = bool(row["active"])
    new_active = was_active if active is None else active
    lines = tuple(_change_lines(old, was_active, new, new_active, password is not None))
    if old.role == ADMIN and was_active and (new.role != ADMIN or not new_active):
        _keep_an_admin(store, name)
    return AccountChange(
        name,
        False,
        new.role,
        new.sources,
        new.years,
        new_active,
        tuple(lines),
        None if password is None else _hasher.hash(password),
    )


def apply_account(store: Store, change: AccountChange, by: User | None) -> None:
    """Apply a planned change (管理员; the first account of an empty database by anyone who
    can write its file). The audit log records exactly what changed."""
    if not (change.new and store.users().empty):
        authorize(by, "accounts")
    if not change.lines:
        return
    # (a bare name can only set up the first account of an empty database)
    by_name = by.name if isinstance(by, User) else str(by or "系统初始化")
    store.save_account(
        name=change.name,
        new=change.new,
        password_hash=change.password_hash,
        role=change.role,
        sources=list(change.sources),
        years=list(change.years),
        active=change.active,
        by=by_name,
        detail=change.summary,
    )
    if change.password_hash is not None:
        # A password set by someone else is changed by its owner at first sign-in.
        session_store.set_must_change_password(store, change.name, by_name != change.name)


def add_user(
    store: Store,
    name: str,
    password: str,
    role: str,
    *,
    sources: list[str] | None = None,
    years: list[int] | None = None,
    by: User | None = None,
) -> User:
    """Create an account, or reset one's password and set its role (command line
    ``user add``). Sources and years not given: all for a new account, unchanged for an
    existing one; a stopped account stays stopped. Authorised: see ``apply_account``."""
    if not store.users().empty:
        authorize(by, "accounts")  # before anything is worked out or hashed
    change = plan_account(store, name, role=role, password=password, sources=sources, years=years)
    apply_account(store, change, by)
    return User(change.name, change.role, change.sources, change.years)


def set_active(store: Store, name: str, active: bool, by: User | None) -> AccountChange:
    """Stop or re-enable an account; its role, sources and years stay as they are."""
    authorize(by, "accounts")
    change = plan_account(store, name, active=active)
    apply_account(store, change, by)
    return change


def operator(store: Store, name: str) -> User | None:
    """The active account called ``name`` (the command line acts as it), else None."""
    row = store.user_row((name or "").strip())
    return _user(row) if row is not None and row["active"] else None


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
    if good and row is not None and row["active"]:  # only a stored hash can verify
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
    user = authorize(user, "accounts")
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


def _list(value: Any) -> list[Any]:
    """A list cell as read from DuckDB (a list or an array; NULL is None)."""
    return [] if value is None else list(value)


def ensure_admin(store: Store, name: str = "admin") -> str | None:
    """On first run (no accounts), create an administrator; return its one-time password."""
    if not store.users().empty:
        return None
    password = secrets.token_urlsafe(12)
    add_user(store, name, password, ADMIN)  # the first account: allowed without a user
    return password


def change_password(
    store: Store, user: User | None, old: str, new: str, keep_session: str | None = None
) -> None:
    """Self-service password change (every role, own account only): the old password
    must match; the new one has at least 8 characters and differs. Other sessions of the
    account end (``keep_session``, the current one's id, stays)."""
    authorize(user, "own_password")
    assert user is not None
    if len(old) > PASSWORD_MAX or len(new) > PASSWORD_MAX:  # before any hashing
        raise ValueError(f"密码至多 {PASSWORD_MAX} 个字符。")
    row = store.user_row(user.name)
    if not _verify(row["password_hash"] if row else _dummy_hash(), old):
        raise ValueError("原密码不正确。")
    if weak := weak_password(new, user.name):
        raise ValueError(f"新密码不可用：{weak}。")
    if new == old:
        raise ValueError("新密码不能与原密码相同。")
    session_store.set_password_hash(store, user.name, _hasher.hash(new))
    session_store.set_must_change_password(store, user.name, False)
    session_store.end_sessions_of(store, user.name, keep=keep_session)
