"""What every benchmark script shares: the machine's load, and the demo city with the
benchmark account (for the scripts that sign in or publish); and, for page_bench and
tests/test_browser.py, a free port for the app and Chromium launched as both drive it."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

USER, PASSWORD = "bench", "bench-password-1"


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, printed with every figure."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def prepare(db: Path) -> None:
    """The demo city when the file is missing; the benchmark account in any case, made
    as an administrator would make it (a file that has accounts already, e.g. one made by
    ``python -m scoring demo``, refuses an account made by no one)."""
    from scoring import accounts
    from scoring.accounts import ADMIN, User
    from scoring.demo import load_demo
    from scoring.store import Store

    with Store(db) as store:
        if not store.years():
            load_demo(store)
        if store.user_row(USER) is None:
            by = User("bench", ADMIN)
            accounts.add_user(store, USER, PASSWORD, ADMIN, sources=[], years=[], by=by)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for ``streamlit run``)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# Headless without a sandbox (containers, CI), a GPU, background traffic, updates or a
# first-run dialog; playwright adds --headless and, unless given one, a fresh profile.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def chromium() -> str | None:
    """The Chromium that chart export uses (scoring.chart_export.browser_path:
    $BROWSER_PATH, else Debian's; never a downloaded browser), or None without one."""
    from scoring.chart_export import ExportError, browser_path

    try:
        return browser_path()
    except ExportError:
        return None


def launch_chromium(playwright: Any, profile: str | Path | None = None, **options: Any) -> Any:
    """Headless Chromium through playwright (``sync_playwright()``'s object) with
    ``CHROMIUM_FLAGS``: a browser; with ``profile`` (a fresh directory) a persistent
    context in it, ``options`` being the context's (viewport …)."""
    path = chromium()
    if path is None:
        raise RuntimeError("no Chromium: install Debian's chromium or set BROWSER_PATH")
    launch = {"executable_path": path, "headless": True, "args": list(CHROMIUM_FLAGS)}
    if profile is None:
        return playwright.chromium.launch(**launch, **options)
    return playwright.chromium.launch_persistent_context(str(profile), **launch, **options)
