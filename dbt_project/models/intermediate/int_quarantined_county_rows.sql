{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Quarantined rows of the county-level feeds (a row per county): county finance and the county's
-- self-evaluation submission.
{% set feeds = ['county_finance', 'county_submission'] %}
{% for feed in feeds %}
    select * from {{ ref('stg_landing__quarantine_' ~ feed) }}
    where {{ year_filter('year') }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
