"""Synthetic feed generator: the seven feeds of the feed contract (feeds.md), for demos, tests and benchmarks.

EVERYTHING THIS MODULE WRITES IS SYNTHETIC. The county codes and names of the nine Anshan units are real
(the two development-zone codes are made up); every school, id, count, area, amount and survey value is
invented. Every frame carries ``synthetic = 1``, every school name contains "（合成）", and the landing
directory gets a ``SYNTHETIC.txt``.

Public API::

    build_feeds(counties=9, year=2024, seed=0) -> {feed: DataFrame}        # canonical headers, in memory
    generate_feeds(out_dir, counties=9, year=2024, seed=0, fmt="csv", encoding="utf-8",
                   headers="canonical") -> {feed: Path}                    # <out_dir>/<year>/<feed>.<ext>

xlsx is meant for small landings (openpyxl writes a few ten thousand cells per second); use csv or parquet at
scale. ``counties <= 9`` gives the first ``counties`` Anshan units; more gives those nine followed by synthetic units
"合成县0010", ... (other provinces' codes) whose numbers follow national averages (≈66 schools + 18 teaching
points per unit; ``counties=2850`` is national scale). The output is deterministic for (counties, year,
seed); the school roster does not depend on the year, so school ids are stable across years, and pupils
move through the grades from one year to the next (junior final_grade_students ≈ 0.97 × entrants two years
before), so a landing directory of several years is a consistent history. The nine Anshan units are
generated independently of ``counties``: they are the same schools at any scale.

Numbers are shaped by the resource floors of the evaluation (evaluation-method.md §2): most school units
sit at 1.1-2x each floor, with rural schools richer in area and teachers per pupil and urban schools richer
in equipment. Whole-school facilities are sized by weighted enrolment (primary 1, junior 1.1, senior 1.32;
完全中学 junior 1 : senior 1.2), as the pipeline apportions them.

Demo design -- the nine Anshan units, what each is meant to show. It holds for any seed and year (checked
for seeds 0-7, years 2019-2028); the figures are seed 0, year 2024. "Coefficient" = the student-weighted CV
of evaluation-method.md §4; MoE rule = every indicator's CV <= cap; Anshan rule = mean of the seven <= cap;
caps 0.50 primary / 0.45 junior.

  210302 铁东区            Urban core, no teaching points. Every unit clears every floor, coefficients
                           <= 0.18, every submitted item passes -> READY under both rule sets.
  210303 铁西区            Every school passes, but county-level backbone teachers (R2) sit in three big
                           urban primary schools; their number is calibrated each year so that the primary R2
                           coefficient is 0.51 (just above 0.50: fails the MoE per-indicator rule) while the
                           primary comprehensive coefficient is 0.20 (passes the Anshan rule) -> the verdict
                           depends on the rule set (cf. the real 2023 case 0.5018 / 0.3675).
  210304 立山区            Resources and balance pass; submitted teacher rotation G11a = 8.0 % (< 10 %)
                           -> NOT READY on one government-guarantee item only.
  210311 千山区            Suburban district with village schools and teaching points; resources pass;
                           social recognition SR = 83.0 % (< 85 %, also a veto) -> NOT READY on the survey.
  210321 台安县            Four under-equipped village primary schools (and their teaching points): sports
                           area R5 ≈ 0.6-0.7x and equipment R6 ≈ 0.45-0.6x the floor -> 2 misses, they fail
                           the school rule -> NOT READY (school rule); coefficients pass.
  210323 岫岩满族自治县      Very unequal junior schools: two county-town 初级中学 and the 完全中学 at ≈ 4x the
                           floors, every other junior unit at 1.06-1.2x -> junior R2 and R4-R7 coefficients
                           0.52-0.66, comprehensive 0.54 (> 0.45: balance fails under both rules) although
                           every school passes; primary is balanced -> NOT READY (junior balance).
  210381 海城市            One overcrowded town junior school (~1770 pupils in 33 classes of ~54, built for
                           ~1100): R1 qualified teachers (0.84x), R4 floor area (0.74x), R5 sports area (0.7x)
                           below the floors -> fails the school rule; its classes also fail G5 (none over 50)
                           -> NOT READY (school rule, G5).
  210391 鞍山高新技术产业开发区  Small zone (zone code synthetic), all pass -> READY.
  210392 鞍山经济开发区      Small zone with two teaching points (zone code synthetic), all pass -> READY.

The computed G items (G3-G8, G12, Q1, Q4) pass in every Anshan unit except 海城市's G5. Synthetic units beyond
the nine follow national averages with a realistic scatter of failures; about 15-20 % of them come out ready
(seed 0, 2024, 191 units: 27 % have a school failing the school rule, 19 % an indicator coefficient over the
cap and 4 % the comprehensive one, 60 % a computed G/Q item -- oversize classes or schools, music/art rooms,
training budgets, uncertified teachers, unfunded small village schools, salary gap, consolidation -- and 30 %
a submitted item, mostly G9 < 100 %). Exactly one veto item is answered 是, in one synthetic unit.

Codes used: school_id = 2-digit category (21 小学, 09 教学点, 31 初级中学, 32 九年一贯制, 33 职业初中, 34 完全中学,
35 十二年一贯制, 05 特殊教育; a synthetic scheme, leading zeros on purpose) + 2-digit province (21 for Anshan)
+ 6-digit serial.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REF_YEAR = 2024

FEEDS = ("schools", "enrollment", "teachers", "facilities", "finance", "county_finance", "county_submission")

# fmt: off
# canonical column -> Chinese label, exactly as feeds.md writes them; `synthetic` (optional column) has none.
COLUMNS: dict[str, dict[str, str]] = {
    "schools": {
        "school_id": "学校标识码", "school_name": "学校名称", "county_code": "县级单位代码",
        "county_name": "县级单位名称", "school_type": "办学类型", "parent_school_id": "所属学校标识码",
        "urban_rural": "城乡分类代码", "is_private": "是否民办", "is_boarding": "是否寄宿制",
    },
    "enrollment": {
        "school_id": "学校标识码", "stage": "学段", "students": "在校生数", "classes": "班数",
        "classes_over_45": "45人以上班数", "classes_over_50": "50人以上班数", "entrants": "招生数",
        "final_grade_students": "毕业年级在校生数", "migrant_students": "随迁子女在校生数",
    },
    "teachers": {
        "school_id": "学校标识码", "stage": "学段", "full_time_teachers": "专任教师数",
        "qual_postgraduate": "研究生学历", "qual_bachelor": "本科学历", "qual_associate": "专科学历",
        "qual_below_associate": "高中阶段及以下学历", "title_intermediate_plus": "中级及以上职称",
        "pe_teachers": "体育专任教师", "music_teachers": "音乐专任教师", "art_teachers": "美术专任教师",
        "backbone_teachers": "县级以上骨干教师", "certified_teachers": "持有教师资格证",
        "training_360h_completed": "完成五年360学时培训",
    },
    "facilities": {
        "school_id": "学校标识码", "teaching_aux_area_m2": "教学及辅助用房面积",
        "indoor_sports_area_m2": "室内体育用房面积", "sports_ground_area_m2": "运动场地面积",
        "equipment_value_10k_yuan": "教学仪器设备资产值（万元）", "multimedia_classrooms": "网络多媒体教室数",
        "computers": "教学用计算机数", "books": "图书（册）", "music_rooms": "音乐专用教室数",
        "music_room_min_area_m2": "音乐专用教室最小面积", "art_rooms": "美术专用教室数",
        "art_room_min_area_m2": "美术专用教室最小面积",
    },
    "finance": {
        "school_id": "学校标识码", "public_funds_budget_yuan": "公用经费预算", "public_funds_yuan": "公用经费支出",
        "funded_students": "核定公用经费学生数", "teacher_training_funds_yuan": "教师培训经费",
    },
    "county_finance": {
        "county_code": "县级单位代码", "teacher_avg_salary_yuan": "义务教育教师年平均工资",
        "civil_servant_avg_salary_yuan": "当地公务员年平均工资",
    },
    "county_submission": {"county_code": "县级单位代码", "item_code": "指标代码", "value": "值", "evidence": "佐证材料"},
}
# columns that are identifiers/codes: always text (parquet: string)
TEXT_COLUMNS = ("school_id", "parent_school_id", "county_code", "urban_rural", "item_code", "value")

SCHOOL_TYPES = ("小学", "小学教学点", "初级中学", "九年一贯制学校", "职业初中", "完全中学", "十二年一贯制学校", "特殊教育学校")
PRI, TP, JUN, NINE, VOC, FULL, TWELVE, SPED = range(8)
_TYPE_CATEGORY = np.array(["21", "09", "31", "32", "33", "34", "35", "05"])
_TYPE_SUFFIX = np.array(["小学", "教学点", "初级中学", "九年一贯制学校", "职业初级中学", "中学", "十二年一贯制学校",
                         "特殊教育学校"])
STAGES = ("小学", "初中", "高中")
_HAS_STAGE = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [1, 1, 1], [1, 1, 0]],
                      dtype=bool)
_GRADES = np.array([6, 3, 3])
UR_CODES = ("111", "112", "121", "122", "123", "210", "220")
_UR_CLASS = np.array([0, 0, 1, 1, 1, 2, 2])  # 0 城区, 1 镇区, 2 乡村

# resource floors R1..R7 by stage (senior: not evaluated, junior floors used to size it)
_THR = np.array([[4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3],
                 [5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4],
                 [5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4]])
_STAGE_W = np.array([1.0, 1.1, 1.32])
_FULL_W = np.array([0.0, 1.0, 1.2])
_TYPE_W = np.array([_FULL_W if t == FULL else _STAGE_W for t in range(8)])
# facility sizing per weighted pupil: max over compulsory stages of floor / weight, so every level clears it
_TYPE_T = np.array([[max(_THR[s, k] / _TYPE_W[t, s] for s in (0, 1) if _HAS_STAGE[t, s]) for k in range(3, 7)]
                    for t in range(8)])

ANSHAN = (
    ("210302", "铁东区"), ("210303", "铁西区"), ("210304", "立山区"), ("210311", "千山区"), ("210321", "台安县"),
    ("210323", "岫岩满族自治县"), ("210381", "海城市"), ("210391", "鞍山高新技术产业开发区"), ("210392", "鞍山经济开发区"),
)
_PROVINCES = np.array(["11", "12", "13", "14", "15", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                       "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"])

# roles (demo scenarios; synthetic blocks only use NORMAL and LOW)
NORMAL, R2HUB, XY_HUB, XY_LOW, UNDER, CROWD, LOW = range(7)
_FLOOR = 1.06  # normal school units sit at >= 1.06x every floor

# mean factor over the floor for R1..R7 by urban-rural class (城区, 镇区, 乡村)
_FMEAN = np.array([[1.35, 1.45, 1.40, 1.30, 1.20, 1.70, 1.60],
                   [1.45, 1.35, 1.35, 1.45, 1.50, 1.45, 1.45],
                   [1.70, 1.30, 1.45, 1.70, 1.85, 1.30, 1.35]])

# (county, type, urban_rural, n, size_lo, size_hi, role) -- size = pupils in the reference year
_DEMO_SPEC = (
    # 铁东区: urban core
    (0, PRI, "111", 13, 800, 1650, NORMAL), (0, PRI, "112", 6, 450, 1200, NORMAL),
    (0, JUN, "111", 6, 800, 1600, NORMAL), (0, JUN, "112", 2, 500, 1000, NORMAL),
    (0, NINE, "111", 2, 1200, 2200, NORMAL), (0, FULL, "111", 1, 1800, 2600, NORMAL),
    (0, TWELVE, "111", 1, 1800, 2800, NORMAL), (0, SPED, "111", 1, 80, 160, NORMAL),
    # 铁西区: three big primary schools hold most backbone teachers
    (1, PRI, "111", 3, 1400, 1650, R2HUB), (1, PRI, "111", 9, 700, 1400, NORMAL),
    (1, PRI, "112", 6, 400, 1000, NORMAL), (1, JUN, "111", 5, 700, 1500, NORMAL),
    (1, JUN, "112", 2, 400, 900, NORMAL), (1, NINE, "112", 2, 800, 1600, NORMAL), (1, SPED, "111", 1, 60, 120, NORMAL),
    # 立山区
    (2, PRI, "111", 11, 700, 1650, NORMAL), (2, PRI, "112", 5, 400, 1000, NORMAL),
    (2, JUN, "111", 5, 700, 1500, NORMAL), (2, JUN, "112", 1, 400, 900, NORMAL),
    (2, NINE, "112", 2, 700, 1500, NORMAL), (2, FULL, "111", 1, 1600, 2400, NORMAL), (2, SPED, "111", 1, 60, 120, NORMAL),
    # 千山区: suburban/rural district
    (3, PRI, "112", 3, 500, 1200, NORMAL), (3, PRI, "121", 6, 300, 900, NORMAL), (3, PRI, "210", 6, 120, 400, NORMAL),
    (3, PRI, "220", 6, 60, 250, NORMAL), (3, JUN, "121", 4, 300, 900, NORMAL), (3, JUN, "210", 2, 150, 400, NORMAL),
    (3, NINE, "210", 3, 200, 450, NORMAL), (3, NINE, "220", 1, 100, 300, NORMAL), (3, TP, "220", 8, 0, 0, NORMAL),
    (3, TP, "210", 2, 0, 0, NORMAL),
    # 台安县: four under-equipped village primary schools
    (4, PRI, "111", 4, 800, 1600, NORMAL), (4, PRI, "121", 8, 300, 1200, NORMAL), (4, PRI, "210", 10, 100, 400, NORMAL),
    (4, PRI, "220", 8, 60, 300, NORMAL), (4, PRI, "220", 4, 120, 300, UNDER), (4, JUN, "111", 2, 900, 1600, NORMAL),
    (4, JUN, "121", 5, 300, 1000, NORMAL), (4, JUN, "210", 5, 150, 400, NORMAL), (4, NINE, "121", 1, 500, 1200, NORMAL),
    (4, NINE, "210", 3, 150, 400, NORMAL), (4, FULL, "111", 1, 1600, 2400, NORMAL), (4, SPED, "111", 1, 50, 120, NORMAL),
    (4, TP, "220", 16, 0, 0, NORMAL), (4, TP, "210", 4, 0, 0, NORMAL),
    # 岫岩满族自治县: county-town junior schools far richer than the rest
    (5, PRI, "111", 3, 900, 1650, NORMAL), (5, PRI, "121", 6, 300, 900, NORMAL), (5, PRI, "210", 12, 100, 400, NORMAL),
    (5, PRI, "220", 14, 60, 300, NORMAL), (5, JUN, "111", 2, 1100, 1400, XY_HUB), (5, JUN, "121", 4, 300, 800, XY_LOW),
    (5, JUN, "210", 6, 150, 400, XY_LOW), (5, JUN, "220", 4, 100, 250, XY_LOW), (5, NINE, "210", 4, 150, 400, XY_LOW),
    (5, NINE, "220", 2, 100, 250, XY_LOW), (5, FULL, "111", 1, 2000, 2400, XY_HUB), (5, SPED, "111", 1, 50, 100, NORMAL),
    (5, TP, "220", 22, 0, 0, NORMAL), (5, TP, "210", 4, 0, 0, NORMAL),
    # 海城市: one overcrowded town junior school
    (6, PRI, "111", 12, 800, 1650, NORMAL), (6, PRI, "112", 5, 500, 1200, NORMAL), (6, PRI, "121", 14, 300, 1200, NORMAL),
    (6, PRI, "122", 4, 300, 800, NORMAL), (6, PRI, "210", 14, 100, 400, NORMAL), (6, PRI, "220", 12, 60, 300, NORMAL),
    (6, JUN, "111", 5, 900, 1650, NORMAL), (6, JUN, "112", 2, 600, 1200, NORMAL), (6, JUN, "121", 1, 1750, 1750, CROWD),
    (6, JUN, "121", 6, 400, 1200, NORMAL), (6, JUN, "122", 1, 300, 800, NORMAL), (6, JUN, "210", 6, 150, 450, NORMAL),
    (6, NINE, "121", 2, 600, 1400, NORMAL), (6, NINE, "210", 3, 150, 400, NORMAL), (6, FULL, "111", 2, 1800, 2800, NORMAL),
    (6, TWELVE, "112", 1, 1600, 2600, NORMAL), (6, SPED, "111", 1, 80, 180, NORMAL), (6, VOC, "121", 1, 200, 400, NORMAL),
    (6, TP, "220", 18, 0, 0, NORMAL), (6, TP, "210", 4, 0, 0, NORMAL),
    # 鞍山高新技术产业开发区
    (7, PRI, "111", 4, 700, 1600, NORMAL), (7, PRI, "112", 2, 400, 900, NORMAL), (7, JUN, "111", 2, 700, 1400, NORMAL),
    (7, NINE, "111", 1, 900, 1800, NORMAL),
    # 鞍山经济开发区
    (8, PRI, "112", 3, 400, 1000, NORMAL), (8, PRI, "121", 2, 300, 800, NORMAL), (8, JUN, "112", 1, 500, 1000, NORMAL),
    (8, JUN, "121", 1, 300, 800, NORMAL), (8, NINE, "122", 1, 300, 900, NORMAL), (8, TP, "220", 2, 0, 0, NORMAL),
)
_DEMO_BASIC_YEAR = (2013, 2013, 2014, 2015, 2016, 2017, 2015, 2014, 2016)
# demo submission failures: (county index, item, value)
_DEMO_SUBMISSION_FAILS = ((2, "G11a", 8.0), (3, "SR", 83.0))
_R2_TARGET_CV = 0.512  # 铁西区 primary R2 coefficient (just above the 0.50 cap)

# synthetic counties: kind 0 市辖区, 1 县/县级市, 2 开发区
_KIND_P = np.array([0.30, 0.65, 0.05])
_KIND_SCHOOLS = np.array([58.0, 74.0, 24.0])
_KIND_TPS = np.array([3.0, 26.7, 2.0])
_KIND_TYPE_P = np.array([
    # PRI   TP   JUN    NINE   VOC    FULL   TWELVE SPED
    [0.692, 0.0, 0.190, 0.060, 0.001, 0.025, 0.007, 0.025],
    [0.7265, 0.0, 0.155, 0.090, 0.0005, 0.012, 0.004, 0.012],
    [0.620, 0.0, 0.200, 0.150, 0.000, 0.020, 0.010, 0.000],
])
# urban-rural code probabilities (111 112 121 122 123 210 220) by kind and group (小学 / 初中+九年 / central)
_UR_P = np.array([
    [[.55, .22, .08, .04, .01, .05, .05], [.55, .22, .10, .04, .01, .05, .03], [.60, .25, .15, 0, 0, 0, 0]],
    [[.08, .07, .20, .08, .01, .24, .32], [.10, .08, .30, .10, .01, .26, .15], [.40, .15, .40, .05, 0, 0, 0]],
    [[.30, .30, .15, .10, .00, .10, .05], [.30, .30, .20, .10, .00, .07, .03], [.50, .30, .20, 0, 0, 0, 0]],
])
_TYPE_GROUP = np.array([0, 0, 1, 1, 2, 2, 2, 2])
# reference-year pupils (lo, hi) by type and urban-rural class
_SIZE = np.array([
    [[800, 1950], [300, 1500], [60, 400]],      # 小学
    [[10, 120], [10, 120], [10, 120]],          # 教学点 (own mixture)
    [[800, 1950], [300, 1500], [100, 450]],     # 初级中学
    [[900, 2400], [400, 1500], [100, 450]],     # 九年一贯制
    [[150, 500], [150, 500], [150, 500]],       # 职业初中
    [[1200, 3000], [800, 2200], [600, 1500]],   # 完全中学
    [[1200, 3000], [800, 2200], [800, 2000]],   # 十二年一贯制
    [[40, 250], [40, 250], [40, 250]],          # 特殊教育
], dtype=float)
# class-size targets (lo, hi) by stage and urban-rural class; teaching points 8-20
_CLASS_T = np.array([[[36, 42], [30, 41], [18, 34]],
                     [[40, 47], [36, 46], [28, 42]],
                     [[40, 48], [40, 48], [38, 46]]], dtype=float)
# share of qualified teachers (primary: 专科+, junior/senior: 本科+) by stage and urban-rural class
_PQ = np.array([[0.995, 0.98, 0.95], [0.95, 0.90, 0.85], [0.97, 0.97, 0.95]])
_PG_SHARE = np.array([[0.06, 0.03, 0.01], [0.10, 0.05, 0.03], [0.12, 0.10, 0.08]])  # 研究生 among qualified
_BACH_SHARE_PRI = np.array([0.85, 0.74, 0.60])  # 本科 among qualified non-研究生, primary
_SUBMISSION_ITEMS = (
    "G1", "G2", "G9", "G10", "G11a", "G11b", "G13p", "G13j", "G14", "G15a", "G15b", "Q2", "Q3", "Q5", "Q6", "Q7",
    "Q8", "Q9", "SR", "VETO_EXAM_ADMISSION", "VETO_SCHOOL_CHOICE", "VETO_KEY_SCHOOLS", "VETO_KEY_CLASSES",
    "VETO_VACANT_POSTS", "VETO_SAFETY", "VETO_FRAUD", "BASIC_BALANCED_YEAR",
)
_YESNO_ITEMS = ("G1", "G2", "G10", "G15b", "Q3", "Q5", "Q6", "Q7", "Q8", "Q9")
# percentage items: (pass lo, pass hi, fail lo, fail hi)
_PCT_ITEMS = {
    "G11a": (10.5, 18.0, 6.0, 9.5), "G11b": (21.0, 35.0, 12.0, 19.0), "G13p": (100.0, 100.0, 97.0, 99.5),
    "G13j": (95.5, 100.0, 90.0, 94.5), "G14": (51.0, 65.0, 40.0, 48.0), "G15a": (87.0, 99.0, 78.0, 84.0),
    "Q2": (95.5, 99.6, 90.0, 94.5), "SR": (88.0, 97.0, 80.0, 84.5),
}
# fmt: on
SYNTHETIC_NOTE = (
    "SYNTHETIC DATA - 合成数据，仅供演示与测试\n\n"
    "Every file in this directory was generated by ingestion/generate.py. Apart from the county codes and names\n"
    "of the Anshan units, nothing in it is real: schools, identifiers, enrolments, teachers, facilities, funds\n"
    "and survey values are invented. Every row carries synthetic = 1 and every school name contains （合成）.\n"
)


@dataclass
class _Roster:
    """Year-independent part of one block of counties (the Anshan nine, or the synthetic units)."""

    key: tuple[int, ...]
    # county level (C)
    c_code: np.ndarray
    c_name: np.ndarray
    c_growth: np.ndarray  # (C, 3) yearly enrolment growth by stage
    c_surv: np.ndarray  # junior year-to-year retention (county mean)
    c_topup: np.ndarray  # local top-up of the public-funds benchmark
    c_g6: np.ndarray  # small village schools funded as 100 pupils
    c_uncert: np.ndarray  # share of teachers without a certificate
    c_untrained: np.ndarray  # share of teachers without the 360 hours
    c_salary: np.ndarray  # civil-servant average salary in REF_YEAR
    c_ratio: np.ndarray  # teacher / civil-servant salary
    c_basic_year: np.ndarray
    c_fail: np.ndarray  # (C, items) submitted item fails
    c_fail_value: np.ndarray  # (C, items) value for a fixed failure (nan: draw one)
    c_veto: np.ndarray  # (C, items) veto answered 是
    calibrate_r2: int  # county index whose primary R2 coefficient is calibrated, -1 none
    # school level (N)
    county: np.ndarray
    stype: np.ndarray
    ur: np.ndarray  # index into UR_CODES
    private: np.ndarray
    boarding: np.ndarray
    sid: np.ndarray
    name: np.ndarray
    parent: np.ndarray  # index of the central school, -1 none
    size: np.ndarray
    role: np.ndarray
    ff: np.ndarray  # (N, 4) facility factors R4..R7
    ffloor: np.ndarray
    indoor_share: np.ndarray
    comp_rate: np.ndarray
    book_rate: np.ndarray
    music_extra: np.ndarray
    art_extra: np.ndarray
    music_area: np.ndarray
    art_area: np.ndarray
    fund_noise: np.ndarray
    spend_ratio: np.ndarray
    train_ratio: np.ndarray
    sped_rate: np.ndarray
    migrant_p: np.ndarray
    title_p: np.ndarray
    # stage-unit level (U), ordered by school then stage
    u_school: np.ndarray
    u_stage: np.ndarray
    u_share: np.ndarray
    u_surv: np.ndarray
    u_ct: np.ndarray  # class-size target
    u_tf: np.ndarray  # (U, 3) teacher factors R1..R3
    u_tfloor: np.ndarray


# ----------------------------------------------------------------------------------------------------------
# helpers


def _loguniform(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, skew: float = 0.8) -> np.ndarray:
    u = rng.random(np.shape(lo)) ** skew
    return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))


def _ordinal(key: np.ndarray) -> np.ndarray:
    """1-based rank of each element among equal keys, in array order."""
    order = np.argsort(key, kind="stable")
    sk = key[order]
    idx = np.arange(len(sk))
    first = np.r_[True, sk[1:] != sk[:-1]] if len(sk) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, idx, 0)) if len(sk) else idx
    out = np.empty(len(sk), dtype=np.int64)
    out[order] = idx - start + 1
    return out


def _pick_by_cum(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Categorical draw per row: u (n,), p (n, k) row probabilities."""
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    return (u[:, None] > cum).sum(axis=1)


