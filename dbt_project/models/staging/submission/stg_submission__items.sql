-- The county's self-evaluation submission (县级自评填报), one row per county × item, with the value
-- read three ways: as delivered, as a number (full-width digits and a % sign, ASCII or full-width,
-- accepted), as a yes/no (是 = yes) — and whether the row marks its number as a percentage (a % sign,
-- or the optional `scale` column: percent / fraction).
with items as (
    select
        year,
        county_code,
        upper(trim(item_code)) as item_code,
        trim(translate(value, '０１２３４５６７８９．％　', '0123456789.% ')) as value_text,
        scale,
        evidence
    from {{ source('submission', 'raw_county_submission') }}
    where not _quarantined
)

select
    year,
    county_code,
    item_code,
    value_text,
    try_cast(trim(replace(value_text, '%', '')) as double) as value_number,
    case
        when contains(value_text, '%') or scale = 'percent' then 'percent'
        when scale = 'fraction' then 'fraction'
    end as stated_scale,
    case
        when lower(value_text) in ('是', 'yes', 'y', 'true', 't', '1') then true
        when lower(value_text) in ('否', 'no', 'n', 'false', 'f', '0') then false
    end as value_bool,
    evidence
from items
