"""Start the dashboard with its database already open (``make run``).

``streamlit run app.py`` runs app.py only when a visitor arrives, so the database file
would stay unopened — and writable by the command line behind the app's back — until
then. This opens it first (DuckDB then locks the file against other processes), creates
the first administrator if there is none, and only then starts the Streamlit server in
this same process, whose sessions share the store through ``pages.common.get_store``.
Arguments are passed to ``streamlit run`` (e.g. ``--server.port 8501``).
"""

from __future__ import annotations

import logging
import sys


def main() -> int:
    from pages.common import get_store
    from scoring import accounts
    from scoring.store import StoreError

    # get_store is the app's cached resource, called here before any session: Streamlit
    # would log (in English) that no script is running, which is the point.
    bare = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    bare.disabled = True
    try:
        store = get_store()
    except StoreError as exc:
        print(f"看板未启动：{exc}", file=sys.stderr)
        return 1
    password = accounts.ensure_admin(store)
    if password:
        print(f"已创建管理员账号 admin，初始密码：{password}（只显示这一次）", flush=True)
    print(f"数据库已打开并锁定：{store.path}", flush=True)
    bare.disabled = False
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", "app.py", *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
