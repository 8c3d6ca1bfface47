"""Issue 10: publication is a snapshot; undo goes to a 回收站 and can be restored."""

from __future__ import annotations

import json

import pytest

from scoring import publication, results
from scoring.accounts import ADMIN, EVALUATOR, PermissionDenied, User
from scoring.cli import main, rank_records
from scoring.imports import import_file, load_units, restore, undo
from scoring.store import Store
from tests.conftest import scheme_text
from tests.sheetmaker import xlsx

OFFICE = User("效能办", ADMIN)
NAMES = ["甲局", "乙局", "丙局", "丁局", "戊局"]


def _perf(values, names=NAMES):
    return xlsx(
        [["考核对象", "指标", "得分"]]
        + [[n, "工作效率", v] for n, v in zip(names, values, strict=True)]
    )


@pytest.fixture
def year_2025(store):
    load_units(
        store,
        "名录.xlsx",
        xlsx([["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]]),
        OFFICE,
    )
    import_file(store, "绩效.xlsx", _perf([91.2, 85, 85, 77.37, 68.4]), 2025, OFFICE)
    import_file(
        store,
        "加减分.xlsx",
        xlsx([["对象", "事由", "分值", "来源"], ["乙局", "省级表彰", 2, "表彰"]]),
        2025,
        OFFICE,
    )
    return store


def test_a_published_year_keeps_its_figures_after_an_undo_and_a_scheme_change(year_2025):
    store = year_2025
    version = publication.snapshot(store, 2025, OFFICE)
    record = publication.published(store, 2025)
    assert (version, record["status"]) == (1, "公示")
    frozen = record["units"]
    # Hand-worked: performance alone, 乙局 85 + 2 (表彰) = 87 ranks second.
    by_unit = {r["unit"]: r for r in frozen}
    assert by_unit["乙局"]["composite"] == 87.0 and by_unit["乙局"]["rank"] == 2
    assert by_unit["戊局"]["rank"] == 5 and "末位告诫" in by_unit["戊局"]["warnings"]
    assert [u["file"] for u in record["uploads"]] == ["绩效.xlsx", "加减分.xlsx"]
    assert all(len(u["sha256"]) == 64 for u in record["uploads"])
    assert record["registry_version"] == store.registry_version()
    # Later: the 加减分 upload is undone and the scheme changes.
    undo(store, 2, OFFICE)
    store.set_scheme(2025, "新方案", scheme_text(warnings={"last_place_min_group": 9}), "效能办")
    now = results.compute(store, 2025)
    assert now.unit("乙局").composite == 85.0 and "末位告诫" not in now.unit("戊局").warnings
    assert publication.published(store, 2025)["units"] == frozen
    changed = {(d.unit, d.figure) for d in publication.differences(record, now)}
    assert ("乙局", "综合得分") in changed and ("乙局", "加减分") in changed
    assert ("戊局", "告诫") in changed and ("甲局", "综合得分") not in changed


def test_the_year_goes_from_notice_to_final_and_an_appeal_corrects_it(year_2025):
    store = year_2025
    assert publication.status(store, 2025) == "草稿"
    publication.snapshot(store, 2025, OFFICE)
    first = publication.published(store, 2025)
    with pytest.raises(publication.PublicationError, match="公示"):
        publication.record_appeal(store, 2025, "不存在的局", "x", OFFICE)
    appeal = publication.record_appeal(store, 2025, "丁局", "绩效得分录入有误，应为 80", OFFICE)
    with pytest.raises(publication.PublicationError, match="未处理"):
        publication.finalize(store, 2025, OFFICE)
    # The office corrects the data (undo, re-import), then decides 更正.
    undo(store, 1, OFFICE)
    import_file(store, "绩效（更正）.xlsx", _perf([91.2, 85, 85, 80, 68.4]), 2025, OFFICE)
    version = publication.decide_appeal(store, appeal, "更正", "核实录入错误", OFFICE)
    assert version == 2
    second = publication.published(store, 2025)
    assert {r["unit"]: r["composite"] for r in second["units"]}["丁局"] == 80.0
    old = publication.published(store, 2025, 1)
    assert old["units"] == first["units"] and old["status"] == "已更正"
    assert "第 1 号申诉" in second["note"]
    # The corrected version is a new 公示 with its own period (7 days from today): it is
    # not 正式发布 before that period ends, unless the office says why (audited).
    with pytest.raises(publication.NeedsConfirmation, match=r"第 2 版的公示期至 .*尚未结束"):
        publication.finalize(store, 2025, OFFICE)
    assert publication.status(store, 2025) == "公示"
    publication.finalize(store, 2025, OFFICE, early_reason="领导小组会议决定提前发布")
    assert publication.status(store, 2025) == "正式发布"
    assert "提前结束公示" in store.audit_log()["detail"].iloc[0]
    with pytest.raises(publication.PublicationError, match="不在公示期"):
        publication.record_appeal(store, 2025, "丁局", "再次申诉", OFFICE)


def test_published_on_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "p.duckdb")
    (tmp_path / "名录.xlsx").write_bytes(
        xlsx([["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]])
    )
    (tmp_path / "绩效.xlsx").write_bytes(_perf([91.2, 85, 85, 77.37, 68.4]))
    assert main(["--db", db, "units", str(tmp_path / "名录.xlsx")]) == 0
    assert main(["--db", db, "import", str(tmp_path / "绩效.xlsx"), "--year", "2025"]) == 0
    assert main(["--db", db, "published", "--year", "2025"]) == 2
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE)
        expected = rank_records(results.compute(s, 2025))
    capsys.readouterr()
    assert main(["--db", db, "published", "--year", "2025", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["version", "status", "published_at", "units"]
    assert out["version"] == 1 and out["status"] == "公示" and out["units"] == expected
    assert main(["--db", db, "undo", "1"]) == 0
    assert "回收站" in capsys.readouterr().out
    assert main(["--db", db, "published", "--year", "2025", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["units"] == expected


def test_undo_goes_to_the_recycle_bin_and_restores_exactly(year_2025):
    store = year_2025
    before = store.query("SELECT * FROM adjustments ORDER BY ALL")
    ranks = rank_records(results.compute(store, 2025))
    gone = undo(store, 2, OFFICE)
    assert (gone.id, gone.file) == (2, "加减分.xlsx")
    assert store.adjustments(2025).empty and [u.id for u in store.uploads(2025)] == [1]
    binned = store.recycled(2025)
    assert binned["id"].tolist() == [2] and binned["facts"].tolist() == [1]
    with pytest.raises(PermissionDenied):
        restore(store, 2, User("录入员甲", EVALUATOR))
    back = restore(store, 2, OFFICE)
    assert back.id == 2 and [u.id for u in store.uploads(2025)] == [1, 2]
    assert store.query("SELECT * FROM adjustments ORDER BY ALL").equals(before)
    assert rank_records(results.compute(store, 2025)) == ranks
    assert store.recycled(2025).empty


def test_a_restore_that_would_count_twice_is_refused(year_2025):
    store = year_2025
    undo(store, 2, OFFICE)
    import_file(
        store,
        "加减分（重传）.csv",
        "对象,事由,分值,来源\n乙局,省级表彰,2,表彰\n".encode(),
        2025,
        OFFICE,
    )
    from scoring.store import StoreError

    with pytest.raises(StoreError, match="再次导入"):
        restore(store, 2, OFFICE)
    assert len(store.adjustments(2025)) == 1


def test_the_notice_period_is_stored_kept_by_a_correction_and_moved_on_request(year_2025):
    """公示期: the office gives its last day; the same results published again keep the
    version (a new day moves its period, audited, figures untouched); a 更正 is a new
    公示 with its own period."""
    from datetime import date, timedelta

    store = year_2025
    issued = date(2026, 1, 15)
    assert publication.period_default(store, 2025, issued) == date(2026, 1, 22)  # 7 days
    assert publication.snapshot(store, 2025, OFFICE, period_end=date(2026, 1, 22)) == 1
    first = publication.published(store, 2025)
    assert first["period_end"] == "2026-01-22"
    # Publishing again offers the day already announced, not a new 7 days.
    assert publication.period_default(store, 2025, date(2026, 1, 20)) == date(2026, 1, 22)
    assert publication.snapshot(store, 2025, OFFICE, period_end=date(2026, 1, 29)) == 1
    moved = publication.published(store, 2025)
    assert moved["period_end"] == "2026-01-29"
    assert moved["units"] == first["units"] and moved["published_at"] == first["published_at"]
    assert store.audit_log()["action"].iloc[0] == "修改公示期"
    # Without a day, publishing the same results again leaves the period as it is.
    assert publication.snapshot(store, 2025, OFFICE) == 1
    assert publication.published(store, 2025)["period_end"] == "2026-01-29"
    # A 更正 is a new version in 公示 again, with its own period (walk-through: version 2
    # was 正式发布 13 s after it was made, under the first version's period).
    appeal = publication.record_appeal(store, 2025, "丁局", "绩效得分录入有误", OFFICE)
    undo(store, 1, OFFICE)
    import_file(store, "绩效（更正）.xlsx", _perf([91.2, 85, 85, 80, 68.4]), 2025, OFFICE)
    again = date.today() + timedelta(days=10)
    decided = publication.decide_appeal(
        store, appeal, "更正", "核实录入错误", OFFICE, period_end=again
    )
    assert decided == 2
    assert publication.published(store, 2025)["period_end"] == str(again)
    assert publication.published(store, 2025, 1)["period_end"] == "2026-01-29"
    # Once 正式发布, the period of the record is history: a new day changes nothing.
    publication.finalize(store, 2025, OFFICE, early_reason="测试")
    assert publication.snapshot(store, 2025, OFFICE, period_end=date(2026, 2, 5)) == 2
    assert publication.published(store, 2025)["period_end"] == str(again)
    assert publication.period_default(store, 2025, issued) == date(2026, 1, 22)


def test_publish_refuses_a_notice_period_that_ends_before_the_document(tmp_path, capsys):
    db = str(tmp_path / "p.duckdb")
    (tmp_path / "名录.xlsx").write_bytes(
        xlsx([["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]])
    )
    (tmp_path / "绩效.xlsx").write_bytes(_perf([91.2, 85, 85, 77.37, 68.4]))
    assert main(["--db", db, "units", str(tmp_path / "名录.xlsx")]) == 0
    assert main(["--db", db, "import", str(tmp_path / "绩效.xlsx"), "--year", "2025"]) == 0
    capsys.readouterr()
    out = str(tmp_path / "out")
    common = ["--db", db, "publish", "--year", "2025", "--out", out, "--date", "2026-01-15"]
    assert main([*common, "--period-end", "2026-01-15"]) == 2
    assert "公示期截止日期（2026-01-15）应晚于通报的成文日期（2026-01-15）" in (
        capsys.readouterr().err
    )
    assert main([*common, "--period-end", "1月22日"]) == 2
    assert "--period-end 应为 YYYY-MM-DD" in capsys.readouterr().err
    with Store(db) as s:  # refused before anything was frozen
        assert publication.status(s, 2025) == "草稿"
