"""serve.py (``make run``): the database opened and locked before the server starts, the
first administrator's one-time password printed, and nothing in English before it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.test_browser import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_make_run_opens_the_store_and_prints_the_password_without_streamlits_warning(tmp_path):
    port = free_port()
    env = {**os.environ, "SCORING_DB": str(tmp_path / "office.duckdb")}
    args = ["--server.port", str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(
        [sys.executable, "serve.py", *args, "--server.headless", "true"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/_stcore/health"
                if urllib.request.urlopen(url, timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert "已创建管理员账号 admin，初始密码：" in out
    assert "数据库已打开并锁定" in out
    assert "ScriptRunContext" not in out
