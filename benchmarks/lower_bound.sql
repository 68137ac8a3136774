-- Lower bound for one year (benchmarks/run.py): the published per-indicator difference coefficients
-- of rule set moe_2017 (R1–R7 × county × level) straight from the raw CSV feeds, in one DuckDB query,
-- with no orchestration, no contract validation / quarantine, no checks and no publication.
--
-- Variables (SET VARIABLE before running): feed_dir = '<landing>/<year>' (the year's CSV files),
-- year = the year. Scope rules and indicators as in dbt_project/models/intermediate/int_school_units.sql
-- and int_school_unit_indicators.sql with the dbt_project.yml defaults:
--   * special-education schools and vocational junior schools out;
--   * teaching points under 50 students out, at or over 50 merged into the parent school's primary unit;
--   * 一贯制 / 完全中学 split into level units, senior dropped, whole-school facilities apportioned by
--     weighted enrolment (primary 1 : junior 1.1 : senior 1.32; 完全中学 junior 1 : senior 1.2);
--   * R1 qualified teachers (primary: associate degree and above; junior: bachelor and above),
--     R2 backbone, R3 PE + music + art teachers, R7 multimedia classrooms: per 100 students;
--     R4 teaching & auxiliary area minus indoor sports area, R5 sports ground + indoor sports area,
--     R6 equipment value (万元 × 10000): per student;
--   * the coefficient: student-weighted mean X̄ = Σ P·X / Σ P, S = sqrt(Σ P·(X − X̄)² / Σ P), CV = S / X̄;
--     units with 0 students carry no weight; a unit with an unknown part gives the group no coefficient.
-- The school types and stages are matched as the generator writes them (Chinese labels).

with schools as (
    select
        school_id,
        county_code,
        parent_school_id,
        case school_type
            when '小学' then 'primary'
            when '小学教学点' then 'teaching_point'
            when '初级中学' then 'junior'
            when '九年一贯制学校' then 'nine_year'
            when '十二年一贯制学校' then 'twelve_year'
            when '完全中学' then 'complete_secondary'
            else 'out_of_scope'
        end as school_type
    from read_csv(
        getvariable('feed_dir') || '/schools.csv', header = true,
        types = {'school_id': 'VARCHAR', 'county_code': 'VARCHAR', 'parent_school_id': 'VARCHAR'}
    )
),

enrollment as (
    select
        school_id,
        max(students) filter (where stage = '小学') as primary_students,
        max(students) filter (where stage = '初中') as junior_students,
        coalesce(max(students) filter (where stage = '高中'), 0) as senior_students
    from read_csv(getvariable('feed_dir') || '/enrollment.csv', header = true, types = {'school_id': 'VARCHAR'})
    group by school_id
),

teachers as (
    select
        school_id,
        case stage when '小学' then 'primary' when '初中' then 'junior' end as level,
        case
            when stage = '小学' then qual_postgraduate + qual_bachelor + qual_associate
            else qual_postgraduate + qual_bachelor
        end as qualified_teachers,
        backbone_teachers,
        pe_teachers + music_teachers + art_teachers as pe_art_teachers
    from read_csv(getvariable('feed_dir') || '/teachers.csv', header = true, types = {'school_id': 'VARCHAR'})
    where stage in ('小学', '初中')
),

facilities as (
    select
        school_id,
        teaching_aux_area_m2 - indoor_sports_area_m2 as floor_area_m2,
        sports_ground_area_m2 + indoor_sports_area_m2 as sports_area_m2,
        equipment_value_10k_yuan * 10000 as equipment_value_yuan,
        multimedia_classrooms
    from read_csv(getvariable('feed_dir') || '/facilities.csv', header = true, types = {'school_id': 'VARCHAR'})
),

type_levels (school_type, level) as (
    values
    ('primary', 'primary'), ('teaching_point', 'primary'), ('junior', 'junior'),
    ('nine_year', 'primary'), ('nine_year', 'junior'), ('twelve_year', 'primary'), ('twelve_year', 'junior'),
    ('complete_secondary', 'junior')
),

-- one row per school × level in scope (teaching points under 50 students dropped here)
parts as (
    select
        s.school_id,
        s.county_code,
        tl.level,
        case when s.school_type = 'teaching_point' then s.parent_school_id else s.school_id end as unit_id,
        case tl.level when 'primary' then e.primary_students else e.junior_students end as students,
        case
            when s.school_type in ('nine_year', 'twelve_year', 'complete_secondary')
                then (case tl.level
                    when 'primary' then 1.0 * e.primary_students
                    else (case when s.school_type = 'complete_secondary' then 1.0 else 1.1 end) * e.junior_students
                end)
                / nullif(
                    coalesce(1.0 * e.primary_students, 0)
                    + coalesce((case when s.school_type = 'complete_secondary' then 1.0 else 1.1 end)
                        * e.junior_students, 0)
                    + (case when s.school_type = 'complete_secondary' then 1.2 else 1.32 end) * e.senior_students,
                    0)
            else 1.0
        end as share
    from schools as s
    inner join type_levels as tl on s.school_type = tl.school_type
    left join enrollment as e on s.school_id = e.school_id
    where s.school_type <> 'teaching_point' or coalesce(e.primary_students, 0) >= 50
),

-- a school unit: the school's level part plus its merged teaching points (NULL if any part is unknown)
units as (
    select
        p.unit_id,
        p.level,
        min(p.county_code) as county_code,
        case when count(p.students) = count(*) then sum(p.students) end as students,
        case when count(t.qualified_teachers) = count(*) then sum(t.qualified_teachers) end as r1,
        case when count(t.backbone_teachers) = count(*) then sum(t.backbone_teachers) end as r2,
        case when count(t.pe_art_teachers) = count(*) then sum(t.pe_art_teachers) end as r3,
        case when count(f.floor_area_m2) = count(*) then sum(f.floor_area_m2 * p.share) end as r4,
        case when count(f.sports_area_m2) = count(*) then sum(f.sports_area_m2 * p.share) end as r5,
        case when count(f.equipment_value_yuan) = count(*) then sum(f.equipment_value_yuan * p.share) end as r6,
        case when count(f.multimedia_classrooms) = count(*) then sum(f.multimedia_classrooms * p.share) end as r7
    from parts as p
    left join teachers as t on p.school_id = t.school_id and p.level = t.level
    left join facilities as f on p.school_id = f.school_id
    group by p.unit_id, p.level
),

unit_values as (
    select
        county_code,
        level,
        students,
        r1 * 100.0 / students as x1,
        r2 * 100.0 / students as x2,
        r3 * 100.0 / students as x3,
        r4 / students as x4,
        r5 / students as x5,
        r6 / students as x6,
        r7 * 100.0 / students as x7
    from units
    where coalesce(students, 1) > 0
),

means as (
    select
        county_code,
        level,
        count(*) as n_units,
        sum(students) as students,
        count(*) filter (where students is null) as n_no_students,
        count(*) - count(x1) as m1, count(*) - count(x2) as m2, count(*) - count(x3) as m3,
        count(*) - count(x4) as m4, count(*) - count(x5) as m5, count(*) - count(x6) as m6,
        count(*) - count(x7) as m7,
        sum(students * x1) / sum(students) as mean1, sum(students * x2) / sum(students) as mean2,
        sum(students * x3) / sum(students) as mean3, sum(students * x4) / sum(students) as mean4,
        sum(students * x5) / sum(students) as mean5, sum(students * x6) / sum(students) as mean6,
        sum(students * x7) / sum(students) as mean7
    from unit_values
    group by county_code, level
),

spread as (
    select
        m.county_code,
        m.level,
        sqrt(sum(v.students * (v.x1 - m.mean1) ^ 2) / any_value(m.students)) as s1,
        sqrt(sum(v.students * (v.x2 - m.mean2) ^ 2) / any_value(m.students)) as s2,
        sqrt(sum(v.students * (v.x3 - m.mean3) ^ 2) / any_value(m.students)) as s3,
        sqrt(sum(v.students * (v.x4 - m.mean4) ^ 2) / any_value(m.students)) as s4,
        sqrt(sum(v.students * (v.x5 - m.mean5) ^ 2) / any_value(m.students)) as s5,
        sqrt(sum(v.students * (v.x6 - m.mean6) ^ 2) / any_value(m.students)) as s6,
        sqrt(sum(v.students * (v.x7 - m.mean7) ^ 2) / any_value(m.students)) as s7
    from means as m
    inner join unit_values as v on m.county_code = v.county_code and m.level = v.level
    group by m.county_code, m.level
),

long as (
    select
        m.county_code,
        m.level,
        m.n_units,
        m.students,
        m.n_no_students,
        unnest(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7']) as indicator_code,
        unnest([m.m1, m.m2, m.m3, m.m4, m.m5, m.m6, m.m7]) as n_missing,
        unnest([m.mean1, m.mean2, m.mean3, m.mean4, m.mean5, m.mean6, m.mean7]) as weighted_mean,
        unnest([s.s1, s.s2, s.s3, s.s4, s.s5, s.s6, s.s7]) as std_dev
    from means as m
    inner join spread as s on m.county_code = s.county_code and m.level = s.level
)

select
    getvariable('year')::integer as year,
    'moe_2017' as ruleset,
    county_code,
    level,
    indicator_code,
    n_units,
    students,
    case when n_missing = 0 and n_no_students = 0 then weighted_mean end as weighted_mean,
    case when n_missing = 0 and n_no_students = 0 then std_dev end as std_dev,
    case when n_missing = 0 and n_no_students = 0 and weighted_mean <> 0 then std_dev / weighted_mean end as cv
from long
order by county_code, level, indicator_code
