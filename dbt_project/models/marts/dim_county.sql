{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the county-level units of each year (县级单位), the dimension a BI tool joins every
-- county-grain table to: the name the year's schools feed gives (int_county_data_status: the name most
-- of its rows give), the city (地市) and province (省) by the code's first four and two digits with
-- their names from seeds/admin_divisions.csv (GB/T 2260; NULL where the seed does not name the code),
-- and whether the unit is a development zone (开发区), by the rule written out below.

with counties as (
    select year, county_code, county_name from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

divisions as (
    select
        cast(code as varchar) as code,
        name_zh
    from {{ ref('admin_divisions') }}
)

select
    c.year,
    c.county_code,
    c.county_name,
    left(c.county_code, 4) as city_code,
    city.name_zh as city_name,
    left(c.county_code, 2) as province_code,
    province.name_zh as province_name,
    -- a development zone has no GB/T 2260 code: the statistics office's division codes give zones
    -- 71–79 in the county digits; a zone coded otherwise (the demo's synthetic 9x codes) is told by its
    -- name (开发区, 高新区)
    coalesce(
        substr(c.county_code, 5, 1) = '7'
        or c.county_name like '%开发区%'
        or c.county_name like '%高新区%',
        false
    ) as is_development_zone
from counties as c
left join divisions as city on left(c.county_code, 4) = city.code
left join divisions as province on left(c.county_code, 2) = province.code
