{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the difference coefficients (差异系数) per county × level × rule set × indicator, and
-- COMPREHENSIVE (校际综合差异系数, the mean of the indicators' coefficients). An incomplete county
-- (int_county_data_status: quarantined rows) gets NULL coefficients: they would be computed over a
-- shortened school list. decides_verdict: the rows the rule set's balance rule judges (every indicator
-- under per_indicator, the COMPREHENSIVE row under comprehensive); within_cap on the other rows is for
-- reference only and never a failure of the county.

with coefficients as (
    select * from {{ ref('stg_equity__county_coefficients') }}
    where {{ year_filter('year') }}
),

status as (
    select year, county_code, county_name, county_incomplete, incomplete_reason from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

caps as (
    select ruleset, level, cv_max from {{ ref('balance_standards') }}
),

rules as (
    select ruleset, balance_rule from {{ ref('rulesets') }}
),

guarded as (
    select
        c.year,
        c.county_code,
        c.level,
        c.ruleset,
        c.indicator_code,
        c.n_units,
        c.students,
        coalesce(s.county_incomplete, false) as county_incomplete,
        case when not coalesce(s.county_incomplete, false) then c.weighted_mean end as weighted_mean,
        case when not coalesce(s.county_incomplete, false) then c.std_dev end as std_dev,
        case when not coalesce(s.county_incomplete, false) then c.cv end as cv,
        -- published wording of this column: 'county ' before the reason
        case when s.county_incomplete then 'county ' || s.incomplete_reason else c.cv_null_reason end as cv_null_reason,
        k.cv_max,
        case r.balance_rule
            when 'per_indicator' then c.indicator_code <> 'COMPREHENSIVE'
            when 'comprehensive' then c.indicator_code = 'COMPREHENSIVE'
        end as decides_verdict,
        s.county_name
    from coefficients as c
    left join status as s on c.year = s.year and c.county_code = s.county_code
    left join caps as k on c.ruleset = k.ruleset and c.level = k.level
    left join rules as r on c.ruleset = r.ruleset
)

select
    year,
    county_code,
    level,
    ruleset,
    indicator_code,
    n_units,
    students,
    county_incomplete,
    weighted_mean,
    std_dev,
    cv,
    cv_null_reason,
    cv_max,
    {{ at_most('cv', 'cv_max') }} as within_cap,
    decides_verdict,
    county_name
from guarded
