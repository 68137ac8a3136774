{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Every item of the evaluation per year × county × rule set (evaluation_items, the rule set's items),

-- with whether the county is incomplete (int_county_data_status) and what the county submitted for
-- it, judged against submission_rules: the frame fct_county_items fills with the computed items.

with items as (
    select * from {{ ref('evaluation_items') }}
),

rulesets as (
    select ruleset from {{ ref('rulesets') }}
),

status as (
    select year, county_code, county_name, county_incomplete, incomplete_reason from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

county_rulesets as (
    select s.year, s.county_code, s.county_name, s.county_incomplete, s.incomplete_reason, r.ruleset, i.*
    from status as s
    cross join rulesets as r
    inner join items as i on position(r.ruleset in i.rulesets) > 0
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
)

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
    cr.county_incomplete,
    cr.incomplete_reason,
    sb.status as submitted_status,
    sb.value_text as submitted_value,
    sb.evidence,
    cr.county_name
from county_rulesets as cr
left join submitted as sb
    on cr.year = sb.year and cr.ruleset = sb.ruleset and cr.county_code = sb.county_code and cr.item_code = sb.item_code
