{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- What one natural unit of each indicator's numerator costs, per year × level × indicator, in the
-- natural unit the standards seed gives the indicator: the optional feed `unit_costs` where a city
-- delivered it (the latest delivery of that year or an earlier one), else the documented defaults of
-- seeds/unit_costs.csv (each with its source or "assumed"). The planner (equity/planner.py) prices
-- its additions with these; dim_unit_costs publishes them beside the plan.

with years as (
    select distinct year from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

units as (
    select distinct level, indicator_code, natural_unit from {{ ref('standards') }}
),

defaults as (
    select level, indicator_code, cost_yuan, source from {{ ref('unit_costs') }}
),

delivered as (
    select year, level, indicator_code, cost_yuan, source_file from {{ ref('stg_landing__unit_costs') }}
),

-- per year, the latest delivery up to that year
chosen as (
    select
        y.year,
        d.level,
        d.indicator_code,
        d.cost_yuan,
        'feed unit_costs ' || d.year || ' (' || d.source_file || ')' as source
    from years as y
    inner join delivered as d on y.year >= d.year
    qualify row_number() over (partition by y.year, d.level, d.indicator_code order by d.year desc) = 1
)

select
    y.year,
    d.level,
    d.indicator_code,
    u.natural_unit as unit,
    coalesce(c.cost_yuan, d.cost_yuan) as cost_yuan,
    coalesce(c.source, d.source) as source
from years as y
cross join defaults as d
left join chosen as c on y.year = c.year and d.level = c.level and d.indicator_code = c.indicator_code
left join units as u on d.level = u.level and d.indicator_code = u.indicator_code
