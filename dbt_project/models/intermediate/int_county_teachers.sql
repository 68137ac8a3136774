{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Full-time teachers of the compulsory stages (primary, junior) per year × county, summed over its
-- schools: all of them, those who completed the 360 hours, those certified, and those of its public
-- schools (a school not marked private counts as public). The county items and gaps that count
-- teachers (G8, G9, G12 in int_county_computed_items and int_county_item_gaps; G11's eligible in
-- int_county_submitted_item_gaps) read them here. A sum is unknown (NULL) when one of its schools'
-- figures is; a county without teacher rows has no row.

select
    s.year,
    s.county_code,
    {{ strict_sum('t.full_time_teachers') }} as full_time_teachers,
    {{ strict_sum('t.training_360h_completed') }} as trained_360h,
    {{ strict_sum('t.certified_teachers') }} as certified_teachers,
    {{ strict_sum('case when s.is_private then 0 else t.full_time_teachers end') }} as public_full_time_teachers
from {{ ref('stg_census__schools') }} as s
inner join {{ ref('stg_census__teachers') }} as t on s.year = t.year and s.school_id = t.school_id
where t.level in ('primary', 'junior') and {{ year_filter('s.year') }}
group by s.year, s.county_code
