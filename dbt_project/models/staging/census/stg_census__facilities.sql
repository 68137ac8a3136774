-- Whole-school facilities (办学条件); equipment converted from 万元 to yuan.
select
    year,
    school_id,
    teaching_aux_area_m2,
    indoor_sports_area_m2,
    sports_ground_area_m2,
    equipment_value_10k_yuan * 10000 as equipment_value_yuan,
    multimedia_classrooms,
    computers,
    books,
    music_rooms,
    music_room_min_area_m2,
    art_rooms,
    art_room_min_area_m2
from {{ source('census', 'raw_facilities') }}
where not _quarantined
