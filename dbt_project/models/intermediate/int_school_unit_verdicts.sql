{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- The school rule per unit (rule sets with one): at least var('school_rule_min_passing') of the
-- indicators pass and every other one reaches var('school_rule_floor_ratio') of its threshold.
-- Three-valued: FALSE as soon as the known values fail it (one known below the floor, or more known
-- misses than the rule allows, whatever the unknown ones hold); TRUE only when every value is known
-- and it holds; NULL (unknown) otherwise.

with indicators as (
    select * from {{ ref('int_school_unit_indicators') }}
    where threshold is not null and {{ year_filter('year') }}
),

counted as (
    select
        year,
        ruleset,
        county_code,
        school_id,
        level,
        max(students) as students,
        count(*) as n_indicators,
        count(value) as n_known,
        sum(case when passes then 1 else 0 end) as n_passing,
        sum(case when not passes and {{ at_least('value', 'threshold * ' ~ var('school_rule_floor_ratio')) }}
            then 1 else 0 end) as n_near,
        string_agg(case when not passes then indicator_code end, ', ' order by indicator_code) as failing_indicators
    from indicators
    group by year, ruleset, county_code, school_id, level
)

select
    *,
    case
        when n_known - n_passing - n_near > 0 then false
        when n_passing + (n_indicators - n_known) < {{ var('school_rule_min_passing') }} then false
        when n_known < n_indicators then null
        else n_passing >= {{ var('school_rule_min_passing') }} and n_passing + n_near = n_indicators
    end as passes_school_rule
from counted
