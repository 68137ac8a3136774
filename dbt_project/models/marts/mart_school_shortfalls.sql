{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: per school unit and resource indicator below its threshold, what it lacks in natural
-- units (teachers, m², yuan, rooms) to reach the threshold and to reach 85 % of it (the school
-- rule's floor for its one allowed miss). Counts of teachers and rooms are rounded up.
-- Two views of each gap: what the unit gains (shortfall_to_*), and what the school must build or buy
-- (school_addition_to_*). They differ for split schools (一贯制, 完全中学): floor area, ground,
-- equipment, rooms, computers and books (standards.whole_school) are shared by the school's levels by
-- `resource_share`, so a unit that gains 100 m² at a share of 0.42 needs about 238 m² built. Teachers
-- belong to their stage (share 1). Indivisible units (standards.indivisible) are rounded up.

-- Built on fct_school_unit_indicators, which already carries the school rule and the school's name;
-- each indicator's natural unit and its scaling (per 100 students or per student) come from the
-- standards seed, as for the indicator values themselves.

with below as (
    select * from {{ ref('fct_school_unit_indicators') }}
    where passes = false and {{ year_filter('year') }}
),

standards as (
    select ruleset, level, indicator_code, natural_unit, per_students, whole_school, indivisible
    from {{ ref('standards') }}
),

gaps as (
    select
        b.*,
        st.natural_unit as unit,
        -- a value per 100 students scales by students / 100, a value per student by students
        b.students / st.per_students as scale,
        st.indivisible,
        case when st.whole_school then coalesce(b.resource_share, 1.0) else 1.0 end as school_share
    from below as b
    left join standards as st
        on b.ruleset = st.ruleset and b.level = st.level and b.indicator_code = st.indicator_code
),

exact as (
    select
        *,
        (threshold - value) * scale as gain_to_threshold,
        greatest(threshold * {{ var('school_rule_floor_ratio') }} - value, 0) * scale as gain_to_floor
    from gaps
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
        when g.indivisible then ceil(greatest(g.gain_to_threshold - 1e-9, 0)) else g.gain_to_threshold
    end as shortfall_to_threshold,
    case
        when g.indivisible then ceil(greatest(g.gain_to_floor - 1e-9, 0)) else g.gain_to_floor
    end as shortfall_to_floor,
    g.school_share,
    case
        when g.indivisible then ceil(greatest(g.gain_to_threshold / g.school_share - 1e-9, 0))
        else g.gain_to_threshold / g.school_share
    end as school_addition_to_threshold,
    case
        when g.indivisible then ceil(greatest(g.gain_to_floor / g.school_share - 1e-9, 0))
        else g.gain_to_floor / g.school_share
    end as school_addition_to_floor,
    g.unit_passes_school_rule,
    g.is_synthetic
from exact as g
