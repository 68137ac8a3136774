{#- Every listed column is non-NULL (the parts of a compound key). -#}
{% test not_null_columns(model, columns) %}
select *
from {{ model }}
where {% for c in columns %}{{ c }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
