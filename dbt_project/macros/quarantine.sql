{#- The staging of a feed's quarantine table (ingestion/load.py writes quarantine_<feed>: one row per
    contract rule a row broke), the same for every feed: one model per feed
    (models/staging/landing/stg_landing__quarantine_<feed>.sql) so each source table has its one
    staging model, with the feed named in a column and the county it belongs to when it can be told. -#}
{% macro stg_quarantine(feed) -%}
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
{%- endmacro %}
