-- Published: every milestone of the plans (seeds/milestones.csv) for each rule set it applies to (its
-- `rulesets`; every rule set when empty), judged on one basis, said in `basis`:
--   certified   the certification feed (county_certification) covers the scope: the counties that
--               passed the milestone's stage (or a later one) by its year count — a milestone is an
--               inspectors' event (省评估验收, 国家评估认定), not a state of the data;
--   data_ready  no certification was delivered for the scope: the counties whose data meet the rule
--               set in the milestone year count, and the reason says that this is not certification.
-- met (at least the required number), missed (short, the year reached; on data: even if every
-- incomplete county were ready), unknown (no data for that year, or the incomplete counties decide
-- it), pending (the year is after the latest year held and the milestone is not met yet).

with milestones as (
    select
        coalesce(nullif(trim(scope_code), ''), 'CN') as scope_code,
        milestone_year,
        rule,
        n,
        coalesce(nullif(trim(stage), ''), 'provincial') as stage,
        nullif(trim(rulesets), '') as rulesets,
        note
    from {{ ref('milestones') }}
),

stages as (
    select * from (
        values ('self', 1, '县自评'), ('city', 2, '市复核'), ('provincial', 3, '省评估验收'), ('national', 4, '国家评估认定')
    ) as s (stage, stage_rank, stage_zh)
),

rulesets as (
    select * from {{ ref('int_timeline_rulesets') }}
),

counties as (
    select
        year,
        ruleset,
        county_code,
        county_name,
        status,
        has_certification,
        stage_rank
    from {{ ref('int_timeline_county_years') }}
),


held as (
    select
        min(year) as first_year,
        max(year) as latest_year
    from counties
),

applies as (
    select
        r.ruleset,
        m.*,
        s.stage_rank,
        s.stage_zh,
        r.certification_applies and exists (
            select 1 from counties as k
            where
                k.has_certification and k.ruleset = r.ruleset
                and (m.scope_code = 'CN' or left(k.county_code, length(m.scope_code)) = m.scope_code)
        ) as covered
    from milestones as m
    inner join rulesets as r
        on m.rulesets is null or list_contains(string_split(replace(m.rulesets, ' ', ''), ';'), r.ruleset)
    left join stages as s on m.stage = s.stage
),

scoped as (
    select
        a.*,
        c.county_code,
        c.county_name,
        c.status,
        c.county_code is not null and coalesce(c.stage_rank >= a.stage_rank, false) as certified
    from applies as a
    left join counties as c
        on
            a.ruleset = c.ruleset
            and a.milestone_year = c.year
            and (a.scope_code = 'CN' or left(c.county_code, length(a.scope_code)) = a.scope_code)
),

judged as (
    select
        ruleset,
        scope_code,
        milestone_year,
        rule,
        n,
        stage,
        stage_zh,
        covered,
        note,
        count(county_code) as counties_total,
        count(*) filter (where status = 'ready') as counties_ready,
        count(*) filter (where status = 'incomplete') as counties_incomplete,
        count(*) filter (where certified) as counties_certified,
        string_agg(
            case when status <> 'ready' then county_code || ' ' || county_name || ' (' || status || ')' end,
            '; ' order by county_code
        ) as counties_short,
        string_agg(
            case when county_code is not null and not certified then county_code || ' ' || county_name end,
            '; ' order by county_code
        ) as counties_uncertified
    from scoped
    group by ruleset, scope_code, milestone_year, rule, n, stage, stage_zh, covered, note
),

required as (
    select
        j.*,
        case when j.covered then 'certified' else 'data_ready' end as basis,
        h.first_year,
        h.latest_year,
        case when j.rule = 'all' then j.counties_total else j.n end as counties_required,
        case when j.covered then j.counties_certified else j.counties_ready end as counties_counted
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
    stage,
    basis,
    counties_total,
    counties_required,
    counties_ready,
    counties_incomplete,
    counties_certified,
    case
        when basis = 'certified' and counties_total > 0 and counties_counted >= counties_required then 'met'
        when latest_year is null or milestone_year > latest_year then 'pending'
        when counties_total = 0 then 'unknown'
        when counties_counted >= counties_required then 'met'
        when basis = 'data_ready' and counties_ready + counties_incomplete >= counties_required then 'unknown'
        else 'missed'
    end as status,
    case
        when latest_year is null then 'no year held yet'
        when counties_total = 0 and milestone_year > latest_year
            then 'the year is not reached: latest year held ' || latest_year
        when counties_total = 0
            then 'no data for ' || milestone_year || ' (years held ' || first_year || '–' || latest_year || ')'
        when basis = 'certified'
            then counties_certified || ' of ' || counties_total || ' passed ' || stage_zh || ' (' || stage || ') by '
            || milestone_year || ', ' || counties_required || ' required'
            || case when milestone_year > latest_year then '; the year is not reached' else '' end
        when milestone_year > latest_year then 'the year is not reached: latest year held ' || latest_year
        else counties_ready || ' of ' || counties_total || ' ready on the data, ' || counties_required || ' required'
            || case
                when counties_ready < counties_required and counties_ready + counties_incomplete >= counties_required
                    then ': ' || counties_incomplete || ' incomplete decide it'
                else ''
            end
            || ' — data readiness, not certification: no county_certification delivered for ' || scope_code
    end as status_reason,
    case
        when latest_year is not null and milestone_year <= latest_year
            then case when basis = 'certified' then counties_uncertified else counties_short end
    end as counties_short,
    note
from required
