{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: one row per county × rule set — the county verdict over the resource dimension of
-- both levels: not_ready if any level is not ready, else incomplete if any level (or the county's
-- data) is incomplete, else ready.

with counties as (
    select * from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

rulesets as (
    select ruleset from {{ ref('rulesets') }}
),

levels as (
    select * from {{ ref('mart_county_level_resources') }}
    where {{ year_filter('year') }}
),

per_county as (
    select
        c.year,
        c.county_code,
        c.county_name,
        r.ruleset,
        c.quarantined_rows,
        c.quarantine_rules,
        c.is_synthetic,
        sum(case when l.status = 'not_ready' then 1 else 0 end) as levels_not_ready,
        sum(case when l.status = 'incomplete' then 1 else 0 end) as levels_incomplete,
        count(l.level) as levels_evaluated,
        max(case when l.level = 'primary' then l.status end) as primary_status,
        max(case when l.level = 'junior' then l.status end) as junior_status,
        string_agg(
            case when l.status <> 'ready' then l.level || ': ' || l.blocking_reasons end,
            ' | ' order by l.level desc
        ) as level_reasons
    from counties as c
    cross join rulesets as r
    left join levels as l
        on c.year = l.year and c.county_code = l.county_code and r.ruleset = l.ruleset
    group by c.year, c.county_code, c.county_name, r.ruleset, c.quarantined_rows, c.quarantine_rules, c.is_synthetic
)

select
    year,
    county_code,
    county_name,
    ruleset,
    case
        when levels_not_ready > 0 then 'not_ready'
        when levels_incomplete > 0 or quarantined_rows > 0 or levels_evaluated = 0 then 'incomplete'
        else 'ready'
    end as status,
    primary_status,
    junior_status,
    coalesce(
        level_reasons,
        case
            when quarantined_rows > 0
                then 'data incomplete: ' || cast(quarantined_rows as varchar) || ' quarantined row(s) [' || quarantine_rules || ']'
        end,
        case when levels_evaluated = 0 then 'no school unit in scope' end
    ) as blocking_reasons,
    quarantined_rows,
    is_synthetic
from per_county
