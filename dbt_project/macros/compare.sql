{#- "达到…以上": a value equal to the threshold passes. Compared unrounded, with a tolerance that
    only absorbs binary floating-point noise (var comparison_tolerance). NULL stays NULL. -#}
{% macro at_least(value, threshold) -%}
    ({{ value }} + {{ var('comparison_tolerance') }} >= {{ threshold }})
{%- endmacro %}

{% macro at_most(value, cap) -%}
    ({{ value }} - {{ var('comparison_tolerance') }} <= {{ cap }})
{%- endmacro %}

{#- x / y, NULL when y is 0 (DuckDB would give inf, Spark NULL: be explicit). -#}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }}) / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- A sum that is NULL when any input is NULL: merging a unit with an unknown part must not look
    like merging a zero. -#}
{% macro strict_sum(expr) -%}
    (case when count({{ expr }}) = count(*) then sum({{ expr }}) end)
{%- endmacro %}
