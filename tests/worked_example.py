"""The spec's five-school worked example (evaluation-method.md §4) as feed files.

Books per student over five primary schools of one county: weighted CV 0.5153 (0.489 unweighted).
Other columns hold plausible values so every feed passes the contract.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingestion.contract import FEED_SPECS

STUDENTS = [45, 37, 89, 76, 55]
BOOKS = [279, 137, 935, 160, 402]
COUNTY = "210302"
SCHOOL_IDS = [f"11210300{i}0" for i in range(1, 6)]


def frames() -> dict[str, pd.DataFrame]:
    schools = pd.DataFrame({
        "school_id": SCHOOL_IDS,
        "school_name": [f"示例第{i}小学" for i in range(1, 6)],
        "county_code": COUNTY,
        "county_name": "铁东区",
        "school_type": "小学",
        "parent_school_id": "",
        "urban_rural": "210",
        "is_private": "否",
        "is_boarding": "否",
    })
    enrollment = pd.DataFrame({
        "school_id": SCHOOL_IDS, "stage": "小学", "students": STUDENTS, "classes": [2, 2, 4, 3, 2],
        "classes_over_45": 0, "classes_over_50": 0, "entrants": [8, 6, 15, 12, 9],
        "final_grade_students": [7, 6, 14, 12, 9], "migrant_students": 0,
    })
    teachers = pd.DataFrame({
        "school_id": SCHOOL_IDS, "stage": "小学", "full_time_teachers": [5, 4, 9, 8, 6],
        "qual_postgraduate": 0, "qual_bachelor": [3, 2, 6, 5, 4], "qual_associate": [2, 2, 3, 3, 2],
        "qual_below_associate": 0, "title_intermediate_plus": [2, 2, 4, 3, 3], "pe_teachers": 1,
        "music_teachers": [0, 0, 1, 1, 0], "art_teachers": [0, 0, 1, 0, 1], "backbone_teachers": [1, 0, 1, 1, 1],
        "certified_teachers": [5, 4, 9, 8, 6], "training_360h_completed": [5, 4, 9, 8, 6],
    })
    facilities = pd.DataFrame({
        "school_id": SCHOOL_IDS, "teaching_aux_area_m2": [400, 330, 800, 690, 500],
        "indoor_sports_area_m2": [0, 0, 60, 0, 0], "sports_ground_area_m2": [600, 500, 900, 800, 700],
        "equipment_value_10k_yuan": [12.0, 9.5, 22.0, 18.0, 14.0], "multimedia_classrooms": [2, 2, 4, 3, 2],
        "computers": [10, 8, 20, 15, 12], "books": BOOKS, "music_rooms": 1, "music_room_min_area_m2": 96,
        "art_rooms": 1, "art_room_min_area_m2": 90,
    })
    return {"schools": schools, "enrollment": enrollment, "teachers": teachers, "facilities": facilities}


def write(landing: Path, year: int = 2024, fmt: str = "csv", encoding: str = "utf-8",
          headers: str = "canonical", feeds: tuple[str, ...] | None = None) -> Path:
    """Write the example's feeds to <landing>/<year>/ and return that folder."""
    out = Path(landing) / str(year)
    out.mkdir(parents=True, exist_ok=True)
    for feed, df in frames().items():
        if feeds is not None and feed not in feeds:
            continue
        if headers == "zh":
            df = df.rename(columns={c.name: c.zh for c in FEED_SPECS[feed].all_columns})
        path = out / f"{feed}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False, encoding=encoding)
        elif fmt == "xlsx":
            df.to_excel(path, index=False)
        else:
            df.astype(str).to_parquet(path, index=False)
    return out
