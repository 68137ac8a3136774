-- The city's plan table (拟报请省评估验收计划表, optional feed), as delivered with a year's feeds.
select
    year,
    county_code,
    planned_year,
    budget_yuan_per_year,
    _source_file as source_file
from {{ source('landing', 'raw_county_plan') }}
where not _quarantined
