{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- What a county lacks on the items outside the resource dimension that are numbers computed from the
-- census and finance feeds, in natural units, per year × county (the roadmap's item rows; the
-- submitted items' gaps, G11 and SR, are in int_county_submitted_item_gaps):
--   G5  classes to add: Σ over schools and stages of max(0, ⌈students ÷ limit⌉ − classes), limit 45
--       primary / 50 junior — splitting the oversize classes alone needs no more classes when the
--       stage has room; such a school is told to rebalance its classes instead
--   G6  yuan a year that would fund each small village school / teaching point as if it had 100
--       students, at the school's own rate (its public funds ÷ the students it is funded for)
--   G7  yuan a year that would bring each special-education school to 6000 yuan per student
--   G8  yuan a year to bring the teachers' average pay up to the civil servants' (× full-time teachers)
--   G9  teachers still to complete the 360 hours; G12 teachers still to certify
-- Parameters from seeds/item_standards.csv, as the items themselves; the schools G5–G7 concern are
-- those of the per-school checks (int_school_item_checks). An unknown input leaves the gap NULL.

with params as (
    select
        max(case when item_code = 'G5' and parameter = 'max_class_size_primary' then value end) as g5_primary,
        max(case when item_code = 'G5' and parameter = 'max_class_size_junior' then value end) as g5_junior,
        max(case when item_code = 'G6' and parameter = 'small_school_students' then value end) as g6_small,
        max(case when item_code = 'G6' and parameter = 'funded_students_min' then value end) as g6_funded_min,
        max(case when item_code = 'G7' and parameter = 'min_public_funds_per_student' then value end) as g7_min,
        max(case when item_code = 'G8' and parameter = 'min_pay_ratio' then value end) as g8_min,
        max(case when item_code = 'G9' and parameter = 'min_completion_pct' then value end) as g9_min,
        max(case when item_code = 'G12' and parameter = 'min_certified_pct' then value end) as g12_min
    from {{ ref('item_standards') }}
),

schools as (
    select year, school_id, county_code, school_type, urban_rural from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

enrollment as (
    select * from {{ ref('stg_census__enrollment') }}
    where {{ year_filter('year') }}
),

-- G5, per school × stage (every school but special-education ones, as the G5 check)
stages as (
    select
        s.year,
        s.county_code,
        s.school_id,
        e.level,
        case when e.level = 'primary' then e.classes_over_45 else e.classes_over_50 end as oversize,
        {{ positive_part(
            "ceil(e.students / case when e.level = 'primary' then k.g5_primary else k.g5_junior end
            - " ~ var('comparison_tolerance') ~ ") - e.classes") }} as to_add
    from schools as s
    cross join params as k
    inner join enrollment as e on s.year = e.year and s.school_id = e.school_id
    where e.level in ('primary', 'junior') and s.school_type <> 'special'
),

classes as (
    select
        year,
        county_code,
        {{ strict_sum('to_add') }} as to_add,
        string_agg(case when to_add > 0 then school_id || ' ' || level || ' +' || cast(to_add as bigint) end, ', '
            order by school_id asc, level desc) as schools,
        string_agg(case when oversize > 0 and to_add = 0 then school_id || ' ' || level end, ', '
            order by school_id asc, level desc) as rebalance
    from stages
    group by year, county_code
),

-- G6 and G7, per school concerned (the applicability of int_school_item_checks)
school_money as (
    select
        s.year,
        s.county_code,
        s.school_id,
        s.school_type,
        s.urban_rural,
        {{ strict_sum("case when e.level in ('primary', 'junior') then e.students else 0 end") }}
            as compulsory_students,
        {{ strict_sum('e.students') }} as all_students
    from schools as s
    left join enrollment as e on s.year = e.year and s.school_id = e.school_id
    group by s.year, s.county_code, s.school_id, s.school_type, s.urban_rural
),

funding as (
    select
        m.year,
        m.county_code,
        m.school_id,
        'G6' as item_code,
        -- the school's own rate per funded student, for the students it is not funded for
        case
            when f.funded_students >= k.g6_funded_min then 0
            else (k.g6_funded_min - f.funded_students) * {{ safe_divide('f.public_funds_yuan', 'f.funded_students') }}
        end as yuan
    from school_money as m
    cross join params as k
    left join {{ ref('stg_finance__schools') }} as f on m.year = f.year and m.school_id = f.school_id
    where
        (m.school_type = 'teaching_point' or m.urban_rural in ('210', '220'))
        and m.school_type not in ('special', 'vocational_junior')
        and m.compulsory_students < k.g6_small
    union all
    select
        m.year,
        m.county_code,
        m.school_id,
        'G7',
        {{ positive_part('k.g7_min * m.all_students - f.public_funds_yuan') }}
    from school_money as m
    cross join params as k
    left join {{ ref('stg_finance__schools') }} as f on m.year = f.year and m.school_id = f.school_id
    where m.school_type = 'special'
),

money as (
    select
        year,
        county_code,
        item_code,
        {{ strict_sum('yuan') }} as yuan,
        string_agg(case when yuan > 0 then school_id || ' +' || printf('%,.0f', yuan) end, ', '
            order by school_id) as schools
    from funding
    group by year, county_code, item_code
),

teachers as (
    select
        year,
        county_code,
        full_time_teachers as full_time,
        trained_360h as trained,
        certified_teachers as certified
    from {{ ref('int_county_teachers') }}
    where {{ year_filter('year') }}
),

pay as (
    select year, county_code, teacher_avg_salary_yuan, civil_servant_avg_salary_yuan
    from {{ ref('stg_finance__counties') }}
    where {{ year_filter('year') }}
)

select
    c.year,
    c.county_code,
    'G5' as item_code,
    cast(c.to_add as double) as gap,
    'classes to add' as gap_unit,
    cast(null as double) as cost_yuan,
    c.schools,
    c.rebalance as rebalance_schools,
    case
        when c.to_add > 0
            then printf('%,d', cast(c.to_add as bigint)) || ' classes to add: ' || c.schools
            || coalesce('; rebalance classes at: ' || c.rebalance, '')
        when c.to_add = 0 and c.rebalance is not null
            then 'no class to add; rebalance classes at: ' || c.rebalance
    end as action
from classes as c
union all
select
    m.year,
    m.county_code,
    m.item_code,
    m.yuan as gap,
    'yuan a year',
    m.yuan as cost_yuan,
    m.schools,
    null,
    case
        when m.item_code = 'G6'
            then printf('%,.0f', m.yuan) || ' yuan a year to fund small village schools as '
            || printf('%.0f', k.g6_funded_min) || ' students'
        else printf('%,.0f', m.yuan) || ' yuan a year to bring special-education schools to '
            || printf('%.0f', k.g7_min) || ' yuan per student'
    end || coalesce(': ' || m.schools, '')
from money as m
cross join params as k
where m.yuan is not null
union all
select
    t.year,
    t.county_code,
    'G8',
    {{ positive_part('k.g8_min * p.civil_servant_avg_salary_yuan - p.teacher_avg_salary_yuan') }} * t.full_time,
    'yuan a year',
    {{ positive_part('k.g8_min * p.civil_servant_avg_salary_yuan - p.teacher_avg_salary_yuan') }} * t.full_time,
    null,
    null,
    null
from teachers as t
cross join params as k
inner join pay as p on t.year = p.year and t.county_code = p.county_code
union all
select
    t.year,
    t.county_code,
    'G9',
    {{ positive_part("ceil(k.g9_min / 100.0 * t.full_time - " ~ var('comparison_tolerance') ~ ") - t.trained") }},
    'teachers to train (360 hours)',
    null,
    null,
    null,
    null
from teachers as t
cross join params as k
union all
select
    t.year,
    t.county_code,
    'G12',
    {{ positive_part("ceil(k.g12_min / 100.0 * t.full_time - " ~ var('comparison_tolerance') ~ ") - t.certified") }},
    'teachers to certify',
    null,
    null,
    null,
    null
from teachers as t
cross join params as k
