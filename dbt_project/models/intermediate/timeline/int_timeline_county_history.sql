-- Each county's history over the years the timetable reads, per rule set: its latest year held and
-- its status then, its first ready year, and what blocks it then outside the measured resources —
-- failing items with no measured trend (outside the resource dimension) and unknown items.

with years as (
    select * from {{ ref('int_timeline_county_years') }}
),

history as (
    select
        ruleset,
        county_code,
        max(year) as as_of_year,
        min(year) as first_year,
        count(*) as years_held,
        count(*) filter (where status = 'ready') as years_ready,
        min(year) filter (where status = 'ready') as first_ready_year,
        arg_max(status, year) as status_now,
        arg_max(county_name, year) as county_name,
        -- where it stood in the evaluation process in that latest year
        arg_max_null(certification_applies, year) as certification_applies,
        arg_max_null(stage_rank, year) as stage_rank,
        arg_max_null(stage, year) as certification_stage,
        arg_max_null(passed_year, year) as certified_year,
        arg_max_null(document, year) as certification_document
    from years
    group by ruleset, county_code
),

items_now as (
    select
        i.ruleset,
        i.county_code,
        string_agg(
            case when i.status = 'fail' and i.dimension <> 'resource' then i.item_code end, ', '
            order by i.sort_order
        ) as untrended_items,
        string_agg(case when i.status = 'unknown' then i.item_code end, ', ' order by i.sort_order) as unknown_items
    from {{ ref('fct_county_items') }} as i
    inner join history as h
        on i.ruleset = h.ruleset and i.county_code = h.county_code and i.year = h.as_of_year
    group by i.ruleset, i.county_code
)

select
    h.*,
    i.untrended_items,
    i.unknown_items
from history as h
left join items_now as i on h.ruleset = i.ruleset and h.county_code = i.county_code
