{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: per county level and rule set, the least cost to bring its coefficient(s) to a series
-- of targets — the cap (target_step 0) and steps of 0.05 below it — floors of the school rule
-- included: what a bureau weighs against its budget. Incomplete county levels have no curve. The cost
-- is one-off plus one year of recurring money, each also given apart (roadmap.md §1).

with curve as (
    select * from {{ ref('stg_equity__plan_cost_curve') }}
    where {{ year_filter('year') }}
),

planned_levels as (
    {{ roadmap_planned_levels() }}
)

select
    c.year,
    c.ruleset,
    c.county_code,
    c.level,
    c.target_step,
    c.target,
    c.cost_yuan,
    c.one_off_cost_yuan,
    c.recurring_cost_yuan_per_year,
    c.reachable,
    c.reason_if_not_planned
from curve as c
inner join planned_levels as l
    on c.year = l.year and c.ruleset = l.ruleset and c.county_code = l.county_code and c.level = l.level
