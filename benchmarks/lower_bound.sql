-- Lower bound for one year (benchmarks/run.py): every row of the published fct_county_coefficients for
-- the year — the three rule sets (moe_2017 R1–R7, anshan_2018 R1–R7, basic_2012 B1–B8), each
-- indicator's difference coefficient and the COMPREHENSIVE one, per county × level (primary, junior) —
-- straight from the raw CSV feeds in one DuckDB query: year, ruleset, county_code, level,
-- indicator_code, n_units, students, weighted_mean, std_dev, cv.
--
-- Left out (what the pipeline does besides): orchestration, contract validation, typing of other
-- spellings than the generator's Chinese labels, quarantine and its consequence (a county with a
-- quarantined row gets NULL coefficients in the published table: this query has no quarantine, so it
-- agrees only on feeds that pass the contract), the cv_null_reason wording, the caps (cv_max,
-- within_cap), settings other than the dbt_project.yml defaults (written out below as constants), every
-- other table, the checks and the publication. Nothing is written.
--
-- Variables (SET VARIABLE before running): feed_dir = '<landing>/<year>' (the year's CSV files),
-- seed_dir = 'dbt_project/seeds' (the published standards), year = the year.
-- From the seeds: rulesets.csv says which rule sets there are and whether teaching points count in
-- them (includes_teaching_points), standards.csv which indicators each rule set has per level and
-- their scaling (per_students: 100 or 1). The rest is the method (spec evaluation-method.md §1, §2,
-- §4, §5) with the dbt_project.yml defaults, written out here:
--   * school units: 小学 / 小学教学点 → primary; 初级中学 → junior; 九年 / 十二年一贯制 → primary + junior;
--     完全中学 → junior; special-education schools, vocational junior schools (and senior parts) out;
--   * teaching points: in a rule set with teaching points, those under 50 students (or with no primary
--     enrolment row) out, those at or over 50 merged into the parent school's primary unit (students,
--     teachers, facilities added up); in one without (basic_2012), every teaching point out and no unit
--     merges anything;
--   * 一贯制 / 完全中学: whole-school facilities apportioned by weighted enrolment (primary 1 : junior
--     1.1 : senior 1.32; 完全中学 junior 1 : senior 1.2); teachers and students are per stage;
--   * numerators: R1 = B7 qualified teachers (primary: associate degree and above; junior: bachelor
--     and above), R2 backbone teachers, R3 PE + music + art teachers, R4 = B1 teaching & auxiliary
--     area as the census counts it (the indoor sports hall inside it: dbt vars r4_/b1_subtract_indoor_sports
--     default false), R5 = B2 sports ground + indoor sports area, R6 = B3 equipment
--     value (万元 × 10000), R7 multimedia classrooms, B4 computers, B5 books, B6 full-time teachers,
--     B8 teachers with an intermediate or higher title; value = numerator × per_students / students;
--   * the coefficient per county × level × indicator: X̄ = Σ P·X / Σ P, S = sqrt(Σ P·(X − X̄)² / Σ P),
--     CV = S / X̄ (population form), over the units with students or with unknown students (units with
--     0 students are dropped: no weight, not in n_units); a unit whose students or numerator is unknown
--     (a missing feed row or a blank cell in any part it adds up) leaves that indicator's group without
--     X̄, S and CV (not computed over a shortened list; n_units and students still given); X̄ = 0 → CV
--     NULL (X̄ and S given); a county × level with no such unit has no row;
--   * COMPREHENSIVE per rule set × county × level: the mean of the rule set's indicator CVs, NULL if
--     any is NULL; its n_units and students are the indicators' (the same units), its weighted_mean
--     and std_dev NULL.
-- How: rule sets with the same teaching-point rule share their units, and an indicator's coefficient
-- depends only on its numerator (the scaling multiplies X̄ and S alike), so X̄ and S are computed once
-- per unit set (teaching points in / out) × county × level for each of the 11 numerators per student
-- (a few of them on a unit set no rule set uses them on), then given to each rule set × indicator of
-- standards.csv, X̄ and S times per_students. An indicator code outside R1–R7 / B1–B8 gets no row.

