{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Quarantined rows of the school-level feeds (a row per school or school × stage): schools,
-- enrollment, teachers, facilities, school finance. Their county is the school's, when it can be told.
{% set feeds = ['schools', 'enrollment', 'teachers', 'facilities', 'finance'] %}
{% for feed in feeds %}
    select * from {{ ref('stg_landing__quarantine_' ~ feed) }}
    where {{ year_filter('year') }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
