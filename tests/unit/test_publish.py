"""Publication: this run's years replace theirs, other years stay, the swap is atomic."""


import duckdb
import pytest

from publication.publish import PUBLISHED_TABLES, publish


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


def test_each_publication_is_a_version_with_parquet_and_rollback_restores_it(tmp_path):
    from publication.publish import list_publications, parquet_link, rollback

    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    _working(w, 2024, 1)
    publish(w, p, [2024], "run-aaaaaaaa")
    first = p.read_bytes()
    _working(w, 2024, 2)
    publish(w, p, [2024], "run-bbbbbbbb")
    versions = list_publications(p)
    assert [v["run_id"] for v in versions] == ["run-bbbbbbbb", "run-aaaaaaaa"]
    assert [v["current"] for v in versions] == [True, False]
    assert versions[0]["row_counts"]["mart_county_readiness"] == 1
    pq = parquet_link(p) / "mart_county_readiness.parquet"
    assert _read(p, f"select v from '{pq}'") == [(2,)]
    rollback(p, versions[1]["id"])
    assert p.read_bytes() == first
    assert _read(p, "select v from mart_county_readiness") == [(1,)]
    assert _read(p, f"select v from '{parquet_link(p) / 'mart_county_readiness.parquet'}'") == [(1,)]
    assert [v["current"] for v in list_publications(p)] == [False, True]


def test_only_the_last_n_versions_are_kept(tmp_path, monkeypatch):
    from publication.publish import list_publications

    monkeypatch.setenv("JUNHENG_KEEP_PUBLICATIONS", "2")
    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    for i in range(4):
        _working(w, 2024, i)
        publish(w, p, [2024], f"run-{i:08d}")
    assert [v["run_id"] for v in list_publications(p)] == ["run-00000003", "run-00000002"]


def test_rollback_to_an_unknown_id_changes_nothing(tmp_path):
    from publication.publish import rollback

    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    _working(w, 2024, 1)
    publish(w, p, [2024], "run-aaaaaaaa")
    before = p.read_bytes()
    for bad in ("nope", "../x", ""):
        with pytest.raises(KeyError):
            rollback(p, bad)
    assert p.read_bytes() == before


def test_cli_lists_and_rolls_back(tmp_path, capsys):
    from orchestration.cli import main
    from publication.publish import list_publications

    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    for i in (1, 2):
        _working(w, 2024, i)
        publish(w, p, [2024], f"run-{i:08d}")
    assert main(["publications", "list", "--warehouse", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "run-0000" in out and out.count("2024") >= 2
    old = list_publications(p)[1]["id"]
    assert main(["publications", "rollback", old, "--warehouse", str(tmp_path)]) == 0
    assert _read(p, "select v from mart_county_readiness") == [(1,)]
    assert main(["publications", "rollback", "missing", "--warehouse", str(tmp_path)]) == 2


def test_a_warehouse_copied_without_links_still_publishes(tmp_path):
    import shutil

    from publication.publish import parquet_link

    w, p = tmp_path / "a" / "junheng.duckdb", tmp_path / "a" / "published.duckdb"
    w.parent.mkdir()
    _working(w, 2024, 1)
    publish(w, p, [2024], "run-aaaaaaaa")
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # follows the Parquet link: a real folder now
    w2, p2 = tmp_path / "b" / "junheng.duckdb", tmp_path / "b" / "published.duckdb"
    assert not parquet_link(p2).is_symlink()
    _working(w2, 2024, 2)
    publish(w2, p2, [2024], "run-bbbbbbbb")
    assert parquet_link(p2).is_symlink()
    assert _read(p2, f"select v from '{parquet_link(p2) / 'mart_county_readiness.parquet'}'") == [(2,)]


def test_a_publication_larger_than_its_memory_limit_spills_and_is_the_same(tmp_path, monkeypatch):
    """The publishing connection's memory is bounded (JUNHENG_PUBLISH_MEMORY_LIMIT): a year whose sort
    does not fit spills to disk inside the version being staged and gives the same table; nothing of the
    spill is left in the version. A size that is not one is refused, naming the setting."""
    from publication.publish import MEMORY_ENV, publications_dir

    w = tmp_path / "junheng.duckdb"
    _working(w, 2024, 1)
    con = duckdb.connect(str(w))
    con.execute("create or replace table fct_school_unit_indicators as select 2024 as year, "
                "lpad((i % 2850)::varchar, 6, '0') as county_code, hash(i) as v, md5(i::varchar) as s "
                "from range(3000000) t(i)")
    con.close()
    import threading

    import publication.publish as publication

    seen = {"limits": [], "spilled": 0}
    real_connect = publication.duckdb.connect

    def connect(path, *args, **kwargs):  # the limit the publishing connection really has
        con = real_connect(path, *args, **kwargs)
        if str(path).endswith(".tmp"):
            seen["limits"].append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return con

    small = tmp_path / "small" / "published.duckdb"
    done = threading.Event()

    def watch_spill() -> None:  # DuckDB removes its temporary files when a sort ends: look while it runs
        while not done.is_set():
            sizes = [f.stat().st_size for d in (small.parent / "publications").glob(".*.tmp/.spill")
                     for f in d.rglob("*") if f.is_file()] if (small.parent / "publications").exists() else []
            seen["spilled"] = max(seen["spilled"], sum(sizes))
            done.wait(0.01)

    monkeypatch.setattr(publication.duckdb, "connect", connect)
    monkeypatch.setenv(MEMORY_ENV, "64MB")
    watcher = threading.Thread(target=watch_spill)
    watcher.start()
    try:
        publish(w, small, [2024], "run-small")
    finally:
        done.set()
        watcher.join()
    assert seen["limits"] == ["61.0 MiB"]  # 64 MB as DuckDB reports it: the setting reached the connection
    assert seen["spilled"] > 1_000_000  # and the sort did not fit: over a megabyte spilled to the version
    monkeypatch.setenv(MEMORY_ENV, "4GB")
    large = tmp_path / "large" / "published.duckdb"
    publish(w, large, [2024], "run-large")
    q = "select count(*), bit_xor(hash(year, county_code, v, s)), min(v), max(s) from fct_school_unit_indicators"
    assert _read(small, q) == _read(large, q) and _read(small, q)[0][0] == 3_000_000
    first = _read(small, "select v from fct_school_unit_indicators limit 3")
    assert first == _read(large, "select v from fct_school_unit_indicators limit 3")  # the same order
    assert not list(publications_dir(small).rglob(".spill"))
    monkeypatch.setenv(MEMORY_ENV, "plenty")
    with pytest.raises(ValueError, match=MEMORY_ENV):
        publish(w, tmp_path / "bad" / "published.duckdb", [2024], "run-bad")
    assert not (tmp_path / "bad").exists()  # refused before anything was written
