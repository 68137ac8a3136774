-- Students and classes per school and stage (学生与班级); stage becomes `level`.
select
    year,
    school_id,
    stage as level,
    students,
    classes,
    classes_over_45,
    classes_over_50,
    entrants,
    final_grade_students,
    migrant_students
from {{ source('census', 'raw_enrollment') }}
where not _quarantined
