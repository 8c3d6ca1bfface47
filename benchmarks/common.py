"""What every benchmark script shares: the machine's load, and the demo city with the
benchmark account (for the scripts that sign in or publish)."""

from __future__ import annotations

from pathlib import Path

USER, PASSWORD = "bench", "bench-password-1"


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, printed with every figure."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def prepare(db: Path) -> None:
    """The demo city when the file is missing; the benchmark account in any case."""
    from scoring import accounts
    from scoring.accounts import ADMIN
    from scoring.demo import load_demo
    from scoring.store import Store

    with Store(db) as store:
        if not store.years():
            load_demo(store)
        if store.user_row(USER) is None:
            accounts.add_user(store, USER, PASSWORD, ADMIN, sources=[], years=[], by="bench")
