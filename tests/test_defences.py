"""The app's defences: hostile files and names, concurrent writers, a killed import."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from scoring import results
from scoring.accounts import ADMIN, User
from scoring.imports import import_file, load_units, prepare
from scoring.store import Store
from scoring.tables import csv_safe
from tests.sheetmaker import xlsx

OFFICE = User("效能办", ADMIN)
ROOT = Path(__file__).resolve().parents[1]


def test_sql_looking_names_are_just_names(store):
    evil = "市教育局'); DROP TABLE units; --"
    load_units(
        store,
        "名录.xlsx",
        xlsx([["单位名称", "类型", "考核类别"], [evil, "部门", "综合管理类'--"]]),
        OFFICE,
    )
    import_file(store, "绩效.csv", f'考核对象,工作效率\n"{evil}",88\n'.encode(), 2025, OFFICE)
    res = results.compute(store, 2025)
    assert res.unit(evil).performance == 88.0
    assert store.units()["name"].tolist() == [evil]


def test_an_external_entity_is_not_expanded(store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE")
    base = xlsx([["对象", "事由", "分值", "来源"], ["市教育局", "占位", "-1", "暗访"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode().replace("占位", "&xxe;")
                data = (
                    f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM '
                    f'"file://{secret}">]>' + xml
                ).encode()
            dst.writestr(item, data)
    load_units(store, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    parsed = prepare(store, "xxe.xlsx", out.getvalue(), 2025)
    text = repr(parsed.facts) + repr(parsed.preview) + " ".join(map(str, parsed.problems))
    assert "TOP-SECRET-LINE" not in text


def test_a_huge_shared_strings_table_is_refused_before_parsing(store):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/sharedStrings.xml", "<si><t>x</t></si>" * (120 * 1024 * 1024 // 17))
    parsed = prepare(store, "巨表.xlsx", buf.getvalue(), 2025)
    assert not parsed.ok and "共享字符串" in str(parsed.problems[0])


def test_csv_exports_neutralise_formulas():
    frame = pd.DataFrame(
        {"单位名称": ['=HYPERLINK("x")', "+1", "-2", "@a", "市教育局"], "分": [1, 2, 3, 4, 5]}
    )
    safe = csv_safe(frame)
    assert safe["单位名称"].tolist() == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@a", "市教育局"]
    assert safe["分"].tolist() == [1, 2, 3, 4, 5]


def test_two_evaluators_uploading_at_once_lose_nothing(tmp_path):
    store = Store(tmp_path / "c.duckdb")
    units = [f"市第{i}局" for i in range(8)]
    load_units(
        store, "名录.xlsx", xlsx([["单位名称", "类型"], *[[u, "部门"] for u in units]]), OFFICE
    )
    files = [
        (
            f"加减分{i}.xlsx",
            xlsx(
                [
                    ["对象", "事由", "分值", "来源"],
                    *[[u, f"第{i}批事由{k}", "-1", "暗访"] for k, u in enumerate(units)],
                ]
            ),
        )
        for i in range(12)
    ]
    errors: list[BaseException] = []

    def work(batch):
        try:
            for name, data in batch:
                import_file(store, name, data, 2025, User(f"录入员{name}", ADMIN))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(files[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.uploads(2025)) == 12
    assert store.row_counts()["adjustments"] == 12 * 8
    store.close()


IMPORTER = """
import sys
from pathlib import Path
from scoring.accounts import ADMIN, User
from scoring.imports import import_file
from scoring.store import Store
store = Store(sys.argv[1])
print("ready", flush=True)
import_file(store, "big.xlsx", Path(sys.argv[2]).read_bytes(), 2025, User("x", ADMIN))
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9])
def test_a_killed_import_leaves_all_or_nothing(tmp_path, delay):
    from benchmarks.import_bench import UNITS, make_workbook

    db = tmp_path / "k.duckdb"
    with Store(db) as s:
        load_units(
            s, "名录.xlsx", xlsx([["单位名称", "类型"], *[[u, "部门"] for u in UNITS]]), OFFICE
        )
    big = tmp_path / "big.xlsx"
    make_workbook(big, 40_000)
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(db), str(big)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store(db) as s:
        uploads = s.uploads(2025)
        answers = s.row_counts()["appraisal_answers"]
    if uploads:
        assert answers == uploads[0].rows * 6
    else:
        assert answers == 0
