{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the data to check before planning (摸清底数, roadmap.md §1) — every school unit whose value
-- on an indicator is beyond var('outlier_median_multiple') × its county level's median and
-- var('outlier_standard_multiple') × the standard (int_unit_plausibility). A plan such units drive
-- says so in mart_county_roadmap.driven_by_outliers.

select
    year,
    ruleset,
    county_code,
    school_id,
    level,
    indicator_code,
    value,
    county_median,
    standard,
    reason
from {{ ref('int_unit_plausibility') }}
where {{ year_filter('year') }}
