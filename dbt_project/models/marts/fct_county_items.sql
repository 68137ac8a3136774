{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: every item of the evaluation per year × county × rule set — R1–R7 and the balance rule
-- (resource), G1–G15 (guarantee), Q1–Q9 (quality), SR (recognition), the vetoes and the
-- prerequisite — each pass / fail / unknown, computed from the feeds or taken from the county's
-- submission. A submitted value for a computed item is kept beside it; a disagreement is flagged.
-- An incomplete county (int_county_data_status) gets `unknown` for everything computed from the feeds.

with items as (
    select * from {{ ref('int_county_submitted_items') }}
    where {{ year_filter('year') }}
),

resource as (
    select * from {{ ref('int_county_resource_items') }}
    where {{ year_filter('year') }}
),

computed as (
    select * from {{ ref('int_county_computed_items') }}
    where {{ year_filter('year') }}
),

judged as (
    select
        i.*,
        coalesce(r.value, c.value) as computed_value,
        coalesce(r.status, c.status) as computed_status,
        coalesce(r.detail, c.detail) as computed_detail
    from items as i
    left join resource as r
        on i.year = r.year and i.ruleset = r.ruleset and i.county_code = r.county_code and i.item_code = r.item_code
    left join computed as c
        on i.year = c.year and i.county_code = c.county_code and i.item_code = c.item_code
)

select
    year,
    county_code,
    ruleset,
    dimension,
    item_code,
    name_zh,
    name_en,
    case
        when source = 'computed' then cast(round(computed_value, 4) as varchar)
        else submitted_value
    end as value,
    standard,
    case
        when source = 'computed' and county_incomplete then 'unknown'
        when source = 'computed' then coalesce(computed_status, 'unknown')
        else coalesce(submitted_status, 'unknown')
    end as status,
    source,
    case
        when source = 'computed' and county_incomplete then incomplete_reason
        when source = 'computed' then coalesce(computed_detail, 'no data')
        when submitted_value is null then 'not in the county submission'
        else 'submitted: ' || submitted_value
    end as detail,
    evidence,
    case when source = 'computed' then submitted_value end as submitted_value,
    coalesce(
        source = 'computed' and not county_incomplete and computed_status in ('pass', 'fail')
        and submitted_status in ('pass', 'fail') and computed_status <> submitted_status,
        false
    ) as disagreement,
    sort_order,
    county_name
from judged
