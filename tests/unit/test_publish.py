"""Publication: this run's years replace theirs, other years stay, the swap is atomic."""

import duckdb
import pytest

from orchestration.publish import PUBLISHED_TABLES, publish


def _working(path, year, value):
    con = duckdb.connect(str(path))
    for t in PUBLISHED_TABLES:
        con.execute(f"create or replace table {t} as select {year} as year, '210302' as county_code, {value} as v")
    con.close()


def _read(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_years_replace_and_accumulate(tmp_path):
    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    _working(w, 2023, 1)
    publish(w, p, [2023], "run-a")
    _working(w, 2024, 2)
    publish(w, p, [2024], "run-b")
    _working(w, 2023, 3)
    counts = publish(w, p, [2023], "run-c")
    assert counts == {t: 1 for t in PUBLISHED_TABLES}
    assert _read(p, "select year, v from mart_county_readiness order by year") == [(2023, 3), (2024, 2)]
    assert [r[0] for r in _read(p, "select run_id from publication_log order by published_at")] == \
        ["run-a", "run-b", "run-c"]
    assert not list(tmp_path.glob(".published*.tmp"))


def test_a_failure_while_building_leaves_the_old_file_and_no_temp(tmp_path):
    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    _working(w, 2023, 1)
    publish(w, p, [2023], "run-a")
    before = p.read_bytes()
    con = duckdb.connect(str(w))
    con.execute("drop table mart_county_readiness")
    con.close()
    with pytest.raises(duckdb.Error):
        publish(w, p, [2023], "run-b")
    assert p.read_bytes() == before
    assert not list(tmp_path.glob(".published*.tmp"))
