{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the schools and teaching points of each year that passed the contract (学校), the dimension a
-- BI tool joins the school-grain tables to: name, type, county, the urban–rural code (GB/T 2260's
-- 城乡分类代码) and the area it falls in (town 1xx = 城区/镇区, village 2xx = 乡村, as the equity split
-- reads it), the parent school of a teaching point, private (民办) and boarding.

with schools as (
    select * from {{ ref('stg_census__schools') }}
    where {{ year_filter('year') }}
)

select
    year,
    school_id,
    school_name,
    school_type,
    county_code,
    county_name,
    urban_rural,
    case
        when urban_rural like '1%' then 'town'
        when urban_rural like '2%' then 'village'
    end as area,
    parent_school_id,
    is_private,
    is_boarding
from schools
