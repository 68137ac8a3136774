{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: one row per county × level × rule set — the resource-allocation verdict.
--   school rule (rule sets that have one): every unit meets the 6-of-7 rule;
--   balance rule: every indicator's coefficient (per_indicator) or the comprehensive one within the cap.
-- status: incomplete when the county is (int_county_data_status) or a needed value is unknown;
--         not_ready when a rule fails; ready otherwise.

with units as (
    select year, ruleset, county_code, level, count(*) as units_total, sum(students) as students
    from {{ ref('int_school_units') }}
    where in_scope and {{ year_filter('year') }}
    group by year, ruleset, county_code, level
),

verdicts as (
    select
        year,
        ruleset,
        county_code,
        level,
        sum(case when passes_school_rule = false then 1 else 0 end) as units_failing,
        sum(case when passes_school_rule is null then 1 else 0 end) as units_unknown,
        string_agg(
            case when passes_school_rule = false then school_id || ' (' || failing_indicators || ')' end,
            '; ' order by school_id
        ) as failing_units
    from {{ ref('int_school_unit_verdicts') }}
    where {{ year_filter('year') }}
    group by year, ruleset, county_code, level
),

coefficients as (
    select
        year,
        ruleset,
        county_code,
        level,
        max(case when indicator_code <> 'COMPREHENSIVE' then cv end) as max_cv,
        max(case when indicator_code = 'COMPREHENSIVE' then cv end) as comprehensive_cv,
        max(cv_max) as cv_max,
        sum(case when indicator_code <> 'COMPREHENSIVE' and within_cap = false then 1 else 0 end)
            as indicators_over_cap,
        sum(case when indicator_code <> 'COMPREHENSIVE' and cv is null then 1 else 0 end)
            as indicators_undefined,
        max(case when indicator_code = 'COMPREHENSIVE' then cast(within_cap as int) end) as comprehensive_within_cap,
        string_agg(
            case when indicator_code <> 'COMPREHENSIVE' and within_cap = false
                then indicator_code || ' CV ' || printf('%.3f', cv) || ' > ' || printf('%.2f', cv_max) end,
            ', ' order by indicator_code
        ) as over_cap_text,
        string_agg(
            case when indicator_code <> 'COMPREHENSIVE' and cv is null
                then indicator_code || ' (' || cv_null_reason || ')' end,
            ', ' order by indicator_code
        ) as undefined_text
    from {{ ref('fct_county_coefficients') }}
    where {{ year_filter('year') }}
    group by year, ruleset, county_code, level
),

status as (
    select * from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

rulesets as (
    select ruleset, balance_rule, has_school_rule from {{ ref('rulesets') }}
),

rules as (
    select
        u.year,
        u.county_code,
        st.county_name,
        u.level,
        u.ruleset,
        r.balance_rule,
        u.units_total,
        u.students,
        coalesce(v.units_failing, 0) as units_failing,
        coalesce(v.units_unknown, 0) as units_unknown,
        v.failing_units,
        c.max_cv,
        c.comprehensive_cv,
        c.cv_max,
        c.over_cap_text,
        c.undefined_text,
        c.indicators_over_cap,
        c.indicators_undefined,
        st.quarantined_rows,
        st.county_incomplete,
        st.incomplete_reason_with_rules,
        st.is_synthetic,
        case
            when not r.has_school_rule then null
            when coalesce(v.units_failing, 0) > 0 then false
            when coalesce(v.units_unknown, 0) > 0 or st.county_incomplete then null
            else true
        end as passes_school_rule,
        case
            when st.county_incomplete then null
            when r.balance_rule = 'per_indicator' and c.indicators_over_cap > 0 then false
            when r.balance_rule = 'per_indicator' and c.indicators_undefined > 0 then null
            when r.balance_rule = 'per_indicator' then true
            when c.comprehensive_within_cap is null then null
            else c.comprehensive_within_cap = 1
        end as passes_balance_rule,
        r.has_school_rule
    from units as u
    inner join rulesets as r on u.ruleset = r.ruleset
    left join verdicts as v
        on u.year = v.year and u.ruleset = v.ruleset and u.county_code = v.county_code and u.level = v.level
    left join coefficients as c
        on u.year = c.year and u.ruleset = c.ruleset and u.county_code = c.county_code and u.level = c.level
    left join status as st
        on u.year = st.year and u.county_code = st.county_code
)

select
    year,
    county_code,
    county_name,
    level,
    ruleset,
    case
        when county_incomplete then 'incomplete'
        when passes_school_rule = false or passes_balance_rule = false then 'not_ready'
        when (has_school_rule and passes_school_rule is null) or passes_balance_rule is null then 'incomplete'
        else 'ready'
    end as status,
    units_total,
    units_failing,
    units_unknown,
    students,
    max_cv,
    comprehensive_cv,
    cv_max,
    passes_school_rule,
    passes_balance_rule,
    balance_rule,
    over_cap_text as over_cap_indicators,
    concat_ws(
        '; ',
        incomplete_reason_with_rules,
        case
            when units_failing > 0
                then cast(units_failing as varchar) || ' of ' || cast(units_total as varchar)
                || ' unit(s) fail the school rule: ' || failing_units
        end,
        case
            when has_school_rule and units_unknown > 0
                then cast(units_unknown as varchar) || ' unit(s) lack indicator values'
        end,
        case when balance_rule = 'per_indicator' and indicators_over_cap > 0 then over_cap_text end,
        case
            when balance_rule = 'comprehensive' and passes_balance_rule = false
                then 'comprehensive CV ' || printf('%.3f', comprehensive_cv) || ' > ' || printf('%.2f', cv_max)
        end,
        case
            when not county_incomplete and indicators_undefined > 0 then 'coefficient undefined: ' || undefined_text
        end
    ) as blocking_reasons,
    quarantined_rows,
    is_synthetic
from rules
