{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: per school unit and resource indicator below its threshold, what it lacks in natural
-- units (teachers, m², yuan, rooms) to reach the threshold and to reach 85 % of it (the school
-- rule's floor for its one allowed miss). Counts of teachers and rooms are rounded up.

with below as (
    select
        i.year,
        i.county_code,
        i.school_id,
        i.level,
        i.ruleset,
        i.indicator_code,
        i.students,
        i.value,
        i.threshold,
        i.share_of_threshold,
        v.passes_school_rule
    from {{ ref('int_school_unit_indicators') }} as i
    inner join {{ ref('int_school_unit_verdicts') }} as v
        on i.year = v.year and i.ruleset = v.ruleset and i.school_id = v.school_id and i.level = v.level
    where i.passes = false and {{ year_filter('i.year') }}
),

gaps as (
    select
        *,
        case indicator_code
            when 'R1' then 'teachers' when 'R2' then 'teachers' when 'R3' then 'teachers'
            when 'R4' then 'm²' when 'R5' then 'm²' when 'R6' then 'yuan' when 'R7' then 'rooms'
        end as unit,
        -- per-100-students indicators scale by students / 100; per-student ones by students
        case when indicator_code in ('R1', 'R2', 'R3', 'R7') then students / 100.0 else students end as scale
    from below
)

select
    g.year,
    g.county_code,
    s.school_name,
    g.school_id,
    g.level,
    g.ruleset,
    g.indicator_code,
    g.students,
    g.value,
    g.threshold,
    g.share_of_threshold,
    g.unit,
    case
        when g.unit in ('teachers', 'rooms') then ceil((g.threshold - g.value) * g.scale - 1e-9)
        else (g.threshold - g.value) * g.scale
    end as shortfall_to_threshold,
    case
        when g.value >= g.threshold * {{ var('school_rule_floor_ratio') }} then 0
        when g.unit in ('teachers', 'rooms')
            then ceil((g.threshold * {{ var('school_rule_floor_ratio') }} - g.value) * g.scale - 1e-9)
        else (g.threshold * {{ var('school_rule_floor_ratio') }} - g.value) * g.scale
    end as shortfall_to_floor,
    g.passes_school_rule as unit_passes_school_rule,
    coalesce(s.is_synthetic, false) as is_synthetic
from gaps as g
left join {{ ref('stg_census__schools') }} as s
    on g.year = s.year and g.school_id = s.school_id
