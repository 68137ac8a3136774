{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Per-school checks of the computed guarantee and quality items, one row per year × school × item:
--   G3 music / art rooms per 12 classes and their minimum areas (compulsory schools, no teaching points)
--   G4 school size (小学 / 初中 / 完中 ≤ 2000; 一贯制 compulsory part ≤ 2500)
--   G5 class size (no primary class over 45, no junior class over 50; every compulsory school)
--   G6 village schools and teaching points under 100 students funded as 100
--   G7 special-education schools: public funds per student ≥ 6000 yuan
--   Q4 teacher-training funds ≥ 5 % of the public-funds budget (every school with a budget)
-- passes is NULL when an input is unknown (a feed or a column absent): never a silent pass.

with params as (
    select
        max(case when item_code = 'G3' and parameter = 'classes_per_room' then value end) as g3_classes_per_room,
        max(case when item_code = 'G3' and parameter = 'music_room_min_m2' then value end) as g3_music_min,
        max(case when item_code = 'G3' and parameter = 'art_room_min_m2' then value end) as g3_art_min,
        max(case when item_code = 'G4' and parameter = 'max_students_single_level' then value end) as g4_single,
        max(case when item_code = 'G4' and parameter = 'max_students_through' then value end) as g4_through,
        max(case when item_code = 'G6' and parameter = 'small_school_students' then value end) as g6_small,
        max(case when item_code = 'G6' and parameter = 'funded_students_min' then value end) as g6_funded_min,
        max(case when item_code = 'G7' and parameter = 'min_public_funds_per_student' then value end) as g7_min,
        max(case when item_code = 'Q4' and parameter = 'min_training_share_pct' then value end) as q4_min_pct
    from {{ ref('item_standards') }}
),

schools as (
    select * from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

enrollment as (
    select
        year,
        school_id,
        {{ strict_sum("case when level in ('primary', 'junior') then students else 0 end") }} as compulsory_students,
        {{ strict_sum('students') }} as all_students,
        {{ strict_sum("case when level in ('primary', 'junior') then classes else 0 end") }} as compulsory_classes,
        {{ strict_sum("case when level = 'primary' then classes_over_45 else 0 end") }} as primary_classes_over_45,
        {{ strict_sum("case when level = 'junior' then classes_over_50 else 0 end") }} as junior_classes_over_50
    from {{ ref('stg_census__enrollment') }}
    where {{ year_filter('year') }}
    group by year, school_id
),

facilities as (
    select * from {{ ref('stg_census__facilities') }}
    where {{ year_filter('year') }}
),

finance as (
    select * from {{ ref('stg_finance__schools') }}
    where {{ year_filter('year') }}
),

base as (
    select
        s.year,
        s.county_code,
        s.school_id,
        s.school_type,
        s.urban_rural,
        e.compulsory_students,
        e.all_students,
        e.compulsory_classes,
        e.primary_classes_over_45,
        e.junior_classes_over_50,
        f.music_rooms,
        f.music_room_min_area_m2,
        f.art_rooms,
        f.art_room_min_area_m2,
        fi.funded_students,
        fi.public_funds_yuan,
        fi.public_funds_budget_yuan,
        fi.teacher_training_funds_yuan,
        greatest(1, ceil(e.compulsory_classes / p.g3_classes_per_room)) as rooms_required,
        p.*
    from schools as s
    cross join params as p
    left join enrollment as e on s.year = e.year and s.school_id = e.school_id
    left join facilities as f on s.year = f.year and s.school_id = f.school_id
    left join finance as fi on s.year = fi.year and s.school_id = fi.school_id
),

checks as (
    select
        year, county_code, school_id, 'G3' as item_code,
        school_type in ('primary', 'junior', 'nine_year', 'twelve_year', 'complete_secondary') as applies,
        music_rooms >= rooms_required and art_rooms >= rooms_required
        and music_room_min_area_m2 >= g3_music_min and art_room_min_area_m2 >= g3_art_min as passes,
        cast(least(music_rooms, art_rooms) as double) as value,
        'music ' || coalesce(cast(music_rooms as varchar), '?') || ' / art ' || coalesce(cast(art_rooms as varchar), '?')
        || ' rooms for ' || coalesce(cast(compulsory_classes as varchar), '?') || ' classes (need '
        || coalesce(cast(rooms_required as varchar), '?') || '), smallest music '
        || coalesce(cast(music_room_min_area_m2 as varchar), '?') || ' m², art '
        || coalesce(cast(art_room_min_area_m2 as varchar), '?') || ' m²' as detail
    from base
    union all
    select
        year, county_code, school_id, 'G4',
        school_type in ('primary', 'junior', 'nine_year', 'twelve_year', 'complete_secondary'),
        compulsory_students <= case when school_type in ('nine_year', 'twelve_year') then g4_through else g4_single end,
        cast(compulsory_students as double),
        coalesce(cast(compulsory_students as varchar), '?') || ' students (max '
        || cast(case when school_type in ('nine_year', 'twelve_year') then g4_through else g4_single end as integer)
        || ')'
    from base
    union all
    select
        year, county_code, school_id, 'G5',
        school_type not in ('special'),
        primary_classes_over_45 = 0 and junior_classes_over_50 = 0,
        cast(primary_classes_over_45 + junior_classes_over_50 as double),
        coalesce(cast(primary_classes_over_45 as varchar), '?') || ' primary class(es) over 45, '
        || coalesce(cast(junior_classes_over_50 as varchar), '?') || ' junior class(es) over 50'
    from base
    union all
    select
        year, county_code, school_id, 'G6',
        (school_type = 'teaching_point' or urban_rural in ('210', '220'))
        and school_type not in ('special', 'vocational_junior')
        and compulsory_students < g6_small,
        funded_students >= g6_funded_min,
        cast(funded_students as double),
        coalesce(cast(compulsory_students as varchar), '?') || ' students funded as '
        || coalesce(cast(funded_students as varchar), '?')
    from base
    union all
    select
        year, county_code, school_id, 'G7',
        school_type = 'special',
        {{ safe_divide('public_funds_yuan', 'all_students') }} >= g7_min,
        {{ safe_divide('public_funds_yuan', 'all_students') }},
        coalesce(printf('%.0f', {{ safe_divide('public_funds_yuan', 'all_students') }}), '?') || ' yuan per student'
    from base
    union all
    select
        year, county_code, school_id, 'Q4',
        coalesce(public_funds_budget_yuan, 1) > 0 and school_type <> 'teaching_point',
        {{ safe_divide('teacher_training_funds_yuan * 100.0', 'public_funds_budget_yuan') }} >= q4_min_pct,
        {{ safe_divide('teacher_training_funds_yuan * 100.0', 'public_funds_budget_yuan') }},
        coalesce(printf('%.1f', {{ safe_divide('teacher_training_funds_yuan * 100.0', 'public_funds_budget_yuan') }}), '?')
        || ' % of the public-funds budget'
    from base
)

select * from checks
where applies