def _tp_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    small = rng.random(n) < 0.5
    return np.where(small, rng.uniform(10, 49.4, n), rng.uniform(50.6, 120, n))


def _assign_parents(
    rng: np.random.Generator,
    county: np.ndarray,
    stype: np.ndarray,
    urc: np.ndarray,
    tp_idx: np.ndarray,
    n_counties: int,
) -> np.ndarray:
    """Central school for each teaching point: a 小学/九年一贯制 of its county, preferably outside the city."""
    parent = np.full(len(county), -1, dtype=np.int64)
    if len(tp_idx) == 0:
        return parent
    any_ok = (stype == PRI) | (stype == NINE)
    pref_ok = any_ok & (urc > 0)
    u = rng.random(len(tp_idx))
    choice = np.full(len(tp_idx), -1, dtype=np.int64)
    tc = county[tp_idx]
    for ok in (pref_ok, any_ok):  # two passes, not a loop over counties
        cand = np.flatnonzero(ok)
        cand = cand[np.argsort(county[cand], kind="stable")]
        cnt = np.bincount(county[cand], minlength=n_counties)
        start = np.r_[0, np.cumsum(cnt)[:-1]]
        todo = (choice < 0) & (cnt[tc] > 0)
        k = np.minimum((u[todo] * cnt[tc[todo]]).astype(np.int64), cnt[tc[todo]] - 1)
        choice[todo] = cand[start[tc[todo]] + k]
    if (choice < 0).any():
        raise ValueError("a county has teaching points but no 小学/九年一贯制学校 to attach them to")
    parent[tp_idx] = choice
    return parent


