"""Every page under Streamlit's AppTest, on the demo data and on an empty database."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 30


def run_app(page: str | None = None, year: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if year is not None:
        at.sidebar.selectbox(key="year").set_value(year).run()
    if page is not None:
        at.switch_page(page).run()
    return at


def test_home_shows_department_rankings_of_latest_year(app_db, demo_db):
    app_db(demo_db)
    at = run_app()
    assert not at.exception
    assert at.sidebar.selectbox(key="year").value == 2025
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["万人评议问卷"].replace(",", "").isdigit()
    assert int(metrics["万人评议问卷"].replace(",", "")) > 20_000
    tables = [t.value for t in at.dataframe]
    assert len(tables) == 4  # four department groups
    social = next(t for t in tables if "市信访局" in set(t["单位名称"]))
    last = social.sort_values("排名").iloc[-1]
    assert last["单位名称"] == "市信访局" and last["等次"] == "较差"
    assert "末位告诫" in last["告诫"]


def test_home_follows_the_year(app_db, demo_db):
    app_db(demo_db)
    at = run_app(year=2024)
    assert not at.exception
    assert "2024" in at.subheader[0].value


def test_home_on_an_empty_database_says_where_to_upload(app_db, tmp_path):
    app_db(tmp_path / "empty.duckdb")
    at = run_app()
    assert not at.exception
    assert "上传" in at.info[0].value