with rulesets as (
    select ruleset, includes_teaching_points as with_tp
    from read_csv(getvariable('seed_dir') || '/rulesets.csv', header = true,
        types = {'includes_teaching_points': 'BOOLEAN'})
),

standards as (
    select ruleset, level, indicator_code, per_students
    from read_csv(getvariable('seed_dir') || '/standards.csv', header = true, types = {'per_students': 'DOUBLE'})
),

-- what each indicator measures: its numerator (per student, before the per_students scaling)
indicator_measures (indicator_code, measure) as (
    values
    ('R1', 'qualified_teachers'), ('R2', 'backbone_teachers'), ('R3', 'pe_art_teachers'),
    ('R4', 'floor_area_m2'), ('R5', 'sports_area_m2'), ('R6', 'equipment_value_yuan'),
    ('R7', 'multimedia_classrooms'),
    ('B1', 'floor_area_m2'), ('B2', 'sports_area_m2'), ('B3', 'equipment_value_yuan'), ('B4', 'computers'),
    ('B5', 'books'), ('B6', 'full_time_teachers'), ('B7', 'qualified_teachers'),
    ('B8', 'title_intermediate_plus')
),

schools as (
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
        full_time_teachers,
        case
            when stage = '小学' then qual_postgraduate + qual_bachelor + qual_associate
            else qual_postgraduate + qual_bachelor
        end as qualified_teachers,
        title_intermediate_plus,
        backbone_teachers,
        pe_teachers + music_teachers + art_teachers as pe_art_teachers
    from read_csv(getvariable('feed_dir') || '/teachers.csv', header = true, types = {'school_id': 'VARCHAR'})
    where stage in ('小学', '初中')
),

facilities as (
    select
        school_id,
        teaching_aux_area_m2 as floor_area_m2,
        sports_ground_area_m2 + indoor_sports_area_m2 as sports_area_m2,
        equipment_value_10k_yuan * 10000 as equipment_value_yuan,
        multimedia_classrooms,
        computers,
        books
    from read_csv(getvariable('feed_dir') || '/facilities.csv', header = true, types = {'school_id': 'VARCHAR'})
),

type_levels (school_type, level) as (
    values
    ('primary', 'primary'), ('teaching_point', 'primary'), ('junior', 'junior'),
    ('nine_year', 'primary'), ('nine_year', 'junior'), ('twelve_year', 'primary'), ('twelve_year', 'junior'),
    ('complete_secondary', 'junior')
),

