{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the county verdict per year × county × rule set over every item of the evaluation
-- (fct_county_items): not_ready when any item fails (a veto overrides everything), else incomplete
-- when any item is unknown, else ready — with counts per dimension, the blocking items in words,
-- and the per-indicator and comprehensive balance verdicts side by side.

with items as (
    select * from {{ ref('fct_county_items') }}
    where {{ year_filter('year') }}
),

counties as (
    select * from {{ ref('int_county_data_status') }}
    where {{ year_filter('year') }}
),

rulesets as (
    select ruleset, evaluation from {{ ref('rulesets') }}
),

levels as (
    select * from {{ ref('mart_county_level_resources') }}
    where {{ year_filter('year') }}
),

-- Per-indicator (every CV ≤ cap) and comprehensive (mean CV ≤ cap) verdicts, whatever the rule set uses.
balance as (
    select
        c.year,
        c.county_code,
        c.ruleset,
        c.level,
        case
            when bool_or(c.indicator_code <> 'COMPREHENSIVE' and c.within_cap = false) then false
            when bool_or(c.indicator_code <> 'COMPREHENSIVE' and c.within_cap is null) then null
            else true
        end as per_indicator_ok,
        max(case when c.indicator_code = 'COMPREHENSIVE' then cast(c.within_cap as int) end) = 1 as comprehensive_ok
    from {{ ref('fct_county_coefficients') }} as c
    where {{ year_filter('c.year') }}
    group by c.year, c.county_code, c.ruleset, c.level
),

item_counts as (
    select
        year,
        county_code,
        ruleset,
        {% for d in ['resource', 'guarantee', 'quality', 'recognition', 'veto', 'prerequisite'] %}
        sum(case when dimension = '{{ d }}' and status = 'pass' then 1 else 0 end) as {{ d }}_pass,
        sum(case when dimension = '{{ d }}' and status = 'fail' then 1 else 0 end) as {{ d }}_fail,
        sum(case when dimension = '{{ d }}' and status = 'unknown' then 1 else 0 end) as {{ d }}_unknown,
        {% endfor %}
        sum(case when status = 'fail' then 1 else 0 end) as items_fail,
        sum(case when status = 'unknown' then 1 else 0 end) as items_unknown,
        count(*) as items_total,
        bool_or(dimension = 'veto' and status = 'fail') as veto_triggered,
        sum(case when disagreement then 1 else 0 end) as disagreements,
        string_agg(case when status = 'fail' then item_code end, ', ' order by sort_order) as failing_items,
        string_agg(case when status = 'unknown' then item_code end, ', ' order by sort_order) as unknown_items,
        string_agg(case when status = 'fail' then item_code || ' ' || name_en || ': ' || detail end, ' | '
            order by case when dimension = 'veto' then 0 else 1 end, sort_order) as fail_text,
        string_agg(case when status = 'unknown' then item_code || ': ' || detail end, ' | ' order by sort_order)
            as unknown_text,
        string_agg(case when disagreement then item_code || ' computed ' || coalesce(value, '?') || ' vs submitted '
            || submitted_value end, ' | ' order by sort_order) as disagreement_text
    from items
    group by year, county_code, ruleset
),

per_county as (
    select
        c.year,
        c.county_code,
        c.county_name,
        r.ruleset,
        c.quarantined_rows,
        c.county_incomplete,
        c.incomplete_reason_with_rules,
        c.is_synthetic,
        max(case when l.level = 'primary' then l.status end) as primary_status,
        max(case when l.level = 'junior' then l.status end) as junior_status,
        max(case when l.level = 'primary' then l.max_cv end) as primary_max_cv,
        max(case when l.level = 'primary' then l.comprehensive_cv end) as primary_comprehensive_cv,
        max(case when l.level = 'junior' then l.max_cv end) as junior_max_cv,
        max(case when l.level = 'junior' then l.comprehensive_cv end) as junior_comprehensive_cv
    from counties as c
    cross join rulesets as r
    left join levels as l
        on c.year = l.year and c.county_code = l.county_code and r.ruleset = l.ruleset
    group by
        c.year, c.county_code, c.county_name, r.ruleset, c.quarantined_rows, c.county_incomplete,
        c.incomplete_reason_with_rules, c.is_synthetic
)

select
    p.year,
    p.county_code,
    p.county_name,
    p.ruleset,
    case
        when k.veto_triggered then 'not_ready'
        when k.items_fail > 0 then 'not_ready'
        when k.items_unknown > 0 or p.county_incomplete or k.items_total is null then 'incomplete'
        else 'ready'
    end as status,
    concat_ws(
        ' | ',
        case when k.veto_triggered then 'VETO (一票否决)' end,
        p.incomplete_reason_with_rules,
        k.fail_text,
        k.unknown_text,
        case when k.items_total is null then 'no school unit in scope' end
    ) as blocking_reasons,
    k.failing_items,
    k.unknown_items,
    coalesce(k.veto_triggered, false) as veto_triggered,
    k.items_total,
    k.items_fail,
    k.items_unknown,
    {% for d in ['resource', 'guarantee', 'quality', 'recognition', 'veto', 'prerequisite'] %}
    k.{{ d }}_pass,
    k.{{ d }}_fail,
    k.{{ d }}_unknown,
    {% endfor %}
    p.primary_status,
    p.junior_status,
    p.primary_max_cv,
    p.primary_comprehensive_cv,
    bp.per_indicator_ok as primary_per_indicator_balance,
    bp.comprehensive_ok as primary_comprehensive_balance,
    p.junior_max_cv,
    p.junior_comprehensive_cv,
    bj.per_indicator_ok as junior_per_indicator_balance,
    bj.comprehensive_ok as junior_comprehensive_balance,
    coalesce(k.disagreements, 0) as disagreements,
    k.disagreement_text,
    p.quarantined_rows,
    p.is_synthetic,
    r.evaluation
from per_county as p
left join rulesets as r on p.ruleset = r.ruleset
left join item_counts as k
    on p.year = k.year and p.county_code = k.county_code and p.ruleset = k.ruleset
left join balance as bp
    on p.year = bp.year and p.county_code = bp.county_code and p.ruleset = bp.ruleset and bp.level = 'primary'
left join balance as bj
    on p.year = bj.year and p.county_code = bj.county_code and p.ruleset = bj.ruleset and bj.level = 'junior'
