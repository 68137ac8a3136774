{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- County items computed from the feeds: G3–G7 and Q4 from the per-school checks (every school must
-- pass), G8 (pay ratio), G9 (360-hour training), G12 (certificates), Q1 (3-year junior consolidation:
-- final-grade students in Y over entrants in Y − 2, unknown when Y − 2 is missing).

with params as (
    select
        max(case when item_code = 'G8' and parameter = 'min_pay_ratio' then value end) as g8_min,
        max(case when item_code = 'G9' and parameter = 'min_completion_pct' then value end) as g9_min,
        max(case when item_code = 'G12' and parameter = 'min_certified_pct' then value end) as g12_min,
        max(case when item_code = 'Q1' and parameter = 'min_consolidation_pct' then value end) as q1_min
    from {{ ref('item_standards') }}
),

counties as (
    select distinct year, county_code from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

school_checks as (
    select
        c.year,
        c.county_code,
        i.item_code,
        count(k.school_id) as n_applicable,
        sum(case when k.passes = false then 1 else 0 end) as n_fail,
        sum(case when k.passes is null and k.school_id is not null then 1 else 0 end) as n_unknown,
        string_agg(case when k.passes = false then k.school_id || ' (' || k.detail || ')' end, '; '
            order by k.school_id) as failing
    from counties as c
    cross join (values ('G3'), ('G4'), ('G5'), ('G6'), ('G7'), ('Q4')) as i (item_code)
    left join {{ ref('int_school_item_checks') }} as k
        on c.year = k.year and c.county_code = k.county_code and i.item_code = k.item_code
    group by c.year, c.county_code, i.item_code
),

school_items as (
    select
        year,
        county_code,
        item_code,
        cast(n_fail as double) as value,
        case when n_fail > 0 then 'fail' when n_unknown > 0 then 'unknown' else 'pass' end as status,
        case
            when n_applicable = 0 then 'no school concerned'
            when n_fail > 0 then cast(n_fail as varchar) || ' of ' || cast(n_applicable as varchar)
                || ' school(s) fail: ' || failing
            when n_unknown > 0 then cast(n_unknown as varchar) || ' of ' || cast(n_applicable as varchar)
                || ' school(s) lack the data'
            else 'all ' || cast(n_applicable as varchar) || ' school(s) pass'
        end as detail
    from school_checks
),

pay as (
    select
        c.year,
        c.county_code,
        {{ safe_divide('f.teacher_avg_salary_yuan', 'f.civil_servant_avg_salary_yuan') }} as ratio,
        f.teacher_avg_salary_yuan,
        f.civil_servant_avg_salary_yuan
    from counties as c
    left join {{ ref('stg_finance__counties') }} as f
        on c.year = f.year and c.county_code = f.county_code
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

junior as (
    -- every year (not only the selected ones): Q1 of year Y needs the entrants of Y − 2
    select
        s.year,
        s.county_code,
        {{ strict_sum('e.final_grade_students') }} as final_grade,
        {{ strict_sum('e.entrants') }} as entrants
    from {{ ref('stg_census__schools') }} as s
    inner join {{ ref('stg_census__enrollment') }} as e
        on s.year = e.year and s.school_id = e.school_id
    where e.level = 'junior' and s.school_type not in ('special', 'vocational_junior')
    group by s.year, s.county_code
),

county_items as (
    select
        p.year, p.county_code, 'G8' as item_code, p.ratio as value,
        case when p.ratio is null then 'unknown' when {{ at_least('p.ratio', 'k.g8_min') }} then 'pass' else 'fail' end
            as status,
        case
            when p.ratio is null then 'no county pay figures'
            else 'teachers ' || printf('%.0f', p.teacher_avg_salary_yuan) || ' vs civil servants '
                || printf('%.0f', p.civil_servant_avg_salary_yuan) || ' yuan: ratio ' || printf('%.3f', p.ratio)
        end as detail
    from pay as p cross join params as k
    union all
    select
        c.year, c.county_code, 'G9',
        {{ safe_divide('t.trained * 100.0', 't.full_time') }},
        case
            when {{ safe_divide('t.trained * 100.0', 't.full_time') }} is null then 'unknown'
            when {{ at_least(safe_divide('t.trained * 100.0', 't.full_time'), 'k.g9_min') }} then 'pass'
            else 'fail'
        end,
        coalesce(cast(t.trained as varchar) || ' of ' || cast(t.full_time as varchar)
            || ' full-time teachers completed 360 hours', 'no teacher training figures')
    from counties as c cross join params as k
    left join teachers as t on c.year = t.year and c.county_code = t.county_code
    union all
    select
        c.year, c.county_code, 'G12',
        {{ safe_divide('t.certified * 100.0', 't.full_time') }},
        case
            when {{ safe_divide('t.certified * 100.0', 't.full_time') }} is null then 'unknown'
            when {{ at_least(safe_divide('t.certified * 100.0', 't.full_time'), 'k.g12_min') }} then 'pass'
            else 'fail'
        end,
        coalesce(cast(t.full_time - t.certified as varchar) || ' of ' || cast(t.full_time as varchar)
            || ' full-time teachers without a teaching certificate', 'no certificate figures')
    from counties as c cross join params as k
    left join teachers as t on c.year = t.year and c.county_code = t.county_code
    union all
    select
        c.year, c.county_code, 'Q1',
        {{ safe_divide('now_.final_grade * 100.0', 'then_.entrants') }},
        case
            when {{ safe_divide('now_.final_grade * 100.0', 'then_.entrants') }} is null then 'unknown'
            when {{ at_least(safe_divide('now_.final_grade * 100.0', 'then_.entrants'), 'k.q1_min') }} then 'pass'
            else 'fail'
        end,
        case
            when then_.entrants is null then 'no junior entrants on record for ' || cast(c.year - 2 as varchar)
            else cast(now_.final_grade as varchar) || ' final-grade students in ' || cast(c.year as varchar)
                || ' over ' || cast(then_.entrants as varchar) || ' entrants in ' || cast(c.year - 2 as varchar)
        end
    from counties as c cross join params as k
    left join junior as now_ on c.year = now_.year and c.county_code = now_.county_code
    left join junior as then_ on c.year - 2 = then_.year and c.county_code = then_.county_code
)

select * from school_items
union all
select * from county_items
