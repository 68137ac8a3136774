{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- School units: one row per rule set × school × level (学段), with the scope rules applied.
--   * special-education schools, vocational junior schools: out of scope;
--   * teaching points (教学点) under var('teaching_point_min_students') out; at or over it merged
--     into the parent school (var('teaching_point_mode') = 'merge') or a unit of their own;
--     rule sets without teaching points (basic_2012) leave every teaching point out;
--   * 一贯制 schools and 完全中学 split into level units; senior parts dropped; whole-school physical
--     resources apportioned by weighted enrolment (vars split_weight_*; split_mode 'enrolment'
--     gives plain enrolment shares).
-- Units merged into a parent stay listed (in_scope = false) so every school is accounted for.

with rulesets as (
    select ruleset, includes_teaching_points from {{ ref('rulesets') }}
),

schools as (
    select * from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

enrollment as (
    select year, school_id, level, students from {{ ref('stg_census__enrollment') }}
    where {{ year_filter('year') }}
),

teachers as (
    select * from {{ ref('stg_census__teachers') }}
    where {{ year_filter('year') }}
),

facilities as (
    select * from {{ ref('stg_census__facilities') }}
    where {{ year_filter('year') }}
),

type_levels as (
    select *
    from (
        values
        ('primary', 'primary'),
        ('teaching_point', 'primary'),
        ('junior', 'junior'),
        ('nine_year', 'primary'),
        ('nine_year', 'junior'),
        ('twelve_year', 'primary'),
        ('twelve_year', 'junior'),
        ('complete_secondary', 'junior'),
        ('vocational_junior', 'junior'),
        ('special', 'primary'),
        ('special', 'junior')
    ) as t (school_type, level)
),

stage_students as (
    select
        s.year,
        s.school_id,
        max(case when e.level = 'primary' then e.students end) as primary_students,
        max(case when e.level = 'junior' then e.students end) as junior_students,
        coalesce(max(case when e.level = 'senior' then e.students end), 0) as senior_students
    from schools as s
    left join enrollment as e
        on s.year = e.year and s.school_id = e.school_id
    group by s.year, s.school_id
),

weights as (
    select
        s.year,
        s.school_id,
        st.primary_students,
        st.junior_students,
        st.senior_students,
        {% if var('split_mode') == 'enrolment' %}
            1.0 as w_primary,
            1.0 as w_junior,
            1.0 as w_senior
        {% else %}
            {{ var('split_weight_primary') }} as w_primary,
            case
                when s.school_type = 'complete_secondary' then {{ var('split_weight_complete_junior') }}
                else {{ var('split_weight_junior') }}
            end as w_junior,
            case
                when s.school_type = 'complete_secondary' then {{ var('split_weight_complete_senior') }}
                else {{ var('split_weight_senior') }}
            end as w_senior
        {% endif %}
    from schools as s
    inner join stage_students as st
        on s.year = st.year and s.school_id = st.school_id
),

level_rows as (
    select
        s.year,
        s.school_id,
        s.county_code,
        s.school_type,
        s.parent_school_id,
        tl.level,
        case tl.level when 'primary' then w.primary_students else w.junior_students end as students,
        case
            when s.school_type in ('nine_year', 'twelve_year', 'complete_secondary')
                then {{ safe_divide(
                    "case tl.level when 'primary' then w.w_primary * w.primary_students"
                    ~ " else w.w_junior * w.junior_students end",
                    "coalesce(w.w_primary * w.primary_students, 0) + coalesce(w.w_junior * w.junior_students, 0)"
                    ~ " + w.w_senior * w.senior_students") }}
            else 1.0
        end as resource_share
    from schools as s
    inner join type_levels as tl on s.school_type = tl.school_type
    inner join weights as w on s.year = w.year and s.school_id = w.school_id
),

level_resources as (
    select
        lr.*,
        t.full_time_teachers,
        case
            when lr.level = 'primary' then t.qual_postgraduate + t.qual_bachelor + t.qual_associate
            else t.qual_postgraduate + t.qual_bachelor
        end as qualified_teachers,
        t.title_intermediate_plus,
        t.pe_teachers + t.music_teachers + t.art_teachers as pe_art_teachers,
        t.backbone_teachers,
        f.teaching_aux_area_m2 * lr.resource_share as teaching_aux_area_m2,
        f.indoor_sports_area_m2 * lr.resource_share as indoor_sports_area_m2,
        f.sports_ground_area_m2 * lr.resource_share as sports_ground_area_m2,
        f.equipment_value_yuan * lr.resource_share as equipment_value_yuan,
        f.multimedia_classrooms * lr.resource_share as multimedia_classrooms,
        f.computers * lr.resource_share as computers,
        f.books * lr.resource_share as books
    from level_rows as lr
    left join teachers as t
        on lr.year = t.year and lr.school_id = t.school_id and lr.level = t.level
    left join facilities as f
        on lr.year = f.year and lr.school_id = f.school_id
),

scoped as (
    select
        lr.*,
        r.ruleset,
        case
            when lr.school_type = 'special' then 'special_education'
            when lr.school_type = 'vocational_junior' then 'vocational_junior'
            when lr.school_type = 'teaching_point' and not r.includes_teaching_points
                then 'teaching_point_not_in_ruleset'
            when lr.school_type = 'teaching_point' and coalesce(lr.students, 0) < {{ var('teaching_point_min_students') }}
                then 'teaching_point_under_min'
            when lr.school_type = 'teaching_point' and '{{ var("teaching_point_mode") }}' = 'merge'
                then 'merged_into_parent'
        end as scope_note
    from level_resources as lr
    cross join rulesets as r
),

-- Rows that make up an in-scope unit: the school's own level row plus merged teaching points.
unit_parts as (
    select
        *,
        case when scope_note = 'merged_into_parent' then parent_school_id else school_id end as unit_school_id
    from scoped
    where scope_note is null or scope_note = 'merged_into_parent'
),

units as (
    select
        year,
        ruleset,
        unit_school_id as school_id,
        level,
        min(county_code) as county_code,
        sum(case when scope_note = 'merged_into_parent' then 1 else 0 end) as merged_teaching_points,
        max(case when scope_note is null then resource_share end) as resource_share,
        {{ strict_sum('students') }} as students,
        {{ strict_sum('full_time_teachers') }} as full_time_teachers,
        {{ strict_sum('qualified_teachers') }} as qualified_teachers,
        {{ strict_sum('title_intermediate_plus') }} as title_intermediate_plus,
        {{ strict_sum('pe_art_teachers') }} as pe_art_teachers,
        {{ strict_sum('backbone_teachers') }} as backbone_teachers,
        {{ strict_sum('teaching_aux_area_m2') }} as teaching_aux_area_m2,
        {{ strict_sum('indoor_sports_area_m2') }} as indoor_sports_area_m2,
        {{ strict_sum('sports_ground_area_m2') }} as sports_ground_area_m2,
        {{ strict_sum('equipment_value_yuan') }} as equipment_value_yuan,
        {{ strict_sum('multimedia_classrooms') }} as multimedia_classrooms,
        {{ strict_sum('computers') }} as computers,
        {{ strict_sum('books') }} as books
    from unit_parts
    group by year, ruleset, unit_school_id, level
),

in_scope as (
    select
        u.year,
        u.ruleset,
        u.county_code,
        u.school_id,
        u.level,
        coalesce(s.school_type, 'unknown_parent') as school_type,
        -- a unit with no students carries no weight in any coefficient (spec §4)
        coalesce(u.students, 1) > 0 as in_scope,
        case when u.students = 0 then 'no_students' end as scope_note,
        u.merged_teaching_points,
        u.resource_share,
        u.students,
        u.full_time_teachers,
        u.qualified_teachers,
        u.title_intermediate_plus,
        u.pe_art_teachers,
        u.backbone_teachers,
        u.teaching_aux_area_m2,
        u.indoor_sports_area_m2,
        u.sports_ground_area_m2,
        u.equipment_value_yuan,
        u.multimedia_classrooms,
        u.computers,
        u.books
    from units as u
    left join schools as s
        on u.year = s.year and u.school_id = s.school_id
),

out_of_scope as (
    select
        year,
        ruleset,
        county_code,
        school_id,
        level,
        school_type,
        false as in_scope,
        case
            when scope_note = 'merged_into_parent' then 'merged_into_parent:' || parent_school_id
            else scope_note
        end as scope_note,
        0 as merged_teaching_points,
        resource_share,
        students,
        full_time_teachers,
        qualified_teachers,
        title_intermediate_plus,
        pe_art_teachers,
        backbone_teachers,
        teaching_aux_area_m2,
        indoor_sports_area_m2,
        sports_ground_area_m2,
        equipment_value_yuan,
        multimedia_classrooms,
        computers,
        books
    from scoped
    where scope_note is not null
)

select * from in_scope
union all
select * from out_of_scope
