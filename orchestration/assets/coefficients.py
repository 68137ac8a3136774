"""The Python steps between the two dbt runs: the difference coefficients and the further equity
measures, computed by `equity/` over every group at once."""

import dagster as dg

from core.faultpoints import maybe_die
from core.settings import dbt_var
from orchestration.assets.dbt import RunConfig
from orchestration.partitions import partition_years, single_run, yearly_partitions
from orchestration.resources import JunhengConfig


@dg.asset(
    key="county_coefficients",
    deps=[dg.AssetKey("int_school_unit_indicators")],
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    group_name="equity",
    kinds={"python", "duckdb"},
    description="差异系数: student-weighted CV per year × rule set × county × level × indicator, and COMPREHENSIVE.",
)
def county_coefficients(context: dg.AssetExecutionContext, junheng: JunhengConfig,
                        config: RunConfig) -> dg.MaterializeResult:
    from equity.warehouse import write_county_coefficients  # pandas: imported when the step runs

    years = partition_years(context)
    with junheng.connect() as con:
        # a full refresh rebuilds every year's models, so every year's coefficients follow
        result = write_county_coefficients(con, None if config.full_refresh else years)
        maybe_die("coefficients")  # test-only: JUNHENG_TEST_KILL_AT (faultpoints.py)
    per_indicator = result[result["indicator_code"] != "COMPREHENSIVE"]
    return dg.MaterializeResult(metadata={
        "groups": len(per_indicator),
        "undefined": int(per_indicator["cv"].isna().sum()),
        "counties": int(result["county_code"].nunique()),
        "years": ", ".join(map(str, years)),
    })


@dg.asset(
    key="county_equity_measures",
    deps=[dg.AssetKey("int_school_unit_indicators"), dg.AssetKey("stg_census__schools")],
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    group_name="equity",
    kinds={"python", "duckdb"},
    description="Gini, Theil T/L split between town and village schools, McLoone, Verstegen, ranges, Atkinson, "
                "parity per year × rule set × county × level × indicator (pupil-weighted).",
)
def county_equity_measures(context: dg.AssetExecutionContext, junheng: JunhengConfig,
                           config: RunConfig) -> dg.MaterializeResult:
    from equity.warehouse import write_equity_measures  # pandas: imported when the step runs

    years = partition_years(context)
    area_mode = dbt_var("equity_area_split")  # dbt_project.yml: urban_rural (城镇/乡村) or three_way
    with junheng.connect() as con:
        result = write_equity_measures(con, None if config.full_refresh else years, area_mode)
    return dg.MaterializeResult(metadata={
        "groups": len(result),
        "undefined_gini": int(result["gini"].isna().sum()),
        "median_theil_t_between_share": float(result["theil_t_between_share"].median())
        if result["theil_t_between_share"].notna().any() else dg.MetadataValue.text("n/a"),
        "area_split": area_mode,
        "years": ", ".join(map(str, years)),
    })
