-- One row per school or teaching point that passed the contract (学校基本情况).
select
    year,
    school_id,
    school_name,
    county_code,
    county_name,
    school_type,
    parent_school_id,
    urban_rural,
    is_private,
    is_boarding,
    coalesce(synthetic, false) as is_synthetic,
    _row_number as row_number
from {{ source('census', 'raw_schools') }}
where not _quarantined
