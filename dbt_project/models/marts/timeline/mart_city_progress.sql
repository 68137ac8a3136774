-- Published: progress of each city and province per year × rule set over every year held — how many
-- of its county-level units are ready, not ready or incomplete, and which are not ready with their
-- failing items. City = the first 4 digits of the county code, province = the first 2 (GB/T 2260;
-- development zones carry their city's prefix). And, for the rule sets of the high-quality evaluation,
-- how many of them had passed each stage of the evaluation process by that year (county_certification:
-- a county that passed a later stage counts at every earlier one); NULL for the other rule sets.

with counties as (
    select * from {{ ref('int_timeline_county_years') }}
),

scoped as (
    select
        *,
        left(county_code, 4) as scope_code,
        'city' as scope_level
    from counties
    union all
    select
        *,
        left(county_code, 2) as scope_code,
        'province' as scope_level
    from counties
)

select
    year,
    ruleset,
    scope_code,
    scope_level,
    count(*) as counties_total,
    count(*) filter (where status = 'ready') as counties_ready,
    count(*) filter (where status = 'not_ready') as counties_not_ready,
    count(*) filter (where status = 'incomplete') as counties_incomplete,
    count(*) filter (where status = 'ready') / count(*) as share_ready,
    string_agg(
        case when status = 'not_ready' then county_code || ' ' || county_name || ' (' || failing_items || ')' end,
        '; ' order by county_code
    ) as not_ready_counties,
    string_agg(
        case when status = 'incomplete' then county_code || ' ' || county_name || ' (' || unknown_items || ')' end,
        '; ' order by county_code
    ) as incomplete_counties,
    case when bool_or(certification_applies) then count(*) filter (where stage_rank >= 1) end
        as counties_certified_self,
    case when bool_or(certification_applies) then count(*) filter (where stage_rank >= 2) end
        as counties_certified_city,
    case when bool_or(certification_applies) then count(*) filter (where stage_rank >= 3) end
        as counties_certified_provincial,
    case when bool_or(certification_applies) then count(*) filter (where stage_rank >= 4) end
        as counties_certified_national
from scoped
group by year, ruleset, scope_code, scope_level
