{#- The county levels the roadmap planned for, in the run's years: those of mart_county_roadmap whose
    data is complete (status_now not 'incomplete'; an incomplete level gets no plan, since it would be
    made for a shortened school list). What the school roadmap and the cost curve keep of the planner's
    rows (stg_equity__plan_unit_additions, stg_equity__plan_cost_curve), joined on the level's key. -#}
{% macro roadmap_planned_levels() -%}
    select distinct year, ruleset, county_code, level from {{ ref('mart_county_roadmap') }}
    where {{ year_filter('year') }} and status_now <> 'incomplete'
{%- endmacro %}
