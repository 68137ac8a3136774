-- Published: the timetable (时间表) per rule set × county, as of the county's latest year held:
-- where it stands, when it was first ready, the year the city's plan table gives it, what the
-- roadmap's plan costs and what that is a year until then, the trend of each blocking measure
-- (mart_county_measure_trends) and the year they project it ready, and a status:
-- ready; overdue (planned year ≤ the latest year, not ready); on_track (projected ready year ≤ the
-- planned year, or the plan's cost a year fits the stated yearly budget); at_risk; no_plan [I].

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
            else 'units failing the school rule ' || cast(value_now as integer) end
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
        p.planned_year,
        p.budget_yuan_per_year,
        p.plan_delivered_year,
        p.plan_cost_yuan,
        p.plan_passes,
        case when p.planned_year > h.as_of_year then p.planned_year - h.as_of_year end as years_left,
        case
            when p.planned_year > h.as_of_year then p.plan_cost_yuan / (p.planned_year - h.as_of_year)
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
        when planned_year is null then 'no_plan'
        when planned_year <= as_of_year then 'overdue'
        when projected_ready_year <= planned_year then 'on_track'
        when cost_per_year_left <= budget_yuan_per_year then 'on_track'
        else 'at_risk'
    end as timetable_status,
    case
        when status_now = 'ready' then 'ready in ' || as_of_year
        when planned_year is null then 'not in the plan table'
        when planned_year <= as_of_year
            then 'planned for ' || planned_year || ', not ready in ' || as_of_year
        when projected_ready_year <= planned_year
            then 'projected ready in ' || projected_ready_year || ', planned ' || planned_year
        when cost_per_year_left <= budget_yuan_per_year
            then 'the plan costs ' || printf('%,.0f', cost_per_year_left) || ' yuan a year to ' || planned_year
            || ', within the budget of ' || printf('%,.0f', budget_yuan_per_year)
        else 'planned ' || planned_year || ': '
            || coalesce('projected ' || projected_ready_year, 'no projection') || ', '
            || coalesce('the plan costs ' || printf('%,.0f', cost_per_year_left) || ' yuan a year'
                || coalesce(' against a budget of ' || printf('%,.0f', budget_yuan_per_year), ' and no budget is stated'),
                'no plan cost')
    end as status_reason
from assembled
