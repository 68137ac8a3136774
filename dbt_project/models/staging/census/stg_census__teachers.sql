-- Full-time teachers per school and stage (专任教师); stage becomes `level`.
select
    year,
    school_id,
    stage as level,
    full_time_teachers,
    qual_postgraduate,
    qual_bachelor,
    qual_associate,
    qual_below_associate,
    title_intermediate_plus,
    pe_teachers,
    music_teachers,
    art_teachers,
    backbone_teachers,
    certified_teachers,
    training_360h_completed
from {{ source('census', 'raw_teachers') }}
where not _quarantined
