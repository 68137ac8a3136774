{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- The school rule per unit (rule sets with one): at least var('school_rule_min_passing') of the
-- indicators pass and every other one reaches var('school_rule_floor_ratio') of its threshold
-- (macros/school_rule.sql, shared with the roadmap's check of every plan).
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
        {{ school_rule_counts('value', 'threshold', 'passes') }},
        string_agg(case when not passes then indicator_code end, ', ' order by indicator_code) as failing_indicators
    from indicators
    group by year, ruleset, county_code, school_id, level
)

select
    *,
    {{ school_rule_verdict() }} as passes_school_rule
from counted
