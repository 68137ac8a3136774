{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Per year and county: whether any of its rows were quarantined, and its name. The one home of the
-- rule "quarantined rows → the county is incomplete" (nothing is computed over a shortened school
-- list) and of its wording; the marts take `county_incomplete` and `incomplete_reason` from here.

with schools as (
    select year, county_code, county_name, is_synthetic, row_number from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

school_rows as (
    select * from {{ ref('int_quarantined_school_rows') }}
    where {{ year_filter('year') }}
),

-- A quarantined schools row whose county cannot be told (ingestion found no county_code on it or on
-- its school's other rows) could belong to any county of the delivery: every one is incomplete, so no
-- county is published complete over a school list that may have lost it. Orphan rows of child feeds
-- (county NULL too) are not: the school they were meant for lacks their values and is unknown itself.
unattributed as (
    select
        q.year,
        q.feed,
        q.source_file,
        q.row_number,
        s.county_code,
        q.key_value,
        q.column_name,
        q.rule,
        q.message
    from school_rows as q
    inner join (select distinct year, county_code from schools) as s on q.year = s.year
    where q.county_code is null and q.feed = 'schools'
),

quarantine as (
    select * from school_rows
    where county_code is not null
    union all
    select * from unattributed
    union all
    select * from {{ ref('int_quarantined_county_rows') }}
    where county_code is not null and {{ year_filter('year') }}
),

counties as (
    select year, county_code from schools
    union
    select year, county_code from quarantine
),

-- The county's name is the one most of its rows give, ties to the later delivered row; rows giving
-- another name are flagged at ingestion (feed_flags, county_name_disagrees), which states this choice.
name_counts as (
    select year, county_code, county_name, count(*) as name_rows, max(row_number) as last_row
    from schools
    where county_name is not null
    group by year, county_code, county_name
),

names as (
    select
        s.year,
        s.county_code,
        n.county_name,
        bool_or(s.is_synthetic) as is_synthetic
    from schools as s
    left join (
        select
            year,
            county_code,
            first(county_name order by name_rows desc, last_row desc) as county_name
        from name_counts
        group by year, county_code
    ) as n on s.year = n.year and s.county_code = n.county_code
    group by s.year, s.county_code, n.county_name
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