-- one row per school × level in scope of some rule set (teaching points under 50 students dropped
-- here), with the level's students and its share of the school's whole-school facilities
level_rows as (
    select
        s.school_id,
        s.county_code,
        tl.level,
        s.school_type = 'teaching_point' as is_tp,
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

-- each part's numerators: the stage's teachers, the level's share of the facilities
parts as (
    select
        lr.unit_id,
        lr.level,
        lr.county_code,
        lr.is_tp,
        lr.students,
        t.full_time_teachers,
        t.qualified_teachers,
        t.title_intermediate_plus,
        t.backbone_teachers,
        t.pe_art_teachers,
        f.floor_area_m2 * lr.share as floor_area_m2,
        f.sports_area_m2 * lr.share as sports_area_m2,
        f.equipment_value_yuan * lr.share as equipment_value_yuan,
        f.multimedia_classrooms * lr.share as multimedia_classrooms,
        f.computers * lr.share as computers,
        f.books * lr.share as books
    from level_rows as lr
    left join teachers as t on lr.school_id = t.school_id and lr.level = t.level
    left join facilities as f on lr.school_id = f.school_id
),

-- school units: with teaching points (a school's level part plus the teaching points merged into it;
-- NULL where any part is unknown), and without (each school's level part on its own)
units as (
    select
        true as with_tp,
        unit_id,
        level,
        min(county_code) as county_code,
        case when count(students) = count(*) then sum(students) end as students,
        case when count(full_time_teachers) = count(*) then sum(full_time_teachers) end as full_time_teachers,
        case when count(qualified_teachers) = count(*) then sum(qualified_teachers) end as qualified_teachers,
        case when count(title_intermediate_plus) = count(*) then sum(title_intermediate_plus) end
            as title_intermediate_plus,
        case when count(backbone_teachers) = count(*) then sum(backbone_teachers) end as backbone_teachers,
        case when count(pe_art_teachers) = count(*) then sum(pe_art_teachers) end as pe_art_teachers,
        case when count(floor_area_m2) = count(*) then sum(floor_area_m2) end as floor_area_m2,
        case when count(sports_area_m2) = count(*) then sum(sports_area_m2) end as sports_area_m2,
        case when count(equipment_value_yuan) = count(*) then sum(equipment_value_yuan) end as equipment_value_yuan,
        case when count(multimedia_classrooms) = count(*) then sum(multimedia_classrooms) end
            as multimedia_classrooms,
        case when count(computers) = count(*) then sum(computers) end as computers,
        case when count(books) = count(*) then sum(books) end as books
    from parts
    group by unit_id, level
    union all
    select
        false as with_tp,
        unit_id,
        level,
        county_code,
        students,
        full_time_teachers,
        qualified_teachers,
        title_intermediate_plus,
        backbone_teachers,
        pe_art_teachers,
        floor_area_m2,
        sports_area_m2,
        equipment_value_yuan,
        multimedia_classrooms,
        computers,
        books
    from parts
    where not is_tp
),

-- per unit with students (or with unknown students): each numerator per student
unit_values as (
    select
        with_tp,
        county_code,
        level,
        students,
        full_time_teachers / students as full_time_teachers,
        qualified_teachers / students as qualified_teachers,
        title_intermediate_plus / students as title_intermediate_plus,
        backbone_teachers / students as backbone_teachers,
        pe_art_teachers / students as pe_art_teachers,
        floor_area_m2 / students as floor_area_m2,
        sports_area_m2 / students as sports_area_m2,
        equipment_value_yuan / students as equipment_value_yuan,
        multimedia_classrooms / students as multimedia_classrooms,
        computers / students as computers,
        books / students as books
    from units
    where coalesce(students, 1) > 0
),

-- per unit set × county × level: units, students, and per numerator the units without a value and
-- the student-weighted mean
means as (
    select
        with_tp,
        county_code,
        level,
        count(*) as n_units,
        sum(students) as students,
        count(*) - count(full_time_teachers) as miss_ftt,
        count(*) - count(qualified_teachers) as miss_qt,
        count(*) - count(title_intermediate_plus) as miss_tip,
        count(*) - count(backbone_teachers) as miss_bt,
        count(*) - count(pe_art_teachers) as miss_pat,
        count(*) - count(floor_area_m2) as miss_fa,
        count(*) - count(sports_area_m2) as miss_sa,
        count(*) - count(equipment_value_yuan) as miss_ev,
        count(*) - count(multimedia_classrooms) as miss_mc,
        count(*) - count(computers) as miss_c,
        count(*) - count(books) as miss_b,
        sum(students * full_time_teachers) / sum(students) as mean_ftt,
        sum(students * qualified_teachers) / sum(students) as mean_qt,
        sum(students * title_intermediate_plus) / sum(students) as mean_tip,
        sum(students * backbone_teachers) / sum(students) as mean_bt,
        sum(students * pe_art_teachers) / sum(students) as mean_pat,
        sum(students * floor_area_m2) / sum(students) as mean_fa,
        sum(students * sports_area_m2) / sum(students) as mean_sa,
        sum(students * equipment_value_yuan) / sum(students) as mean_ev,
        sum(students * multimedia_classrooms) / sum(students) as mean_mc,
        sum(students * computers) / sum(students) as mean_c,
        sum(students * books) / sum(students) as mean_b
    from unit_values
    group by with_tp, county_code, level
),

-- the second pass: S = sqrt(Σ P·(X − X̄)² / Σ P) per numerator
spread as (
    select
        m.with_tp,
        m.county_code,
        m.level,
        sqrt(sum(v.students * (v.full_time_teachers - m.mean_ftt) ^ 2) / any_value(m.students)) as s_ftt,
        sqrt(sum(v.students * (v.qualified_teachers - m.mean_qt) ^ 2) / any_value(m.students)) as s_qt,
        sqrt(sum(v.students * (v.title_intermediate_plus - m.mean_tip) ^ 2) / any_value(m.students)) as s_tip,
        sqrt(sum(v.students * (v.backbone_teachers - m.mean_bt) ^ 2) / any_value(m.students)) as s_bt,
        sqrt(sum(v.students * (v.pe_art_teachers - m.mean_pat) ^ 2) / any_value(m.students)) as s_pat,
        sqrt(sum(v.students * (v.floor_area_m2 - m.mean_fa) ^ 2) / any_value(m.students)) as s_fa,
        sqrt(sum(v.students * (v.sports_area_m2 - m.mean_sa) ^ 2) / any_value(m.students)) as s_sa,
        sqrt(sum(v.students * (v.equipment_value_yuan - m.mean_ev) ^ 2) / any_value(m.students)) as s_ev,
        sqrt(sum(v.students * (v.multimedia_classrooms - m.mean_mc) ^ 2) / any_value(m.students)) as s_mc,
        sqrt(sum(v.students * (v.computers - m.mean_c) ^ 2) / any_value(m.students)) as s_c,
        sqrt(sum(v.students * (v.books - m.mean_b) ^ 2) / any_value(m.students)) as s_b
    from means as m
    inner join unit_values as v on m.with_tp = v.with_tp and m.county_code = v.county_code and m.level = v.level
    group by m.with_tp, m.county_code, m.level
),

-- one row per unit set × county × level × numerator; no mean or S where a unit lacks the value
measures as (
    select
        with_tp,
        county_code,
        level,
        n_units,
        students,
        measure,
        case when n_missing = 0 then weighted_mean end as weighted_mean,
        case when n_missing = 0 then std_dev end as std_dev
    from (
        select
            m.with_tp,
            m.county_code,
            m.level,
            m.n_units,
            m.students,
            unnest([
                'full_time_teachers', 'qualified_teachers', 'title_intermediate_plus', 'backbone_teachers',
                'pe_art_teachers', 'floor_area_m2', 'sports_area_m2', 'equipment_value_yuan',
                'multimedia_classrooms', 'computers', 'books'
            ]) as measure,
            unnest([
                m.miss_ftt, m.miss_qt, m.miss_tip, m.miss_bt, m.miss_pat, m.miss_fa, m.miss_sa, m.miss_ev,
                m.miss_mc, m.miss_c, m.miss_b
            ]) as n_missing,
            unnest([
                m.mean_ftt, m.mean_qt, m.mean_tip, m.mean_bt, m.mean_pat, m.mean_fa, m.mean_sa, m.mean_ev,
                m.mean_mc, m.mean_c, m.mean_b
            ]) as weighted_mean,
            unnest([
                s.s_ftt, s.s_qt, s.s_tip, s.s_bt, s.s_pat, s.s_fa, s.s_sa, s.s_ev, s.s_mc, s.s_c, s.s_b
            ]) as std_dev
        from means as m
        inner join spread as s on m.with_tp = s.with_tp and m.county_code = s.county_code and m.level = s.level
    )
),

-- each rule set's indicators (standards.csv) on its unit set, scaled by per_students
per_indicator as (
    select
        r.ruleset,
        c.county_code,
        s.level,
        s.indicator_code,
        c.n_units,
        c.students,
        s.per_students * c.weighted_mean as weighted_mean,
        s.per_students * c.std_dev as std_dev,
        case when c.weighted_mean <> 0 then c.std_dev / c.weighted_mean end as cv
    from rulesets as r
    inner join standards as s on r.ruleset = s.ruleset
    inner join indicator_measures as im on s.indicator_code = im.indicator_code
    inner join measures as c on r.with_tp = c.with_tp and s.level = c.level and im.measure = c.measure
),

comprehensive as (
    select
        ruleset,
        county_code,
        level,
        'COMPREHENSIVE' as indicator_code,
        max(n_units) as n_units,
        max(students) as students,
        null::double as weighted_mean,
        null::double as std_dev,
        case when count(cv) = count(*) then avg(cv) end as cv
    from per_indicator
    group by ruleset, county_code, level
)

select getvariable('year')::integer as year, *
from (
    select * from per_indicator
    union all
    select * from comprehensive
)
order by ruleset, county_code, level, indicator_code
