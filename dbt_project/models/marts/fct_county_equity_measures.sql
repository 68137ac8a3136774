{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Published: equity measures beyond the difference coefficient, pupil-weighted over the same school
-- units, per county × level × rule set × indicator. An incomplete county (quarantined rows) gets NULL
-- measures exactly where its coefficients are withheld (fct_county_coefficients.county_incomplete,
-- with the same reason): they would describe a shortened school list. area_split names the split of the
-- between/within parts and the between share (the equity_area_split setting the run used).

with measures as (
    select * from {{ ref('stg_equity__county_equity_measures') }}
    where {{ year_filter('year') }}
),

coefficients as (
    select year, ruleset, county_code, level, indicator_code, county_incomplete, cv_null_reason
    from {{ ref('fct_county_coefficients') }}
    where {{ year_filter('year') }}
)

select
    m.year,
    m.ruleset,
    m.county_code,
    m.level,
    m.indicator_code,
    m.n_units,
    m.students,
    {% for c in ['gini', 'theil_t', 'theil_t_between', 'theil_t_within', 'theil_l', 'theil_l_between',
                 'theil_l_within', 'mcloone', 'verstegen', 'restricted_range', 'federal_range_ratio',
                 'atkinson_05', 'atkinson_1', 'atkinson_2', 'urban_rural_parity', 'theil_t_between_share',
                 'min_value', 'max_value'] %}
        case when not coalesce(s.county_incomplete, false) then m.{{ c }} end as {{ c }},
    {% endfor %}
    case when s.county_incomplete then s.cv_null_reason else m.null_reason end as null_reason,
    coalesce(s.county_incomplete, false) as county_incomplete,
    '{{ var("equity_area_split") }}' as area_split
from measures as m
left join coefficients as s
    on
        m.year = s.year and m.ruleset = s.ruleset and m.county_code = s.county_code
        and m.level = s.level and m.indicator_code = s.indicator_code
