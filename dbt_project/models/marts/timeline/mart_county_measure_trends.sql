-- Published: the trend of each measure that blocks a county level now (as of the county's latest
-- year held): every coefficient over its cap (each indicator under a per-indicator rule set, the
-- comprehensive one under a comprehensive rule set) and the units failing the school rule — its
-- yearly change by least squares over the years held (at least var('trend_min_years') years [I])
-- and the year it reaches its target at that pace from its current value (a coefficient ≤ its cap,
-- no unit failing), or NULL with the reason.

with levels as (
    select
        year,
        ruleset,
        county_code,
        level,
        balance_rule,
        units_failing
    from {{ ref('mart_county_level_resources') }}
    where {{ timeline_filter('year') }}
),

latest as (
    select
        ruleset,
        county_code,
        max(year) as as_of_year
    from levels
    group by ruleset, county_code
),

coefficients as (
    select
        year,
        ruleset,
        county_code,
        level,
        indicator_code,
        cv,
        cv_max,
        within_cap
    from {{ ref('fct_county_coefficients') }}
    where {{ timeline_filter('year') }}
),

-- every year's value of each measure
history as (
    select
        c.year,
        c.ruleset,
        c.county_code,
        c.level,
        'cv' as measure,
        c.indicator_code,
        c.cv as value,
        c.cv_max as target,
        c.within_cap = false as blocking
    from coefficients as c
    inner join levels as l
        on c.year = l.year and c.ruleset = l.ruleset and c.county_code = l.county_code and c.level = l.level
    where
        (l.balance_rule = 'per_indicator' and c.indicator_code <> 'COMPREHENSIVE')
        or (l.balance_rule = 'comprehensive' and c.indicator_code = 'COMPREHENSIVE')
    union all
    select
        year,
        ruleset,
        county_code,
        level,
        'units_failing' as measure,
        'SCHOOL_RULE' as indicator_code,
        units_failing as value,
        0 as target,
        units_failing > 0 as blocking
    from levels
),

blocking_now as (
    select
        h.ruleset,
        h.county_code,
        h.level,
        h.measure,
        h.indicator_code,
        l.as_of_year,
        h.value as value_now,
        h.target
    from history as h
    inner join latest as l
        on h.ruleset = l.ruleset and h.county_code = l.county_code and h.year = l.as_of_year
    where h.blocking
),

fitted as (
    select
        b.ruleset,
        b.county_code,
        b.level,
        b.measure,
        b.indicator_code,
        b.as_of_year,
        b.value_now,
        b.target,
        count(h.value) as years_used,
        min(h.year) filter (where h.value is not null) as first_year,
        -- rounded: DuckDB's parallel aggregate may differ in the last bits from run to run, and the
        -- published figure (and the year projected from it) must not
        round(regr_slope(h.value, h.year), 12) as slope_per_year
    from blocking_now as b
    inner join history as h
        on
            b.ruleset = h.ruleset
            and b.county_code = h.county_code
            and b.level = h.level
            and b.measure = h.measure
            and b.indicator_code = h.indicator_code
    group by all
),

-- the year the measure reaches its target at the fitted pace from its current value
paced as (
    select
        *,
        case
            when years_used >= {{ var('trend_min_years') }} and slope_per_year < 0
                then as_of_year + cast(ceil(
                    (value_now - target) / (-slope_per_year) - {{ var('comparison_tolerance') }}
                ) as integer)
        end as paced_year
    from fitted
)

select
    ruleset,
    county_code,
    level,
    measure,
    indicator_code,
    as_of_year,
    value_now,
    target,
    years_used,
    first_year,
    slope_per_year,
    case when paced_year <= as_of_year + {{ var('projection_horizon_years') }} then paced_year end as projected_year,
    case
        when years_used < {{ var('trend_min_years') }}
            then 'too few years: ' || years_used || ' held, ' || {{ var('trend_min_years') }} || ' needed'
        when not slope_per_year < 0
            then 'not improving: ' || printf('%+.4f', slope_per_year) || ' a year'
        when paced_year > as_of_year + {{ var('projection_horizon_years') }}
            then 'too slow: ' || printf('%+.4f', slope_per_year) || ' a year reaches the target in ' || paced_year
            || ', beyond ' || {{ var('projection_horizon_years') }} || ' years'
    end as projection_reason
from paced
