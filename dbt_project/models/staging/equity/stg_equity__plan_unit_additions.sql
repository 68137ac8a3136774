-- plan_unit_additions as the planner step wrote it (equity/planner.py, Dagster asset county_roadmap).
select
    year,
    ruleset,
    county_code,
    level,
    school_id,
    indicator_code,
    value_now,
    value_planned,
    addition,
    unit_gain,
    cost_yuan,
    cost_kind,
    reason,
    driven_by_level,
    shared,
    funded_by,
    owner_cost_yuan
from {{ source('equity', 'plan_unit_additions') }}
