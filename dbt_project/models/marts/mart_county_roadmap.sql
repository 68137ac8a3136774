{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the roadmap per county level and indicator (路线图) — the coefficient now and under the
-- least-cost plan, what the plan adds and costs (and the floors of the school rule alone), and
-- whether the plan passes when evaluated by the verdict's own rules (plan_passes; a level that was
-- not planned, or whose data is incomplete, has NULL and says why). COMPREHENSIVE rows carry the
-- comprehensive coefficient where the rule set uses it.
-- Money by kind (roadmap.md §1): every cost is also given as its one-off part (building, ground,
-- equipment, rooms, computers, books: paid once) and its recurring part (teachers: paid every year);
-- cost_yuan and level_cost_yuan are their sum (one-off plus one year of recurring), as the planner
-- wrote them (equity/planner.py), so the two parts add up to them exactly.

with indicators as (
    select * from {{ ref('stg_equity__plan_county_indicators') }}
    where {{ year_filter('year') }}
),

plan_levels as (
    select * from {{ ref('stg_equity__plan_county_levels') }}
    where {{ year_filter('year') }}
),

levels as (
    select year, ruleset, county_code, county_name, level, status, blocking_reasons from {{ ref('mart_county_level_resources') }}
    where {{ year_filter('year') }}
),

rules as (
    select ruleset, has_school_rule from {{ ref('rulesets') }}
),

-- Outliers before planning (摸清底数, roadmap.md §1; int_unit_plausibility): a level indicator's flagged
-- units, and its coefficient with them left out
outliers as (
    select
        year, ruleset, county_code, level, indicator_code,
        count(*) as units_flagged,
        string_agg(school_id || ' ' || printf('%.2f', value), ', ' order by value desc, school_id asc)
        || ' ' || coalesce(any_value(unit), '') as flagged_units,
        any_value(cv_without_flagged) as cv_without_flagged
    from {{ ref('int_unit_plausibility') }}
    where {{ year_filter('year') }}
    group by year, ruleset, county_code, level, indicator_code
),

-- comprehensive rule sets: the mean of the level's coefficients, each with its flagged units left out
outlier_levels as (
    select
        i.year, i.ruleset, i.county_code, i.level,
        sum(o.units_flagged) as units_flagged,
        case
            when count(case when o.indicator_code is null then i.cv_now else o.cv_without_flagged end) = count(*)
                then avg(case when o.indicator_code is null then i.cv_now else o.cv_without_flagged end)
        end as cv_without_flagged,
        string_agg(i.indicator_code || ' ' || o.flagged_units, '; ' order by i.indicator_code) as flagged_units
    from indicators as i
    left join outliers as o
        on
            i.year = o.year and i.ruleset = o.ruleset and i.county_code = o.county_code and i.level = o.level
            and i.indicator_code = o.indicator_code
    where i.balance_rule = 'comprehensive' and i.indicator_code <> 'COMPREHENSIVE'
    group by i.year, i.ruleset, i.county_code, i.level
    having count(o.indicator_code) > 0
)

