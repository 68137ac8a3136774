-- The county's self-evaluation submission (县级自评填报), one row per county × item, with the value
-- read three ways: as delivered, as a number (a trailing % dropped), as a yes/no (是 = yes).
with items as (
    select
        year,
        county_code,
        upper(trim(item_code)) as item_code,
        trim(value) as value_text,
        evidence
    from {{ source('landing', 'raw_county_submission') }}
    where not _quarantined
)

select
    year,
    county_code,
    item_code,
    value_text,
    try_cast(replace(replace(value_text, '%', ''), '％', '') as double) as value_number,
    case
        when lower(value_text) in ('是', 'yes', 'y', 'true', 't', '1') then true
        when lower(value_text) in ('否', 'no', 'n', 'false', 'f', '0') then false
    end as value_bool,
    evidence
from items
