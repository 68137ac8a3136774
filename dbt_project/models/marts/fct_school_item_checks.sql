{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the per-school results behind the computed items G3–G7 and Q4 (class size, school size,
-- music and art rooms, small-school funding, special-education funding, teacher-training share),
-- one row per year × rule set × school × item the school is concerned by — so a county can list its
-- problem schools. `passes` is NULL when an input is unknown, and for every school of an incomplete
-- county, one with quarantined rows (its county item is then unknown too: nothing is judged over a
-- shortened list).

with checks as (
    select * from {{ ref('int_school_item_checks') }}
    where {{ year_filter('year') }}
),

items as (
    select item_code, standard, rulesets from {{ ref('evaluation_items') }}
),

rulesets as (
    select ruleset from {{ ref('rulesets') }}
),

schools as (
    select year, school_id, school_name, school_type, is_synthetic
    from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
),

status as (
    select year, county_code, county_incomplete from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
)

select
    c.year,
    r.ruleset,
    c.county_code,
    c.school_id,
    s.school_name,
    s.school_type,
    -- a per-school check concerns the whole school: the levels it teaches
    case
        when s.school_type in ('primary', 'teaching_point') then 'primary'
        when s.school_type in ('junior', 'vocational_junior', 'complete_secondary') then 'junior'
        else 'all'
    end as level,
    c.item_code,
    c.value,
    i.standard,
    case when st.county_incomplete then null else c.passes end as passes,
    c.detail,
    coalesce(st.county_incomplete, false) as county_incomplete,
    coalesce(s.is_synthetic, false) as is_synthetic
from checks as c
inner join items as i on c.item_code = i.item_code
inner join rulesets as r on position(r.ruleset in i.rulesets) > 0
left join schools as s on c.year = s.year and c.school_id = s.school_id
left join status as st on c.year = st.year and c.county_code = st.county_code
