"""The demo city is deterministic and shows what the dashboard must show."""

from __future__ import annotations

import pandas as pd

from scoring import results
from scoring.demo import generate, load_demo
from scoring.scheme import for_year
from scoring.store import Store


def test_same_seed_same_city():
    a, b = generate((2025,)), generate((2025,))
    pd.testing.assert_frame_equal(a.units, b.units)
    for source, frames in a.facts[2025].items():
        for table, frame in frames.items():
            pd.testing.assert_frame_equal(frame, b.facts[2025][source][table])
    c = generate((2025,), seed=1)
    assert not c.facts[2025]["appraisal"]["appraisal_answers"].equals(
        a.facts[2025]["appraisal"]["appraisal_answers"]
    )


def test_demo_year_has_ties_vetoes_warnings_and_escalation():
    with Store(":memory:") as store:
        assert load_demo(store) == 8
        assert load_demo(store) == 0  # loading twice adds nothing
        res = results.compute(store, 2025)
    units = res.table()
    ballots = units["ballots"].sum()
    assert 20_000 <= ballots <= 40_000
    assert 35 <= (units["type"] == "部门").sum() <= 45
    ranks = units.groupby("group")["rank"].apply(lambda r: r.duplicated().any())
    assert ranks.any(), "some group has a tie"
    kinds = {w.kind for w in res.warnings}
    assert {"末位告诫", "效能告诫", "重点监督检查", "连续两年末位"} <= kinds
    assert res.unit("市水利局").vetoed
    assert {h.kind for h in res.honours} == {"最佳科室", "最佳公务员"}


def test_the_sample_sheets_in_data_demo_import_into_the_demo_city(tmp_path):
    from pathlib import Path

    from scoring.accounts import ADMIN, User
    from scoring.imports import ImportRejected, import_file, load_units

    office = User("效能办", ADMIN)
    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    with Store(":memory:") as store:
        load_demo(store)
        before = len(store.units())
        assert load_units(
            store, "单位名录.xlsx", (demo / "单位名录.xlsx").read_bytes(), office
        ) == (0, 0)  # the same registry again changes nothing
        assert len(store.units()) == before
        for name, source, rows in [
            ("2026年度万人评议问卷（第一批）.xlsx", "appraisal", 400),
            ("2026年度部门绩效考核（宽表）.xlsx", "performance", 40),
            ("2026年度加减分.csv", "adjustments", None),
        ]:
            outcome = import_file(store, name, (demo / name).read_bytes(), 2026, office)
            assert outcome.upload.source == source
            assert rows is None or outcome.upload.rows == rows
        bad = "2026年度万人评议问卷（有错误，用于演示校验）.xlsx"
        try:
            import_file(store, bad, (demo / bad).read_bytes(), 2026, office)
            raise AssertionError("the faulty sample must be refused")
        except ImportRejected as exc:
            text = str(exc)
        assert "市教育厅" in text and "路人" in text and "很满意" in text and "重复" in text
        res = results.compute(store, 2026)
    assert res.unit("市信访局").ballots > 0 and res.ranked()


def test_demo_uploads_count_ballots_as_an_import_does_and_set_the_demo_scheme():
    """A ballot sheet's rows are its ballots (as imports count them), not its answer
    rows; the audit names the source in Chinese; each demo year gets the demo scheme
    once (its 科室, 窗口 and 项目指挥部 judged on 绩效考核 alone)."""
    with Store(":memory:") as store:
        load_demo(store, (2025,))
        load_demo(store, (2025,))
        appraisal = next(u for u in store.uploads(2025) if u.source == "appraisal")
        ballots = store.query(
            "SELECT count(DISTINCT ballot) AS n FROM appraisal_answers WHERE upload_id = ?",
            [appraisal.id],
        )["n"].iloc[0]
        assert appraisal.rows == ballots > 10_000
        assert len(store.scheme_versions(2025)) == 1
        scheme, version = for_year(store, 2025)
        assert version == 1 and scheme.for_group("窗口服务类").composite_weights == {
            "performance": 1.0
        }
        audit = store.query("SELECT detail FROM audit_log WHERE action = '上传'")
    assert any("万人评议（问卷）" in d for d in audit["detail"]) and not any(
        " appraisal：" in d for d in audit["detail"]
    )
