-- Unit costs a city delivered (单位成本, optional feed): yuan per natural unit of an indicator's numerator.
select
    year,
    level,
    indicator_code,
    cost_yuan,
    _source_file as source_file
from {{ source('landing', 'raw_unit_costs') }}
where not _quarantined
