-- The county verdicts of the years the timetable reads (var timeline_years): one row per year ×
-- rule set × county, from mart_county_readiness.

select
    year,
    ruleset,
    county_code,
    county_name,
    status,
    failing_items,
    unknown_items
from {{ ref('mart_county_readiness') }}
where {{ timeline_filter('year') }}
