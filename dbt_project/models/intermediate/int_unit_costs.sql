{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- What one natural unit of each indicator's numerator costs, per year × level × indicator: the
-- documented defaults of seeds/unit_costs.csv (each with its source or "assumed"), in the natural
-- unit the standards seed gives the indicator. The planner (equity/planner.py) prices its additions
-- with these; dim_unit_costs publishes them beside the plan.

with years as (
    select distinct year from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

units as (
    select distinct level, indicator_code, natural_unit from {{ ref('standards') }}
),

defaults as (
    select level, indicator_code, cost_yuan, source from {{ ref('unit_costs') }}
)

select
    y.year,
    d.level,
    d.indicator_code,
    u.natural_unit as unit,
    d.cost_yuan,
    d.source
from years as y
cross join defaults as d
left join units as u on d.level = u.level and d.indicator_code = u.indicator_code
