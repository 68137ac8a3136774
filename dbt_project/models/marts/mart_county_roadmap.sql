{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the roadmap per county level and indicator (路线图) — the coefficient now and under the
-- least-cost plan, what the plan adds and costs (and the floors of the school rule alone), and
-- whether the plan passes when evaluated by the verdict's own rules (plan_passes; a level that was
-- not planned, or whose data is incomplete, has NULL and says why). COMPREHENSIVE rows carry the
-- comprehensive coefficient where the rule set uses it.
-- Money by kind (roadmap.md §1): every cost is also given as its one-off part (building, ground,
-- equipment, rooms, computers, books: paid once) and its recurring part (teachers: paid every year);
-- cost_yuan and level_cost_yuan are their sum (one-off plus one year of recurring), as the planner
-- wrote them (equity/planner.py), so the two parts add up to them exactly.

with indicators as (
    select * from {{ ref('stg_equity__plan_county_indicators') }}
    where {{ year_filter('year') }}
),

plan_levels as (
    select * from {{ ref('stg_equity__plan_county_levels') }}
    where {{ year_filter('year') }}
),

levels as (
    select year, ruleset, county_code, level, status, blocking_reasons from {{ ref('mart_county_level_resources') }}
    where {{ year_filter('year') }}
),

rules as (
    select ruleset, has_school_rule from {{ ref('rulesets') }}
)

select
    i.year,
    i.ruleset,
    i.county_code,
    i.level,
    i.indicator_code,
    i.balance_rule,
    l.status as status_now,
    i.cv_now,
    case when l.status <> 'incomplete' then i.cv_planned end as cv_planned,
    i.cap,
    i.units_failing_now,
    case when l.status <> 'incomplete' then i.units_touched end as units_touched,
    case when l.status <> 'incomplete' then i.addition_total end as addition_total,
    case when l.status <> 'incomplete' then i.cost_yuan end as cost_yuan,
    case when l.status <> 'incomplete' then i.one_off_cost_yuan end as one_off_cost_yuan,
    case when l.status <> 'incomplete' then i.recurring_cost_yuan_per_year end as recurring_cost_yuan_per_year,
    case when l.status <> 'incomplete' then i.floor_cost_yuan end as floor_cost_yuan,
    case when l.status <> 'incomplete' and p.planned then i.plan_passes end as plan_passes,
    case when l.status <> 'incomplete' then p.cost_yuan end as level_cost_yuan,
    case when l.status <> 'incomplete' then p.one_off_cost_yuan end as level_one_off_cost_yuan,
    case when l.status <> 'incomplete' then p.recurring_cost_yuan_per_year end as level_recurring_cost_yuan_per_year,
    case
        when l.status = 'incomplete' then 'no plan: ' || coalesce(l.blocking_reasons, 'county data incomplete')
        when not p.planned then 'not planned: ' || coalesce(p.reason_if_not_planned, 'unknown values')
        when not p.plan_passes then 'plan fails the verdict: ' || coalesce(p.reason_if_fails, '')
    end as plan_note,
    r.has_school_rule as school_rule_applies
from indicators as i
inner join levels as l
    on i.year = l.year and i.ruleset = l.ruleset and i.county_code = l.county_code and i.level = l.level
left join plan_levels as p
    on i.year = p.year and i.ruleset = p.ruleset and i.county_code = p.county_code and i.level = p.level
left join rules as r on i.ruleset = r.ruleset
