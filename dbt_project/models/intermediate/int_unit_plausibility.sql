{{ config(pre_hook="{{ delete_selected_years() }}") }}
-- Outliers before planning (摸清底数, roadmap.md §1): the school units whose value on an indicator is
-- beyond var('outlier_median_multiple') × the median of its county level's unit values AND beyond
-- var('outlier_standard_multiple') × the indicator's standard [I: 3 and 3]. Only the high side: a
-- unit far below is what the plan builds for, a unit far above makes the coefficient (and the plan)
-- large — checking its data may be cheaper than building. A rule set without a standard
-- (basic_2012) is judged on the median alone, and the reason says so.
-- One row per flagged unit × indicator, carrying what the roadmap needs to tell whether the flagged
-- units drive the plan: the coefficient of the county level's indicator with every flagged unit left
-- out (cv_without_flagged), computed as equity/coefficients.py computes the published one
-- (student-weighted, population form; units without pupils dropped; NULL when a unit with pupils
-- has no value, when the mean is 0, or when no unit is left).

with indicators as (
    select year, ruleset, county_code, school_id, level, indicator_code, students, value, threshold
    from {{ ref('int_school_unit_indicators') }}
    where {{ year_filter('year') }}
),

units_of_measure as (
    select ruleset, level, indicator_code, unit from {{ ref('standards') }}
),

-- the median of the units' values (a unit without pupils or without a value has none); DuckDB's
-- median of an even count is the mean of the middle two
medians as (
    select year, ruleset, county_code, level, indicator_code, median(value) as county_median
    from indicators
    group by year, ruleset, county_code, level, indicator_code
),

marked as (
    select
        i.*,
        m.county_median,
        coalesce(
            i.value > {{ var('outlier_median_multiple') }} * m.county_median + {{ var('comparison_tolerance') }}
            and (i.threshold is null
                or i.value > {{ var('outlier_standard_multiple') }} * i.threshold + {{ var('comparison_tolerance') }}),
            false
        ) as is_flagged
    from indicators as i
    inner join medians as m
        on
            i.year = m.year and i.ruleset = m.ruleset and i.county_code = m.county_code
            and i.level = m.level and i.indicator_code = m.indicator_code
),

flagged_groups as (
    select distinct year, ruleset, county_code, level, indicator_code
    from marked
    where is_flagged
),

-- the units left in a county level that has flagged units (as equity.coefficients.grouped_cv: a unit
-- with no pupils is dropped, an unknown enrolment or value makes the coefficient unknown)
kept as (
    select k.*
    from marked as k
    inner join flagged_groups as g
        on
            k.year = g.year and k.ruleset = g.ruleset and k.county_code = g.county_code
            and k.level = g.level and k.indicator_code = g.indicator_code
    where not k.is_flagged and (k.students > 0 or k.students is null)
),

kept_means as (
    select
        year, ruleset, county_code, level, indicator_code,
        count(*) filter (where value is null or students is null) as n_missing,
        sum(students) as students,
        {{ safe_divide('sum(students * value)', 'sum(students)') }} as weighted_mean
    from kept
    group by year, ruleset, county_code, level, indicator_code
),

kept_cv as (
    select
        m.year, m.ruleset, m.county_code, m.level, m.indicator_code,
        case
            when m.n_missing = 0 and m.weighted_mean <> 0
                then sqrt(sum(k.students * pow(k.value - m.weighted_mean, 2)) / m.students) / m.weighted_mean
        end as cv_without_flagged
    from kept_means as m
    inner join kept as k
        on
            m.year = k.year and m.ruleset = k.ruleset and m.county_code = k.county_code
            and m.level = k.level and m.indicator_code = k.indicator_code
    group by m.year, m.ruleset, m.county_code, m.level, m.indicator_code, m.n_missing, m.weighted_mean, m.students
)

select
    f.year,
    f.ruleset,
    f.county_code,
    f.school_id,
    f.level,
    f.indicator_code,
    f.students,
    f.value,
    f.county_median,
    f.threshold as standard,
    u.unit,
    printf('%.2f', f.value) || ' ' || coalesce(u.unit, '')
    || ' > ' || printf('%g', cast({{ var('outlier_median_multiple') }} as double)) || ' × the county median ' || printf('%.2f', f.county_median)
    || ' (' || printf('%.2f', {{ var('outlier_median_multiple') }} * f.county_median) || ')'
    || case
        when f.threshold is null then ', the rule set sets no standard'
        else ' and > ' || printf('%g', cast({{ var('outlier_standard_multiple') }} as double)) || ' × the standard ' || printf('%.2f', f.threshold)
            || ' (' || printf('%.2f', {{ var('outlier_standard_multiple') }} * f.threshold) || ')'
    end
    || ': check the data before planning' as reason,
    c.cv_without_flagged
from marked as f
left join units_of_measure as u
    on f.ruleset = u.ruleset and f.level = u.level and f.indicator_code = u.indicator_code
left join kept_cv as c
    on
        f.year = c.year and f.ruleset = c.ruleset and f.county_code = c.county_code
        and f.level = c.level and f.indicator_code = c.indicator_code
where f.is_flagged