# ----------------------------------------------------------------------------------------------------------
# rosters (year-independent)


def _finish_roster(
    rng: np.random.Generator,
    key: tuple[int, ...],
    county_cols: dict,
    county: np.ndarray,
    stype: np.ndarray,
    ur: np.ndarray,
    size: np.ndarray,
    role: np.ndarray,
    province: np.ndarray,
    c_eff: np.ndarray,
    c_sigma: np.ndarray,
    c_oversize: np.ndarray,
    c_big: np.ndarray,
    c_gap: np.ndarray,
    calibrate_r2: int,
) -> _Roster:
    n_c = len(county_cols["c_code"])
    urc = _UR_CLASS[ur]
    is_tp = stype == TP
    tp_idx = np.flatnonzero(is_tp)
    parent = _assign_parents(rng, county, stype, urc, tp_idx, n_c)

    # sort: county, type, then generation order; remap parents
    order = np.lexsort((np.arange(len(county)), stype, county))
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    county, stype, ur, urc, size, role, is_tp = (
        a[order] for a in (county, stype, ur, urc, size, role, is_tp)
    )
    parent = parent[order]
    parent = np.where(parent >= 0, inv[np.maximum(parent, 0)], -1)
    n = len(county)

    # oversize schools (G4) in some synthetic counties
    big = c_big[county] & ((stype == PRI) | (stype == JUN)) & (urc == 0) & (rng.random(n) < 0.04)
    size = np.where(big, rng.uniform(2050, 2800, n), size)
    size = np.round(size)

    private = (
        (rng.random(n) < np.array([0.09, 0.05, 0.01])[urc]) & ~is_tp & (stype != SPED) & (role == NORMAL)
    ).astype(np.int64)
    board_p = np.select(
        [stype == TP, stype == PRI, (stype == JUN) | (stype == NINE)],
        [0.0, np.array([0.01, 0.05, 0.12])[urc], np.array([0.05, 0.33, 0.6])[urc]],
        0.45,
    )
    boarding = (rng.random(n) < board_p).astype(np.int64)

    # ids: category + province + serial within the province; names by ordinal within county and type
    serial = _ordinal(np.unique(province[county], return_inverse=True)[1].ravel())
    if serial.max(initial=0) > 999_999:
        raise ValueError("too many schools for a 6-digit serial within a province")
    sid = (
        pd.Series(_TYPE_CATEGORY[stype])
        + pd.Series(province[county])
        + pd.Series(serial).astype(str).str.zfill(6)
    ).to_numpy(dtype=object)
    ordinal = _ordinal(county.astype(np.int64) * 8 + stype)
    name = (
        pd.Series(county_cols["c_name"][county])
        + pd.Series(np.where(private == 1, "民办", ""))
        + "第"
        + pd.Series(ordinal).astype(str)
        + pd.Series(_TYPE_SUFFIX[stype])
        + "（合成）"
    ).to_numpy(dtype=object)

    # facility factors R4..R7 per school
    z = rng.standard_normal((n, 4))
    ff = _FMEAN[urc][:, 3:] * np.exp(c_eff[county][:, 3:] + c_sigma[county][:, None] * z)
    ff = np.clip(ff, _FLOOR, 3.0) * np.where(urc == 0, c_gap[county], 1.0)[:, None]  # rich city schools
    ffloor = np.full(n, _FLOOR)
    tp_has_parent = is_tp & (parent >= 0)
    ff[tp_has_parent] = np.clip(ff[parent[tp_has_parent]] * np.exp(0.08 * z[tp_has_parent]), _FLOOR, 3.0)
    ff[stype == SPED] *= 1.8

    # stage units
    u_school, u_stage = np.nonzero(_HAS_STAGE[stype])
    shares = np.zeros((n, 3))
    single = _HAS_STAGE[stype].sum(axis=1) == 1
    shares[single] = _HAS_STAGE[stype][single]
    p9 = rng.uniform(0.60, 0.70, n)
    shares[stype == NINE] = np.c_[p9, 1 - p9, np.zeros(n)][stype == NINE]
    psp = rng.uniform(0.60, 0.75, n)
    shares[stype == SPED] = np.c_[psp, 1 - psp, np.zeros(n)][stype == SPED]
    p12, j12 = rng.uniform(0.46, 0.52, n), rng.uniform(0.23, 0.27, n)
    shares[stype == TWELVE] = np.c_[p12, j12, 1 - p12 - j12][stype == TWELVE]
    jf = rng.uniform(0.42, 0.55, n)
    shares[stype == FULL] = np.c_[np.zeros(n), jf, 1 - jf][stype == FULL]
    u_share = shares[u_school, u_stage]
    n_u = len(u_school)
    uc = county[u_school]
    u_urc = urc[u_school]
    u_tp = is_tp[u_school]

    surv = np.where(
        u_stage == 1,
        np.clip(county_cols["c_surv"][uc] + rng.normal(0, 0.004, n_u), 0.94, 0.999),
        np.where(u_stage == 0, rng.uniform(0.996, 1.0, n_u), 0.99),
    )
    lo = _CLASS_T[u_stage, u_urc, 0]
    hi = _CLASS_T[u_stage, u_urc, 1]
    ct = rng.uniform(lo, hi)
    ct = np.where(u_tp, rng.uniform(8, 20, n_u), ct)
    ct = np.where(stype[u_school] == SPED, rng.uniform(8, 12, n_u), ct)
    oversize = c_oversize[uc] & (u_urc == 1) & (u_stage < 2) & (rng.random(n_u) < 0.08)
    ct = np.where(oversize, rng.uniform(47, 56, n_u), ct)

    zt = rng.standard_normal((n_u, 3))
    tf = _FMEAN[u_urc][:, :3] * np.exp(c_eff[uc][:, :3] + c_sigma[uc][:, None] * zt)
    tf[u_tp, 0] *= 1.1
    tf = np.clip(tf, _FLOOR, 3.0)
    tf[:, 1:] *= np.where(u_urc == 0, c_gap[uc], 1.0)[:, None]
    tf[stype[u_school] == SPED] *= np.array([3.0, 1.0, 1.5])
    tfloor = np.full(n_u, _FLOOR)

    # ---- scenario roles
    def pick(mask: np.ndarray, lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, int(mask.sum()))

    m = role == XY_HUB
    ff[m] = rng.uniform(4.0, 4.6, (int(m.sum()), 4))
    mu = (role[u_school] == XY_HUB) & (u_stage == 1)
    tf[mu] = np.c_[pick(mu, 2.2, 2.4), pick(mu, 3.4, 3.8), pick(mu, 2.3, 2.6)]
    m = role == XY_LOW
    ff[m] = rng.uniform(1.06, 1.18, (int(m.sum()), 4))
    mu = (role[u_school] == XY_LOW) & (u_stage == 1)
    tf[mu] = rng.uniform(1.06, 1.15, (int(mu.sum()), 3))
    mu = role[u_school] == R2HUB
    tf[mu, 0] = np.maximum(tf[mu, 0], 1.45)
    tf[mu, 1] = 2.8  # calibrated per year
    m = (role == UNDER) | (is_tp & (parent >= 0) & (role[np.maximum(parent, 0)] == UNDER))
    ff[m, 1] = rng.uniform(0.62, 0.72, int(m.sum()))
    ff[m, 2] = rng.uniform(0.45, 0.60, int(m.sum()))
    ffloor[m] = 0.0
    m = role == CROWD
    ff[m] = np.array([0.74, 0.70, 1.30, 1.25])
    ffloor[m] = 0.0
    mu = role[u_school] == CROWD
    tf[mu] = np.array([0.84, 1.10, 0.95])
    tfloor[mu] = 0.0
    ct[mu] = 55.0
    # synthetic: a few under-resourced schools (one or two indicators at 0.55-0.97x their floor)
    low = np.flatnonzero(role == LOW)
    if len(low):
        ov = np.full((n, 7), np.nan)
        ov[low, rng.integers(0, 7, len(low))] = rng.uniform(0.55, 0.97, len(low))
        two = low[rng.random(len(low)) < 0.5]
        ov[two, rng.integers(0, 7, len(two))] = rng.uniform(0.55, 0.97, len(two))
        ff = np.where(np.isnan(ov[:, 3:]), ff, ov[:, 3:])
        tf = np.where(np.isnan(ov[u_school, :3]), tf, ov[u_school, :3])
        ffloor[low] = 0.0
        tfloor[role[u_school] == LOW] = 0.0

    comp_rate = np.array([0.18, 0.14, 0.12])[urc] * rng.uniform(0.85, 1.2, n)
    book_rate = rng.uniform(30, 45, n)
    music_extra = (rng.random(n) < 0.3).astype(np.int64)
    art_extra = (rng.random(n) < 0.3).astype(np.int64)
    music_area = np.round(rng.uniform(96, 130, n), 1)
    art_area = np.round(rng.uniform(90, 120, n), 1)
    # synthetic: a few schools short of the G3 rooms (one room too few, or too small)
    g3bad = c_oversize[county] & (rng.random(n) < 0.03) & ~is_tp
    music_extra = np.where(g3bad, -1, music_extra)
    art_area = np.where(g3bad & (rng.random(n) < 0.5), np.round(rng.uniform(60, 85, n), 1), art_area)

    sped_rate = rng.uniform(1.25, 1.5, n) * 6000.0
    train_ratio = rng.uniform(0.055, 0.085, n)
    train_ratio = np.where(
        c_oversize[county] & (rng.random(n) < 0.03), rng.uniform(0.02, 0.045, n), train_ratio
    )
    migrant_p = np.select(
        [urc == 0, urc == 1],
        [rng.uniform(0.10, 0.30, n), rng.uniform(0.04, 0.12, n)],
        rng.uniform(0.0, 0.03, n),
    )
    migrant_p = np.where(is_tp, rng.uniform(0.0, 0.02, n), migrant_p)

    return _Roster(
        key=key,
        calibrate_r2=calibrate_r2,
        county=county,
        stype=stype,
        ur=ur,
        private=private,
        boarding=boarding,
        sid=sid,
        name=name,
        parent=parent,
        size=size,
        role=role,
        ff=ff,
        ffloor=ffloor,
        indoor_share=np.where(
            urc == 0, rng.uniform(0.08, 0.20, n), np.where(urc == 1, rng.uniform(0.0, 0.10, n), 0.0)
        )
        * (~is_tp),
        comp_rate=comp_rate,
        book_rate=book_rate,
        music_extra=music_extra,
        art_extra=art_extra,
        music_area=music_area,
        art_area=art_area,
        fund_noise=rng.uniform(1.0, 1.08, n),
        spend_ratio=rng.uniform(0.93, 1.0, n),
        train_ratio=train_ratio,
        sped_rate=sped_rate,
        migrant_p=migrant_p,
        title_p=rng.uniform(0.45, 0.62, n),
        u_school=u_school,
        u_stage=u_stage,
        u_share=u_share,
        u_surv=surv,
        u_ct=ct,
        u_tf=tf,
        u_tfloor=tfloor,
        **county_cols,
    )


