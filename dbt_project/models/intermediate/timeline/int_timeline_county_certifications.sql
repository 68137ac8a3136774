-- Each county's place in the evaluation process (评估认定进程, optional feed county_certification):
-- per stage passed, its year and document. Deliveries accumulate: a stage delivered again in a later
-- year keeps its earliest passed year. Certification is an inspectors' event, read from every year's
-- delivery whatever years the timetable reads (an event of 2020 stays true in 2024).

with delivered as (
    select * from {{ ref('stg_landing__county_certification') }}
)

select
    county_code,
    stage,
    stage_rank,
    cast(min(passed_year) as integer) as passed_year,
    arg_min(document, passed_year) as document,
    min(year) as first_delivered_year,
    arg_min(source_file, passed_year) as source_file
from delivered
group by county_code, stage, stage_rank
