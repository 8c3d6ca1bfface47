"""Sign-in throttling in the store (登录限制): failures per account name and per address.

Kept apart from ``scoring/store.py`` because only ``scoring.accounts`` uses it; the
SQL follows the same rules (parameters only, writes in one transaction with their audit
row).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scoring.store import Store, _audit

__all__ = ["clear", "failed", "locked_until", "locks", "unlock"]


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def locked_until(store: Store, kind: str, key: str) -> datetime | None:
    """When the lock on this account name or address ends, if it is locked now."""
    with store.cursor() as cur:
        row = cur.execute(
            'SELECT locked_until FROM sign_in_failures WHERE kind = ? AND "key" = ?', [kind, key]
        ).fetchone()
    if row is None or row[0] is None or row[0] <= _now():
        return None
    return row[0]


def failed(
    store: Store, kind: str, key: str, *, limit: int, window: timedelta, lock: timedelta
) -> datetime | None:
    """Count one failure (failures older than ``window`` are forgotten); lock the key for
    ``lock`` at the ``limit``-th. Returns the lock's end when this failure locked it."""
    now = _now()
    with store.transaction() as cur:
        cur.execute(  # names typed once and never again need not stay
            "DELETE FROM sign_in_failures WHERE first_at < ? "
            "AND (locked_until IS NULL OR locked_until < ?)",
            [now - window, now],
        )
        row = cur.execute(
            'SELECT failures, first_at FROM sign_in_failures WHERE kind = ? AND "key" = ?',
            [kind, key],
        ).fetchone()
        if row is None or row[1] < now - window:
            failures, first = 1, now
        else:
            failures, first = row[0] + 1, row[1]
        until = now + lock if failures >= limit else None
        cur.execute(
            'INSERT OR REPLACE INTO sign_in_failures (kind, "key", failures, first_at, '
            "locked_until) VALUES (?, ?, ?, ?, ?)",
            [kind, key, 0 if until else failures, now if until else first, until],
        )
        if until:
            what = "账号" if kind == "account" else "地址"
            _audit(
                cur,
                key if kind == "account" else "系统",
                "登录锁定",
                f"{what} {key} 连续 {limit} 次登录失败，锁定至 {until:%Y-%m-%d %H:%M}",
            )
    return until


def clear(store: Store, kind: str, key: str) -> None:
    """Forget the failures of an account name (after a successful sign-in)."""
    with store.transaction() as cur:
        cur.execute('DELETE FROM sign_in_failures WHERE kind = ? AND "key" = ?', [kind, key])


def locks(store: Store) -> list[tuple[str, str, datetime]]:
    """Every lock in force now: (kind, key, until)."""
    with store.cursor() as cur:
        rows = cur.execute(
            'SELECT kind, "key", locked_until FROM sign_in_failures '
            'WHERE locked_until > ? ORDER BY kind, "key"',
            [_now()],
        ).fetchall()
    return [(k, key, until) for k, key, until in rows]


def unlock(store: Store, kind: str, key: str, by: str) -> bool:
    """Lift a lock (the administrator); False when there was none."""
    with store.transaction() as cur:
        row = cur.execute(
            'SELECT locked_until FROM sign_in_failures WHERE kind = ? AND "key" = ? '
            "AND locked_until > ?",
            [kind, key, _now()],
        ).fetchone()
        if row is None:
            return False
        cur.execute('DELETE FROM sign_in_failures WHERE kind = ? AND "key" = ?', [kind, key])
        _audit(cur, by, "解除登录锁定", f"{'账号' if kind == 'account' else '地址'} {key}")
    return True
