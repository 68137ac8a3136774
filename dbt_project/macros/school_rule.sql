{#- The school rule (学校达标), in one place: the verdict model (int_school_unit_verdicts) and the
    roadmap's check of every plan (tests/generic/school_rule_holds_under_plan.sql) both use it.
    school_rule_counts: per unit, over rows of (value, threshold, passes): how many indicators, how many
    known, passing, and below the threshold but at var('school_rule_floor_ratio') of it.
    school_rule_verdict: at least var('school_rule_min_passing') pass and every other one reaches the
    floor. Three-valued: FALSE as soon as the known values fail it, TRUE only when every value is known
    and it holds, NULL (unknown) otherwise. -#}
{% macro school_rule_counts(value, threshold, passes) -%}
        count(*) as n_indicators,
        count({{ value }}) as n_known,
        sum(case when {{ passes }} then 1 else 0 end) as n_passing,
        sum(case when not {{ passes }} and {{ at_least(value, threshold ~ ' * ' ~ var('school_rule_floor_ratio')) }}
            then 1 else 0 end) as n_near
{%- endmacro %}

{% macro school_rule_verdict() -%}
    case
        when n_known - n_passing - n_near > 0 then false
        when n_passing + (n_indicators - n_known) < {{ var('school_rule_min_passing') }} then false
        when n_known < n_indicators then null
        else n_passing >= {{ var('school_rule_min_passing') }} and n_passing + n_near = n_indicators
    end
{%- endmacro %}
