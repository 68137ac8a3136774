{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the difference coefficients (差异系数) per county × level × rule set × indicator, and
-- COMPREHENSIVE (校际综合差异系数, the mean of the indicators' coefficients). A county with
-- quarantined rows gets NULL coefficients: they would be computed over a shortened school list.

with coefficients as (
    select * from {{ source('equity', 'county_coefficients') }}
    where {{ year_filter('year') }}
),

status as (
    select year, county_code, quarantined_rows from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

caps as (
    select ruleset, level, cv_max from {{ ref('balance_standards') }}
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
        coalesce(s.quarantined_rows, 0) > 0 as county_incomplete,
        case when coalesce(s.quarantined_rows, 0) = 0 then c.weighted_mean end as weighted_mean,
        case when coalesce(s.quarantined_rows, 0) = 0 then c.std_dev end as std_dev,
        case when coalesce(s.quarantined_rows, 0) = 0 then c.cv end as cv,
        case
            when coalesce(s.quarantined_rows, 0) > 0
                then 'county data incomplete: ' || cast(s.quarantined_rows as varchar) || ' quarantined row(s)'
            else c.cv_null_reason
        end as cv_null_reason,
        k.cv_max
    from coefficients as c
    left join status as s on c.year = s.year and c.county_code = s.county_code
    left join caps as k on c.ruleset = k.ruleset and c.level = k.level
)

select
    *,
    {{ at_most('cv', 'cv_max') }} as within_cap
from guarded
