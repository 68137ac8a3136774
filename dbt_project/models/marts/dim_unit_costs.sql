{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the unit costs the year's roadmap was priced with (单位成本), per level × indicator, in
-- the indicator's natural unit, each with its source or "assumed".
select
    year,
    level,
    indicator_code,
    unit,
    cost_yuan,
    source
from {{ ref('int_unit_costs') }}
where {{ year_filter('year') }}
