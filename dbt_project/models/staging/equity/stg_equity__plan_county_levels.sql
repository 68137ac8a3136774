-- plan_county_levels as the planner step wrote it (equity/planner.py, Dagster asset county_roadmap).
select
    year,
    ruleset,
    county_code,
    level,
    planned,
    plan_passes,
    cost_yuan,
    one_off_cost_yuan,
    recurring_cost_yuan_per_year,
    floor_cost_yuan,
    reason_if_not_planned,
    reason_if_fails,
    owner_cost_yuan,
    owner_one_off_cost_yuan,
    owner_recurring_cost_yuan_per_year,
    relies_on_owners
from {{ source('equity', 'plan_county_levels') }}
