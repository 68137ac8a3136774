-- Published: every milestone of the plans (seeds/milestones.csv) per rule set, judged on the
-- milestone year's verdicts: met (at least the required number of the scope's counties ready),
-- missed (short even if every incomplete county were ready), unknown (no data for that year, or
-- the incomplete counties decide it), pending (the year is after the latest year held).

with milestones as (
    select
        coalesce(nullif(trim(scope_code), ''), 'CN') as scope_code,
        milestone_year,
        rule,
        n,
        note
    from {{ ref('milestones') }}
),

rulesets as (
    select ruleset from {{ ref('rulesets') }}
),

counties as (
    select
        year,
        ruleset,
        county_code,
        county_name,
        status
    from {{ ref('int_timeline_county_years') }}
),

held as (
    select
        min(year) as first_year,
        max(year) as latest_year
    from counties
),

judged as (
    select
        r.ruleset,
        m.scope_code,
        m.milestone_year,
        m.rule,
        m.n,
        m.note,
        count(c.county_code) as counties_total,
        count(*) filter (where c.status = 'ready') as counties_ready,
        count(*) filter (where c.status = 'incomplete') as counties_incomplete,
        string_agg(
            case when c.status <> 'ready' then c.county_code || ' ' || c.county_name || ' (' || c.status || ')' end,
            '; ' order by c.county_code
        ) as counties_short
    from milestones as m
    cross join rulesets as r
    left join counties as c
        on
            r.ruleset = c.ruleset
            and m.milestone_year = c.year
            and (m.scope_code = 'CN' or left(c.county_code, length(m.scope_code)) = m.scope_code)
    group by r.ruleset, m.scope_code, m.milestone_year, m.rule, m.n, m.note
),

required as (
    select
        j.*,
        h.first_year,
        h.latest_year,
        case when j.rule = 'all' then j.counties_total else j.n end as counties_required
    from judged as j
    cross join held as h
)

select
    ruleset,
    scope_code,
    case length(scope_code) when 4 then 'city' when 2 then 'province' else 'country' end as scope_level,
    milestone_year,
    rule,
    n,
    counties_total,
    counties_required,
    counties_ready,
    counties_incomplete,
    case
        when latest_year is null or milestone_year > latest_year then 'pending'
        when counties_total = 0 then 'unknown'
        when counties_ready >= counties_required then 'met'
        when counties_ready + counties_incomplete >= counties_required then 'unknown'
        else 'missed'
    end as status,
    case
        when latest_year is null then 'no year held yet'
        when milestone_year > latest_year then 'the year is not reached: latest year held ' || latest_year
        when counties_total = 0
            then 'no data for ' || milestone_year || ' (years held ' || first_year || '–' || latest_year || ')'
        when counties_ready >= counties_required
            then counties_ready || ' of ' || counties_total || ' ready, ' || counties_required || ' required'
        when counties_ready + counties_incomplete >= counties_required
            then counties_ready || ' ready, ' || counties_required || ' required: '
            || counties_incomplete || ' incomplete decide it'
        else counties_ready || ' of ' || counties_total || ' ready, ' || counties_required || ' required'
    end as status_reason,
    case when latest_year is not null and milestone_year <= latest_year then counties_short end as counties_short,
    note
from required
