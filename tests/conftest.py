"""Shared fixtures: an in-memory store and small helpers to put hand-made rows in it."""

from __future__ import annotations

import hashlib
import itertools
import tomllib

import pandas as pd
import pytest
import tomli_w

from scoring.scheme import default_text, parse
from scoring.store import Store

_counter = itertools.count()


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def scheme_text(**sections: dict) -> str:
    """The default scheme with some sections' keys replaced, as TOML text."""
    raw = tomllib.loads(default_text())
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    return tomli_w.dumps(raw)


def scheme(**sections: dict):
    return parse(scheme_text(**sections))


def add_units(store: Store, rows: list[tuple]) -> None:
    """rows: (name, type, parent, group)."""
    store.upsert_units(
        pd.DataFrame(
            [{"name": n, "aliases": [], "type": t, "parent": p, "group": g} for n, t, p, g in rows]
        )
    )


def add_facts(store: Store, year: int, table: str, rows: list[dict], source: str = "test") -> int:
    """Store rows as one upload and return its id."""
    sha = hashlib.sha256(str(next(_counter)).encode()).hexdigest()
    upload, _ = store.add_upload(
        year=year,
        file=f"{table}.xlsx",
        source=source,
        sha256=sha,
        user="test",
        rows=len(rows),
        facts={table: pd.DataFrame(rows)},
    )
    return upload.id


def ballots(
    unit: str,
    category: str,
    answers: list[tuple],
    items: list[str],
    start: int = 0,
    prefix: str = "B",
) -> list[dict]:
    """Answer rows for ballots given as tuples of answers, one per item."""
    rows = []
    for i, ballot in enumerate(answers, start=start):
        for item, answer in zip(items, ballot, strict=True):
            rows.append(
                {
                    "ballot": f"{prefix}{unit}{i}",
                    "unit": unit,
                    "category": category,
                    "item": item,
                    "answer": answer,
                    "n": 1,
                }
            )
    return rows


def tally_rows(unit: str, category: str, counts: list[tuple[str, str, int]]) -> list[dict]:
    """Answer rows of a tally sheet (no ballot ids): (item, answer, count) per row."""
    return [
        {"ballot": None, "unit": unit, "category": category, "item": i, "answer": a, "n": n}
        for i, a, n in counts
    ]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A database file with the demo city, made once per test session."""
    from scoring.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store(path) as s:
        load_demo(s)
    return path


@pytest.fixture
def app_db(monkeypatch):
    """Point the app at a database and start it with empty Streamlit caches."""
    import streamlit as st

    def use(path):
        monkeypatch.setenv("SCORING_DB", str(path))
        st.cache_resource.clear()
        st.cache_data.clear()

    yield use
    st.cache_resource.clear()
    st.cache_data.clear()
