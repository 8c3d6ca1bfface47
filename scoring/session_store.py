"""Sign-in sessions and password changes in the store (登录会话): the SQL behind
``scoring.sessions`` and the forced password change, kept apart from store.py.

Every write goes through ``Store.transaction`` (one writer at a time, all or nothing)."""

from __future__ import annotations

import datetime as dt
import secrets

from scoring.sqlrows import scalar
from scoring.store import Store

__all__ = [
    "end_session",
    "end_sessions_of",
    "must_change_password",
    "new_session",
    "secret",
    "session_user",
    "set_must_change_password",
    "set_password_hash",
]


def secret(store: Store, name: str = "session") -> str:
    """This database's signing secret, made on first use (never leaves the server)."""
    rows = store.query("SELECT value FROM app_secrets WHERE name = ?", [name])
    if not rows.empty:
        return str(rows["value"].iloc[0])
    value = secrets.token_urlsafe(48)
    with store.transaction() as cur:
        cur.execute("INSERT OR IGNORE INTO app_secrets (name, value) VALUES (?, ?)", [name, value])
        return str(scalar(cur.execute("SELECT value FROM app_secrets WHERE name = ?", [name])))


def new_session(store: Store, user: str, lifetime: dt.timedelta) -> str:
    """A new session row for ``user``; its id (random, 256 bits)."""
    sid = secrets.token_urlsafe(32)
    expires = dt.datetime.now() + lifetime
    with store.transaction() as cur:
        cur.execute(
            'INSERT INTO sessions (id, "user", expires_at) VALUES (?, ?, ?)', [sid, user, expires]
        )
    return sid


def session_user(store: Store, sid: str) -> str | None:
    """The user of a live session (not ended, not expired), else None."""
    rows = store.query(
        'SELECT "user" FROM sessions WHERE id = ? AND ended_at IS NULL '
        "AND expires_at > current_localtimestamp()",
        [sid],
    )
    return None if rows.empty else str(rows["user"].iloc[0])


def end_session(store: Store, sid: str) -> None:
    with store.transaction() as cur:
        cur.execute(
            "UPDATE sessions SET ended_at = current_localtimestamp() "
            "WHERE id = ? AND ended_at IS NULL",
            [sid],
        )


def end_sessions_of(store: Store, user: str, keep: str | None = None) -> None:
    """End every session of ``user`` but ``keep`` (after a password change)."""
    with store.transaction() as cur:
        cur.execute(
            "UPDATE sessions SET ended_at = current_localtimestamp() "
            'WHERE "user" = ? AND ended_at IS NULL AND id IS DISTINCT FROM ?',
            [user, keep],
        )


def must_change_password(store: Store, name: str) -> bool:
    rows = store.query("SELECT must_change FROM password_changes WHERE name = ?", [name])
    return bool(rows["must_change"].iloc[0]) if not rows.empty else False


def set_must_change_password(store: Store, name: str, must: bool) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO password_changes (name, must_change, changed_at) "
            "VALUES (?, ?, CASE WHEN ? THEN NULL ELSE current_localtimestamp() END)",
            [name, must, must],
        )


def set_password_hash(store: Store, name: str, password_hash: str) -> None:
    """A new password hash for an account (its owner changed it), with an audit line."""
    with store.transaction() as cur:
        cur.execute("UPDATE users SET password_hash = ? WHERE name = ?", [password_hash, name])
        cur.execute(
            'INSERT INTO audit_log ("user", action, detail) VALUES (?, ?, ?)',
            [name, "修改密码", "本人修改"],
        )
