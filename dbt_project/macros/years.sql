{#- A year list passed in the environment (Dagster sets JUNHENG_DBT_YEARS / JUNHENG_DBT_TIMELINE_YEARS
    for its dbt child: a JSON list or 'all'), else the dbt var of that name. Read only at execution
    (`execute`), so dbt's partial parsing is kept from one run to the next: a changed --vars or a
    parse-time env var would make every invocation re-parse the whole project (≈ 4 s each). -#}
{% macro years_setting(env_name, var_name) -%}
    {%- set raw = env_var(env_name, '') if execute else '' -%}
    {%- if raw | trim == '' -%}
        {{ return(var(var_name)) }}
    {%- elif raw | trim == 'all' -%}
        {{ return('all') }}
    {%- else -%}
        {{ return(fromjson(raw)) }}
    {%- endif -%}
{%- endmacro %}

{#- The years this invocation rebuilds: a list from Dagster, or 'all'. -#}
{% macro selected_years() -%}
    {%- set years = years_setting('JUNHENG_DBT_YEARS', 'years') -%}
    {%- if years is string and years == 'all' -%}
        {{ return(none) }}
    {%- elif years is string or years is number -%}
        {{ return([years | int]) }}
    {%- else -%}
        {{ return(years | map('int') | list) }}
    {%- endif -%}
{%- endmacro %}

{% macro year_filter(column='year') -%}
    {%- set years = selected_years() -%}
    {%- if years is none or (flags is defined and flags.FULL_REFRESH) -%}
        1 = 1
    {%- else -%}
        {{ column }} in ({{ years | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of every year-partitioned model: remove exactly the years being rebuilt, so a year
    re-run replaces its rows (even when it now yields none) and other years stay untouched. -#}
{% macro delete_selected_years() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ year_filter('year') }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The years the timeline reads (tag timeline: models/marts/timeline/ and its steps in
    models/intermediate/timeline/): a list from Dagster (the years published plus the run's own), or
    'all' — every year the warehouse holds. -#}
{% macro timeline_filter(column='year') -%}
    {%- set years = years_setting('JUNHENG_DBT_TIMELINE_YEARS', 'timeline_years') -%}
    {%- if years is string and years == 'all' -%}
        1 = 1
    {%- else -%}
        {%- set years = [years] if (years is string or years is number) else years -%}
        {%- if years | length == 0 -%}
            1 = 0
        {%- else -%}
            {{ column }} in ({{ years | map('int') | join(', ') }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
