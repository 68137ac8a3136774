-- plan_county_indicators as the planner step wrote it (equity/planner.py, Dagster asset county_roadmap).
select
    year,
    ruleset,
    county_code,
    level,
    indicator_code,
    balance_rule,
    cv_now,
    cv_planned,
    cap,
    units_failing_now,
    units_touched,
    addition_total,
    cost_yuan,
    one_off_cost_yuan,
    recurring_cost_yuan_per_year,
    floor_cost_yuan,
    plan_passes,
    owner_cost_yuan,
    owner_one_off_cost_yuan,
    owner_recurring_cost_yuan_per_year
from {{ source('equity', 'plan_county_indicators') }}
