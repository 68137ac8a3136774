-- Published: the trend of each measure that blocks a county level now (as of the county's latest
-- year held): every coefficient over its cap (each indicator under a per-indicator rule set, the
-- comprehensive one under a comprehensive rule set) and the school rule — its yearly change by least
-- squares over the years held (at least var('trend_min_years') years [I]) and the year it reaches its
-- target at that pace from its current value (a coefficient ≤ its cap; no shortfall), or NULL with
-- the reason.
-- The school rule's measure is continuous, never a count of failing units: the worst failing unit's
-- shortfall as a share of its floor (school_rule_shortfall). A unit passes when at least
-- var('school_rule_min_passing') indicators reach their threshold and every other reaches
-- var('school_rule_floor_ratio') of it; the unit's allowed misses (its indicators less that minimum)
-- are its worst indicators (that choice needs the least rise), whose floor is that share of the
-- threshold, and every other indicator below its threshold has the threshold as its floor. The unit's
-- shortfall is the largest (floor − value) / floor over them; the county level's is the largest over
-- its failing units. A level whose units all pass has no shortfall (0), which is a floor, not a
-- value: the school rule's trend is fitted over its current failing spell only (the years since the
-- last year it did not block), never through the zeros before it.

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

-- each unit's indicators, with how many it has
unit_indicators as (
    select
        year,
        ruleset,
        county_code,
        level,
        school_id,
        indicator_code,
        value,
        threshold,
        passes,
        unit_passes_school_rule,
        count(*) over (partition by year, ruleset, county_code, level, school_id) as n_indicators
    from {{ ref('fct_school_unit_indicators') }}
    where {{ timeline_filter('year') }}
),

-- each failing unit's indicators below their threshold, worst first
below as (
    select
        year,
        ruleset,
        county_code,
        level,
        school_id,
        value / threshold as share,
        n_indicators - {{ var('school_rule_min_passing') }} as misses_allowed,
        row_number() over (
            partition by year, ruleset, county_code, level, school_id order by value / threshold, indicator_code
        ) as worst_rank
    from unit_indicators
    where unit_passes_school_rule = false and passes = false and value is not null and threshold > 0
),

unit_shortfalls as (
    select
        year,
        ruleset,
        county_code,
        level,
        school_id,
        max(
            case
                when worst_rank <= misses_allowed
                    then greatest(0, ({{ var('school_rule_floor_ratio') }} - share) / {{ var('school_rule_floor_ratio') }})
                else 1 - share
            end
        ) as shortfall
    from below
    group by all
),

level_shortfalls as (
    select
        year,
        ruleset,
        county_code,
        level,
        max(shortfall) as shortfall
    from unit_shortfalls
    group by all
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
measured as (
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
        l.year,
        l.ruleset,
        l.county_code,
        l.level,
        'school_rule_shortfall' as measure,
        'SCHOOL_RULE' as indicator_code,
        -- rounded as the slope is: the published figure must not move in the last bits
        case when l.units_failing > 0 then round(coalesce(s.shortfall, 0), 12) else 0 end as value,
        0 as target,
        l.units_failing > 0 as blocking
    from levels as l
    left join level_shortfalls as s
        on l.year = s.year and l.ruleset = s.ruleset and l.county_code = s.county_code and l.level = s.level
),

-- with the last year each measure did not block: the school rule's current failing spell starts after it
history as (
    select
        *,
        max(case when not blocking then year end)
            over (partition by ruleset, county_code, level, measure, indicator_code) as last_clear_year
    from measured
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
        string_agg(h.year || '=' || round(h.value, 6), ';' order by h.year) filter (where h.value is not null)
            as yearly_values,
        -- the points in year order: the slope is summed over them in that order (paced), never by a
        -- parallel aggregate (regr_slope), whose partial sums combine in any order and moved the
        -- published slope in its last digit between a run of the years and a re-run of one
        list(cast(h.year as double) order by h.year) filter (where h.value is not null) as xs,
        list(h.value order by h.year) filter (where h.value is not null) as ys
    from blocking_now as b
    inner join history as h
        on
            b.ruleset = h.ruleset
            and b.county_code = h.county_code
            and b.level = h.level
            and b.measure = h.measure
            and b.indicator_code = h.indicator_code
            and (b.measure = 'cv' or h.last_clear_year is null or h.last_clear_year < h.year)
    group by all
),

-- the least-squares slope, Σ (x − x̄)(y − ȳ) / Σ (x − x̄)², summed in year order; rounded as before
sloped as (
    select
        * exclude (xs, ys),
        case when len(xs) >= 2 then round(
            list_sum(list_transform(range(1, len(xs) + 1), lambda i: (xs[i] - list_avg(xs)) * (ys[i] - list_avg(ys))))
            / list_sum(list_transform(xs, lambda x: (x - list_avg(xs)) * (x - list_avg(xs)))),
            12
        ) end as slope_per_year
    from fitted
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
    from sloped
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
    yearly_values,
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
