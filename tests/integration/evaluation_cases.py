"""Synthetic counties built to exercise every item of the evaluation, one county per case.

A base county passes everything: a primary school, a junior school, a small teaching point and a
special-education school, with a complete submission. Each case copies it and changes exactly what
makes one item fail (or leaves its data out, or puts it at its boundary). All cases run through the
pipeline together, so one run shows the pass, fail and unknown of every item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

YEAR = 2024

PASSING_SUBMISSION = {
    "G1": "是", "G2": "是", "G9": "100", "G10": "是", "G11a": "12.0", "G11b": "25.0", "G13p": "100", "G13j": "97",
    "G14": "55", "G15a": "90", "G15b": "是", "Q2": "97", "Q3": "是", "Q5": "是", "Q6": "是", "Q7": "是",
    "Q8": "是", "Q9": "是", "SR": "90", "VETO_EXAM_ADMISSION": "否", "VETO_SCHOOL_CHOICE": "否",
    "VETO_KEY_SCHOOLS": "否", "VETO_KEY_CLASSES": "否", "VETO_VACANT_POSTS": "否", "VETO_SAFETY": "否",
    "VETO_FRAUD": "否", "BASIC_BALANCED_YEAR": str(YEAR - 5),
}


def base_county(code: str, idx: int) -> dict[str, pd.DataFrame]:
    """One county that passes every item. School ids: category + 4-digit county index + serial."""
    sid = {k: f"{cat}{idx:04d}{n:04d}" for k, cat, n in
           (("P", "21", 1), ("J", "31", 2), ("T", "09", 3), ("S", "05", 4))}
    name = f"测试县{idx:04d}"
    schools = pd.DataFrame([
        {"school_id": sid["P"], "school_type": "小学", "parent_school_id": "", "urban_rural": "111"},
        {"school_id": sid["J"], "school_type": "初级中学", "parent_school_id": "", "urban_rural": "111"},
        {"school_id": sid["T"], "school_type": "小学教学点", "parent_school_id": sid["P"], "urban_rural": "210"},
        {"school_id": sid["S"], "school_type": "特殊教育学校", "parent_school_id": "", "urban_rural": "111"},
    ]).assign(school_name=lambda d: "学校" + d["school_id"], county_code=code, county_name=name,
              is_private=0, is_boarding=0)
    enrollment = pd.DataFrame([
        # school, stage, students, classes, >45, >50, entrants, final grade
        (sid["P"], "小学", 400, 10, 0, 0, 70, 65),
        (sid["J"], "初中", 300, 8, 0, 0, 100, 100),
        (sid["T"], "小学", 30, 2, 0, 0, 5, 5),
        (sid["S"], "小学", 40, 4, 0, 0, 7, 6),
        (sid["S"], "初中", 20, 2, 0, 0, 7, 6),
    ], columns=["school_id", "stage", "students", "classes", "classes_over_45", "classes_over_50", "entrants",
                "final_grade_students"]).assign(migrant_students=0)
    teachers = pd.DataFrame([
        # school, stage, full-time, pg, bachelor, associate, below, title, pe, music, art, backbone
        (sid["P"], "小学", 30, 0, 20, 8, 2, 15, 2, 1, 1, 6),
        (sid["J"], "初中", 30, 2, 22, 6, 0, 15, 2, 1, 1, 5),
        (sid["T"], "小学", 3, 0, 1, 2, 0, 1, 0, 0, 0, 0),
        (sid["S"], "小学", 8, 0, 6, 2, 0, 4, 1, 0, 0, 1),
        (sid["S"], "初中", 4, 0, 4, 0, 0, 2, 0, 0, 0, 0),
    ], columns=["school_id", "stage", "full_time_teachers", "qual_postgraduate", "qual_bachelor", "qual_associate",
                "qual_below_associate", "title_intermediate_plus", "pe_teachers", "music_teachers", "art_teachers",
                "backbone_teachers"])
    teachers["certified_teachers"] = teachers["full_time_teachers"]
    teachers["training_360h_completed"] = teachers["full_time_teachers"]
    facilities = pd.DataFrame([
        # school, aux, indoor, ground, equipment 万元, multimedia, computers, books, music, m², art, m²
        (sid["P"], 2400.0, 200.0, 3400.0, 100.0, 12, 50, 12000, 1, 100.0, 1, 95.0),
        (sid["J"], 2400.0, 200.0, 3300.0, 90.0, 9, 60, 15000, 1, 100.0, 1, 95.0),
        (sid["T"], 200.0, 0.0, 300.0, 5.0, 1, 3, 600, 0, 0.0, 0, 0.0),
        (sid["S"], 900.0, 100.0, 800.0, 40.0, 4, 10, 3000, 1, 96.0, 1, 90.0),
    ], columns=["school_id", "teaching_aux_area_m2", "indoor_sports_area_m2", "sports_ground_area_m2",
                "equipment_value_10k_yuan", "multimedia_classrooms", "computers", "books", "music_rooms",
                "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2"])
    finance = pd.DataFrame([
        (sid["P"], 400000.0, 380000.0, 400, 24000.0),
        (sid["J"], 360000.0, 350000.0, 300, 21600.0),
        (sid["T"], 30000.0, 30000.0, 100, 1500.0),
        (sid["S"], 400000.0, 400000.0, 60, 24000.0),
    ], columns=["school_id", "public_funds_budget_yuan", "public_funds_yuan", "funded_students",
                "teacher_training_funds_yuan"])
    county_finance = pd.DataFrame([{"county_code": code, "teacher_avg_salary_yuan": 100000.0,
                                    "civil_servant_avg_salary_yuan": 95000.0}])
    submission = pd.DataFrame([{"county_code": code, "item_code": k, "value": v, "evidence": "测试"}
                               for k, v in PASSING_SUBMISSION.items()])
    return {"schools": schools, "enrollment": enrollment, "teachers": teachers, "facilities": facilities,
            "finance": finance, "county_finance": county_finance, "county_submission": submission}


Frames = dict[str, pd.DataFrame]


def _set(feed: str, stage: str | None, school: str, column: str, value) -> Callable[[Frames], None]:
    """Change one cell of the given school (P, J, T, S) — school ids are recovered by category."""
    category = {"P": "21", "J": "31", "T": "09", "S": "05"}[school]

    def change(f: Frames) -> None:
        df = f[feed]
        mask = df["school_id"].str.startswith(category)
        if stage is not None:
            mask &= df["stage"] == stage
        df[column] = df[column].astype(object)
        df.loc[mask, column] = value
    return change


def _drop_rows(feed: str, school: str, stage: str | None = None) -> Callable[[Frames], None]:
    category = {"P": "21", "J": "31", "T": "09", "S": "05"}[school]

    def change(f: Frames) -> None:
        df = f[feed]
        mask = df["school_id"].str.startswith(category)
        if stage is not None:
            mask &= df["stage"] == stage
        f[feed] = df[~mask]
    return change


def _submit(item: str, value: str | None) -> Callable[[Frames], None]:
    def change(f: Frames) -> None:
        s = f["county_submission"]
        if value is None:
            f["county_submission"] = s[s["item_code"] != item]
        else:
            s.loc[s["item_code"] == item, "value"] = value
    return change


def _county(column: str, value) -> Callable[[Frames], None]:
    def change(f: Frames) -> None:
        if value is None:
            f["county_finance"] = f["county_finance"].iloc[0:0]
        else:
            f["county_finance"][column] = value
    return change


def _many(*changes: Callable[[Frames], None]) -> Callable[[Frames], None]:
    def change(f: Frames) -> None:
        for c in changes:
            c(f)
    return change


@dataclass
class Case:
    name: str
    item: str
    expected: str  # pass | fail | unknown
    change: Callable[[Frames], None] | None = None
    two_years_back: bool = True  # also deliver year Y − 2 (Q1 needs its entrants)
    ruleset: str = "moe_2017"


CASES: list[Case] = [
    Case("base", "ALL", "pass"),
    # Resource R1–R7: the primary school falls below 85 % on one indicator → fails the school rule.
    Case("r1_fail", "R1", "fail", _many(_set("teachers", "小学", "P", "qual_bachelor", 10),
                                         _set("teachers", "小学", "P", "qual_associate", 0),
                                         _set("teachers", "小学", "P", "qual_below_associate", 20))),  # 10/400
    Case("r1_unknown", "R1", "unknown", _drop_rows("teachers", "P")),
    Case("r2_fail", "R2", "fail", _set("teachers", "小学", "P", "backbone_teachers", 0)),
    Case("r2_unknown", "R2", "unknown", _set("teachers", "小学", "P", "backbone_teachers", "")),
    Case("r3_fail", "R3", "fail", _many(_set("teachers", "小学", "P", "pe_teachers", 1),
                                         _set("teachers", "小学", "P", "music_teachers", 0),
                                         _set("teachers", "小学", "P", "art_teachers", 0))),
    Case("r3_unknown", "R3", "unknown", _set("teachers", "小学", "P", "pe_teachers", "")),
    Case("r4_fail", "R4", "fail", _set("facilities", None, "P", "teaching_aux_area_m2", 1000.0)),
    Case("r4_unknown", "R4", "unknown", _set("facilities", None, "P", "teaching_aux_area_m2", "")),
    Case("r5_fail", "R5", "fail", _set("facilities", None, "P", "sports_ground_area_m2", 1500.0)),
    Case("r5_unknown", "R5", "unknown", _set("facilities", None, "P", "sports_ground_area_m2", "")),
    Case("r6_fail", "R6", "fail", _set("facilities", None, "P", "equipment_value_10k_yuan", 40.0)),
    Case("r6_unknown", "R6", "unknown", _set("facilities", None, "P", "equipment_value_10k_yuan", "")),
    Case("r7_fail", "R7", "fail", _set("facilities", None, "P", "multimedia_classrooms", 4)),
    Case("r7_unknown", "R7", "unknown", _set("facilities", None, "P", "multimedia_classrooms", "")),
    # One indicator just below its threshold but above 85 %: the school rule still passes.
    Case("r7_within_85", "R7", "pass", _set("facilities", None, "P", "multimedia_classrooms", 9)),  # 2.25 ≥ 85 %
    # Balance: a second, very rich primary school makes R6's coefficient exceed 0.50 (moe_2017).
    Case("balance_fail", "BALANCE", "fail", None),
    Case("balance_unknown", "BALANCE", "unknown", _set("facilities", None, "P", "books", ""),  # B5 undefined
         ruleset="basic_2012"),
    # Guarantee items computed from the feeds, with boundaries (equal passes, just below fails).
    Case("g3_fail", "G3", "fail", _set("facilities", None, "J", "art_rooms", 0)),
    Case("g3_boundary_pass", "G3", "pass", _set("facilities", None, "P", "music_room_min_area_m2", 96.0)),
    Case("g3_boundary_fail", "G3", "fail", _set("facilities", None, "P", "music_room_min_area_m2", 95.9)),
    Case("g3_unknown", "G3", "unknown", _set("facilities", None, "J", "art_rooms", "")),
    Case("g4_boundary_pass", "G4", "pass", _set("enrollment", "小学", "P", "students", 2000)),
    Case("g4_boundary_fail", "G4", "fail", _set("enrollment", "小学", "P", "students", 2001)),
    Case("g4_unknown", "G4", "unknown", _drop_rows("enrollment", "J")),
    Case("g5_fail", "G5", "fail", _set("enrollment", "小学", "P", "classes_over_45", 1)),
    Case("g5_unknown", "G5", "unknown", _set("enrollment", "小学", "P", "classes_over_45", "")),
    Case("g6_boundary_fail", "G6", "fail", _set("finance", None, "T", "funded_students", 99)),
    Case("g6_unknown", "G6", "unknown", _set("finance", None, "T", "funded_students", "")),
    Case("g7_boundary_pass", "G7", "pass", _set("finance", None, "S", "public_funds_yuan", 360000.0)),  # 6000 × 60
    Case("g7_boundary_fail", "G7", "fail", _set("finance", None, "S", "public_funds_yuan", 359999.0)),
    Case("g7_unknown", "G7", "unknown", _set("finance", None, "S", "public_funds_yuan", "")),
    Case("g8_boundary_pass", "G8", "pass", _county("civil_servant_avg_salary_yuan", 100000.0)),
    Case("g8_fail", "G8", "fail", _county("civil_servant_avg_salary_yuan", 100001.0)),
    Case("g8_unknown", "G8", "unknown", _county("civil_servant_avg_salary_yuan", None)),
    Case("g9_fail", "G9", "fail", _set("teachers", "初中", "J", "training_360h_completed", 29)),
    Case("g9_unknown", "G9", "unknown", _set("teachers", "初中", "J", "training_360h_completed", "")),
    Case("g12_fail", "G12", "fail", _set("teachers", "初中", "J", "certified_teachers", 29)),
    Case("g12_unknown", "G12", "unknown", _set("teachers", "初中", "J", "certified_teachers", "")),
    Case("q1_boundary_pass", "Q1", "pass", _set("enrollment", "初中", "J", "final_grade_students", 95)),
    Case("q1_boundary_fail", "Q1", "fail", _set("enrollment", "初中", "J", "final_grade_students", 94)),
    Case("q1_unknown", "Q1", "unknown", None, two_years_back=False),
    Case("q4_boundary_pass", "Q4", "pass", _set("finance", None, "P", "teacher_training_funds_yuan", 20000.0)),
    Case("q4_boundary_fail", "Q4", "fail", _set("finance", None, "P", "teacher_training_funds_yuan", 19999.0)),
    Case("q4_unknown", "Q4", "unknown", _set("finance", None, "P", "public_funds_budget_yuan", "")),
    # A computed item the county submitted differently: kept beside, flagged.
    Case("g9_disagreement", "G9", "fail", _set("teachers", "初中", "J", "training_360h_completed", 27)),
]

# Submitted items: fail and unknown (item left out of the submission) for each.
SUBMITTED_FAIL = {
    "G1": ("G1", "否"), "G2": ("G2", "否"), "G10": ("G10", "否"), "G11": ("G11a", "8.0"), "G13": ("G13j", "94.9"),
    "G14": ("G14", "49.9"), "G15": ("G15b", "否"), "Q2": ("Q2", "94"), "Q3": ("Q3", "否"), "Q5": ("Q5", "否"),
    "Q6": ("Q6", "否"), "Q7": ("Q7", "否"), "Q8": ("Q8", "否"), "Q9": ("Q9", "否"), "SR": ("SR", "84.9"),
    "PREREQ": ("BASIC_BALANCED_YEAR", str(YEAR - 2)),
    **{v: (v, "是") for v in ("VETO_EXAM_ADMISSION", "VETO_SCHOOL_CHOICE", "VETO_KEY_SCHOOLS", "VETO_KEY_CLASSES",
                             "VETO_VACANT_POSTS", "VETO_SAFETY", "VETO_FRAUD")},
}
SUBMITTED_UNKNOWN = {**{k: v[0] for k, v in SUBMITTED_FAIL.items()}, "G11": "G11b", "G13": "G13p", "G15": "G15a"}
for _item, (_part, _value) in SUBMITTED_FAIL.items():
    CASES.append(Case(f"{_item.lower()}_fail", _item, "fail", _submit(_part, _value)))
    CASES.append(Case(f"{_item.lower()}_unknown", _item, "unknown", _submit(SUBMITTED_UNKNOWN[_item], None)))
CASES += [
    Case("sr_boundary_pass", "SR", "pass", _submit("SR", "85")),
    Case("prereq_boundary_pass", "PREREQ", "pass", _submit("BASIC_BALANCED_YEAR", str(YEAR - 3))),
    Case("veto_low_recognition", "VETO_LOW_RECOGNITION", "fail", _submit("SR", "80")),
    # The roadmap's gaps (issue 26): the junior school's 1,767 pupils sit in 33 classes, all over 50, and
    # need 3 more; the primary school's oversize class fits in its 10 classes (rebalance, add none).
    Case("g5_classes_to_add", "G5", "fail", _many(_set("enrollment", "初中", "J", "students", 1767),
                                                  _set("enrollment", "初中", "J", "classes", 33),
                                                  _set("enrollment", "初中", "J", "classes_over_45", 33),
                                                  _set("enrollment", "初中", "J", "classes_over_50", 33),
                                                  _set("enrollment", "小学", "P", "classes_over_45", 1))),
    # Nobody rotated; the special-education school is private, so 63 of the 75 teachers are public.
    Case("g11_rotation_gap", "G11", "fail", _many(_submit("G11a", "0"), _submit("G11b", "0"),
                                                  _set("schools", None, "S", "is_private", 1))),
    # Enough teachers rotated (12 %) but too few key teachers among them (15 %).
    Case("g11_key_teachers", "G11", "fail", _submit("G11b", "15.0")),
]


def county_code(idx: int) -> str:
    return f"99{idx:04d}"


def build(year: int = YEAR) -> tuple[dict[str, pd.DataFrame], dict[str, Case]]:
    """Frames for `year` with one county per case, and county_code → case."""
    parts: dict[str, list[pd.DataFrame]] = {}
    by_code: dict[str, Case] = {}
    for idx, case in enumerate(CASES, start=1):
        code = county_code(idx)
        by_code[code] = case
        if year != YEAR and not case.two_years_back:
            continue
        frames = base_county(code, idx)
        if year == YEAR and case.change is not None:
            case.change(frames)
        if year == YEAR and case.name == "balance_fail":
            rich = frames["schools"].iloc[[0]].assign(school_id=f"22{idx:04d}0009", school_name="富裕小学")
            frames["schools"] = pd.concat([frames["schools"], rich], ignore_index=True)
            for feed in ("enrollment", "teachers", "facilities", "finance"):
                row = frames[feed][frames[feed]["school_id"] == f"21{idx:04d}0001"].assign(school_id=f"22{idx:04d}0009")
                if feed == "facilities":
                    row = row.assign(equipment_value_10k_yuan=1000.0)  # 25 000 yuan per pupil vs 2 500
                frames[feed] = pd.concat([frames[feed], row], ignore_index=True)
        for feed, df in frames.items():
            parts.setdefault(feed, []).append(df)
    return {feed: pd.concat(dfs, ignore_index=True) for feed, dfs in parts.items()}, by_code
