-- Published: the timetable (时间表) per rule set × county, as of the county's latest year held:
-- where it stands, when it was first ready, where it is in the evaluation process (certification, an
-- inspectors' event: county_certification), the year the city's plan tables give it (the commitment
-- of the earliest table that lists it, the planned year of the latest, the slip, whether the latest
-- table dropped it), what the roadmap's plan costs by kind and what that is a year until then
-- (one-off ÷ years left + recurring), the trend of each blocking measure (mart_county_measure_trends)
-- and the year they project it ready, and a status [I]: ready; overdue (planned year ≤ the latest
-- year, not ready — a county dropped from the latest table keeps the year of the table that last
-- listed it); on_track (projected ready year ≤ the planned year, or the plan's cost a year fits the
-- stated budget a year); at_risk; no_plan (never in any plan table).

with history as (
    select * from {{ ref('int_timeline_county_history') }}
),

plans as (
    select * from {{ ref('int_timeline_county_plans') }}
),

measures as (
    select
        ruleset,
        county_code,
        count(*) as blocking_measures,
        count(projected_year) as projected_measures,
        max(projected_year) as latest_projected_year,
        string_agg(
            level || ' ' || case when measure = 'cv' then indicator_code || ' CV ' || printf('%.3f', value_now)
                || ' (cap ' || printf('%.2f', target) || ')'
            else 'school rule: the worst failing unit ' || printf('%.1f', 100 * value_now) || ' % short of its floor' end
            || ': ' || coalesce(printf('%+.4f', slope_per_year) || ' a year, ready ' || projected_year,
                projection_reason),
            '; ' order by level, measure, indicator_code
        ) as trends,
        string_agg(
            case when projected_year is null then level || ' ' || indicator_code || ': ' || projection_reason end,
            '; ' order by level, measure, indicator_code
        ) as unprojected
    from {{ ref('mart_county_measure_trends') }}
    group by ruleset, county_code
),

assembled as (
    select
        h.ruleset,
        h.county_code,
        h.county_name,
        h.as_of_year,
        h.status_now,
        h.first_year,
        h.years_held,
        h.years_ready,
        h.first_ready_year,
        h.certification_stage,
        h.certified_year,
        h.certification_document,
        case
            when h.stage_rank >= 3 then h.status_now = 'not_ready'
            when h.certification_applies then false
        end as recheck_risk,
        p.planned_year,
        p.budget_yuan_per_year,
        p.plan_delivered_year,
        p.committed_year,
        p.committed_table_year,
        p.years_slipped,
        coalesce(p.dropped_from_plan, false) as dropped_from_plan,
        p.latest_table_year,
        p.plan_history,
        p.all_milestone_year,
        coalesce(p.beyond_milestone, false) as beyond_milestone,
        p.plan_cost_yuan,
        p.one_off_cost_yuan,
        p.recurring_cost_yuan_per_year,
        p.plan_passes,
        case when p.planned_year > h.as_of_year then p.planned_year - h.as_of_year end as years_left,
        case
            when p.planned_year > h.as_of_year
                then p.one_off_cost_yuan / (p.planned_year - h.as_of_year) + p.recurring_cost_yuan_per_year
        end as cost_per_year_left,
        m.trends,
        case
            when h.status_now <> 'ready' and h.untrended_items is null and h.unknown_items is null
                and m.blocking_measures > 0 and m.projected_measures = m.blocking_measures
                then m.latest_projected_year
        end as projected_ready_year,
        case
            when h.status_now = 'ready' then 'ready now'
            when h.untrended_items is not null then 'blocked by items without a measured trend: ' || h.untrended_items
            when h.unknown_items is not null then 'data incomplete in ' || h.as_of_year || ': ' || h.unknown_items
            when m.unprojected is not null then m.unprojected
            when coalesce(m.blocking_measures, 0) = 0 then 'no blocking measure to project'
        end as projection_reason
    from history as h
    left join plans as p on h.ruleset = p.ruleset and h.county_code = p.county_code
    left join measures as m on h.ruleset = m.ruleset and h.county_code = m.county_code
)

select
    *,
    case
        when status_now = 'ready' then 'ready'
        -- the plan table schedules the provincial evaluation: a county past it is never overdue or
        -- without a plan; its data failing now put it at risk of the recheck (复查)
        when certification_stage in ('provincial', 'national') then 'at_risk'
        when planned_year is null then 'no_plan'
        when planned_year <= as_of_year then 'overdue'
        when projected_ready_year <= planned_year then 'on_track'
        when cost_per_year_left <= budget_yuan_per_year then 'on_track'
        else 'at_risk'
    end as timetable_status,
    case
        when status_now = 'ready' then 'ready in ' || as_of_year
        when certification_stage in ('provincial', 'national')
            then 'certified (' || certification_stage || ', ' || certified_year || ') but the ' || as_of_year
            || ' data ' || case when status_now = 'incomplete' then 'are incomplete' else 'fail' end
            || ': recheck (复查) risk'
        when planned_year is null then 'in no plan table'
        when planned_year <= as_of_year and dropped_from_plan
            then 'planned for ' || planned_year || ' in the ' || plan_delivered_year || ' plan table, absent from the '
            || latest_table_year || ' table; not ready in ' || as_of_year
        when planned_year <= as_of_year
            then 'planned for ' || planned_year || ', not ready in ' || as_of_year
        when projected_ready_year <= planned_year
            then 'projected ready in ' || projected_ready_year || ', planned ' || planned_year
        when cost_per_year_left <= budget_yuan_per_year
            then 'the plan costs ' || printf('%,.0f', cost_per_year_left) || ' yuan a year to ' || planned_year
            || ' (' || printf('%,.0f', one_off_cost_yuan) || ' one-off over ' || years_left || ' years + '
            || printf('%,.0f', recurring_cost_yuan_per_year) || ' recurring a year)'
            || ', within the budget of ' || printf('%,.0f', budget_yuan_per_year) || ' a year'
        else 'planned ' || planned_year || ': '
            || coalesce('projected ' || projected_ready_year, 'no projection') || ', '
            || coalesce('the plan costs ' || printf('%,.0f', cost_per_year_left) || ' yuan a year ('
                || printf('%,.0f', one_off_cost_yuan) || ' one-off over ' || years_left || ' years + '
                || printf('%,.0f', recurring_cost_yuan_per_year) || ' recurring a year)'
                || coalesce(' against a budget of ' || printf('%,.0f', budget_yuan_per_year) || ' a year',
                    ' and no budget is stated'),
                'no plan cost')
    end
    || case
        when status_now <> 'ready' and dropped_from_plan and planned_year > as_of_year
            then '; dropped from the ' || latest_table_year || ' plan table (last listed in ' || plan_delivered_year || ')'
        else ''
    end
    || case
        when years_slipped <> 0
            then '; ' || case when years_slipped > 0 then 'slipped ' else 'brought forward ' end
            || abs(years_slipped) || ' year(s): committed ' || committed_year || ' in the '
            || committed_table_year || ' table, ' || planned_year || ' in the ' || plan_delivered_year || ' table'
        else ''
    end
    || case
        when beyond_milestone then '; planned after the ' || all_milestone_year || ' all-counties milestone'
        else ''
    end as status_reason
from assembled
