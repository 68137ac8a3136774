-- The evaluation process (评估认定进程, optional feed): each stage a county passed, as delivered with a
-- year's feeds. Deliveries accumulate: every year's rows are kept, each with the year that delivered it.
select
    year,
    county_code,
    stage,
    case stage
        when 'self' then 1
        when 'city' then 2
        when 'provincial' then 3
        when 'national' then 4
    end as stage_rank,
    passed_year,
    document,
    _source_file as source_file
from {{ source('landing', 'raw_county_certification') }}
where not _quarantined
