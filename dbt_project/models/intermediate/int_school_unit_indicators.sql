{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- One row per in-scope school unit × indicator of its rule set: R1–R7 (moe_2017, anshan_2018) or
-- B1–B8 (basic_2012), the value, the rule set's threshold and whether the unit reaches it.

with units as (
    select * from {{ ref('int_school_units') }}
    where in_scope and {{ year_filter('year') }}
),

standards as (
    select ruleset, level, indicator_code, threshold, per_students from {{ ref('standards') }}
),

-- value = numerator × per_students / students: the numerator is the indicator's definition, the
-- scaling (per 100 students or per student) is the standards seed's `per_students`
valued as (
    select
        u.year,
        u.ruleset,
        u.county_code,
        u.school_id,
        u.level,
        st.indicator_code,
        u.students,
        st.threshold,
        {#- R4 / B1: the census total of 教学及辅助用房 (which counts the indoor sports hall, as R5 / B2 do again);
            each indicator's own setting subtracts the hall -#}
        {%- set r4 = '(u.teaching_aux_area_m2' ~ (' - u.indoor_sports_area_m2' if var('r4_subtract_indoor_sports') else '') ~ ')' %}
        {%- set b1 = '(u.teaching_aux_area_m2' ~ (' - u.indoor_sports_area_m2' if var('b1_subtract_indoor_sports') else '') ~ ')' %}
        {%- set per = ' * st.per_students' %}
        case st.indicator_code
            when 'R1' then {{ safe_divide('u.qualified_teachers' ~ per, 'u.students') }}
            when 'R2' then {{ safe_divide('u.backbone_teachers' ~ per, 'u.students') }}
            when 'R3' then {{ safe_divide('u.pe_art_teachers' ~ per, 'u.students') }}
            when 'R4' then {{ safe_divide(r4 ~ per, 'u.students') }}
            when 'R5' then {{ safe_divide('(u.sports_ground_area_m2 + u.indoor_sports_area_m2)' ~ per, 'u.students') }}
            when 'R6' then {{ safe_divide('u.equipment_value_yuan' ~ per, 'u.students') }}
            when 'R7' then {{ safe_divide('u.multimedia_classrooms' ~ per, 'u.students') }}
            when 'B1' then {{ safe_divide(b1 ~ per, 'u.students') }}
            when 'B2' then {{ safe_divide('(u.sports_ground_area_m2 + u.indoor_sports_area_m2)' ~ per, 'u.students') }}
            when 'B3' then {{ safe_divide('u.equipment_value_yuan' ~ per, 'u.students') }}
            when 'B4' then {{ safe_divide('u.computers' ~ per, 'u.students') }}
            when 'B5' then {{ safe_divide('u.books' ~ per, 'u.students') }}
            when 'B6' then {{ safe_divide('u.full_time_teachers' ~ per, 'u.students') }}
            when 'B7' then {{ safe_divide('u.qualified_teachers' ~ per, 'u.students') }}
            when 'B8' then {{ safe_divide('u.title_intermediate_plus' ~ per, 'u.students') }}
        end as value
    from units as u
    inner join standards as st
        on u.ruleset = st.ruleset and u.level = st.level
)

select
    year,
    ruleset,
    county_code,
    school_id,
    level,
    indicator_code,
    students,
    cast(value as double) as value,
    threshold,
    {{ at_least('value', 'threshold') }} as passes,
    {{ safe_divide('value', 'threshold') }} as share_of_threshold
from valued
