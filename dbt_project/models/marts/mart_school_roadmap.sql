{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the roadmap school by school (路线图) — what each school adds, per indicator, in the
-- plan that brings its county level to the standard at the least cost (equity/planner.py): teachers
-- to its stage; floor area, ground, equipment and rooms to the whole school, which a split school's
-- levels share (the other level's row then shows its gain with reason shared_lift and addition 0).
-- A county level whose data is incomplete gets no plan: it would be made for a shortened school list.
-- cost_kind (经费性质): recurring for teachers (a teacher-year, paid every year), one_off for the rest;
-- NULL on a row without a cost (a split school's other level, which only gains).
-- Private schools (民办, roadmap.md §1): what a private school lacks is listed as any school's (its
-- values count in the verdict), but no public money is planned for it: funded_by 'owner', cost_yuan 0
-- (the county's money) and owner_cost_yuan the owner's duty, outside the county's cost. A public
-- school's rows are funded_by 'county', owner_cost_yuan 0.

with additions as (
    select * from {{ ref('stg_equity__plan_unit_additions') }}
    where {{ year_filter('year') }}
),

units as (
    select year, ruleset, school_id, level, indicator_code, school_name, students, threshold
    from {{ ref('fct_school_unit_indicators') }}
    where {{ year_filter('year') }}
),

costs as (
    select year, level, indicator_code, unit, cost_yuan as unit_cost_yuan from {{ ref('int_unit_costs') }}
    where {{ year_filter('year') }}
),

planned_levels as (
    {{ roadmap_planned_levels() }}
)

select
    a.year,
    a.ruleset,
    a.county_code,
    a.school_id,
    a.level,
    a.indicator_code,
    u.school_name,
    u.students,
    c.unit,
    a.value_now,
    a.value_planned,
    u.threshold,
    a.addition,
    a.cost_yuan,
    case when a.cost_yuan > 0 or a.owner_cost_yuan > 0 then a.cost_kind end as cost_kind,
    a.reason,
    a.unit_gain,
    a.driven_by_level,
    a.shared as whole_school_resource,
    c.unit_cost_yuan,
    a.funded_by,
    a.owner_cost_yuan
from additions as a
inner join planned_levels as l
    on a.year = l.year and a.ruleset = l.ruleset and a.county_code = l.county_code and a.level = l.level
left join units as u
    on
        a.year = u.year and a.ruleset = u.ruleset and a.school_id = u.school_id and a.level = u.level
        and a.indicator_code = u.indicator_code
left join costs as c on a.year = c.year and a.level = c.level and a.indicator_code = c.indicator_code
