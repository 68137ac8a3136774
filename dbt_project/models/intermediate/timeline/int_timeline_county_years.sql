-- The county verdicts of the years the timetable reads (var timeline_years): one row per year ×
-- rule set × county, from mart_county_readiness; and where the county stood in the evaluation process
-- (评估认定进程, county_certification) that year: the furthest stage it had passed by then, its year
-- and document. Only the rule sets of the high-quality evaluation (rulesets.evaluation =
-- 'high_quality') are judged by that process; for the others the certification columns are NULL and
-- certification_applies is false.

with counties as (
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
),
rulesets as (
    select * from {{ ref('int_timeline_rulesets') }}
),

certifications as (
    select * from {{ ref('int_timeline_county_certifications') }}
),

reached as (
    select
        c.year,
        c.ruleset,
        c.county_code,
        max(k.stage_rank) as stage_rank,
        arg_max_null(k.stage, k.stage_rank) as stage,
        arg_max_null(k.passed_year, k.stage_rank) as passed_year,
        arg_max_null(k.document, k.stage_rank) as document
    from counties as c
    inner join certifications as k on c.county_code = k.county_code and c.year >= k.passed_year
    group by c.year, c.ruleset, c.county_code
)

select
    c.*,
    coalesce(r.certification_applies, false) as certification_applies,
    case when r.certification_applies then c.county_code in (select county_code from certifications) end
        as has_certification,
    case when r.certification_applies then x.stage_rank end as stage_rank,
    case when r.certification_applies then x.stage end as stage,
    case when r.certification_applies then x.passed_year end as passed_year,
    case when r.certification_applies then x.document end as document
from counties as c
left join rulesets as r on c.ruleset = r.ruleset
left join reached as x on c.year = x.year and c.ruleset = x.ruleset and c.county_code = x.county_code
