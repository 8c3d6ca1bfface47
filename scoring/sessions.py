"""Sessions that survive a reload (登录保持): a signed, expiring token in a cookie.

At sign-in the app asks ``start(store, user)`` for a token and stores it in a cookie
(``COOKIE``, ``MAX_AGE``); on a new browser session (reload, bookmark, new tab) it
reads the cookie and asks ``resume(store, token)`` who that is. The token is the id
of a row in the store's sessions table, signed with itsdangerous (HMAC with this
database's secret) and carrying its own time: a forged, altered or stale token gives
None, and so does one whose session was ended by signing out or a password change.
The account is still checked on every run (accounts.refresh).

>>> import itsdangerous
>>> isinstance(MAX_AGE, int) and COOKIE.isidentifier()
True
"""

from __future__ import annotations

import datetime as dt

from itsdangerous import BadSignature, URLSafeTimedSerializer

from scoring import session_store
from scoring.accounts import User
from scoring.store import Store

__all__ = ["COOKIE", "MAX_AGE", "end", "resume", "session_id", "start"]

COOKIE = "xnkp_session"
MAX_AGE = 8 * 3600  # s: one working day; a new sign-in after that
_SALT = "效能考评看板-会话"


def _serializer(store: Store) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_store.secret(store), salt=_SALT)


def start(store: Store, user: User) -> str:
    """A new session for a user who just signed in; the token for the cookie."""
    sid = session_store.new_session(store, user.name, dt.timedelta(seconds=MAX_AGE))
    return _serializer(store).dumps(sid)


def _sid(store: Store, token: str | None) -> str | None:
    if not token or len(token) > 400:
        return None
    try:
        sid = _serializer(store).loads(token, max_age=MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    return sid if isinstance(sid, str) else None


def session_id(store: Store, token: str | None) -> str | None:
    """The session id a valid token names (to keep it when the others end)."""
    return _sid(store, token)


def resume(store: Store, token: str | None) -> str | None:
    """The name of the user whose live session the token is, else None."""
    sid = _sid(store, token)
    return session_store.session_user(store, sid) if sid else None


def end(store: Store, token: str | None) -> None:
    """Sign-out: the session ends on the server, whatever the browser keeps."""
    sid = _sid(store, token)
    if sid:
        session_store.end_session(store, sid)
