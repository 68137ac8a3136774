{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: every in-scope school unit's indicator values against its rule set's thresholds.

with indicators as (
    select * from {{ ref('int_school_unit_indicators') }}
    where {{ year_filter('year') }}
),

verdicts as (
    select year, ruleset, school_id, level, passes_school_rule
    from {{ ref('int_school_unit_verdicts') }}
    where {{ year_filter('year') }}
),

units as (
    select year, ruleset, school_id, level, school_type, merged_teaching_points, resource_share
    from {{ ref('int_school_units') }}
    where in_scope and {{ year_filter('year') }}
),

schools as (
    select year, school_id, school_name, urban_rural, is_private, is_synthetic
    from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
)

select
    i.year,
    i.county_code,
    i.school_id,
    s.school_name,
    u.school_type,
    s.urban_rural,
    s.is_private,
    i.level,
    i.ruleset,
    i.indicator_code,
    i.students,
    i.value,
    i.threshold,
    i.passes,
    i.share_of_threshold,
    v.passes_school_rule as unit_passes_school_rule,
    u.merged_teaching_points,
    u.resource_share,
    coalesce(s.is_synthetic, false) as is_synthetic
from indicators as i
inner join units as u
    on i.year = u.year and i.ruleset = u.ruleset and i.school_id = u.school_id and i.level = u.level
left join verdicts as v
    on i.year = v.year and i.ruleset = v.ruleset and i.school_id = v.school_id and i.level = v.level
left join schools as s
    on i.year = s.year and i.school_id = s.school_id
