{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: per school unit and resource indicator below its threshold, what it lacks in natural
-- units (teachers, m², yuan, rooms) to reach the threshold and to reach 85 % of it (the school
-- rule's floor for its one allowed miss). Counts of teachers and rooms are rounded up.

-- Built on fct_school_unit_indicators, which already carries the school rule and the school's name.

with below as (
    select * from {{ ref('fct_school_unit_indicators') }}
    where passes = false and {{ year_filter('year') }}
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
    g.school_name,
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
    g.unit_passes_school_rule,
    g.is_synthetic
from gaps as g
