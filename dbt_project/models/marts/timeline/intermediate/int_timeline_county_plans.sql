-- Each county's plan per rule set: the year the city's plan table gives it and the stated yearly
-- budget (the latest table delivered in the years the timetable reads), and what the roadmap's
-- resource plan costs in the county's latest year (the sum of its levels' least cost).

with plan_deliveries as (
    select * from {{ ref('stg_landing__county_plan') }}
    where {{ timeline_filter('year') }}
),

planned as (
    select
        county_code,
        planned_year,
        budget_yuan_per_year,
        year as plan_delivered_year
    from plan_deliveries
    where year = (select max(p.year) from plan_deliveries as p)
),

roadmap as (
    select distinct
        year,
        ruleset,
        county_code,
        level,
        level_cost_yuan,
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

costs as (
    select
        r.ruleset,
        r.county_code,
        sum(r.level_cost_yuan) as plan_cost_yuan,
        bool_and(r.plan_passes) as plan_passes
    from roadmap as r
    inner join latest as l on r.ruleset = l.ruleset and r.county_code = l.county_code and r.year = l.year
    group by r.ruleset, r.county_code
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
)

select
    c.ruleset,
    c.county_code,
    p.planned_year,
    p.budget_yuan_per_year,
    p.plan_delivered_year,
    k.plan_cost_yuan,
    k.plan_passes
from counties as c
left join planned as p on c.county_code = p.county_code
left join costs as k on c.ruleset = k.ruleset and c.county_code = k.county_code
