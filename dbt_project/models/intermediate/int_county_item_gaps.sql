{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- What a county lacks on the items outside the resource dimension that are numbers, in natural
-- units, per year × county (the roadmap's item rows): G5 classes to split (primary classes over 45,
-- junior classes over 50), G8 yuan a year to bring the teachers' average pay up to the civil
-- servants' (× full-time teachers), G9 teachers still to complete the 360 hours, G12 teachers still
-- to certify. Parameters from seeds/item_standards.csv, as the items themselves.

with params as (
    select
        max(case when item_code = 'G8' and parameter = 'min_pay_ratio' then value end) as g8_min,
        max(case when item_code = 'G9' and parameter = 'min_completion_pct' then value end) as g9_min,
        max(case when item_code = 'G12' and parameter = 'min_certified_pct' then value end) as g12_min
    from {{ ref('item_standards') }}
),

schools as (
    select year, school_id, county_code, school_type from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

classes as (
    select
        s.year,
        s.county_code,
        sum(case when e.level = 'primary' then e.classes_over_45 when e.level = 'junior' then e.classes_over_50 end)
            as oversize
    from schools as s
    inner join {{ ref('stg_census__enrollment') }} as e on s.year = e.year and s.school_id = e.school_id
    where e.level in ('primary', 'junior')
    group by s.year, s.county_code
),

teachers as (
    select
        s.year,
        s.county_code,
        {{ strict_sum('t.full_time_teachers') }} as full_time,
        {{ strict_sum('t.training_360h_completed') }} as trained,
        {{ strict_sum('t.certified_teachers') }} as certified
    from schools as s
    inner join {{ ref('stg_census__teachers') }} as t on s.year = t.year and s.school_id = t.school_id
    where t.level in ('primary', 'junior')
    group by s.year, s.county_code
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
    cast(c.oversize as double) as gap,
    'classes to split' as gap_unit,
    cast(null as double) as cost_yuan
from classes as c
union all
select
    t.year,
    t.county_code,
    'G8',
    greatest(k.g8_min * p.civil_servant_avg_salary_yuan - p.teacher_avg_salary_yuan, 0) * t.full_time,
    'yuan a year',
    greatest(k.g8_min * p.civil_servant_avg_salary_yuan - p.teacher_avg_salary_yuan, 0) * t.full_time
from teachers as t
cross join params as k
inner join pay as p on t.year = p.year and t.county_code = p.county_code
union all
select
    t.year,
    t.county_code,
    'G9',
    greatest(ceil(k.g9_min / 100.0 * t.full_time - {{ var('comparison_tolerance') }}) - t.trained, 0),
    'teachers to train (360 hours)',
    null
from teachers as t
cross join params as k
union all
select
    t.year,
    t.county_code,
    'G12',
    greatest(ceil(k.g12_min / 100.0 * t.full_time - {{ var('comparison_tolerance') }}) - t.certified, 0),
    'teachers to certify',
    null
from teachers as t
cross join params as k
