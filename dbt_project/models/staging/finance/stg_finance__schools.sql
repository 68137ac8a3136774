-- School finance for the calendar year joined to the census of the same year (学校经费).
select
    year,
    school_id,
    public_funds_budget_yuan,
    public_funds_yuan,
    funded_students,
    teacher_training_funds_yuan
from {{ source('finance', 'raw_finance') }}
where not _quarantined
