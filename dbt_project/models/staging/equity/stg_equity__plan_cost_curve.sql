-- plan_cost_curve as the planner step wrote it (equity/planner.py, Dagster asset county_roadmap).
select
    year,
    ruleset,
    county_code,
    level,
    target_step,
    target,
    cost_yuan,
    one_off_cost_yuan,
    recurring_cost_yuan_per_year,
    reachable,
    planned,
    reason_if_not_planned
from {{ source('equity', 'plan_cost_curve') }}
