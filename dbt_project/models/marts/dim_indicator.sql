{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: the resource indicators (资源配置指标) each rule set evaluates, per year × rule set × level,
-- the dimension a BI tool joins fct_county_coefficients, fct_school_unit_indicators and the roadmap to:
-- names, unit, the per-school threshold, the natural unit the roadmap adds, and the level's cap on
-- the difference coefficient (seeds standards, balance_standards). The years are those the run
-- computed (the years dim_county holds), so a year's figures sit beside the standards they were
-- judged by.

with years as (
    select distinct year from {{ ref('dim_county') }}
    where {{ year_filter('year') }}
),

standards as (
    select ruleset, level, indicator_code, name_zh, name_en, unit, threshold, natural_unit
    from {{ ref('standards') }}
),

caps as (
    select ruleset, level, cv_max from {{ ref('balance_standards') }}
)

select
    y.year,
    s.ruleset,
    s.level,
    s.indicator_code,
    s.name_zh,
    s.name_en,
    s.unit,
    s.threshold,
    s.natural_unit,
    'resource' as dimension,
    c.cv_max
from years as y
cross join standards as s
left join caps as c on s.ruleset = c.ruleset and s.level = c.level
