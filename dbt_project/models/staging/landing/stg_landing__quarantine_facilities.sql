-- Rows of the `facilities` feed held back by the feed contract: one row per rule broken, with the county
-- it belongs to (when it can be told).
select
    year,
    'facilities' as feed,
    _source_file as source_file,
    _row_number as row_number,
    county_code,
    key_value,
    column_name,
    rule,
    message
from {{ source('landing', 'quarantine_facilities') }}
