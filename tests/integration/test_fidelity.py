"""Verdict fidelity found in review (issue 11), through the whole graph on the worked example's county.

A school with no teachers (R1 = R2 = R3 = 0) and no facilities row (R4–R7 unknown) fails the school
rule whatever the unknown values hold: it is listed as failing and its county is `not_ready`, not
`incomplete` (false AND unknown = false)."""

import pytest

from tests import worked_example
from tests.integration.helpers import published, run, write_feeds

pytestmark = pytest.mark.integration
FAILING = worked_example.SCHOOL_IDS[0]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("fidelity")
    frames = worked_example.frames()
    t = frames["teachers"]
    counts = [c for c in t.columns if c not in ("school_id", "stage")]
    t.loc[t["school_id"] == FAILING, counts] = 0
    frames["facilities"] = frames["facilities"][frames["facilities"]["school_id"] != FAILING]
    write_feeds(root / "landing", 2024, frames)
    outcome = run(root / "landing", root / "wh")
    assert outcome.success, outcome.problems
    return root / "wh"


def test_a_unit_known_to_fail_is_failing_whatever_else_is_unknown(wh):
    unit = published(wh, "select indicator_code, value, unit_passes_school_rule from fct_school_unit_indicators "
                         "where ruleset = 'moe_2017' and school_id = ? order by indicator_code", [FAILING])
    known = unit.dropna(subset=["value"])
    assert set(known["indicator_code"]) >= {"R1", "R2"} and (known["value"] == 0).all()
    assert unit["value"].isna().any()  # R4–R7: no facilities row
    assert (unit["unit_passes_school_rule"] == False).all()  # noqa: E712 - FALSE, not NULL

    level = published(wh, "select status, units_failing, blocking_reasons from mart_county_level_resources "
                          "where ruleset = 'moe_2017' and level = 'primary' and county_code = ?",
                      [worked_example.COUNTY]).iloc[0]
    assert level["status"] == "not_ready" and level["units_failing"] >= 1
    assert FAILING in level["blocking_reasons"]
    county = published(wh, "select status, failing_items from mart_county_readiness "
                           "where ruleset = 'moe_2017' and county_code = ?", [worked_example.COUNTY]).iloc[0]
    assert county["status"] == "not_ready" and "R1" in county["failing_items"]
