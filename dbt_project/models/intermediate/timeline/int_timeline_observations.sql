-- What the rectification ledger follows: every year's verdict (pass or fail; unknown years dropped) of
-- each school unit × indicator and county × item that failed in at least one year the timetable reads.

with unit_checks as (
    select
        year,
        ruleset,
        county_code,
        school_id,
        level,
        indicator_code as code,
        not passes as failed
    from {{ ref('fct_school_unit_indicators') }}
    where {{ timeline_filter('year') }} and passes is not null
),

-- only what failed at least once is followed across the years (a few percent of the rows)
failed_units as (
    select distinct
        ruleset,
        school_id,
        level,
        code
    from unit_checks
    where failed
),

item_checks as (
    select
        year,
        ruleset,
        county_code,
        cast(null as varchar) as school_id,
        cast(null as varchar) as level,
        item_code as code,
        status = 'fail' as failed
    from {{ ref('fct_county_items') }}
    where {{ timeline_filter('year') }} and status in ('pass', 'fail')
),

failed_items as (
    select distinct
        ruleset,
        county_code,
        code
    from item_checks
    where failed
),

observations as (
    select u.*
    from unit_checks as u
    inner join failed_units as f
        on u.ruleset = f.ruleset and u.school_id = f.school_id and u.level = f.level and u.code = f.code
    union all
    select i.*
    from item_checks as i
    inner join failed_items as f
        on i.ruleset = f.ruleset and i.county_code = f.county_code and i.code = f.code
)

select * from observations
