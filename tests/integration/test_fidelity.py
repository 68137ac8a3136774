"""Verdict fidelity found in review (issue 11), through the whole graph on the worked example's county.

A school with no teachers (R1 = R2 = R3 = 0) and no facilities row (R4–R7 unknown) fails the school
rule whatever the unknown values hold: it is listed as failing and its county is `not_ready`, not
`incomplete` (false AND unknown = false).

Percentages: 90, 90 %, ９０％ read alike; 0.9 with no % sign and no stated scale is ambiguous — SR = 0.9
is flagged and judged unknown, never a veto; `scale = fraction` makes 0.9 read as 90 %."""

import pandas as pd
import pytest

from tests import worked_example
from tests.integration.helpers import published, run_years, working, write_feeds

FAILING = worked_example.SCHOOL_IDS[0]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("fidelity")
    frames = worked_example.frames()
    t = frames["teachers"]
    counts = [c for c in t.columns if c not in ("school_id", "stage")]
    t.loc[t["school_id"] == FAILING, counts] = 0
    frames["facilities"] = frames["facilities"][frames["facilities"]["school_id"] != FAILING]
    # SR and G14 as a county writes them, one spelling per year
    # (2022 also says G1 is met, 2024 G1 and G2: 3, 2 and 4 submission rows — each year's figure its own)
    spellings = {2022: [("SR", "0.9", "fraction"), ("G14", "50 %", None), ("G1", "是", None)],
                 2023: [("SR", "９０％", None), ("G14", "0.5", None)],
                 2024: [("SR", "0.9", None), ("G14", "50", None), ("G1", "是", None), ("G2", "是", None)]}
    for year, rows in spellings.items():
        submission = pd.DataFrame([{"county_code": worked_example.COUNTY, "item_code": item, "value": value,
                                    "evidence": "", "scale": scale} for item, value, scale in rows])
        write_feeds(root / "landing", year, {**frames, "county_submission": submission})
    outcome = run_years(root / "landing", root / "wh", 2022, 2024)
    assert outcome.success, outcome.problems
    return root / "wh"


def test_a_unit_known_to_fail_is_failing_whatever_else_is_unknown(wh):
    unit = published(wh, "select indicator_code, value, unit_passes_school_rule from fct_school_unit_indicators "
                         "where ruleset = 'moe_2017' and school_id = ? and year = 2024 order by indicator_code",
                     [FAILING])
    known = unit.dropna(subset=["value"])
    assert set(known["indicator_code"]) >= {"R1", "R2"} and (known["value"] == 0).all()
    assert unit["value"].isna().any()  # R4–R7: no facilities row
    assert (unit["unit_passes_school_rule"] == False).all()  # noqa: E712 - FALSE, not NULL

    level = published(wh, "select status, units_failing, blocking_reasons from mart_county_level_resources "
                          "where ruleset = 'moe_2017' and level = 'primary' and county_code = ? and year = 2024",
                      [worked_example.COUNTY]).iloc[0]
    assert level["status"] == "not_ready" and level["units_failing"] >= 1
    assert FAILING in level["blocking_reasons"]
    county = published(wh, "select status, failing_items from mart_county_readiness "
                           "where ruleset = 'moe_2017' and county_code = ? and year = 2024",
                     [worked_example.COUNTY]).iloc[0]
    assert county["status"] == "not_ready" and "R1" in county["failing_items"]


def _items(wh, year):
    return published(wh, "select item_code, status, detail from fct_county_items where ruleset = 'moe_2017' "
                         "and county_code = ? and year = ?", [worked_example.COUNTY, year]).set_index("item_code")


def test_percentages_read_alike_and_a_fraction_is_never_a_veto(wh):
    ambiguous = _items(wh, 2024)
    assert ambiguous.loc["SR", "status"] == "unknown" and "ambiguous" in ambiguous.loc["SR", "detail"]
    assert ambiguous.loc["VETO_LOW_RECOGNITION", "status"] == "unknown"  # not a veto
    assert ambiguous.loc["G14", "status"] == "pass"  # 50
    county = published(wh, "select veto_triggered from mart_county_readiness where ruleset = 'moe_2017' "
                           "and year = 2024").iloc[0]
    assert not county["veto_triggered"]
    full_width = _items(wh, 2023)
    assert full_width.loc["SR", "status"] == "pass" and full_width.loc["VETO_LOW_RECOGNITION", "status"] == "pass"
    assert full_width.loc["G14", "status"] == "unknown"  # 0.5: 50 % or 0.5 %?
    stated = _items(wh, 2022)
    assert stated.loc["SR", "status"] == "pass"  # 0.9 with scale = fraction: 90 % ≥ 85 %
    assert stated.loc["G14", "status"] == "pass"  # 50 %


def test_an_ambiguous_percentage_is_a_flagged_row_naming_file_row_and_column(wh):
    flags = working(wh, "select year, _source_file, _row_number, column_name, rule, message from feed_flags "
                        "where feed = 'county_submission' order by year")
    assert list(zip(flags["year"], flags["rule"], strict=True)) == [(2023, "ambiguous_percentage"),
                                                                    (2024, "ambiguous_percentage")]
    sr = flags[flags["year"] == 2024].iloc[0]
    assert sr["_source_file"] == "2024/county_submission.csv" and sr["_row_number"] == 2
    assert sr["column_name"] == "value" and "90 % as a fraction, or 0.9 %" in sr["message"]


def test_a_range_run_reports_each_partitions_own_figures(wh):
    """One run over 2022–2024: the metadata on partition 2024 is 2024's, each figure named by its year."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(wh / "dagster_home"))
    try:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("published_marts"), asset_partitions=["2024"]),
            limit=1).records
        metadata = records[0].asset_materialization.metadata
        raw = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_schools"), asset_partitions=["2024"]),
            limit=1).records[0].asset_materialization.metadata
        submission = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_county_submission"), asset_partitions=["2022"]),
            limit=1).records[0].asset_materialization.metadata
    finally:
        instance.dispose()
    by_status = published(wh, "select year, status, count(*) as n from mart_county_readiness "
                              "where ruleset = 'moe_2017' group by all")
    for year in (2022, 2023, 2024):
        for status in ("ready", "not_ready", "incomplete"):
            expected = by_status[(by_status["year"] == year) & (by_status["status"] == status)]["n"].sum()
            assert metadata[f"counties_{status} ({year})"].value == expected
    assert "counties_ready" not in metadata
    assert raw["rows_delivered (2024)"].value == len(worked_example.frames()["schools"])
    assert "rows_delivered" not in raw
    # the years' own figures, as delivered (3, 2 and 4 submission rows): a figure reported under the
    # wrong year fails here
    assert [submission[f"rows_delivered ({y})"].value for y in (2022, 2023, 2024)] == [3, 2, 4]