def _county_fail_arrays(n_c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = len(_SUBMISSION_ITEMS)
    return np.zeros((n_c, k), bool), np.full((n_c, k), np.nan), np.zeros((n_c, k), bool)


def _demo_roster(seed: int) -> _Roster:
    rng = np.random.default_rng([seed, 0xA5, 21])
    n_c = len(ANSHAN)
    fail, fail_value, veto = _county_fail_arrays(n_c)
    for c, item, value in _DEMO_SUBMISSION_FAILS:
        fail[c, _SUBMISSION_ITEMS.index(item)] = True
        fail_value[c, _SUBMISSION_ITEMS.index(item)] = value
    county_cols = dict(
        c_code=np.array([c for c, _ in ANSHAN]),
        c_name=np.array([nm for _, nm in ANSHAN]),
        # Liaoning: primary enrolment falling, junior about flat
        c_growth=np.c_[rng.normal(-0.015, 0.004, n_c), rng.normal(-0.005, 0.004, n_c), np.zeros(n_c)],
        c_surv=rng.uniform(0.984, 0.99, n_c),
        c_topup=rng.uniform(1.05, 1.2, n_c),
        c_g6=np.ones(n_c, bool),
        c_uncert=np.zeros(n_c),
        c_untrained=np.zeros(n_c),
        c_salary=np.array([99e3, 97e3, 96e3, 93e3, 88e3, 86e3, 92e3, 101e3, 97e3])
        * rng.uniform(0.98, 1.02, n_c),
        c_ratio=rng.uniform(1.01, 1.06, n_c),
        c_basic_year=np.array(_DEMO_BASIC_YEAR),
        c_fail=fail,
        c_fail_value=fail_value,
        c_veto=veto,
    )
    spec = _DEMO_SPEC
    counts = np.array([s[3] for s in spec])
    county = np.repeat([s[0] for s in spec], counts)
    stype = np.repeat([s[1] for s in spec], counts)
    ur = np.repeat([UR_CODES.index(s[2]) for s in spec], counts)
    lo = np.repeat([float(s[4]) for s in spec], counts)
    hi = np.repeat([float(s[5]) for s in spec], counts)
    role = np.repeat([s[6] for s in spec], counts)
    size = _loguniform(rng, np.maximum(lo, 1.0), np.maximum(hi, 1.0))
    size = np.where(stype == TP, _tp_sizes(rng, len(stype)), size)
    return _finish_roster(
        rng,
        (seed, 0xA5),
        county_cols,
        county,
        stype,
        ur,
        size,
        role,
        province=np.array(["21"] * n_c),
        c_eff=np.zeros((n_c, 7)),
        c_sigma=np.full(n_c, 0.14),
        c_oversize=np.zeros(n_c, bool),
        c_big=np.zeros(n_c, bool),
        c_gap=np.ones(n_c),
        calibrate_r2=ANSHAN.index(("210303", "铁西区")),
    )


def _synthetic_roster(n_c: int, seed: int) -> _Roster:
    rng = np.random.default_rng([seed, 0x5E, n_c])
    idx = np.arange(n_c)
    province = _PROVINCES[idx % len(_PROVINCES)]
    serial = idx // len(_PROVINCES) + 1
    if serial.max(initial=0) > 9999:
        raise ValueError("too many counties")
    c_code = (pd.Series(province) + pd.Series(serial).astype(str).str.zfill(4)).to_numpy(dtype=str)
    c_name = ("合成县" + pd.Series(idx + len(ANSHAN) + 1).astype(str).str.zfill(4)).to_numpy(dtype=str)
    kind = _pick_by_cum(rng.random(n_c), np.tile(_KIND_P, (n_c, 1)))
    n_s = np.maximum(np.round(_KIND_SCHOOLS[kind] * rng.lognormal(-(0.45**2) / 2, 0.45, n_c)), 8).astype(
        np.int64
    )
    n_t = rng.poisson(rng.gamma(1.5, _KIND_TPS[kind] / 1.5)).astype(np.int64)
    # schools
    county = np.repeat(idx, n_s)
    pos = np.arange(len(county)) - np.repeat(np.r_[0, np.cumsum(n_s)[:-1]], n_s)
    stype = _pick_by_cum(rng.random(len(county)), _KIND_TYPE_P[kind[county]])
    stype = np.where(pos == 0, PRI, np.where(pos == 1, JUN, stype))
    ur = _pick_by_cum(rng.random(len(county)), _UR_P[kind[county], _TYPE_GROUP[stype]])
    urc = _UR_CLASS[ur]
    lo, hi = _SIZE[stype, urc, 0], _SIZE[stype, urc, 1]
    size = _loguniform(rng, lo, hi)
    # teaching points
    tcounty = np.repeat(idx, n_t)
    tur = np.where(rng.random(len(tcounty)) < 0.85, UR_CODES.index("220"), UR_CODES.index("210"))
    county = np.r_[county, tcounty]
    stype = np.r_[stype, np.full(len(tcounty), TP)]
    ur = np.r_[ur, tur]
    size = np.r_[size, _tp_sizes(rng, len(tcounty))]
    role = np.where((stype != TP) & (rng.random(len(county)) < 0.006), LOW, NORMAL)

    k = len(_SUBMISSION_ITEMS)
    fail = rng.random((n_c, k)) < 0.012
    computed = ("G9", "BASIC_BALANCED_YEAR")  # G9 follows the teachers feed; vetoes are set below
    fail[:, [i for i, it in enumerate(_SUBMISSION_ITEMS) if it in computed or it.startswith("VETO_")]] = False
    veto = np.zeros((n_c, k), bool)
    if n_c:
        veto_items = [i for i, it in enumerate(_SUBMISSION_ITEMS) if it.startswith("VETO_")]
        veto[rng.integers(0, n_c), veto_items[rng.integers(0, len(veto_items))]] = True
    basic = rng.integers(2012, 2020, n_c)
    basic = np.where(rng.random(n_c) < 0.03, rng.integers(2021, 2024, n_c), basic)
    county_cols = dict(
        c_code=c_code,
        c_name=c_name,
        c_growth=np.c_[
            rng.normal(-0.005, 0.015, n_c), rng.normal(0.012, 0.012, n_c), rng.normal(0.01, 0.01, n_c)
        ],
        c_surv=np.where(
            rng.random(n_c) < 0.05, rng.uniform(0.955, 0.972, n_c), rng.uniform(0.98, 0.992, n_c)
        ),
        c_topup=rng.uniform(1.0, 1.25, n_c),
        c_g6=rng.random(n_c) < 0.9,
        c_uncert=np.where(rng.random(n_c) < 0.08, rng.uniform(0.002, 0.02, n_c), 0.0),
        c_untrained=np.where(rng.random(n_c) < 0.15, rng.uniform(0.002, 0.05, n_c), 0.0),
        c_salary=rng.lognormal(np.log(95e3), 0.18, n_c),
        c_ratio=rng.normal(1.04, 0.03, n_c),
        c_basic_year=basic,
        c_fail=fail,
        c_fail_value=np.full((n_c, k), np.nan),
        c_veto=veto,
    )
    return _finish_roster(
        rng,
        (seed, 0x5E, n_c),
        county_cols,
        county,
        stype,
        ur,
        size,
        role,
        province=province,
        c_eff=rng.normal(0, 0.08, (n_c, 7)),  # county-level resource level per indicator
        c_sigma=rng.uniform(0.12, 0.55, n_c),  # between-school spread
        c_oversize=rng.random(n_c) < 0.3,  # some oversize classes, room and training-budget shortfalls
        c_big=rng.random(n_c) < 0.3,  # some schools over the G4 size limit
        c_gap=np.where(rng.random(n_c) < 0.25, rng.uniform(1.4, 2.8, n_c), 1.0),  # rich city schools
        calibrate_r2=-1,
    )


# ----------------------------------------------------------------------------------------------------------
# one year


def _weighted_cv(p: np.ndarray, x: np.ndarray) -> float:
    mean = (p * x).sum() / p.sum()
    return float(np.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean)


def _calibrate_hub_value(p_hub: np.ndarray, p_rest: np.ndarray, x_rest: np.ndarray, target: float) -> float:
    """Common R2 value of the hub schools that gives the county the target coefficient (bisection)."""
    p = np.r_[p_hub, p_rest]
    lo, hi = float(x_rest.max()), 50.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _weighted_cv(p, np.r_[np.full(len(p_hub), mid), x_rest]) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _year_tables(r: _Roster, year: int) -> dict[str, pd.DataFrame]:
    n, n_u = len(r.county), len(r.u_school)
    us, st = r.u_school, r.u_stage
    uc = r.county[us]
    grades = _GRADES[st]
    g = r.c_growth[uc, st]
    s = r.u_surv
    cbase = r.size[us] * r.u_share / sum(np.where(k < grades, s**k, 0.0) for k in range(6))

    # pupils move through the grades: cohort(t) depends only on the intake year t
    students = np.zeros(n_u, dtype=np.int64)
    entrants = np.zeros(n_u, dtype=np.int64)
    final = np.zeros(n_u, dtype=np.int64)
    for k in range(6):
        t = year - k
        eps = np.random.default_rng([*r.key, t, 11]).standard_normal(n_u)
        grade = np.round(cbase * (1 + g) ** (t - REF_YEAR) * np.exp(0.04 * eps) * s**k).astype(np.int64)
        grade = np.where(k < grades, np.maximum(grade, 0), 0)
        students += grade
        if k == 0:
            entrants = grade
        final = np.where(k == grades - 1, grade, final)
    students = np.maximum(students, 1)
    rng = np.random.default_rng([*r.key, year, 22])

    # classes
    ct = r.u_ct
    classes = np.maximum(np.ceil(students / ct), np.minimum(grades, np.ceil(students / 8))).astype(np.int64)
    classes = np.maximum(classes, 1)
    avg = students / classes
    o45 = np.floor(classes * np.clip((avg + 3 - 45.5) / 6, 0, 1)).astype(np.int64)
    o50 = np.floor(classes * np.clip((avg + 3 - 50.5) / 6, 0, 1)).astype(np.int64)
    o45 = np.clip(np.minimum(o45, (students - classes) // 45), 0, None)
    o50 = np.clip(np.minimum(np.minimum(o50, o45), (students - classes - 45 * o45) // 5), 0, None)
    migrant = rng.binomial(students, r.migrant_p[us])

    # teachers: counts sized from the floors (ceil keeps every normal unit at >= its factor)
    urc = _UR_CLASS[r.ur]
    u_urc = urc[us]
    tf = np.maximum(r.u_tf * np.exp(0.015 * rng.standard_normal((n_u, 3))), r.u_tfloor[:, None])
    thr = _THR[st]
    qualified = np.ceil(students * thr[:, 0] * tf[:, 0] / 100 - 1e-9).astype(np.int64)
    pq = _PQ[st, u_urc]
    nonq = rng.binomial(qualified, np.clip((1 - pq) / pq, 0, 1))
    backbone = np.ceil(students * thr[:, 1] * tf[:, 1] / 100 - 1e-9).astype(np.int64)
    pma = np.ceil(students * thr[:, 2] * tf[:, 2] / 100 - 1e-9).astype(np.int64)

    if r.calibrate_r2 >= 0:
        scope = (uc == r.calibrate_r2) & (st == 0) & ~np.isin(r.stype[us], (SPED, VOC, TP))
        hub = scope & (r.role[us] == R2HUB)
        rest = scope & ~hub
        if hub.any() and rest.any():
            x_rest = backbone[rest] / students[rest] * 100
            a = _calibrate_hub_value(
                students[hub].astype(float), students[rest].astype(float), x_rest, _R2_TARGET_CV
            )
            backbone[hub] = np.round(a * students[hub] / 100).astype(np.int64)

    ft = np.maximum(qualified + nonq, np.maximum(backbone, pma))
    qualified = ft - nonq
    pg = rng.binomial(qualified, _PG_SHARE[st, u_urc])
    primary = st == 0
    bach_p = np.where(primary, _BACH_SHARE_PRI[u_urc], 1.0)
    bach = rng.binomial(qualified - pg, bach_p)
    rest_q = qualified - pg - bach  # primary: 专科
    below_j = rng.binomial(nonq, 0.1)
    q_assoc = np.where(primary, rest_q, nonq - below_j)
    q_below = np.where(primary, nonq, below_j)
    pe = rng.binomial(pma, 0.45)
    music = rng.binomial(pma - pe, 0.5)
    art = pma - pe - music
    title = rng.binomial(ft, r.title_p[us])
    certified = ft - rng.binomial(ft, r.c_uncert[uc])
    trained = ft - rng.binomial(ft, r.c_untrained[uc])

    # facilities: whole school, sized by weighted enrolment
    ps = np.zeros((n, 3))
    ps[us, st] = students
    wsum = (ps * _TYPE_W[r.stype]).sum(axis=1)
    # teaching points are sized like their central school (merged into it when they have >= 50 pupils)
    tt = _TYPE_T[np.where(r.parent >= 0, r.stype[np.maximum(r.parent, 0)], r.stype)]
    ff = np.maximum(r.ff * np.exp(0.01 * rng.standard_normal((n, 4))), r.ffloor[:, None])
    sports = ff[:, 1] * wsum * tt[:, 1]
    indoor = np.round(sports * r.indoor_share, 1)
    ground = np.round(sports - indoor + 0.05, 1)
    teach_aux = np.round(ff[:, 0] * wsum * tt[:, 0] + indoor + 0.05, 1)
    equip = np.round(ff[:, 2] * wsum * tt[:, 2] / 1e4 + 0.005, 2)
    mm = np.ceil(ff[:, 3] * wsum * tt[:, 3] / 100).astype(np.int64)
    cls_school = np.bincount(us, weights=classes, minlength=n).astype(np.int64)
    rooms = np.ceil(cls_school / 12).astype(np.int64)
    music_rooms = np.maximum(rooms + r.music_extra, 0)
    art_rooms = np.maximum(rooms + r.art_extra, 0)

    # finance (calendar year)
    total = ps.sum(axis=1).astype(np.int64)
    rates = np.array([720.0, 940.0, 1100.0]) if year >= 2024 else np.array([650.0, 850.0, 1000.0])
    blended = (ps * rates).sum(axis=1) / np.maximum(total, 1)
    small = ((urc == 2) | (r.stype == TP)) & (total < 100) & r.c_g6[r.county]
    funded = np.where(small, 100, total)
    budget = np.where(
        r.stype == SPED, funded * r.sped_rate, funded * blended * r.c_topup[r.county] * r.fund_noise
    )
    budget = np.round(budget).astype(np.int64)
    spent = np.round(budget * r.spend_ratio).astype(np.int64)
    training = np.round(budget * r.train_ratio).astype(np.int64)

    sid = r.sid
    usid = sid[us]
    stage = np.array(STAGES)[st]
    one_u = np.ones(n_u, dtype=np.int64)
    one_s = np.ones(n, dtype=np.int64)
    frames = {
        "schools": pd.DataFrame(
            {
                "school_id": sid,
                "school_name": r.name,
                "county_code": r.c_code[r.county].astype(object),
                "county_name": r.c_name[r.county].astype(object),
                "school_type": np.array(SCHOOL_TYPES, dtype=object)[r.stype],
                "parent_school_id": np.where(r.parent >= 0, sid[np.maximum(r.parent, 0)], None),
                "urban_rural": np.array(UR_CODES, dtype=object)[r.ur],
                "is_private": r.private,
                "is_boarding": r.boarding,
                "synthetic": one_s,
            }
        ),
        "enrollment": pd.DataFrame(
            {
                "school_id": usid,
                "stage": stage,
                "students": students,
                "classes": classes,
                "classes_over_45": o45,
                "classes_over_50": o50,
                "entrants": entrants,
                "final_grade_students": final,
                "migrant_students": migrant,
                "synthetic": one_u,
            }
        ),
        "teachers": pd.DataFrame(
            {
                "school_id": usid,
                "stage": stage,
                "full_time_teachers": ft,
                "qual_postgraduate": pg,
                "qual_bachelor": bach,
                "qual_associate": q_assoc,
                "qual_below_associate": q_below,
                "title_intermediate_plus": title,
                "pe_teachers": pe,
                "music_teachers": music,
                "art_teachers": art,
                "backbone_teachers": backbone,
                "certified_teachers": certified,
                "training_360h_completed": trained,
                "synthetic": one_u,
            }
        ),
        "facilities": pd.DataFrame(
            {
                "school_id": sid,
                "teaching_aux_area_m2": teach_aux,
                "indoor_sports_area_m2": indoor,
                "sports_ground_area_m2": ground,
                "equipment_value_10k_yuan": equip,
                "multimedia_classrooms": mm,
                "computers": np.round(wsum * r.comp_rate).astype(np.int64),
                "books": np.round(wsum * r.book_rate).astype(np.int64),
                "music_rooms": music_rooms,
                "music_room_min_area_m2": r.music_area,
                "art_rooms": art_rooms,
                "art_room_min_area_m2": r.art_area,
                "synthetic": one_s,
            }
        ),
        "finance": pd.DataFrame(
            {
                "school_id": sid,
                "public_funds_budget_yuan": budget,
                "public_funds_yuan": spent,
                "funded_students": funded.astype(np.int64),
                "teacher_training_funds_yuan": training,
                "synthetic": one_s,
            }
        ),
    }
    frames["county_finance"], frames["county_submission"] = _county_tables(r, year, uc, st, ft, trained)
    return frames


def _county_tables(
    r: _Roster, year: int, uc: np.ndarray, st: np.ndarray, ft: np.ndarray, trained: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_c = len(r.c_code)
    rng = np.random.default_rng([*r.key, year, 33])
    cs = np.round(r.c_salary * 1.035 ** (year - REF_YEAR) * np.exp(0.01 * rng.standard_normal(n_c)))
    teacher = np.round(cs * r.c_ratio).astype(np.int64)
    cs = cs.astype(np.int64)
    county_finance = pd.DataFrame(
        {
            "county_code": r.c_code.astype(object),
            "teacher_avg_salary_yuan": teacher,
            "civil_servant_avg_salary_yuan": cs,
            "synthetic": np.ones(n_c, dtype=np.int64),
        }
    )

    comp = st < 2
    ft_c = np.bincount(uc[comp], weights=ft[comp], minlength=n_c)
    tr_c = np.bincount(uc[comp], weights=trained[comp], minlength=n_c)
    g9 = np.floor(1000 * tr_c / np.maximum(ft_c, 1)) / 10  # never rounds 99.96 up to 100.0
    k = len(_SUBMISSION_ITEMS)
    vals = np.empty((n_c, k), dtype=object)
    u = rng.random((n_c, k))
    for j, item in enumerate(_SUBMISSION_ITEMS):
        f = r.c_fail[:, j]
        if item in _YESNO_ITEMS:
            vals[:, j] = np.where(f, "否", "是")
        elif item.startswith("VETO_"):
            vals[:, j] = np.where(r.c_veto[:, j], "是", "否")
        elif item == "BASIC_BALANCED_YEAR":
            vals[:, j] = r.c_basic_year.astype(str)
        elif item == "G9":
            vals[:, j] = np.char.mod("%.1f", g9)
        else:
            plo, phi, flo, fhi = _PCT_ITEMS[item]
            v = np.where(f, flo + u[:, j] * (fhi - flo), plo + u[:, j] * (phi - plo))
            v = np.where(np.isnan(r.c_fail_value[:, j]), v, r.c_fail_value[:, j])
            vals[:, j] = np.char.mod("%.1f", np.round(v, 1))
    items = np.tile(np.array(_SUBMISSION_ITEMS, dtype=object), n_c)
    evidence = np.where(
        np.char.startswith(items.astype(str), "VETO_") | np.isin(items, _YESNO_ITEMS),
        "（合成）督导自评报告",
        "（合成）统计台账",
    )
    submission = pd.DataFrame(
        {
            "county_code": np.repeat(r.c_code.astype(object), k),
            "item_code": items,
            "value": vals.ravel(),
            "evidence": evidence.astype(object),
            "synthetic": np.ones(n_c * k, dtype=np.int64),
        }
    )
    return county_finance, submission


def _filter_counties(frames: dict[str, pd.DataFrame], codes: set[str]) -> dict[str, pd.DataFrame]:
    keep = frames["schools"]["county_code"].isin(codes)
    ids = set(frames["schools"].loc[keep, "school_id"])
    out = {}
    for feed, df in frames.items():
        mask = df["county_code"].isin(codes) if "county_code" in df else df["school_id"].isin(ids)
        out[feed] = df[mask].reset_index(drop=True)
    return out


# ----------------------------------------------------------------------------------------------------------
# public API


def build_feeds(counties: int = 9, year: int = 2024, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The seven feeds as DataFrames with canonical headers (plus ``synthetic`` = 1), deterministic."""
    counties = int(counties)
    if counties < 1:
        raise ValueError("counties must be >= 1")
    frames = _year_tables(_demo_roster(seed), int(year))
    if counties < len(ANSHAN):
        frames = _filter_counties(frames, {code for code, _ in ANSHAN[:counties]})
    if counties > len(ANSHAN):
        syn = _year_tables(_synthetic_roster(counties - len(ANSHAN), seed), int(year))
        frames = {f: pd.concat([frames[f], syn[f]], ignore_index=True) for f in FEEDS}
    return {f: frames[f] for f in FEEDS}


def generate_feeds(
    out_dir: Path | str,
    counties: int = 9,
    year: int = 2024,
    seed: int = 0,
    fmt: str = "csv",
    encoding: str = "utf-8",
    headers: str = "canonical",
) -> dict[str, Path]:
    """Write the seven feeds to ``<out_dir>/<year>/<feed>.<fmt>`` (and SYNTHETIC.txt); return {feed: path}."""
    if fmt not in ("csv", "xlsx", "parquet"):
        raise ValueError(f"fmt must be csv, xlsx or parquet, not {fmt!r}")
    if encoding not in ("utf-8", "gb18030"):
        raise ValueError(f"encoding must be utf-8 or gb18030, not {encoding!r}")
    if headers not in ("canonical", "zh"):
        raise ValueError(f"headers must be canonical or zh, not {headers!r}")
    target = Path(out_dir) / str(int(year))
    target.mkdir(parents=True, exist_ok=True)
    (target / "SYNTHETIC.txt").write_text(SYNTHETIC_NOTE, encoding="utf-8")
    paths: dict[str, Path] = {}
    for feed, df in build_feeds(counties, year, seed).items():
        if headers == "zh":
            df = df.rename(columns=COLUMNS[feed])
        path = target / f"{feed}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False, encoding=encoding)
        elif fmt == "xlsx":
            df.to_excel(path, index=False, sheet_name=feed, engine="openpyxl")
        else:
            _write_parquet(df, path, feed, headers)
        paths[feed] = path
    return paths


def _write_parquet(df: pd.DataFrame, path: Path, feed: str, headers: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = COLUMNS[feed] if headers == "zh" else {c: c for c in COLUMNS[feed]}
    text = {names[c] for c in TEXT_COLUMNS if c in names}
    fields = [pa.field(c, pa.string()) if c in text else None for c in df.columns]
    arrays = [
        pa.array(df[c].to_numpy(), type=pa.string() if f is not None else None, from_pandas=True)
        for c, f in zip(df.columns, fields, strict=True)
    ]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(df.columns)), path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write SYNTHETIC feeds to <out>/<year>/<feed>.<ext>.")
    ap.add_argument("out_dir")
    ap.add_argument("--counties", type=int, default=9)
    ap.add_argument("--years", default=str(REF_YEAR), help="a year, a list 2022,2024 or a range 2021-2024")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fmt", default="csv", choices=("csv", "xlsx", "parquet"))
    ap.add_argument("--encoding", default="utf-8", choices=("utf-8", "gb18030"))
    ap.add_argument("--headers", default="canonical", choices=("canonical", "zh"))
    a = ap.parse_args(argv)
    years: list[int] = []
    for part in a.years.split(","):
        lo, _, hi = part.partition("-")
        years.extend(range(int(lo), int(hi or lo) + 1))
    for y in years:
        t0 = time.perf_counter()
        paths = generate_feeds(a.out_dir, a.counties, y, a.seed, a.fmt, a.encoding, a.headers)
        print(f"{y}: {len(paths)} feeds in {Path(a.out_dir) / str(y)} ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
