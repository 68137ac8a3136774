{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the unit costs the year's roadmap was priced with (单位成本), per level × indicator, in
-- the indicator's natural unit, each with its source or "assumed", and its kind (经费性质): a
-- teacher-year is paid every year, a building, ground, equipment, rooms, computers and books once.
-- The kind is the seed's for the level and indicator, whichever figure priced it: the unit_costs
-- feed delivers a figure, never a kind.

with costs as (
    select * from {{ ref('int_unit_costs') }}
    where {{ year_filter('year') }}
),

kinds as (
    select level, indicator_code, cost_kind from {{ ref('unit_costs') }}
)

select
    c.year,
    c.level,
    c.indicator_code,
    c.unit,
    c.cost_yuan,
    k.cost_kind,
    c.source
from costs as c
left join kinds as k on c.level = k.level and c.indicator_code = k.indicator_code