select
    i.year,
    i.ruleset,
    i.county_code,
    i.level,
    i.indicator_code,
    i.balance_rule,
    l.status as status_now,
    i.cv_now,
    case when l.status <> 'incomplete' then i.cv_planned end as cv_planned,
    i.cap,
    i.units_failing_now,
    case when l.status <> 'incomplete' then i.units_touched end as units_touched,
    case when l.status <> 'incomplete' then i.addition_total end as addition_total,
    case when l.status <> 'incomplete' then i.cost_yuan end as cost_yuan,
    case when l.status <> 'incomplete' then i.one_off_cost_yuan end as one_off_cost_yuan,
    case when l.status <> 'incomplete' then i.recurring_cost_yuan_per_year end as recurring_cost_yuan_per_year,
    case when l.status <> 'incomplete' then i.floor_cost_yuan end as floor_cost_yuan,
    case when l.status <> 'incomplete' and p.planned then i.plan_passes end as plan_passes,
    case when l.status <> 'incomplete' then p.cost_yuan end as level_cost_yuan,
    case when l.status <> 'incomplete' then p.one_off_cost_yuan end as level_one_off_cost_yuan,
    case when l.status <> 'incomplete' then p.recurring_cost_yuan_per_year end as level_recurring_cost_yuan_per_year,
    case
        when l.status = 'incomplete' then 'no plan: ' || coalesce(l.blocking_reasons, 'county data incomplete')
        when not p.planned then 'not planned: ' || coalesce(p.reason_if_not_planned, 'unknown values')
        when not p.plan_passes then 'plan fails the verdict: ' || coalesce(p.reason_if_fails, '')
    end as plan_note,
    r.has_school_rule as school_rule_applies,
    -- "driven" (roadmap.md §1): the plan spends beyond the school rule's floors on a coefficient over
    -- its cap, and with the flagged units left out that coefficient (comprehensive rule sets: the mean,
    -- every indicator's flagged units left out) would already be within the cap
    case
        when l.status = 'incomplete' or coalesce(i.cost_yuan, 0) - coalesce(i.floor_cost_yuan, 0) < 0.5 then null
        when
            i.balance_rule = 'per_indicator' and i.indicator_code <> 'COMPREHENSIVE'
            and not {{ at_most('i.cv_now', 'i.cap') }} and {{ at_most('o.cv_without_flagged', 'i.cap') }}
            then o.units_flagged || ' flagged unit(s) (' || o.flagged_units || '; mart_data_plausibility): without '
            || 'them the coefficient is ' || printf('%.3f', o.cv_without_flagged) || ' ≤ cap ' || printf('%.2f', i.cap)
            || ' (now ' || printf('%.3f', i.cv_now) || '); the plan''s ¥'
            || printf('%.2f', (i.cost_yuan - coalesce(i.floor_cost_yuan, 0)) / 1e6)
            || ' M beyond the floors rests on them (the row''s plan: ¥'
            || printf('%.2f', coalesce(i.one_off_cost_yuan, 0) / 1e6) || ' M one-off + ¥'
            || printf('%.2f', coalesce(i.recurring_cost_yuan_per_year, 0) / 1e6)
            || ' M a year): check their data before building'
        when
            i.balance_rule = 'comprehensive' and (i.indicator_code = 'COMPREHENSIVE' or o.units_flagged is not null)
            and not {{ at_most('lc.cv_now', 'i.cap') }} and {{ at_most('ol.cv_without_flagged', 'i.cap') }}
            then coalesce(o.units_flagged, ol.units_flagged) || ' flagged unit(s) ('
            || coalesce(o.flagged_units, ol.flagged_units) || '; mart_data_plausibility): with every flagged unit '
            || 'of the level left out the comprehensive coefficient is ' || printf('%.3f', ol.cv_without_flagged)
            || ' ≤ cap ' || printf('%.2f', i.cap) || ' (now ' || printf('%.3f', lc.cv_now) || '); the plan''s ¥'
            || printf('%.2f', (i.cost_yuan - coalesce(i.floor_cost_yuan, 0)) / 1e6)
            || ' M beyond the floors rests on them (the row''s plan: ¥'
            || printf('%.2f', coalesce(i.one_off_cost_yuan, 0) / 1e6) || ' M one-off + ¥'
            || printf('%.2f', coalesce(i.recurring_cost_yuan_per_year, 0) / 1e6)
            || ' M a year): check their data before building'
    end as driven_by_outliers,
    -- private schools (民办): the owner's duty, never in the county's costs above (roadmap.md §1)
    case when l.status <> 'incomplete' then i.owner_cost_yuan end as owner_cost_yuan,
    case when l.status <> 'incomplete' then i.owner_one_off_cost_yuan end as owner_one_off_cost_yuan,
    case when l.status <> 'incomplete' then i.owner_recurring_cost_yuan_per_year end as owner_recurring_cost_yuan_per_year,
    case when l.status <> 'incomplete' then p.owner_cost_yuan end as level_owner_cost_yuan,
    case when l.status <> 'incomplete' then p.owner_one_off_cost_yuan end as level_owner_one_off_cost_yuan,
    case
        when l.status <> 'incomplete' then p.owner_recurring_cost_yuan_per_year
    end as level_owner_recurring_cost_yuan_per_year,
    -- the rows the rule set's balance rule judges (as fct_county_coefficients.decides_verdict): every
    -- indicator under per_indicator, the COMPREHENSIVE row under comprehensive; the others' cap is the
    -- comprehensive cap, shown for reference
    case i.balance_rule
        when 'per_indicator' then i.indicator_code <> 'COMPREHENSIVE'
        when 'comprehensive' then i.indicator_code = 'COMPREHENSIVE'
    end as decides_verdict,
    -- the plan passes only if private schools' owners add beyond their own floors (additions made to
    -- lower a coefficient at a private school: the county cannot assign them)
    case when l.status <> 'incomplete' and p.planned then p.relies_on_owners end as plan_relies_on_owners,
    l.county_name
from indicators as i
inner join levels as l
    on i.year = l.year and i.ruleset = l.ruleset and i.county_code = l.county_code and i.level = l.level
left join plan_levels as p
    on i.year = p.year and i.ruleset = p.ruleset and i.county_code = p.county_code and i.level = p.level
left join rules as r on i.ruleset = r.ruleset
left join outliers as o
    on
        i.year = o.year and i.ruleset = o.ruleset and i.county_code = o.county_code and i.level = o.level
        and i.indicator_code = o.indicator_code
left join outlier_levels as ol
    on i.year = ol.year and i.ruleset = ol.ruleset and i.county_code = ol.county_code and i.level = ol.level
left join indicators as lc
    on
        i.year = lc.year and i.ruleset = lc.ruleset and i.county_code = lc.county_code and i.level = lc.level
        and lc.indicator_code = 'COMPREHENSIVE'
