-- Each county's plan per rule set, from every plan table delivered in the years the timetable reads
-- (optional feed county_plan; each table kept by the year it came): its commitment (the planned year
-- in the earliest table that lists it), its planned year and stated yearly budget (from the latest
-- table that lists it), the slip between them, whether the latest table dropped it, whether the
-- planned year is after the scope's "all counties" milestone; and what the roadmap's resource plan
-- costs in the county's latest year, by kind (one-off money, paid once; recurring money, every year).

with plan_deliveries as (
    select * from {{ ref('stg_landing__county_plan') }}
    where {{ timeline_filter('year') }}
),

latest_table as (
    select max(year) as latest_table_year from plan_deliveries
),

listed as (
    select
        county_code,
        min(year) as committed_table_year,
        cast(arg_min(planned_year, year) as integer) as committed_year,
        max(year) as plan_delivered_year,
        arg_max(planned_year, year) as planned_year,
        -- the latest listing's budget, blank included (a budget withdrawn is not the old one)
        arg_max_null(budget_yuan_per_year, year) as budget_yuan_per_year,
        string_agg(year || ': ' || planned_year, '; ' order by year) as plan_history
    from plan_deliveries
    group by county_code
),

planned as (
    select
        l.*,
        t.latest_table_year,
        l.plan_delivered_year < t.latest_table_year as dropped_from_plan
    from listed as l
    cross join latest_table as t
),

-- the earliest "all counties" milestone of the county's scope, per rule set it applies to
all_milestones as (
    select
        coalesce(nullif(trim(m.scope_code), ''), 'CN') as scope_code,
        m.milestone_year,
        r.ruleset
    from {{ ref('milestones') }} as m
    inner join {{ ref('rulesets') }} as r
        on
            nullif(trim(m.rulesets), '') is null
            or list_contains(string_split(replace(m.rulesets, ' ', ''), ';'), r.ruleset)
    where m.rule = 'all'
),

roadmap as (
    select
        year,
        ruleset,
        county_code,
        level,
        level_cost_yuan,
        level_one_off_cost_yuan,
        level_recurring_cost_yuan_per_year,
        plan_passes
    from {{ ref('mart_county_roadmap') }}
    where {{ timeline_filter('year') }}
),

latest as (
    select
        ruleset,
        county_code,
        max(year) as year
    from roadmap
    group by ruleset, county_code
),

level_costs as (
    select distinct
        r.ruleset,
        r.county_code,
        r.level,
        r.level_cost_yuan,
        r.level_one_off_cost_yuan,
        r.level_recurring_cost_yuan_per_year
    from roadmap as r
    inner join latest as l on r.ruleset = l.ruleset and r.county_code = l.county_code and r.year = l.year
),

passes as (
    select
        r.ruleset,
        r.county_code,
        bool_and(r.plan_passes) as plan_passes
    from roadmap as r
    inner join latest as l on r.ruleset = l.ruleset and r.county_code = l.county_code and r.year = l.year
    group by r.ruleset, r.county_code
),

costs as (
    select
        c.ruleset,
        c.county_code,
        sum(c.level_cost_yuan) as plan_cost_yuan,
        sum(c.level_one_off_cost_yuan) as one_off_cost_yuan,
        sum(c.level_recurring_cost_yuan_per_year) as recurring_cost_yuan_per_year,
        any_value(p.plan_passes) as plan_passes
    from level_costs as c
    left join passes as p on c.ruleset = p.ruleset and c.county_code = p.county_code
    group by c.ruleset, c.county_code
),

rulesets as (
    select ruleset from {{ ref('rulesets') }}
),

county_codes as (
    select county_code from costs
    union
    select county_code from planned
),

counties as (
    select
        r.ruleset,
        c.county_code
    from county_codes as c
    cross join rulesets as r
),

milestone_years as (
    select
        c.ruleset,
        c.county_code,
        min(m.milestone_year) as all_milestone_year
    from counties as c
    inner join all_milestones as m
        on c.ruleset = m.ruleset and (m.scope_code = 'CN' or left(c.county_code, length(m.scope_code)) = m.scope_code)
    group by c.ruleset, c.county_code
)

select
    c.ruleset,
    c.county_code,
    p.planned_year,
    p.budget_yuan_per_year,
    p.plan_delivered_year,
    p.committed_year,
    p.committed_table_year,
    cast(p.planned_year - p.committed_year as integer) as years_slipped,
    p.dropped_from_plan,
    p.latest_table_year,
    p.plan_history,
    m.all_milestone_year,
    p.planned_year > m.all_milestone_year as beyond_milestone,
    k.plan_cost_yuan,
    k.one_off_cost_yuan,
    k.recurring_cost_yuan_per_year,
    k.plan_passes
from counties as c
left join planned as p on c.county_code = p.county_code
left join costs as k on c.ruleset = k.ruleset and c.county_code = k.county_code
left join milestone_years as m on c.ruleset = m.ruleset and c.county_code = m.county_code
