-- County pay figures (县级经费): average compulsory-school teacher pay and local civil-servant pay.
select
    year,
    county_code,
    teacher_avg_salary_yuan,
    civil_servant_avg_salary_yuan
from {{ source('finance', 'raw_county_finance') }}
where not _quarantined
