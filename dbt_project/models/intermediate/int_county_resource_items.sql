{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- The resource items of the evaluation per year × rule set × county: R1–R7, the school-rule view of
-- one indicator (units below the threshold, below 85 %, and whether a unit fails the school rule
-- because of it), and BALANCE, the balance rule over both levels (mart_county_level_resources).
-- Built in the run after the coefficient step, since it reads the marts it follows from
-- (source:equity+ in orchestration/assets/dbt.py).

with unit_indicators as (
    select
        year,
        ruleset,
        county_code,
        level,
        indicator_code,
        school_id,
        value,
        threshold,
        passes,
        unit_passes_school_rule as passes_school_rule
    from {{ ref('fct_school_unit_indicators') }}
    where threshold is not null and {{ year_filter('year') }}
),

per_level as (
    select
        year,
        ruleset,
        county_code,
        indicator_code,
        level,
        count(*) as n_units,
        sum(case when passes = false then 1 else 0 end) as n_below,
        sum(case when value is not null and not {{ at_least('value', 'threshold * ' ~ var('school_rule_floor_ratio')) }}
            then 1 else 0 end) as n_below_floor,
        sum(case when passes = false and passes_school_rule = false then 1 else 0 end) as n_blocking,
        sum(case when value is null then 1 else 0 end) as n_unknown,
        max(threshold) as threshold,
        string_agg(case when passes = false and passes_school_rule = false then school_id end, ', '
            order by school_id) as blocking_units
    from unit_indicators
    group by year, ruleset, county_code, indicator_code, level
),

resource_items as (
    select
        year,
        ruleset,
        county_code,
        indicator_code as item_code,
        cast(sum(n_blocking) as double) as value,
        case when sum(n_blocking) > 0 then 'fail' when sum(n_unknown) > 0 then 'unknown' else 'pass' end as status,
        string_agg(
            level || ': ' || case
                when n_blocking > 0 then cast(n_blocking as varchar) || ' school unit(s) fail the school rule on '
                    || indicator_code || ' (below ' || cast(threshold as varchar) || '; '
                    || cast(n_below_floor as varchar) || ' below 85 %): ' || blocking_units
                when n_unknown > 0 then cast(n_unknown as varchar) || ' unit(s) without a value'
                when n_below > 0 then cast(n_below as varchar) || ' of ' || cast(n_units as varchar)
                    || ' unit(s) below ' || cast(threshold as varchar) || ' but within the school rule'
                else 'all ' || cast(n_units as varchar) || ' unit(s) reach ' || cast(threshold as varchar)
            end,
            '; ' order by n_blocking desc, level desc
        ) as detail
    from per_level
    group by year, ruleset, county_code, indicator_code
),

balance as (
    select
        year,
        ruleset,
        county_code,
        'BALANCE' as item_code,
        max(case when balance_rule = 'per_indicator' then max_cv else comprehensive_cv end) as value,
        case
            when bool_or(passes_balance_rule = false) then 'fail'
            when bool_or(passes_balance_rule is null) then 'unknown'
            else 'pass'
        end as status,
        string_agg(
            level || ': ' || case
                when balance_rule = 'per_indicator' and passes_balance_rule = false
                    then over_cap_indicators || ' (comprehensive ' || printf('%.3f', comprehensive_cv) || ')'
                when balance_rule = 'per_indicator'
                    then 'every indicator CV ≤ ' || printf('%.2f', cv_max) || ' (largest '
                    || coalesce(printf('%.3f', max_cv), 'undefined') || ')'
                when passes_balance_rule = false
                    then 'comprehensive CV ' || printf('%.3f', comprehensive_cv) || ' > ' || printf('%.2f', cv_max)
                else 'comprehensive CV ' || coalesce(printf('%.3f', comprehensive_cv), 'undefined')
                    || ' (cap ' || printf('%.2f', cv_max) || ')'
            end,
            '; ' order by coalesce(passes_balance_rule, true), level desc
        ) as detail
    from {{ ref('mart_county_level_resources') }}
    where {{ year_filter('year') }}
    group by year, ruleset, county_code
)

select * from resource_items
union all
select * from balance
