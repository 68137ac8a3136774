{#- The roadmap's plans, applied, pass the school rule — judged by the verdict's own macros
    (macros/school_rule.sql), not a copy. `model` is mart_county_roadmap: for every county level whose
    plan it says passes, the planned values (mart_school_roadmap.value_planned, the current value where
    the plan adds nothing) of every unit of a rule set with a school rule. A row returned is a unit the
    plan would leave failing: the test fails and publication is blocked. -#}
{% test school_rule_holds_under_plan(model) %}
with passing_plans as (
    -- only models of the run after the planner: a test on a seed would run in the first dbt run too
    select distinct year, ruleset, county_code, level from {{ model }}
    where plan_passes and school_rule_applies
),

units as (
    select
        u.year,
        u.ruleset,
        u.county_code,
        u.school_id,
        u.level,
        u.indicator_code,
        u.threshold,
        coalesce(a.value_planned, u.value) as value
    from {{ ref('fct_school_unit_indicators') }} as u
    inner join passing_plans as p
        on u.year = p.year and u.ruleset = p.ruleset and u.county_code = p.county_code and u.level = p.level
    left join {{ ref('mart_school_roadmap') }} as a
        on
            u.year = a.year and u.ruleset = a.ruleset and u.school_id = a.school_id and u.level = a.level
            and u.indicator_code = a.indicator_code
    where u.threshold is not null
),

counted as (
    select
        year,
        ruleset,
        county_code,
        school_id,
        level,
        {{ school_rule_counts('value', 'threshold', at_least('value', 'threshold')) }}
    from units
    group by year, ruleset, county_code, school_id, level
)

select *
from counted
where not coalesce({{ school_rule_verdict() }}, true)
{% endtest %}
