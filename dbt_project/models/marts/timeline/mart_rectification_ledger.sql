-- Published: the rectification ledger (整改台账) per rule set — every school unit × indicator that was
-- below its standard, and every county × item that failed, in any year held: first and last failing
-- year, years failing, the year it was (last) fixed, open or fixed as of the last year it was seen,
-- and whether it failed again after a fix. Years with no verdict (unknown) are neither.

with observations as (
    select * from {{ ref('int_timeline_observations') }}
),

sequenced as (
    select
        *,
        coalesce(school_id || ':' || level, 'county') as subject,
        lag(failed) over (
            partition by ruleset, county_code, school_id, level, code order by year
        ) as failed_before
    from observations
),

followed as (
    select
        ruleset,
        county_code,
        subject,
        code,
        any_value(school_id) as school_id,
        any_value(level) as level,
        min(year) filter (where failed) as first_failing_year,
        max(year) filter (where failed) as last_failing_year,
        count(*) filter (where failed) as years_failing,
        count(*) as years_seen,
        max(year) as last_seen_year,
        min(year) filter (where not failed and failed_before) as first_fixed_year,
        max(year) filter (where not failed and failed_before) as fixed_year,
        arg_max(failed, year) as failing_when_last_seen
    from sequenced
    group by ruleset, county_code, subject, code
)

select
    ruleset,
    county_code,
    subject,
    school_id,
    level,
    code,
    case when school_id is null then 'county_item' else 'school_indicator' end as entry_kind,
    first_failing_year,
    last_failing_year,
    years_failing,
    years_seen,
    last_seen_year,
    fixed_year,
    case when failing_when_last_seen then 'open' else 'fixed' end as status,
    coalesce(last_failing_year > first_fixed_year, false) as failed_again
from followed
