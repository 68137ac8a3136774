{#- The years this invocation rebuilds: var('years') is a list from Dagster, or 'all'. -#}
{% macro selected_years() -%}
    {%- set years = var('years') -%}
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
