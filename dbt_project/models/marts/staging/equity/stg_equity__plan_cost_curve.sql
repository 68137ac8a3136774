-- plan_cost_curve as the planner step wrote it (equity/planner.py, Dagster asset county_roadmap).
select
    year,
    ruleset,
    county_code,
    level,
    target_step,
    target,
    cost_yuan,
    reachable,
    planned,
    reason_if_not_planned
from {{ source('equity', 'plan_cost_curve') }}
