"""The GX suites catch what they are for, and name the expectation, column and rows."""

import pandas as pd

from expectations.runner import suite_columns, suite_names, validate_frame


def _readiness(**change):
    row = {"year": 2024, "county_code": "210302", "county_name": "铁东区", "ruleset": "moe_2017", "status": "ready",
           "blocking_reasons": None, "failing_items": None, "veto_triggered": False,
           "primary_per_indicator_balance": True, "primary_comprehensive_balance": True}
    rows = [row, {**row, "county_code": "210303"}]
    rows[1].update(change)
    return pd.DataFrame(rows)


def test_every_feed_and_published_mart_has_a_suite():
    names = set(suite_names())
    for feed in ("schools", "enrollment", "teachers", "facilities", "finance", "county_finance", "county_submission"):
        assert f"feed_{feed}" in names
    assert {"mart_fct_school_unit_indicators", "mart_fct_county_coefficients", "mart_county_level_resources",
            "mart_county_readiness", "mart_fct_county_items", "mart_school_shortfalls"} <= names


def test_a_valid_mart_passes():
    assert validate_frame("mart_county_readiness", _readiness()).success


def test_an_unknown_status_fails_naming_column_and_row():
    result = validate_frame("mart_county_readiness", _readiness(status="maybe"), id_columns=["county_code"])
    assert not result.success
    failure = next(f for f in result.failures if f.column == "status")
    assert failure.unexpected_count == 1 and failure.examples == ["210303"]
    assert "status" in result.summary()


def test_a_duplicate_key_fails_and_names_the_key():
    key = ["year", "county_code", "ruleset"]
    assert validate_frame("mart_county_readiness", _readiness(), key=key).success
    result = validate_frame("mart_county_readiness", _readiness(county_code="210302"), key=key)
    assert not result.success
    dup = next(f for f in result.failures if f.expectation == "expect_compound_columns_to_be_unique")
    assert dup.unexpected_count == 2 and "2024/210302/moe_2017" in dup.examples


def test_a_feed_key_from_the_contract_is_checked():
    from ingestion.contract import FEED_SPECS

    key = ["year", *FEED_SPECS["county_finance"].key]
    rows = pd.DataFrame({"year": [2024, 2024], "county_code": ["210302", "210302"],
                         "teacher_avg_salary_yuan": [1.0, 2.0], "civil_servant_avg_salary_yuan": [1.0, 1.0]})
    result = validate_frame("feed_county_finance", rows, key=key)
    assert any(f.expectation == "expect_compound_columns_to_be_unique" for f in result.failures)


def test_suite_columns_lists_what_the_check_must_read():
    cols = suite_columns("mart_county_readiness")
    assert {"status", "county_code", "ruleset", "year"} <= set(cols)


def test_the_certification_suite_checks_the_stage_codes_and_the_year():
    """feed_county_certification on valid rows as loaded (canonical stage codes): passes; a stage left in
    Chinese, a missing or impossible year, or a county's stage given twice fails, naming the row."""
    from ingestion.contract import FEED_SPECS

    key = ["year", *FEED_SPECS["county_certification"].key]
    rows = pd.DataFrame({"year": [2022] * 4, "county_code": ["210302"] * 4,
                         "stage": ["self", "city", "provincial", "national"],
                         "passed_year": [2019, 2019, 2020, 2022], "document": [None, None, "辽教督〔2020〕12号", None]})
    assert validate_frame("feed_county_certification", rows, key=key).success
    bad = rows.assign(stage=["县自评", "city", "provincial", "national"], passed_year=[2019, None, 2020, 2200])
    result = validate_frame("feed_county_certification", bad, key=key, id_columns=key)
    failed = {(f.expectation, f.column): f.examples for f in result.failures}
    assert failed[("expect_column_values_to_be_in_set", "stage")] == ["2022/210302/县自评"]
    assert failed[("expect_column_values_to_not_be_null", "passed_year")] == ["2022/210302/city"]
    assert failed[("expect_column_values_to_be_between", "passed_year")] == ["2022/210302/national"]
    twice = rows.assign(stage=["self", "self", "provincial", "national"])
    assert any(f.expectation == "expect_compound_columns_to_be_unique"
               for f in validate_frame("feed_county_certification", twice, key=key).failures)
