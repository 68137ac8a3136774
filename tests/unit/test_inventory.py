"""Never publish less by accident: what a landing year delivers, what would disappear, and the guards
of the load itself, the schedule and the sensor (issue 10)."""

import datetime as dt

import dagster as dg
import duckdb
import pytest

from ingestion.inventory import (
    EmptyYearError,
    ShrinkRefused,
    YearInventory,
    landing_inventory,
    max_shrink,
    schools_delivered,
    shrink_problems,
)
from ingestion.load import ingest_feed
from orchestration.resources import JunhengConfig
from tests import worked_example

PUBLISHED = YearInventory(2024, {"schools": 100, "enrollment": 120, "finance": 100}, students=1000.0,
                          where="publication X", counties={})


def test_nothing_disappears_when_the_delivery_is_the_same_or_larger():
    same = YearInventory(2024, dict(PUBLISHED.rows), students=1000.0)
    assert shrink_problems(PUBLISHED, same, 0.2) == []
    more = YearInventory(2024, {**PUBLISHED.rows, "teachers": 5, "schools": 130}, students=1300.0)
    assert shrink_problems(PUBLISHED, more, 0.2) == []
    assert shrink_problems(None, YearInventory(2024), 0.2) == []  # nothing published: nothing to lose


def test_a_feed_published_but_absent_now_is_named_with_its_counts():
    gone = YearInventory(2024, {"schools": 100, "enrollment": 120}, students=1000.0)
    (problem,) = shrink_problems(PUBLISHED, gone, 0.2)
    assert "finance" in problem and "100 rows published" in problem and "none delivered" in problem


def test_schools_or_pupils_dropping_by_more_than_the_limit_are_refused_and_the_boundary_passes():
    # 100 → 80 schools is exactly 20 %: allowed; 79 is 21 %: refused
    assert shrink_problems(PUBLISHED, YearInventory(2024, {**PUBLISHED.rows, "schools": 80}, 800.0), 0.2) == []
    (schools,) = shrink_problems(PUBLISHED, YearInventory(2024, {**PUBLISHED.rows, "schools": 79}, 1000.0), 0.2)
    assert schools.startswith("schools") and "21.0%" in schools and "100 published, 79 delivered" in schools
    (pupils,) = shrink_problems(PUBLISHED, YearInventory(2024, dict(PUBLISHED.rows), students=799.0), 0.2)
    assert pupils.startswith("pupils evaluated") and "1,000 published, 799 now" in pupils
    # a stricter setting refuses what the default allows
    assert shrink_problems(PUBLISHED, YearInventory(2024, {**PUBLISHED.rows, "schools": 95}, 1000.0), 0.01)


def test_a_county_that_vanishes_or_whose_evaluated_schools_or_pupils_drop_is_named():
    before = YearInventory(2024, {"schools": 15, "enrollment": 15}, students=1500.0,
                           counties={"210302": (10, 1000.0), "210303": (5, 500.0)})
    # the same rows delivered, but 210303's five schools now carry another code: it vanishes
    moved = YearInventory(2024, {"schools": 15, "enrollment": 15}, students=1500.0,
                          counties={"210302": (10, 1000.0), "ABCDEF": (5, 500.0)})
    (gone,) = shrink_problems(before, moved, 0.2)
    assert gone.startswith("county 210303 would vanish from 2024: 5 school(s)") and "ABCDEF" in gone
    # 10 → 8 evaluated schools is exactly 20 %: allowed; 7 (30 %) refused; pupils 1000 → 799 refused
    assert shrink_problems(before, YearInventory(2024, before.rows, 1300.0,
                                                 counties={"210302": (8, 800.0), "210303": (5, 500.0)}), 0.2) == []
    problems = shrink_problems(before, YearInventory(2024, before.rows, 1299.0,
                                                     counties={"210302": (7, 799.0), "210303": (5, 500.0)}), 0.2)
    assert problems == ["county 210302: schools evaluated would drop by 30.0% (more than 20%): 10 published, 7 now",
                        "county 210302: pupils evaluated would drop by 20.1% (more than 20%): 1,000 published, 799 now"]
    # a publication without the county inventory (made before it was kept) is compared in total only
    assert shrink_problems(YearInventory(2024, before.rows, 1500.0), moved, 0.2) == []


def test_the_limit_is_a_setting_with_a_20_percent_default():
    assert max_shrink({}) == 0.2
    assert max_shrink({"JUNHENG_MAX_SHRINK": "0.05"}) == 0.05
    with pytest.raises(ValueError, match="JUNHENG_MAX_SHRINK"):
        max_shrink({"JUNHENG_MAX_SHRINK": "20"})


