-- Every quarantined row of every feed, with the county it belongs to (when it can be told).
{% set feeds = ['schools', 'enrollment', 'teachers', 'facilities', 'finance', 'county_finance', 'county_submission'] %}
{% for feed in feeds %}
select
    year,
    '{{ feed }}' as feed,
    _source_file as source_file,
    _row_number as row_number,
    county_code,
    key_value,
    column_name,
    rule,
    message
from {{ source('landing', 'quarantine_' ~ feed) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
