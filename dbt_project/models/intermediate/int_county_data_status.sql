{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Per year and county: whether any of its rows were quarantined, and its name. The one home of the
-- rule "quarantined rows → the county is incomplete" (nothing is computed over a shortened school
-- list) and of its wording; the marts take `county_incomplete` and `incomplete_reason` from here.

with schools as (
    select year, county_code, county_name, is_synthetic from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

quarantine as (
    select * from {{ ref('int_quarantined_school_rows') }}
    where county_code is not null and {{ year_filter('year') }}
    union all
    select * from {{ ref('int_quarantined_county_rows') }}
    where county_code is not null and {{ year_filter('year') }}
),

counties as (
    select year, county_code from schools
    union
    select year, county_code from quarantine
),

names as (
    select year, county_code, min(county_name) as county_name, bool_or(is_synthetic) as is_synthetic
    from schools
    group by year, county_code
),

quarantined as (
    select
        year,
        county_code,
        count(distinct feed || ':' || cast(row_number as varchar)) as quarantined_rows,
        string_agg(distinct feed || ' ' || rule, ', ' order by feed || ' ' || rule) as quarantine_rules
    from quarantine
    group by year, county_code
),

status as (
    select
        c.year,
        c.county_code,
        coalesce(n.county_name, c.county_code) as county_name,
        coalesce(n.is_synthetic, false) as is_synthetic,
        coalesce(q.quarantined_rows, 0) as quarantined_rows,
        q.quarantine_rules
    from counties as c
    left join names as n on c.year = n.year and c.county_code = n.county_code
    left join quarantined as q on c.year = q.year and c.county_code = q.county_code
),

-- the one wording; the readiness and level verdicts add the broken rules in brackets
reasons as (
    select
        *,
        quarantined_rows > 0 as county_incomplete,
        case
            when quarantined_rows > 0
                then 'data incomplete: ' || cast(quarantined_rows as varchar) || ' quarantined row(s)'
        end as incomplete_reason
    from status
)

select
    *,
    incomplete_reason || ' [' || quarantine_rules || ']' as incomplete_reason_with_rules
from reasons