def test_a_year_without_schools_rows_is_recognised_in_each_form(tmp_path):
    landing = tmp_path / "landing"
    assert schools_delivered(landing, 2024) == (False, f"the landing folder {landing} does not exist")
    landing.mkdir()
    ok, why = schools_delivered(landing, 2024)
    assert not ok and "no folder" in why and str(landing / "2024") in why
    (landing / "2024").mkdir()
    ok, why = schools_delivered(landing, 2024)
    assert not ok and "holds no schools" in why
    worked_example.frames()["schools"].head(0).to_csv(landing / "2024" / "schools.csv", index=False)
    ok, why = schools_delivered(landing, 2024)
    assert not ok and "no data rows" in why
    worked_example.write(landing, feeds=("schools", "enrollment"))
    assert schools_delivered(landing, 2024) == (True, "")
    inv = landing_inventory(landing, 2024)
    frames = worked_example.frames()
    assert inv.rows == {"schools": len(frames["schools"]), "enrollment": len(frames["enrollment"])}
    # the files alone do not tell which pupils will be evaluated (a quarantined row is not): the publish
    # guard compares those, county by county
    assert inv.students is None and inv.counties is None


def _raw_counts(con) -> dict[str, int]:
    return {f: con.execute(f"select count(*) from raw_{f} where year = 2024").fetchone()[0]
            for f in ("schools", "enrollment", "facilities")}


def test_the_load_never_replaces_a_year_with_nothing(tmp_path):
    landing, empty = tmp_path / "landing", tmp_path / "empty"
    worked_example.write(landing)
    (empty / "2024").mkdir(parents=True)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        for feed in ("schools", "enrollment", "facilities"):
            ingest_feed(con, landing, 2024, feed)
        before = _raw_counts(con)
        assert all(before.values())
        for feed in ("schools", "enrollment", "facilities"):  # every feed refuses, not only schools
            with pytest.raises(EmptyYearError, match=f"{feed} of 2024 not loaded: no schools rows"):
                ingest_feed(con, empty, 2024, feed, accept_shrink=True)
        assert _raw_counts(con) == before
        # an absent feed would erase the year's loaded rows: refused unless the run accepts it
        (landing / "2024" / "facilities.csv").unlink()
        with pytest.raises(ShrinkRefused, match="facilities is absent"):
            ingest_feed(con, landing, 2024, "facilities")
        assert _raw_counts(con) == before
        summary = ingest_feed(con, landing, 2024, "facilities", accept_shrink=True)
        assert summary.status == "absent" and _raw_counts(con)["facilities"] == 0
    finally:
        con.close()


def _defs(landing, wh):
    from core.settings import Settings
    from orchestration.definitions import build_definitions

    return build_definitions(Settings(landing=landing, warehouse=wh))


def test_schedule_skips_a_year_without_schools_rows_with_the_reason(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    schedule = _defs(landing, wh).resolve_schedule_def("nightly_refresh")
    junheng = JunhengConfig(landing_dir=str(landing), warehouse_dir=str(wh))
    when = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    def tick():
        with dg.build_schedule_context(scheduled_execution_time=when, resources={"junheng": junheng}) as ctx:
            return schedule(ctx)

    skipped = tick()
    assert isinstance(skipped, dg.SkipReason) and "does not exist" in skipped.skip_message
    worked_example.write(landing, year=2023)
    (landing / "2024").mkdir()  # the newest year's sync has not arrived
    skipped = tick()
    assert isinstance(skipped, dg.SkipReason)
    assert "2024" in skipped.skip_message and "no schools rows" in skipped.skip_message
    worked_example.write(landing, year=2024)
    assert [r.partition_key for r in tick()] == ["2024"]


def test_sensor_skips_a_year_without_schools_rows_and_says_when_its_folder_is_missing(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    sensor = _defs(landing, wh).resolve_sensor_def("landing_files")
    junheng = JunhengConfig(landing_dir=str(landing), warehouse_dir=str(wh))
    with dg.instance_for_test() as instance:
        def tick(cursor=None):
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"junheng": junheng}) as ctx:
                return sensor(ctx), ctx.cursor

        result, _ = tick()
        assert isinstance(result, dg.SkipReason) and f"{landing} does not exist" in result.skip_message
        worked_example.write(landing, year=2024, feeds=("enrollment", "facilities"))  # schools not yet there
        result, cursor = tick()
        assert isinstance(result, dg.SkipReason)
        assert "year 2024 has no schools rows" in result.skip_message
        worked_example.write(landing, year=2024, feeds=("schools",))
        result, _ = tick(cursor)
        assert [r.partition_key for r in result] == ["2024"]
