-- The difference coefficients (差异系数) as the Python step wrote them (`equity/`, Dagster asset
-- county_coefficients): one row per year × rule set × county × level × indicator, and COMPREHENSIVE.
-- It lives under marts/ because it is built in the dbt run after that step (the Dagster split selects
-- path:models/marts for that run, orchestration/assets/dbt.py).
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
