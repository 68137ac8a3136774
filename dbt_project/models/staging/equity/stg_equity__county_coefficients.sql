-- The difference coefficients (差异系数) as the Python step wrote them (`equity/`, Dagster asset
-- county_coefficients): one row per year × rule set × county × level × indicator, and COMPREHENSIVE.
-- Built in the dbt run after that step, as everything downstream of source `equity`
-- (source:equity+ in orchestration/assets/dbt.py).
select
    year,
    ruleset,
    county_code,
    level,
    indicator_code,
    n_units,
    students,
    weighted_mean,
    std_dev,
    cv,
    cv_null_reason
from {{ source('equity', 'county_coefficients') }}
