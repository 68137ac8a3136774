{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: every item of the evaluation per year × county × rule set — R1–R7 and the balance rule
-- (resource), G1–G15 (guarantee), Q1–Q9 (quality), SR (recognition), the vetoes and the
-- prerequisite — each pass / fail / unknown, computed from the feeds or taken from the county's
-- submission. A submitted value for a computed item is kept beside it; a disagreement is flagged.
-- A county with quarantined rows gets `unknown` for everything computed from the feeds.

with items as (
    select * from {{ ref('evaluation_items') }}
),

rulesets as (
    select ruleset from {{ ref('rulesets') }}
),

status as (
    select * from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

county_rulesets as (
    select s.year, s.county_code, r.ruleset, i.*
    from status as s
    cross join rulesets as r
    inner join items as i on position(r.ruleset in i.rulesets) > 0
),

-- Resource items R1–R7: the school-rule view of one indicator (units below the threshold, below
-- 85 %, and whether a unit fails the school rule because of it).
unit_indicators as (
    select
        year,
        ruleset,
        county_code,
        level,
        indicator_code,
        school_id,
        value,
        threshold,
        passes,
        unit_passes_school_rule as passes_school_rule
    from {{ ref('fct_school_unit_indicators') }}
    where threshold is not null and {{ year_filter('year') }}
),

per_level as (
    select
        year,
        ruleset,
        county_code,
        indicator_code,
        level,
        count(*) as n_units,
        sum(case when passes = false then 1 else 0 end) as n_below,
        sum(case when value is not null and not {{ at_least('value', 'threshold * ' ~ var('school_rule_floor_ratio')) }}
            then 1 else 0 end) as n_below_floor,
        sum(case when passes = false and passes_school_rule = false then 1 else 0 end) as n_blocking,
        sum(case when value is null then 1 else 0 end) as n_unknown,
        max(threshold) as threshold,
        string_agg(case when passes = false and passes_school_rule = false then school_id end, ', '
            order by school_id) as blocking_units
    from unit_indicators
    group by year, ruleset, county_code, indicator_code, level
),

resource_items as (
    select
        year,
        ruleset,
        county_code,
        indicator_code as item_code,
        cast(sum(n_blocking) as double) as value,
        case when sum(n_blocking) > 0 then 'fail' when sum(n_unknown) > 0 then 'unknown' else 'pass' end as status,
        string_agg(
            level || ': ' || case
                when n_blocking > 0 then cast(n_blocking as varchar) || ' school unit(s) fail the school rule on '
                    || indicator_code || ' (below ' || cast(threshold as varchar) || '; '
                    || cast(n_below_floor as varchar) || ' below 85 %): ' || blocking_units
                when n_unknown > 0 then cast(n_unknown as varchar) || ' unit(s) without a value'
                when n_below > 0 then cast(n_below as varchar) || ' of ' || cast(n_units as varchar)
                    || ' unit(s) below ' || cast(threshold as varchar) || ' but within the school rule'
                else 'all ' || cast(n_units as varchar) || ' unit(s) reach ' || cast(threshold as varchar)
            end,
            '; ' order by n_blocking desc, level desc
        ) as detail
    from per_level
    group by year, ruleset, county_code, indicator_code
),

balance as (
    select
        year,
        ruleset,
        county_code,
        'BALANCE' as item_code,
        max(case when balance_rule = 'per_indicator' then max_cv else comprehensive_cv end) as value,
        case
            when bool_or(passes_balance_rule = false) then 'fail'
            when bool_or(passes_balance_rule is null) then 'unknown'
            else 'pass'
        end as status,
        string_agg(
            level || ': ' || case
                when balance_rule = 'per_indicator' and passes_balance_rule = false
                    then over_cap_indicators || ' (comprehensive ' || printf('%.3f', comprehensive_cv) || ')'
                when balance_rule = 'per_indicator'
                    then 'every indicator CV ≤ ' || printf('%.2f', cv_max) || ' (largest '
                    || coalesce(printf('%.3f', max_cv), 'undefined') || ')'
                when passes_balance_rule = false
                    then 'comprehensive CV ' || printf('%.3f', comprehensive_cv) || ' > ' || printf('%.2f', cv_max)
                else 'comprehensive CV ' || coalesce(printf('%.3f', comprehensive_cv), 'undefined')
                    || ' (cap ' || printf('%.2f', cv_max) || ')'
            end,
            '; ' order by coalesce(passes_balance_rule, true), level desc
        ) as detail
    from {{ ref('mart_county_level_resources') }}
    where {{ year_filter('year') }}
    group by year, ruleset, county_code
),

computed as (
    select * from {{ ref('int_county_computed_items') }}
    where {{ year_filter('year') }}
),

-- The submission, part by part (G11 = G11a + G11b, …), judged against its rule. A percentage part
-- (submission_rules.scale = percent) reads 90, 90 % and 90％ alike; a value in (0, 1] with no % sign
-- and no stated scale is ambiguous (0.9: 90 % as a fraction, or 0.9 %?) and judged unknown, never a
-- failure or a veto; `scale = fraction` states that it is a fraction (0.9 → 90 %).
submission as (
    select * from {{ ref('stg_submission__items') }}
    where {{ year_filter('year') }}
),

read_parts as (
    select
        cr.year,
        cr.county_code,
        cr.ruleset,
        cr.item_code,
        r.part_code,
        r.comparator,
        r.threshold,
        s.value_text,
        s.value_bool,
        s.evidence,
        coalesce(r.scale = 'percent' and s.stated_scale is null and s.value_number > 0 and s.value_number <= 1, false)
            as ambiguous_scale,
        case
            when r.scale = 'percent' and s.stated_scale = 'fraction' then s.value_number * 100
            else s.value_number
        end as value_number
    from county_rulesets as cr
    inner join {{ ref('submission_rules') }} as r on cr.item_code = r.item_code
    left join submission as s
        on cr.year = s.year and cr.county_code = s.county_code and r.part_code = s.item_code
),

parts as (
    select
        year,
        county_code,
        ruleset,
        item_code,
        part_code,
        case
            when ambiguous_scale
                then value_text || ' (ambiguous: a fraction, i.e. ' || printf('%g', value_number * 100)
                || ' %, or ' || value_text || ' %? write the percentage, e.g. ' || printf('%g', value_number * 100)
                || ' or ' || printf('%g', value_number * 100) || '%, or state scale = fraction)'
            else value_text
        end as value_text,
        evidence,
        count(*) over (partition by year, county_code, ruleset, item_code) as n_parts,
        case
            when ambiguous_scale then null
            when comparator = 'ge' then {{ at_least('value_number', 'threshold') }}
            when comparator = 'yes' then value_bool
            when comparator = 'no' then not value_bool
            when comparator = 'years_before' then value_number <= year - threshold
        end as part_passes
    from read_parts
),

submitted as (
    select
        year,
        county_code,
        ruleset,
        item_code,
        case when bool_or(part_passes = false) then 'fail' when bool_or(part_passes is null) then 'unknown' else 'pass' end
            as status,
        string_agg(case when n_parts > 1 then part_code || ' = ' else '' end
            || coalesce(value_text, '(not submitted)'), '; ' order by part_code) as value_text,
        string_agg(evidence, '; ' order by part_code) as evidence
    from parts
    group by year, county_code, ruleset, item_code
),

judged as (
    select
        cr.year,
        cr.county_code,
        cr.ruleset,
        cr.dimension,
        cr.item_code,
        cr.name_zh,
        cr.name_en,
        cr.standard,
        cr.source,
        cr.sort_order,
        st.quarantined_rows,
        coalesce(ri.value, b.value, c.value) as computed_value,
        coalesce(ri.status, b.status, c.status) as computed_status,
        coalesce(ri.detail, b.detail, c.detail) as computed_detail,
        sb.status as submitted_status,
        sb.value_text as submitted_value,
        sb.evidence
    from county_rulesets as cr
    inner join status as st on cr.year = st.year and cr.county_code = st.county_code
    left join resource_items as ri
        on cr.year = ri.year and cr.ruleset = ri.ruleset and cr.county_code = ri.county_code and cr.item_code = ri.item_code
    left join balance as b
        on cr.year = b.year and cr.ruleset = b.ruleset and cr.county_code = b.county_code and cr.item_code = b.item_code
    left join computed as c
        on cr.year = c.year and cr.county_code = c.county_code and cr.item_code = c.item_code
    left join submitted as sb
        on cr.year = sb.year and cr.ruleset = sb.ruleset and cr.county_code = sb.county_code and cr.item_code = sb.item_code
)

select
    year,
    county_code,
    ruleset,
    dimension,
    item_code,
    name_zh,
    name_en,
    case
        when source = 'computed' then cast(round(computed_value, 4) as varchar)
        else submitted_value
    end as value,
    standard,
    case
        when source = 'computed' and quarantined_rows > 0 then 'unknown'
        when source = 'computed' then coalesce(computed_status, 'unknown')
        else coalesce(submitted_status, 'unknown')
    end as status,
    source,
    case
        when source = 'computed' and quarantined_rows > 0
            then 'data incomplete: ' || cast(quarantined_rows as varchar) || ' quarantined row(s)'
        when source = 'computed' then coalesce(computed_detail, 'no data')
        when submitted_value is null then 'not in the county submission'
        else 'submitted: ' || submitted_value
    end as detail,
    evidence,
    case when source = 'computed' then submitted_value end as submitted_value,
    coalesce(
        source = 'computed' and quarantined_rows = 0 and computed_status in ('pass', 'fail')
        and submitted_status in ('pass', 'fail') and computed_status <> submitted_status,
        false
    ) as disagreement,
    sort_order
from judged
