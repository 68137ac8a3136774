{#- max(x, 0) that keeps NULL: DuckDB's greatest() skips NULL arguments, so greatest(NULL, 0) is 0 and
    an unknown shortfall would read as none. -#}
{% macro positive_part(expr) -%}
    (case when ({{ expr }}) > 0 then ({{ expr }}) when ({{ expr }}) <= 0 then 0 end)
{%- endmacro %}
